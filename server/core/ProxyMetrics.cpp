#include "server/core/ProxyMetrics.h"

#include <algorithm>

namespace dynaseal {

ProxyMetrics::ProxyMetrics(Metrics &metrics)
    : m_metrics(metrics),
      m_tokensBilled(metrics.counter(QStringLiteral("dynaseal_tokens_billed_total"))),
      m_duration(metrics.histogram(QStringLiteral("dynaseal_proxy_duration_seconds")))
{
}

void ProxyMetrics::finished(ProxyEndpoint endpoint, const QString &status, qint64 billed, double seconds)
{
    QList<QPair<QString, Metrics::CounterId>> &byStatus = m_requests.at(size_t(endpoint));
    auto it = std::find_if(byStatus.cbegin(), byStatus.cend(), [&status](const auto &s) { return s.first == status; });
    if (it == byStatus.cend()) {
        byStatus.append({status, m_metrics.counter(QStringLiteral("dynaseal_proxy_requests_total{endpoint=\"%1\",status=\"%2\"}")
                                                       .arg(ProxyRequest::endpointNameOf(endpoint), status))});
        it = byStatus.cend() - 1;
    }
    m_metrics.add(it->second);
    m_metrics.add(m_tokensBilled, double(billed));
    m_metrics.observeSeconds(m_duration, seconds);
}

void ProxyMetrics::refused(const QString &code)
{
    auto it = m_refused.constFind(code);
    if (it == m_refused.constEnd())
        it = m_refused.insert(code, m_metrics.counter(QStringLiteral("dynaseal_proxy_refused_total{code=\"%1\"}").arg(code)));
    m_metrics.add(it.value());
}

} // namespace dynaseal

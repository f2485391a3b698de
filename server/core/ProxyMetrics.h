#pragma once
// The series a serving thread counts for every proxied call and every refusal, found in Metrics
// once per series (Metrics::CounterId) rather than hashed and compared by name on every call.
// One per serving thread: not thread-safe.
#include "server/core/Metrics.h"
#include "server/core/ProxyRequest.h"

#include <QHash>
#include <QList>
#include <QPair>
#include <QString>
#include <array>

namespace dynaseal {

class ProxyMetrics
{
public:
    explicit ProxyMetrics(Metrics &metrics);

    // A call's end: dynaseal_proxy_requests_total by endpoint and status, the tokens billed, and
    // its duration.
    void finished(ProxyEndpoint endpoint, const QString &status, qint64 billed, double seconds);
    // dynaseal_proxy_refused_total by error code.
    void refused(const QString &code);

private:
    Metrics &m_metrics;
    Metrics::CounterId m_tokensBilled;
    Metrics::HistogramId m_duration;
    // By ProxyEndpoint, then status: a few constants (RequestStatus), found by comparing, which
    // is cheaper than hashing them.
    std::array<QList<QPair<QString, Metrics::CounterId>>, 3> m_requests;
    QHash<QString, Metrics::CounterId> m_refused; // by code
};

} // namespace dynaseal

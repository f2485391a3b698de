// ProxyMetrics: every call's end and every refusal counted in its own series of Metrics, by
// endpoint and status, whatever order they come in.
#include "server/core/ProxyMetrics.h"
#include "server/core/UsageRecord.h"

#include <QtTest>

using namespace dynaseal;

namespace {

QString requestsSeries(const QString &endpoint, const QString &status)
{
    return QStringLiteral("dynaseal_proxy_requests_total{endpoint=\"%1\",status=\"%2\"}").arg(endpoint, status);
}

} // namespace

class ProxyMetricsTest : public QObject
{
    Q_OBJECT
private slots:
    void callsCountedByEndpointAndStatus();
    void refusalsCountedByCode();
};

void ProxyMetricsTest::callsCountedByEndpointAndStatus()
{
    Metrics metrics;
    ProxyMetrics proxy(metrics);
    // The same statuses on several endpoints, each endpoint's first call with another status.
    proxy.finished(ProxyEndpoint::ChatCompletions, RequestStatus::Ok, 12, 0.004);
    proxy.finished(ProxyEndpoint::Embeddings, RequestStatus::Ok, 5, 0.002);
    proxy.finished(ProxyEndpoint::ChatCompletions, RequestStatus::Error, 0, 0.5);
    proxy.finished(ProxyEndpoint::Completions, RequestStatus::ClientClosed, 3, 2.0);
    proxy.finished(ProxyEndpoint::ChatCompletions, RequestStatus::Ok, 20, 0.01);
    proxy.finished(ProxyEndpoint::Embeddings, RequestStatus::Error, 0, 0.003);

    QCOMPARE(metrics.value(requestsSeries(QStringLiteral("chat.completions"), RequestStatus::Ok)), 2.0);
    QCOMPARE(metrics.value(requestsSeries(QStringLiteral("chat.completions"), RequestStatus::Error)), 1.0);
    QCOMPARE(metrics.value(requestsSeries(QStringLiteral("embeddings"), RequestStatus::Ok)), 1.0);
    QCOMPARE(metrics.value(requestsSeries(QStringLiteral("embeddings"), RequestStatus::Error)), 1.0);
    QCOMPARE(metrics.value(requestsSeries(QStringLiteral("completions"), RequestStatus::ClientClosed)), 1.0);
    QCOMPARE(metrics.value(requestsSeries(QStringLiteral("completions"), RequestStatus::Ok)), 0.0);
    QCOMPARE(metrics.value(QStringLiteral("dynaseal_tokens_billed_total")), 40.0);

    const QString text = QString::fromUtf8(metrics.render());
    QCOMPARE(text.count(QStringLiteral("dynaseal_proxy_requests_total{")), 5);
    QVERIFY2(text.contains(QStringLiteral("dynaseal_proxy_duration_seconds_count 6\n")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("dynaseal_proxy_duration_seconds_bucket{le=\"0.005\"} 3\n")), qPrintable(text));
}

void ProxyMetricsTest::refusalsCountedByCode()
{
    Metrics metrics;
    ProxyMetrics proxy(metrics);
    proxy.refused(QStringLiteral("invalid_api_key"));
    proxy.refused(QStringLiteral("rate_limited"));
    proxy.refused(QStringLiteral("invalid_api_key"));
    QCOMPARE(metrics.value(QStringLiteral("dynaseal_proxy_refused_total{code=\"invalid_api_key\"}")), 2.0);
    QCOMPARE(metrics.value(QStringLiteral("dynaseal_proxy_refused_total{code=\"rate_limited\"}")), 1.0);
    QCOMPARE(QString::fromUtf8(metrics.render()).count(QStringLiteral("dynaseal_proxy_refused_total{")), 2);
}

QTEST_GUILESS_MAIN(ProxyMetricsTest)
#include "ProxyMetricsTest.moc"

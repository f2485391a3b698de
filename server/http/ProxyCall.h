#pragma once
// One proxied request from reservation to callback: records its start, forwards it, relays the
// answer (streamed as it arrives, or whole), settles the reservation to what it really cost,
// records usage and stores the callback, whatever happens: success, upstream failure, or the
// device hanging up (which cancels the upstream call).
#include "server/core/DynamicKeyVerifier.h"
#include "server/core/ProxyMetrics.h"
#include "server/core/ProxyRequest.h"
#include "server/core/Registry.h"
#include "server/core/ServerContext.h"
#include "server/core/StreamAccounting.h"
#include "server/core/TokenLedger.h"
#include "server/core/UsageRecord.h"
#include "server/core/policy/PolicyGate.h"
#include "server/http/HttpExchange.h"
#include "server/net/HttpClient.h"

#include <QObject>
#include <memory>

namespace dynaseal {

class ProxyCall : public QObject
{
    Q_OBJECT
public:
    struct Plan
    {
        HttpExchangePtr exchange;
        ProxyRequest request;
        VerifiedKey key;
        Upstream upstream;
        QList<Upstream> fallbacks; // tried in turn on a retryable failure, as the tenant's "retries" allow
        QString callbackUrl;
        TokenGrant grant;
        QList<TokenHold> tokenHolds; // against the tenant's token rate limits
        QString requestId;
        qint64 startedAtMs = 0;
    };

    ProxyCall(ServerContext &context, HttpClient &http, ProxyMetrics &metrics, Plan plan, QObject *parent = nullptr);
    void start();

signals:
    // After the outcome is stored; carries the callback to send, if any.
    void done(const QList<dynaseal::PendingCallback> &callbacks);

private:
    void forward();
    void onHead(int status, const HttpHeaders &headers);
    void onData(const QByteArray &data);
    void onComplete();
    void onUpstreamError(HttpClientError error, const QString &message);
    void onClientGone();
    // Back-pressure for a device that reads slower than the upstream sends.
    void holdBackIfDeviceSlow();
    void onDeviceDrained();
    void answerUpstreamFailure();
    // Moves on to the next upstream if the failure may be retried and nothing reached the device.
    bool retryElsewhere(const QString &why);
    void complete(const QString &status, const QString &error);
    // Writes the outcome, again after a failure until it is stored; then frees the journal slot.
    void storeOutcome(std::shared_ptr<const RequestOutcome> outcome);

    ServerContext &m_ctx;
    HttpClient &m_http;
    ProxyMetrics &m_metrics; // the serving thread's
    Plan m_plan;
    quint64 m_callId = 0;
    RequestStart m_start;
    int m_journalSlot = -1; // the start's record in the in-flight journal; -1: a database row
    int m_upstreamStatus = 0;
    int m_attempt = 0;
    int m_storeAttempts = 0;
    HttpHeaders m_upstreamHeaders;
    QByteArray m_buffer; // non-streamed response
    bool m_streaming = false;
    bool m_upstreamHeldBack = false; // the upstream's connection is not read until the device catches up
    bool m_finished = false;
    StreamAccounting m_accounting;
};

} // namespace dynaseal

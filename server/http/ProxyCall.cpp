#include "server/http/ProxyCall.h"

#include "server/core/CallbackBody.h"
#include "server/core/LiveEvents.h"
#include "server/core/Metrics.h"
#include "server/core/UpstreamHealth.h"
#include "server/core/storage/Database.h"
#include "server/core/storage/InFlightJournal.h"
#include "server/core/storage/RowIds.h"
#include "server/core/storage/UsageStore.h"
#include "server/http/HttpReply.h"
#include "shared/Clock.h"

#include <QJsonObject>
#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcProxy, "dynaseal.proxy")

namespace dynaseal {
namespace {
// Largest non-streamed upstream answer held in memory.
constexpr qsizetype kMaxBufferedResponse = 64 * 1024 * 1024;
// A stream's bytes waiting for a slow device beyond which the upstream is not read any more.
constexpr qint64 kDeviceBacklogBytes = 256 * 1024;

QByteArray headerValue(const HttpHeaders &headers, const QByteArray &name)
{
    for (const auto &h : headers) {
        if (h.first == name)
            return h.second;
    }
    return {};
}

} // namespace

ProxyCall::ProxyCall(ServerContext &context, HttpClient &http, ProxyMetrics &metrics, Plan plan, QObject *parent)
    : QObject(parent), m_ctx(context), m_http(http), m_metrics(metrics), m_plan(std::move(plan))
{
    if (TcpStream *stream = m_plan.exchange->stream) {
        connect(stream, &TcpStream::closed, this, &ProxyCall::onClientGone);
        connect(stream, &TcpStream::drained, this, &ProxyCall::onDeviceDrained);
    }
}

void ProxyCall::start()
{
    RequestStart &start = m_start;
    start.id = m_plan.requestId;
    start.tenantId = m_plan.key.tenantId;
    start.keyHash = m_plan.key.keyHash;
    start.eventId = m_plan.key.eventId;
    start.model = m_plan.request.model;
    start.endpoint = m_plan.request.endpointName();
    start.upstreamId = m_plan.upstream.id;
    start.stream = m_plan.request.stream;
    start.reserved = m_plan.grant.reserved;
    start.keyExpiresAtSecs = m_plan.key.expiresAtSecs;
    start.startedAtMs = m_plan.startedAtMs;
    start.keyRowStored = m_plan.grant.keyStored;
    // The start is recorded before anything is forwarded: a crash after this point is billed and
    // called back at the next start-up. The journal costs no database write and no wait; when it
    // is full the start is committed to the database first.
    m_journalSlot = m_ctx.journal.add(start);
    if (m_journalSlot >= 0) {
        forward();
        return;
    }
    m_ctx.db.write<bool>([start, serverId = m_ctx.serverId](SqlSession &s) { UsageStore::begin(s, start, serverId); return true; }, this,
                         [this](DbOutcome<bool> outcome) {
                             if (!outcome.ok()) {
                                 qCWarning(lcProxy) << "cannot record request start:" << outcome.error;
                                 m_ctx.ledger.settle(m_plan.key.keyHash, m_plan.key.tenantId, m_plan.grant.reserved, 0);
                                 PolicyGate(m_ctx.limiter).settleTokens(m_plan.tokenHolds, 0);
                                 HttpReply::error(*m_plan.exchange, ApiError::unavailable(QStringLiteral("usage storage is unavailable; nothing was forwarded"), QStringLiteral("storage_unavailable")));
                                 m_finished = true;
                                 emit done({});
                                 deleteLater();
                                 return;
                             }
                             m_ctx.ledger.markKeyStored(m_plan.key.keyHash);
                             if (m_finished)
                                 return; // the device left while the start was being stored
                             forward();
                         });
}

void ProxyCall::forward()
{
    HttpRequest request;
    request.url = m_plan.upstream.endpoint(m_plan.request.upstreamPath());
    request.body = m_plan.request.upstreamBody(m_plan.grant.completionAllowed);
    request.headers = {{"Authorization", "Bearer " + m_plan.upstream.apiKey},
                       {"Content-Type", "application/json"},
                       {"Accept", m_plan.request.stream ? "text/event-stream" : "application/json"},
                       {"X-Request-Id", m_plan.requestId.toLatin1()}};
    request.connectTimeoutMs = m_ctx.settings.upstreamConnectTimeoutMs;
    request.firstByteTimeoutMs = m_ctx.settings.upstreamFirstByteTimeoutMs;
    request.idleTimeoutMs = m_ctx.settings.upstreamIdleTimeoutMs;
    static const QList<QByteArray> kHeadersUsed{"content-type", "retry-after"};
    request.responseHeaders = kHeadersUsed;

    HttpResponseHandler handler;
    handler.onHead = [this](int status, const HttpHeaders &headers) { onHead(status, headers); };
    handler.onData = [this](const QByteArray &data) { onData(data); };
    handler.onComplete = [this] { onComplete(); };
    handler.onError = [this](HttpClientError error, const QString &message) { onUpstreamError(error, message); };
    m_callId = m_http.send(std::move(request), std::move(handler));
}

void ProxyCall::onHead(int status, const HttpHeaders &headers)
{
    m_upstreamStatus = status;
    m_upstreamHeaders = headers;
    if (!m_plan.request.stream || status != 200)
        return;
    m_streaming = true;
    QByteArray type = headerValue(headers, "content-type");
    if (type.isEmpty())
        type = "text/event-stream";
    HttpReply::beginChunked(*m_plan.exchange, 200, type,
                            {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}, {"X-Request-Id", m_plan.requestId.toLatin1()}});
}

void ProxyCall::onData(const QByteArray &data)
{
    if (m_streaming) {
        m_accounting.feedSse(data);
        HttpReply::chunk(*m_plan.exchange, data);
        holdBackIfDeviceSlow();
        return;
    }
    if (m_buffer.size() + data.size() > kMaxBufferedResponse) {
        m_http.cancel(m_callId);
        HttpReply::error(*m_plan.exchange, ApiError::badGateway(QStringLiteral("the upstream's answer is larger than %1 bytes").arg(kMaxBufferedResponse)));
        complete(RequestStatus::Error, QStringLiteral("upstream answer too large"));
        return;
    }
    m_buffer.append(data);
}

void ProxyCall::onComplete()
{
    if (m_streaming) {
        m_ctx.health.markSuccess(m_plan.upstream.id);
        HttpReply::endChunked(*m_plan.exchange);
        complete(RequestStatus::Ok, QString());
        return;
    }
    if (m_upstreamStatus >= 200 && m_upstreamStatus < 300) {
        m_ctx.health.markSuccess(m_plan.upstream.id);
        m_accounting.takeJson(m_buffer);
        QByteArray type = headerValue(m_upstreamHeaders, "content-type");
        HttpReply::send(*m_plan.exchange, m_upstreamStatus, type.isEmpty() ? QByteArray("application/json") : type, m_buffer,
                        {{"X-Request-Id", m_plan.requestId.toLatin1()}});
        complete(RequestStatus::Ok, QString());
        return;
    }
    answerUpstreamFailure();
}

bool ProxyCall::retryElsewhere(const QString &why)
{
    m_ctx.health.markFailure(m_plan.upstream.id, m_ctx.clock.nowMs());
    if (m_streaming || m_finished || m_plan.fallbacks.isEmpty() || !HttpReply::connected(*m_plan.exchange))
        return false;
    qCInfo(lcProxy).noquote() << "request" << m_plan.requestId << "retrying on another upstream after:" << why;
    m_plan.upstream = m_plan.fallbacks.takeFirst();
    m_upstreamStatus = 0;
    m_upstreamHeaders.clear();
    m_buffer.clear();
    m_callId = 0;
    // Back off a little more each time: a struggling provider is not hammered.
    QTimer::singleShot(std::min(100 << m_attempt++, 2000), this, [this] {
        if (!m_finished)
            forward();
    });
    return true;
}

void ProxyCall::answerUpstreamFailure()
{
    const int status = m_upstreamStatus;
    if ((status == 429 || status >= 500) && retryElsewhere(QStringLiteral("HTTP %1").arg(status)))
        return;
    const QString summary = QStringLiteral("upstream answered HTTP %1").arg(status);
    HttpReply::Headers extra{{"X-Request-Id", m_plan.requestId.toLatin1()}};
    if (status == 401 || status == 403 || status == 407) {
        HttpReply::error(*m_plan.exchange, ApiError::badGateway(QStringLiteral("the upstream refused the gateway's credentials (HTTP %1); the operator must check the upstream key").arg(status),
                                                                QStringLiteral("upstream_auth_failed")), extra);
    } else if (status == 429) {
        ApiError e = ApiError::tooManyRequests(QStringLiteral("the upstream is rate limiting; try again later"), QStringLiteral("upstream_rate_limited"));
        e.retryAfterSecs = headerValue(m_upstreamHeaders, "retry-after").toLongLong();
        HttpReply::error(*m_plan.exchange, e, extra);
    } else if (status >= 400 && status < 500) {
        // The device's request was refused on its merits: pass the upstream's explanation on.
        QByteArray type = headerValue(m_upstreamHeaders, "content-type");
        HttpReply::send(*m_plan.exchange, status, type.isEmpty() ? QByteArray("application/json") : type, m_buffer, extra);
    } else if (status == 503) {
        ApiError e = ApiError::unavailable(QStringLiteral("the upstream is unavailable (HTTP 503); try again later"), QStringLiteral("upstream_unavailable"));
        e.retryAfterSecs = headerValue(m_upstreamHeaders, "retry-after").toLongLong();
        HttpReply::error(*m_plan.exchange, e, extra);
    } else if (status == 504) {
        HttpReply::error(*m_plan.exchange, ApiError::gatewayTimeout(QStringLiteral("the upstream timed out (HTTP 504)")), extra);
    } else {
        HttpReply::error(*m_plan.exchange, ApiError::badGateway(QStringLiteral("the upstream failed (HTTP %1)").arg(status)), extra);
    }
    complete(RequestStatus::Error, summary);
}

void ProxyCall::onUpstreamError(HttpClientError error, const QString &message)
{
    if (retryElsewhere(message))
        return;
    if (m_streaming) {
        // Headers are gone already: tell the device in-band, then end the stream.
        ApiError e = error == HttpClientError::Timeout ? ApiError::gatewayTimeout(QStringLiteral("the upstream went silent mid-stream"))
                                                       : ApiError::badGateway(QStringLiteral("the upstream stream broke off: %1").arg(message));
        HttpReply::chunk(*m_plan.exchange, "data: " + e.toJson() + "\n\n");
        HttpReply::endChunked(*m_plan.exchange);
    } else if (error == HttpClientError::Timeout) {
        HttpReply::error(*m_plan.exchange, ApiError::gatewayTimeout(QStringLiteral("the upstream did not answer in time")),
                         {{"X-Request-Id", m_plan.requestId.toLatin1()}});
    } else {
        HttpReply::error(*m_plan.exchange, ApiError::badGateway(QStringLiteral("cannot reach the upstream: %1").arg(message),
                                                                error == HttpClientError::ConnectFailed ? QStringLiteral("upstream_unreachable") : QStringLiteral("upstream_error")),
                         {{"X-Request-Id", m_plan.requestId.toLatin1()}});
    }
    complete(RequestStatus::Error, message);
}

void ProxyCall::onClientGone()
{
    if (m_finished)
        return;
    if (m_callId)
        m_http.cancel(m_callId);
    complete(RequestStatus::ClientClosed, QStringLiteral("the device closed the connection"));
}

void ProxyCall::holdBackIfDeviceSlow()
{
    // Without this a slow device (a phone on a bad network) makes the gateway hold whatever the
    // upstream sends in memory. Held back, the upstream's socket fills and TCP slows it down; a
    // device that takes nothing at all is disconnected by the front's stall check.
    const TcpStream *stream = m_plan.exchange->stream;
    if (m_upstreamHeldBack || !stream || stream->bytesToWrite() < kDeviceBacklogBytes)
        return;
    m_upstreamHeldBack = true;
    m_http.setReading(m_callId, false);
    m_ctx.metrics.add(QStringLiteral("dynaseal_streams_held_back_total"));
}

void ProxyCall::onDeviceDrained()
{
    if (!m_upstreamHeldBack)
        return;
    m_upstreamHeldBack = false;
    if (!m_finished)
        m_http.setReading(m_callId, true);
}

void ProxyCall::complete(const QString &status, const QString &error)
{
    if (m_finished)
        return;
    m_finished = true;
    const qint64 now = m_ctx.clock.nowMs();
    const ProxyRequest &req = m_plan.request;

    // What it cost: the upstream's report, else the documented estimate of what was exchanged.
    // A call that failed before any answer costs nothing.
    qint64 prompt = 0;
    qint64 completion = 0;
    QString source = QStringLiteral("upstream");
    if (const auto &usage = m_accounting.usage()) {
        prompt = usage->promptTokens;
        completion = usage->completionTokens;
    } else if (status == RequestStatus::Ok || m_accounting.contentBytes() > 0 || (status == RequestStatus::ClientClosed && m_callId)) {
        prompt = req.prompt.estimate;
        completion = tokens::estimate(m_accounting.contentBytes());
        source = QStringLiteral("estimate");
    } else {
        source = QStringLiteral("none");
    }
    const qint64 billed = m_ctx.ledger.settle(m_plan.key.keyHash, m_plan.key.tenantId, m_plan.grant.reserved, prompt + completion);
    PolicyGate(m_ctx.limiter).settleTokens(m_plan.tokenHolds, billed);
    if (billed < prompt + completion) {
        qCWarning(lcProxy) << "request" << m_plan.requestId << "reported" << prompt + completion << "tokens, more than the"
                           << m_plan.grant.reserved << "reserved; billed the reservation";
        prompt = std::min(prompt, billed);
        completion = billed - prompt;
    }

    // Shared by the write job and what runs when it is stored: a copy each was a reference count
    // up and down for every one of its strings.
    auto stored = std::make_shared<RequestOutcome>(RequestOutcome::of(m_start, m_journalSlot < 0));
    RequestOutcome &outcome = *stored;
    outcome.status = status;
    outcome.error = error;
    outcome.httpStatus = m_upstreamStatus;
    outcome.promptTokens = prompt;
    outcome.completionTokens = completion;
    outcome.billed = billed;
    outcome.usageSource = source;
    outcome.upstreamId = m_plan.upstream.id; // the one that answered last, after any retries
    outcome.finishedAtMs = now;
    if (!m_plan.callbackUrl.isEmpty()) {
        outcome.callback = PendingCallback{rows::newId("dlv"), m_plan.requestId, m_plan.key.tenantId, m_plan.callbackUrl,
                                           CallbackBody::build(m_plan.key.eventId, m_accounting.content(), prompt, completion,
                                                               req.model, m_plan.key.tenantId, m_plan.requestId, status, error),
                                           m_journalSlot};
    }

    m_metrics.finished(req.endpoint, status, billed, double(now - m_plan.startedAtMs) / 1000.0);
    m_ctx.live.stats().record(outcome.tenantId, req.model, status == RequestStatus::Ok, billed, now - m_plan.startedAtMs, now);
    if (m_ctx.live.hasListeners())
        m_ctx.live.requestFinished(QJsonObject{{QStringLiteral("id"), outcome.id},
                                               {QStringLiteral("tenant_id"), outcome.tenantId},
                                               {QStringLiteral("event_id"), m_plan.key.eventId},
                                               {QStringLiteral("model"), req.model},
                                               {QStringLiteral("endpoint"), req.endpointName()},
                                               {QStringLiteral("stream"), req.stream},
                                               {QStringLiteral("status"), status},
                                               {QStringLiteral("http_status"), m_upstreamStatus},
                                               {QStringLiteral("prompt_tokens"), prompt},
                                               {QStringLiteral("completion_tokens"), completion},
                                               {QStringLiteral("total_tokens"), billed},
                                               {QStringLiteral("latency_ms"), now - m_plan.startedAtMs},
                                               {QStringLiteral("at"), now}});

    storeOutcome(std::move(stored));
}

void ProxyCall::storeOutcome(std::shared_ptr<const RequestOutcome> outcomePtr)
{
    m_ctx.db.writeInBatch<SqlSession::RowInserted>([outcomePtr](SqlSession &s) { return UsageStore::finish(s, *outcomePtr); }, this,
                                [this, outcomePtr](DbOutcome<SqlSession::RowInserted> stored) {
                                    const RequestOutcome &outcome = *outcomePtr;
                                    if (!stored.ok()) {
                                        // Not lost meanwhile: the journal slot (or the start's row) bills the
                                        // reservation at the next start. Retried for the real numbers and the
                                        // callback; writing it twice stores it once.
                                        const int delayMs = std::min(500 << std::min(m_storeAttempts++, 6), 30'000);
                                        qCCritical(lcProxy) << "cannot record the outcome of request" << outcome.id << ":" << stored.error
                                                            << "- trying again in" << delayMs << "ms";
                                        QTimer::singleShot(delayMs, this, [this, outcomePtr] { storeOutcome(outcomePtr); });
                                        return;
                                    }
                                    // A callback stored in the row keeps the slot until its first attempt is
                                    // recorded (CallbackDispatcher frees it).
                                    const bool isNew = **stored.value;
                                    if (!(outcome.callbackInRow() && isNew))
                                        m_ctx.journal.remove(m_journalSlot);
                                    if (!outcome.keyRowStored)
                                        m_ctx.ledger.markKeyStored(outcome.keyHash);
                                    // Not written (false): its outcome was already stored, e.g. as interrupted by
                                    // a recovery, with a callback of its own; this one was never stored.
                                    QList<PendingCallback> callbacks;
                                    if (outcome.callback && isNew)
                                        callbacks.append(*outcome.callback);
                                    emit done(callbacks);
                                    deleteLater();
                                });
}

} // namespace dynaseal

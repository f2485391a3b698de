#include "server/core/CallbackDispatcher.h"

#include "server/core/CallbackBody.h"
#include "server/core/Metrics.h"
#include "server/core/Registry.h"
#include "server/core/storage/CallbackStore.h"
#include "server/core/storage/Database.h"
#include "server/core/storage/InFlightJournal.h"
#include "server/core/storage/RowIds.h"
#include "server/net/HttpClient.h"
#include "shared/Clock.h"

#include <QLoggingCategory>
#include <algorithm>

Q_LOGGING_CATEGORY(lcCallbacks, "dynaseal.callbacks")

namespace dynaseal {

CallbackDispatcher::CallbackDispatcher(Database &db, InFlightJournal &journal, const Registry &registry, HttpClient &http,
                                       const Clock &clock, Metrics &metrics, CallbackPolicy policy, QObject *parent)
    : QObject(parent), m_db(db), m_journal(journal), m_registry(registry), m_http(http), m_clock(clock), m_metrics(metrics),
      m_postsSeries(metrics.counter(QStringLiteral("dynaseal_callback_posts_total"))),
      m_deliveredSeries(metrics.counter(QStringLiteral("dynaseal_callbacks_delivered_total"))),
      m_failedAttemptsSeries(metrics.counter(QStringLiteral("dynaseal_callbacks_failed_attempts_total"))), m_policy(policy)
{
    m_pollTimer.setInterval(std::clamp(policy.retryBaseMs / 2, 20, 1000));
    connect(&m_pollTimer, &QTimer::timeout, this, &CallbackDispatcher::poll);
    m_recordTimer.setSingleShot(true);
    m_recordTimer.setInterval(kDeliveredDelayMs);
    connect(&m_recordTimer, &QTimer::timeout, this, &CallbackDispatcher::recordDelivered);
    m_batchTimer.setSingleShot(true);
    m_batchTimer.setInterval(policy.batchWaitMs);
    connect(&m_batchTimer, &QTimer::timeout, this, &CallbackDispatcher::sendGathered);
}

CallbackDispatcher::~CallbackDispatcher()
{
    recordDelivered();
}

void CallbackDispatcher::start()
{
    m_pollTimer.start();
    poll();
}

qint64 CallbackDispatcher::backoffMs(int attempts, const CallbackPolicy &policy)
{
    const int exponent = std::clamp(attempts - 1, 0, 30);
    return std::min<qint64>(qint64(policy.retryBaseMs) << exponent, policy.retryMaxMs);
}

void CallbackDispatcher::submit(const QList<PendingCallback> &callbacks)
{
    for (const PendingCallback &c : callbacks) {
        if (m_waiting.empty() && hasRoom()) {
            attempt(c, 0);
        } else if (m_waiting.size() < size_t(kMaxWaiting)) {
            m_waiting.push_back(c);
            m_waitingIds.insert(c.id);
        } else if (c.journalSlot >= 0) {
            // Only the table is polled: it waits there, due now.
            moveToTable(c, QStringLiteral("pending"), 0, 0, QString(), m_clock.nowMs(), [this] {
                m_moreDue = true;
                sendWaiting();
            });
        } else {
            m_moreDue = true; // stored and due: a poll takes it
        }
    }
}

void CallbackDispatcher::sendWaiting()
{
    while (!m_waiting.empty() && hasRoom()) {
        const PendingCallback c = std::move(m_waiting.front());
        m_waiting.pop_front();
        m_waitingIds.remove(c.id);
        attempt(c, 0);
    }
    // Without this, a backlog only in the database (after a restart, or an overflow) would drain
    // one page per poll interval.
    if (m_waiting.empty() && m_moreDue)
        poll();
}

void CallbackDispatcher::poll()
{
    const int room = m_policy.maxInFlight - m_posts;
    if (!m_policy.polls || m_polling || room <= 0)
        return;
    m_polling = true;
    m_moreDue = false;
    const qint64 now = m_clock.nowMs();
    const QSet<QString> busy = m_inFlight + m_recording + m_waitingIds;
    m_db.read<QList<DueCallback>>(
        [now, room, busy](SqlSession &s) { return CallbackStore::due(s, now, room, busy); }, this,
        [this, room](DbOutcome<QList<DueCallback>> due) {
            m_polling = false;
            if (!due.ok()) {
                qCWarning(lcCallbacks) << "cannot read due callbacks:" << due.error;
                return;
            }
            m_moreDue = m_moreDue || due.value->size() >= room;
            for (const DueCallback &d : *due.value) {
                if (!m_inFlight.contains(d.callback.id) && !m_waitingIds.contains(d.callback.id))
                    attempt(d.callback, d.attempts);
            }
        });
}

void CallbackDispatcher::attempt(const PendingCallback &callback, int previousAttempts)
{
    if (m_inFlight.contains(callback.id) || m_recording.contains(callback.id))
        return;
    const auto snapshot = m_registry.current();
    const Tenant *tenant = snapshot->tenant(callback.tenantId);
    if (!tenant) {
        const QString id = callback.id;
        if (callback.journalSlot >= 0)
            return moveToTable(callback, QStringLiteral("abandoned"), previousAttempts, 0, QStringLiteral("tenant was deleted"),
                               m_clock.nowMs(), [] {});
        m_db.write<bool>([id](SqlSession &s) { CallbackStore::markAbandoned(s, id, QStringLiteral("tenant was deleted")); return true; },
                         this, [](DbOutcome<bool>) {});
        return;
    }
    m_inFlight.insert(callback.id);
    if (tenant->policy->callbackBatch > 1)
        return gather({callback, previousAttempts}, tenant->policy->callbackBatch);

    HttpRequest request;
    request.url = urlOf(callback.url);
    request.body = callback.body;
    request.headers = {{"X-Dynaseal-Delivery", callback.id.toUtf8()},
                       {"X-Dynaseal-Signature", CallbackBody::signature(tenant->callbackKey, tenant->callbackSecret, m_clock.nowSecs(), callback.body)}};
    post(std::move(request), {{callback, previousAttempts}});
}

void CallbackDispatcher::post(HttpRequest request, const QList<Member> &members)
{
    request.responseHeaders = QList<QByteArray>(); // only the status matters
    // First attempts to one receiver made in the same pass share a connection and go out in one
    // send (HTTP/1.1 pipelining), each still its own signed POST. A retry goes alone, so a
    // receiver that mishandles pipelined requests still gets every callback.
    request.pipelined = std::all_of(members.begin(), members.end(), [](const Member &m) { return m.previousAttempts == 0; });
    request.connectTimeoutMs = m_policy.timeoutMs;
    request.firstByteTimeoutMs = m_policy.timeoutMs;
    request.idleTimeoutMs = m_policy.timeoutMs;
    request.headers.prepend({"User-Agent", "dynaseal/" DYNASEAL_VERSION});
    request.headers.prepend({"Content-Type", "application/json"});
    ++m_posts;
    m_metrics.add(m_postsSeries);

    auto status = std::make_shared<int>(0);
    HttpResponseHandler handler;
    handler.onHead = [status](int code, const HttpHeaders &) { *status = code; };
    handler.onData = [](const QByteArray &) {};
    handler.onComplete = [this, members, status] {
        --m_posts;
        const bool ok = *status >= 200 && *status < 300;
        const QString error = ok ? QString() : QStringLiteral("receiver answered HTTP %1").arg(*status);
        for (const Member &m : members)
            finished(m.callback, m.previousAttempts, *status, error);
    };
    handler.onError = [this, members, status](HttpClientError, const QString &message) {
        --m_posts;
        for (const Member &m : members)
            finished(m.callback, m.previousAttempts, *status, message);
    };
    m_http.send(std::move(request), handler);
}

void CallbackDispatcher::gather(const Member &member, int batchSize)
{
    // One batch per tenant and URL: a tenant that changed its URL still gets each callback at
    // the URL it was stored with.
    const QString key = member.callback.tenantId + QLatin1Char('\n') + member.callback.url;
    Batch &batch = m_batches[key];
    batch.members.append(member);
    batch.bytes += member.callback.body.size();
    if (batch.members.size() >= batchSize || batch.bytes >= kMaxBatchBytes)
        return sendBatch(key);
    if (!m_batchTimer.isActive())
        m_batchTimer.start();
}

void CallbackDispatcher::sendGathered()
{
    m_batchTimer.stop();
    const QStringList keys = m_batches.keys();
    for (const QString &key : keys)
        sendBatch(key);
}

void CallbackDispatcher::sendBatch(const QString &key)
{
    const Batch batch = m_batches.take(key);
    if (batch.members.isEmpty())
        return;
    const PendingCallback &first = batch.members.first().callback;
    const auto snapshot = m_registry.current();
    const Tenant *tenant = snapshot->tenant(first.tenantId);
    if (!tenant) { // deleted while they were gathered: attempt() abandons each
        for (const Member &m : batch.members) {
            m_inFlight.remove(m.callback.id);
            attempt(m.callback, m.previousAttempts);
        }
        return;
    }
    // The stored bodies are spliced in as they are: each item is byte for byte the body a
    // single POST would carry.
    QByteArray body;
    body.reserve(batch.bytes + batch.members.size() * 64 + 16);
    body += "{\"callbacks\":[";
    for (const Member &m : batch.members) {
        if (&m != &batch.members.first())
            body += ',';
        body += "{\"delivery_id\":\"";
        body += m.callback.id.toLatin1(); // rows::newId: letters, digits and '_'
        body += "\",\"callback\":";
        body += m.callback.body;
        body += '}';
    }
    body += "]}";
    HttpRequest request;
    request.url = urlOf(first.url);
    request.headers = {{"X-Dynaseal-Delivery", rows::newId("dlb").toLatin1()},
                       {"X-Dynaseal-Batch", QByteArray::number(batch.members.size())},
                       {"X-Dynaseal-Signature", CallbackBody::signature(tenant->callbackKey, tenant->callbackSecret, m_clock.nowSecs(), body)}};
    request.body = std::move(body);
    post(std::move(request), batch.members);
}

QUrl CallbackDispatcher::urlOf(const QString &text)
{
    const auto it = m_urls.constFind(text);
    if (it != m_urls.constEnd())
        return it.value();
    if (m_urls.size() >= 1024) // tenants' URLs change rarely; a bound keeps old ones from piling up
        m_urls.clear();
    return m_urls.insert(text, QUrl(text)).value();
}

void CallbackDispatcher::recordDelivered()
{
    m_recordTimer.stop();
    if (m_delivered.isEmpty())
        return;
    QList<Delivered> batch;
    batch.swap(m_delivered);
    m_db.writeInBatch<bool>([batch](SqlSession &s) {
        QList<CallbackStore::DeliveredInRow> inRows;
        for (const Delivered &d : batch) {
            if (d.journalSlot >= 0)
                inRows.append({d.requestId, d.httpStatus, d.atMs});
            else
                CallbackStore::markDelivered(s, d.id, d.httpStatus, d.atMs);
        }
        CallbackStore::markDeliveredInRows(s, inRows);
        return true;
    }, this, [this, batch](DbOutcome<bool> stored) {
        if (!stored.ok()) {
            // The table's are sent again by a poll; those in a request's row are only in memory
            // and the journal, so their record is written again later.
            qCWarning(lcCallbacks) << "cannot record" << batch.size() << "delivered callbacks:" << stored.error;
            for (const Delivered &d : batch) {
                if (d.journalSlot >= 0)
                    m_delivered.append(d);
                else
                    m_recording.remove(d.id);
            }
            if (!m_delivered.isEmpty())
                QTimer::singleShot(kStoreRetryMs, this, &CallbackDispatcher::recordDelivered);
            return;
        }
        for (const Delivered &d : batch) {
            m_recording.remove(d.id);
            m_journal.remove(d.journalSlot);
        }
    });
}

void CallbackDispatcher::finished(const PendingCallback &callback, int previousAttempts, int httpStatus, const QString &error)
{
    const qint64 now = m_clock.nowMs();
    const QString id = callback.id;
    if (m_summariesWanted())
        emit attempted(QJsonObject{{QStringLiteral("id"), id},
                                   {QStringLiteral("request_id"), callback.requestId},
                                   {QStringLiteral("tenant_id"), callback.tenantId},
                                   {QStringLiteral("ok"), error.isEmpty()},
                                   {QStringLiteral("http_status"), httpStatus},
                                   {QStringLiteral("error"), error},
                                   {QStringLiteral("attempts"), previousAttempts + 1},
                                   {QStringLiteral("at"), now}});
    if (error.isEmpty()) {
        m_metrics.add(m_deliveredSeries);
        // Recorded in batches: one database job for many deliveries. Until it is written, the id
        // stays out of polls (m_recording) but frees its in-flight slot.
        m_inFlight.remove(id);
        m_recording.insert(id);
        m_delivered.append({id, callback.requestId, callback.journalSlot, httpStatus, now});
        if (m_delivered.size() >= kDeliveredBatch)
            recordDelivered();
        else if (!m_recordTimer.isActive())
            m_recordTimer.start();
        sendWaiting();
        return;
    }
    m_metrics.add(m_failedAttemptsSeries);
    const qint64 next = now + backoffMs(previousAttempts + 1, m_policy);
    qCInfo(lcCallbacks).noquote() << "callback" << id << "attempt" << previousAttempts + 1 << "failed:" << error;
    if (callback.journalSlot >= 0)
        return moveToTable(callback, QStringLiteral("pending"), previousAttempts + 1, httpStatus, error, next, [this, id] {
            m_inFlight.remove(id);
            sendWaiting();
        });
    m_db.writeInBatch<bool>([id, httpStatus, error, next](SqlSession &s) { CallbackStore::markFailed(s, id, httpStatus, error, next); return true; },
                            this, [this, id](DbOutcome<bool>) {
                                m_inFlight.remove(id);
                                sendWaiting();
                            });
}

void CallbackDispatcher::moveToTable(const PendingCallback &callback, const QString &state, int attempts, int httpStatus,
                                     const QString &error, qint64 nextAttemptAtMs, std::function<void()> then)
{
    const QString requestId = callback.requestId;
    m_db.writeInBatch<bool>(
        [requestId, state, attempts, httpStatus, error, nextAttemptAtMs](SqlSession &s) {
            return CallbackStore::moveFromRow(s, requestId, state, attempts, httpStatus, error, nextAttemptAtMs);
        },
        this, [=, this](DbOutcome<bool> stored) {
            if (!stored.ok()) {
                qCWarning(lcCallbacks) << "cannot store callback" << callback.id << "for retries:" << stored.error << "- trying again";
                QTimer::singleShot(kStoreRetryMs, this, [=, this] {
                    moveToTable(callback, state, attempts, httpStatus, error, nextAttemptAtMs, then);
                });
                return;
            }
            m_journal.remove(callback.journalSlot);
            then();
        });
}

} // namespace dynaseal

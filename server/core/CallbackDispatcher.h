#pragma once
// Delivers stored callbacks to tenants: at least once, signed, retried with exponential backoff
// until the tenant answers 2xx, across restarts (what is due is re-read from the database). A
// callback stored in its request's row (CallbackStore) has its first attempt recorded there, or
// is moved to the callbacks table for retries; then its journal slot is freed. A tenant whose
// callback_batch is above 1 gets its callbacks gathered into one POST: up to that many, or what
// came within --callback-batch-wait-ms.
#include "server/core/Metrics.h"
#include "server/core/UsageRecord.h"
#include "server/net/HttpClient.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <QUrl>
#include <deque>
#include <functional>

namespace dynaseal {

class Clock;
class Database;
class InFlightJournal;
class Registry;

struct CallbackPolicy
{
    int retryBaseMs = 1000;
    int retryMaxMs = 600'000;
    int timeoutMs = 10'000;
    int maxInFlight = 64; // POSTs in flight (a single callback or a batch each)
    int batchWaitMs = 20; // longest a callback waits for others to share its POST
    // false: first attempts only, as each serving thread's dispatcher makes them. A failed one
    // goes to the callbacks table, and the one dispatcher that polls it makes the retries, so no
    // callback is ever in two dispatchers' hands.
    bool polls = true;
};

class CallbackDispatcher : public QObject
{
    Q_OBJECT
public:
    CallbackDispatcher(Database &db, InFlightJournal &journal, const Registry &registry, HttpClient &http, const Clock &clock,
                       Metrics &metrics, CallbackPolicy policy, QObject *parent = nullptr);
    ~CallbackDispatcher() override;

    // Starts polling for due callbacks (also those left pending by an earlier run).
    void start();
    // Callbacks just committed to the database: attempted at once, or as soon as a delivery
    // slot is free (in order).
    void submit(const QList<PendingCallback> &callbacks);
    // Delay before attempt number `attempts + 1`, after `attempts` failures.
    static qint64 backoffMs(int attempts, const CallbackPolicy &policy);

    // Whether anyone wants attempted() summaries right now (default: always). Building one costs
    // as much as a small part of the delivery itself, so it is skipped when nobody listens.
    void setSummariesWanted(std::function<bool()> wanted) { m_summariesWanted = std::move(wanted); }

    // Being delivered, gathered for a batch, or waiting for a slot.
    int inFlight() const { return int(m_inFlight.size() + m_waiting.size()); }
    // Queues the database write of deliveries not yet recorded (they are batched for a few ms).
    void recordDelivered();
    // Sends every batch being gathered now, without waiting (at shutdown).
    void sendGathered();
    // POSTs waiting for the receiver's answer.
    int posting() const { return m_posts; }

signals:
    // After each delivery attempt: id, request_id, tenant_id, ok, http_status, error, attempts.
    void attempted(const QJsonObject &summary);

private:
    void poll();
    void sendWaiting();
    void attempt(const PendingCallback &callback, int previousAttempts);
    bool hasRoom() const { return m_posts < m_policy.maxInFlight; }
    // A callback in a POST, with the attempts it had before.
    struct Member
    {
        PendingCallback callback;
        int previousAttempts = 0;
    };
    // Sends a signed `request`; its outcome is each of `members`' (the callbacks it carries).
    void post(HttpRequest request, const QList<Member> &members);
    // Gathers a callback of a batching tenant; sends its batch once full.
    void gather(const Member &member, int batchSize);
    void sendBatch(const QString &key);
    void finished(const PendingCallback &callback, int previousAttempts, int httpStatus, const QString &error);
    // A callback still in its request's row goes to the callbacks table (until that is stored,
    // its journal slot stays taken); then `then` runs.
    void moveToTable(const PendingCallback &callback, const QString &state, int attempts, int httpStatus,
                     const QString &error, qint64 nextAttemptAtMs, std::function<void()> then);
    QUrl urlOf(const QString &text);

    struct Delivered
    {
        QString id;
        QString requestId;
        int journalSlot = -1; // as in PendingCallback
        int httpStatus = 0;
        qint64 atMs = 0;
    };
    static constexpr int kStoreRetryMs = 1000; // after a failed write that must not be lost
    static constexpr int kDeliveredBatch = 256;
    static constexpr int kDeliveredDelayMs = 5; // a delivery is recorded at most this much later
    static constexpr int kMaxWaiting = 8192;    // beyond it, submitted callbacks wait in the database for a poll

    Database &m_db;
    InFlightJournal &m_journal;
    const Registry &m_registry;
    HttpClient &m_http;
    const Clock &m_clock;
    Metrics &m_metrics;
    const Metrics::CounterId m_postsSeries;
    const Metrics::CounterId m_deliveredSeries;
    const Metrics::CounterId m_failedAttemptsSeries;
    CallbackPolicy m_policy;
    QTimer m_pollTimer;
    QSet<QString> m_inFlight;
    QSet<QString> m_recording; // delivered, not yet recorded: never sent again meanwhile
    QList<Delivered> m_delivered;
    QTimer m_recordTimer;
    // Committed callbacks that found every delivery slot taken.
    std::deque<PendingCallback> m_waiting;
    QSet<QString> m_waitingIds;
    QHash<QString, QUrl> m_urls; // parsed callback URLs: parsing one costs more than sending it
    struct Batch
    {
        QList<Member> members;
        qsizetype bytes = 0;
    };
    static constexpr qsizetype kMaxBatchBytes = 4 << 20; // a batch is sent once its bodies reach this
    QHash<QString, Batch> m_batches; // by tenant id and URL: callbacks gathered for their next POST
    QTimer m_batchTimer;
    int m_posts = 0; // POSTs in flight
    bool m_polling = false;
    bool m_moreDue = false; // the last poll filled its page, or m_waiting overflowed: poll again once there is room
    std::function<bool()> m_summariesWanted = [] { return true; };
};

} // namespace dynaseal

#pragma once
// Stored callbacks: each is written before its first attempt, and every attempt is recorded.
// Database thread only.
//
// Where: a request whose start was journaled stores its callback in its own row, and the journal
// slot stays taken until the first attempt is recorded. Delivered then, a narrow row in
// callback_deliveries says so; failed (or abandoned, or never sent because the queue was full),
// it moves to the callbacks table, which holds everything that is retried. That saves a row and its indexes, written and updated,
// per call. A crash before the first attempt is recorded leaves the slot: the next start moves
// the callback to the table, due at once (queueUnsentInRows). Requests whose start went to the
// database (journal full or off) store their callback in the table from the start.
#include "server/core/UsageRecord.h"
#include "server/core/storage/ListPage.h"
#include "server/core/storage/SqlSession.h"

#include <QJsonObject>
#include <QSet>

namespace dynaseal {

struct CallbackListFilter
{
    QString tenantId;
    QString state; // pending, delivered, abandoned; empty: all
    qint64 sinceMs = 0;
    qint64 untilMs = 0; // 0: no upper bound
    int limit = 100;
    int offset = 0;
    // Sections 'f' (on their first attempt, keyed by the creation time) and 's' (stored, keyed by
    // the request id).
    rows::ListCursor cursor;
};

struct DueCallback
{
    PendingCallback callback;
    int attempts = 0;
};

class CallbackStore
{
public:
    // Pending callbacks whose next attempt is due, oldest first, skipping ids already in flight.
    static QList<DueCallback> due(SqlSession &s, qint64 nowMs, int limit, const QSet<QString> &inFlight);
    static void markDelivered(SqlSession &s, const QString &id, int httpStatus, qint64 nowMs);
    struct DeliveredInRow
    {
        QString requestId;
        int httpStatus = 0;
        qint64 atMs = 0;
    };
    // The first attempts of callbacks stored in their requests' rows succeeded (recorded beside
    // the rows, in a narrow table keyed by the request: cheaper than rewriting the rows), in
    // multi-row statements (SqlSession::insertRows).
    static void markDeliveredInRows(SqlSession &s, const QList<DeliveredInRow> &delivered);
    // Moves the callback stored in request `requestId`'s row to the callbacks table, in `state`
    // ("pending" or "abandoned") after `attempts` attempts; false if it was moved or delivered already.
    static bool moveFromRow(SqlSession &s, const QString &requestId, const QString &state, int attempts, int httpStatus,
                            const QString &error, qint64 nextAttemptAtMs);
    // At start-up, for the requests an earlier run left in its journal: callbacks in their rows
    // whose first attempt was never recorded move to the table, due now. Returns how many.
    static int queueUnsentInRows(SqlSession &s, const QStringList &requestIds, qint64 nowMs);
    static void markFailed(SqlSession &s, const QString &id, int httpStatus, const QString &error, qint64 nextAttemptAtMs);
    // The tenant no longer exists: nothing can sign it; kept for the record.
    static void markAbandoned(SqlSession &s, const QString &id, const QString &why);
    // Makes a pending or abandoned callback due now; false if no such callback or delivered.
    static bool retryNow(SqlSession &s, const QString &id, qint64 nowMs);
    // Newest first, created in the filter's time range: first those on their first attempt in the
    // rows of the `journaled` requests (this server's journal), then the table's and those
    // delivered at their first attempt; {"total", "total_exact", "items", "next_cursor"}, paged
    // over both.
    static QJsonObject list(SqlSession &s, const CallbackListFilter &filter, const QList<RequestStart> &journaled = {});
};

} // namespace dynaseal

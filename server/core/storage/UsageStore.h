#pragma once
// The request log, per-minute and per-hour rollups, dynamic-key spend and tenant totals: written
// together, so a request's usage is either wholly recorded or not at all. Database thread only.
#include "server/core/TokenLedger.h"
#include "server/core/UsageRecord.h"
#include "server/core/storage/ListPage.h"
#include "server/core/storage/SqlSession.h"

#include <QJsonArray>
#include <QJsonObject>

namespace dynaseal {

struct RequestLogFilter
{
    QString tenantId;
    QString model;
    QString status;
    QString eventId;
    qint64 sinceMs = 0;
    qint64 untilMs = 0; // 0: no upper bound
    int limit = 100;
    int offset = 0;
    rows::ListCursor cursor; // sections 'j' (journaled) and 's' (stored), keyed by the start time
};

class UsageStore
{
public:
    // `serverId`: the server that forwards it, so that only it recovers the row (servers may
    // share a PostgreSQL database); empty for any server.
    static void begin(SqlSession &s, const RequestStart &start, const QString &serverId = QString());
    // Writes the outcome, its rollups, spend and callback; false (writing nothing) if the request
    // has an outcome already. Inside a write batch the answer is known once the batch's rows are
    // written (SqlSession::insertRowLater), so read it from the job's result, not in the job.
    static SqlSession::RowInserted finish(SqlSession &s, const RequestOutcome &outcome);

    // Requests that were in flight when the server stopped (rows still "in_flight", and the
    // `journaled` starts whose outcome is not stored): billed what they had reserved (the budgets
    // stay safe), marked "interrupted", and given a callback. Returns those callbacks. Rows another
    // server began are its own to recover: only rows of `serverId`, or of no server, are taken.
    static QList<PendingCallback> recoverInterrupted(SqlSession &s, qint64 nowMs, const QList<RequestStart> &journaled = {},
                                                     const QString &serverId = QString());
    // Fills the ledger with what is already billed.
    static void loadLedger(SqlSession &s, TokenLedger &ledger, qint64 nowSecs);
    // Makes the request log's index by event_id (`on`), or drops it: with devices whose event ids
    // come in no order, each call's entry lands on a page of its own, about 5 KB of writes a call.
    // Without it, the request log filtered by event reads the whole time range. Making it reads
    // the whole log once.
    static void keepEventIndex(SqlSession &s, bool on);

    // Deletes what is past retention, at most `limit` rows of each table that grows with the
    // traffic (requests, delivered callbacks, key spend); true if one of them had more. One call
    // is one write job: a long backlog (retention shortened, a server that was down) goes in
    // many short jobs, with the requests' outcomes written in between (RetentionPurge).
    static bool purge(SqlSession &s, qint64 nowMs, int requestLogDays, int minuteRollupDays, int limit);

    // The stored requests that match, newest first, after the `journaled` ones that match (in
    // flight now, newest first): {"total", "total_exact", "items", "next_cursor"}, paged over
    // both; the stored ones are counted up to rows::kCountLimit.
    static QJsonObject requestLog(SqlSession &s, const RequestLogFilter &filter, QList<RequestStart> journaled = {});
    // Buckets of `granularity` ("minute" or "hour") between since and until, summed over the
    // tenants and models that match (empty = all).
    static QJsonArray series(SqlSession &s, const QString &granularity, const QString &tenantId,
                             const QString &model, qint64 sinceMs, qint64 untilMs);
};

} // namespace dynaseal

#include "server/core/storage/UsageStore.h"

#include "server/core/CallbackBody.h"
#include "server/core/storage/ListPage.h"
#include "server/core/storage/RowIds.h"

#include <algorithm>

namespace dynaseal {
namespace {

constexpr qint64 kMinuteMs = 60'000;
constexpr qint64 kHourMs = 3'600'000;

// A dynamic key's spend row, from its first use: what the ledger is loaded from at start-up. In a
// write batch it waits for the batch's other new keys (one statement for them all on PostgreSQL,
// where every device's new key was a round trip) and goes in before the batch adds to any key's
// spend.
void insertKeyRow(SqlSession &s, const QString &keyHash, const QString &tenantId, qint64 expiresAtSecs)
{
    static const QString head = QStringLiteral("INSERT INTO key_spend (key_hash, tenant_id, spent, expires_at) VALUES");
    static const QString tail = QStringLiteral(" ON CONFLICT (key_hash) DO NOTHING");
    s.insertRowLater(head, tail, QStringLiteral("key_hash"), {keyHash, tenantId, qint64(0), expiresAtSecs}, keyHash);
}

// Whether the request's row is stored: a journaled start whose outcome was committed just before
// its slot was freed (or the server stopped) is listed and billed from that row only.
bool rowStored(SqlSession &s, const QString &requestId)
{
    return s.exec(QStringLiteral("SELECT 1 FROM requests WHERE id = ?"), {requestId}).next();
}

// What an interrupted request is recorded as: billed its whole reservation.
void markInterrupted(RequestOutcome &o, qint64 nowMs)
{
    o.status = RequestStatus::Interrupted;
    o.usageSource = QStringLiteral("reserved");
    o.error = QStringLiteral("the server stopped before the request finished; billed its reservation");
    o.billed = o.reserved;
    o.completionTokens = o.billed; // unknown split: the whole reservation, reported as completion
    o.finishedAtMs = std::max(nowMs, o.startedAtMs);
}

} // namespace

void UsageStore::begin(SqlSession &s, const RequestStart &r, const QString &serverId)
{
    s.run(QStringLiteral("INSERT INTO requests (id, tenant_id, key_hash, event_id, model, endpoint, stream, status, reserved,"
                          " upstream_id, started_at, server_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
           {r.id, r.tenantId, r.keyHash, r.eventId, r.model, r.endpoint, r.stream ? 1 : 0, RequestStatus::InFlight,
            r.reserved, r.upstreamId, r.startedAtMs, serverId.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(serverId)});
    // The key's row exists from its first use, so recovery can bill it.
    if (r.keyRowStored)
        return;
    insertKeyRow(s, r.keyHash, r.tenantId, r.keyExpiresAtSecs);
}

namespace {

// What an outcome adds once its row is written: the spend, the rollups and a callback kept in its
// own table.
void addOutcome(SqlSession &s, const RequestOutcome &o)
{
    if (o.billed > 0) {
        // Summed per key and tenant over the write batch, like the rollups. The ledger in memory
        // is what enforces budgets; these rows are what it is loaded from at start-up.
        static const SqlSession::Counter keySpend{QStringLiteral("key_spend"), QStringLiteral("spent"), QStringLiteral("key_hash")};
        static const SqlSession::Counter tenantUsed{QStringLiteral("tenants"), QStringLiteral("tokens_used"), QStringLiteral("id")};
        s.addToCounter(keySpend, o.keyHash, o.billed);
        s.addToCounter(tenantUsed, o.tenantId, o.billed);
    }
    // Summed per row over the write batch and written just before it commits.
    static const QString minutes = QStringLiteral("usage_minute");
    static const QString hours = QStringLiteral("usage_hour");
    const RollupDelta delta{1, o.status != RequestStatus::Ok ? 1 : 0, o.promptTokens, o.completionTokens, o.finishedAtMs - o.startedAtMs};
    s.addRollup(minutes, o.finishedAtMs / kMinuteMs * kMinuteMs, o.tenantId, o.model, delta);
    s.addRollup(hours, o.finishedAtMs / kHourMs * kHourMs, o.tenantId, o.model, delta);
    if (o.callback && !o.callbackInRow()) {
        const PendingCallback &c = *o.callback;
        s.run(QStringLiteral("INSERT INTO callbacks (id, request_id, tenant_id, url, body, state, attempts, next_attempt_at, created_at)"
                              " VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)"),
               {c.id, c.requestId, c.tenantId, c.url, QString::fromUtf8(c.body), o.finishedAtMs + kCallbackPollGraceMs, o.finishedAtMs});
    }
}

} // namespace

SqlSession::RowInserted UsageStore::finish(SqlSession &s, const RequestOutcome &o)
{
    const QVariant error = o.error.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(o.error.left(500));
    // Once only: an outcome written again (a retry after a commit that did succeed) changes no row,
    // and then nothing else is added either.
    if (o.startStored) {
        const bool updated = s.run(QStringLiteral("UPDATE requests SET status = ?, http_status = ?, prompt_tokens = ?, completion_tokens = ?,"
                                                  " total_tokens = ?, usage_source = ?, latency_ms = ?, error = ?, finished_at = ?,"
                                                  " upstream_id = COALESCE(NULLIF(?, ''), upstream_id) WHERE id = ? AND status = 'in_flight'"),
                                   {o.status, o.httpStatus, o.promptTokens, o.completionTokens, o.billed, o.usageSource,
                                    o.finishedAtMs - o.startedAtMs, error, o.finishedAtMs, o.upstreamId, o.id})
                             > 0;
        if (updated)
            addOutcome(s, o);
        return std::make_shared<bool>(updated);
    }
    // The start was only journaled: the whole row at once, with the batch's other such rows in
    // one statement (SqlSession::insertRowLater).
    static const QString head = QStringLiteral(
        "INSERT INTO requests (id, tenant_id, key_hash, event_id, model, endpoint, stream, status, http_status,"
        " reserved, prompt_tokens, completion_tokens, total_tokens, usage_source, latency_ms, upstream_id, error,"
        " started_at, finished_at) VALUES");
    // Its callback in the same row while its journal slot keeps it safe (CallbackStore).
    static const QString headWithCallback = QStringLiteral(
        "INSERT INTO requests (id, tenant_id, key_hash, event_id, model, endpoint, stream, status, http_status,"
        " reserved, prompt_tokens, completion_tokens, total_tokens, usage_source, latency_ms, upstream_id, error,"
        " started_at, finished_at, callback_id, callback_url, callback_body, callback_state) VALUES");
    static const QString tail = QStringLiteral(" ON CONFLICT (id) DO NOTHING");
    QVariantList values{o.id, o.tenantId, o.keyHash, o.eventId, o.model, o.endpoint, o.stream ? 1 : 0, o.status, o.httpStatus,
                        o.reserved, o.promptTokens, o.completionTokens, o.billed, o.usageSource, o.finishedAtMs - o.startedAtMs,
                        o.upstreamId, error, o.startedAtMs, o.finishedAtMs};
    const bool inRow = o.callbackInRow();
    if (inRow)
        values << o.callback->id << o.callback->url << QString::fromUtf8(o.callback->body) << QStringLiteral("sending");
    return s.insertRowLater(inRow ? headWithCallback : head, tail, QStringLiteral("id"), values, o.id, [o](SqlSession &s) {
        if (!o.keyRowStored)
            insertKeyRow(s, o.keyHash, o.tenantId, o.keyExpiresAtSecs);
        addOutcome(s, o);
    });
}

QList<PendingCallback> UsageStore::recoverInterrupted(SqlSession &s, qint64 nowMs, const QList<RequestStart> &journaled,
                                                     const QString &serverId)
{
    struct Row
    {
        RequestOutcome outcome;
        QString callbackUrl;
    };
    QList<Row> rowsToFix;
    {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT r.id, r.tenant_id, r.key_hash, r.model, r.reserved, r.started_at, r.event_id,"
                                             " t.callback_url FROM requests r LEFT JOIN tenants t ON t.id = r.tenant_id"
                                             " WHERE r.status = 'in_flight'" // a literal, so the partial index applies
                                             " AND (r.server_id IS NULL OR r.server_id = ?)"),
                              {serverId});
        while (q.next()) {
            Row row{RequestOutcome(), q.value(7).toString()};
            RequestOutcome &o = row.outcome;
            o.id = q.value(0).toString();
            o.tenantId = q.value(1).toString();
            o.keyHash = q.value(2).toString();
            o.model = q.value(3).toString();
            o.reserved = q.value(4).toLongLong();
            o.startedAtMs = q.value(5).toLongLong();
            o.eventId = q.value(6).toString();
            rowsToFix.append(row);
        }
    }
    for (const RequestStart &r : journaled) {
        if (rowStored(s, r.id))
            continue;
        QSqlQuery &q = s.exec(QStringLiteral("SELECT callback_url FROM tenants WHERE id = ?"), {r.tenantId});
        rowsToFix.append(Row{RequestOutcome::of(r, false), q.next() ? q.value(0).toString() : QString()});
    }
    QList<PendingCallback> callbacks;
    for (Row &row : rowsToFix) {
        RequestOutcome &o = row.outcome;
        markInterrupted(o, nowMs);
        if (!row.callbackUrl.isEmpty()) {
            PendingCallback c{rows::newId("dlv"), o.id, o.tenantId, row.callbackUrl,
                              CallbackBody::build(o.eventId, QByteArrayView(), o.promptTokens, o.completionTokens, o.model,
                                                  o.tenantId, o.id, o.status, o.error)};
            o.callback = c;
            callbacks.append(c);
        }
        finish(s, o);
    }
    return callbacks;
}

void UsageStore::loadLedger(SqlSession &s, TokenLedger &ledger, qint64 nowSecs)
{
    {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT id, tokens_used FROM tenants"));
        while (q.next())
            ledger.loadTenantUsed(q.value(0).toString(), q.value(1).toLongLong());
    }
    QSqlQuery &q = s.exec(QStringLiteral("SELECT key_hash, spent, expires_at FROM key_spend WHERE expires_at >= ?"), {nowSecs});
    while (q.next())
        ledger.loadKeySpent(q.value(0).toString(), q.value(1).toLongLong(), q.value(2).toLongLong());
}

void UsageStore::keepEventIndex(SqlSession &s, bool on)
{
    s.execRaw(on ? QStringLiteral("CREATE INDEX IF NOT EXISTS requests_event ON requests(event_id)")
                 : QStringLiteral("DROP INDEX IF EXISTS requests_event"));
}

bool UsageStore::purge(SqlSession &s, qint64 nowMs, int requestLogDays, int minuteRollupDays, int limit)
{
    const qint64 day = 86'400'000;
    const qint64 requestCutoff = nowMs - requestLogDays * day;
    // The oldest requests first, found through requests_time (PostgreSQL has no DELETE ...
    // LIMIT). Their recorded deliveries go with them, found by key: a search of
    // callback_deliveries by its own time would scan the whole table every minute, as it has no
    // time index.
    static const QString oldest = QStringLiteral(
        "SELECT id FROM requests WHERE started_at < ? AND status <> ? ORDER BY started_at LIMIT ?");
    const QVariantList oldestValues{requestCutoff, RequestStatus::InFlight, limit};
    int requests = 0;
    if (s.isPostgres()) {
        // In one statement: under READ COMMITTED another server's purge may commit between two,
        // and the second would pick other rows than the first.
        QSqlQuery &q = s.exec(QStringLiteral("WITH gone AS (DELETE FROM requests WHERE id IN (") + oldest
                                  + QStringLiteral(") RETURNING id), delivered AS (DELETE FROM callback_deliveries"
                                                   " WHERE request_id IN (SELECT id FROM gone)) SELECT COUNT(*) FROM gone"),
                              oldestValues);
        requests = q.next() ? q.value(0).toInt() : 0;
    } else {
        // The batch's transaction holds SQLite's write lock: nothing changes the requests between
        // the two statements, so the same subquery picks the same rows twice.
        s.run(QStringLiteral("DELETE FROM callback_deliveries WHERE request_id IN (") + oldest + QLatin1Char(')'), oldestValues);
        requests = s.run(QStringLiteral("DELETE FROM requests WHERE id IN (") + oldest + QLatin1Char(')'), oldestValues);
    }
    const int callbacks = s.run(
        QStringLiteral("DELETE FROM callbacks WHERE id IN (SELECT id FROM callbacks WHERE state = 'delivered' AND created_at < ?"
                       " ORDER BY created_at LIMIT ?)"),
        {requestCutoff, limit});
    // A key's spend must outlive the key: it is only dropped a day after the key expired.
    const int keys = s.run(
        QStringLiteral("DELETE FROM key_spend WHERE key_hash IN (SELECT key_hash FROM key_spend WHERE expires_at < ? LIMIT ?)"),
        {nowMs / 1000 - 86'400, limit});
    // A row per minute, tenant and model: whole minutes, the oldest first, up to the minute of the
    // limit-th oldest row (found through the primary key, which starts with the minute). A chunk
    // goes over the limit by at most that minute's other rows; a retention shortened by days on a
    // busy server is then many chunks, not one long write.
    const qint64 minuteCutoff = nowMs - minuteRollupDays * day;
    const int minutes = s.run(
        QStringLiteral("DELETE FROM usage_minute WHERE bucket < ? AND bucket <= COALESCE((SELECT bucket FROM usage_minute"
                       " WHERE bucket < ? ORDER BY bucket LIMIT 1 OFFSET ?), ?)"),
        {minuteCutoff, minuteCutoff, std::max(0, limit - 1), minuteCutoff});
    return std::max({requests, callbacks, keys, minutes}) >= limit;
}

QJsonObject UsageStore::requestLog(SqlSession &s, const RequestLogFilter &f, QList<RequestStart> journaled)
{
    // Requests in flight whose start is only journaled: listed first, the newest first.
    const bool wantsInFlight = f.status.isEmpty() || f.status == RequestStatus::InFlight;
    journaled.removeIf([&](const RequestStart &r) {
        return !wantsInFlight || r.startedAtMs < f.sinceMs || (f.untilMs > 0 && r.startedAtMs >= f.untilMs)
            || (!f.tenantId.isEmpty() && r.tenantId != f.tenantId) || (!f.model.isEmpty() && r.model != f.model)
            || (!f.eventId.isEmpty() && r.eventId != f.eventId)
            || rowStored(s, r.id);
    });
    std::sort(journaled.begin(), journaled.end(), [](const RequestStart &a, const RequestStart &b) {
        return a.startedAtMs != b.startedAtMs ? a.startedAtMs > b.startedAtMs : a.id < b.id;
    });
    QJsonArray items;
    auto startAndId = [](const RequestStart &r) { return std::pair{r.startedAtMs, r.id}; };
    const rows::ShownFirst shown = rows::pageShownFirst(journaled, 'j', f.limit, f.offset, f.cursor, items, startAndId, [](const RequestStart &r) {
        return QJsonObject{{QStringLiteral("id"), r.id},
                           {QStringLiteral("tenant_id"), r.tenantId},
                           {QStringLiteral("event_id"), r.eventId},
                           {QStringLiteral("model"), r.model},
                           {QStringLiteral("endpoint"), r.endpoint},
                           {QStringLiteral("stream"), r.stream},
                           {QStringLiteral("status"), RequestStatus::InFlight},
                           {QStringLiteral("http_status"), QJsonValue::Null},
                           {QStringLiteral("reserved_tokens"), r.reserved},
                           {QStringLiteral("prompt_tokens"), QJsonValue::Null},
                           {QStringLiteral("completion_tokens"), QJsonValue::Null},
                           {QStringLiteral("total_tokens"), QJsonValue::Null},
                           {QStringLiteral("usage_source"), QString()},
                           {QStringLiteral("latency_ms"), QJsonValue::Null},
                           {QStringLiteral("error"), QJsonValue::Null},
                           {QStringLiteral("started_at"), rows::isoTime(r.startedAtMs)},
                           {QStringLiteral("finished_at"), QJsonValue::Null},
                           {QStringLiteral("upstream_id"), r.upstreamId}};
    });

    QString where = QStringLiteral(" WHERE started_at >= ?");
    QVariantList values{f.sinceMs};
    if (f.untilMs > 0) {
        where += QStringLiteral(" AND started_at < ?");
        values.append(f.untilMs);
    }
    for (auto [column, value] : {std::pair{"tenant_id", f.tenantId}, std::pair{"model", f.model}, std::pair{"status", f.status},
                                 std::pair{"event_id", f.eventId}}) {
        if (!value.isEmpty()) {
            where += QStringLiteral(" AND %1 = ?").arg(QLatin1String(column));
            values.append(value);
        }
    }
    // Implied by the status asked for, but spelled out: SQLite uses a partial index only for a
    // query that names its condition (requests_not_ok).
    if (!f.status.isEmpty() && f.status != RequestStatus::Ok)
        where += QStringLiteral(" AND status <> 'ok'");
    const rows::RowCount total = rows::countUpToLimit(s, QStringLiteral("FROM requests") + where, values);
    // The page's last row, and whether the list goes on after it.
    rows::ListCursor last = shown.last;
    bool more = last.section && (shown.more || total.rows > 0);
    if (shown.storedLimit == 0)
        return rows::listPage(total, journaled.size(), items, more ? last : rows::ListCursor());
    QVariantList paged = values;
    f.cursor.restrictAfter(where, paged, 's', "started_at", "id", f.cursor.ms());
    paged << shown.storedLimit + 1 << shown.storedOffset;
    QSqlQuery &q = s.exec(QStringLiteral("SELECT id, tenant_id, event_id, model, endpoint, stream, status, http_status, reserved,"
                                         " prompt_tokens, completion_tokens, total_tokens, usage_source, latency_ms, error, started_at,"
                                         " finished_at, upstream_id FROM requests") + where
                              + QStringLiteral(" ORDER BY started_at DESC, id LIMIT ? OFFSET ?"),
                          paged);
    auto num = [&](int i) { return q.value(i).isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(q.value(i).toLongLong()); };
    more = false;
    while (q.next()) {
        if (items.size() == f.limit) { // the one read past the page
            more = true;
            break;
        }
        last = {'s', QString::number(q.value(15).toLongLong()), q.value(0).toString()};
        items.append(QJsonObject{{QStringLiteral("id"), q.value(0).toString()},
                                 {QStringLiteral("tenant_id"), q.value(1).toString()},
                                 {QStringLiteral("event_id"), q.value(2).toString()},
                                 {QStringLiteral("model"), q.value(3).toString()},
                                 {QStringLiteral("endpoint"), q.value(4).toString()},
                                 {QStringLiteral("stream"), q.value(5).toInt() != 0},
                                 {QStringLiteral("status"), q.value(6).toString()},
                                 {QStringLiteral("http_status"), num(7)},
                                 {QStringLiteral("reserved_tokens"), num(8)},
                                 {QStringLiteral("prompt_tokens"), num(9)},
                                 {QStringLiteral("completion_tokens"), num(10)},
                                 {QStringLiteral("total_tokens"), num(11)},
                                 {QStringLiteral("usage_source"), q.value(12).toString()},
                                 {QStringLiteral("latency_ms"), num(13)},
                                 {QStringLiteral("error"), q.value(14).isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(q.value(14).toString())},
                                 {QStringLiteral("started_at"), rows::isoTime(q.value(15).toLongLong())},
                                 {QStringLiteral("finished_at"), q.value(16).isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(rows::isoTime(q.value(16).toLongLong()))},
                                 {QStringLiteral("upstream_id"), q.value(17).toString()}});
    }
    return rows::listPage(total, journaled.size(), items, more ? last : rows::ListCursor());
}

QJsonArray UsageStore::series(SqlSession &s, const QString &granularity, const QString &tenantId,
                              const QString &model, qint64 sinceMs, qint64 untilMs)
{
    const QString table = granularity == QLatin1String("hour") ? QStringLiteral("usage_hour") : QStringLiteral("usage_minute");
    QString sql = QStringLiteral("SELECT bucket, SUM(requests), SUM(errors), SUM(prompt_tokens), SUM(completion_tokens), SUM(latency_ms_sum)"
                                 " FROM %1 WHERE bucket >= ? AND bucket < ?").arg(table);
    QVariantList values{sinceMs, untilMs};
    if (!tenantId.isEmpty()) {
        sql += QStringLiteral(" AND tenant_id = ?");
        values.append(tenantId);
    }
    if (!model.isEmpty()) {
        sql += QStringLiteral(" AND model = ?");
        values.append(model);
    }
    sql += QStringLiteral(" GROUP BY bucket ORDER BY bucket");
    QSqlQuery &q = s.exec(sql, values);
    QJsonArray out;
    while (q.next()) {
        const qint64 requests = q.value(1).toLongLong();
        out.append(QJsonObject{{QStringLiteral("bucket"), rows::isoTime(q.value(0).toLongLong())},
                               {QStringLiteral("requests"), requests},
                               {QStringLiteral("errors"), q.value(2).toLongLong()},
                               {QStringLiteral("prompt_tokens"), q.value(3).toLongLong()},
                               {QStringLiteral("completion_tokens"), q.value(4).toLongLong()},
                               {QStringLiteral("total_tokens"), q.value(3).toLongLong() + q.value(4).toLongLong()},
                               {QStringLiteral("avg_latency_ms"), requests ? q.value(5).toLongLong() / requests : 0}});
    }
    return out;
}

} // namespace dynaseal

#include "server/core/storage/CallbackStore.h"

#include "server/core/storage/ListPage.h"
#include "server/core/storage/RowIds.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>

namespace dynaseal {
namespace {

// A request row `r` whose callback is still in it, its first attempt not recorded.
constexpr char kUnsentInRow[] = "r.callback_state = 'sending' AND NOT EXISTS (SELECT 1 FROM callback_deliveries d WHERE d.request_id = r.id)";

} // namespace

QList<DueCallback> CallbackStore::due(SqlSession &s, qint64 nowMs, int limit, const QSet<QString> &inFlight)
{
    QSqlQuery &q = s.exec(QStringLiteral("SELECT id, request_id, tenant_id, url, body, attempts FROM callbacks"
                                         " WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"),
                          {nowMs, limit + int(inFlight.size())});
    QList<DueCallback> out;
    while (q.next() && out.size() < limit) {
        const QString id = q.value(0).toString();
        if (inFlight.contains(id))
            continue;
        out.append(DueCallback{PendingCallback{id, q.value(1).toString(), q.value(2).toString(), q.value(3).toString(),
                                               q.value(4).toString().toUtf8()},
                               q.value(5).toInt()});
    }
    return out;
}

void CallbackStore::markDelivered(SqlSession &s, const QString &id, int httpStatus, qint64 nowMs)
{
    s.run(QStringLiteral("UPDATE callbacks SET state = 'delivered', attempts = attempts + 1, last_status = ?,"
                          " last_error = NULL, delivered_at = ? WHERE id = ?"),
           {httpStatus, nowMs, id});
}

void CallbackStore::markDeliveredInRows(SqlSession &s, const QList<DeliveredInRow> &delivered)
{
    QVariantList values;
    values.reserve(delivered.size() * 3);
    for (const DeliveredInRow &d : delivered)
        values << d.requestId << d.httpStatus << d.atMs;
    s.insertRows(QStringLiteral("INSERT INTO callback_deliveries (request_id, http_status, delivered_at) VALUES"), 3,
                 QStringLiteral(" ON CONFLICT (request_id) DO NOTHING"), values);
}

bool CallbackStore::moveFromRow(SqlSession &s, const QString &requestId, const QString &state, int attempts, int httpStatus,
                                const QString &error, qint64 nextAttemptAtMs)
{
    // Typed, so PostgreSQL need not guess what a parameter in a select list is.
    static const QString move = QStringLiteral(
        "INSERT INTO callbacks (id, request_id, tenant_id, url, body, state, attempts, next_attempt_at, last_status, last_error,"
        " created_at) SELECT callback_id, id, tenant_id, callback_url, callback_body, CAST(? AS TEXT), CAST(? AS INTEGER),"
        " CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS TEXT), finished_at FROM requests r WHERE r.id = ? AND ")
        + QLatin1String(kUnsentInRow);
    const int moved = s.run(move,
                            {state, attempts, nextAttemptAtMs, httpStatus ? QVariant(httpStatus) : QVariant(QMetaType(QMetaType::Int)),
                             error.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(error.left(500)), requestId});
    if (moved == 0)
        return false;
    s.run(QStringLiteral("UPDATE requests SET callback_state = 'queued' WHERE id = ?"), {requestId});
    return true;
}

int CallbackStore::queueUnsentInRows(SqlSession &s, const QStringList &requestIds, qint64 nowMs)
{
    int queued = 0;
    for (const QString &id : requestIds)
        queued += moveFromRow(s, id, QStringLiteral("pending"), 0, 0, QString(), nowMs) ? 1 : 0;
    return queued;
}

void CallbackStore::markFailed(SqlSession &s, const QString &id, int httpStatus, const QString &error, qint64 nextAttemptAtMs)
{
    s.exec(QStringLiteral("UPDATE callbacks SET attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_at = ?"
                          " WHERE id = ? AND state = 'pending'"),
           {httpStatus ? QVariant(httpStatus) : QVariant(QMetaType(QMetaType::Int)), error.left(500), nextAttemptAtMs, id});
}

void CallbackStore::markAbandoned(SqlSession &s, const QString &id, const QString &why)
{
    s.exec(QStringLiteral("UPDATE callbacks SET state = 'abandoned', last_error = ? WHERE id = ?"), {why, id});
}

bool CallbackStore::retryNow(SqlSession &s, const QString &id, qint64 nowMs)
{
    return s.exec(QStringLiteral("UPDATE callbacks SET state = 'pending', next_attempt_at = ? WHERE id = ? AND state <> 'delivered'"),
                  {nowMs, id}).numRowsAffected() > 0;
}

namespace {

// A listed callback, whichever table it comes from.
struct ListedCallback
{
    QString id, requestId, tenantId, url;
    QByteArray body;
    QString state;
    int attempts = 0;
    QVariant nextAttemptAt, lastStatus, lastError, createdAt, deliveredAt;

    QJsonObject json() const
    {
        auto time = [](const QVariant &v) { return v.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(rows::isoTime(v.toLongLong())); };
        const bool pending = state == QLatin1String("pending");
        return QJsonObject{{QStringLiteral("id"), id},
                           {QStringLiteral("request_id"), requestId},
                           {QStringLiteral("tenant_id"), tenantId},
                           {QStringLiteral("url"), url},
                           {QStringLiteral("body"), QJsonDocument::fromJson(body).object()},
                           {QStringLiteral("state"), state},
                           {QStringLiteral("attempts"), attempts},
                           {QStringLiteral("next_attempt_at"), pending ? time(nextAttemptAt) : QJsonValue(QJsonValue::Null)},
                           {QStringLiteral("last_status"), lastStatus.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(lastStatus.toInt())},
                           {QStringLiteral("last_error"), lastError.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(lastError.toString())},
                           {QStringLiteral("created_at"), time(createdAt)},
                           {QStringLiteral("delivered_at"), time(deliveredAt)}};
    }
};

// Callbacks in the rows of `journaled` requests whose first attempt is not recorded yet: pending,
// newest first. Only these are found through the journal; the rows' other callbacks by index.
QList<ListedCallback> firstAttempts(SqlSession &s, const QList<RequestStart> &journaled, const QString &tenantId,
                                    qint64 sinceMs, qint64 untilMs)
{
    QList<ListedCallback> out;
    for (const RequestStart &r : journaled) {
        if (!tenantId.isEmpty() && r.tenantId != tenantId)
            continue;
        static const QString unsent = QStringLiteral("SELECT callback_id, callback_url, callback_body, finished_at FROM requests r"
                                                     " WHERE r.id = ? AND ") + QLatin1String(kUnsentInRow);
        QSqlQuery &q = s.exec(unsent, {r.id});
        if (!q.next())
            continue;
        const qint64 created = q.value(3).toLongLong();
        if (created < sinceMs || (untilMs > 0 && created >= untilMs))
            continue;
        ListedCallback c;
        c.id = q.value(0).toString();
        c.requestId = r.id;
        c.tenantId = r.tenantId;
        c.url = q.value(1).toString();
        c.body = q.value(2).toByteArray();
        c.state = QStringLiteral("pending");
        c.nextAttemptAt = created;
        c.createdAt = created;
        out.append(c);
    }
    std::sort(out.begin(), out.end(), [](const ListedCallback &a, const ListedCallback &b) {
        const qint64 ta = a.createdAt.toLongLong(), tb = b.createdAt.toLongLong();
        return ta != tb ? ta > tb : a.id < b.id;
    });
    return out;
}

// `head` + " <created> >= ?", then " AND <created> < ?" and " AND <tenant> = ?" where asked for,
// and the values they take.
std::pair<QString, QVariantList> createdAndTenant(QString head, const char *created, const char *tenant, qint64 sinceMs,
                                                  qint64 untilMs, const QString &tenantId)
{
    QString where = head + QStringLiteral(" %1 >= ?").arg(QLatin1String(created));
    QVariantList values{sinceMs};
    if (untilMs > 0) {
        where += QStringLiteral(" AND %1 < ?").arg(QLatin1String(created));
        values.append(untilMs);
    }
    if (!tenantId.isEmpty()) {
        where += QStringLiteral(" AND %1 = ?").arg(QLatin1String(tenant));
        values.append(tenantId);
    }
    return {where, values};
}

} // namespace

QJsonObject CallbackStore::list(SqlSession &s, const CallbackListFilter &f, const QList<RequestStart> &journaled)
{
    // First the callbacks on their first attempt (found through the journal), then the stored
    // ones: the table's, and those delivered at the first attempt, still in their request's row.
    const QList<ListedCallback> first = f.state.isEmpty() || f.state == QLatin1String("pending")
        ? firstAttempts(s, journaled, f.tenantId, f.sinceMs, f.untilMs) : QList<ListedCallback>();
    QJsonArray items;
    const rows::ShownFirst shown = rows::pageShownFirst(
        first, 'f', f.limit, f.offset, f.cursor, items, [](const ListedCallback &c) { return std::pair{c.createdAt.toLongLong(), c.id}; },
        [](const ListedCallback &c) { return c.json(); });

    // The stored ones come from two places, each read newest request first, through an index,
    // only as far as the page needs (and one more, to know whether the list goes on), and merged
    // here: the table, and the callbacks delivered at their first attempt (a narrow row in
    // callback_deliveries, the callback in its request's row). Sorting their union by creation
    // time read and sorted every delivered callback in the retention window: ~1 s for 560,000 of
    // them on SQLite.
    const qint64 pageLimit = shown.storedLimit;
    const qint64 pageOffset = shown.storedOffset;
    auto [where, values] = createdAndTenant(QStringLiteral(" WHERE"), "created_at", "tenant_id", f.sinceMs, f.untilMs, f.tenantId);
    if (!f.state.isEmpty()) {
        where += QStringLiteral(" AND state = ?");
        values.append(f.state);
    }
    QList<ListedCallback> stored;
    auto read = [&](QSqlQuery &q) {
        while (q.next()) {
            ListedCallback c;
            c.id = q.value(0).toString();
            c.requestId = q.value(1).toString();
            c.tenantId = q.value(2).toString();
            c.url = q.value(3).toString();
            c.body = q.value(4).toByteArray();
            c.state = q.value(5).toString();
            c.attempts = q.value(6).toInt();
            c.nextAttemptAt = q.value(7);
            c.lastStatus = q.value(8);
            c.lastError = q.value(9);
            c.createdAt = q.value(10);
            c.deliveredAt = q.value(11);
            stored.append(c);
        }
    };
    rows::RowCount total = rows::countUpToLimit(s, QStringLiteral("FROM callbacks") + where, values);
    if (pageLimit > 0) {
        QVariantList paged = values;
        f.cursor.restrictAfter(where, paged, 's', "request_id", "id", f.cursor.key);
        paged << pageOffset + pageLimit + 1;
        read(s.exec(QStringLiteral("SELECT id, request_id, tenant_id, url, body, state, attempts, next_attempt_at, last_status,"
                                   " last_error, created_at, delivered_at FROM callbacks") + where
                        + QStringLiteral(" ORDER BY request_id DESC, id LIMIT ?"),
                    paged));
    }
    if (f.state.isEmpty() || f.state == QLatin1String("delivered")) {
        // A row in callback_deliveries always has its request's row, with the callback in it
        // (callback_state 'sending': a callback that was moved to the table has no such row, and
        // retention deletes both together), so without filters on the request the narrow table
        // alone gives the count.
        auto [rowsWhere, rowsValues] = createdAndTenant(QStringLiteral(" WHERE r.callback_state = 'sending' AND"), "r.finished_at",
                                                        "r.tenant_id", f.sinceMs, f.untilMs, f.tenantId);
        const bool filtered = f.sinceMs > 0 || f.untilMs > 0 || !f.tenantId.isEmpty();
        total = total
            + (filtered ? rows::countUpToLimit(s, QStringLiteral("FROM callback_deliveries d JOIN requests r ON r.id = d.request_id") + rowsWhere,
                                               rowsValues)
                        : rows::countUpToLimit(s, QStringLiteral("FROM callback_deliveries"), {}));
        if (pageLimit > 0) {
            // CROSS JOIN: SQLite then walks callback_deliveries backwards and stops at the page's
            // end, instead of reading every request and sorting. PostgreSQL, with its statistics
            // current (autovacuum analyzes a growing table), merges both primary keys backwards.
            f.cursor.restrictAfter(rowsWhere, rowsValues, 's', "d.request_id", "r.callback_id", f.cursor.key);
            rowsValues << pageOffset + pageLimit + 1;
            read(s.exec(QStringLiteral("SELECT r.callback_id, r.id, r.tenant_id, r.callback_url, r.callback_body, 'delivered', 1, NULL,"
                                       " d.http_status, NULL, r.finished_at, d.delivered_at FROM callback_deliveries d CROSS JOIN requests r")
                            + rowsWhere + QStringLiteral(" AND r.id = d.request_id ORDER BY d.request_id DESC LIMIT ?"),
                        rowsValues));
        }
    }
    // Newest request first (request ids begin with the time), as each part was read.
    std::stable_sort(stored.begin(), stored.end(), [](const ListedCallback &a, const ListedCallback &b) {
        return a.requestId != b.requestId ? a.requestId > b.requestId : a.id < b.id;
    });
    // The page's last callback, and whether the list goes on after it.
    rows::ListCursor last = shown.last;
    bool more = last.section && (shown.more || total.rows > 0);
    if (pageLimit > 0) {
        for (qsizetype i = pageOffset; i < stored.size() && i < pageOffset + pageLimit; ++i) {
            items.append(stored.at(i).json());
            last = {'s', stored.at(i).requestId, stored.at(i).id};
        }
        more = stored.size() > pageOffset + pageLimit;
    }
    return rows::listPage(total, first.size(), items, more ? last : rows::ListCursor());
}

} // namespace dynaseal

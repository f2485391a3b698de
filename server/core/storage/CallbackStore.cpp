#include "server/core/storage/CallbackStore.h"

#include "server/core/storage/RowIds.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace dynaseal {

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

void CallbackStore::markDeliveredInRow(SqlSession &s, const QString &requestId, int httpStatus, qint64 nowMs)
{
    s.run(QStringLiteral("INSERT INTO callback_deliveries (request_id, http_status, delivered_at) VALUES (?, ?, ?)"),
           {requestId, httpStatus, nowMs});
}

bool CallbackStore::moveFromRow(SqlSession &s, const QString &requestId, const QString &state, int attempts, int httpStatus,
                                const QString &error, qint64 nextAttemptAtMs)
{
    // Typed, so PostgreSQL need not guess what a parameter in a select list is.
    const int moved = s.run(QStringLiteral("INSERT INTO callbacks (id, request_id, tenant_id, url, body, state, attempts, next_attempt_at,"
                                           " last_status, last_error, created_at) SELECT callback_id, id, tenant_id, callback_url, callback_body,"
                                           " CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS TEXT), finished_at"
                                           " FROM requests WHERE id = ? AND callback_state = 'sending'"),
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

QJsonObject CallbackStore::list(SqlSession &s, const QString &tenantId, const QString &state, qint64 sinceMs, qint64 untilMs,
                                int limit, int offset)
{
    // The table, and the callbacks still in their request's row: those on their first attempt
    // (listed as pending) and those it delivered. The ones moved to the table are listed from it.
    static const QString all = QStringLiteral(
        "(SELECT id, request_id, tenant_id, url, body, state, attempts, next_attempt_at, last_status, last_error, created_at,"
        " delivered_at FROM callbacks"
        " UNION ALL SELECT r.callback_id, r.id, r.tenant_id, r.callback_url, r.callback_body,"
        " CASE WHEN d.request_id IS NULL THEN 'pending' ELSE 'delivered' END,"
        " CASE WHEN d.request_id IS NULL THEN 0 ELSE 1 END, r.finished_at, d.http_status, NULL, r.finished_at,"
        " d.delivered_at FROM requests r LEFT JOIN callback_deliveries d ON d.request_id = r.id"
        " WHERE r.callback_state = 'sending') AS c");
    QString where = QStringLiteral(" WHERE created_at >= ?");
    QVariantList values{sinceMs};
    if (untilMs > 0) {
        where += QStringLiteral(" AND created_at < ?");
        values.append(untilMs);
    }
    if (!tenantId.isEmpty()) {
        where += QStringLiteral(" AND tenant_id = ?");
        values.append(tenantId);
    }
    if (!state.isEmpty()) {
        where += QStringLiteral(" AND state = ?");
        values.append(state);
    }
    qint64 total = 0;
    {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT COUNT(*) FROM ") + all + where, values);
        if (q.next())
            total = q.value(0).toLongLong();
    }
    values << limit << offset;
    QSqlQuery &q = s.exec(QStringLiteral("SELECT id, request_id, tenant_id, url, body, state, attempts, next_attempt_at, last_status,"
                                         " last_error, created_at, delivered_at FROM ") + all + where
                              + QStringLiteral(" ORDER BY created_at DESC, id LIMIT ? OFFSET ?"),
                          values);
    QJsonArray items;
    while (q.next()) {
        auto time = [&](int i) { return q.value(i).isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(rows::isoTime(q.value(i).toLongLong())); };
        const bool pending = q.value(5).toString() == QLatin1String("pending");
        items.append(QJsonObject{{QStringLiteral("id"), q.value(0).toString()},
                                 {QStringLiteral("request_id"), q.value(1).toString()},
                                 {QStringLiteral("tenant_id"), q.value(2).toString()},
                                 {QStringLiteral("url"), q.value(3).toString()},
                                 {QStringLiteral("body"), QJsonDocument::fromJson(q.value(4).toByteArray()).object()},
                                 {QStringLiteral("state"), q.value(5).toString()},
                                 {QStringLiteral("attempts"), q.value(6).toInt()},
                                 {QStringLiteral("next_attempt_at"), pending ? time(7) : QJsonValue(QJsonValue::Null)},
                                 {QStringLiteral("last_status"), q.value(8).isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(q.value(8).toInt())},
                                 {QStringLiteral("last_error"), q.value(9).isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(q.value(9).toString())},
                                 {QStringLiteral("created_at"), time(10)},
                                 {QStringLiteral("delivered_at"), time(11)}});
    }
    return QJsonObject{{QStringLiteral("total"), total}, {QStringLiteral("items"), items}};
}

} // namespace dynaseal

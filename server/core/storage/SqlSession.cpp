#include "server/core/storage/SqlSession.h"

#include <QSqlError>

namespace dynaseal {
namespace {

const char *const kTxSql[] = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT job", "RELEASE SAVEPOINT job", "ROLLBACK TO SAVEPOINT job"};

} // namespace

RollupDelta &RollupDelta::operator+=(const RollupDelta &d)
{
    requests += d.requests;
    errors += d.errors;
    promptTokens += d.promptTokens;
    completionTokens += d.completionTokens;
    latencyMsSum += d.latencyMsSum;
    return *this;
}

SqlSession::~SqlSession()
{
    m_statements.clear();
}

QSqlQuery &SqlSession::exec(const QString &sql, const QVariantList &values)
{
    auto it = m_statements.find(sql);
    if (it == m_statements.end()) {
        QSqlQuery query(m_db);
        if (!query.prepare(sql))
            throw DbError(QStringLiteral("prepare failed: %1").arg(query.lastError().text()));
        it = m_statements.insert(sql, query);
    }
    QSqlQuery &query = it.value();
    query.finish();
    for (int i = 0; i < values.size(); ++i)
        query.bindValue(i, values.at(i));
    if (!query.exec())
        throw DbError(query.lastError().text());
    return query;
}

void SqlSession::execRaw(const QString &sql)
{
    QSqlQuery query(m_db);
    if (!query.exec(sql))
        throw DbError(QStringLiteral("%1 (in: %2)").arg(query.lastError().text(), sql.left(80)));
}

void SqlSession::tx(Tx which)
{
    const char *sql = kTxSql[int(which)];
    if (m_postgres) {
        // PostgreSQL cannot PREPARE transaction statements: BEGIN/COMMIT/ROLLBACK go through the
        // driver, which sends them as they are (and reports a COMMIT that rolled back as an
        // error); savepoints are sent as plain queries on one kept query object.
        bool ok = true;
        QSqlError error;
        switch (which) {
        case Tx::Begin: ok = m_db.transaction(); break;
        case Tx::Commit: ok = m_db.commit(); break;
        case Tx::Rollback: ok = m_db.rollback(); break;
        default:
            if (!m_plain)
                m_plain.emplace(m_db);
            ok = m_plain->exec(QLatin1String(sql));
            if (!ok)
                error = m_plain->lastError();
            m_plain->finish();
            break;
        }
        if (!ok)
            throw DbError(QStringLiteral("%1 (in: %2)").arg((error.isValid() ? error : m_db.lastError()).text(), QLatin1String(sql)));
        return;
    }
    // SQLite: each statement is prepared once per connection and only stepped after that.
    std::optional<QSqlQuery> &query = m_tx[size_t(which)];
    if (!query) {
        QSqlQuery q(m_db);
        if (!q.prepare(QLatin1String(sql)))
            throw DbError(QStringLiteral("%1 (in: %2)").arg(q.lastError().text(), QLatin1String(sql)));
        query = std::move(q);
    }
    const bool ok = query->exec();
    const QString error = ok ? QString() : query->lastError().text();
    query->finish(); // resets the statement so it holds nothing open
    if (!ok)
        throw DbError(QStringLiteral("%1 (in: %2)").arg(error, QLatin1String(sql)));
}

void SqlSession::addRollup(const QString &upsertSql, qint64 bucket, const QString &tenantId, const QString &model,
                           const RollupDelta &delta)
{
    RollupKey key{upsertSql, bucket, tenantId, model};
    if (!m_collecting) {
        writeRollup(key, delta);
        return;
    }
    m_jobRollups[std::move(key)] += delta;
}

void SqlSession::addToCounter(const QString &updateSql, const QString &key, qint64 delta)
{
    if (!m_collecting) {
        exec(updateSql, {delta, key});
        return;
    }
    m_jobCounters[CounterKey{updateSql, key}] += delta;
}

void SqlSession::beginBatch()
{
    discardBatch();
    m_collecting = true;
}

void SqlSession::endJob(bool kept)
{
    if (kept) {
        for (auto &[key, delta] : m_jobRollups)
            m_batchRollups[key] += delta;
        for (auto &[key, delta] : m_jobCounters)
            m_batchCounters[key] += delta;
    }
    m_jobRollups.clear();
    m_jobCounters.clear();
}

void SqlSession::flushRollups()
{
    // One statement per distinct row, in key order (a steady lock order on PostgreSQL).
    for (const auto &[key, delta] : m_batchCounters)
        exec(key.first, {delta, key.second});
    m_batchCounters.clear();
    for (const auto &[key, delta] : m_batchRollups)
        writeRollup(key, delta);
    m_batchRollups.clear();
}

void SqlSession::discardBatch()
{
    m_collecting = false;
    m_jobRollups.clear();
    m_batchRollups.clear();
    m_jobCounters.clear();
    m_batchCounters.clear();
}

void SqlSession::writeRollup(const RollupKey &key, const RollupDelta &d)
{
    const auto &[sql, bucket, tenantId, model] = key;
    exec(sql, {bucket, tenantId, model, d.requests, d.errors, d.promptTokens, d.completionTokens, d.latencyMsSum});
}

} // namespace dynaseal

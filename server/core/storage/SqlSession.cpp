#include "server/core/storage/SqlSession.h"

#include "server/core/storage/PostgresStatements.h"

#include <QSqlDriver>
#include <QScopeGuard>
#include <QSet>
#include <QSqlError>
#include <QStringEncoder>
#include <sqlite3.h>
#include <vector>

namespace dynaseal {
namespace {

// IMMEDIATE: a write batch takes SQLite's write lock when it begins, waiting (the busy timeout)
// while another connection writes. A deferred BEGIN whose first statement reads fails at its
// first write, at once and without waiting, if another connection committed in between
// (SQLITE_BUSY_SNAPSHOT): an admin change on one of two servers sharing a SQLite file did.
const char *const kTxSql[] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};

// The text values' buffer kept between runs at most (a multi-row insert of 64 requests' rows
// needs some tens of KB).
constexpr size_t kKeptTextBytes = 256 * 1024;

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

SqlSession::SqlSession(QSqlDatabase db, bool postgres) : m_db(std::move(db)), m_postgres(postgres)
{
    if (m_postgres) {
        m_pg = PostgresStatements::of(m_db);
        return;
    }
    const QVariant handle = m_db.driver()->handle();
    if (handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0)
        m_sqlite = *static_cast<sqlite3 *const *>(handle.constData());
}

bool SqlSession::connectionLost(QString *why) const
{
    return m_pg && m_pg->connectionLost(why);
}

void SqlSession::releaseConnection()
{
    m_pg.reset();
    m_sqlite = nullptr;
    m_db = QSqlDatabase();
}

SqlSession::~SqlSession()
{
    m_statements.clear();
    for (sqlite3_stmt *statement : std::as_const(m_sqliteStatements))
        sqlite3_finalize(statement);
    m_sqliteStatements.clear();
}

sqlite3_stmt *SqlSession::sqliteStatement(const QString &sql)
{
    sqlite3_stmt *&statement = m_sqliteStatements[sql];
    if (!statement) {
        const QByteArray utf8 = sql.toUtf8();
        if (sqlite3_prepare_v3(m_sqlite, utf8.constData(), int(utf8.size()), SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK) {
            const QString error = QString::fromUtf8(sqlite3_errmsg(m_sqlite));
            m_sqliteStatements.remove(sql);
            throw DbError(QStringLiteral("prepare failed: %1 (in: %2)").arg(error, sql.left(80)));
        }
    }
    return statement;
}

int SqlSession::run(const QString &sql, const QVariantList &values)
{
    if (m_pg && PostgresStatements::takes(values)) {
        writeWaitingRowsFirst();
        return m_pg->run(sql, values);
    }
    if (!m_sqlite) {
        QSqlQuery &query = exec(sql, values);
        const int changed = query.numRowsAffected();
        query.finish();
        return changed;
    }
    writeWaitingRowsFirst();
    return runSqlite(sql, values);
}

int SqlSession::runSqlite(const QString &sql, const QVariantList &values)
{
    sqlite3_stmt *statement = sqliteStatement(sql);
    // The values, and the UTF-8 of the text values in m_textValues, outlive the statement's run,
    // so SQLite may read them in place (SQLITE_STATIC). Text as UTF-8, the database's encoding:
    // bound as UTF-16, SQLite would convert every value.
    QStringEncoder utf8(QStringEncoder::Utf8, QStringConverter::Flag::Stateless);
    qsizetype textBytes = 0;
    for (const QVariant &v : values) {
        if (v.typeId() == QMetaType::QString)
            textBytes += utf8.requiredSpace(static_cast<const QString *>(v.constData())->size());
    }
    // Never empty: an empty text is bound with a pointer that is not null (null would be NULL).
    if (m_textValues.size() < size_t(textBytes) + 1)
        m_textValues.resize(size_t(textBytes) + 1);
    char *nextText = m_textValues.data();
    int rc = SQLITE_OK;
    for (int i = 0; i < values.size() && rc == SQLITE_OK; ++i) {
        const QVariant &v = values.at(i);
        const int index = i + 1;
        // NULL where Qt's driver writes NULL: an empty variant, or a null string or byte array.
        const bool null = v.isNull() || (v.typeId() == QMetaType::QString && static_cast<const QString *>(v.constData())->isNull())
                          || (v.typeId() == QMetaType::QByteArray && static_cast<const QByteArray *>(v.constData())->isNull());
        if (null) {
            rc = sqlite3_bind_null(statement, index);
            continue;
        }
        switch (v.typeId()) {
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::LongLong:
        case QMetaType::Bool:
            rc = sqlite3_bind_int64(statement, index, v.toLongLong());
            break;
        case QMetaType::ULongLong:
            rc = sqlite3_bind_int64(statement, index, qint64(v.toULongLong()));
            break;
        case QMetaType::Double:
            rc = sqlite3_bind_double(statement, index, v.toDouble());
            break;
        case QMetaType::QByteArray: {
            const QByteArray &bytes = *static_cast<const QByteArray *>(v.constData());
            rc = sqlite3_bind_blob64(statement, index, bytes.constData(), sqlite3_uint64(bytes.size()), SQLITE_STATIC);
            break;
        }
        case QMetaType::QString: {
            char *const text = nextText;
            nextText = utf8.appendToBuffer(nextText, *static_cast<const QString *>(v.constData()));
            rc = sqlite3_bind_text(statement, index, text, int(nextText - text), SQLITE_STATIC);
            break;
        }
        default: {
            const QString text = v.toString();
            rc = sqlite3_bind_text16(statement, index, text.utf16(), int(text.size() * 2), SQLITE_TRANSIENT);
            break;
        }
        }
    }
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        }
    }
    const bool ok = rc == SQLITE_DONE;
    QString error;
    if (!ok)
        error = QString::fromUtf8(sqlite3_errmsg(m_sqlite));
    // Reset at once: a statement left mid-way would hold its locks and its bound values.
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    if (m_textValues.size() > kKeptTextBytes)
        std::vector<char>().swap(m_textValues); // a rare big value's buffer is not kept
    if (!ok)
        throw DbError(QStringLiteral("%1 (in: %2)").arg(error, sql.left(80)));
    return sqlite3_changes(m_sqlite);
}

namespace {

// The rows of the next multi-row statement, `left` rows still to write: powers of two up to
// kRowsPerInsert, so a handful of statements are prepared per head, whatever the batch's size.
qsizetype nextChunk(qsizetype left)
{
    qsizetype chunk = SqlSession::kRowsPerInsert;
    while (chunk > left)
        chunk /= 2;
    return chunk;
}

// "<head> <row>, <row> ...<tail>" with `rows` copies of `row`.
QString multiRow(const QString &head, const QString &row, int rows, const QString &tail)
{
    QString sql = head;
    sql.reserve(head.size() + rows * (row.size() + 2) + tail.size());
    for (int i = 0; i < rows; ++i) {
        sql += i == 0 ? QStringLiteral(" ") : QStringLiteral(", ");
        sql += row;
    }
    sql += tail;
    return sql;
}

// "<head> (?, ?), (?, ?) ...<tail>" for `rows` rows of `columns` values.
QString multiRowInsert(const QString &head, int columns, int rows, const QString &tail)
{
    QString row = QStringLiteral("(?");
    row += QStringLiteral(", ?").repeated(columns - 1);
    row += QLatin1Char(')');
    return multiRow(head, row, rows, tail);
}

} // namespace

int SqlSession::insertRows(const QString &head, int columns, const QString &tail, const QVariantList &values)
{
    Q_ASSERT(columns > 0 && values.size() % columns == 0);
    const qsizetype rows = values.size() / columns;
    if (m_sqlite) {
        // No round trip to save: one row a statement, prepared once, is SQLite's cheapest.
        const QString sql = multiRowInsert(head, columns, 1, tail);
        int changed = 0;
        for (qsizetype i = 0; i < rows; ++i)
            changed += run(sql, values.mid(i * columns, columns));
        return changed;
    }
    int changed = 0;
    for (qsizetype done = 0; done < rows;) {
        const qsizetype chunk = nextChunk(rows - done);
        changed += run(multiRowInsert(head, columns, int(chunk), tail), values.mid(done * columns, chunk * columns));
        done += chunk;
    }
    return changed;
}

SqlSession::RowInserted SqlSession::insertRowLater(const QString &head, const QString &tail, const QString &keyColumn,
                                                   const QVariantList &values, const QString &key,
                                                   std::function<void(SqlSession &)> then)
{
    auto inserted = std::make_shared<bool>(false);
    LaterRows &group = m_laterRows[{head, tail}];
    group.keyColumn = keyColumn;
    group.rows.push_back(LaterRow{values, key, std::move(then), inserted});
    if (!m_collecting)
        writeLaterRows();
    return inserted;
}

void SqlSession::writeWaitingRowsFirst()
{
    if (!m_laterRows.empty() && !m_writingLaterRows)
        writeLaterRows();
}

void SqlSession::writeLaterRows()
{
    std::map<std::pair<QString, QString>, LaterRows> waiting;
    waiting.swap(m_laterRows);
    std::vector<LaterRow *> fresh;
    {
        m_writingLaterRows = true;
        const auto writing = qScopeGuard([this] { m_writingLaterRows = false; });
        for (auto &[statement, group] : waiting) {
            const auto &[head, tail] = statement;
            const int columns = int(group.rows.front().values.size());
            if (m_sqlite) {
                // One row a statement (see insertRows); whether it went in is in the changes count.
                const QString sql = multiRowInsert(head, columns, 1, tail);
                for (LaterRow &row : group.rows)
                    *row.inserted = runSqlite(sql, row.values) > 0;
            } else {
                // RETURNING says which rows went in; of two rows with one key, the first did.
                const QString returning = tail + QStringLiteral(" RETURNING ") + group.keyColumn;
                QSet<QString> newKeys;
                const qsizetype rows = qsizetype(group.rows.size());
                for (qsizetype done = 0; done < rows;) {
                    const qsizetype chunk = nextChunk(rows - done);
                    QVariantList values;
                    values.reserve(chunk * columns);
                    for (qsizetype i = done; i < done + chunk; ++i)
                        values += group.rows[size_t(i)].values;
                    const QString sql = multiRowInsert(head, columns, int(chunk), returning);
                    if (m_pg && PostgresStatements::takes(values)) {
                        QStringList returned;
                        m_pg->run(sql, values, &returned);
                        for (const QString &key : std::as_const(returned))
                            newKeys.insert(key);
                    } else {
                        QSqlQuery &query = exec(sql, values);
                        while (query.next())
                            newKeys.insert(query.value(0).toString());
                        query.finish();
                    }
                    done += chunk;
                }
                for (LaterRow &row : group.rows)
                    *row.inserted = newKeys.remove(row.key);
            }
            for (LaterRow &row : group.rows) {
                if (*row.inserted && row.then)
                    fresh.push_back(&row);
            }
        }
    }
    for (LaterRow *row : fresh)
        row->then(*this);
}

QSqlQuery &SqlSession::exec(const QString &sql, const QVariantList &values)
{
    writeWaitingRowsFirst();
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

void SqlSession::finishQueries()
{
    for (QSqlQuery &query : m_statements) {
        if (query.isActive())
            query.finish();
    }
}

void SqlSession::execRaw(const QString &sql)
{
    writeWaitingRowsFirst();
    QSqlQuery query(m_db);
    if (!query.exec(sql))
        throw DbError(QStringLiteral("%1 (in: %2)").arg(query.lastError().text(), sql.left(80)));
}

void SqlSession::tx(Tx which)
{
    const char *sql = kTxSql[int(which)];
    if (which == Tx::Begin)
        m_transactionId = {};
    if (m_postgres) {
        // PostgreSQL cannot PREPARE transaction statements: they go through the driver, which
        // sends them as they are (and reports a COMMIT that rolled back as an error).
        const bool ok = which == Tx::Begin ? m_db.transaction() : which == Tx::Commit ? m_db.commit() : m_db.rollback();
        if (!ok)
            throw DbError(QStringLiteral("%1 (in: %2)").arg(m_db.lastError().text(), QLatin1String(sql)));
        return;
    }
    // SQLite: each statement is prepared once per connection and only stepped after that. Not
    // through run(): a ROLLBACK must not write the rows waiting first.
    runSqlite(QLatin1String(sql), {});
}

void SqlSession::beginWithId()
{
    m_transactionId = {};
    if (!m_pg) {
        tx(Tx::Begin);
        return;
    }
    m_transactionId = m_pg->begin();
}

QString SqlSession::transactionStatus(const TransactionId &transaction)
{
    if (!m_pg)
        throw DbError(QStringLiteral("a transaction's status is asked of PostgreSQL only"));
    return m_pg->transactionStatus(transaction);
}

bool SqlSession::inTransaction() const
{
    return !m_sqlite || !sqlite3_get_autocommit(m_sqlite);
}

void SqlSession::addRollup(const QString &table, qint64 bucket, const QString &tenantId, const QString &model,
                           const RollupDelta &delta)
{
    RollupKey key{table, bucket, tenantId, model};
    if (!m_collecting) {
        const Rollups one{{std::move(key), delta}};
        writeRollups(one.cbegin(), one.cend());
        return;
    }
    m_jobRollups[std::move(key)] += delta;
}

void SqlSession::addToCounter(const Counter &counter, const QString &key, qint64 delta)
{
    if (!m_collecting) {
        Counters one{{CounterKey{counter, key}, delta}};
        writeCounters(one.cbegin(), one.cend());
        return;
    }
    m_jobCounters[CounterKey{counter, key}] += delta;
}

void SqlSession::writeCounters(Counters::const_iterator first, Counters::const_iterator last)
{
    const Counter &c = first->first.first;
    const qsizetype count = std::distance(first, last);
    if (m_sqlite || count == 1) {
        // One row a statement: SQLite has no round trip to save.
        const QString sql = QStringLiteral("UPDATE %1 SET %2 = %2 + ? WHERE %3 = ?").arg(c.table, c.column, c.keyColumn);
        for (auto it = first; it != last; ++it)
            run(sql, {it->second, it->first.second});
        return;
    }
    // Sorted by key, as the map holds them. Should two servers' batches still lock shared rows in
    // different orders, PostgreSQL aborts one, and its jobs run again one by one (Database).
    // `= ANY(ARRAY[…])` rather than `=`: PostgreSQL cannot hash or merge on it, so each key is
    // found through the key column's index. With `=`, from some 64 keys against a table of
    // thousands (key_spend with many devices), it read the whole table into a hash join on every
    // run: 5–6 ms a statement against 1 ms.
    const QString head = QStringLiteral("UPDATE %1 SET %2 = %2 + d.column2 FROM (VALUES").arg(c.table, c.column);
    const QString tail = QStringLiteral(") AS d WHERE %1 = ANY(ARRAY[d.column1])").arg(c.keyColumn);
    auto it = first;
    for (qsizetype done = 0; done < count;) {
        const qsizetype chunk = nextChunk(count - done);
        QVariantList values;
        values.reserve(chunk * 2);
        for (qsizetype i = 0; i < chunk; ++i, ++it)
            values << it->first.second << it->second;
        run(multiRow(head, QStringLiteral("(?, CAST(? AS BIGINT))"), int(chunk), tail), values);
        done += chunk;
    }
}

void SqlSession::beginBatch()
{
    discardBatch();
    m_collecting = true;
}

void SqlSession::endJob()
{
    for (auto &[key, delta] : m_jobRollups)
        m_batchRollups[key] += delta;
    for (auto &[key, delta] : m_jobCounters)
        m_batchCounters[key] += delta;
    m_jobRollups.clear();
    m_jobCounters.clear();
}

void SqlSession::flushDeferred()
{
    // The rows first: what runs when one was new may add sums (or rows).
    while (!m_laterRows.empty())
        writeLaterRows();
    endJob();
    for (auto first = m_batchCounters.cbegin(); first != m_batchCounters.cend();) {
        auto last = first;
        while (last != m_batchCounters.cend() && last->first.first == first->first.first)
            ++last;
        writeCounters(first, last);
        first = last;
    }
    m_batchCounters.clear();
    for (auto first = m_batchRollups.cbegin(); first != m_batchRollups.cend();) {
        auto last = first;
        while (last != m_batchRollups.cend() && std::get<0>(last->first) == std::get<0>(first->first))
            ++last;
        writeRollups(first, last);
        first = last;
    }
    m_batchRollups.clear();
}

void SqlSession::discardBatch()
{
    m_collecting = false;
    m_jobRollups.clear();
    m_batchRollups.clear();
    m_jobCounters.clear();
    m_batchCounters.clear();
    m_laterRows.clear();
}

void SqlSession::writeRollups(Rollups::const_iterator first, Rollups::const_iterator last)
{
    const QString &table = std::get<0>(first->first);
    const QString head = QStringLiteral("INSERT INTO %1 (bucket, tenant_id, model, requests, errors, prompt_tokens,"
                                        " completion_tokens, latency_ms_sum) VALUES").arg(table);
    const QString tail = QStringLiteral(" ON CONFLICT (bucket, tenant_id, model) DO UPDATE SET requests = %1.requests + excluded.requests,"
                                        " errors = %1.errors + excluded.errors, prompt_tokens = %1.prompt_tokens + excluded.prompt_tokens,"
                                        " completion_tokens = %1.completion_tokens + excluded.completion_tokens,"
                                        " latency_ms_sum = %1.latency_ms_sum + excluded.latency_ms_sum").arg(table);
    // Each row once, in the map's order: PostgreSQL refuses a statement that updates a row twice,
    // and two servers' batches lock shared rows in the same order.
    QVariantList values;
    values.reserve(std::distance(first, last) * 8);
    for (auto it = first; it != last; ++it) {
        const auto &[unused, bucket, tenantId, model] = it->first;
        const RollupDelta &d = it->second;
        values << bucket << tenantId << model << d.requests << d.errors << d.promptTokens << d.completionTokens << d.latencyMsSum;
    }
    insertRows(head, 8, tail, values);
}

} // namespace dynaseal

#pragma once
// A database connection as the stores see it: prepared statements cached per SQL text, errors
// thrown as DbError so the job's transaction rolls back. Used on the database thread only.
#include "server/core/storage/PostgresStatements.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace dynaseal {

class DbError : public std::runtime_error
{
public:
    explicit DbError(const QString &message) : std::runtime_error(message.toStdString()) {}
    QString message() const { return QString::fromStdString(what()); }
};

// What one or more finished requests add to a rollup row.
struct RollupDelta
{
    qint64 requests = 0;
    qint64 errors = 0;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 latencyMsSum = 0;
    RollupDelta &operator+=(const RollupDelta &d);
};

class SqlSession
{
public:
    SqlSession(QSqlDatabase db, bool postgres);
    ~SqlSession();

    // Prepares (once per SQL text), binds positional `?` values and executes; throws DbError.
    QSqlQuery &exec(const QString &sql, const QVariantList &values = {});
    // The same for a statement that returns no rows (INSERT, UPDATE, DELETE), on the hot path of
    // every request. On SQLite it goes straight to the sqlite3 API: Qt's driver spends more time
    // binding values (a QString placeholder name per value) than SQLite spends running the
    // statement. On PostgreSQL it goes through libpq with the values as parameters
    // (PostgresStatements). Returns the number of rows changed.
    int run(const QString &sql, const QVariantList &values = {});
    // Inserts rows of `columns` values each (`values` holds them row after row): `head` is
    // "INSERT INTO t (a, b) VALUES", `tail` what follows the rows (e.g. " ON CONFLICT (a) DO
    // NOTHING"). On PostgreSQL every statement is a round trip to the server, and one per row was
    // most of the database thread's time: there up to kRowsPerInsert rows go in one statement, in
    // chunks of powers of two so that few statements are prepared per head. Returns the rows changed.
    int insertRows(const QString &head, int columns, const QString &tail, const QVariantList &values);
    static constexpr int kRowsPerInsert = 64;

    // Whether a row given to insertRowLater() was new, i.e. not skipped by the ON CONFLICT DO
    // NOTHING in its `tail`. Set when the row is written: inside a write batch before the batch
    // commits, so always by the time a job's result is delivered.
    using RowInserted = std::shared_ptr<bool>;
    // Inserts a row as insertRows() does. Inside a write batch the row waits, and on PostgreSQL
    // goes in one statement with the other rows waiting for the same `head` and `tail`: one round
    // trip for a batch's calls instead of one each. They are written before the next statement of
    // the batch runs, or before its sums. `key` is the row's value of `keyColumn`, its conflict
    // target; `then` runs if the row was new (of two rows with one key, the first), before the
    // batch's next statement.
    RowInserted insertRowLater(const QString &head, const QString &tail, const QString &keyColumn, const QVariantList &values,
                               const QString &key, std::function<void(SqlSession &)> then = {});

    // Ends the cursors that exec() left open. An open cursor keeps its read transaction, and in
    // WAL mode a connection that holds an old snapshot cannot write once another connection (an
    // operator's sqlite3, a migration tool) has committed: "database is locked" until it ends.
    void finishQueries();
    // Executes a statement without caching (DDL, migrations).
    void execRaw(const QString &sql);
    // Number of rows the last exec() changed.
    int rowsAffected(const QSqlQuery &query) const { return query.numRowsAffected(); }

    // Transaction control for the write batches, without parsing the statement again each time.
    enum class Tx { Begin, Commit, Rollback };
    void tx(Tx which);
    using TransactionId = PostgresTransactionId;
    // Tx::Begin, and on PostgreSQL the new transaction's id asked in the same round trip, so that a
    // COMMIT whose answer is lost with the connection can be looked up on a new one.
    void beginWithId();
    // PostgreSQL: the id beginWithId() got; none (id 0) after Tx::Begin, and on SQLite.
    TransactionId transactionId() const { return m_transactionId; }
    // PostgreSQL: what became of that transaction ("committed", "aborted", "in progress"; empty if
    // PostgreSQL cannot tell). Throws DbError.
    QString transactionStatus(const TransactionId &transaction);
    // Whether a transaction is open (SQLite; on PostgreSQL always true): a job that ended the
    // batch's transaction itself is caught by this.
    bool inTransaction() const;

    // Adds `delta` to the row (bucket, tenantId, model) of the rollup table `table` (columns
    // bucket, tenant_id, model, requests, errors, prompt_tokens, completion_tokens and
    // latency_ms_sum; the first three its primary key), made if missing. Inside a write batch the
    // deltas are summed per row and written once, just before COMMIT, the batch's rows of one
    // table through insertRows(): on PostgreSQL up to kRowsPerInsert of them in one statement,
    // not one round trip for each tenant and model. Outside a batch the row is written at once.
    void addRollup(const QString &table, qint64 bucket, const QString &tenantId, const QString &model,
                   const RollupDelta &delta);

    // A whole-number column that addToCounter() adds to, in the row whose `keyColumn` is the key.
    struct Counter
    {
        QString table;
        QString column;
        QString keyColumn;
        bool operator==(const Counter &o) const { return std::tie(table, column, keyColumn) == std::tie(o.table, o.column, o.keyColumn); }
        bool operator<(const Counter &o) const { return std::tie(table, column, keyColumn) < std::tie(o.table, o.column, o.keyColumn); }
    };
    // Adds `delta` to `counter` in the row whose key is `key` (a key without a row changes
    // nothing). Summed per key over a write batch and written once just before COMMIT, like the
    // rollups: a burst of calls on one key or tenant updates its row once per batch, not once
    // per call. On PostgreSQL the batch's keys of one counter go in multi-row statements
    // (`UPDATE … FROM (VALUES …)`, each row found by its key through the index): one round trip
    // for many devices' keys, not one each.
    void addToCounter(const Counter &counter, const QString &key, qint64 delta);

    // The write batch's side of the waiting rows, rollups and counters (Database only).
    void beginBatch();     // starts collecting
    void endJob();         // a job's deltas join the batch
    void flushDeferred();  // writes the batch's waiting rows, then its rollup and counter rows; throws DbError
    void discardBatch();   // stops collecting and forgets everything not flushed

    bool isPostgres() const { return m_postgres; }
    QSqlDatabase &connection() { return m_db; }
    // PostgreSQL: whether a statement found the connection gone, so that only a new one works
    // (PostgresStatements::connectionLost). Always false on SQLite.
    bool connectionLost(QString *why = nullptr) const;
    // Lets go of the connection, so that it can be removed before this session's statements go:
    // with Qt's driver gone, they go without trying to free themselves on a lost connection.
    // Nothing may run on the session after this.
    void releaseConnection();

private:
    using RollupKey = std::tuple<QString, qint64, QString, QString>; // table, bucket, tenant, model: a table's rows sort together
    using Rollups = std::map<RollupKey, RollupDelta>;
    using CounterKey = std::pair<Counter, QString>; // counter, key: a counter's keys sort together
    using Counters = std::map<CounterKey, qint64>;
    void writeRollups(Rollups::const_iterator first, Rollups::const_iterator last); // of one table
    void writeCounters(Counters::const_iterator first, Counters::const_iterator last); // of one counter
    struct LaterRow
    {
        QVariantList values;
        QString key;
        std::function<void(SqlSession &)> then;
        RowInserted inserted;
    };
    struct LaterRows
    {
        QString keyColumn;
        std::vector<LaterRow> rows;
    };
    void writeLaterRows();
    void writeWaitingRowsFirst(); // before any other statement, so that it sees the waiting rows
    int runSqlite(const QString &sql, const QVariantList &values); // run() on SQLite

    sqlite3_stmt *sqliteStatement(const QString &sql);

    QSqlDatabase m_db;
    bool m_postgres;
    QHash<QString, QSqlQuery> m_statements;
    sqlite3 *m_sqlite = nullptr;                      // the driver's handle (SQLite only)
    std::unique_ptr<PostgresStatements> m_pg;         // run()'s on PostgreSQL, past Qt's driver
    TransactionId m_transactionId;                    // PostgreSQL's, of the last beginWithId()
    QHash<QString, sqlite3_stmt *> m_sqliteStatements; // run()'s, prepared once each
    // The UTF-8 of a statement's text values, bound in place; kept from run to run, where a
    // QByteArray a value was an allocation and a free each.
    std::vector<char> m_textValues;
    bool m_collecting = false;
    Rollups m_jobRollups;   // the running job's, until it returns
    Rollups m_batchRollups; // finished jobs', until the batch commits
    Counters m_jobCounters;
    Counters m_batchCounters;
    std::map<std::pair<QString, QString>, LaterRows> m_laterRows; // by (head, tail), in the order given
    bool m_writingLaterRows = false;
};

} // namespace dynaseal

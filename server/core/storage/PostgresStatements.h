#pragma once
// Statements run straight through libpq, for the writes every proxied call makes on PostgreSQL.
// Qt's driver runs a prepared statement as SQL text, `EXECUTE name ('value', 42, …)`, with every
// value written out as a literal: the server lexes and parses that text and evaluates each value
// as an expression, and a batch's multi-row INSERT of 64 requests carries some 1,200 of them.
// Here the statement is prepared once with libpq and its values go as parameters, which the
// server only converts to the column's type. Used on the database thread only, between Qt's
// queries on the same connection: Qt's driver reads each result whole, so none is left pending.
// That holds while no query is forward-only (`QSqlQuery::setForwardOnly`): Qt reads those a row at
// a time, and a statement run here would drop the rest of their rows.
#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <memory>

class QSqlDatabase;
struct pg_conn;
struct pg_result;

namespace dynaseal {

// A transaction's id, and when the server that gave it started: after a crash or a failover a
// new server may give the same id to another transaction.
struct PostgresTransactionId
{
    qint64 id = 0; // 0: none
    QByteArray serverStart;
};

class PostgresStatements
{
public:
    // For a PostgreSQL connection opened by Qt's driver; null for any other.
    static std::unique_ptr<PostgresStatements> of(const QSqlDatabase &db);
    ~PostgresStatements();

    // Whether run() can send these values as Qt's driver would store them: null, whole numbers,
    // booleans, doubles and text. Anything else (bytes, dates) goes through Qt's driver.
    static bool takes(const QVariantList &values);
    // Prepares `sql` once (positional `?` placeholders), runs it with `values` and returns the
    // number of rows it changed; with `returned`, appends the first column of every row it
    // returned. Throws DbError.
    int run(const QString &sql, const QVariantList &values, QStringList *returned = nullptr);

    // BEGIN, and the new transaction's id (txid_current()) in the same round trip: should the
    // connection end while it commits, a new connection can ask what became of it. Throws DbError.
    PostgresTransactionId begin();
    // What became of the transaction: "committed", "aborted", "in progress" (txid_status), or
    // empty when PostgreSQL cannot tell: it no longer knows the id, or it restarted since, and a
    // "committed" may then be another transaction's. Throws DbError.
    QString transactionStatus(const PostgresTransactionId &transaction);

    // Whether the connection is gone: a statement found that PostgreSQL ended it (a restart, a
    // failover, pg_terminate_backend), or that the host stopped answering. `why` gets libpq's reason.
    bool connectionLost(QString *why = nullptr) const;

    // "…(?, ?)…" as PostgreSQL's "…($1, $2)…"; a `?` inside quotes or a comment stays.
    static QByteArray numbered(const QString &sql);

private:
    explicit PostgresStatements(pg_conn *connection) : m_connection(connection) {}
    const QByteArray &prepared(const QString &sql, int parameters);
    QString errorOf(const pg_result *result) const;

    pg_conn *m_connection;
    QHash<QString, QByteArray> m_names; // SQL text -> name of its prepared statement
    // The parameters' text, kept from run to run (a batch's INSERT has some tens of KB of it).
    QByteArray m_text;
};

} // namespace dynaseal

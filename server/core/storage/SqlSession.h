#pragma once
// A database connection as the stores see it: prepared statements cached per SQL text, errors
// thrown as DbError so a job's savepoint rolls back. Used on the database thread only.
#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>
#include <stdexcept>

namespace dynaseal {

class DbError : public std::runtime_error
{
public:
    explicit DbError(const QString &message) : std::runtime_error(message.toStdString()) {}
    QString message() const { return QString::fromStdString(what()); }
};

class SqlSession
{
public:
    SqlSession(QSqlDatabase db, bool postgres) : m_db(std::move(db)), m_postgres(postgres) {}
    ~SqlSession();

    // Prepares (once per SQL text), binds positional `?` values and executes; throws DbError.
    QSqlQuery &exec(const QString &sql, const QVariantList &values = {});
    // Executes a statement without caching (DDL, transactions).
    void execRaw(const QString &sql);
    // Number of rows the last exec() changed.
    int rowsAffected(const QSqlQuery &query) const { return query.numRowsAffected(); }

    bool isPostgres() const { return m_postgres; }
    QSqlDatabase &connection() { return m_db; }

private:
    QSqlDatabase m_db;
    bool m_postgres;
    QHash<QString, QSqlQuery> m_statements;
};

} // namespace dynaseal

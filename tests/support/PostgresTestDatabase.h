#pragma once
// A fresh, uniquely named PostgreSQL database for one test, made on the server that
// DYNASEAL_TEST_POSTGRES_URL names (postgres://user:pass@host:port/db, a role that may create
// databases; scripts/test-postgres.sh sets one up) and dropped again when this goes, so tests
// start clean and may run in parallel. Used on the test's thread only.
#include <QList>
#include <QString>
#include <QVariant>

namespace dynaseal::test {

class PostgresTestDatabase
{
public:
    static constexpr const char *kUrlVariable = "DYNASEAL_TEST_POSTGRES_URL";
    // The server URL from the environment; empty when PostgreSQL tests cannot run.
    static QString serverUrl();

    explicit PostgresTestDatabase(QString serverUrl = PostgresTestDatabase::serverUrl());
    ~PostgresTestDatabase(); // drops the database, even with a server still connected
    PostgresTestDatabase(const PostgresTestDatabase &) = delete;
    PostgresTestDatabase &operator=(const PostgresTestDatabase &) = delete;

    // CREATE DATABASE under a new name; false with a reason in *why.
    bool create(QString *why);
    QString name() const { return m_name; }
    // The new database's URL, for the server's --database.
    QString url() const;
    // Opens a QPSQL connection named `connectionName` to the new database, for a test that drives
    // one itself (QSqlDatabase::database(connectionName)); false with a reason in *why. The caller
    // closes and removes it, before this object drops the database.
    bool open(const QString &connectionName, QString *why) const;

    // Ends every session on the new database, as a restart of PostgreSQL or a failover does to a
    // server connected to it, and waits until they are gone; how many it ended, or -1 with a
    // reason in *why. Runs from the server URL's database, so it works while connections to the
    // new one are refused.
    int endSessions(QString *why) const;
    // Whether PostgreSQL lets new sessions connect to the new database (ALLOW_CONNECTIONS), as if
    // it were down; false with a reason in *why.
    bool allowConnections(bool allow, QString *why) const;

    // Runs `sql` (positional `?` values) on the new database; its rows, or nothing with a reason
    // in *why. For looking at what the server stored.
    QList<QVariantList> rows(const QString &sql, const QVariantList &values = {}, QString *why = nullptr) const;
    // The first column of the first row, or an invalid QVariant.
    QVariant value(const QString &sql, const QVariantList &values = {}, QString *why = nullptr) const;

private:
    QString m_serverUrl;
    QString m_name;
};

} // namespace dynaseal::test

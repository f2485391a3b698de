#include "tests/support/PostgresTestDatabase.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QThread>
#include <QUrl>
#include <QUuid>
#include <functional>

namespace dynaseal::test {
namespace {

// Opens a QPSQL connection named `connectionName` to `database` on the server `serverUrl` names;
// false with a reason in *why. The caller closes and removes it either way.
bool openConnection(const QString &serverUrl, const QString &database, const QString &connectionName, QString *why)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        *why = QStringLiteral("Qt's PostgreSQL driver (QPSQL, Debian package libqt6sql6-psql) is not installed");
        return false;
    }
    const QUrl u(serverUrl);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
    db.setHostName(u.host().isEmpty() ? QStringLiteral("localhost") : u.host());
    db.setPort(u.port(5432));
    db.setUserName(u.userName());
    db.setPassword(u.password());
    db.setDatabaseName(database);
    if (db.open())
        return true;
    *why = QStringLiteral("cannot connect to PostgreSQL at %1:%2 as %3: %4")
               .arg(db.hostName()).arg(db.port()).arg(db.userName(), db.lastError().text());
    return false;
}

// Opens a connection to `database` on the server `serverUrl` names, runs `fn` on it, closes it.
bool withConnection(const QString &serverUrl, const QString &database, QString *why,
                    const std::function<bool(QSqlDatabase &, QString *)> &fn)
{
    const QString connectionName = QStringLiteral("pgtest-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    bool ok = false;
    if (openConnection(serverUrl, database, connectionName, why)) {
        QSqlDatabase db = QSqlDatabase::database(connectionName, false);
        ok = fn(db, why);
        db.close();
    }
    QSqlDatabase::removeDatabase(connectionName);
    return ok;
}

QString databaseOf(const QString &url)
{
    return QUrl(url).path().mid(1);
}

} // namespace

QString PostgresTestDatabase::serverUrl()
{
    return qEnvironmentVariable(kUrlVariable);
}

PostgresTestDatabase::PostgresTestDatabase(QString serverUrl) : m_serverUrl(std::move(serverUrl)) {}

PostgresTestDatabase::~PostgresTestDatabase()
{
    if (m_name.isEmpty())
        return;
    QString why;
    const bool dropped = withConnection(m_serverUrl, databaseOf(m_serverUrl), &why, [this](QSqlDatabase &db, QString *error) {
        QSqlQuery q(db);
        // FORCE (PostgreSQL 13+) ends a killed or still running server's sessions first.
        if (q.exec(QStringLiteral("DROP DATABASE IF EXISTS \"%1\" WITH (FORCE)").arg(m_name))
            || q.exec(QStringLiteral("DROP DATABASE IF EXISTS \"%1\"").arg(m_name)))
            return true;
        *error = q.lastError().text();
        return false;
    });
    if (!dropped)
        qWarning("could not drop test database %s: %s", qPrintable(m_name), qPrintable(why));
}

bool PostgresTestDatabase::create(QString *why)
{
    if (m_serverUrl.isEmpty()) {
        *why = QStringLiteral("%1 is not set").arg(QLatin1String(kUrlVariable));
        return false;
    }
    const QUrl u(m_serverUrl);
    if (!u.isValid() || (u.scheme() != QLatin1String("postgres") && u.scheme() != QLatin1String("postgresql")) || databaseOf(m_serverUrl).isEmpty()) {
        *why = QStringLiteral("%1 must be postgres://user:pass@host:port/db").arg(QLatin1String(kUrlVariable));
        return false;
    }
    // Lower case without quotes is how PostgreSQL folds names, so the name works quoted or not.
    const QString name = QStringLiteral("dynaseal_t_") + QUuid::createUuid().toString(QUuid::Id128).left(16);
    const bool created = withConnection(m_serverUrl, databaseOf(m_serverUrl), why, [&name](QSqlDatabase &db, QString *error) {
        QSqlQuery q(db);
        if (q.exec(QStringLiteral("CREATE DATABASE \"%1\"").arg(name)))
            return true;
        *error = QStringLiteral("CREATE DATABASE failed (the role needs CREATEDB): ") + q.lastError().text();
        return false;
    });
    if (created)
        m_name = name;
    return created;
}

bool PostgresTestDatabase::open(const QString &connectionName, QString *why) const
{
    return openConnection(m_serverUrl, m_name, connectionName, why);
}

int PostgresTestDatabase::endSessions(QString *why) const
{
    int ended = -1;
    withConnection(m_serverUrl, databaseOf(m_serverUrl), why, [&](QSqlDatabase &db, QString *error) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ?"));
        q.addBindValue(m_name);
        if (!q.exec() || !q.next()) {
            *error = q.lastError().text();
            return false;
        }
        ended = q.value(0).toInt();
        // pg_terminate_backend only signals: the sessions end, and close their sockets, a moment later.
        QSqlQuery left(db);
        left.prepare(QStringLiteral("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = ?"));
        left.addBindValue(m_name);
        for (int i = 0; i < 500; ++i) {
            if (!left.exec() || !left.next()) {
                *error = left.lastError().text();
                return false;
            }
            if (left.value(0).toInt() == 0)
                return true;
            QThread::msleep(10);
        }
        *error = QStringLiteral("the sessions on %1 did not end within 5 s").arg(m_name);
        ended = -1;
        return false;
    });
    return ended;
}

bool PostgresTestDatabase::allowConnections(bool allow, QString *why) const
{
    return withConnection(m_serverUrl, databaseOf(m_serverUrl), why, [&](QSqlDatabase &db, QString *error) {
        QSqlQuery q(db);
        if (q.exec(QStringLiteral("ALTER DATABASE \"%1\" WITH ALLOW_CONNECTIONS %2").arg(m_name, allow ? QStringLiteral("true") : QStringLiteral("false"))))
            return true;
        *error = q.lastError().text();
        return false;
    });
}

QString PostgresTestDatabase::url() const
{
    QUrl u(m_serverUrl);
    u.setPath(QStringLiteral("/") + m_name);
    return u.toString(QUrl::FullyEncoded);
}

QList<QVariantList> PostgresTestDatabase::rows(const QString &sql, const QVariantList &values, QString *why) const
{
    QList<QVariantList> result;
    QString error;
    withConnection(m_serverUrl, m_name, &error, [&](QSqlDatabase &db, QString *failure) {
        QSqlQuery q(db);
        q.prepare(sql);
        for (int i = 0; i < values.size(); ++i)
            q.bindValue(i, values.at(i));
        if (!q.exec()) {
            *failure = q.lastError().text();
            return false;
        }
        while (q.next()) {
            QVariantList row;
            for (int i = 0; i < q.record().count(); ++i)
                row.append(q.value(i));
            result.append(row);
        }
        return true;
    });
    if (why)
        *why = error;
    return result;
}

QVariant PostgresTestDatabase::value(const QString &sql, const QVariantList &values, QString *why) const
{
    const QList<QVariantList> found = rows(sql, values, why);
    return found.isEmpty() || found.first().isEmpty() ? QVariant() : found.first().first();
}

} // namespace dynaseal::test

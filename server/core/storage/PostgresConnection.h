#pragma once
// How the server connects to PostgreSQL, from its --database URL:
// postgres://USER:PASSWORD@HOST:PORT/DATABASE?KEYWORD=VALUE&…, where each query item is one of
// libpq's connection keywords (sslmode, sslrootcert, host as a Unix socket's directory, …) and
// comes after the server's own (timeouts, keepalives, application_name), so it may override them.
#include <QString>
#include <optional>

class QSqlDatabase;

namespace dynaseal {

struct PostgresConnection
{
    QString host;
    int port = 5432;
    QString user;
    QString password;
    QString database;
    // libpq keywords and values, quoted as libpq reads them and separated by `;`, as
    // QSqlDatabase::setConnectOptions takes them for Qt's driver.
    QString options;

    // Parses a postgres:// or postgresql:// URL; nothing, with a reason in *error that never
    // holds the password, if it is not one the server can connect with.
    static std::optional<PostgresConnection> fromUrl(const QString &url, const QString &applicationName, QString *error);
    // Sets Qt's connection up to connect so.
    void applyTo(QSqlDatabase &db) const;
    // After a failed connection: true if PostgreSQL did not answer (within 2 s) or said it is
    // starting or stopping (libpq's PQping), so that trying again later may succeed; false if it
    // answered, and refused for a reason that waiting does not mend (password, database name,
    // pg_hba.conf). libpq's own refusals (a certificate that does not verify, a host name that
    // does not resolve) count as no answer.
    bool mayStillComeUp() const;
};

} // namespace dynaseal

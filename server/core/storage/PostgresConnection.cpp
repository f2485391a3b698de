#include "server/core/storage/PostgresConnection.h"

#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QUrl>
#include <QUrlQuery>

#include <libpq-fe.h>

namespace dynaseal {
namespace {

// The server's own libpq settings, before the URL's. A host that stops answering (it lost power,
// or a failover moved its address) closes nothing, and the database thread would wait for it for
// the kernel's minutes: a connection attempt gives up after 10 s (for each of the host's
// addresses); a session waiting for an answer sends TCP keepalives after 10 s of silence, every
// 5 s, and once the host has acknowledged nothing for 30 s (TCP_USER_TIMEOUT, which on Linux also
// decides when keepalives give up) the session fails. The thread then connects again.
const QString kServerOptions = QStringLiteral("connect_timeout=10;keepalives=1;keepalives_idle=10;keepalives_interval=5;"
                                              "keepalives_count=3;tcp_user_timeout=30000");

// The keywords this libpq takes (sslmode, sslrootcert, target_session_attrs, …).
const QSet<QString> &libpqKeywords()
{
    static const QSet<QString> keywords = [] {
        QSet<QString> out;
        PQconninfoOption *options = PQconndefaults();
        for (const PQconninfoOption *o = options; o && o->keyword; ++o)
            out.insert(QString::fromLatin1(o->keyword));
        PQconninfoFree(options);
        return out;
    }();
    return keywords;
}

// A value as libpq's conninfo reads it: in single quotes, with \ and ' escaped.
QString quoted(QString value)
{
    value.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + value + QLatin1Char('\'');
}

} // namespace

std::optional<PostgresConnection> PostgresConnection::fromUrl(const QString &url, const QString &applicationName, QString *error)
{
    const QUrl u(url);
    if (!u.isValid() || (u.scheme() != QLatin1String("postgres") && u.scheme() != QLatin1String("postgresql"))) {
        *error = QStringLiteral("is not a postgres://user:pass@host:port/db URL");
        return std::nullopt;
    }
    if (u.port() == 0) {
        *error = QStringLiteral("has port 0; leave the port out for PostgreSQL's 5432");
        return std::nullopt;
    }
    PostgresConnection c;
    c.host = u.host().isEmpty() ? QStringLiteral("localhost") : u.host();
    c.port = u.port(5432);
    c.user = u.userName();
    c.password = u.password();
    c.database = u.path().mid(1);
    QStringList options{kServerOptions, QStringLiteral("application_name=") + quoted(applicationName)};
    for (const auto &[keyword, value] : QUrlQuery(u).queryItems(QUrl::FullyDecoded)) {
        if (!libpqKeywords().contains(keyword)) {
            // Named only if it looks like one: a password with a '?' in it, not percent-encoded,
            // would start the query, and its rest is no one's business.
            static const QRegularExpression looksLikeKeyword(QStringLiteral("^[a-z_]{1,40}$"));
            *error = looksLikeKeyword.match(keyword).hasMatch()
                         ? QStringLiteral("names \"%1\", which is not a libpq connection keyword (e.g. sslmode, sslrootcert)").arg(keyword)
                         : QStringLiteral("has a query item that is not a libpq connection keyword (e.g. sslmode); is a '?' in the"
                                          " password not percent-encoded (%3F)?");
            return std::nullopt;
        }
        // Qt's driver turns every ';' into a space before libpq reads the options.
        if (value.contains(QLatin1Char(';'))) {
            *error = QStringLiteral("gives %1 a value with ';', which Qt's PostgreSQL driver cannot pass on").arg(keyword);
            return std::nullopt;
        }
        options.append(keyword + QLatin1Char('=') + quoted(value));
    }
    c.options = options.join(QLatin1Char(';'));
    return c;
}

void PostgresConnection::applyTo(QSqlDatabase &db) const
{
    db.setHostName(host);
    db.setPort(port);
    db.setUserName(user);
    db.setPassword(password);
    db.setDatabaseName(database);
    db.setConnectOptions(options);
}

bool PostgresConnection::mayStillComeUp() const
{
    // The connection string Qt's driver gives libpq (QPSQLDriver::open): the parts, then the
    // options with their ';' as spaces.
    QStringList parts{QStringLiteral("host=") + quoted(host), QStringLiteral("port=%1").arg(port)};
    if (!database.isEmpty())
        parts.append(QStringLiteral("dbname=") + quoted(database));
    if (!user.isEmpty())
        parts.append(QStringLiteral("user=") + quoted(user));
    if (!password.isEmpty())
        parts.append(QStringLiteral("password=") + quoted(password));
    parts.append(QString(options).replace(QLatin1Char(';'), QLatin1Char(' ')));
    // Later keywords win: a host that answers nothing counts as down after 2 s, not 10.
    parts.append(QStringLiteral("connect_timeout=2"));
    const PGPing ping = PQping(parts.join(QLatin1Char(' ')).toLocal8Bit().constData());
    return ping == PQPING_NO_RESPONSE || ping == PQPING_REJECT;
}

} // namespace dynaseal

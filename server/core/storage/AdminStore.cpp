#include "server/core/storage/AdminStore.h"

#include "server/core/storage/RowIds.h"

#include <QJsonDocument>
#include <limits>

namespace dynaseal {

bool AdminStore::hasUser(SqlSession &s, const QString &username)
{
    return s.exec(QStringLiteral("SELECT 1 FROM admin_users WHERE username = ?"), {username}).next();
}

void AdminStore::createUser(SqlSession &s, const QString &username, const QString &passwordHash, qint64 nowMs)
{
    s.exec(QStringLiteral("INSERT INTO admin_users (username, password_hash, created_at) VALUES (?, ?, ?)"),
           {username, passwordHash, nowMs});
}

std::optional<QString> AdminStore::passwordHash(SqlSession &s, const QString &username)
{
    QSqlQuery &q = s.exec(QStringLiteral("SELECT password_hash FROM admin_users WHERE username = ?"), {username});
    if (!q.next())
        return std::nullopt;
    return q.value(0).toString();
}

void AdminStore::createSession(SqlSession &s, const QString &username, const QByteArray &tokenHash, qint64 expiresAtMs)
{
    s.exec(QStringLiteral("INSERT INTO admin_sessions (token_hash, username, expires_at) VALUES (?, ?, ?)"),
           {QString::fromLatin1(tokenHash.toHex()), username, expiresAtMs});
}

std::optional<QString> AdminStore::authenticate(SqlSession &s, const QByteArray &tokenHash, qint64 nowMs)
{
    QSqlQuery &q = s.exec(QStringLiteral("SELECT username FROM admin_sessions WHERE token_hash = ? AND expires_at > ?"),
                          {QString::fromLatin1(tokenHash.toHex()), nowMs});
    if (!q.next())
        return std::nullopt;
    return q.value(0).toString();
}

void AdminStore::deleteSession(SqlSession &s, const QByteArray &tokenHash)
{
    s.exec(QStringLiteral("DELETE FROM admin_sessions WHERE token_hash = ?"), {QString::fromLatin1(tokenHash.toHex())});
}

void AdminStore::purgeExpiredSessions(SqlSession &s, qint64 nowMs)
{
    s.exec(QStringLiteral("DELETE FROM admin_sessions WHERE expires_at <= ?"), {nowMs});
}

void AdminStore::audit(SqlSession &s, qint64 nowMs, const QString &actor, const QString &action,
                       const QString &target, const QJsonObject &detail)
{
    s.exec(QStringLiteral("INSERT INTO audit_log (id, at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)"),
           {rows::newId("au"), nowMs, actor, action, target,
            QString::fromUtf8(QJsonDocument(detail).toJson(QJsonDocument::Compact))});
}

QJsonArray AdminStore::auditLog(SqlSession &s, qint64 sinceMs, qint64 untilMs, int limit, int offset)
{
    QSqlQuery &q = s.exec(QStringLiteral("SELECT id, at, actor, action, target, detail FROM audit_log WHERE at >= ? AND at < ?"
                                         " ORDER BY at DESC, id LIMIT ? OFFSET ?"),
                          {sinceMs, untilMs > 0 ? untilMs : std::numeric_limits<qint64>::max(), limit, offset});
    QJsonArray out;
    while (q.next()) {
        out.append(QJsonObject{{QStringLiteral("id"), q.value(0).toString()},
                               {QStringLiteral("at"), rows::isoTime(q.value(1).toLongLong())},
                               {QStringLiteral("actor"), q.value(2).toString()},
                               {QStringLiteral("action"), q.value(3).toString()},
                               {QStringLiteral("target"), q.value(4).toString()},
                               {QStringLiteral("detail"), QJsonDocument::fromJson(q.value(5).toByteArray()).object()}});
    }
    return out;
}

} // namespace dynaseal

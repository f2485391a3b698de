#pragma once
// Operators, their login sessions and the audit log. Runs on the database thread.
#include "server/core/storage/SqlSession.h"

#include <QJsonArray>
#include <QJsonObject>
#include <optional>

namespace dynaseal {

class AdminStore
{
public:
    static bool hasUser(SqlSession &s, const QString &username);
    static void createUser(SqlSession &s, const QString &username, const QString &passwordHash, qint64 nowMs);
    static std::optional<QString> passwordHash(SqlSession &s, const QString &username);

    // Stores only the SHA-256 of the token.
    static void createSession(SqlSession &s, const QString &username, const QByteArray &tokenHash, qint64 expiresAtMs);
    // The operator a token belongs to, if it exists and has not expired.
    static std::optional<QString> authenticate(SqlSession &s, const QByteArray &tokenHash, qint64 nowMs);
    static void deleteSession(SqlSession &s, const QByteArray &tokenHash);
    static void purgeExpiredSessions(SqlSession &s, qint64 nowMs);

    // `detail` must hold no secret.
    static void audit(SqlSession &s, qint64 nowMs, const QString &actor, const QString &action,
                      const QString &target, const QJsonObject &detail = {});
    // Newest first; in [sinceMs, untilMs) (untilMs 0: no upper bound).
    static QJsonArray auditLog(SqlSession &s, qint64 sinceMs, qint64 untilMs, int limit, int offset);
};

} // namespace dynaseal

#pragma once
// Tenants and their keys. Runs on the database thread; inputs are validated before they get here.
#include "server/core/AdminInput.h"
#include "server/core/storage/SqlSession.h"
#include "shared/SecretBox.h"

#include <QJsonArray>
#include <QJsonObject>
#include <optional>

namespace dynaseal {

class TenantStore
{
public:
    // Returns the tenant as read, plus "callback_secret" (shown this once).
    static QJsonObject create(SqlSession &s, const SecretBox &box, const TenantInput &in, qint64 nowMs);
    static QJsonArray list(SqlSession &s);
    static std::optional<QJsonObject> get(SqlSession &s, const QString &id);
    static std::optional<QJsonObject> update(SqlSession &s, const QString &id, const TenantInput &in, qint64 nowMs);
    static bool remove(SqlSession &s, const QString &id);

    // A new HS256 tenant key: returns {"id","key",...}; the key string is never readable again.
    static std::optional<QJsonObject> issueKey(SqlSession &s, const SecretBox &box, const QString &tenantId, qint64 nowMs);
    static std::optional<QJsonArray> listKeys(SqlSession &s, const QString &tenantId);
    // False if no such active key.
    static bool revokeKey(SqlSession &s, const QString &tenantId, const QString &keyId, qint64 nowMs);
    static void touchKeys(SqlSession &s, const QHash<QString, qint64> &lastUsedMs);
};

} // namespace dynaseal

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
    // Returns the tenant as read, plus "callback_secret" (shown this once). `policy` is the
    // tenant's settings (TenantPolicy::toJson()).
    static QJsonObject create(SqlSession &s, const SecretBox &box, const TenantInput &in, const QJsonObject &policy, qint64 nowMs);
    static QJsonArray list(SqlSession &s);
    static std::optional<QJsonObject> get(SqlSession &s, const QString &id);
    static std::optional<QJsonObject> update(SqlSession &s, const QString &id, const TenantInput &in,
                                             const std::optional<QJsonObject> &policy, qint64 nowMs);
    // The stored settings, or nullopt for an unknown tenant.
    static std::optional<QJsonObject> policy(SqlSession &s, const QString &id);
    static bool remove(SqlSession &s, const QString &id);

    // A new HS256 tenant key: returns {"id","key",...}; the key string is never readable again.
    static std::optional<QJsonObject> issueKey(SqlSession &s, const SecretBox &box, const QString &tenantId, qint64 nowMs);
    // An EdDSA or ES256 public key the tenant signs dynamic keys for: the server holds no secret.
    static std::optional<QJsonObject> registerPublicKey(SqlSession &s, const QString &tenantId, const QString &alg,
                                                        const QByteArray &pem, qint64 nowMs);
    static std::optional<QJsonArray> listKeys(SqlSession &s, const QString &tenantId);
    // False if no such active key.
    static bool revokeKey(SqlSession &s, const QString &tenantId, const QString &keyId, qint64 nowMs);
    static void touchKeys(SqlSession &s, const QHash<QString, qint64> &lastUsedMs);
};

} // namespace dynaseal

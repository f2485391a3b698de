#include "server/core/storage/TenantStore.h"

#include "server/core/policy/TenantPolicy.h"
#include "server/core/storage/RowIds.h"

#include <QJsonDocument>

namespace dynaseal {
namespace {

const QString kSelect = QStringLiteral(
    "SELECT id, name, callback_url, token_quota, tokens_used, max_key_lifetime_secs, created_at, updated_at, settings FROM tenants");

QJsonObject tenantJson(const QSqlQuery &q)
{
    auto nullable = [&](int i) { return q.value(i).isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(q.value(i).toLongLong()); };
    // Every policy field, with defaults for those never set.
    auto policy = TenantPolicy::fromJson(QJsonDocument::fromJson(q.value(8).toByteArray()).object());
    QJsonObject out = std::holds_alternative<TenantPolicy>(policy) ? std::get<TenantPolicy>(policy).toJson() : QJsonObject();
    const QJsonObject base{{QStringLiteral("id"), q.value(0).toString()},
                       {QStringLiteral("name"), q.value(1).toString()},
                       {QStringLiteral("callback_url"), q.value(2).toString()},
                       {QStringLiteral("token_quota"), nullable(3)},
                       {QStringLiteral("tokens_used"), q.value(4).toLongLong()},
                       {QStringLiteral("max_key_lifetime_secs"), nullable(5)},
                       {QStringLiteral("created_at"), rows::isoTime(q.value(6).toLongLong())},
                       {QStringLiteral("updated_at"), rows::isoTime(q.value(7).toLongLong())}};
    for (auto it = base.begin(); it != base.end(); ++it)
        out.insert(it.key(), it.value());
    return out;
}

} // namespace

QJsonObject TenantStore::create(SqlSession &s, const SecretBox &box, const TenantInput &in, const QJsonObject &policy, qint64 nowMs)
{
    const QString id = rows::newId("tn");
    const QString callbackSecret = QStringLiteral("whsec_") + crypto::randomToken(32);
    s.exec(QStringLiteral("INSERT INTO tenants (id, name, callback_url, callback_secret_enc, token_quota, tokens_used,"
                          " max_key_lifetime_secs, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)"),
           {id, *in.name, *in.callbackUrl,
            QString::fromLatin1(box.seal(callbackSecret.toUtf8(), QByteArray("callback_secret:").append(id.toUtf8()))),
            rows::optionalInt(in.tokenQuota.value_or(std::nullopt)),
            rows::optionalInt(in.maxKeyLifetimeSecs.value_or(std::nullopt)),
            QString::fromUtf8(QJsonDocument(policy).toJson(QJsonDocument::Compact)), nowMs, nowMs});
    QJsonObject out = *get(s, id);
    out.insert(QStringLiteral("callback_secret"), callbackSecret);
    return out;
}

QJsonArray TenantStore::list(SqlSession &s)
{
    QSqlQuery &q = s.exec(kSelect + QStringLiteral(" ORDER BY created_at, id"));
    QJsonArray out;
    while (q.next())
        out.append(tenantJson(q));
    return out;
}

std::optional<QJsonObject> TenantStore::get(SqlSession &s, const QString &id)
{
    QSqlQuery &q = s.exec(kSelect + QStringLiteral(" WHERE id = ?"), {id});
    if (!q.next())
        return std::nullopt;
    return tenantJson(q);
}

std::optional<QJsonObject> TenantStore::policy(SqlSession &s, const QString &id)
{
    QSqlQuery &q = s.exec(QStringLiteral("SELECT settings FROM tenants WHERE id = ?"), {id});
    if (!q.next())
        return std::nullopt;
    return QJsonDocument::fromJson(q.value(0).toByteArray()).object();
}

std::optional<QJsonObject> TenantStore::update(SqlSession &s, const QString &id, const TenantInput &in,
                                               const std::optional<QJsonObject> &policy, qint64 nowMs)
{
    if (!get(s, id))
        return std::nullopt;
    if (policy)
        s.exec(QStringLiteral("UPDATE tenants SET settings = ? WHERE id = ?"), {QString::fromUtf8(QJsonDocument(*policy).toJson(QJsonDocument::Compact)), id});
    if (in.name)
        s.exec(QStringLiteral("UPDATE tenants SET name = ? WHERE id = ?"), {*in.name, id});
    if (in.callbackUrl)
        s.exec(QStringLiteral("UPDATE tenants SET callback_url = ? WHERE id = ?"), {*in.callbackUrl, id});
    if (in.tokenQuota)
        s.exec(QStringLiteral("UPDATE tenants SET token_quota = ? WHERE id = ?"), {rows::optionalInt(*in.tokenQuota), id});
    if (in.maxKeyLifetimeSecs)
        s.exec(QStringLiteral("UPDATE tenants SET max_key_lifetime_secs = ? WHERE id = ?"), {rows::optionalInt(*in.maxKeyLifetimeSecs), id});
    s.exec(QStringLiteral("UPDATE tenants SET updated_at = ? WHERE id = ?"), {nowMs, id});
    return get(s, id);
}

bool TenantStore::remove(SqlSession &s, const QString &id)
{
    s.exec(QStringLiteral("DELETE FROM tenant_keys WHERE tenant_id = ?"), {id});
    QSqlQuery &q = s.exec(QStringLiteral("DELETE FROM tenants WHERE id = ?"), {id});
    return q.numRowsAffected() > 0;
}

std::optional<QJsonObject> TenantStore::issueKey(SqlSession &s, const SecretBox &box, const QString &tenantId, qint64 nowMs)
{
    if (!get(s, tenantId))
        return std::nullopt;
    const QString id = rows::newId("tk");
    const QByteArray key = QByteArrayLiteral("dsk_") + crypto::randomToken(32).toLatin1();
    s.exec(QStringLiteral("INSERT INTO tenant_keys (id, tenant_id, alg, secret_enc, secret_hash, tail, created_at)"
                          " VALUES (?, ?, 'HS256', ?, ?, ?, ?)"),
           {id, tenantId, QString::fromLatin1(box.seal(key, QByteArray("tenant_key:").append(id.toUtf8()))),
            QString::fromLatin1(box.lookupHash(key)), QString::fromLatin1(key.right(4)), nowMs});
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("key"), QString::fromLatin1(key)},
                       {QStringLiteral("alg"), QStringLiteral("HS256")},
                       {QStringLiteral("tenant_id"), tenantId},
                       {QStringLiteral("created_at"), rows::isoTime(nowMs)}};
}

std::optional<QJsonObject> TenantStore::registerPublicKey(SqlSession &s, const QString &tenantId, const QString &alg,
                                                          const QByteArray &pem, qint64 nowMs)
{
    if (!get(s, tenantId))
        return std::nullopt;
    const QString id = rows::newId("tk");
    // The tail shown for a public key is the start of its fingerprint.
    const QString fingerprint = QString::fromLatin1(crypto::sha256(pem.trimmed()).toHex());
    s.exec(QStringLiteral("INSERT INTO tenant_keys (id, tenant_id, alg, public_key, tail, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
           {id, tenantId, alg, QString::fromUtf8(pem), fingerprint.left(8), nowMs});
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("alg"), alg},
                       {QStringLiteral("tenant_id"), tenantId},
                       {QStringLiteral("fingerprint_sha256"), fingerprint},
                       {QStringLiteral("created_at"), rows::isoTime(nowMs)}};
}

std::optional<QJsonArray> TenantStore::listKeys(SqlSession &s, const QString &tenantId)
{
    if (!get(s, tenantId))
        return std::nullopt;
    QSqlQuery &q = s.exec(QStringLiteral("SELECT id, alg, tail, created_at, last_used_at, revoked_at FROM tenant_keys"
                                         " WHERE tenant_id = ? ORDER BY created_at, id"), {tenantId});
    QJsonArray out;
    while (q.next()) {
        auto time = [&](int i) { return q.value(i).isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(rows::isoTime(q.value(i).toLongLong())); };
        out.append(QJsonObject{{QStringLiteral("id"), q.value(0).toString()},
                               {QStringLiteral("alg"), q.value(1).toString()},
                               {QStringLiteral("key_tail"), q.value(2).isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(QString(QStringLiteral("…") + q.value(2).toString()))},
                               {QStringLiteral("created_at"), time(3)},
                               {QStringLiteral("last_used_at"), time(4)},
                               {QStringLiteral("revoked_at"), time(5)},
                               {QStringLiteral("active"), q.value(5).isNull()}});
    }
    return out;
}

bool TenantStore::revokeKey(SqlSession &s, const QString &tenantId, const QString &keyId, qint64 nowMs)
{
    QSqlQuery &q = s.exec(QStringLiteral("UPDATE tenant_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL"),
                          {nowMs, keyId, tenantId});
    return q.numRowsAffected() > 0;
}

void TenantStore::touchKeys(SqlSession &s, const QHash<QString, qint64> &lastUsedMs)
{
    for (auto it = lastUsedMs.begin(); it != lastUsedMs.end(); ++it)
        s.exec(QStringLiteral("UPDATE tenant_keys SET last_used_at = ? WHERE id = ?"), {it.value(), it.key()});
}

} // namespace dynaseal

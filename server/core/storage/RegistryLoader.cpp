#include "server/core/storage/RegistryLoader.h"

#include "server/core/ProxyRequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcRegistry, "dynaseal.registry")

namespace dynaseal {
namespace {

QByteArray openSecret(const SecretBox &box, const QVariant &sealed, const QByteArray &context)
{
    auto plain = box.open(sealed.toByteArray(), context);
    if (!plain)
        throw DbError(QStringLiteral("a stored secret (%1) cannot be decrypted: is this the master key the data was written with?")
                          .arg(QString::fromUtf8(context)));
    return *plain;
}

} // namespace

std::shared_ptr<const RegistrySnapshot> RegistryLoader::load(SqlSession &s, const SecretBox &box)
{
    auto snapshot = std::make_shared<RegistrySnapshot>();
    // Read first: outside a transaction a change may land while the tables are read, and then the
    // snapshot is labelled older than what it holds, never newer (the next refresh loads again).
    snapshot->storedVersion = storedVersion(s);
    {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT id, name, callback_url, callback_secret_enc, token_quota, max_key_lifetime_secs, settings FROM tenants"));
        while (q.next()) {
            Tenant t;
            t.id = q.value(0).toString();
            t.name = q.value(1).toString();
            t.callbackUrl = q.value(2).toString();
            t.callbackSecret = openSecret(box, q.value(3), QByteArray("callback_secret:").append(t.id.toUtf8()));
            t.callbackKey = crypto::HmacSha256Key(t.callbackSecret);
            if (!q.value(4).isNull())
                t.tokenQuota = q.value(4).toLongLong();
            if (!q.value(5).isNull())
                t.maxKeyLifetimeSecs = q.value(5).toLongLong();
            auto policy = TenantPolicy::fromJson(QJsonDocument::fromJson(q.value(6).toByteArray()).object());
            if (auto *stored = std::get_if<TenantPolicy>(&policy)) {
                t.policy = std::make_shared<const TenantPolicy>(*stored);
            } else {
                // Saved settings are validated; one that no longer reads shuts the tenant rather than opening it.
                qCWarning(lcRegistry) << "tenant" << t.id << "has unreadable settings:" << std::get<ApiError>(policy).message;
                TenantPolicy closed;
                closed.active = false;
                t.policy = std::make_shared<const TenantPolicy>(closed);
            }
            snapshot->tenants.insert(t.id, t);
        }
    }
    {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT id, tenant_id, alg, secret_enc, public_key, secret_hash FROM tenant_keys"
                                             " WHERE revoked_at IS NULL ORDER BY created_at DESC"));
        while (q.next()) {
            auto tenant = snapshot->tenants.find(q.value(1).toString());
            if (tenant == snapshot->tenants.end())
                continue;
            TenantKey k;
            k.id = q.value(0).toString();
            k.alg = q.value(2).toString();
            if (!q.value(3).isNull())
                k.secret = openSecret(box, q.value(3), QByteArray("tenant_key:").append(k.id.toUtf8()));
            if (k.alg == QLatin1String("HS256"))
                k.hmacKey = crypto::HmacSha256Key(k.secret);
            k.publicKeyPem = q.value(4).toByteArray();
            if (!q.value(5).isNull())
                snapshot->keysByLookupHash.insert(q.value(5).toByteArray(), {tenant->id, k.id});
            tenant->keys.append(k);
        }
    }
    {
        static const QStringList proxiedPaths = ProxyRequest::upstreamPaths();
        QSqlQuery &q = s.exec(QStringLiteral("SELECT id, name, base_url, api_key_enc, models, weight FROM upstreams ORDER BY created_at, id"));
        while (q.next()) {
            Upstream u;
            u.id = q.value(0).toString();
            u.name = q.value(1).toString();
            u.baseUrl = QUrl(q.value(2).toString());
            u.apiKey = openSecret(box, q.value(3), QByteArray("upstream_key:").append(u.id.toUtf8()));
            for (const QJsonValue &m : QJsonDocument::fromJson(q.value(4).toByteArray()).array())
                u.models.append(m.toString());
            u.weight = std::max(1, q.value(5).toInt());
            u.prepareEndpoints(proxiedPaths);
            snapshot->upstreams.append(u);
        }
    }
    return snapshot;
}

qint64 RegistryLoader::storedVersion(SqlSession &s)
{
    QSqlQuery &q = s.exec(QStringLiteral("SELECT version FROM registry_version WHERE id = 1"));
    const qint64 version = q.next() ? q.value(0).toLongLong() : 0;
    q.finish();
    return version;
}

std::shared_ptr<const RegistrySnapshot> RegistryLoader::loadChanged(SqlSession &s, const SecretBox &box)
{
    s.exec(QStringLiteral("UPDATE registry_version SET version = version + 1 WHERE id = 1"));
    return load(s, box);
}

} // namespace dynaseal

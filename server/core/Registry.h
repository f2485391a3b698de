#pragma once
// What the request path needs to know about tenants, their keys and upstreams, held in memory as
// an immutable snapshot. Admin changes build a new snapshot on the database thread and swap it in
// before they answer, so a revoked key stops working at once.
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

#include "server/core/policy/TenantPolicy.h"
#include "shared/AdaptiveMutex.h"
#include "shared/Crypto.h"
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace dynaseal {

struct TenantKey
{
    QString id;
    QString alg;            // "HS256" (secret issued by the server), "EdDSA" or "ES256"
    QByteArray secret;      // HS256: the key string exactly as issued
    QByteArray publicKeyPem; // EdDSA / ES256
    // HS256: `secret` prepared for verifying many tokens (RegistryLoader fills it). When null,
    // verification prepares `secret` on the spot, with the same result.
    crypto::HmacSha256Key hmacKey;
};

struct Tenant
{
    QString id;
    QString name;
    QString callbackUrl;
    QByteArray callbackSecret;
    // `callbackSecret` prepared for signing many callbacks (RegistryLoader fills it). When null,
    // signing prepares the secret on the spot, with the same result.
    crypto::HmacSha256Key callbackKey;
    std::optional<qint64> tokenQuota;
    std::optional<qint64> maxKeyLifetimeSecs;
    QList<TenantKey> keys; // active keys only
    std::shared_ptr<const TenantPolicy> policy = std::make_shared<const TenantPolicy>();
};

struct Upstream
{
    QString id;
    QString name;
    QUrl baseUrl;
    QByteArray apiKey;
    QStringList models;
    int weight = 1;

    // The base URL with `suffix` ("/chat/completions", "/models") appended to its path.
    QUrl endpoint(const QString &suffix) const;
    // Makes the URLs for `suffixes` once, so that endpoint() only looks them up: the registry
    // does it for the proxied paths when it loads, instead of a QUrl::setPath for every call.
    // Call it again after changing baseUrl.
    void prepareEndpoints(const QStringList &suffixes);

private:
    QHash<QString, QUrl> m_preparedEndpoints;
};

struct RegistrySnapshot
{
    // A number of its own for every snapshot object, copies included, so what was verified
    // against one snapshot is never taken for another, not even for one built later at the same
    // address. Snapshots never change once in use, so the number stands for the contents.
    class Identity
    {
    public:
        Identity() : m_value(next()) {}
        Identity(const Identity &) : m_value(next()) {}
        Identity &operator=(const Identity &)
        {
            m_value = next();
            return *this;
        }
        quint64 value() const { return m_value; }

    private:
        static quint64 next()
        {
            static std::atomic<quint64> counter{0};
            return counter.fetch_add(1, std::memory_order_relaxed) + 1;
        }
        quint64 m_value;
    };

    Identity identity;
    qint64 storedVersion = 0; // the database's registry_version it was loaded at
    QHash<QString, Tenant> tenants;
    QList<Upstream> upstreams;
    // SecretBox::lookupHash of each active HS256 key string -> (tenant id, key id).
    QHash<QByteArray, QPair<QString, QString>> keysByLookupHash;

    const Tenant *tenant(const QString &id) const;
    // The first upstream that serves `model`, or nullptr.
    const Upstream *upstreamFor(const QString &model) const;
    // Every upstream that serves `model`, in registration order.
    QList<const Upstream *> upstreamsFor(const QString &model) const;
    // Every model some upstream serves, sorted.
    QStringList models() const;
};

class Registry
{
public:
    Registry() : m_current(std::make_shared<const RegistrySnapshot>()), m_currentIdentity(m_current->identity.value()) {}

    // Every request reads the snapshot, on every serving thread. Each thread keeps the snapshot
    // it last read in a pointer of its own (its own count, aliasing the shared one), and takes
    // the lock and the shared count only when the snapshot was replaced since: copies no longer
    // bounce one counter between cores. A thread holds on to a replaced snapshot until its next
    // read.
    std::shared_ptr<const RegistrySnapshot> current() const
    {
        thread_local ThreadCopy copy;
        if (copy.identity != m_currentIdentity.load(std::memory_order_acquire)) {
            std::shared_ptr<const RegistrySnapshot> shared;
            {
                std::lock_guard lock(m_mutex);
                shared = m_current;
            }
            copy.identity = shared->identity.value();
            auto holder = std::make_shared<const std::shared_ptr<const RegistrySnapshot>>(std::move(shared));
            copy.snapshot = std::shared_ptr<const RegistrySnapshot>(holder, holder->get());
        }
        return copy.snapshot;
    }
    void replace(std::shared_ptr<const RegistrySnapshot> snapshot)
    {
        std::lock_guard lock(m_mutex);
        install(std::move(snapshot));
    }
    // Replaces unless the current snapshot was loaded at a later version: a refresh loaded on the
    // database thread must not undo an admin change that was stored and loaded after it.
    bool replaceIfNotOlder(std::shared_ptr<const RegistrySnapshot> snapshot)
    {
        return replaceUnlessOlder(std::move(snapshot), /*sameVersionReplaces=*/true);
    }
    // Replaces only with a later version: a refresh that raced this server's own admin change
    // loads the version that change already put in place, and is not a change.
    bool replaceIfNewer(std::shared_ptr<const RegistrySnapshot> snapshot)
    {
        return replaceUnlessOlder(std::move(snapshot), /*sameVersionReplaces=*/false);
    }

private:
    bool replaceUnlessOlder(std::shared_ptr<const RegistrySnapshot> snapshot, bool sameVersionReplaces)
    {
        std::lock_guard lock(m_mutex);
        const qint64 current = m_current->storedVersion;
        if (snapshot->storedVersion < current || (snapshot->storedVersion == current && !sameVersionReplaces))
            return false;
        install(std::move(snapshot));
        return true;
    }
    // Under m_mutex.
    void install(std::shared_ptr<const RegistrySnapshot> snapshot)
    {
        m_current = std::move(snapshot);
        m_currentIdentity.store(m_current->identity.value(), std::memory_order_release);
    }

    // Snapshot identities are unique in the process, so a thread's copy is never mistaken for
    // another registry's snapshot.
    struct ThreadCopy
    {
        quint64 identity = 0; // 0: none read yet (identities start at 1)
        std::shared_ptr<const RegistrySnapshot> snapshot;
    };

    mutable AdaptiveMutex m_mutex;
    std::shared_ptr<const RegistrySnapshot> m_current;
    std::atomic<quint64> m_currentIdentity;
};

} // namespace dynaseal

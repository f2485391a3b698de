#pragma once
// Token budgets held in memory, exact under concurrency: a request reserves an upper bound of
// what it can cost before it is forwarded, and settles to what it really cost afterwards.
// Concurrent requests can never together pass a dynamic key's max_tokens or a tenant's
// token_quota: a key's check and reservation happen under its shard's lock, and a tenant's in one
// compare-and-swap on what it has committed (spent + reserved), so the requests of one tenant,
// which every serving thread shares, take no lock for it.
#include "server/core/HashedString.h"
#include "shared/AdaptiveMutex.h"

#include <QHash>
#include <QString>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace dynaseal {

struct TokenGrant
{
    qint64 reserved = 0;          // promptUpperBound + completionAllowed * choices
    qint64 completionAllowed = 0; // per choice; sent upstream as max_tokens
    bool keyStored = false;       // the key's spend row is already in the database (see keyStored())
};

enum class LedgerRefusal { KeyBudget, TenantQuota };

struct ReserveRequest
{
    QString keyHash;
    QString tenantId;
    qint64 keyLimit = 0;         // the dynamic key's max_tokens
    qint64 keyExpiresAtSecs = 0; // kept so spent totals of expired keys can be dropped
    std::optional<qint64> tenantQuota;
    qint64 promptUpperBound = 0;
    std::optional<qint64> requestedCompletion; // the device's max_tokens, if it sent one
    qint64 defaultCompletion = 4096;           // used when the device sent none
    qint64 choices = 1;                        // "n": each choice may use the whole completion
    bool hasCompletion = true;                 // false for embeddings
};

class TokenLedger
{
public:
    TokenLedger();

    // Start-up: totals already billed, as stored.
    void loadTenantUsed(const QString &tenantId, qint64 used);
    void loadKeySpent(const QString &keyHash, qint64 spent, qint64 expiresAtSecs);

    // Reserves or refuses; never both partly.
    std::optional<TokenGrant> reserve(const ReserveRequest &request, LedgerRefusal *why);
    // Releases a reservation and bills `actual`, capped at what was reserved (the cap is what
    // makes the budgets hold even if an upstream reports more than it was allowed). Returns the
    // amount billed.
    qint64 settle(const QString &keyHash, const QString &tenantId, qint64 reserved, qint64 actual);

    // A tenant's reserved total is read apart from its spent one: exact when nothing is in flight.
    qint64 tenantUsed(const QString &tenantId) const;
    qint64 tenantReserved(const QString &tenantId) const;
    qint64 keySpent(const QString &keyHash) const;
    qint64 keyReserved(const QString &keyHash) const;
    // Whether the key's spend row is known to be in the database (loaded at start-up, or written
    // by a committed request start): later starts need not write it again.
    bool keyStored(const QString &keyHash) const;
    void markKeyStored(const QString &keyHash);
    // Forgets keys that expired before `nowSecs` and have nothing in flight.
    int pruneExpired(qint64 nowSecs);

private:
    struct Account
    {
        qint64 spent = 0;
        qint64 reserved = 0;
        qint64 expiresAtSecs = 0;
        bool stored = false; // its key_spend row is committed
    };
    // A tenant's totals. `committed` (spent + reserved) is what a reservation is checked against,
    // changed only by atomic read-modify-writes, so it is exact at every moment; `spent` is kept
    // beside it for reading. Never removed, so a pointer to one stays valid for the ledger's life.
    struct alignas(64) TenantAccount
    {
        std::atomic<qint64> committed{0};
        std::atomic<qint64> spent{0};
    };
    // Key accounts are spread over shards, each with its own lock: requests with different keys do
    // not wait for each other. A key is pruned once it expired with nothing in flight.
    static constexpr int kShardBits = 4;
    static constexpr int kShards = 1 << kShardBits;
    // Keyed by the key hash hashed once (HashedString), which also picks the shard: a reserve and
    // a settle each hashed the 64 characters twice.
    struct alignas(64) Shard
    {
        mutable AdaptiveMutex mutex;
        QHash<HashedString, Account> accounts;
    };
    Shard &keyShard(const HashedString &key) { return m_keys[hashTopBits(key.hash, kShardBits)]; }
    const Shard &keyShard(const HashedString &key) const { return m_keys[hashTopBits(key.hash, kShardBits)]; }
    Account keyAccount(const QString &keyHash) const; // a copy, taken under the shard's lock
    // The tenant's account, made on first use. Each thread remembers the accounts it looked up,
    // so the lock of the tenants' table is only taken for a tenant the thread has not seen.
    TenantAccount &tenant(const QString &tenantId);
    const TenantAccount *findTenant(const QString &tenantId) const;

    std::array<Shard, kShards> m_keys;
    mutable AdaptiveMutex m_tenantsMutex;
    QHash<QString, std::shared_ptr<TenantAccount>> m_tenants;
    const quint64 m_id; // tells the threads' remembered accounts of one ledger from another's
};

} // namespace dynaseal

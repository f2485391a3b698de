#include "server/core/TokenLedger.h"

#include <algorithm>
#include <limits>

namespace dynaseal {

TokenLedger::Account TokenLedger::value(const Shards &shards, const QString &id)
{
    const Shard &shard = shardOf(shards, id);
    std::lock_guard lock(shard.mutex);
    return shard.accounts.value(id);
}

void TokenLedger::loadTenantUsed(const QString &tenantId, qint64 used)
{
    Shard &shard = shardOf(m_tenants, tenantId);
    std::lock_guard lock(shard.mutex);
    shard.accounts[tenantId].spent = used;
}

void TokenLedger::loadKeySpent(const QString &keyHash, qint64 spent, qint64 expiresAtSecs)
{
    Shard &shard = shardOf(m_keys, keyHash);
    std::lock_guard lock(shard.mutex);
    Account &a = shard.accounts[keyHash];
    a.spent = spent;
    a.expiresAtSecs = expiresAtSecs;
    a.stored = true;
}

bool TokenLedger::keyStored(const QString &keyHash) const
{
    return value(m_keys, keyHash).stored;
}

void TokenLedger::markKeyStored(const QString &keyHash)
{
    Shard &shard = shardOf(m_keys, keyHash);
    std::lock_guard lock(shard.mutex);
    const auto it = shard.accounts.find(keyHash);
    if (it != shard.accounts.end())
        it->stored = true;
}

std::optional<TokenGrant> TokenLedger::reserve(const ReserveRequest &r, LedgerRefusal *why)
{
    Shard &keyShard = shardOf(m_keys, r.keyHash);
    Shard &tenantShard = shardOf(m_tenants, r.tenantId);
    std::lock_guard keyLock(keyShard.mutex); // key first, then tenant: see the header
    std::lock_guard tenantLock(tenantShard.mutex);
    Account &key = keyShard.accounts[r.keyHash];
    key.expiresAtSecs = std::max(key.expiresAtSecs, r.keyExpiresAtSecs);
    Account &tenant = tenantShard.accounts[r.tenantId];

    const qint64 keyLeft = r.keyLimit - key.spent - key.reserved;
    const qint64 tenantLeft = r.tenantQuota ? *r.tenantQuota - tenant.spent - tenant.reserved
                                            : std::numeric_limits<qint64>::max();
    const qint64 left = std::min(keyLeft, tenantLeft);
    const qint64 choices = std::max<qint64>(1, r.choices);
    const qint64 minimum = r.promptUpperBound + (r.hasCompletion ? choices : 0);
    if (left < minimum) {
        *why = keyLeft < minimum ? LedgerRefusal::KeyBudget : LedgerRefusal::TenantQuota;
        return std::nullopt;
    }

    TokenGrant grant;
    if (r.hasCompletion) {
        const qint64 fits = (left - r.promptUpperBound) / choices;
        const qint64 wanted = r.requestedCompletion.value_or(r.defaultCompletion);
        grant.completionAllowed = std::max<qint64>(1, std::min(fits, wanted));
    }
    grant.reserved = r.promptUpperBound + grant.completionAllowed * choices;
    grant.keyStored = key.stored;
    key.reserved += grant.reserved;
    tenant.reserved += grant.reserved;
    return grant;
}

qint64 TokenLedger::settle(const QString &keyHash, const QString &tenantId, qint64 reserved, qint64 actual)
{
    const qint64 billed = std::clamp<qint64>(actual, 0, reserved);
    Shard &keyShard = shardOf(m_keys, keyHash);
    Shard &tenantShard = shardOf(m_tenants, tenantId);
    std::lock_guard keyLock(keyShard.mutex);
    std::lock_guard tenantLock(tenantShard.mutex);
    Account &key = keyShard.accounts[keyHash];
    key.reserved -= reserved;
    key.spent += billed;
    Account &tenant = tenantShard.accounts[tenantId];
    tenant.reserved -= reserved;
    tenant.spent += billed;
    return billed;
}

qint64 TokenLedger::tenantUsed(const QString &tenantId) const
{
    return value(m_tenants, tenantId).spent;
}

qint64 TokenLedger::tenantReserved(const QString &tenantId) const
{
    return value(m_tenants, tenantId).reserved;
}

qint64 TokenLedger::keySpent(const QString &keyHash) const
{
    return value(m_keys, keyHash).spent;
}

qint64 TokenLedger::keyReserved(const QString &keyHash) const
{
    return value(m_keys, keyHash).reserved;
}

int TokenLedger::pruneExpired(qint64 nowSecs)
{
    int removed = 0;
    for (Shard &shard : m_keys) {
        std::lock_guard lock(shard.mutex);
        for (auto it = shard.accounts.begin(); it != shard.accounts.end();) {
            if (it->reserved == 0 && it->expiresAtSecs < nowSecs) {
                it = shard.accounts.erase(it);
                ++removed;
            } else {
                ++it;
            }
        }
    }
    return removed;
}

} // namespace dynaseal

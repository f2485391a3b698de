#include "server/core/TokenLedger.h"

#include <algorithm>
#include <limits>

namespace dynaseal {
namespace {

std::atomic<quint64> g_ledgerIds{0};

// The tenant accounts this thread has looked up, for the ledger they belong to. The last one is
// checked first, by comparing its id: a run of one tenant's calls hashes no tenant id.
struct RememberedTenants
{
    quint64 ledgerId = 0;
    QHash<QString, void *> accounts;
    QString lastId;
    void *last = nullptr;
};
thread_local RememberedTenants t_tenants;

} // namespace

TokenLedger::TokenLedger() : m_id(++g_ledgerIds) {}

TokenLedger::Account TokenLedger::keyAccount(const QString &keyHash) const
{
    const HashedString key(keyHash);
    const Shard &shard = keyShard(key);
    std::lock_guard lock(shard.mutex);
    return shard.accounts.value(key);
}

TokenLedger::TenantAccount &TokenLedger::tenant(const QString &tenantId)
{
    RememberedTenants &remembered = t_tenants;
    if (remembered.ledgerId != m_id) {
        remembered.accounts.clear();
        remembered.last = nullptr;
        remembered.ledgerId = m_id;
    }
    if (remembered.last && tenantId == remembered.lastId)
        return *static_cast<TenantAccount *>(remembered.last);
    void *known = remembered.accounts.value(tenantId);
    if (!known) {
        std::lock_guard lock(m_tenantsMutex);
        std::shared_ptr<TenantAccount> &account = m_tenants[tenantId];
        if (!account)
            account = std::make_shared<TenantAccount>();
        known = account.get();
        remembered.accounts.insert(tenantId, known);
    }
    remembered.lastId = tenantId;
    remembered.last = known;
    return *static_cast<TenantAccount *>(known);
}

const TokenLedger::TenantAccount *TokenLedger::findTenant(const QString &tenantId) const
{
    std::lock_guard lock(m_tenantsMutex);
    return m_tenants.value(tenantId).get();
}

void TokenLedger::loadTenantUsed(const QString &tenantId, qint64 used)
{
    TenantAccount &account = tenant(tenantId);
    const qint64 before = account.spent.exchange(used);
    account.committed += used - before;
}

void TokenLedger::loadKeySpent(const QString &keyHash, qint64 spent, qint64 expiresAtSecs)
{
    const HashedString key(keyHash);
    Shard &shard = keyShard(key);
    std::lock_guard lock(shard.mutex);
    Account &a = shard.accounts[key];
    a.spent = spent;
    a.expiresAtSecs = expiresAtSecs;
    a.stored = true;
}

bool TokenLedger::keyStored(const QString &keyHash) const
{
    return keyAccount(keyHash).stored;
}

void TokenLedger::markKeyStored(const QString &keyHash)
{
    const HashedString key(keyHash);
    Shard &shard = keyShard(key);
    std::lock_guard lock(shard.mutex);
    const auto it = shard.accounts.find(key);
    if (it != shard.accounts.end())
        it->stored = true;
}

std::optional<TokenGrant> TokenLedger::reserve(const ReserveRequest &r, LedgerRefusal *why)
{
    TenantAccount &tenantAccount = tenant(r.tenantId);
    const HashedString keyId(r.keyHash);
    Shard &shard = keyShard(keyId);
    std::lock_guard keyLock(shard.mutex);
    Account &key = shard.accounts[keyId];
    key.expiresAtSecs = std::max(key.expiresAtSecs, r.keyExpiresAtSecs);

    const qint64 keyLeft = r.keyLimit - key.spent - key.reserved;
    const qint64 choices = std::max<qint64>(1, r.choices);
    const qint64 minimum = r.promptUpperBound + (r.hasCompletion ? choices : 0);
    // The grant for what is left of both budgets: with the key's locked, only the tenant's can
    // change meanwhile, and the compare-and-swap below retries with what it changed to.
    auto grantFor = [&](qint64 left) {
        TokenGrant grant;
        if (r.hasCompletion) {
            const qint64 fits = (left - r.promptUpperBound) / choices;
            const qint64 wanted = r.requestedCompletion.value_or(r.defaultCompletion);
            grant.completionAllowed = std::max<qint64>(1, std::min(fits, wanted));
        }
        grant.reserved = r.promptUpperBound + grant.completionAllowed * choices;
        return grant;
    };

    TokenGrant grant;
    qint64 committed = tenantAccount.committed.load();
    for (;;) {
        const qint64 tenantLeft = r.tenantQuota ? *r.tenantQuota - committed : std::numeric_limits<qint64>::max();
        const qint64 left = std::min(keyLeft, tenantLeft);
        if (left < minimum) {
            *why = keyLeft < minimum ? LedgerRefusal::KeyBudget : LedgerRefusal::TenantQuota;
            return std::nullopt;
        }
        grant = grantFor(left);
        if (tenantAccount.committed.compare_exchange_weak(committed, committed + grant.reserved))
            break;
    }
    grant.keyStored = key.stored;
    key.reserved += grant.reserved;
    return grant;
}

qint64 TokenLedger::settle(const QString &keyHash, const QString &tenantId, qint64 reserved, qint64 actual)
{
    const qint64 billed = std::clamp<qint64>(actual, 0, reserved);
    TenantAccount &tenantAccount = tenant(tenantId);
    {
        const HashedString keyId(keyHash);
        Shard &shard = keyShard(keyId);
        std::lock_guard keyLock(shard.mutex);
        Account &key = shard.accounts[keyId];
        key.reserved -= reserved;
        key.spent += billed;
    }
    // Spent first: read together, spent and committed never show more room than there is.
    tenantAccount.spent += billed;
    tenantAccount.committed -= reserved - billed;
    return billed;
}

qint64 TokenLedger::tenantUsed(const QString &tenantId) const
{
    const TenantAccount *account = findTenant(tenantId);
    return account ? account->spent.load() : 0;
}

qint64 TokenLedger::tenantReserved(const QString &tenantId) const
{
    const TenantAccount *account = findTenant(tenantId);
    if (!account)
        return 0;
    // Two reads, moments apart: exact when nothing is in flight.
    return account->committed.load() - account->spent.load();
}

qint64 TokenLedger::keySpent(const QString &keyHash) const
{
    return keyAccount(keyHash).spent;
}

qint64 TokenLedger::keyReserved(const QString &keyHash) const
{
    return keyAccount(keyHash).reserved;
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

#include "server/core/TokenLedger.h"

#include <algorithm>
#include <limits>

namespace dynaseal {

void TokenLedger::loadTenantUsed(const QString &tenantId, qint64 used)
{
    std::lock_guard lock(m_mutex);
    m_tenants[tenantId].spent = used;
}

void TokenLedger::loadKeySpent(const QString &keyHash, qint64 spent, qint64 expiresAtSecs)
{
    std::lock_guard lock(m_mutex);
    Account &a = m_keys[keyHash];
    a.spent = spent;
    a.expiresAtSecs = expiresAtSecs;
    a.stored = true;
}

bool TokenLedger::keyStored(const QString &keyHash) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_keys.constFind(keyHash);
    return it != m_keys.cend() && it->stored;
}

void TokenLedger::markKeyStored(const QString &keyHash)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_keys.find(keyHash);
    if (it != m_keys.end())
        it->stored = true;
}

std::optional<TokenGrant> TokenLedger::reserve(const ReserveRequest &r, LedgerRefusal *why)
{
    std::lock_guard lock(m_mutex);
    Account &key = m_keys[r.keyHash];
    key.expiresAtSecs = std::max(key.expiresAtSecs, r.keyExpiresAtSecs);
    Account &tenant = m_tenants[r.tenantId];

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
    std::lock_guard lock(m_mutex);
    Account &key = m_keys[keyHash];
    key.reserved -= reserved;
    key.spent += billed;
    Account &tenant = m_tenants[tenantId];
    tenant.reserved -= reserved;
    tenant.spent += billed;
    return billed;
}

qint64 TokenLedger::tenantUsed(const QString &tenantId) const
{
    std::lock_guard lock(m_mutex);
    return m_tenants.value(tenantId).spent;
}

qint64 TokenLedger::tenantReserved(const QString &tenantId) const
{
    std::lock_guard lock(m_mutex);
    return m_tenants.value(tenantId).reserved;
}

qint64 TokenLedger::keySpent(const QString &keyHash) const
{
    std::lock_guard lock(m_mutex);
    return m_keys.value(keyHash).spent;
}

qint64 TokenLedger::keyReserved(const QString &keyHash) const
{
    std::lock_guard lock(m_mutex);
    return m_keys.value(keyHash).reserved;
}

int TokenLedger::pruneExpired(qint64 nowSecs)
{
    std::lock_guard lock(m_mutex);
    int removed = 0;
    for (auto it = m_keys.begin(); it != m_keys.end();) {
        if (it->reserved == 0 && it->expiresAtSecs < nowSecs) {
            it = m_keys.erase(it);
            ++removed;
        } else {
            ++it;
        }
    }
    return removed;
}

} // namespace dynaseal

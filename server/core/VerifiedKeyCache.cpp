#include "server/core/VerifiedKeyCache.h"

#include "shared/Crypto.h"

#include <QRandomGenerator>

namespace dynaseal {

VerifiedKeyCache::VerifiedKeyCache(int capacity)
    : m_capacity(std::max(1, capacity))
    , m_seed(size_t(QRandomGenerator::system()->generate64()))
{
    m_entries.reserve(size_t(m_capacity));
    m_order.reserve(size_t(m_capacity));
}

void VerifiedKeyCache::follow(const RegistrySnapshot &registry)
{
    const quint64 snapshot = registry.identity.value();
    if (snapshot == m_snapshot)
        return;
    // Whatever was verified against another snapshot may no longer hold (revoked key, changed
    // lifetime cap, removed tenant).
    m_entries.clear();
    m_order.clear();
    m_oldest = 0;
    m_snapshot = snapshot;
}

size_t VerifiedKeyCache::slotOf(QByteArrayView token) const
{
    return qHash(token, m_seed);
}

const VerifiedKeyCache::Entry *VerifiedKeyCache::find(QByteArrayView token, const RegistrySnapshot &registry)
{
    follow(registry);
    const auto it = m_entries.find(slotOf(token));
    if (it == m_entries.end() || !crypto::constantTimeEquals(it->second.token, token))
        return nullptr;
    return &it->second;
}

void VerifiedKeyCache::insert(QByteArrayView token, const RegistrySnapshot &registry, const VerifiedKey &key, const KeyTimeLimits &limits)
{
    follow(registry);
    const size_t slot = slotOf(token);
    Entry entry{token.toByteArray(), key, limits};
    if (const auto it = m_entries.find(slot); it != m_entries.end()) {
        it->second = std::move(entry); // a colliding token takes the slot over, keeping its ring place
        return;
    }
    if (m_order.size() < size_t(m_capacity)) {
        m_order.push_back(slot);
    } else {
        m_entries.erase(m_order[m_oldest]);
        m_order[m_oldest] = slot;
        m_oldest = (m_oldest + 1) % m_order.size();
    }
    m_entries.emplace(slot, std::move(entry));
}

} // namespace dynaseal

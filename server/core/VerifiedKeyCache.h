#pragma once
// A bounded memo of the dynamic keys a DynamicKeyVerifier accepted: exact token bytes -> what
// verification found, valid only for the registry snapshot it was verified against.
//
// Not thread-safe and without locks on purpose: it belongs to one DynamicKeyVerifier, which is
// used from one thread only.
#include "server/core/DynamicKeyVerifier.h"
#include "server/core/Registry.h"

#include <QByteArray>
#include <QByteArrayView>
#include <unordered_map>
#include <vector>

namespace dynaseal {

class VerifiedKeyCache
{
public:
    struct Entry
    {
        QByteArray token; // the exact bytes that were verified
        VerifiedKey key;
        KeyTimeLimits limits; // re-checked against the clock on every hit
    };

    explicit VerifiedKeyCache(int capacity);

    // The entry for exactly these bytes (compared in constant time) if it was stored under this
    // very snapshot, else nullptr. A snapshot other than the entries' one (a key was revoked or
    // added, a tenant changed) empties the cache first. The pointer is valid until the next call.
    const Entry *find(QByteArrayView token, const RegistrySnapshot &registry);
    // Stores an accepted key; when full, the oldest entry makes room.
    void insert(QByteArrayView token, const RegistrySnapshot &registry, const VerifiedKey &key, const KeyTimeLimits &limits);

    qsizetype size() const { return qsizetype(m_entries.size()); }
    int capacity() const { return m_capacity; }

private:
    void follow(const RegistrySnapshot &registry);
    size_t slotOf(QByteArrayView token) const;

    int m_capacity;
    size_t m_seed;              // random, so nobody can aim tokens at one slot
    quint64 m_snapshot = 0;     // RegistrySnapshot::identity of every entry
    // By seeded hash of the token; a colliding token just misses. Node-based, so evicting an
    // entry moves no other.
    std::unordered_map<size_t, Entry> m_entries;
    std::vector<size_t> m_order;    // slots in insertion order, a ring once full
    size_t m_oldest = 0;            // the ring position to evict next
};

} // namespace dynaseal

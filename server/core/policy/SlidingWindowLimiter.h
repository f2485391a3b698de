#pragma once
// Counts events (requests or tokens) per key in sliding windows, exact under concurrency: each
// window is split into 60 slots and a check sums 61 of them, which always covers the true last
// window, so no window of that length ever holds more than the limit (no burst of twice the
// limit across a window edge). Thread-safe.
#include "server/core/HashedString.h"
#include "shared/AdaptiveMutex.h"

#include <QHash>
#include <QString>
#include <array>
#include <mutex>

namespace dynaseal {

class SlidingWindowLimiter
{
public:
    static constexpr int kSlots = 60;

    // A key's window of one length, hashed once, with the seed QHash uses: the shard is chosen
    // by the hash's top bits, the bucket by its low ones. Code that counts the same window on
    // every call keeps one (PolicyGate), instead of building and hashing the key each time.
    struct WindowId
    {
        WindowId(const QString &k, qint64 ms) : key(k), windowMs(ms), hash(qHashMulti(QHashSeed::globalSeed(), k, ms)) {}
        QString key;
        qint64 windowMs = 0;
        size_t hash = 0;
        bool operator==(const WindowId &o) const { return hash == o.hash && windowMs == o.windowMs && key == o.key; }
        friend size_t qHash(const WindowId &id, size_t seed)
        {
            return seed == size_t(QHashSeed::globalSeed()) ? id.hash : qHashMulti(seed, id.key, id.windowMs);
        }
    };

    struct Acquired
    {
        bool ok = false;
        qint64 retryAfterMs = 0; // when refused: until enough of the window has slid by
        qint64 slot = 0;         // when granted: where the amount was counted (for adjust())
    };

    // Counts `amount` if the window's total stays within `limit`.
    Acquired tryAcquire(const WindowId &window, qint64 amount, qint64 limit, qint64 nowMs);
    Acquired tryAcquire(const QString &key, qint64 amount, qint64 limit, qint64 windowMs, qint64 nowMs)
    {
        return tryAcquire(WindowId{key, windowMs}, amount, limit, nowMs);
    }
    // Corrects an earlier grant (e.g. tokens reserved vs billed); a slot that slid out is ignored.
    void adjust(const WindowId &window, qint64 slot, qint64 delta);
    void adjust(const QString &key, qint64 windowMs, qint64 slot, qint64 delta) { adjust(WindowId{key, windowMs}, slot, delta); }
    qint64 count(const QString &key, qint64 windowMs, qint64 nowMs);
    // Drops windows idle for longer than their length.
    int prune(qint64 nowMs);

private:
    struct Window
    {
        std::array<qint64, kSlots + 1> counts{};
        qint64 sum = 0;        // of counts, kept as they change: a check reads one number, not 61
        qint64 newestSlot = 0; // absolute slot number of the newest counted slot
        qint64 windowMs = 0;
    };
    static qint64 slotOf(qint64 windowMs, qint64 nowMs) { return nowMs / (windowMs / kSlots); }
    static void advance(Window &w, qint64 slot);

    // Windows are spread over shards by key, each with its own lock: serving threads counting
    // different keys do not wait for each other (one lock for all made two threads slower than
    // one, bench/micro/admission_bench.cpp). A key lives in one shard, so counts stay exact.
    static constexpr int kShardBits = 4;
    static constexpr int kShards = 1 << kShardBits;
    struct alignas(64) Shard
    {
        AdaptiveMutex mutex;
        QHash<WindowId, Window> windows;
    };
    Shard &shardOf(const WindowId &id);
    std::array<Shard, kShards> m_shards;
};

} // namespace dynaseal

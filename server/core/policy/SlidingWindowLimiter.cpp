#include "server/core/policy/SlidingWindowLimiter.h"

namespace dynaseal {
namespace {
constexpr int kRing = SlidingWindowLimiter::kSlots + 1;

qint64 ringIndex(qint64 slot)
{
    return ((slot % kRing) + kRing) % kRing;
}
} // namespace

SlidingWindowLimiter::Shard &SlidingWindowLimiter::shardOf(const WindowId &id)
{
    return m_shards[hashTopBits(id.hash, kShardBits)];
}

void SlidingWindowLimiter::advance(Window &w, qint64 slot)
{
    if (slot <= w.newestSlot)
        return;
    const qint64 steps = std::min<qint64>(slot - w.newestSlot, kRing);
    for (qint64 i = 1; i <= steps; ++i) {
        qint64 &count = w.counts[size_t(ringIndex(w.newestSlot + i))];
        w.sum -= count;
        count = 0;
    }
    w.newestSlot = slot;
}

SlidingWindowLimiter::Acquired SlidingWindowLimiter::tryAcquire(const WindowId &id, qint64 amount, qint64 limit, qint64 nowMs)
{
    const qint64 windowMs = id.windowMs;
    const qint64 slot = slotOf(windowMs, nowMs);
    Shard &shard = shardOf(id);
    std::lock_guard lock(shard.mutex);
    Window &w = shard.windows[id];
    w.windowMs = windowMs;
    advance(w, slot);
    const qint64 used = w.sum;
    Acquired result;
    if (used + amount <= limit) {
        w.counts[size_t(ringIndex(slot))] += amount;
        w.sum += amount;
        result.ok = true;
        result.slot = slot;
        return result;
    }
    // The oldest slots leave the sum one by one; find when enough have left.
    const qint64 span = windowMs / kSlots;
    qint64 freed = 0;
    result.retryAfterMs = windowMs;
    for (qint64 s = slot - kSlots; s <= slot; ++s) {
        freed += w.counts[size_t(ringIndex(s))];
        if (used - freed + amount <= limit) {
            result.retryAfterMs = std::max<qint64>(1, (s + kRing) * span - nowMs);
            break;
        }
    }
    return result;
}

void SlidingWindowLimiter::adjust(const WindowId &id, qint64 slot, qint64 delta)
{
    Shard &shard = shardOf(id);
    std::lock_guard lock(shard.mutex);
    auto it = shard.windows.find(id);
    if (it == shard.windows.end() || slot <= it->newestSlot - kRing || slot > it->newestSlot)
        return;
    qint64 &count = it->counts[size_t(ringIndex(slot))];
    const qint64 adjusted = std::max<qint64>(0, count + delta);
    it->sum += adjusted - count;
    count = adjusted;
}

qint64 SlidingWindowLimiter::count(const QString &key, qint64 windowMs, qint64 nowMs)
{
    const WindowId id{key, windowMs};
    Shard &shard = shardOf(id);
    std::lock_guard lock(shard.mutex);
    auto it = shard.windows.find(id);
    if (it == shard.windows.end())
        return 0;
    advance(*it, slotOf(windowMs, nowMs));
    return it->sum;
}

int SlidingWindowLimiter::prune(qint64 nowMs)
{
    int removed = 0;
    for (Shard &shard : m_shards) {
        std::lock_guard lock(shard.mutex);
        for (auto it = shard.windows.begin(); it != shard.windows.end();) {
            if (slotOf(it->windowMs, nowMs) - it->newestSlot > kRing) {
                it = shard.windows.erase(it);
                ++removed;
            } else {
                ++it;
            }
        }
    }
    return removed;
}

} // namespace dynaseal

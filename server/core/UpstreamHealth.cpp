#include "server/core/UpstreamHealth.h"

namespace dynaseal {

void UpstreamHealth::markSuccess(const QString &upstreamId)
{
    if (m_tracked.load(std::memory_order_acquire) == 0)
        return; // nothing on record to clear
    std::lock_guard lock(m_mutex);
    m_states.remove(upstreamId);
    m_tracked.store(m_states.size(), std::memory_order_release);
}

void UpstreamHealth::markFailure(const QString &upstreamId, qint64 nowMs)
{
    if (m_failuresToEject <= 0)
        return;
    std::lock_guard lock(m_mutex);
    State &s = m_states[upstreamId];
    m_tracked.store(m_states.size(), std::memory_order_release);
    if (++s.failures >= m_failuresToEject)
        s.outUntilMs = nowMs + m_cooldownMs;
}

bool UpstreamHealth::isHealthy(const QString &upstreamId, qint64 nowMs) const
{
    if (m_tracked.load(std::memory_order_acquire) == 0)
        return true;
    std::lock_guard lock(m_mutex);
    auto it = m_states.constFind(upstreamId);
    // After the cool-down an upstream gets traffic again; one more failure takes it out again.
    return it == m_states.constEnd() || it->outUntilMs <= nowMs;
}

QList<Upstream> UpstreamHealth::order(const QList<const Upstream *> &candidates, qint64 nowMs, QRandomGenerator &random) const
{
    QList<const Upstream *> pool;
    for (const Upstream *u : candidates) {
        if (isHealthy(u->id, nowMs))
            pool.append(u);
    }
    QList<Upstream> ordered;
    if (pool.size() == 1) { // the usual case: nothing to draw
        ordered.append(*pool.first());
        return ordered;
    }
    while (!pool.isEmpty()) {
        qint64 total = 0;
        for (const Upstream *u : pool)
            total += u->weight;
        qint64 pick = qint64(random.bounded(quint64(total)));
        int i = 0;
        while (pick >= pool.at(i)->weight) {
            pick -= pool.at(i)->weight;
            ++i;
        }
        ordered.append(*pool.takeAt(i));
    }
    return ordered;
}

} // namespace dynaseal

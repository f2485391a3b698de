#pragma once
// Which upstreams are fit to take calls, from what calls and active checks see: three failures
// in a row take an upstream out for a cool-down; a success brings it back. Also orders the
// upstreams of a model for one call: healthy ones only, shuffled by weight. Thread-safe.
#include "server/core/Registry.h"
#include "shared/AdaptiveMutex.h"

#include <QHash>
#include <QRandomGenerator>
#include <atomic>
#include <mutex>

namespace dynaseal {

class UpstreamHealth
{
public:
    // `failuresToEject` failures in a row take an upstream out for `cooldownMs`; 0: never.
    explicit UpstreamHealth(int failuresToEject = 3, qint64 cooldownMs = 30'000)
        : m_failuresToEject(failuresToEject), m_cooldownMs(cooldownMs) {}

    void markSuccess(const QString &upstreamId);
    void markFailure(const QString &upstreamId, qint64 nowMs);
    bool isHealthy(const QString &upstreamId, qint64 nowMs) const;

    // The healthy upstreams of `candidates` in the order to try them: each next one drawn with
    // probability proportional to its weight.
    QList<Upstream> order(const QList<const Upstream *> &candidates, qint64 nowMs, QRandomGenerator &random) const;

private:
    struct State
    {
        int failures = 0;
        qint64 outUntilMs = 0;
    };
    int m_failuresToEject;
    qint64 m_cooldownMs;
    mutable AdaptiveMutex m_mutex;
    QHash<QString, State> m_states;
    // m_states.size(), readable without the lock: while no upstream has a failure on record (the
    // usual case), a call's success and health check take no lock.
    std::atomic<qsizetype> m_tracked{0};
};

} // namespace dynaseal

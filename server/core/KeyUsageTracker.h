#pragma once
// Remembers when each tenant key was last used, in memory, so the request path never writes
// for it; the server stores the times in one batch every few seconds.
#include "shared/AdaptiveMutex.h"

#include <QHash>
#include <QString>
#include <mutex>

namespace dynaseal {

class KeyUsageTracker
{
public:
    void note(const QString &tenantKeyId, qint64 nowMs)
    {
        std::lock_guard lock(m_mutex);
        m_lastUsed.insert(tenantKeyId, nowMs);
    }
    // What was noted since the last call.
    QHash<QString, qint64> take()
    {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_lastUsed, {});
    }

private:
    AdaptiveMutex m_mutex;
    QHash<QString, qint64> m_lastUsed;
};

} // namespace dynaseal

#pragma once
// Fans out what happens (a proxied request finished, a callback was delivered or failed) to the
// console's live event streams, on whichever threads they are served. Also feeds LiveStats.
#include "server/core/LiveStats.h"

#include <QJsonObject>
#include <QObject>
#include <atomic>

namespace dynaseal {

class LiveEvents : public QObject
{
    Q_OBJECT
public:
    LiveStats &stats() { return m_stats; }

    // Thread-safe: signals reach subscribers through queued connections. Without a listener
    // nothing is sent: an event queued to every serving thread per request costs wake-ups.
    void requestFinished(const QJsonObject &summary)
    {
        if (hasListeners())
            emit event(QStringLiteral("request"), summary);
    }
    void callbackAttempted(const QJsonObject &summary)
    {
        if (hasListeners())
            emit event(QStringLiteral("callback"), summary);
    }
    // Open event streams; callers may skip building a summary nobody will read.
    bool hasListeners() const { return m_listeners.load(std::memory_order_relaxed) > 0; }
    void addListeners(int count) { m_listeners.fetch_add(count); }

signals:
    void event(const QString &type, const QJsonObject &data);

private:
    LiveStats m_stats;
    std::atomic<int> m_listeners{0};
};

} // namespace dynaseal

#pragma once
// Fans out what happens (a proxied request finished, a callback was delivered or failed) to the
// console's live event streams, on whichever threads they are served. Also feeds LiveStats.
#include "server/core/LiveStats.h"

#include <QJsonObject>
#include <QObject>

namespace dynaseal {

class LiveEvents : public QObject
{
    Q_OBJECT
public:
    LiveStats &stats() { return m_stats; }

    // Thread-safe: signals reach subscribers through queued connections.
    void requestFinished(const QJsonObject &summary) { emit event(QStringLiteral("request"), summary); }
    void callbackAttempted(const QJsonObject &summary) { emit event(QStringLiteral("callback"), summary); }

signals:
    void event(const QString &type, const QJsonObject &data);

private:
    LiveStats m_stats;
};

} // namespace dynaseal

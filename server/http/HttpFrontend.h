#pragma once
// One serving thread's HTTP front: adopts accepted connections, runs their requests through its
// router and closes connections left idle too long. Lives on its worker thread (HttpWorkerPool).
#include "server/http/HttpServerConnection.h"
#include "server/http/Router.h"

#include <QObject>
#include <QSet>
#include <QTimer>
#include <functional>

namespace dynaseal {

class HttpFrontend : public QObject
{
    Q_OBJECT
public:
    explicit HttpFrontend(ConnectionLimits limits, QObject *parent = nullptr);
    Router &router() { return m_router; }

    // Serves an accepted socket descriptor; `closed` runs once the connection is gone. Call on
    // this object's thread.
    void adopt(qintptr descriptor, std::function<void()> closed);
    int openConnections() const { return int(m_connections.size()); }

private:
    void sweepIdle();

    Router m_router;
    ConnectionLimits m_limits;
    QSet<HttpServerConnection *> m_connections;
    QTimer m_sweep;
};

} // namespace dynaseal

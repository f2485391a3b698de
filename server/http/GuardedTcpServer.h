#pragma once
// The listening socket handed to QtHttpServer: caps open connections and puts a ConnectionGuard
// on each accepted one.
#include "server/http/ConnectionGuard.h"

#include <QTcpServer>

namespace dynaseal {

class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    GuardedTcpServer(ConnectionLimits limits, int maxConnections, QObject *parent = nullptr);
    int openConnections() const { return m_open; }
    quint64 refusedConnections() const { return m_refused; }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    ConnectionLimits m_limits;
    int m_maxConnections;
    int m_open = 0;
    quint64 m_refused = 0;
};

} // namespace dynaseal

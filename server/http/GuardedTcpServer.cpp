#include "server/http/GuardedTcpServer.h"

namespace dynaseal {

GuardedTcpServer::GuardedTcpServer(ConnectionLimits limits, int maxConnections, QObject *parent)
    : QTcpServer(parent), m_limits(limits), m_maxConnections(maxConnections)
{
    // Qt's default backlog of 50 drops connection attempts when thousands of devices connect at
    // once (measured: thousands of drops and lost streams at 2,000 concurrent streams).
    setListenBacklogSize(4096);
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    if (m_open >= m_maxConnections) {
        ++m_refused;
        socket->abort();
        socket->deleteLater();
        return;
    }
    ++m_open;
    connect(socket, &QObject::destroyed, this, [this] { --m_open; });
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    new ConnectionGuard(socket, m_limits);
    addPendingConnection(socket);
}

} // namespace dynaseal

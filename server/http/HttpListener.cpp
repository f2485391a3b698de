#include "server/http/HttpListener.h"

#include <QTcpSocket>

namespace dynaseal {

HttpListener::HttpListener(int maxConnections, HandOff handOff, QObject *parent)
    : QTcpServer(parent), m_maxConnections(maxConnections), m_handOff(std::move(handOff))
{
    // Qt's default backlog of 50 drops connection attempts when thousands of devices connect at
    // once (measured: thousands of drops and lost streams at 2,000 concurrent streams).
    setListenBacklogSize(4096);
}

void HttpListener::incomingConnection(qintptr descriptor)
{
    if (m_open->load() >= m_maxConnections) {
        QTcpSocket refused;
        if (refused.setSocketDescriptor(descriptor))
            refused.abort();
        return;
    }
    m_open->fetch_add(1);
    m_handOff(descriptor, [open = m_open] { open->fetch_sub(1); });
}

} // namespace dynaseal

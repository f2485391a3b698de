#include "server/http/HttpFrontend.h"

#include <algorithm>

namespace dynaseal {

HttpFrontend::HttpFrontend(ConnectionLimits limits, QObject *parent)
    : QObject(parent), m_limits(limits), m_sweep(this)
{
    // One timer for all connections instead of one per connection: a sweep every quarter of the
    // idle limit (at most once a second) closes idle or stalled connections within about 1.25× the
    // limit.
    m_sweep.setInterval(std::clamp(limits.idleTimeoutMs / 4, 50, 1000));
    connect(&m_sweep, &QTimer::timeout, this, &HttpFrontend::sweepIdle);
    m_sweep.start();
}

void HttpFrontend::adopt(qintptr descriptor, std::function<void()> closed)
{
    auto *stream = new TcpStream(descriptor, this);
    if (!stream->isOpen()) {
        delete stream;
        closed();
        return;
    }
    auto *connection = new HttpServerConnection(stream, m_router, m_limits);
    m_connections.insert(connection);
    connect(stream, &QObject::destroyed, this, [this, connection, closed = std::move(closed)] {
        m_connections.remove(connection);
        closed();
    });
}

void HttpFrontend::sweepIdle()
{
    const qint64 now = HttpServerConnection::monotonicMs();
    const auto connections = m_connections; // closing may remove entries
    for (HttpServerConnection *connection : connections)
        connection->closeIfInactive(now);
}

} // namespace dynaseal

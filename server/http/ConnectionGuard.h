#pragma once
// Watches one client connection ahead of QtHttpServer, which in 6.4 has no body or header limit,
// no idle timeout and buffers whole bodies: reads each request's head as it arrives and answers
// 413 (body over the limit, judged by Content-Length before the body is read), 431 (head too
// large) or 411 (chunked request bodies, whose size is unknown up front), then closes. Closes
// connections idle for too long while no response is pending.
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace dynaseal {

struct ConnectionLimits
{
    qint64 maxBodyBytes = 8 * 1024 * 1024;
    qint64 maxHeadBytes = 64 * 1024;
    int idleTimeoutMs = 75'000;
};

class ConnectionGuard : public QObject
{
    Q_OBJECT
public:
    // Must be created before QtHttpServer connects to the socket, so it sees bytes first.
    ConnectionGuard(QTcpSocket *socket, ConnectionLimits limits);

    // A response on `socket` was completed: the connection may go idle.
    static void responseFinished(QTcpSocket *socket);

private:
    void onReadyRead();
    void consume(const QByteArray &bytes);
    void reject(int status, const char *code, const QString &message);
    void touch();

    QTcpSocket *m_socket;
    ConnectionLimits m_limits;
    QTimer m_idle;
    enum class State { Head, Body, Rejected } m_state = State::Head;
    QByteArray m_head;
    qint64 m_bodyLeft = 0;
    int m_pendingResponses = 0;
};

} // namespace dynaseal

#pragma once
// Relays TCP connections from a loopback port to another address, on a thread of its own, so a
// test can make a real service appear at a port only when it wants to (PostgreSQL coming up after
// the server), whatever the test's own thread is blocked on.
#include <QString>
#include <QThread>

namespace dynaseal::test {

class TcpForwarder
{
public:
    TcpForwarder(QString targetHost, quint16 targetPort);
    ~TcpForwarder(); // closes the port and every relayed connection
    TcpForwarder(const TcpForwarder &) = delete;
    TcpForwarder &operator=(const TcpForwarder &) = delete;

    // Starts taking connections on 127.0.0.1:`port`; false if it cannot (the port is taken).
    bool listen(quint16 port);
    bool isListening() const { return m_listening; }

private:
    QString m_targetHost;
    quint16 m_targetPort;
    QThread m_thread;
    QObject *m_owner; // on m_thread: parent of the listener and the sockets
    bool m_listening = false;
};

} // namespace dynaseal::test

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

    // Starts taking connections on 127.0.0.1:`port` (0: any free one, then port() says which);
    // false if it cannot (the port is taken).
    bool listen(quint16 port = 0);
    bool isListening() const { return m_listening; }
    quint16 port() const { return m_port; }

    // The next PostgreSQL COMMIT a client sends ends its connection, as a network failure would:
    // before the COMMIT reaches PostgreSQL (which then rolls the transaction back), or, with
    // `afterItIsCarriedOut`, once PostgreSQL has answered it, before the client sees the answer.
    void cutNextCommit(bool afterItIsCarriedOut);

private:
    QString m_targetHost;
    quint16 m_targetPort;
    QThread m_thread;
    QObject *m_owner; // on m_thread: parent of the listener and the sockets
    bool m_listening = false;
    quint16 m_port = 0;
    enum class Cut { None, BeforeCommit, AfterCommit };
    Cut m_cut = Cut::None; // on m_thread
};

} // namespace dynaseal::test

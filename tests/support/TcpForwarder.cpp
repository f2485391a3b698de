#include "tests/support/TcpForwarder.h"

#include <QTcpServer>
#include <QTcpSocket>

namespace dynaseal::test {

TcpForwarder::TcpForwarder(QString targetHost, quint16 targetPort)
    : m_targetHost(std::move(targetHost)), m_targetPort(targetPort), m_owner(new QObject)
{
    m_owner->moveToThread(&m_thread);
    m_thread.start();
}

TcpForwarder::~TcpForwarder()
{
    QMetaObject::invokeMethod(m_owner, [owner = m_owner] { delete owner; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool TcpForwarder::listen(quint16 port)
{
    bool listening = false;
    QMetaObject::invokeMethod(m_owner, [this, port, &listening] {
        auto *server = new QTcpServer(m_owner);
        if (!server->listen(QHostAddress::LocalHost, port)) {
            delete server;
            return;
        }
        QObject::connect(server, &QTcpServer::newConnection, server, [this, server] {
            while (QTcpSocket *in = server->nextPendingConnection()) {
                in->setParent(m_owner);
                auto *out = new QTcpSocket(m_owner);
                // What the client sends before the target has answered the connect waits in
                // out's write buffer.
                QObject::connect(in, &QTcpSocket::readyRead, out, [in, out] { out->write(in->readAll()); });
                QObject::connect(out, &QTcpSocket::readyRead, in, [in, out] { in->write(out->readAll()); });
                for (auto [from, to] : {std::pair{in, out}, std::pair{out, in}}) {
                    QObject::connect(from, &QTcpSocket::disconnected, to, &QTcpSocket::disconnectFromHost);
                    QObject::connect(from, &QAbstractSocket::errorOccurred, to, &QTcpSocket::disconnectFromHost);
                    QObject::connect(from, &QTcpSocket::disconnected, from, &QObject::deleteLater);
                    QObject::connect(from, &QAbstractSocket::errorOccurred, from, &QObject::deleteLater); // out never connected
                }
                out->connectToHost(m_targetHost, m_targetPort);
            }
        });
        listening = true;
    }, Qt::BlockingQueuedConnection);
    m_listening = listening;
    return listening;
}

} // namespace dynaseal::test

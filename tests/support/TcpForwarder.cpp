#include "tests/support/TcpForwarder.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <memory>
#include <utility>

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
        m_port = server->serverPort();
        QObject::connect(server, &QTcpServer::newConnection, server, [this, server] {
            while (QTcpSocket *in = server->nextPendingConnection()) {
                in->setParent(m_owner);
                auto *out = new QTcpSocket(m_owner);
                auto cutOnAnswer = std::make_shared<bool>(false);
                // What the client sends before the target has answered the connect waits in
                // out's write buffer.
                QObject::connect(in, &QTcpSocket::readyRead, out, [this, in, out, cutOnAnswer] {
                    const QByteArray bytes = in->readAll();
                    // libpq sends a COMMIT as a simple query: 'Q', its length, "COMMIT" and a zero.
                    if (m_cut != Cut::None && bytes.contains(QByteArrayView("COMMIT", 7))) {
                        const Cut cut = std::exchange(m_cut, Cut::None);
                        if (cut == Cut::BeforeCommit) {
                            in->abort();
                            out->abort();
                            return;
                        }
                        *cutOnAnswer = true;
                    }
                    out->write(bytes);
                });
                QObject::connect(out, &QTcpSocket::readyRead, in, [in, out, cutOnAnswer] {
                    if (*cutOnAnswer) {
                        in->abort();
                        out->abort();
                        return;
                    }
                    in->write(out->readAll());
                });
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

void TcpForwarder::cutNextCommit(bool afterItIsCarriedOut)
{
    QMetaObject::invokeMethod(m_owner, [this, afterItIsCarriedOut] { m_cut = afterItIsCarriedOut ? Cut::AfterCommit : Cut::BeforeCommit; },
                              Qt::BlockingQueuedConnection);
}

} // namespace dynaseal::test

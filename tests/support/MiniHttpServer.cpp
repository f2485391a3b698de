#include "tests/support/MiniHttpServer.h"

#include "tests/support/TestCertificate.h"

#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

namespace dynaseal::test {

MiniHttpServer::MiniHttpServer(QObject *parent) : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            ++acceptedConnections;
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                ++clientDisconnects;
                m_buffers.remove(socket);
                socket->deleteLater();
            });
        }
    });
}

MiniHttpServer::~MiniHttpServer()
{
    // Sockets die with m_server, after the members their handlers use.
    for (QTcpSocket *socket : m_server.findChildren<QTcpSocket *>())
        socket->disconnect(this);
}

void MiniHttpServer::Listener::incomingConnection(qintptr descriptor)
{
    if (!tls) {
        QTcpServer::incomingConnection(descriptor);
        return;
    }
    auto *socket = new QSslSocket(this);
    socket->setSocketDescriptor(descriptor);
    socket->setLocalCertificate(QSslCertificate(QByteArray(kTestCertificate)));
    socket->setPrivateKey(QSslKey(QByteArray(kTestKey), QSsl::Ec));
    socket->setPeerVerifyMode(QSslSocket::VerifyNone);
    socket->startServerEncryption();
    addPendingConnection(socket);
}

bool MiniHttpServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

void MiniHttpServer::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    for (;;) {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        RecordedRequest request;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        request.method = first.value(0);
        request.path = first.value(1);
        qint64 length = 0;
        for (int i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon < 0)
                continue;
            const QByteArray name = lines.at(i).left(colon).trimmed().toLower();
            request.headers.insert(name, lines.at(i).mid(colon + 1).trimmed());
            if (name == "content-length")
                length = lines.at(i).mid(colon + 1).trimmed().toLongLong();
        }
        if (buffer.size() < end + 4 + length)
            return;
        request.body = buffer.mid(end + 4, length);
        buffer.remove(0, end + 4 + length);
        requests.append(request);
        emit requestReceived();
        if (m_handler)
            m_handler(request, socket);
        else
            respond(socket, 200, "{}");
    }
}

void MiniHttpServer::respond(QTcpSocket *socket, int status, const QByteArray &body, const QByteArray &contentType,
                             const QList<QPair<QByteArray, QByteArray>> &extra)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: " + contentType
        + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    for (const auto &h : extra)
        out += h.first + ": " + h.second + "\r\n";
    socket->write(out + "\r\n" + body);
}

void MiniHttpServer::beginChunked(QTcpSocket *socket, int status, const QByteArray &contentType)
{
    socket->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: " + contentType + "\r\nTransfer-Encoding: chunked\r\n\r\n");
}

void MiniHttpServer::chunk(QTcpSocket *socket, const QByteArray &data)
{
    socket->write(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
}

void MiniHttpServer::endChunked(QTcpSocket *socket)
{
    socket->write("0\r\n\r\n");
}

} // namespace dynaseal::test

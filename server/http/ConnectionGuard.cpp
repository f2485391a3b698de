#include "server/http/ConnectionGuard.h"

#include "server/core/ApiError.h"

namespace dynaseal {

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, ConnectionLimits limits)
    : QObject(socket), m_socket(socket), m_limits(limits)
{
    setObjectName(QStringLiteral("ConnectionGuard"));
    m_idle.setSingleShot(true);
    m_idle.setInterval(limits.idleTimeoutMs);
    connect(&m_idle, &QTimer::timeout, this, [this] {
        if (m_pendingResponses == 0)
            m_socket->disconnectFromHost();
    });
    connect(socket, &QTcpSocket::readyRead, this, &ConnectionGuard::onReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &ConnectionGuard::touch);
    m_idle.start();
}

void ConnectionGuard::responseFinished(QTcpSocket *socket)
{
    if (!socket)
        return;
    if (auto *guard = socket->findChild<ConnectionGuard *>(QStringLiteral("ConnectionGuard"), Qt::FindDirectChildrenOnly)) {
        guard->m_pendingResponses = std::max(0, guard->m_pendingResponses - 1);
        guard->touch();
    }
}

void ConnectionGuard::touch()
{
    m_idle.start();
}

void ConnectionGuard::onReadyRead()
{
    touch();
    if (m_state == State::Rejected) {
        m_socket->readAll(); // discard: QtHttpServer must never see the rest
        return;
    }
    // QtHttpServer drains the socket after this slot, so what is buffered now is new.
    consume(m_socket->peek(m_socket->bytesAvailable()));
}

void ConnectionGuard::consume(const QByteArray &bytes)
{
    qsizetype pos = 0;
    while (pos < bytes.size() && m_state != State::Rejected) {
        if (m_state == State::Body) {
            const qint64 take = std::min<qint64>(m_bodyLeft, bytes.size() - pos);
            m_bodyLeft -= take;
            pos += take;
            if (m_bodyLeft == 0)
                m_state = State::Head;
            continue;
        }
        // Head: collect up to the blank line.
        const qsizetype before = m_head.size();
        m_head.append(bytes.constData() + pos, bytes.size() - pos);
        const qsizetype end = m_head.indexOf("\r\n\r\n");
        if (end < 0) {
            if (m_head.size() > m_limits.maxHeadBytes)
                reject(431, "headers_too_large", QStringLiteral("request headers are larger than %1 bytes").arg(m_limits.maxHeadBytes));
            return;
        }
        if (end + 4 > m_limits.maxHeadBytes) {
            reject(431, "headers_too_large", QStringLiteral("request headers are larger than %1 bytes").arg(m_limits.maxHeadBytes));
            return;
        }
        pos += end + 4 - before;
        qint64 contentLength = 0;
        bool chunked = false;
        for (const QByteArray &line : m_head.left(end).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon < 0)
                continue;
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length") {
                bool ok = false;
                contentLength = value.toLongLong(&ok);
                if (!ok || contentLength < 0) {
                    reject(400, "invalid_request", QStringLiteral("Content-Length is not a number"));
                    return;
                }
            } else if (name == "transfer-encoding" && value.toLower().contains("chunked")) {
                chunked = true;
            }
        }
        m_head.clear();
        if (chunked) {
            reject(411, "length_required", QStringLiteral("chunked request bodies are not accepted: send Content-Length"));
            return;
        }
        if (contentLength > m_limits.maxBodyBytes) {
            reject(413, "payload_too_large", QStringLiteral("request body of %1 bytes is larger than the limit of %2 bytes")
                                                 .arg(contentLength).arg(m_limits.maxBodyBytes));
            return;
        }
        ++m_pendingResponses;
        m_bodyLeft = contentLength;
        m_state = contentLength > 0 ? State::Body : State::Head;
    }
}

void ConnectionGuard::reject(int status, const char *code, const QString &message)
{
    m_state = State::Rejected;
    m_socket->readAll();
    ApiError error = ApiError::badRequest(message, QLatin1String(code));
    error.status = status;
    const QByteArray body = error.toJson();
    const char *reason = status == 413 ? "Payload Too Large" : status == 431 ? "Request Header Fields Too Large"
                       : status == 411 ? "Length Required" : "Bad Request";
    m_socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
                    + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    m_socket->disconnectFromHost();
}

} // namespace dynaseal

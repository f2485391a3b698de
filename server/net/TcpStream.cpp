#include "server/net/TcpStream.h"

#include "server/net/TlsClientContext.h"

#include <QAbstractSocket>
#include <QSignalBlocker>
#include <QSocketNotifier>

#include <cerrno>
#include <numeric>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace dynaseal {

namespace {

// Past this much already sent, the front of the output buffer is dropped instead of kept.
constexpr qsizetype kCompactFrom = 64 * 1024;
// Pieces sent with one sendmsg(): a pipelined carrier's 32 requests, each a head and a body. More
// are joined into one buffer first.
constexpr int kMaxPieces = 64;

} // namespace

TcpStream::TcpStream(qintptr descriptor, QObject *parent) : QObject(parent)
{
    const int fd = int(descriptor);
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        ::close(fd);
        m_closing = true;
        return;
    }
    // Requests and responses go out in one write each and then wait: Nagle would only add delay.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_fd = fd;
    m_readNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &TcpStream::onReadable);
    // Made disabled (set to the descriptor without being enabled): with epoll, enabling and
    // disabling it at once would be two system calls for nothing.
    m_writeNotifier = new QSocketNotifier(QSocketNotifier::Write, this);
    m_writeNotifier->setSocket(m_fd);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &TcpStream::onWritable);
}

TcpStream *TcpStream::takeOver(QAbstractSocket *socket, QObject *parent)
{
    if (socket->state() != QAbstractSocket::ConnectedState || socket->bytesAvailable() > 0
        || socket->bytesToWrite() > 0)
        return nullptr;
    // A second descriptor for the same connection: closing Qt's leaves the connection open.
    const int copy = ::fcntl(int(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return nullptr;
    {
        const QSignalBlocker quiet(socket); // its close is not a disconnect for anyone listening
        socket->abort();
    }
    auto *stream = new TcpStream(copy, parent);
    if (stream->m_fd < 0) {
        delete stream;
        return nullptr;
    }
    return stream;
}

TcpStream::~TcpStream()
{
    shutDown(false);
}

void TcpStream::startClientTls(SSL *connection)
{
    if (m_fd < 0 || m_closing || m_tls || !connection || !TlsClientContext::attach(connection, m_fd)) {
        if (connection)
            SSL_free(connection);
        ERR_clear_error();
        QMetaObject::invokeMethod(this, [this] { emit tlsFailed(QStringLiteral("the connection could not be set up")); }, Qt::QueuedConnection);
        shutDown(false);
        return;
    }
    m_tls = connection;
    m_handshaking = true;
    continueHandshake();
}

void TcpStream::continueHandshake()
{
    ERR_clear_error();
    const int done = SSL_do_handshake(m_tls);
    if (done == 1) {
        m_handshaking = false;
        m_writeNotifier->setEnabled(bytesToWrite() > 0); // anything written meanwhile goes out now
        emit encrypted();
        return;
    }
    const int error = SSL_get_error(m_tls, done);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        m_writeNotifier->setEnabled(error == SSL_ERROR_WANT_WRITE);
        return;
    }
    const QString reason = TlsClientContext::failureOf(m_tls);
    ERR_clear_error();
    shutDown(false);
    // From the event loop, as closed() is: the caller may be inside a call to this object.
    QMetaObject::invokeMethod(this, [this, reason] { emit tlsFailed(reason); }, Qt::QueuedConnection);
}

qint64 TcpStream::read(char *buffer, qint64 max)
{
    if (m_fd < 0)
        return -1;
    if (m_tls) {
        if (m_handshaking)
            return 0;
        // Record by record until the buffer is full or nothing more is waiting, so that a short
        // read means what it means for a plain socket: no decrypted bytes are left behind.
        qint64 got = 0;
        ERR_clear_error();
        while (got < max) {
            const int n = SSL_read(m_tls, buffer + got, int(std::min<qint64>(max - got, 1 << 30)));
            if (n > 0) {
                got += n;
                continue;
            }
            const int error = SSL_get_error(m_tls, n);
            if (error == SSL_ERROR_WANT_READ)
                return got;
            if (error == SSL_ERROR_WANT_WRITE) {
                m_readWaitsForWrite = true;
                m_writeNotifier->setEnabled(true);
                return got;
            }
            ERR_clear_error();
            if (got > 0)
                return got; // the close or failure shows at the next read
            shutDown(true); // the peer closed (close_notify or not), reset, or broke the protocol
            return -1;
        }
        return got;
    }
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, size_t(max), 0);
        if (n > 0)
            return n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        shutDown(true); // 0: the peer closed; otherwise reset or failed
        return -1;
    }
}

void TcpStream::discardInput()
{
    char sink[16 * 1024];
    while (read(sink, sizeof sink) == qint64(sizeof sink)) {
    }
}

void TcpStream::write(const char *data, qint64 size)
{
    if (m_fd < 0 || m_closing || size <= 0)
        return;
    if (bytesToWrite() == 0 && !m_handshaking) {
        const qint64 sent = sendNow(data, size);
        if (sent < 0 || sent == size)
            return;
        m_out.append(data + sent, qsizetype(size - sent));
        m_writeNotifier->setEnabled(true);
        return;
    }
    m_out.append(data, qsizetype(size));
}

void TcpStream::write(const QList<QByteArray> &pieces)
{
    if (pieces.size() == 1) {
        write(pieces.first());
        return;
    }
    if (m_fd < 0 || m_closing)
        return;
    if (m_handshaking || bytesToWrite() > 0) {
        // Behind bytes already waiting, as write() puts them: each piece copied once, to the end.
        for (const QByteArray &piece : pieces)
            m_out.append(piece);
        return;
    }
    // TLS copies into its records anyway; one buffer keeps a small request in one record.
    if (m_tls || pieces.size() > kMaxPieces) {
        QByteArray joined;
        joined.reserve(std::accumulate(pieces.cbegin(), pieces.cend(), qsizetype(0),
                                       [](qsizetype n, const QByteArray &piece) { return n + piece.size(); }));
        for (const QByteArray &piece : pieces)
            joined += piece;
        write(joined);
        return;
    }
    iovec vectors[kMaxPieces];
    qint64 size = 0;
    int count = 0;
    for (const QByteArray &piece : pieces) {
        if (piece.isEmpty())
            continue;
        vectors[count++] = {const_cast<char *>(piece.constData()), size_t(piece.size())};
        size += piece.size();
    }
    if (count == 0)
        return;
    msghdr message{};
    message.msg_iov = vectors;
    message.msg_iovlen = size_t(count);
    ssize_t sent;
    do {
        sent = ::sendmsg(m_fd, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            shutDown(true);
            return;
        }
        sent = 0;
    }
    m_sentTotal += quint64(sent);
    if (sent == size)
        return;
    // The kernel's buffer is full: keep the rest, as write() does.
    qint64 skip = sent;
    for (int i = 0; i < count; ++i) {
        const qint64 length = qint64(vectors[i].iov_len);
        if (skip >= length) {
            skip -= length;
            continue;
        }
        m_out.append(static_cast<const char *>(vectors[i].iov_base) + skip, qsizetype(length - skip));
        skip = 0;
    }
    m_writeNotifier->setEnabled(true);
}

qint64 TcpStream::sendNow(const char *data, qint64 size)
{
    qint64 sent = 0;
    while (sent < size) {
        const qint64 n = sendSome(data + sent, size - sent);
        if (n < 0) {
            shutDown(true);
            return -1;
        }
        sent += n;
        // A short send() means the kernel's buffer is full; SSL_write() stops after each record.
        if (n == 0 || (!m_tls && sent < size))
            break;
    }
    return sent;
}

qint64 TcpStream::sendSome(const char *data, qint64 size)
{
    if (m_tls) {
        ERR_clear_error();
        const int n = SSL_write(m_tls, data, int(std::min<qint64>(size, 1 << 30)));
        if (n > 0) {
            m_sentTotal += quint64(n);
            return n;
        }
        const int error = SSL_get_error(m_tls, n);
        if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ)
            return 0;
        ERR_clear_error();
        return -1;
    }
    for (;;) {
        const ssize_t n = ::send(m_fd, data, size_t(size), MSG_NOSIGNAL);
        if (n >= 0) {
            m_sentTotal += quint64(n);
            return n;
        }
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

void TcpStream::setReading(bool on)
{
    if (m_readNotifier && m_fd >= 0 && !m_closing)
        m_readNotifier->setEnabled(on);
}

void TcpStream::close()
{
    shutDown(true);
}

void TcpStream::closeAfterWrites()
{
    if (m_fd < 0 || m_closing)
        return;
    m_closing = true;
    // Nothing more is read; what arrives until the close is dropped there (see shutDown).
    m_readNotifier->setEnabled(false);
    if (bytesToWrite() == 0)
        shutDown(true);
}

void TcpStream::abort()
{
    shutDown(false);
}

QHostAddress TcpStream::peerAddress() const
{
    if (m_peer.isNull() && m_fd >= 0) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        if (::getpeername(m_fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
            m_peer = QHostAddress(reinterpret_cast<const sockaddr *>(&address));
    }
    return m_peer;
}

char *TcpStream::threadReadBuffer()
{
    thread_local QByteArray buffer(kReadBufferBytes, Qt::Uninitialized);
    return buffer.data();
}

void TcpStream::onReadable()
{
    if (m_handshaking) {
        continueHandshake();
        return;
    }
    emit readyRead();
}

void TcpStream::onWritable()
{
    if (m_handshaking) {
        continueHandshake();
        return;
    }
    if (m_readWaitsForWrite) {
        m_readWaitsForWrite = false;
        emit readyRead(); // the reader reads again, now that OpenSSL can send
        if (m_fd < 0)
            return;
        if (bytesToWrite() == 0) {
            m_writeNotifier->setEnabled(m_readWaitsForWrite);
            return;
        }
    }
    flushOut();
}

void TcpStream::flushOut()
{
    if (m_fd < 0)
        return;
    const qint64 n = sendNow(m_out.constData() + m_outSent, bytesToWrite());
    if (n < 0)
        return;
    m_outSent += n;
    if (bytesToWrite() > 0) {
        if (m_outSent >= kCompactFrom && m_outSent * 2 >= m_out.size()) {
            m_out.remove(0, m_outSent);
            m_outSent = 0;
        }
        return;
    }
    m_out = QByteArray();
    m_outSent = 0;
    m_writeNotifier->setEnabled(false);
    if (m_closing)
        shutDown(true);
    else
        emit drained();
}

void TcpStream::shutDown(bool notify)
{
    if (m_fd < 0)
        return;
    // Unread input at close() makes the kernel answer with a reset instead of a clean close.
    if (m_closing) {
        char sink[16 * 1024];
        while (::recv(m_fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
        }
    }
    m_readNotifier->setEnabled(false);
    m_writeNotifier->setEnabled(false);
    if (m_tls) {
        // A close_notify if the session is up (best effort: the socket is non-blocking), so the
        // peer may keep the session for resuming.
        if (!m_handshaking)
            SSL_shutdown(m_tls);
        SSL_free(m_tls);
        ERR_clear_error();
        m_tls = nullptr;
        m_handshaking = false;
    }
    ::close(m_fd);
    m_fd = -1;
    m_closing = true;
    m_out = QByteArray();
    m_outSent = 0;
    if (notify && !m_closedSent) {
        m_closedSent = true;
        QMetaObject::invokeMethod(this, &TcpStream::closed, Qt::QueuedConnection);
    }
}

} // namespace dynaseal

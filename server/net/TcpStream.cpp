#include "server/net/TcpStream.h"

#include <QAbstractSocket>
#include <QSignalBlocker>
#include <QSocketNotifier>

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dynaseal {

namespace {

// Past this much already sent, the front of the output buffer is dropped instead of kept.
constexpr qsizetype kCompactFrom = 64 * 1024;

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

qint64 TcpStream::read(char *buffer, qint64 max)
{
    if (m_fd < 0)
        return -1;
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
    if (bytesToWrite() == 0) {
        ssize_t n;
        do {
            n = ::send(m_fd, data, size_t(size), MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n > 0)
            m_sentTotal += quint64(n);
        if (n == size)
            return;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            shutDown(true);
            return;
        }
        const qint64 sent = n < 0 ? 0 : n;
        m_out.append(data + sent, qsizetype(size - sent));
        m_writeNotifier->setEnabled(true);
        return;
    }
    m_out.append(data, qsizetype(size));
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
    emit readyRead();
}

void TcpStream::onWritable()
{
    flushOut();
}

void TcpStream::flushOut()
{
    while (m_fd >= 0 && bytesToWrite() > 0) {
        const ssize_t n = ::send(m_fd, m_out.constData() + m_outSent, size_t(bytesToWrite()), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            shutDown(true);
            return;
        }
        m_outSent += n;
        m_sentTotal += quint64(n);
    }
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

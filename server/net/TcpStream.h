#pragma once
// A connected, non-blocking TCP socket read and written with plain recv()/send() on its
// descriptor: the byte pipe under the HTTP front's connections and the upstream client's
// connections, plain or, after startClientTls(), through OpenSSL on the same descriptor.
//
// Why not QTcpSocket on these paths: before every read it asks the kernel how much is waiting
// (an ioctl(FIONREAD), 3 of the 12 system calls of a proxied request), copies every byte through
// its own ring buffer, and writes only on the next event-loop pass after toggling a write
// notifier. Here a read is one recv() into the caller's buffer and a write goes to the kernel at
// once; only what the kernel does not take is buffered, and only then is a write notifier used.
// Connecting (name lookup, timeouts) stays with Qt's sockets: takeOver() adopts the connection
// once it is up. TLS is OpenSSL's own, with a context shared by the client's connections
// (TlsClientContext says why not QSslSocket).
#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>

class QAbstractSocket;
class QSocketNotifier;
typedef struct ssl_st SSL;

namespace dynaseal {

class TcpStream : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of `descriptor`, a connected TCP socket; sets it non-blocking, TCP_NODELAY.
    explicit TcpStream(qintptr descriptor, QObject *parent = nullptr);
    // Takes over the connection of a socket in ConnectedState with nothing read or buffered yet
    // (right after connected()); the socket is left unconnected. nullptr if that failed.
    static TcpStream *takeOver(QAbstractSocket *socket, QObject *parent = nullptr);
    ~TcpStream() override;

    // Starts a TLS client handshake over the connection with `connection` (from
    // TlsClientContext::newConnection; the stream owns it now). encrypted() follows once it is
    // done, or tlsFailed() (and the stream is closed, without closed()). Reads and writes then
    // carry the plain text.
    void startClientTls(SSL *connection);
    bool isEncrypted() const { return m_tls && !m_handshaking; }

    bool isOpen() const { return m_fd >= 0 && !m_closing; }

    // Reads what the kernel has, up to `max` bytes. Returns the count, 0 if nothing is waiting,
    // -1 once the stream is closed (the peer closed or reset it: closed() follows from the event
    // loop). A result below `max` means nothing more was waiting.
    qint64 read(char *buffer, qint64 max);
    // Reads and drops everything waiting.
    void discardInput();
    // Sends at once what the kernel takes; keeps the rest and sends it as the socket drains.
    // A failed send closes the stream (closed() follows from the event loop).
    void write(const char *data, qint64 size);
    void write(const QByteArray &data) { write(data.constData(), data.size()); }
    // The same for `pieces` in order, as if they were one buffer. A plain connection sends them
    // with one sendmsg(), so a request's body need not be copied behind its head first.
    void write(const QList<QByteArray> &pieces);
    qint64 bytesToWrite() const { return m_out.size() - m_outSent; }
    // Everything the kernel has taken so far: progress for a watchdog.
    quint64 bytesSent() const { return m_sentTotal; }
    // Turns read notifications off (back-pressure: the kernel's buffer fills, then TCP's window)
    // and on again.
    void setReading(bool on);
    // Sends what is still buffered, then closes.
    void closeAfterWrites();
    // Closes now, dropping what is unsent (a peer that takes nothing); closed() follows from the
    // event loop.
    void close();
    // Closes now; closed() is not emitted.
    void abort();

    QHostAddress peerAddress() const;

    // Scratch memory for reads, one block per thread: a reader copies out what it keeps before
    // handing anything on, so every connection of the thread can read into the same memory.
    static constexpr qint64 kReadBufferBytes = 64 * 1024;
    static char *threadReadBuffer();

signals:
    void readyRead();
    // What write() had to keep is all sent now: a writer holding back can go on.
    void drained();
    // The connection is gone: closed by the peer, reset, failed, or closed by closeAfterWrites().
    // Always emitted from the event loop, never from inside a call to this object.
    void closed();
    // The TLS handshake is done, the peer's certificate checked.
    void encrypted();
    // The TLS handshake failed (`reason` says why); the stream is closed.
    void tlsFailed(const QString &reason);

private:
    void onReadable();
    void onWritable();
    void flushOut();
    void shutDown(bool notify);
    void continueHandshake();
    // What the kernel takes now: the count sent, or -1 if the connection failed (closed then).
    qint64 sendNow(const char *data, qint64 size);
    // One send() or SSL_write(): the count taken, 0 if the kernel takes nothing now, -1 on failure.
    qint64 sendSome(const char *data, qint64 size);

    int m_fd = -1;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QByteArray m_out;       // what the kernel has not taken yet
    qsizetype m_outSent = 0; // of m_out, already sent
    quint64 m_sentTotal = 0;
    bool m_closing = false; // closeAfterWrites() called, or the connection failed
    bool m_closedSent = false;
    mutable QHostAddress m_peer; // looked up on first use
    SSL *m_tls = nullptr;
    bool m_handshaking = false;
    bool m_readWaitsForWrite = false; // SSL_read needs to send first (a TLS key update)
};

} // namespace dynaseal

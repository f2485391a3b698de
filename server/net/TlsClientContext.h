#pragma once
// The OpenSSL client context of https:// connections, shared by all of them: the trusted CA
// certificates (the system's, from OpenSSL's default paths, and any extra ones), TLS 1.2 at least,
// and each peer's last session, so that a new connection to it resumes instead of doing a full
// handshake. Thread-safe: the server makes one for all its HttpClients (every serving thread's and
// the callbacks'), so the trust store is loaded once, and a session one thread got is resumed by
// the others.
//
// Why not QSslSocket: Qt 6.4 builds a new SSL_CTX for every socket. With OpenSSL 3 that costs
// about 0.1 ms of CPU and, with the socket's buffers, about 100 KB a connection: 2,000 streams
// to an HTTPS upstream peaked at 270 MB against 71 MB over plain HTTP, and waited 3 s for their
// headers against 0.5 s. With one context per client, and the connection run by TcpStream on its
// descriptor, they peaked at 135 MB and waited 1 s (docs/performance-log.md).
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSslCertificate>
#include <QString>
#include <mutex>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;

namespace dynaseal {

class TlsClientContext
{
public:
    explicit TlsClientContext(const QList<QSslCertificate> &extraCaCertificates);
    ~TlsClientContext();
    TlsClientContext(const TlsClientContext &) = delete;
    TlsClientContext &operator=(const TlsClientContext &) = delete;

    // A client connection to `host` (a name or an IP address literal) on `port`, not started:
    // it checks the peer's certificate for that host, and resumes the last session the peer
    // gave, if any. nullptr if OpenSSL could not make one.
    SSL *newConnection(const QString &host, quint16 port);
    // Why the last handshake of `connection` failed, in words.
    static QString failureOf(SSL *connection);
    // Makes `connection` read and write the connected socket `fd` (which it does not close).
    static bool attach(SSL *connection, int fd);

private:
    // OpenSSL hands over each session the peer issues (in TLS 1.3 after the handshake): the
    // newest one per peer is kept.
    static int onNewSession(SSL *connection, SSL_SESSION *session);

    SSL_CTX *m_context = nullptr;
    std::mutex m_sessionsMutex; // taken once per new connection and per session issued, not per call
    QHash<QByteArray, SSL_SESSION *> m_sessions; // by "host:port"
};

} // namespace dynaseal

#include "server/net/TlsClientContext.h"

#include <QHostAddress>

#include <cerrno>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

namespace dynaseal {
namespace {

// The "host:port" a connection was made for, kept with it for onNewSession().
int peerIndex()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr,
                                                  [](void *, void *peer, CRYPTO_EX_DATA *, int, long, void *) {
                                                      delete static_cast<QByteArray *>(peer);
                                                  });
    return index;
}

// OpenSSL's socket BIO, except that it sends with MSG_NOSIGNAL, as TcpStream does: a write to a
// peer that is gone fails with EPIPE instead of raising SIGPIPE, whatever the process does with
// that signal.
int sendWithoutSignal(BIO *bio, const char *data, int size)
{
    const int fd = int(BIO_get_fd(bio, nullptr));
    ssize_t n;
    do {
        n = ::send(fd, data, size_t(size), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    BIO_clear_retry_flags(bio);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        BIO_set_retry_write(bio);
    return int(n);
}

const BIO_METHOD *socketMethod()
{
    static BIO_METHOD *const method = [] {
        const BIO_METHOD *socket = BIO_s_socket();
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "socket, MSG_NOSIGNAL");
        BIO_meth_set_write(m, sendWithoutSignal);
        BIO_meth_set_read(m, BIO_meth_get_read(socket));
        BIO_meth_set_puts(m, BIO_meth_get_puts(socket));
        BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(socket));
        BIO_meth_set_create(m, BIO_meth_get_create(socket));
        BIO_meth_set_destroy(m, BIO_meth_get_destroy(socket));
        return m;
    }();
    return method;
}

} // namespace

bool TlsClientContext::attach(SSL *connection, int fd)
{
    BIO *bio = BIO_new(socketMethod());
    if (!bio)
        return false;
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    SSL_set_bio(connection, bio, bio); // the connection owns it now
    return true;
}

TlsClientContext::TlsClientContext(const QList<QSslCertificate> &extraCaCertificates)
{
    m_context = SSL_CTX_new(TLS_client_method());
    if (!m_context)
        return;
    SSL_CTX_set_min_proto_version(m_context, TLS1_2_VERSION);
    SSL_CTX_set_verify(m_context, SSL_VERIFY_PEER, nullptr);
    // The system's trust store (on Debian /etc/ssl/certs, as Qt reads it), or SSL_CERT_FILE and
    // SSL_CERT_DIR when set.
    SSL_CTX_set_default_verify_paths(m_context);
    X509_STORE *store = SSL_CTX_get_cert_store(m_context);
    for (const QSslCertificate &certificate : extraCaCertificates) {
        const QByteArray der = certificate.toDer();
        const auto *bytes = reinterpret_cast<const unsigned char *>(der.constData());
        if (X509 *x509 = d2i_X509(nullptr, &bytes, long(der.size()))) {
            X509_STORE_add_cert(store, x509);
            X509_free(x509);
        }
    }
    ERR_clear_error(); // a certificate already in the store is not a failure
    // Idle connections hand their 34 KB of record buffers back; partial writes go on from where
    // they stopped, from a buffer that may have moved (TcpStream keeps the rest in its own).
    SSL_CTX_set_mode(m_context, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(m_context, http11, sizeof http11);
    SSL_CTX_set_session_cache_mode(m_context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(m_context, &TlsClientContext::onNewSession);
    SSL_CTX_set_app_data(m_context, this);
}

TlsClientContext::~TlsClientContext()
{
    for (SSL_SESSION *session : std::as_const(m_sessions))
        SSL_SESSION_free(session);
    SSL_CTX_free(m_context);
}

SSL *TlsClientContext::newConnection(const QString &host, quint16 port)
{
    if (!m_context)
        return nullptr;
    SSL *connection = SSL_new(m_context);
    if (!connection)
        return nullptr;
    const QByteArray name = host.toLatin1(); // ASCII: HttpClient keeps hosts fully encoded
    bool ok = false;
    if (QHostAddress(host).isNull()) {
        // A name: sent as SNI, and the certificate must be for it.
        ok = SSL_set_tlsext_host_name(connection, name.constData()) == 1 && SSL_set1_host(connection, name.constData()) == 1;
    } else {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(connection), name.constData()) == 1;
    }
    auto *peer = new QByteArray(name + ':' + QByteArray::number(port));
    if (!ok || SSL_set_ex_data(connection, peerIndex(), peer) != 1) {
        delete peer;
        SSL_free(connection);
        ERR_clear_error();
        return nullptr;
    }
    {
        // Under the lock: SSL_set_session takes its own reference before onNewSession on another
        // thread can replace the session and free the map's.
        std::lock_guard lock(m_sessionsMutex);
        if (SSL_SESSION *session = m_sessions.value(*peer))
            SSL_set_session(connection, session);
    }
    SSL_set_connect_state(connection);
    return connection;
}

QString TlsClientContext::failureOf(SSL *connection)
{
    const long verified = SSL_get_verify_result(connection);
    if (verified != X509_V_OK)
        return QStringLiteral("the certificate was not accepted: %1").arg(QLatin1String(X509_verify_cert_error_string(verified)));
    char text[256] = {};
    if (const unsigned long error = ERR_peek_last_error())
        ERR_error_string_n(error, text, sizeof text);
    return text[0] ? QString::fromLatin1(text) : QStringLiteral("the connection closed during the handshake");
}

int TlsClientContext::onNewSession(SSL *connection, SSL_SESSION *session)
{
    auto *self = static_cast<TlsClientContext *>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(connection)));
    const auto *peer = static_cast<const QByteArray *>(SSL_get_ex_data(connection, peerIndex()));
    if (!self || !peer)
        return 0;
    std::lock_guard lock(self->m_sessionsMutex);
    SSL_SESSION *&kept = self->m_sessions[*peer];
    if (kept)
        SSL_SESSION_free(kept);
    kept = session;
    return 1; // the reference is ours now
}

} // namespace dynaseal

#pragma once
// A lean HTTP/1.1 client for upstream calls: keep-alive connection pool per host (no 6-per-host
// cap as in QNetworkAccessManager 6.4), TLS through OpenSSL (TlsClientContext), responses streamed to callbacks
// as they arrive; small calls that may arrive twice can share a connection, pipelined
// (HttpRequest::pipelined). Response framing (Content-Length, chunked, close) is parsed by Debian's
// http-parser, the same parser as the server's HttpServerConnection. Lives on one thread; not thread-safe.
#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QSslCertificate>
#include <QUrl>
#include <functional>
#include <memory>
#include <optional>

namespace dynaseal {

class TlsClientContext;

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method = "POST";
    QUrl url;                // http:// or https://; path and query are sent as given
    HttpHeaders headers;     // Host, Content-Length and Connection are added by the client
    QByteArray body;
    int connectTimeoutMs = 10'000;
    int firstByteTimeoutMs = 120'000; // until the response headers are complete
    int idleTimeoutMs = 120'000;      // longest silence between two body chunks
    // A timeout of 0 or less is off.
    // Lower-case names of the response headers to report; all when unset. The others are
    // skipped without being copied.
    std::optional<QList<QByteArray>> responseHeaders;
    // May share a connection with the other pipelined calls to the same host sent in the same
    // pass of the event loop: written together in one send, answered in order (HTTP/1.1
    // pipelining), for a fraction of the system calls of one call per connection. Only for a
    // request that may arrive twice: when the peer closes the connection after answering some,
    // the rest go again on a fresh one. Each call still gets its own handler callbacks; the
    // calls of one connection share the first one's timeouts and response-header selection.
    bool pipelined = false;
};

enum class HttpClientError {
    ConnectFailed, // DNS, refused, unreachable
    TlsFailed,
    Timeout,
    ProtocolError, // the peer sent something that is not HTTP/1.x
    ConnectionClosed, // closed before the response was complete
};

struct HttpResponseHandler
{
    // Called once with the status and headers (lower-cased names) before any body bytes.
    std::function<void(int status, const HttpHeaders &headers)> onHead;
    // Decoded body bytes (chunked framing removed), as they arrive.
    std::function<void(const QByteArray &data)> onData;
    // The whole response was received.
    std::function<void()> onComplete;
    // The call failed; no callback follows. `message` is plain words, never a secret.
    std::function<void(HttpClientError error, const QString &message)> onError;
};

struct HttpClientOptions
{
    int maxConnectionsPerHost = 1024; // beyond it, calls wait in a FIFO queue
    int maxIdlePerHost = 256;
    int keepAliveIdleMs = 30'000;     // idle pooled connections are closed after this
    int pipelineDepth = 32;           // most pipelined calls one connection carries at once; 1: none share
    // Trusted for https:// peers besides the system's CA certificates (e.g. a private CA in
    // front of a self-hosted model server).
    QList<QSslCertificate> extraCaCertificates{};
    // The TLS context for https:// peers, shared with other clients (one trust store and one
    // session cache for all; extraCaCertificates is then what it was made with). Unset, the
    // client makes its own on its first https:// URL.
    std::shared_ptr<TlsClientContext> tlsContext{};
};

class HttpClient : public QObject
{
    Q_OBJECT
public:
    explicit HttpClient(HttpClientOptions options = {}, QObject *parent = nullptr);
    ~HttpClient() override;

    // Starts a call and returns its id (never 0). Callbacks run on this object's thread, never
    // from inside send(). A call on a reused keep-alive connection that the peer closes before
    // any response byte arrives is retried once on a fresh connection (also for POST: the peer
    // closed an idle connection, so it never processed the request).
    quint64 send(HttpRequest request, HttpResponseHandler handler);
    // Stops a call at once: its connection is closed (not pooled) and no callback follows.
    // Unknown or finished ids are ignored.
    void cancel(quint64 callId);
    // Stops reading a call's response, and goes on (back-pressure: the caller cannot pass the
    // data on as fast as it comes). TCP then slows the server down; the idle timeout does not run
    // meanwhile. Unknown or finished ids are ignored.
    void setReading(quint64 callId, bool on);

    // For metrics and tests.
    int openConnections() const;
    int idleConnections() const;
    int queuedCalls() const;

private:
    class Private;
    Private *d;
};

} // namespace dynaseal

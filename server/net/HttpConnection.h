#pragma once
// One upstream HTTP/1.1 connection of HttpClient's pool: owns the socket, the response parser and
// the timer of the call it carries. Private to server/net (HttpClient.cpp is its only user).
// Qt's socket connects; the connection is then taken over by a TcpStream, which reads and writes
// without Qt's per-read ioctl and buffer copies, and runs TLS for https:// with the client's
// TlsClientContext.
#include "server/net/HttpClient.h"

#include <QAbstractSocket>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <http_parser.h>
#include <memory>

namespace dynaseal {

class HttpConnection;
class TcpStream;
class TlsClientContext;

// Header names compare without case (RFC 9110); the length first, as most names differ in it.
inline bool sameHeaderName(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && qstrnicmp(a.data(), b.data(), size_t(a.size())) == 0;
}

// A header name as stored: lower-cased. Folded in place in the buffer it was collected in, then
// copied (QByteArray::toLower() costs more than the copy); http-parser only lets token
// characters through, so ASCII is all there is to fold.
inline QByteArray lowerCasedHeaderName(QByteArray &collected)
{
    for (char &ch : collected)
        if (ch >= 'A' && ch <= 'Z')
            ch = char(ch - 'A' + 'a');
    return QByteArray(collected.constData(), collected.size());
}

// What a connection reports to its pool. Every call is made from an event-loop entry point
// (socket signal, timer or posted event), never from inside an HttpConnection method called by
// the pool, so the pool is free to cancel, reassign or dispose of the connection in the handler.
class HttpConnectionListener
{
public:
    virtual void connectionHead(HttpConnection *connection, quint64 callId, int status,
                                const HttpHeaders &headers) = 0;
    virtual void connectionData(HttpConnection *connection, quint64 callId,
                                const QByteArray &data) = 0;
    // One response of a pipelined exchange has ended and the next one's head follows.
    virtual void connectionResponseEnd(HttpConnection *connection, quint64 callId) = 0;
    // The connection is idle again; `reusable` says whether it may be pooled.
    virtual void connectionComplete(HttpConnection *connection, quint64 callId, bool reusable) = 0;
    // The connection is closed; the call failed.
    virtual void connectionFailed(HttpConnection *connection, quint64 callId, HttpClientError error,
                                  const QString &message) = 0;
    // An idle (pooled) connection closed or expired.
    virtual void connectionDropped(HttpConnection *connection) = 0;

protected:
    ~HttpConnectionListener() = default;
};

class HttpConnection : public QObject
{
    Q_OBJECT
public:
    struct Target
    {
        QString poolKey; // scheme://host:port
        QString host;
        quint16 port = 0;
        bool tls = false;
        // For tls: the client's TLS context (trusted CAs, sessions to resume).
        std::shared_ptr<TlsClientContext> tlsContext;
    };

    struct Exchange
    {
        quint64 callId = 0;
        bool headRequest = false; // a response to HEAD has no body whatever its headers say
        int firstByteTimeoutMs = 0;
        int idleTimeoutMs = 0;
        std::optional<QList<QByteArray>> responseHeaders; // HttpRequest::responseHeaders
        int responses = 1; // pipelined requests written together: their responses, read in order
    };

    HttpConnection(Target target, HttpConnectionListener *listener);
    ~HttpConnection() override;

    const Target &target() const { return m_target; }

    // Connects (and does the TLS handshake for https), then sends the request `wire`: its pieces
    // in order (a head and a body, or the pieces of several pipelined requests).
    void open(int connectTimeoutMs, const Exchange &exchange, const QList<QByteArray> &wire);
    // Sends one request on a connection that isUsable().
    void send(const Exchange &exchange, const QList<QByteArray> &wire);
    // Keeps the connection open without a call; it is dropped after `keepAliveMs` of idleness.
    void park(int keepAliveMs);
    // Stops and resumes reading the response in progress (back-pressure from a slow reader of
    // it). While stopped, the idle timeout does not run: the silence is ours.
    void setReading(bool on);
    // Aborts the socket; the listener hears nothing more from this connection.
    void shutdown();

    // True for an idle pooled connection that can take a request right now.
    bool isUsable() const;
    // Served a response before: a failure before any byte of the current response may just be
    // the server closing an idle keep-alive connection at the same moment we reused it.
    bool isReused() const { return m_served > 0; }
    bool responseStarted() const { return m_gotBytes; }
    // Running code of this object is on the stack: it must be deleted later, not now.
    bool inDispatch() const { return m_dispatchDepth > 0; }

private:
    enum class State { Idle, Connecting, Ready, Busy, Closed };
    enum class Phase { None, Connect, FirstByte, Body, KeepAlive };
    class DispatchScope;
    class ApiScope;

    void onConnected();
    void takeOverStream();
    void onReady();
    void onReadyRead();
    void onSocketError(QAbstractSocket::SocketError error);
    void onDisconnected();
    void onTimeout();

    void writeRequest(const QList<QByteArray> &wire);
    qint64 readSome(char *buffer, qint64 max);
    bool unsentOrUnread() const;
    bool readAvailable();
    bool deliver();
    bool responseEnded(bool moreToRead);
    void finish(bool reusable);
    void peerClosed();
    void fail(HttpClientError error, const QString &message);
    void notifyClosed(quint64 callId, HttpClientError error, const QString &message);
    void closeSocket();
    void startPhase(Phase phase, int timeoutMs);
    void armTimer(qint64 ms);
    void resetResponse(const Exchange &exchange);
    void clearResponse();

    static const http_parser_settings &parserSettings();
    static int onMessageBegin(http_parser *parser);
    static int onHeaderField(http_parser *parser, const char *at, size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onBody(http_parser *parser, const char *at, size_t length);
    static int onMessageComplete(http_parser *parser);
    void takeHeader();
    bool wantsHeader() const;

    Target m_target;
    HttpConnectionListener *m_listener;
    QAbstractSocket *m_socket = nullptr;
    TcpStream *m_stream = nullptr; // a plain connection once it is up; then m_socket is closed
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastReadMs = 0;
    qint64 m_deadlineMs = 0; // when the current phase times out (m_clock time; Body: from the last read)
    qint64 m_timerDueMs = 0; // when m_timer fires, if active
    Phase m_phase = Phase::None;
    State m_state = State::Idle;

    Exchange m_exchange;
    QList<QByteArray> m_pendingWire; // request waiting for the connection to become ready
    int m_served = 0;
    int m_responsesEnded = 0;
    int m_dispatchDepth = 0;
    bool m_inApi = false;
    bool m_detached = false;
    bool m_tcpConnected = false;
    bool m_gotBytes = false;
    bool m_readingPaused = false;

    // Response parsing. Parser callbacks only collect; deliver() hands the results to the
    // listener after http_parser_execute() returned, so handlers never re-enter the parser.
    http_parser m_parser;
    HttpHeaders m_headers;
    QByteArray m_field;
    QByteArray m_value;
    QByteArray m_body;
    int m_status = 0;
    bool m_inValue = false;
    bool m_informational = false; // a 1xx interim response is being skipped
    bool m_headDone = false;
    bool m_headReady = false;
    bool m_messageDone = false;
    bool m_keepAlive = false;
};

} // namespace dynaseal

#include "server/net/HttpConnection.h"

#include "server/net/TcpStream.h"
#include "server/net/TlsClientContext.h"

#include <QTcpSocket>

#include <algorithm>
#include <limits>
#include <utility>

namespace dynaseal {

namespace {

bool isTlsError(QAbstractSocket::SocketError error)
{
    return error == QAbstractSocket::SslHandshakeFailedError
        || error == QAbstractSocket::SslInternalError
        || error == QAbstractSocket::SslInvalidUserDataError;
}

} // namespace

// Marks an event-loop entry point: while one is on the stack the pool deletes this object later
// instead of at once, because the code below the handler still runs on it.
class HttpConnection::DispatchScope
{
public:
    explicit DispatchScope(HttpConnection *connection) : m_connection(connection)
    {
        ++m_connection->m_dispatchDepth;
    }
    ~DispatchScope() { --m_connection->m_dispatchDepth; }
    Q_DISABLE_COPY_MOVE(DispatchScope)

private:
    HttpConnection *m_connection;
};

// Marks a call made by the pool: a failure found during it is reported from the event loop, so
// the pool is never re-entered from its own calls.
class HttpConnection::ApiScope
{
public:
    explicit ApiScope(HttpConnection *connection)
        : m_connection(connection), m_previous(connection->m_inApi)
    {
        m_connection->m_inApi = true;
    }
    ~ApiScope() { m_connection->m_inApi = m_previous; }
    Q_DISABLE_COPY_MOVE(ApiScope)

private:
    HttpConnection *m_connection;
    bool m_previous;
};

HttpConnection::HttpConnection(Target target, HttpConnectionListener *listener)
    : m_target(std::move(target)), m_listener(listener)
{
    m_socket = new QTcpSocket(this);
    connect(m_socket, &QAbstractSocket::connected, this, &HttpConnection::onConnected);
    connect(m_socket, &QIODevice::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &HttpConnection::onSocketError);
    connect(m_socket, &QAbstractSocket::disconnected, this, &HttpConnection::onDisconnected);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    m_clock.start();
    resetResponse({});
}

HttpConnection::~HttpConnection()
{
    closeSocket();
}

void HttpConnection::open(int connectTimeoutMs, const Exchange &exchange, const QList<QByteArray> &wire)
{
    ApiScope api(this);
    resetResponse(exchange);
    m_pendingWire = wire;
    m_state = State::Connecting;
    startPhase(Phase::Connect, connectTimeoutMs);
    m_socket->connectToHost(m_target.host, m_target.port);
}

void HttpConnection::send(const Exchange &exchange, const QList<QByteArray> &wire)
{
    ApiScope api(this);
    resetResponse(exchange);
    if (m_state != State::Ready) {
        // The pool only hands out usable connections; fail the call rather than hang it.
        m_state = State::Busy;
        fail(HttpClientError::ConnectionClosed, QStringLiteral("connection closed"));
        return;
    }
    m_state = State::Busy;
    writeRequest(wire);
}

void HttpConnection::park(int keepAliveMs)
{
    m_exchange = {};
    m_state = State::Ready;
    // An idle connection holds no response memory.
    m_headers = HttpHeaders();
    m_field = QByteArray();
    m_value = QByteArray();
    m_body = QByteArray();
    startPhase(Phase::KeepAlive, keepAliveMs);
}

void HttpConnection::shutdown()
{
    m_detached = true;
    closeSocket();
    startPhase(Phase::None, 0);
    m_state = State::Closed;
    m_pendingWire = {};
}

bool HttpConnection::isUsable() const
{
    if (m_state != State::Ready || m_detached)
        return false;
    if (m_stream)
        return m_stream->isOpen(); // bytes arriving while idle fail the connection at once
    return m_socket->state() == QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0;
}

void HttpConnection::onConnected()
{
    DispatchScope scope(this);
    m_tcpConnected = true;
    // Requests go out in one write and then we wait: Nagle's algorithm would only add delay.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // Not from inside the socket's own signal: taking over closes that socket.
    QMetaObject::invokeMethod(this, &HttpConnection::takeOverStream, Qt::QueuedConnection);
}

void HttpConnection::takeOverStream()
{
    DispatchScope scope(this);
    if (m_state != State::Connecting)
        return; // failed or shut down meanwhile
    if (TcpStream *stream = TcpStream::takeOver(m_socket, this)) {
        m_socket->disconnect(this);
        m_stream = stream;
        connect(m_stream, &TcpStream::readyRead, this, &HttpConnection::onReadyRead);
        connect(m_stream, &TcpStream::closed, this, &HttpConnection::onDisconnected);
        if (m_target.tls) {
            connect(m_stream, &TcpStream::encrypted, this, &HttpConnection::onReady);
            connect(m_stream, &TcpStream::tlsFailed, this, [this](const QString &reason) {
                DispatchScope scope(this);
                if (m_state == State::Connecting)
                    fail(HttpClientError::TlsFailed, QStringLiteral("TLS handshake failed: ") + reason);
            });
            m_stream->startClientTls(m_target.tlsContext ? m_target.tlsContext->newConnection(m_target.host, m_target.port) : nullptr);
            return;
        }
    } else if (m_target.tls) {
        fail(HttpClientError::TlsFailed, QStringLiteral("TLS handshake failed: the connection could not be taken over"));
        return;
    }
    onReady(); // without a stream, Qt's socket carries the connection
}

void HttpConnection::onReady()
{
    DispatchScope scope(this);
    if (m_state != State::Connecting)
        return;
    if (m_exchange.callId == 0) {
        m_state = State::Ready;
        startPhase(Phase::None, 0);
        return;
    }
    m_state = State::Busy;
    writeRequest(std::exchange(m_pendingWire, QList<QByteArray>()));
}

void HttpConnection::writeRequest(const QList<QByteArray> &wire)
{
    startPhase(Phase::FirstByte, m_exchange.firstByteTimeoutMs);
    if (m_stream) {
        m_stream->write(wire);
        return;
    }
    for (const QByteArray &piece : wire)
        m_socket->write(piece);
    // Hand it to the kernel now rather than on the next event-loop pass.
    m_socket->flush();
}

qint64 HttpConnection::readSome(char *buffer, qint64 max)
{
    return m_stream ? m_stream->read(buffer, max) : m_socket->read(buffer, max);
}

bool HttpConnection::unsentOrUnread() const
{
    if (m_stream)
        return m_stream->bytesToWrite() > 0;
    return m_socket->bytesAvailable() > 0 || m_socket->bytesToWrite() > 0;
}

void HttpConnection::setReading(bool on)
{
    ApiScope api(this);
    if (on == !m_readingPaused || (!on && m_state != State::Busy))
        return;
    m_readingPaused = !on;
    if (m_stream) {
        m_stream->setReading(on);
    } else if (on && m_socket->bytesAvailable() > 0) {
        // Qt signals readyRead only for new bytes: what it buffered meanwhile is read from here.
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (m_state == State::Busy && !m_readingPaused)
                    onReadyRead();
            },
            Qt::QueuedConnection);
    }
    if (on)
        m_lastReadMs = m_clock.elapsed(); // the pause was not the peer's silence
}

void HttpConnection::onReadyRead()
{
    DispatchScope scope(this);
    if (m_readingPaused)
        return; // Qt's socket (a connection not taken over) may still signal
    if (m_state == State::Ready) {
        // Over TLS the bytes may be the protocol's own (a TLS 1.3 session ticket, a key update),
        // which the read takes in without a byte for us: the connection is still in step.
        if (m_stream && m_stream->isEncrypted() && m_stream->read(TcpStream::threadReadBuffer(), TcpStream::kReadBufferBytes) == 0)
            return;
        // Readable while idle: the peer closed it, or sent bytes nobody asked for (often a 408
        // before it closes). Either way the connection is out of step: drop it.
        fail(HttpClientError::ConnectionClosed, QStringLiteral("the peer closed the idle connection or sent data on it unasked"));
        return;
    }
    if (m_state == State::Busy)
        readAvailable();
}

// Feeds everything buffered to the parser. Returns true while the response is still incomplete
// and this connection still carries the call.
bool HttpConnection::readAvailable()
{
    // The parser copies out what it keeps before any handler runs.
    char *const buffer = TcpStream::threadReadBuffer();
    while (m_state == State::Busy && !m_readingPaused) {
        const qint64 n = readSome(buffer, TcpStream::kReadBufferBytes);
        if (n <= 0)
            return true;
        m_lastReadMs = m_clock.elapsed();
        size_t offset = 0;
        for (;;) {
            m_gotBytes = true;
            const size_t parsed = http_parser_execute(&m_parser, &parserSettings(), buffer + offset, size_t(n) - offset);
            offset += parsed;
            const auto parseError = HTTP_PARSER_ERRNO(&m_parser);
            if (!deliver())
                return false;
            if (m_messageDone) {
                if (m_responsesEnded + 1 < m_exchange.responses) {
                    // A pipelined exchange: the next response may already be in this read.
                    if (!responseEnded(offset < size_t(n)))
                        return false;
                    if (offset < size_t(n))
                        continue;
                    break;
                }
                // Bytes after the response, or request bytes still unsent, leave the stream out of
                // step: such a connection is not reused.
                const bool clean = offset == size_t(n) && !unsentOrUnread();
                finish(m_keepAlive && clean && !m_parser.upgrade);
                return false;
            }
            if (parseError != HPE_OK) {
                fail(HttpClientError::ProtocolError, QStringLiteral("invalid HTTP response"));
                return false;
            }
            break;
        }
        if (m_stream && n < TcpStream::kReadBufferBytes)
            return true; // the kernel had no more: asking again would only return EAGAIN
    }
    return false;
}

// Hands the collected head and body bytes to the listener. Returns false if the handler
// cancelled the call (or destroyed the client), so nothing more may be done for it.
bool HttpConnection::deliver()
{
    const quint64 callId = m_exchange.callId;
    if (m_headReady) {
        m_headReady = false;
        m_listener->connectionHead(this, callId, m_status, m_headers);
        if (m_detached)
            return false;
        m_headers.clear();
    }
    if (!m_body.isEmpty()) {
        m_listener->connectionData(this, callId, m_body);
        if (m_detached)
            return false;
        m_body.resize(0); // keeps the capacity for the next read
    }
    return true;
}

// Ends one response of a pipelined exchange that has more to come. Returns false when this
// connection no longer carries the exchange: the handler cancelled it, or the peer said it closes
// after this response (the rest then fail as unanswered, and the client may send them again).
bool HttpConnection::responseEnded(bool moreToRead)
{
    const quint64 callId = m_exchange.callId;
    const bool keepAlive = m_keepAlive && !m_parser.upgrade;
    ++m_responsesEnded;
    m_listener->connectionResponseEnd(this, callId);
    if (m_detached)
        return false;
    clearResponse();
    if (!keepAlive) {
        fail(HttpClientError::ConnectionClosed, QStringLiteral("the peer closed the connection before the next response"));
        return false;
    }
    if (!moreToRead)
        startPhase(Phase::FirstByte, m_exchange.firstByteTimeoutMs);
    return true;
}

void HttpConnection::finish(bool reusable)
{
    const quint64 callId = m_exchange.callId;
    startPhase(Phase::None, 0);
    ++m_served;
    m_exchange = {};
    m_state = State::Ready;
    m_listener->connectionComplete(this, callId, reusable);
}

void HttpConnection::peerClosed()
{
    switch (m_state) {
    case State::Busy:
        // Take what is still buffered first; the response may be complete in it. Paused or not:
        // it is bounded, and nothing more comes.
        m_readingPaused = false;
        if (!readAvailable())
            return;
        // A response without Content-Length or chunking ends with the connection.
        http_parser_execute(&m_parser, &parserSettings(), nullptr, 0);
        if (!deliver())
            return;
        if (m_messageDone && m_responsesEnded + 1 < m_exchange.responses) {
            m_keepAlive = false; // the rest of a pipelined exchange fail as unanswered
            responseEnded(false);
            return;
        }
        if (m_messageDone) {
            finish(false);
            return;
        }
        fail(HttpClientError::ConnectionClosed,
             m_gotBytes ? QStringLiteral("connection closed during the response")
                        : QStringLiteral("connection closed before the response"));
        return;
    case State::Connecting:
        if (m_target.tls && m_tcpConnected)
            fail(HttpClientError::TlsFailed, QStringLiteral("TLS handshake failed"));
        else
            fail(HttpClientError::ConnectFailed, QStringLiteral("connection closed while connecting"));
        return;
    case State::Ready:
        fail(HttpClientError::ConnectionClosed, QStringLiteral("idle connection closed"));
        return;
    case State::Idle:
    case State::Closed:
        return;
    }
}

void HttpConnection::onSocketError(QAbstractSocket::SocketError error)
{
    DispatchScope scope(this);
    // Qt reports a reset (ECONNRESET) as RemoteHostClosedError too.
    if (error == QAbstractSocket::RemoteHostClosedError) {
        peerClosed();
        return;
    }
    switch (m_state) {
    case State::Connecting:
        if (isTlsError(error) || (m_target.tls && m_tcpConnected))
            fail(HttpClientError::TlsFailed, QStringLiteral("TLS handshake failed"));
        else if (error == QAbstractSocket::HostNotFoundError)
            fail(HttpClientError::ConnectFailed, QStringLiteral("host not found"));
        else if (error == QAbstractSocket::ConnectionRefusedError)
            fail(HttpClientError::ConnectFailed, QStringLiteral("connection refused"));
        else
            fail(HttpClientError::ConnectFailed, QStringLiteral("connect failed"));
        return;
    case State::Busy:
        if (isTlsError(error))
            fail(HttpClientError::TlsFailed, QStringLiteral("TLS error"));
        else
            fail(HttpClientError::ConnectionClosed, QStringLiteral("network error"));
        return;
    case State::Ready:
        fail(HttpClientError::ConnectionClosed, QStringLiteral("idle connection failed"));
        return;
    case State::Idle:
    case State::Closed:
        return;
    }
}

void HttpConnection::onDisconnected()
{
    DispatchScope scope(this);
    peerClosed();
}

void HttpConnection::onTimeout()
{
    DispatchScope scope(this);
    if (m_phase == Phase::None)
        return; // armed for a phase that has ended
    const qint64 now = m_clock.elapsed();
    if (m_phase == Phase::Body && m_readingPaused)
        m_lastReadMs = now; // not reading is not the peer's silence
    const qint64 deadline = m_phase == Phase::Body ? m_lastReadMs + m_exchange.idleTimeoutMs : m_deadlineMs;
    if (now < deadline) {
        // Armed for an earlier phase (or before the last read): wait for what is left.
        armTimer(deadline - now);
        return;
    }
    switch (m_phase) {
    case Phase::Connect:
        fail(HttpClientError::Timeout, QStringLiteral("connect timed out"));
        return;
    case Phase::FirstByte:
        fail(HttpClientError::Timeout, QStringLiteral("no response in time"));
        return;
    case Phase::Body:
        fail(HttpClientError::Timeout, QStringLiteral("response stalled"));
        return;
    case Phase::KeepAlive:
        fail(HttpClientError::ConnectionClosed, QStringLiteral("keep-alive expired"));
        return;
    case Phase::None:
        return;
    }
}

void HttpConnection::fail(HttpClientError error, const QString &message)
{
    if (m_state == State::Closed)
        return;
    const quint64 callId = m_exchange.callId;
    closeSocket();
    startPhase(Phase::None, 0);
    m_state = State::Closed;
    m_pendingWire = {};
    if (m_inApi) {
        QMetaObject::invokeMethod(
            this,
            [this, callId, error, message] {
                DispatchScope scope(this);
                notifyClosed(callId, error, message);
            },
            Qt::QueuedConnection);
        return;
    }
    notifyClosed(callId, error, message);
}

void HttpConnection::notifyClosed(quint64 callId, HttpClientError error, const QString &message)
{
    if (m_detached)
        return;
    if (callId != 0)
        m_listener->connectionFailed(this, callId, error, message);
    else
        m_listener->connectionDropped(this);
}

void HttpConnection::closeSocket()
{
    // Signals first: abort() would otherwise report the close we asked for.
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
    }
    m_socket->disconnect(this);
    m_socket->abort();
}

void HttpConnection::startPhase(Phase phase, int timeoutMs)
{
    // Restarting a QTimer unregisters and registers it with the event loop, four times per call
    // on a kept-alive connection. Instead a phase only sets its deadline; the timer is re-armed
    // when it is due later than that (or not armed), and when it fires early onTimeout() waits
    // for what is left. Reads in the body phase likewise only note the time.
    if (timeoutMs <= 0)
        phase = Phase::None;
    m_phase = phase;
    if (phase == Phase::None)
        return; // a timer still armed fires into Phase::None and does nothing
    const qint64 now = m_clock.elapsed();
    m_deadlineMs = now + timeoutMs;
    if (phase == Phase::Body)
        m_lastReadMs = now;
    if (!m_timer.isActive() || m_timerDueMs > m_deadlineMs)
        armTimer(timeoutMs);
}

void HttpConnection::armTimer(qint64 ms)
{
    m_timer.start(int(std::min<qint64>(ms, std::numeric_limits<int>::max())));
    m_timerDueMs = m_clock.elapsed() + ms;
}

void HttpConnection::resetResponse(const Exchange &exchange)
{
    m_exchange = exchange;
    m_responsesEnded = 0;
    if (m_readingPaused) {
        m_readingPaused = false;
        if (m_stream)
            m_stream->setReading(true);
    }
    clearResponse();
}

void HttpConnection::clearResponse()
{
    http_parser_init(&m_parser, HTTP_RESPONSE);
    m_parser.data = this;
    m_headers.clear();
    m_field.resize(0);
    m_value.resize(0);
    m_body.resize(0);
    m_status = 0;
    m_gotBytes = false;
    m_inValue = false;
    m_informational = false;
    m_headDone = false;
    m_headReady = false;
    m_messageDone = false;
    m_keepAlive = false;
}

const http_parser_settings &HttpConnection::parserSettings()
{
    static const http_parser_settings settings = [] {
        http_parser_settings s{};
        s.on_message_begin = &HttpConnection::onMessageBegin;
        s.on_header_field = &HttpConnection::onHeaderField;
        s.on_header_value = &HttpConnection::onHeaderValue;
        s.on_headers_complete = &HttpConnection::onHeadersComplete;
        s.on_body = &HttpConnection::onBody;
        s.on_message_complete = &HttpConnection::onMessageComplete;
        return s;
    }();
    return settings;
}

int HttpConnection::onMessageBegin(http_parser *parser)
{
    auto *self = static_cast<HttpConnection *>(parser->data);
    // Also the start of the real response after a 1xx interim one.
    self->m_headers.clear();
    self->m_field.resize(0);
    self->m_value.resize(0);
    self->m_inValue = false;
    self->m_informational = false;
    return 0;
}

int HttpConnection::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    auto *self = static_cast<HttpConnection *>(parser->data);
    if (self->m_headDone)
        return 0; // trailers of a chunked body: not passed on
    if (self->m_inValue)
        self->takeHeader();
    self->m_field.append(at, qsizetype(length));
    return 0;
}

int HttpConnection::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    auto *self = static_cast<HttpConnection *>(parser->data);
    if (self->m_headDone)
        return 0;
    self->m_value.append(at, qsizetype(length));
    self->m_inValue = true;
    return 0;
}

void HttpConnection::takeHeader()
{
    // Copies out of the collecting buffers, which keep their memory for the next header.
    if (wantsHeader())
        m_headers.append({lowerCasedHeaderName(m_field), m_value.trimmed()});
    m_field.resize(0);
    m_value.resize(0);
    m_inValue = false;
}

bool HttpConnection::wantsHeader() const
{
    if (!m_exchange.responseHeaders)
        return true;
    return std::any_of(m_exchange.responseHeaders->cbegin(), m_exchange.responseHeaders->cend(),
                       [this](const QByteArray &name) { return sameHeaderName(m_field, name); });
}

int HttpConnection::onHeadersComplete(http_parser *parser)
{
    auto *self = static_cast<HttpConnection *>(parser->data);
    if (self->m_inValue || !self->m_field.isEmpty())
        self->takeHeader();
    const int status = int(parser->status_code);
    if (status / 100 == 1 && status != 101) {
        // 100 Continue, 103 Early Hints...: the real response follows on the same stream.
        self->m_informational = true;
        self->m_headers.clear();
        return 0;
    }
    self->m_status = status;
    self->m_headDone = true;
    self->m_headReady = true;
    self->m_keepAlive = http_should_keep_alive(parser) != 0;
    self->startPhase(Phase::Body, self->m_exchange.idleTimeoutMs);
    // 1 tells the parser there is no body, whatever Content-Length says (response to HEAD).
    return self->m_exchange.headRequest ? 1 : 0;
}

int HttpConnection::onBody(http_parser *parser, const char *at, size_t length)
{
    auto *self = static_cast<HttpConnection *>(parser->data);
    self->m_body.append(at, qsizetype(length));
    return 0;
}

int HttpConnection::onMessageComplete(http_parser *parser)
{
    auto *self = static_cast<HttpConnection *>(parser->data);
    if (self->m_informational) {
        self->m_informational = false;
        return 0;
    }
    self->m_messageDone = true;
    // One response per request: whatever follows is not ours to parse.
    http_parser_pause(parser, 1);
    return 0;
}

} // namespace dynaseal

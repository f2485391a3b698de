#include "server/http/HttpServerConnection.h"

#include "server/core/ApiError.h"
#include "server/http/HttpReply.h"
#include "server/http/Router.h"
#include "server/net/HttpConnection.h"

#include <QUrl>
#include <chrono>

namespace dynaseal {
namespace {

HttpServerConnection *self(http_parser *parser)
{
    return static_cast<HttpServerConnection *>(parser->data);
}

} // namespace

HttpServerConnection::HttpServerConnection(TcpStream *stream, const Router &router, ConnectionLimits limits)
    : QObject(stream), m_stream(stream), m_router(router), m_limits(limits), m_lastActivityMs(monotonicMs())
{
    http_parser_init(&m_parser, HTTP_REQUEST);
    m_parser.data = this;
    connect(stream, &TcpStream::readyRead, this, &HttpServerConnection::onReadyRead);
    connect(stream, &TcpStream::closed, stream, &QObject::deleteLater);
}

const http_parser_settings &HttpServerConnection::parserSettings()
{
    static const http_parser_settings settings = [] {
        http_parser_settings s{};
        s.on_message_begin = &HttpServerConnection::onMessageBegin;
        s.on_url = &HttpServerConnection::onUrl;
        s.on_header_field = &HttpServerConnection::onHeaderField;
        s.on_header_value = &HttpServerConnection::onHeaderValue;
        s.on_headers_complete = &HttpServerConnection::onHeadersComplete;
        s.on_body = &HttpServerConnection::onBody;
        s.on_message_complete = &HttpServerConnection::onMessageComplete;
        return s;
    }();
    return settings;
}

bool HttpServerConnection::isPlainPath(const QByteArray &target)
{
    // "/" then letters, digits, "-", "_" and slashes: no query, no escapes, no dot segments, no
    // "//" that QUrl would read as an authority.
    if (target.isEmpty() || target.front() != '/' || target.startsWith("//"))
        return false;
    for (const char ch : target) {
        const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
            || ch == '/' || ch == '-' || ch == '_';
        if (!plain)
            return false;
    }
    return true;
}

qint64 HttpServerConnection::monotonicMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void HttpServerConnection::onReadyRead()
{
    m_lastActivityMs = monotonicMs();
    if (m_closing) {
        m_stream->discardInput(); // refused or closing: nothing more is read
        return;
    }
    if (m_responsePending && m_buffer.size() >= kSocketBufferBytes) {
        // Read again once the response in progress is complete.
        m_readPaused = true;
        m_stream->setReading(false);
        return;
    }
    char *const chunk = TcpStream::threadReadBuffer();
    qint64 n;
    do {
        n = m_stream->read(chunk, TcpStream::kReadBufferBytes);
        if (n <= 0)
            break;
        if (m_buffer.isEmpty() && !m_responsePending && !m_ready && !m_parsing) {
            // The usual case: parsed straight from the thread's read buffer, without a copy in
            // m_buffer. What follows a whole request is kept before its handler runs, since
            // the read buffer is the thread's and a handler may read another socket into it.
            const qint64 taken = execute(chunk, n);
            if (taken < 0)
                return; // refused: the connection is closing
            if (taken < n)
                m_buffer.append(chunk + taken, qsizetype(n - taken));
            parseBuffered();
        } else {
            m_buffer.append(chunk, qsizetype(n));
        }
    } while (n == TcpStream::kReadBufferBytes && m_buffer.size() < kSocketBufferBytes && !m_closing);
    parseBuffered();
}

qint64 HttpServerConnection::execute(const char *data, qint64 size)
{
    const size_t parsed = http_parser_execute(&m_parser, &parserSettings(), data, size_t(size));
    const auto error = HTTP_PARSER_ERRNO(&m_parser);
    if (error == HPE_PAUSED) {
        // A whole request: on_message_complete paused the parser right after it.
        http_parser_pause(&m_parser, 0);
        return qint64(parsed);
    }
    if (error != HPE_OK) {
        if (m_rejectStatus)
            reject(m_rejectStatus, m_rejectCode, m_rejectMessage);
        else if (error == HPE_HEADER_OVERFLOW) // http_parser's own cap on a head (80 KiB)
            reject(431, "headers_too_large", QStringLiteral("request headers are too large"));
        else
            reject(400, "invalid_request", QStringLiteral("malformed HTTP request: %1").arg(QLatin1String(http_errno_description(error))));
        return -1;
    }
    if (m_parser.upgrade) {
        reject(400, "invalid_request", QStringLiteral("protocol upgrades are not supported"));
        return -1;
    }
    return size; // all of it went into the request being parsed
}

void HttpServerConnection::parseBuffered()
{
    if (m_parsing)
        return; // a handler answered synchronously: the loop below continues
    m_parsing = true;
    for (;;) {
        if (m_ready) {
            m_responsePending = true;
            HttpExchangePtr ready = std::move(m_ready);
            m_ready.reset();
            m_router.dispatch(ready);
        }
        if (m_buffer.isEmpty() || m_responsePending || m_closing)
            break;
        const qint64 taken = execute(m_buffer.constData(), m_buffer.size());
        if (taken < 0)
            break;
        if (taken == m_buffer.size())
            m_buffer.clear(); // freed: most requests never need it
        else
            m_buffer.remove(0, qsizetype(taken));
    }
    m_parsing = false;
}

void HttpServerConnection::responseFinished(bool close)
{
    m_responsePending = false;
    m_lastActivityMs = monotonicMs();
    if (close) {
        m_closing = true;
        m_stream->closeAfterWrites();
        return;
    }
    parseBuffered(); // a pipelined request may be waiting
    if (m_readPaused && !m_responsePending && !m_closing) {
        m_readPaused = false;
        m_stream->setReading(true); // what was left unread while the response ran
    }
}

void HttpServerConnection::closeIfInactive(qint64 nowMs)
{
    // Also while closing: a response that ends the connection still waits for its client.
    if (m_stream->bytesToWrite() > 0) {
        if (m_stalledSinceMs < 0 || m_stream->bytesSent() != m_sentAtStall) {
            m_stalledSinceMs = nowMs;
            m_sentAtStall = m_stream->bytesSent();
        } else if (nowMs - m_stalledSinceMs >= m_limits.idleTimeoutMs) {
            m_stream->close(); // what waits for it is dropped: the client is not reading
        }
        return;
    }
    m_stalledSinceMs = -1;
    if (m_stream->isOpen() && !m_responsePending && nowMs - m_lastActivityMs >= m_limits.idleTimeoutMs)
        m_stream->closeAfterWrites();
}

bool HttpServerConnection::countHead(size_t length)
{
    m_headBytes += qint64(length);
    if (m_headBytes <= m_limits.maxHeadBytes)
        return true;
    m_rejectStatus = 431;
    m_rejectCode = "headers_too_large";
    m_rejectMessage = QStringLiteral("request headers are larger than %1 bytes").arg(m_limits.maxHeadBytes);
    return false;
}

void HttpServerConnection::finishHeader()
{
    if (!m_field.isEmpty() || m_inValue)
        m_request->headers.append({lowerCasedHeaderName(m_field), m_value.trimmed()});
    // Emptied, not freed: the next header is collected in the same memory.
    m_field.resize(0);
    m_value.resize(0);
    m_inValue = false;
}

int HttpServerConnection::onMessageBegin(http_parser *parser)
{
    HttpServerConnection *c = self(parser);
    c->m_request = std::make_shared<HttpExchange>();
    c->m_request->headers.reserve(kUsualHeaders);
    c->m_url.resize(0);
    c->m_field.resize(0);
    c->m_value.resize(0);
    c->m_inValue = false;
    c->m_headBytes = 0;
    return 0;
}

int HttpServerConnection::onUrl(http_parser *parser, const char *at, size_t length)
{
    HttpServerConnection *c = self(parser);
    c->m_url.append(at, qsizetype(length));
    return c->countHead(length) ? 0 : -1;
}

int HttpServerConnection::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    HttpServerConnection *c = self(parser);
    if (c->m_inValue)
        c->finishHeader();
    c->m_field.append(at, qsizetype(length));
    return c->countHead(length + 4) ? 0 : -1; // + ": " and CRLF
}

int HttpServerConnection::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    HttpServerConnection *c = self(parser);
    c->m_inValue = true;
    c->m_value.append(at, qsizetype(length));
    return c->countHead(length) ? 0 : -1;
}

int HttpServerConnection::onHeadersComplete(http_parser *parser)
{
    HttpServerConnection *c = self(parser);
    c->finishHeader();
    HttpExchange &ex = *c->m_request;
    if (parser->flags & F_CHUNKED) {
        c->m_rejectStatus = 411;
        c->m_rejectCode = "length_required";
        c->m_rejectMessage = QStringLiteral("chunked request bodies are not accepted: send Content-Length");
        return -1;
    }
    const bool hasLength = parser->content_length != ULLONG_MAX;
    if (hasLength && parser->content_length > quint64(c->m_limits.maxBodyBytes)) {
        c->m_rejectStatus = 413;
        c->m_rejectCode = "payload_too_large";
        c->m_rejectMessage = QStringLiteral("request body of %1 bytes is larger than the limit of %2 bytes")
                                 .arg(parser->content_length).arg(c->m_limits.maxBodyBytes);
        return -1;
    }
    ex.method = http_method_str(http_method(parser->method));
    if (isPlainPath(c->m_url)) {
        ex.path = QString::fromLatin1(c->m_url); // what QUrl would give, for a fraction of its cost
    } else {
        const QUrl url = QUrl::fromEncoded(c->m_url);
        ex.path = url.path();
        if (url.hasQuery())
            ex.query = QUrlQuery(url);
    }
    ex.remoteAddress = c->m_stream->peerAddress();
    ex.stream = c->m_stream;
    ex.connection = c;
    ex.closeAfterResponse = !http_should_keep_alive(parser);
    if (hasLength && parser->content_length > 0) {
        ex.body.reserve(qsizetype(parser->content_length));
        // A client that asked to wait for approval before sending its body gets it now.
        if (ex.header("expect").compare("100-continue", Qt::CaseInsensitive) == 0)
            c->m_stream->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    return 0;
}

int HttpServerConnection::onBody(http_parser *parser, const char *at, size_t length)
{
    self(parser)->m_request->body.append(at, qsizetype(length));
    return 0;
}

int HttpServerConnection::onMessageComplete(http_parser *parser)
{
    HttpServerConnection *c = self(parser);
    c->m_ready = std::move(c->m_request);
    c->m_request.reset();
    http_parser_pause(parser, 1); // the next pipelined request waits for this one's response
    return 0;
}

void HttpServerConnection::reject(int status, const char *code, const QString &message)
{
    m_closing = true;
    m_buffer.clear();
    m_stream->discardInput();
    ApiError error = ApiError::badRequest(message, QLatin1String(code));
    error.status = status;
    const QByteArray body = error.toJson();
    m_stream->write(QByteArray("HTTP/1.1 " + QByteArray::number(status) + ' ' + HttpReply::reason(status)
                               + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                               + QByteArray::number(body.size()) + "\r\n\r\n" + body));
    m_stream->closeAfterWrites();
}

} // namespace dynaseal

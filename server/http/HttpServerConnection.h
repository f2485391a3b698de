#pragma once
// One client connection: parses HTTP/1.1 requests with http_parser from whole socket reads,
// enforces the transport limits before a body is buffered (413 by Content-Length, 431 for a
// head over the limit, 411 for chunked uploads, 400 for malformed requests) and hands each
// complete request to the router. Requests are answered in order: a pipelined request is parsed
// only once the response before it is complete.
//
// Why not QtHttpServer: 6.4 reads requests one byte per QIODevice::read call (~590 virtual calls
// per proxied request, 10 % of the gateway's instructions), has none of the limits above and
// keeps raw socket pointers in its responder. This class is the small replacement.
#include "server/http/HttpExchange.h"
#include "server/net/TcpStream.h"

#include <QObject>
#include <http_parser.h>

namespace dynaseal {

class Router;

struct ConnectionLimits
{
    qint64 maxBodyBytes = 8 * 1024 * 1024;
    qint64 maxHeadBytes = 64 * 1024;
    int idleTimeoutMs = 75'000;
};

class HttpServerConnection : public QObject
{
    Q_OBJECT
public:
    // Becomes a child of `stream`: deleted with it, once the connection is gone.
    HttpServerConnection(TcpStream *stream, const Router &router, ConnectionLimits limits);

    // The response to the request handed out last is complete; `close` ends the connection.
    void responseFinished(bool close);
    // Called by the frontend's sweep. Closes the connection when it sat idle past the limit with
    // no response pending, or when the client took none of its response for as long (a device
    // that stopped reading would otherwise hold the connection, and what is queued for it, for
    // good).
    void closeIfInactive(qint64 nowMs);
    // The clock the idle limit is measured on (steady, milliseconds).
    static qint64 monotonicMs();
    // A request target whose path QUrl would return unchanged (the usual API path).
    static bool isPlainPath(const QByteArray &target);

private:
    static const http_parser_settings &parserSettings();
    static int onMessageBegin(http_parser *parser);
    static int onUrl(http_parser *parser, const char *at, size_t length);
    static int onHeaderField(http_parser *parser, const char *at, size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onBody(http_parser *parser, const char *at, size_t length);
    static int onMessageComplete(http_parser *parser);

    void onReadyRead();
    // Runs the parser over `data`: returns how much of it was taken (a whole request leaves it in
    // m_ready), or -1 when the request was refused and the connection is closing.
    qint64 execute(const char *data, qint64 size);
    void parseBuffered();
    bool countHead(size_t length);
    void finishHeader();
    void reject(int status, const char *code, const QString &message);

    // Past this much received and unparsed while a response runs, reading pauses: a client
    // pipelining requests behind a long stream is held back by TCP, not by our memory.
    static constexpr qint64 kSocketBufferBytes = 256 * 1024;
    static constexpr int kUsualHeaders = 8; // room reserved for a request's headers

    TcpStream *m_stream;
    const Router &m_router;
    ConnectionLimits m_limits;
    http_parser m_parser;
    QByteArray m_buffer;        // received, not yet parsed: only while a response is pending, or
                                // after a request that arrived with more behind it
    HttpExchangePtr m_request;  // being parsed
    HttpExchangePtr m_ready;    // parsed, to dispatch once the parser returns
    QByteArray m_url;
    QByteArray m_field;
    QByteArray m_value;
    bool m_inValue = false;
    qint64 m_headBytes = 0;
    int m_rejectStatus = 0;
    const char *m_rejectCode = nullptr;
    QString m_rejectMessage;
    bool m_responsePending = false;
    bool m_parsing = false;
    bool m_closing = false;
    bool m_readPaused = false;
    qint64 m_stalledSinceMs = -1; // output waiting and none of it taken since (sweep time)
    quint64 m_sentAtStall = 0;
    qint64 m_lastActivityMs = 0;
};

} // namespace dynaseal

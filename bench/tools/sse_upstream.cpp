// sse_upstream: a fake OpenAI-compatible upstream for streaming load.
//
// POST .../chat/completions with "stream": true answers Server-Sent Events: K chunks spread
// evenly over T seconds, each a chat.completion.chunk carrying its sequence number (top-level
// "seq", 1..K, and in the delta content), then a finish chunk, a usage chunk when
// stream_options.include_usage is set, and "data: [DONE]". Without "stream" it answers one
// chat.completion at once. HTTP/1.1 keep-alive, chunked framing; one thread, one timer for all
// streams, so thousands of concurrent streams cost little.
//
//   sse_upstream [--host 127.0.0.1] [--port 19105] [--chunks 50] [--seconds 5] [--prompt-tokens 9]
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTextStream>
#include <QTimer>

#include <cstdio>

namespace {

struct Config
{
    int chunks = 50;
    int periodMs = 5000;
    int promptTokens = 9;
};

// One client connection: parses requests one at a time (pipelined ones wait their turn).
struct Connection
{
    QPointer<QTcpSocket> socket;
    QByteArray in;
    bool streaming = false;
    bool closeAfter = false;
    bool includeUsage = false;
    QByteArray model;
    int sent = 0;
    qint64 nextDueMs = 0;
    qint64 intervalMs = 0;
};

class SseUpstream
{
public:
    explicit SseUpstream(Config config) : m_config(config)
    {
        m_clock.start();
        // One ticker for every stream: per-stream QTimers would cost an O(n) timer-list insert each.
        m_ticker.setTimerType(Qt::PreciseTimer);
        m_ticker.setInterval(5);
        QObject::connect(&m_ticker, &QTimer::timeout, [this] { tick(); });
        QObject::connect(&m_server, &QTcpServer::newConnection, [this] { accept(); });
    }

    bool listen(const QHostAddress &host, quint16 port)
    {
        m_server.setListenBacklogSize(4096);
        m_server.setMaxPendingConnections(4096);
        return m_server.listen(host, port);
    }
    QString errorString() const { return m_server.errorString(); }
    quint16 port() const { return m_server.serverPort(); }

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            auto *c = new Connection;
            c->socket = socket;
            m_connections.insert(socket, c);
            QObject::connect(socket, &QTcpSocket::readyRead, [this, socket] { onReadable(socket); });
            QObject::connect(socket, &QTcpSocket::disconnected, [this, socket] {
                Connection *gone = m_connections.take(socket);
                if (gone && gone->streaming)
                    --m_activeStreams; // the client left mid-stream
                // Deleted later: a caller up the stack may still hold it.
                QTimer::singleShot(0, [gone] { delete gone; });
                socket->deleteLater();
            });
        }
    }

    void onReadable(QTcpSocket *socket)
    {
        Connection *c = m_connections.value(socket);
        if (!c)
            return;
        c->in.append(socket->readAll());
        if (c->in.size() > 1024 * 1024)
            return void(socket->abort());
        processRequests(c);
    }

    void processRequests(Connection *c)
    {
        while (!c->streaming && c->socket) {
            const qsizetype headEnd = c->in.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            const QByteArray head = c->in.left(headEnd);
            const QList<QByteArray> lines = head.split('\n');
            const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
            qint64 length = 0;
            bool chunked = false;
            bool close = false;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines.at(i).trimmed();
                const qsizetype colon = line.indexOf(':');
                if (colon < 0)
                    continue;
                const QByteArray name = line.left(colon).trimmed().toLower();
                const QByteArray value = line.mid(colon + 1).trimmed();
                if (name == "content-length")
                    length = value.toLongLong();
                else if (name == "transfer-encoding" && value.toLower().contains("chunked"))
                    chunked = true;
                else if (name == "connection" && value.toLower() == "close")
                    close = true;
            }
            if (chunked) {
                respond(c, 411, "application/json", R"({"error":{"message":"send Content-Length"}})", true);
                return;
            }
            if (c->in.size() < headEnd + 4 + length)
                return;
            const QByteArray body = c->in.mid(headEnd + 4, length);
            c->in.remove(0, headEnd + 4 + length);
            c->closeAfter = close;
            handle(c, requestLine.value(0), requestLine.value(1), body);
            if (close)
                return;
        }
    }

    void handle(Connection *c, const QByteArray &method, const QByteArray &path, const QByteArray &body)
    {
        if (method != "POST" || !path.endsWith("/chat/completions"))
            return respond(c, 404, "application/json", R"({"error":{"message":"only POST .../chat/completions"}})", c->closeAfter);
        const QJsonObject request = QJsonDocument::fromJson(body).object();
        c->model = request.value(QLatin1String("model")).toString(QStringLiteral("bench")).toUtf8();
        if (!request.value(QLatin1String("stream")).toBool()) {
            const QByteArray json = R"({"id":"chatcmpl-bench","object":"chat.completion","created":1,"model":")" + c->model
                + R"(","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],)"
                + R"("usage":{"prompt_tokens":)" + QByteArray::number(m_config.promptTokens)
                + R"(,"completion_tokens":3,"total_tokens":)" + QByteArray::number(m_config.promptTokens + 3) + "}}";
            return respond(c, 200, "application/json", json, c->closeAfter);
        }
        c->includeUsage = request.value(QLatin1String("stream_options")).toObject().value(QLatin1String("include_usage")).toBool();
        c->streaming = true;
        c->sent = 0;
        c->intervalMs = qMax<qint64>(1, m_config.periodMs / qMax(1, m_config.chunks));
        c->nextDueMs = m_clock.elapsed() + c->intervalMs;
        c->socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n");
        ++m_activeStreams;
        if (!m_ticker.isActive())
            m_ticker.start();
    }

    void respond(Connection *c, int status, const QByteArray &type, const QByteArray &body, bool close)
    {
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + (status == 200 ? " OK" : " Error") + "\r\nContent-Type: " + type
            + "\r\nContent-Length: " + QByteArray::number(body.size()) + (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + body;
        c->socket->write(out);
        if (close)
            c->socket->disconnectFromHost();
    }

    static QByteArray chunk(const QByteArray &data)
    {
        return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
    }

    void tick()
    {
        const qint64 now = m_clock.elapsed();
        QList<QTcpSocket *> finished; // handled after the loop: closing may change m_connections
        for (Connection *c : std::as_const(m_connections)) {
            if (!c->streaming || !c->socket || c->nextDueMs > now)
                continue;
            ++c->sent;
            c->nextDueMs += c->intervalMs;
            const QByteArray seq = QByteArray::number(c->sent);
            QByteArray out = chunk(R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":")" + c->model
                                   + R"(","seq":)" + seq + R"(,"choices":[{"index":0,"delta":{"content":"t)" + seq
                                   + R"( "},"finish_reason":null}]})" + "\n\n");
            if (c->sent >= m_config.chunks) {
                out += chunk(R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":")" + c->model
                             + R"(","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})" + "\n\n");
                if (c->includeUsage) {
                    out += chunk(R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":")" + c->model
                                 + R"(","choices":[],"usage":{"prompt_tokens":)" + QByteArray::number(m_config.promptTokens)
                                 + R"(,"completion_tokens":)" + QByteArray::number(m_config.chunks)
                                 + R"(,"total_tokens":)" + QByteArray::number(m_config.promptTokens + m_config.chunks) + "}}\n\n");
                }
                out += chunk("data: [DONE]\n\n") + "0\r\n\r\n";
                c->streaming = false;
                --m_activeStreams;
            }
            c->socket->write(out);
            if (!c->streaming)
                finished.append(c->socket);
        }
        for (QTcpSocket *socket : std::as_const(finished)) {
            Connection *c = m_connections.value(socket);
            if (!c)
                continue;
            if (c->closeAfter)
                socket->disconnectFromHost();
            else
                processRequests(c); // a pipelined request may be waiting behind the finished stream
        }
        if (m_activeStreams <= 0)
            m_ticker.stop();
    }

    Config m_config;
    QTcpServer m_server;
    QTimer m_ticker;
    QElapsedTimer m_clock;
    QHash<QTcpSocket *, Connection *> m_connections;
    int m_activeStreams = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Fake OpenAI upstream streaming numbered SSE chunks."));
    cli.addHelpOption();
    const QCommandLineOption host(QStringLiteral("host"), QStringLiteral("Address to listen on."), QStringLiteral("addr"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Port (0 = any free one)."), QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption chunks(QStringLiteral("chunks"), QStringLiteral("Chunks per stream (K)."), QStringLiteral("k"), QStringLiteral("50"));
    const QCommandLineOption seconds(QStringLiteral("seconds"), QStringLiteral("Seconds each stream lasts (T)."), QStringLiteral("t"), QStringLiteral("5"));
    const QCommandLineOption prompt(QStringLiteral("prompt-tokens"), QStringLiteral("Prompt tokens reported in usage."), QStringLiteral("n"), QStringLiteral("9"));
    cli.addOptions({host, port, chunks, seconds, prompt});
    cli.process(app);

    Config config;
    config.chunks = qMax(1, cli.value(chunks).toInt());
    config.periodMs = int(cli.value(seconds).toDouble() * 1000);
    config.promptTokens = cli.value(prompt).toInt();
    SseUpstream upstream(config);
    if (!upstream.listen(QHostAddress(cli.value(host)), quint16(cli.value(port).toUInt()))) {
        std::fprintf(stderr, "sse_upstream: cannot listen: %s\n", qPrintable(upstream.errorString()));
        return 1;
    }
    QTextStream(stdout) << "listening on http://" << cli.value(host) << ':' << upstream.port() << " chunks=" << config.chunks
                        << " period_ms=" << config.periodMs << Qt::endl;
    return app.exec();
}

// stream_load: opens N concurrent streaming chat completions and checks every stream arrives whole.
//
// Each stream is one HTTP/1.1 connection (raw QTcpSocket: QNetworkAccessManager would allow only
// 6 per host). A stream is whole when the answer is 200, every "seq" from 1 to K arrives in
// ascending order, then "data: [DONE]", then the response ends cleanly. Meanwhile VmRSS of
// --pid is sampled every 250 ms: before, peak, and after the run has settled.
//
//   stream_load --url http://127.0.0.1:8000/v1/chat/completions --header "Authorization: Bearer X"
//               [--streams 2000] [--chunks 50] [--model m] [--pid PID] [--settle 5] [--timeout 120]
//
// Prints a summary and one machine-readable "RESULT key=value ..." line; exits 0 iff every
// stream was whole.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QTcpSocket>
#include <QTextStream>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

namespace {

qint64 rssKb(qint64 pid)
{
    if (pid <= 0)
        return -1;
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

struct Options
{
    QString host;
    quint16 port = 0;
    QByteArray path;
    QList<QByteArray> headers;
    QByteArray body;
    int chunks = 50;
};

// One streamed request: HTTP response parsing (content-length, chunked or until close), then
// SSE events, then the sequence check.
class Stream
{
public:
    enum class Body { Head, Length, Chunked, UntilClose };

    Stream(const Options &opt, QElapsedTimer &clock, std::function<void()> onEnd)
        : m_opt(opt), m_clock(clock), m_onEnd(std::move(onEnd)) {}

    void start()
    {
        m_startMs = m_clock.elapsed();
        m_socket = std::make_unique<QTcpSocket>();
        QObject::connect(m_socket.get(), &QTcpSocket::connected, [this] {
            QByteArray request = "POST " + m_opt.path + " HTTP/1.1\r\nHost: " + m_opt.host.toLatin1() + ':' + QByteArray::number(m_opt.port)
                + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: " + QByteArray::number(m_opt.body.size()) + "\r\n";
            for (const QByteArray &h : m_opt.headers)
                request += h + "\r\n";
            m_socket->write(request + "\r\n" + m_opt.body);
        });
        QObject::connect(m_socket.get(), &QTcpSocket::readyRead, [this] { onReadable(); });
        QObject::connect(m_socket.get(), &QTcpSocket::disconnected, [this] { onClosed(); });
        QObject::connect(m_socket.get(), &QTcpSocket::errorOccurred, [this](QAbstractSocket::SocketError e) {
            if (e == QAbstractSocket::RemoteHostClosedError)
                return; // disconnected() follows
            fail(QStringLiteral("socket: ") + m_socket->errorString());
        });
        m_socket->connectToHost(m_opt.host, m_opt.port);
    }

    void timeout() { fail(QStringLiteral("timeout (%1 of %2 chunks)").arg(m_next - 1).arg(m_opt.chunks)); }

    bool ended() const { return m_ended; }
    bool whole() const { return m_ended && m_failure.isEmpty(); }
    QString failure() const { return m_failure; }
    qint64 headersMs() const { return m_headersMs; }
    qint64 firstChunkMs() const { return m_firstChunkMs; }
    qint64 totalMs() const { return m_endMs - m_startMs; }

private:
    void onReadable()
    {
        m_in.append(m_socket->readAll());
        parse();
    }

    void parse()
    {
        while (!m_ended) {
            if (m_body == Body::Head) {
                const qsizetype end = m_in.indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                const QList<QByteArray> lines = m_in.left(end).split('\n');
                m_status = lines.value(0).split(' ').value(1).toInt();
                m_headersMs = m_clock.elapsed() - m_startMs;
                m_body = Body::UntilClose;
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const QByteArray line = lines.at(i).trimmed();
                    const qsizetype colon = line.indexOf(':');
                    const QByteArray name = line.left(colon).trimmed().toLower();
                    const QByteArray value = line.mid(colon + 1).trimmed();
                    if (name == "transfer-encoding" && value.toLower().contains("chunked"))
                        m_body = Body::Chunked;
                    else if (name == "content-length" && m_body != Body::Chunked) {
                        m_body = Body::Length;
                        m_remaining = value.toLongLong();
                    }
                }
                m_in.remove(0, end + 4);
                if (m_body == Body::Length && m_remaining == 0)
                    return finish();
            } else if (m_body == Body::Length) {
                const qsizetype take = qMin<qint64>(m_remaining, m_in.size());
                feed(m_in.left(take));
                m_in.remove(0, take);
                m_remaining -= take;
                if (m_remaining == 0)
                    return finish();
                return;
            } else if (m_body == Body::UntilClose) {
                feed(m_in);
                m_in.clear();
                return;
            } else { // Chunked
                if (m_remaining > 0) {
                    const qsizetype take = qMin<qint64>(m_remaining, m_in.size());
                    feed(m_in.left(take));
                    m_in.remove(0, take);
                    m_remaining -= take;
                    if (m_remaining > 0)
                        return;
                    m_remaining = -2; // expect the CRLF after the chunk data
                }
                if (m_remaining == -2) {
                    if (m_in.size() < 2)
                        return;
                    if (!m_in.startsWith("\r\n"))
                        return fail(QStringLiteral("bad chunk framing"));
                    m_in.remove(0, 2);
                    m_remaining = 0;
                }
                const qsizetype lineEnd = m_in.indexOf("\r\n");
                if (lineEnd < 0)
                    return;
                bool ok = false;
                const qint64 size = m_in.left(lineEnd).split(';').value(0).trimmed().toLongLong(&ok, 16);
                if (!ok)
                    return fail(QStringLiteral("bad chunk size"));
                if (size == 0) {
                    // Last chunk; trailers are not expected.
                    if (m_in.size() < lineEnd + 4)
                        return;
                    m_in.remove(0, lineEnd + 4);
                    return finish();
                }
                m_in.remove(0, lineEnd + 2);
                m_remaining = size;
            }
        }
    }

    // Decoded body bytes: split into SSE events and check each one.
    void feed(const QByteArray &data)
    {
        m_sse.append(data);
        if (m_status != 200) {
            if (m_sse.size() > 4096)
                m_sse.truncate(4096);
            return;
        }
        m_sse.replace("\r\n", "\n");
        qsizetype end;
        while ((end = m_sse.indexOf("\n\n")) >= 0) {
            const QByteArray event = m_sse.left(end);
            m_sse.remove(0, end + 2);
            for (const QByteArray &raw : event.split('\n')) {
                if (!raw.startsWith("data:"))
                    continue;
                const QByteArray data = raw.mid(5).trimmed();
                if (m_done)
                    return fail(QStringLiteral("data after [DONE]"));
                if (data == "[DONE]") {
                    m_done = true;
                    continue;
                }
                const QJsonObject o = QJsonDocument::fromJson(data).object();
                if (o.isEmpty())
                    return fail(QStringLiteral("an event is not JSON"));
                if (o.contains(QLatin1String("error")))
                    return fail(QStringLiteral("error event: ") + QString::fromUtf8(data.left(200)));
                if (!o.contains(QLatin1String("seq")))
                    continue; // finish and usage chunks
                const int seq = o.value(QLatin1String("seq")).toInt();
                if (seq != m_next)
                    return fail(QStringLiteral("chunk %1 arrived where %2 was due").arg(seq).arg(m_next));
                if (m_next == 1)
                    m_firstChunkMs = m_clock.elapsed() - m_startMs;
                ++m_next;
            }
        }
    }

    void finish()
    {
        if (m_ended)
            return;
        if (m_status != 200)
            return fail(QStringLiteral("HTTP %1: %2").arg(m_status).arg(QString::fromUtf8(m_sse.left(160))));
        if (m_next != m_opt.chunks + 1)
            return fail(QStringLiteral("ended after %1 of %2 chunks").arg(m_next - 1).arg(m_opt.chunks));
        if (!m_done)
            return fail(QStringLiteral("ended without [DONE]"));
        end();
    }

    void onClosed()
    {
        if (m_ended)
            return;
        if (m_body == Body::UntilClose)
            return finish();
        fail(m_body == Body::Head ? QStringLiteral("closed before the response headers")
                                  : QStringLiteral("closed mid-stream after %1 of %2 chunks").arg(m_next - 1).arg(m_opt.chunks));
    }

    void fail(const QString &why)
    {
        if (m_ended)
            return;
        m_failure = why;
        end();
    }

    void end()
    {
        m_ended = true;
        m_endMs = m_clock.elapsed();
        QObject::disconnect(m_socket.get(), nullptr, nullptr, nullptr);
        m_socket->abort();
        m_socket.release()->deleteLater();
        m_onEnd();
    }

    const Options &m_opt;
    QElapsedTimer &m_clock;
    std::function<void()> m_onEnd;
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_in;
    QByteArray m_sse;
    Body m_body = Body::Head;
    qint64 m_remaining = 0;
    int m_status = 0;
    int m_next = 1;
    bool m_done = false;
    bool m_ended = false;
    QString m_failure;
    qint64 m_startMs = 0;
    qint64 m_headersMs = -1;
    qint64 m_firstChunkMs = -1;
    qint64 m_endMs = 0;
};

qint64 percentile(std::vector<qint64> v, double p)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Concurrent SSE streams, checked chunk by chunk, with RSS sampling."));
    cli.addHelpOption();
    const QCommandLineOption url(QStringLiteral("url"), QStringLiteral("Chat completions URL (http only)."), QStringLiteral("url"));
    const QCommandLineOption header(QStringLiteral("header"), QStringLiteral("Extra request header \"Name: value\" (repeatable)."), QStringLiteral("h"));
    const QCommandLineOption streams(QStringLiteral("streams"), QStringLiteral("Concurrent streams (N)."), QStringLiteral("n"), QStringLiteral("2000"));
    const QCommandLineOption chunks(QStringLiteral("chunks"), QStringLiteral("Chunks each stream must carry (K)."), QStringLiteral("k"), QStringLiteral("50"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model to ask for."), QStringLiteral("m"), QStringLiteral("bench-stream"));
    const QCommandLineOption usage(QStringLiteral("include-usage"), QStringLiteral("Ask for stream_options.include_usage."));
    const QCommandLineOption pid(QStringLiteral("pid"), QStringLiteral("Process whose VmRSS is sampled."), QStringLiteral("pid"), QStringLiteral("0"));
    const QCommandLineOption settle(QStringLiteral("settle"), QStringLiteral("Seconds to keep sampling after the last stream."), QStringLiteral("s"), QStringLiteral("5"));
    const QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("Seconds before unfinished streams count as failed."), QStringLiteral("s"), QStringLiteral("120"));
    const QCommandLineOption label(QStringLiteral("label"), QStringLiteral("Name printed with the result."), QStringLiteral("text"), QStringLiteral("stream"));
    cli.addOptions({url, header, streams, chunks, model, usage, pid, settle, timeout, label});
    cli.process(app);

    const QUrl target(cli.value(url));
    if (!target.isValid() || target.scheme() != QLatin1String("http")) {
        QTextStream(stderr) << "stream_load: --url must be an http:// URL\n";
        return 2;
    }
    Options opt;
    opt.host = target.host();
    opt.port = quint16(target.port(80));
    opt.path = target.path(QUrl::FullyEncoded).toLatin1();
    if (opt.path.isEmpty())
        opt.path = "/";
    for (const QString &h : cli.values(header))
        opt.headers.append(h.toUtf8());
    opt.chunks = cli.value(chunks).toInt();
    QJsonObject body{{QStringLiteral("model"), cli.value(model)},
                     {QStringLiteral("messages"), QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), QStringLiteral("count for me")}}}},
                     {QStringLiteral("stream"), true},
                     {QStringLiteral("max_tokens"), opt.chunks + 16}};
    if (cli.isSet(usage))
        body.insert(QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}});
    opt.body = QJsonDocument(body).toJson(QJsonDocument::Compact);

    const int n = qMax(1, cli.value(streams).toInt());
    const qint64 watched = cli.value(pid).toLongLong();
    const int settleMs = int(cli.value(settle).toDouble() * 1000);
    QElapsedTimer clock;
    clock.start();

    qint64 rssBefore = rssKb(watched), rssPeak = rssBefore, rssAfter = -1;
    QTimer sampler;
    sampler.setInterval(250);
    QObject::connect(&sampler, &QTimer::timeout, [&] { rssPeak = std::max(rssPeak, rssKb(watched)); });
    sampler.start();

    int ended = 0;
    qint64 allEndedMs = -1;
    std::vector<std::unique_ptr<Stream>> all;
    all.reserve(size_t(n));
    auto onEnd = [&] {
        if (++ended < n)
            return;
        allEndedMs = clock.elapsed();
        QTimer::singleShot(settleMs, &app, [&] {
            rssAfter = rssKb(watched);
            rssPeak = std::max(rssPeak, rssAfter);
            app.quit();
        });
    };
    for (int i = 0; i < n; ++i)
        all.push_back(std::make_unique<Stream>(opt, clock, onEnd));
    for (auto &s : all)
        s->start();
    QTimer::singleShot(int(cli.value(timeout).toDouble() * 1000), &app, [&] {
        for (auto &s : all) {
            if (!s->ended())
                s->timeout();
        }
    });
    app.exec();

    int whole = 0;
    QMap<QString, int> reasons;
    std::vector<qint64> headers, first, total;
    for (const auto &s : all) {
        if (s->whole()) {
            ++whole;
            headers.push_back(s->headersMs());
            first.push_back(s->firstChunkMs());
            total.push_back(s->totalMs());
        } else {
            reasons[s->failure()] += 1;
        }
    }
    QTextStream out(stdout);
    const QString name = cli.value(label);
    out << name << ": " << whole << '/' << n << " streams whole (" << opt.chunks << " chunks each) in " << (allEndedMs / 1000.0) << " s\n";
    out << name << ": headers p50 " << percentile(headers, 0.5) << " ms p99 " << percentile(headers, 0.99) << " ms; first chunk p50 "
        << percentile(first, 0.5) << " ms p99 " << percentile(first, 0.99) << " ms; whole stream p50 " << percentile(total, 0.5)
        << " ms p99 " << percentile(total, 0.99) << " ms\n";
    int shown = 0;
    for (auto it = reasons.cbegin(); it != reasons.cend() && shown < 10; ++it, ++shown)
        out << name << ": FAILED x" << it.value() << ": " << it.key() << '\n';
    if (watched > 0)
        out << name << ": VmRSS of pid " << watched << ": before " << rssBefore / 1024.0 << " MB, peak " << rssPeak / 1024.0 << " MB, "
            << settleMs / 1000.0 << " s after " << rssAfter / 1024.0 << " MB\n";
    out << "RESULT label=" << name << " streams=" << n << " whole=" << whole << " failed=" << (n - whole)
        << " wall_s=" << QString::number(allEndedMs / 1000.0, 'f', 2)
        << " first_chunk_p50_ms=" << percentile(first, 0.5) << " first_chunk_p99_ms=" << percentile(first, 0.99)
        << " total_p99_ms=" << percentile(total, 0.99)
        << " rss_before_kb=" << rssBefore << " rss_peak_kb=" << rssPeak << " rss_after_kb=" << rssAfter << Qt::endl;
    return whole == n ? 0 : 1;
}

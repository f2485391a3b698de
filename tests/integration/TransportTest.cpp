// HTTP framing and connection handling of the real server, seen from raw sockets where
// QNetworkAccessManager would hide it: body and header limits, chunked uploads, keep-alive,
// Connection: close, the idle timeout, clients that hang up mid-stream; plus routing errors,
// health and metrics.
#include "tests/support/Gateway.h"
#include "tests/support/PrometheusText.h"

#include <QDir>
#include <QFile>
#include <QMap>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QtTest>
#include <memory>

using namespace dynaseal::test;

namespace {

// One HTTP/1.1 response read off a raw socket.
struct RawResponse
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    QJsonObject error() const { return QJsonDocument::fromJson(body).object().value(QLatin1String("error")).toObject(); }
};

// A client socket that keeps what it reads, so several responses on one connection can be
// taken apart in order. All waiting spins the event loop: the fakes live in this process.
class RawClient
{
public:
    bool connectTo(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return waitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, 5'000);
    }
    void write(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // The next complete response (Content-Length or chunked body), or nullopt on timeout/close.
    std::optional<RawResponse> read(int timeoutMs = 10'000)
    {
        std::optional<RawResponse> out;
        waitFor([&] {
            pull();
            out = parse();
            return out.has_value() || (m_socket.state() == QAbstractSocket::UnconnectedState && m_socket.bytesAvailable() == 0);
        }, timeoutMs);
        if (!out) {
            pull();
            out = parse();
        }
        return out;
    }
    // Waits until `needle` shows up in what was received.
    bool waitForBytes(const QByteArray &needle, int timeoutMs = 10'000)
    {
        return waitFor([&] {
            pull();
            return m_buffer.contains(needle);
        }, timeoutMs);
    }
    bool waitForClose(int timeoutMs)
    {
        return waitFor([&] {
            pull();
            return m_socket.state() == QAbstractSocket::UnconnectedState;
        }, timeoutMs);
    }
    bool connected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    QTcpSocket &socket() { return m_socket; }
    QByteArray buffered() const { return m_buffer; }

private:
    void pull() { m_buffer += m_socket.readAll(); }

    std::optional<RawResponse> parse()
    {
        const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return std::nullopt;
        RawResponse r;
        const QList<QByteArray> lines = m_buffer.left(headEnd).split('\n');
        r.status = lines.value(0).split(' ').value(1).toInt();
        for (int i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon > 0)
                r.headers.append({lines.at(i).left(colon).trimmed(), lines.at(i).mid(colon + 1).trimmed()});
        }
        qsizetype pos = headEnd + 4;
        if (r.header("transfer-encoding").toLower() == "chunked") {
            for (;;) {
                const qsizetype lineEnd = m_buffer.indexOf("\r\n", pos);
                if (lineEnd < 0)
                    return std::nullopt;
                bool ok = false;
                const qsizetype size = m_buffer.mid(pos, lineEnd - pos).trimmed().toLongLong(&ok, 16);
                if (!ok || m_buffer.size() < lineEnd + 2 + size + 2)
                    return std::nullopt;
                r.body += m_buffer.mid(lineEnd + 2, size);
                pos = lineEnd + 2 + size + 2;
                if (size == 0)
                    break;
            }
        } else {
            const qsizetype length = r.header("content-length").toLongLong();
            if (m_buffer.size() < pos + length)
                return std::nullopt;
            r.body = m_buffer.mid(pos, length);
            pos += length;
        }
        m_buffer.remove(0, pos);
        return r;
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
};

QByteArray request(const QByteArray &method, const QByteArray &path, const QByteArray &body = {}, const QByteArray &extraHeaders = {})
{
    QByteArray out = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders;
    if (!body.isEmpty() || method == "POST")
        out += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    return out + "\r\n" + body;
}

// A stream far bigger than what the kernel's socket buffers between the fake upstream, the
// gateway and a device can hold: ~49 MB.
constexpr int kBigStreamChunks = 6000;
constexpr int kBigStreamPadding = 8000;
constexpr qint64 kBigStreamBytes = qint64(kBigStreamChunks) * (kBigStreamPadding + 150);

// The body of a whole chunked response (head included), framing removed; empty if malformed.
QByteArray chunkedBody(const QByteArray &response)
{
    QByteArray body;
    qsizetype pos = response.indexOf("\r\n\r\n");
    if (pos < 0)
        return {};
    pos += 4;
    for (;;) {
        const qsizetype lineEnd = response.indexOf("\r\n", pos);
        bool ok = false;
        const qsizetype size = lineEnd < 0 ? 0 : response.mid(pos, lineEnd - pos).toLongLong(&ok, 16);
        if (!ok || response.size() < lineEnd + 2 + size + 2)
            return {};
        if (size == 0)
            return body;
        body += response.mid(lineEnd + 2, size);
        pos = lineEnd + 2 + size + 2;
    }
}

QJsonObject callbackFor(const CallbackReceiver &receiver, const QString &eventId)
{
    for (const QJsonObject &callback : receiver.acknowledged()) {
        if (callback.value(QLatin1String("event_id")).toString() == eventId)
            return callback;
    }
    return {};
}

QByteArray bigStreamBody()
{
    return Gateway::chatBody(QStringLiteral("m1"), true, {{QStringLiteral("max_tokens"), kBigStreamChunks}});
}

// A chat request body of exactly `size` bytes.
QByteArray chatBodyOfSize(qsizetype size)
{
    const QByteArray empty = Gateway::chatBody(QStringLiteral("m1"), false, {}, QString());
    const QByteArray pad(size - empty.size(), 'a');
    return Gateway::chatBody(QStringLiteral("m1"), false, {}, QString::fromLatin1(pad));
}

// Empty if `r` is an OpenAI-shaped error with `status` and `code`, else what is wrong.
QString errorProblem(const std::optional<RawResponse> &r, int status, const QString &code)
{
    if (!r)
        return QStringLiteral("no response");
    if (r->status != status)
        return QStringLiteral("expected %1, got %2: %3").arg(status).arg(r->status).arg(QString::fromUtf8(r->body));
    if (!r->header("content-type").startsWith("application/json"))
        return QStringLiteral("not JSON: %1").arg(QString::fromLatin1(r->header("content-type")));
    const QJsonObject e = r->error();
    if (e.value(QLatin1String("message")).toString().isEmpty() || e.value(QLatin1String("type")).toString().isEmpty())
        return QStringLiteral("no OpenAI error shape: %1").arg(QString::fromUtf8(r->body));
    if (!code.isEmpty() && e.value(QLatin1String("code")).toString() != code)
        return QStringLiteral("expected code %1: %2").arg(code, QString::fromUtf8(r->body));
    return {};
}

constexpr qint64 kBodyLimit = 2048;

using Cpus = QList<int>;

// A "Cpus_allowed_list" of /proc, e.g. "0-2,5", as CPU numbers.
Cpus parseCpuList(const QByteArray &list)
{
    Cpus cpus;
    for (const QByteArray &range : list.trimmed().split(',')) {
        const QList<QByteArray> ends = range.split('-');
        for (int cpu = ends.first().toInt(); cpu <= ends.last().toInt(); ++cpu)
            cpus.append(cpu);
    }
    return cpus;
}

// The CPUs a thread (/proc/PID/task/TID, or /proc/self) may run on.
Cpus allowedCpusOf(const QString &procDir)
{
    QFile status(procDir + QStringLiteral("/status"));
    if (!status.open(QIODevice::ReadOnly))
        return {};
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("Cpus_allowed_list:"))
            return parseCpuList(line.mid(int(qstrlen("Cpus_allowed_list:"))));
    }
    return {};
}

// A process's threads whose names start with `prefix`: each one's name and the CPUs it may use.
QList<QPair<QString, Cpus>> threadCpus(qint64 pid, const QString &prefix)
{
    QList<QPair<QString, Cpus>> threads;
    const QString tasks = QStringLiteral("/proc/%1/task").arg(pid);
    for (const QString &tid : QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks + QLatin1Char('/') + tid + QStringLiteral("/comm"));
        if (!comm.open(QIODevice::ReadOnly))
            continue;
        const QString name = QString::fromUtf8(comm.readAll().trimmed());
        if (name.startsWith(prefix))
            threads.append({name, allowedCpusOf(tasks + QLatin1Char('/') + tid)});
    }
    return threads;
}

} // namespace

class TransportTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<Gateway> gw;

private slots:
    void initTestCase()
    {
        gw = std::make_unique<Gateway>(QStringList{QStringLiteral("--max-body-bytes"), QString::number(kBodyLimit)});
        QString why;
        QVERIFY2(gw->setUp(&why), qPrintable(why));
    }

    void cleanupTestCase() { gw.reset(); }

    void bodyOverLimitRefusedEarly()
    {
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        // Announce a large body, send a few bytes of it, then wait: the answer must not wait for the rest.
        const qsizetype forwardedBefore = gw->upstream.http().requests.size();
        client.write(QByteArray("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Authorization: Bearer " + gw->mint() + "\r\nContent-Length: 100000\r\n\r\n{\"model\":\"m1\","));
        const auto r = client.read();
        const QString problem = errorProblem(r, 413, QStringLiteral("payload_too_large"));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(client.waitForClose(5'000));
        QCOMPARE(gw->upstream.http().requests.size(), forwardedBefore); // nothing forwarded
        QVERIFY(gw->server.isRunning());
    }

    void bodySizeLimit_data()
    {
        QTest::addColumn<qint64>("size");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        // Without a key the server answers 401 once it has read the body; over the limit, 413 first.
        QTest::newRow("well under") << qint64(200) << 401 << "missing_api_key";
        QTest::newRow("just under") << kBodyLimit - 1 << 401 << "missing_api_key";
        QTest::newRow("at the limit") << kBodyLimit << 401 << "missing_api_key";
        QTest::newRow("one over") << kBodyLimit + 1 << 413 << "payload_too_large";
    }

    void bodySizeLimit()
    {
        QFETCH(qint64, size);
        QFETCH(int, status);
        QFETCH(QString, code);
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        const QByteArray body = chatBodyOfSize(size);
        QCOMPARE(body.size(), size);
        QByteArray bytes = request("POST", "/v1/chat/completions", body);
        if (status == 413)
            bytes.chop(body.size() - 10); // an early refusal must not need the body
        client.write(bytes);
        const auto r = client.read();
        QVERIFY2(r, client.buffered().constData());
        QCOMPARE(r->status, status);
        QVERIFY(r->error().value(QLatin1String("message")).isString());
        QCOMPARE(r->error().value(QLatin1String("code")).toString(), code);
        if (status == 401) {
            // Served normally: the connection stays usable.
            client.write(request("GET", "/health/liveness"));
            const auto next = client.read();
            QVERIFY(next);
            QCOMPARE(next->status, 200);
        } else {
            QVERIFY(client.waitForClose(5'000));
        }
    }

    void bodyLimitWithKey()
    {
        // With a valid key and a body under the limit the call goes through to the upstream.
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        const QByteArray body = chatBodyOfSize(kBodyLimit - 48);
        // A budget big enough for the padded prompt's estimate.
        const QByteArray key = gw->mint({{QStringLiteral("max_tokens"), 100'000}});
        client.write(request("POST", "/v1/chat/completions", body, QByteArray("Authorization: Bearer " + key + "\r\n")));
        const auto r = client.read();
        QVERIFY(r);
        QVERIFY2(r->status == 200, r->body.constData());
        QVERIFY(QJsonDocument::fromJson(r->body).object().contains(QLatin1String("choices")));
    }

    void headersTooLarge()
    {
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        QByteArray head = "GET /health/liveness HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (int i = 0; head.size() < 66 * 1024; ++i)
            head += "X-Padding-" + QByteArray::number(i) + ": " + QByteArray(200, 'p') + "\r\n";
        // No terminating blank line: the server must refuse on size alone, not wait for the end.
        client.write(head);
        const auto r = client.read();
        const QString problem = errorProblem(r, 431, QString());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(client.waitForClose(5'000));
        QVERIFY(gw->server.isRunning());
    }

    void headersJustUnderLimit()
    {
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        QByteArray head = "GET /health/liveness HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (int i = 0; head.size() < 60 * 1024; ++i)
            head += "X-Padding-" + QByteArray::number(i) + ": " + QByteArray(200, 'p') + "\r\n";
        client.write(head + "\r\n");
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    void chunkedUploadRefused()
    {
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        client.write(QByteArray("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Authorization: Bearer " + gw->mint() + "\r\nTransfer-Encoding: chunked\r\n\r\n"));
        const auto r = client.read();
        const QString problem = errorProblem(r, 411, QString());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(client.waitForClose(5'000));
    }

    void keepAlive_data()
    {
        QTest::addColumn<bool>("pipelined");
        QTest::newRow("one after another") << false;
        QTest::newRow("pipelined") << true;
    }

    void keepAlive()
    {
        QFETCH(bool, pipelined);
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        const QList<QPair<QByteArray, int>> calls{{"/health/liveness", 200}, {"/no/such/path", 404}, {"/health/liveness", 200},
                                                  {"/health/readiness", 200}, {"/health/liveness", 200}};
        if (pipelined) {
            QByteArray all;
            for (const auto &c : calls)
                all += request("GET", c.first);
            client.write(all);
        }
        for (const auto &c : calls) {
            if (!pipelined)
                client.write(request("GET", c.first));
            const auto r = client.read();
            QVERIFY2(r, qPrintable(QString(QString::fromLatin1(c.first) + QStringLiteral(": no answer"))));
            QCOMPARE(r->status, c.second);
            QVERIFY(client.connected());
        }
        QVERIFY(client.buffered().isEmpty());
    }

    void routingErrors_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("unknown path") << QByteArray("GET") << "/nope" << 404 << "unknown_url";
        QTest::newRow("unknown api path") << QByteArray("POST") << "/v1/images/generations" << 404 << "unknown_url";
        QTest::newRow("unknown admin path") << QByteArray("GET") << "/admin/v1/secrets" << 404 << "unknown_url";
        QTest::newRow("GET on chat") << QByteArray("GET") << "/v1/chat/completions" << 405 << "method_not_allowed";
        QTest::newRow("PUT on chat") << QByteArray("PUT") << "/v1/chat/completions" << 405 << "method_not_allowed";
        QTest::newRow("POST on liveness") << QByteArray("POST") << "/health/liveness" << 405 << "method_not_allowed";
        QTest::newRow("DELETE on metrics") << QByteArray("DELETE") << "/metrics" << 405 << "method_not_allowed";
        QTest::newRow("POST on models") << QByteArray("POST") << "/v1/models" << 405 << "method_not_allowed";
        QTest::newRow("GET on login") << QByteArray("GET") << "/admin/v1/login" << 405 << "method_not_allowed";
    }

    void routingErrors()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(int, status);
        QFETCH(QString, code);
        const HttpResult r = gw->http.send(method, path, method == "GET" || method == "DELETE" ? QByteArray() : QByteArray("{}"));
        QCOMPARE(r.status, status);
        QVERIFY(r.header("content-type").startsWith("application/json"));
        QVERIFY2(!r.errorMessage().isEmpty(), r.body.constData());
        QVERIFY(r.json().value(QLatin1String("error")).toObject().value(QLatin1String("type")).isString());
        QCOMPARE(r.errorCode(), code);
    }

    void health()
    {
        const HttpResult live = gw->http.get(QStringLiteral("/health/liveness"));
        QCOMPARE(live.status, 200);
        QCOMPARE(live.json().value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        const HttpResult ready = gw->http.get(QStringLiteral("/health/readiness"));
        QCOMPARE(ready.status, 200);
        QCOMPARE(ready.json().value(QLatin1String("database")).toString(), QStringLiteral("ok"));
    }

    void metrics()
    {
        const HttpResult before = gw->http.get(QStringLiteral("/metrics"));
        QCOMPARE(before.status, 200);
        QVERIFY(before.header("content-type").startsWith("text/plain"));
        const double billedBefore = std::max(0.0, metricSample(before.body, "dynaseal_tokens_billed_total"));
        const double requestsBefore = metricSum(before.body, "dynaseal_proxy_requests_total");
        const QByteArray okSeries = R"(dynaseal_proxy_requests_total{endpoint="chat.completions",status="ok"})";
        const QByteArray errorSeries = R"(dynaseal_proxy_requests_total{endpoint="chat.completions",status="error"})";
        const double okBefore = std::max(0.0, metricSample(before.body, okSeries));
        const double errorBefore = std::max(0.0, metricSample(before.body, errorSeries));
        const QByteArray refusedSeries = R"(dynaseal_proxy_refused_total{code="invalid_api_key"})";
        const double refusedBefore = std::max(0.0, metricSample(before.body, refusedSeries));
        const double durationsBefore = std::max(0.0, metricSample(before.body, "dynaseal_proxy_duration_seconds_count"));
        const double batchesBefore = metricSample(before.body, "dynaseal_db_write_batches");
        const double jobsBefore = metricSample(before.body, "dynaseal_db_write_jobs");
        QVERIFY(batchesBefore >= 0 && jobsBefore >= batchesBefore);

        QCOMPARE(gw->chat(gw->mint(), Gateway::chatBody()).status, 200); // 9 + 5 tokens
        QCOMPARE(gw->chat("not-a-jwt", Gateway::chatBody()).errorCode(), QStringLiteral("invalid_api_key"));

        HttpResult after;
        QVERIFY(waitFor([&] {
            after = gw->http.get(QStringLiteral("/metrics"));
            // Billed when the answer is complete; the write job is counted once its batch ran.
            return metricSample(after.body, "dynaseal_tokens_billed_total") >= billedBefore + 14
                && metricSample(after.body, "dynaseal_db_write_jobs") > jobsBefore;
        }));
        QCOMPARE(metricSample(after.body, "dynaseal_tokens_billed_total"), billedBefore + 14);
        QCOMPARE(metricSum(after.body, "dynaseal_proxy_requests_total"), requestsBefore + 1);
        QCOMPARE(metricSample(after.body, okSeries), okBefore + 1);
        QCOMPARE(metricSample(after.body, refusedSeries), refusedBefore + 1);
        QCOMPARE(metricSample(after.body, "dynaseal_proxy_duration_seconds_count"), durationsBefore + 1);
        // The call's start is journaled, not written; its outcome is one write job (its callback's
        // delivery may be another), each job in a transaction of its own or sharing one.
        const double jobs = metricSample(after.body, "dynaseal_db_write_jobs") - jobsBefore;
        const double batches = metricSample(after.body, "dynaseal_db_write_batches") - batchesBefore;
        QVERIFY2(jobs >= 1 && batches >= 1 && batches <= jobs, qPrintable(QStringLiteral("%1 jobs in %2 batches").arg(jobs).arg(batches)));
        // Its journal slot is free again once the outcome is committed.
        QVERIFY(waitFor([&] { return metricSample(gw->http.get(QStringLiteral("/metrics")).body, "dynaseal_in_flight_journal_used") == 0.0; }));
        QVERIFY2(after.body.contains("# TYPE dynaseal_proxy_requests_total counter"), after.body.constData());
        QVERIFY2(after.body.contains("# TYPE dynaseal_tokens_billed_total counter"), after.body.constData());
        QVERIFY2(after.body.contains("dynaseal_proxy_requests_total{"), after.body.constData());

        // Prometheus text format: every sample line is `name{labels} value` with a number for value.
        static const QRegularExpression line(QStringLiteral(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+]?([0-9.eE+-]+|NaN|\+Inf|-Inf)$)"));
        for (const QByteArray &l : after.body.split('\n')) {
            if (l.isEmpty() || l.startsWith('#'))
                continue;
            QVERIFY2(line.match(QString::fromUtf8(l)).hasMatch(), l.constData());
        }

        // A call the upstream fails is counted under its own status, the ok calls' count unchanged.
        const UpstreamBehavior saved = gw->upstream.behavior;
        gw->upstream.behavior.status = 500;
        QVERIFY(gw->chat(gw->mint(), Gateway::chatBody()).status >= 500);
        gw->upstream.behavior = saved;
        HttpResult failed;
        QVERIFY(waitFor([&] {
            failed = gw->http.get(QStringLiteral("/metrics"));
            return metricSample(failed.body, errorSeries) >= errorBefore + 1;
        }));
        QCOMPARE(metricSample(failed.body, errorSeries), errorBefore + 1);
        QCOMPARE(metricSample(failed.body, okSeries), okBefore + 1);
    }

    void clientDisconnectMidStream()
    {
        const UpstreamBehavior saved = gw->upstream.behavior;
        gw->upstream.behavior.chunkDelayMs = 100;
        gw->upstream.behavior.completionTokens = 30;
        const int disconnectsBefore = gw->upstream.http().clientDisconnects;
        const int completedBefore = gw->upstream.streamsCompleted;
        const qsizetype callbacksBefore = gw->receiver.acknowledged().size();
        const QString eventId = QStringLiteral("evt-hangup-1");

        {
            RawClient client;
            QVERIFY(client.connectTo(gw->server.port()));
            client.write(request("POST", "/v1/chat/completions", Gateway::chatBody(QStringLiteral("m1"), true),
                                 QByteArray("Authorization: Bearer " + gw->mint({{QStringLiteral("event_id"), eventId}}) + "\r\n")));
            QVERIFY2(client.waitForBytes("data: "), client.buffered().constData());
            QVERIFY(client.buffered().startsWith("HTTP/1.1 200"));
            client.socket().abort();
        }

        // The server cancels the upstream call: the fake sees its connection dropped.
        QVERIFY(waitFor([&] { return gw->upstream.http().clientDisconnects > disconnectsBefore; }, 5'000));
        QCOMPARE(gw->upstream.streamsCompleted, completedBefore);
        QVERIFY(gw->server.isRunning());
        QCOMPARE(gw->http.get(QStringLiteral("/health/liveness")).status, 200);

        // And tells the tenant the device cut the call off.
        QVERIFY(waitFor([&] { return gw->receiver.acknowledged().size() > callbacksBefore; }));
        const QJsonObject callback = gw->receiver.acknowledged().last();
        QCOMPARE(callback.value(QLatin1String("event_id")).toString(), eventId);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("client_closed"));
        QVERIFY(callback.value(QLatin1String("tokens")).toInteger() < 9 + 30);

        gw->upstream.behavior = saved;
        QCOMPARE(gw->chat(gw->mint(), Gateway::chatBody(QStringLiteral("m1"), true)).status, 200);
    }

    void slowDeviceHoldsTheUpstreamBack()
    {
        // A device that reads slower than the upstream sends: the gateway stops reading the
        // upstream instead of keeping the stream in memory for it, and the stream still arrives
        // whole and is billed.
        const UpstreamBehavior saved = gw->upstream.behavior;
        const auto restore = qScopeGuard([&] { gw->upstream.behavior = saved; });
        gw->upstream.behavior.completionTokens = kBigStreamChunks;
        gw->upstream.behavior.chunkPadding = kBigStreamPadding;
        const int completedBefore = gw->upstream.streamsCompleted;
        const QString eventId = QStringLiteral("evt-slow-reader");
        const double heldBackBefore = metricSample(gw->http.get(QStringLiteral("/metrics")).body, "dynaseal_streams_held_back_total");

        RawClient client;
        client.socket().setReadBufferSize(64 * 1024); // Qt takes this much, then leaves it to TCP
        QVERIFY(client.connectTo(gw->server.port()));
        client.write(request("POST", "/v1/chat/completions", bigStreamBody(),
                             "Authorization: Bearer " + gw->mint({{QStringLiteral("max_tokens"), 100'000}, {QStringLiteral("event_id"), eventId}}) + "\r\n"));
        // The fake queues the whole stream on its socket at once: what the kernel has not taken
        // from it is what the gateway did not read.
        QVERIFY(waitFor([&] { return gw->upstream.streamsCompleted > completedBefore; }, 30'000));
        QTest::qWait(1'000);
        const qint64 heldBack = gw->upstream.unsentOfLastStream();
        QVERIFY2(heldBack > kBigStreamBytes / 2, qPrintable(QStringLiteral("only %1 of about %2 bytes held back").arg(heldBack).arg(kBigStreamBytes)));

        client.socket().setReadBufferSize(0);
        QByteArray received = client.buffered();
        QVERIFY(waitFor([&] {
            received += client.socket().readAll();
            return received.endsWith("\r\n0\r\n\r\n");
        }, 60'000));
        QVERIFY(received.startsWith("HTTP/1.1 200"));
        const QByteArray body = chunkedBody(received);
        QCOMPARE(body.count("\"padding\""), qsizetype(kBigStreamChunks));
        const QByteArray lastWord = QByteArray("\"content\":\" w") + QByteArray::number(kBigStreamChunks - 1) + '"';
        QVERIFY(body.indexOf("\"content\":\"w0\"") >= 0);
        QVERIFY(body.indexOf("\"content\":\"w0\"") < body.indexOf(lastWord));
        QVERIFY(body.endsWith("data: [DONE]\n\n"));

        QJsonObject callback;
        QVERIFY(waitFor([&] {
            callback = callbackFor(gw->receiver, eventId);
            return !callback.isEmpty();
        }));
        QVERIFY(metricSample(gw->http.get(QStringLiteral("/metrics")).body, "dynaseal_streams_held_back_total") > heldBackBefore);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(callback.value(QLatin1String("usage")).toObject().value(QLatin1String("completion_tokens")).toInteger(), qint64(kBigStreamChunks));
    }

    void deviceThatStopsReadingIsDisconnected()
    {
        // A device that takes nothing of its stream for the idle timeout is disconnected; the
        // upstream call is cancelled and the call billed and reported as cut off.
        Gateway quick({QStringLiteral("--idle-timeout"), QStringLiteral("1")});
        QString why;
        QVERIFY2(quick.setUp(&why), qPrintable(why));
        quick.upstream.behavior.completionTokens = kBigStreamChunks;
        quick.upstream.behavior.chunkPadding = kBigStreamPadding;
        const QString eventId = QStringLiteral("evt-stalled-reader");

        RawClient client;
        client.socket().setReadBufferSize(64 * 1024);
        QVERIFY(client.connectTo(quick.server.port()));
        client.write(request("POST", "/v1/chat/completions", bigStreamBody(),
                             "Authorization: Bearer " + quick.mint({{QStringLiteral("max_tokens"), 100'000}, {QStringLiteral("event_id"), eventId}}) + "\r\n"));

        QVERIFY(waitFor([&] { return !quick.receiver.acknowledged().isEmpty(); }, 30'000));
        const QJsonObject callback = quick.receiver.acknowledged().first();
        QCOMPARE(callback.value(QLatin1String("event_id")).toString(), eventId);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("client_closed"));
        QVERIFY(callback.value(QLatin1String("tokens")).toInteger() < 9 + kBigStreamChunks);
        QVERIFY(waitFor([&] { return !quick.upstream.lastStreamOpen(); }, 5'000));
        QVERIFY(quick.server.isRunning());

        // Also a whole answer that ends its connection (Connection: close) and that the device
        // does not read: the connection does not stay open for it.
        const auto openConnections = [&] { return metricSample(quick.http.get(QStringLiteral("/metrics")).body, "dynaseal_connections_open"); };
        QVERIFY(waitFor([&] { return openConnections() == 1.0; })); // the metrics call's own
        quick.upstream.behavior.chunkPadding = 40 * 1024 * 1024;
        RawClient closing;
        closing.socket().setReadBufferSize(64 * 1024);
        QVERIFY(closing.connectTo(quick.server.port()));
        closing.write(request("POST", "/v1/chat/completions", Gateway::chatBody(),
                              "Connection: close\r\nAuthorization: Bearer " + quick.mint() + "\r\n"));
        QVERIFY(waitFor([&] { return openConnections() == 2.0; }));
        QVERIFY(waitFor([&] { return openConnections() == 1.0; }, 15'000));
        QVERIFY(quick.server.isRunning());
    }

    void connectionClose_data()
    {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<bool>("closes");
        QTest::newRow("Connection: close") << QByteArray("Connection: close\r\n") << true;
        QTest::newRow("connection: CLOSE") << QByteArray("connection: CLOSE\r\n") << true;
        QTest::newRow("default keep-alive") << QByteArray() << false;
        QTest::newRow("Connection: keep-alive") << QByteArray("Connection: keep-alive\r\n") << false;
    }

    void connectionClose()
    {
        QFETCH(QByteArray, headers);
        QFETCH(bool, closes);
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        client.write(request("GET", "/health/liveness", {}, headers));
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        if (closes) {
            QCOMPARE(r->header("connection").toLower(), QByteArray("close"));
            QVERIFY(client.waitForClose(5'000));
        } else {
            // Still open: a second request on the same connection is answered.
            client.write(request("GET", "/health/liveness"));
            const auto second = client.read();
            QVERIFY(second);
            QCOMPARE(second->status, 200);
            QVERIFY(client.connected());
        }
    }

    void malformedRequests_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("not HTTP") << QByteArray("BLAH\r\n\r\n") << 400 << "invalid_request";
        QTest::newRow("bad version") << QByteArray("GET /health/liveness XTTP/1.1\r\n\r\n") << 400 << "invalid_request";
        QTest::newRow("header without colon") << QByteArray("GET /health/liveness HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n") << 400 << "invalid_request";
        QTest::newRow("Content-Length not a number") << QByteArray("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: ten\r\n\r\n") << 400 << "invalid_request";
        QTest::newRow("two Content-Lengths") << QByteArray("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}") << 400 << "invalid_request";
        QTest::newRow("space in path") << QByteArray("GET /health/ liveness HTTP/1.1\r\n\r\n") << 400 << "invalid_request";
    }

    void malformedRequests()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        QFETCH(QString, code);
        const qsizetype forwardedBefore = gw->upstream.http().requests.size();
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        client.write(bytes);
        const auto r = client.read();
        const QString problem = errorProblem(r, status, code);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(client.waitForClose(5'000));
        QCOMPARE(gw->upstream.http().requests.size(), forwardedBefore);
        QVERIFY(gw->server.isRunning());
    }

    void expectContinue()
    {
        // curl sends large bodies only after the server's "100 Continue".
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        const QByteArray body = Gateway::chatBody();
        client.write(QByteArray("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Authorization: Bearer " + gw->mint() + "\r\nExpect: 100-continue\r\nContent-Length: "
                                + QByteArray::number(body.size()) + "\r\n\r\n"));
        QVERIFY(client.waitForBytes("HTTP/1.1 100 Continue\r\n\r\n"));
        QVERIFY(!client.buffered().contains("HTTP/1.1 200"));
        client.write(body);
        QVERIFY(client.waitForBytes("HTTP/1.1 200"));
        const QByteArray all = client.buffered();
        QVERIFY2(all.indexOf("100 Continue") < all.indexOf("HTTP/1.1 200"), all.constData());
    }

    void http10ClosesAfterResponse()
    {
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        client.write("GET /health/liveness HTTP/1.0\r\n\r\n");
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(client.waitForClose(5'000));
    }

    // Plain paths skip QUrl; every other form still goes through it, with the same result.
    void requestTargets_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::newRow("plain") << QByteArray("/health/liveness") << 200;
        QTest::newRow("plain, wrong case") << QByteArray("/Health/Liveness") << 404;
        QTest::newRow("plain, trailing slash (the router allows it)") << QByteArray("/health/liveness/") << 200;
        QTest::newRow("query") << QByteArray("/health/liveness?verbose=1") << 200;
        QTest::newRow("percent-encoded, with query") << QByteArray("/health/%6Civeness?verbose=1") << 200;
        QTest::newRow("percent-encoded slash") << QByteArray("/health%2Fliveness") << 200;
        QTest::newRow("leading double slash: an authority to QUrl") << QByteArray("//health/liveness") << 404;
        QTest::newRow("dot segment kept") << QByteArray("/health/./liveness") << 404;
        QTest::newRow("plain with dash and underscore") << QByteArray("/no-such_path/x1") << 404;
    }

    void requestTargets()
    {
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        client.write(request("GET", target));
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, status);
    }

    void requestsInPieces_data()
    {
        // Where the bytes of a proxied POST and a GET pipelined behind it are cut into separate
        // writes. Named cuts: "first" is the POST's length, "head" the end of the POST's head.
        QTest::addColumn<QStringList>("cuts");
        QTest::newRow("in the request line") << QStringList{QStringLiteral("10")};
        QTest::newRow("between two headers") << QStringList{QStringLiteral("head-40")};
        QTest::newRow("after the head") << QStringList{QStringLiteral("head")};
        QTest::newRow("inside the body") << QStringList{QStringLiteral("head+15")};
        QTest::newRow("before the POST's last byte") << QStringList{QStringLiteral("first-1")};
        QTest::newRow("right after the POST") << QStringList{QStringLiteral("first")};
        QTest::newRow("inside the GET's head") << QStringList{QStringLiteral("first+12")};
        QTest::newRow("head, body and GET apart")
            << QStringList{QStringLiteral("head-3"), QStringLiteral("head+20"), QStringLiteral("first+1"), QStringLiteral("first+30")};
    }

    void requestsInPieces()
    {
        // Each piece sent after the server has had time to read the one before: the parser has
        // to carry a request across reads, whether it parses from the read or from what it kept.
        QFETCH(QStringList, cuts);
        const QString content = QStringLiteral("sent in pieces: \"quoted\", caf\u00e9, \u65e5\u672c");
        const QByteArray post = request("POST", "/v1/chat/completions", Gateway::chatBody(QStringLiteral("m1"), false, {}, content),
                                        QByteArray("Authorization: Bearer " + gw->mint() + "\r\n"));
        const QByteArray all = post + request("GET", "/health/liveness");
        const qsizetype head = post.indexOf("\r\n\r\n") + 4;
        QList<qsizetype> at;
        for (const QString &cut : cuts) {
            static const QRegularExpression form(QStringLiteral("^(first|head)?([+-]?\\d+)?$"));
            const auto m = form.match(cut);
            QVERIFY2(m.hasMatch(), qPrintable(cut));
            const qsizetype base = m.captured(1) == QLatin1String("first") ? post.size() : m.captured(1) == QLatin1String("head") ? head : 0;
            at.append(base + m.captured(2).toLongLong());
        }
        at.append(all.size());

        const qsizetype forwardedBefore = gw->upstream.http().requests.size();
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        qsizetype from = 0;
        for (const qsizetype to : at) {
            QVERIFY(to > from && to <= all.size());
            client.write(all.mid(from, to - from));
            QTest::qWait(30);
            from = to;
        }
        const auto chat = client.read();
        QVERIFY(chat);
        QCOMPARE(chat->status, 200);
        QCOMPARE(QJsonDocument::fromJson(chat->body).object().value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
        QCOMPARE(gw->upstream.http().requests.size(), forwardedBefore + 1);
        const QJsonArray messages = gw->upstream.lastBody().value(QLatin1String("messages")).toArray();
        QCOMPARE(messages.first().toObject().value(QLatin1String("content")).toString(), content);
        const auto health = client.read();
        QVERIFY(health);
        QCOMPARE(health->status, 200);
        QVERIFY(client.connected());
        QVERIFY(client.buffered().isEmpty());
    }

    void pipelinedAnswersInOrder()
    {
        // A slow stream first, then a quick GET on the same connection: the GET's answer must
        // wait for the stream's end, never interleave with it.
        gw->upstream.behavior.chunkDelayMs = 30;
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        QByteArray chat = Gateway::chatBody(QStringLiteral("m1"), true);
        client.write(request("POST", "/v1/chat/completions", chat, QByteArray("Authorization: Bearer " + gw->mint() + "\r\n"))
                     + request("GET", "/health/liveness"));
        const auto first = client.read();
        gw->upstream.behavior.chunkDelayMs = 0;
        QVERIFY(first);
        QCOMPARE(first->status, 200);
        QVERIFY2(first->body.contains("[DONE]"), first->body.constData());
        const auto second = client.read();
        QVERIFY(second);
        QCOMPARE(second->status, 200);
        QCOMPARE(second->header("content-type"), QByteArray("application/json"));
    }

    void manyPipelinedRequestsBehindAStream()
    {
        // More pipelined requests than the server reads ahead while a stream runs (256 KiB): the
        // rest waits in TCP, and every one is answered, in order, once the stream ends.
        gw->upstream.behavior.chunkDelayMs = 20;
        RawClient client;
        QVERIFY(client.connectTo(gw->server.port()));
        const QByteArray chat = Gateway::chatBody(QStringLiteral("m1"), true);
        QByteArray all = request("POST", "/v1/chat/completions", chat, QByteArray("Authorization: Bearer " + gw->mint() + "\r\n"));
        const int gets = 6000;
        const QByteArray padding = "X-Padding: " + QByteArray(400, 'p') + "\r\n";
        for (int i = 0; i < gets; ++i)
            all += request("GET", i % 2 ? "/health/liveness" : "/no/such/path", {}, padding);
        QVERIFY(all.size() > 8 * 256 * 1024);
        client.write(all);
        const auto first = client.read();
        gw->upstream.behavior.chunkDelayMs = 0;
        QVERIFY(first);
        QCOMPARE(first->status, 200);
        QVERIFY(first->body.contains("[DONE]"));
        for (int i = 0; i < gets; ++i) {
            const auto r = client.read();
            QVERIFY2(r, qPrintable(QStringLiteral("no answer to pipelined request %1").arg(i)));
            QCOMPARE(r->status, i % 2 ? 200 : 404);
        }
        QVERIFY(client.connected());
    }

    void serveOnSeveralThreads_data()
    {
        QTest::addColumn<QString>("eventLoop");
        QTest::addColumn<QByteArray>("logged");
        QTest::newRow("epoll") << QStringLiteral("epoll") << QByteArray("serving on 3 threads, waiting in epoll; main thread in epoll");
        QTest::newRow("qt") << QStringLiteral("qt") << QByteArray("serving on 3 threads, waiting in Qt's poll() loop; main thread in Qt's poll() loop");
    }

    void serveOnSeveralThreads()
    {
        // Connections spread over three serving threads all get answers; the gauge tells how many.
        QFETCH(QString, eventLoop);
        QFETCH(QByteArray, logged);
        ServerProcess server({QStringLiteral("--workers"), QStringLiteral("3"), QStringLiteral("--event-loop"), eventLoop});
        QVERIFY2(server.start(), server.output().constData());
        QVERIFY2(server.output().contains(logged), server.output().constData());
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 12; ++i) {
            clients.push_back(std::make_unique<RawClient>());
            QVERIFY(clients.back()->connectTo(server.port()));
            clients.back()->write(request("GET", "/health/liveness"));
        }
        for (auto &client : clients) {
            const auto r = client->read();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
        }
        RawClient metrics;
        QVERIFY(metrics.connectTo(server.port()));
        metrics.write(request("GET", "/metrics"));
        const auto m = metrics.read();
        QVERIFY(m);
        QCOMPARE(metricSample(m->body, "dynaseal_http_workers"), 3.0);
        QCOMPARE(metricSample(m->body, "dynaseal_connections_open"), 13.0);
    }

    void pinServingThreads_data()
    {
        // The server inherits this process's CPUs; each row says what each serving thread may
        // then use.
        QTest::addColumn<QString>("setting"); // empty: the default (auto)
        QTest::addColumn<int>("workers");
        QTest::addColumn<bool>("pinned");
        QTest::addColumn<QList<Cpus>>("expected");
        const Cpus allowed = allowedCpusOf(QStringLiteral("/proc/self"));
        const int n = int(allowed.size());
        auto each = [&](int workers, bool pinned) {
            QList<Cpus> cpus;
            for (int i = 0; i < workers; ++i)
                cpus.append(pinned ? Cpus{allowed[i % n]} : allowed);
            return cpus;
        };
        QTest::newRow("on") << QStringLiteral("on") << 2 << true << each(2, true);
        QTest::newRow("off") << QStringLiteral("off") << 2 << false << each(2, false);
        // By default only one per CPU, and only with two or more (on one CPU nothing would move).
        if (n + 1 > 256) // --workers' highest
            return;
        QTest::newRow("auto, one a CPU") << QString() << n << (n >= 2) << each(n, n >= 2);
        QTest::newRow("auto, more than CPUs") << QString() << n + 1 << false << each(n + 1, false);
    }

    void pinServingThreads()
    {
        QFETCH(QString, setting);
        QFETCH(int, workers);
        QFETCH(bool, pinned);
        QFETCH(QList<Cpus>, expected);
        QStringList args{QStringLiteral("--workers"), QString::number(workers)};
        if (!setting.isEmpty())
            args << QStringLiteral("--pin-serving-threads") << setting;
        ServerProcess server(args);
        QVERIFY2(server.start(), server.output().constData());
        QMap<QString, Cpus> threads; // by name: "http-0", "http-1", …
        for (const auto &[name, cpus] : threadCpus(server.pid(), QStringLiteral("http-")))
            threads.insert(name, cpus);
        QCOMPARE(threads.size(), workers);
        QStringList pinnedTo;
        for (int i = 0; i < workers; ++i) {
            const QString name = QStringLiteral("http-%1").arg(i);
            QVERIFY2(threads.contains(name), qPrintable(name));
            QCOMPARE(threads.value(name), expected[i]);
            if (pinned)
                pinnedTo.append(QString::number(expected[i].first()));
        }
        // The main thread, and with it every thread it starts later, keeps the process's CPUs.
        QCOMPARE(allowedCpusOf(QStringLiteral("/proc/%1").arg(server.pid())), allowedCpusOf(QStringLiteral("/proc/self")));
        const QByteArray logged = "serving threads pinned to CPUs " + pinnedTo.join(QStringLiteral(", ")).toUtf8();
        QVERIFY2(server.output().contains(logged) == pinned, server.output().constData());
        // Pinned or not, the threads serve.
        QCOMPARE(TestHttp(server.origin()).get(QStringLiteral("/health/liveness")).status, 200);
    }

    void poolThreadsOfPinnedServingThreadsRunAnywhere()
    {
        // A login's scrypt runs on a pool thread that a serving thread started, so it would
        // inherit that thread's one CPU; it takes back the process's.
        const Cpus allowed = allowedCpusOf(QStringLiteral("/proc/self"));
        if (allowed.size() < 2)
            QSKIP("needs two CPUs to tell pinned from not");
        ServerProcess server({QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--pin-serving-threads"), QStringLiteral("on")});
        QVERIFY2(server.start(), server.output().constData());
        TestHttp http(server.origin());
        QCOMPARE(http.loginAsAdmin().status, 200);
        const QList<QPair<QString, Cpus>> pooled = threadCpus(server.pid(), QStringLiteral("Thread (pooled)")); // Qt's name for them
        QVERIFY(!pooled.isEmpty());
        for (const auto &[name, cpus] : pooled)
            QCOMPARE(cpus, allowed);
    }

    void idleTimeout()
    {
        ServerProcess server({QStringLiteral("--idle-timeout"), QStringLiteral("1")});
        QVERIFY2(server.start(), server.output().constData());

        RawClient silent;
        QVERIFY(silent.connectTo(server.port()));
        QVERIFY(silent.waitForClose(5'000));

        // Also after a request was answered.
        RawClient served;
        QVERIFY(served.connectTo(server.port()));
        served.write(request("GET", "/health/liveness"));
        const auto r = served.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(served.waitForClose(5'000));

        // A half-sent request does not keep a connection alive forever either.
        RawClient partial;
        QVERIFY(partial.connectTo(server.port()));
        partial.write("GET /health/liveness HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        QVERIFY(partial.waitForClose(5'000));
        QVERIFY(server.isRunning());
    }
};

QTEST_GUILESS_MAIN(TransportTest)
#include "TransportTest.moc"

// The proxy end to end through the real server: what the device gets back, what the upstream is
// sent (its real key, a max_tokens the budget can pay for), what is billed and called back, on
// success, on bad input, and when the upstream fails, hangs or breaks off; and the usage views.
#include "tests/support/Gateway.h"
#include "server/core/TokenEstimator.h"

#include <QTcpServer>
#include <QtTest>
#include <memory>

using namespace dynaseal;
using namespace dynaseal::test;

namespace {

const QByteArray kUpstreamKey = "sk-upstream-test-key-0001"; // what Gateway registers for the fake upstream

QJsonObject parse(const QByteArray &json) { return QJsonDocument::fromJson(json).object(); }

// The payloads of a Server-Sent Events body, in order ("data: " stripped).
QList<QByteArray> sseData(const QByteArray &body)
{
    QList<QByteArray> out;
    for (QByteArray event : body.split('\n')) {
        if (event.endsWith('\r'))
            event.chop(1);
        if (event.startsWith("data:"))
            out.append(event.mid(5).trimmed());
    }
    return out;
}

// The first choice's streamed text, concatenated.
QString streamedContent(const QList<QByteArray> &events)
{
    QString content;
    for (const QByteArray &data : events) {
        const QJsonArray choices = parse(data).value(QLatin1String("choices")).toArray();
        if (!choices.isEmpty())
            content += choices.first().toObject().value(QLatin1String("delta")).toObject().value(QLatin1String("content")).toString();
    }
    return content;
}

QString describe(const HttpResult &r) { return QStringLiteral("status %1, body %2").arg(r.status).arg(QString::fromUtf8(r.body.left(600))); }

// Waits for the callback of the request that got `response` (matched by its X-Request-Id).
QJsonObject callbackFor(const Gateway &gw, const HttpResult &response)
{
    const QString requestId = QString::fromLatin1(response.header("X-Request-Id"));
    if (requestId.isEmpty())
        return {};
    QJsonObject found;
    waitFor([&] {
        for (const QJsonObject &c : gw.receiver.acknowledged()) {
            if (c.value(QLatin1String("request_id")).toString() == requestId) {
                found = c;
                return true;
            }
        }
        return false;
    });
    return found;
}

qint64 tenantUsed(Gateway &gw, const QString &tenantId)
{
    const HttpResult r = gw.http.get(QStringLiteral("/admin/v1/tenants/%1").arg(tenantId), gw.adminToken);
    return r.status == 200 ? r.json().value(QLatin1String("tokens_used")).toInteger(-1) : -1;
}

HttpResult requestLog(Gateway &gw, const QString &query)
{
    return gw.http.get(QStringLiteral("/admin/v1/requests?") + query, gw.adminToken);
}

QJsonObject requestLogItem(Gateway &gw, const QString &requestId)
{
    for (const QJsonValue &item : requestLog(gw, QStringLiteral("tenant_id=%1&limit=1000").arg(gw.tenantId)).json().value(QLatin1String("items")).toArray()) {
        if (item.toObject().value(QLatin1String("id")).toString() == requestId)
            return item.toObject();
    }
    return {};
}

} // namespace

class ProxyTest : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Gateway> m_gw;

    // A failed upstream call is answered, called back as "error" with no tokens, and billed nothing.
    static void verifyFailedCall(Gateway &gw, const HttpResult &r, qint64 usedBefore)
    {
        QVERIFY2(!r.header("X-Request-Id").isEmpty(), qPrintable(describe(r)));
        const QJsonObject callback = callbackFor(gw, r);
        QVERIFY2(!callback.isEmpty(), "no callback for the failed call");
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("error"));
        QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(-1), 0);
        QCOMPARE(callback.value(QLatin1String("usage")).toObject().value(QLatin1String("total_tokens")).toInteger(-1), 0);
        QCOMPARE(tenantUsed(gw, gw.tenantId), usedBefore);
        const QJsonObject logged = requestLogItem(gw, QString::fromLatin1(r.header("X-Request-Id")));
        QCOMPARE(logged.value(QLatin1String("status")).toString(), QStringLiteral("error"));
        QCOMPARE(logged.value(QLatin1String("total_tokens")).toInteger(-1), 0);
        QVERIFY(!r.body.contains(kUpstreamKey));
    }

private slots:
    void initTestCase()
    {
        // Upstream failures are provoked on purpose here, one after another: keep the only
        // upstream in rotation (taking it out is UpstreamFailoverTest's subject).
        m_gw = std::make_unique<Gateway>(QStringList{QStringLiteral("--upstream-eject-after"), QStringLiteral("0")});
        QString why;
        QVERIFY2(m_gw->setUp(&why), qPrintable(why));
    }

    void init() { m_gw->upstream.behavior = UpstreamBehavior(); }

    void cleanupTestCase() { m_gw.reset(); }

    void nonStreamedChat()
    {
        const qint64 usedBefore = tenantUsed(*m_gw, m_gw->tenantId);
        const QByteArray key = m_gw->mint({{QStringLiteral("event_id"), QStringLiteral("evt-plain")}});
        const HttpResult r = m_gw->chat(key, Gateway::chatBody(QStringLiteral("m1"), false, {{QStringLiteral("max_tokens"), 20}}));
        QVERIFY2(r.status == 200, qPrintable(describe(r)));

        // The upstream's answer is passed through as it was.
        const QJsonObject body = r.json();
        QCOMPARE(body.value(QLatin1String("id")).toString(), QStringLiteral("chatcmpl-fake"));
        QCOMPARE(body.value(QLatin1String("choices")).toArray().first().toObject().value(QLatin1String("message")).toObject().value(QLatin1String("content")).toString(),
                 QStringLiteral("w0 w1 w2 w3 w4"));
        const QJsonObject usage = body.value(QLatin1String("usage")).toObject();
        QCOMPARE(usage.value(QLatin1String("prompt_tokens")).toInteger(), 9);
        QCOMPARE(usage.value(QLatin1String("completion_tokens")).toInteger(), 5);
        QCOMPARE(usage.value(QLatin1String("total_tokens")).toInteger(), 14);
        const QByteArray requestId = r.header("X-Request-Id");
        QVERIFY(!requestId.isEmpty());

        // The upstream saw the real key, never the dynamic key, and the device's max_tokens.
        const RecordedRequest sent = m_gw->upstream.http().requests.last();
        QCOMPARE(sent.path, QByteArray("/v1/chat/completions"));
        QCOMPARE(sent.headers.value("authorization"), QByteArray("Bearer " + kUpstreamKey));
        for (auto it = sent.headers.begin(); it != sent.headers.end(); ++it)
            QVERIFY2(!it.value().contains(key) && !it.value().contains(m_gw->tenantKey), it.key().constData());
        QVERIFY(!sent.body.contains(key));
        QCOMPARE(parse(sent.body).value(QLatin1String("max_tokens")).toInteger(), 20);
        QCOMPARE(parse(sent.body).value(QLatin1String("model")).toString(), QStringLiteral("m1"));

        // Called back, signed, with what was asked, answered and spent.
        const QJsonObject callback = callbackFor(*m_gw, r);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(callback.value(QLatin1String("event_id")).toString(), QStringLiteral("evt-plain"));
        QCOMPARE(callback.value(QLatin1String("content")).toString(), QStringLiteral("w0 w1 w2 w3 w4"));
        QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(), 14);
        QCOMPARE(callback.value(QLatin1String("usage")).toObject(), usage);
        QCOMPARE(callback.value(QLatin1String("model")).toString(), QStringLiteral("m1"));
        QCOMPARE(callback.value(QLatin1String("tenant_id")).toString(), m_gw->tenantId);
        for (const RecordedRequest &d : m_gw->receiver.deliveries())
            QVERIFY(CallbackReceiver::signatureValid(d, m_gw->callbackSecret));
        QCOMPARE(tenantUsed(*m_gw, m_gw->tenantId), usedBefore + 14);
        const QJsonObject logged = requestLogItem(*m_gw, QString::fromLatin1(requestId));
        QCOMPARE(logged.value(QLatin1String("usage_source")).toString(), QStringLiteral("upstream"));
        QCOMPARE(logged.value(QLatin1String("total_tokens")).toInteger(), 14);
    }

    void completionCap_data()
    {
        QTest::addColumn<QString>("field");  // the field the device uses
        QTest::addColumn<qint64>("budget");  // the key's max_tokens
        QTest::addColumn<qint64>("asked");   // 0: the device asks for nothing

        const QString maxTokens = QStringLiteral("max_tokens");
        const QString maxCompletion = QStringLiteral("max_completion_tokens");
        QTest::newRow("max_tokens that fits") << maxTokens << qint64(1000) << qint64(20);
        QTest::newRow("max_tokens over the budget") << maxTokens << qint64(100) << qint64(5000);
        QTest::newRow("max_completion_tokens that fits") << maxCompletion << qint64(1000) << qint64(20);
        QTest::newRow("max_completion_tokens over the budget") << maxCompletion << qint64(150) << qint64(5000);
        QTest::newRow("nothing asked, small budget") << maxTokens << qint64(200) << qint64(0);
    }

    void completionCap()
    {
        QFETCH(QString, field);
        QFETCH(qint64, budget);
        QFETCH(qint64, asked);

        const QByteArray key = m_gw->mint({{QStringLiteral("max_tokens"), budget}});
        QJsonObject extra;
        if (asked > 0)
            extra.insert(field, asked);
        const QByteArray body = Gateway::chatBody(QStringLiteral("m1"), false, extra);
        const HttpResult r = m_gw->chat(key, body);
        QVERIFY2(r.status == 200, qPrintable(describe(r)));

        const QJsonObject sent = m_gw->upstream.lastBody();
        QVERIFY2(sent.contains(field), QJsonDocument(sent).toJson().constData());
        if (field == QLatin1String("max_completion_tokens"))
            QVERIFY(!sent.contains(QLatin1String("max_tokens")));
        const qint64 forwarded = sent.value(field).toInteger(-1);
        // Whatever the upstream makes of the prompt, prompt + completion stays inside the budget.
        rapidjson::Document asSent;
        asSent.Parse(body.constData(), size_t(body.size()));
        const qint64 room = budget - tokens::promptSize(asSent).upperBound;
        QVERIFY(room > 0);
        if (asked > 0 && asked <= room)
            QCOMPARE(forwarded, asked);
        else
            QVERIFY2(forwarded >= 1 && forwarded <= room && (asked == 0 || forwarded < asked), qPrintable(QString::number(forwarded)));
        const QJsonObject callback = callbackFor(*m_gw, r);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QVERIFY(callback.value(QLatin1String("tokens")).toInteger() <= budget);
    }

    void streamedChat()
    {
        const qint64 usedBefore = tenantUsed(*m_gw, m_gw->tenantId);
        m_gw->upstream.behavior.chunkDelayMs = 5;
        const HttpResult r = m_gw->chat(m_gw->mint(), Gateway::chatBody(QStringLiteral("m1"), true));
        QVERIFY2(r.status == 200, qPrintable(describe(r)));
        QVERIFY(r.header("Content-Type").startsWith("text/event-stream"));
        QVERIFY(!r.header("X-Request-Id").isEmpty());

        // Every chunk, in order, then [DONE] last.
        const QList<QByteArray> events = sseData(r.body);
        QVERIFY2(events.size() >= 6, r.body.constData());
        QCOMPARE(events.last(), QByteArray("[DONE]"));
        QCOMPARE(events.count("[DONE]"), 1);
        QCOMPARE(streamedContent(events), QStringLiteral("w0 w1 w2 w3 w4"));

        // The gateway asked the upstream to report usage in the stream.
        const QJsonObject sent = m_gw->upstream.lastBody();
        QCOMPARE(sent.value(QLatin1String("stream")).toBool(), true);
        QCOMPARE(sent.value(QLatin1String("stream_options")).toObject().value(QLatin1String("include_usage")).toBool(), true);

        const QJsonObject callback = callbackFor(*m_gw, r);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(callback.value(QLatin1String("content")).toString(), QStringLiteral("w0 w1 w2 w3 w4"));
        const QJsonObject usage = callback.value(QLatin1String("usage")).toObject();
        QCOMPARE(usage.value(QLatin1String("prompt_tokens")).toInteger(), 9);
        QCOMPARE(usage.value(QLatin1String("completion_tokens")).toInteger(), 5);
        QCOMPARE(usage.value(QLatin1String("total_tokens")).toInteger(), 14);
        QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(), 14);
        QCOMPARE(tenantUsed(*m_gw, m_gw->tenantId), usedBefore + 14);
    }

    void noUsageReported_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::newRow("non-streamed") << false;
        QTest::newRow("streamed") << true;
    }

    void noUsageReported()
    {
        QFETCH(bool, stream);
        m_gw->upstream.behavior.reportUsage = false;
        const qint64 usedBefore = tenantUsed(*m_gw, m_gw->tenantId);
        const HttpResult r = m_gw->chat(m_gw->mint(), Gateway::chatBody(QStringLiteral("m1"), stream));
        QVERIFY2(r.status == 200, qPrintable(describe(r)));
        if (!stream)
            QVERIFY(!r.json().contains(QLatin1String("usage")));

        // An estimate is billed, called back and logged as one.
        const QJsonObject callback = callbackFor(*m_gw, r);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        const qint64 tokens = callback.value(QLatin1String("tokens")).toInteger();
        QVERIFY2(tokens > 0, QJsonDocument(callback).toJson().constData());
        const QJsonObject usage = callback.value(QLatin1String("usage")).toObject();
        QCOMPARE(usage.value(QLatin1String("total_tokens")).toInteger(), tokens);
        QVERIFY(usage.value(QLatin1String("prompt_tokens")).toInteger() > 0);
        QVERIFY(usage.value(QLatin1String("completion_tokens")).toInteger() > 0);
        QCOMPARE(tenantUsed(*m_gw, m_gw->tenantId), usedBefore + tokens);
        const QJsonObject logged = requestLogItem(*m_gw, QString::fromLatin1(r.header("X-Request-Id")));
        QCOMPARE(logged.value(QLatin1String("usage_source")).toString(), QStringLiteral("estimate"));
        QCOMPARE(logged.value(QLatin1String("total_tokens")).toInteger(), tokens);
    }

    void chatAliases_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("/v1/chat/completions") << QStringLiteral("/v1/chat/completions");
        QTest::newRow("/chat/completions") << QStringLiteral("/chat/completions");
        QTest::newRow("/api/v1/chat/completions") << QStringLiteral("/api/v1/chat/completions");
    }

    void chatAliases()
    {
        QFETCH(QString, path);
        for (bool stream : {false, true}) {
            const HttpResult r = m_gw->chat(m_gw->mint(), Gateway::chatBody(QStringLiteral("m1"), stream), path);
            QVERIFY2(r.status == 200, qPrintable(describe(r)));
            QCOMPARE(m_gw->upstream.http().requests.last().path, QByteArray("/v1/chat/completions"));
            const QJsonObject callback = callbackFor(*m_gw, r);
            QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
            QCOMPARE(callback.value(QLatin1String("content")).toString(), QStringLiteral("w0 w1 w2 w3 w4"));
            QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(), 14);
        }
    }

    void completions()
    {
        const qint64 usedBefore = tenantUsed(*m_gw, m_gw->tenantId);
        const QByteArray body = R"({"model":"m1","prompt":"Once upon a time","max_tokens":10})";
        const HttpResult r = m_gw->chat(m_gw->mint(), body, QStringLiteral("/v1/completions"));
        QVERIFY2(r.status == 200, qPrintable(describe(r)));
        QCOMPARE(m_gw->upstream.http().requests.last().path, QByteArray("/v1/completions"));
        QCOMPARE(m_gw->upstream.lastBody().value(QLatin1String("prompt")).toString(), QStringLiteral("Once upon a time"));
        QCOMPARE(m_gw->upstream.lastBody().value(QLatin1String("max_tokens")).toInteger(), 10);
        const QJsonObject callback = callbackFor(*m_gw, r);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(), 14);
        QCOMPARE(tenantUsed(*m_gw, m_gw->tenantId), usedBefore + 14);
    }

    void embeddings()
    {
        const qint64 usedBefore = tenantUsed(*m_gw, m_gw->tenantId);
        const QByteArray body = R"({"model":"m1","input":["hello","world"]})";
        const HttpResult r = m_gw->chat(m_gw->mint(), body, QStringLiteral("/v1/embeddings"));
        QVERIFY2(r.status == 200, qPrintable(describe(r)));
        QCOMPARE(r.data().first().toObject().value(QLatin1String("embedding")).toArray().size(), 2);
        QCOMPARE(m_gw->upstream.http().requests.last().path, QByteArray("/v1/embeddings"));
        // Embeddings produce no completion: nothing to cap, nothing to stream.
        const QJsonObject sent = m_gw->upstream.lastBody();
        QVERIFY(!sent.contains(QLatin1String("max_tokens")));
        QVERIFY(!sent.contains(QLatin1String("stream_options")));

        // Only the prompt tokens are billed.
        const QJsonObject callback = callbackFor(*m_gw, r);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(), 9);
        QCOMPARE(callback.value(QLatin1String("usage")).toObject().value(QLatin1String("prompt_tokens")).toInteger(), 9);
        QCOMPARE(callback.value(QLatin1String("usage")).toObject().value(QLatin1String("completion_tokens")).toInteger(-1), 0);
        QCOMPARE(tenantUsed(*m_gw, m_gw->tenantId), usedBefore + 9);
    }

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("body");

        auto chat = [](const QJsonObject &extra) { return Gateway::chatBody(QStringLiteral("m1"), false, extra); };
        QTest::newRow("not JSON") << QByteArray("{\"model\": \"m1\", ");
        QTest::newRow("JSON array") << QByteArray(R"([{"model":"m1"}])");
        QTest::newRow("missing model") << QByteArray(R"({"messages":[{"role":"user","content":"hi"}]})");
        QTest::newRow("model not a string") << QByteArray(R"({"model":1,"messages":[{"role":"user","content":"hi"}]})");
        QTest::newRow("missing messages") << QByteArray(R"({"model":"m1"})");
        QTest::newRow("messages empty") << QByteArray(R"({"model":"m1","messages":[]})");
        QTest::newRow("stream \"yes\"") << chat({{QStringLiteral("stream"), QStringLiteral("yes")}});
        QTest::newRow("max_tokens 0") << chat({{QStringLiteral("max_tokens"), 0}});
        QTest::newRow("max_tokens -1") << chat({{QStringLiteral("max_tokens"), -1}});
        QTest::newRow("max_tokens 1.5") << chat({{QStringLiteral("max_tokens"), 1.5}});
        QTest::newRow("max_tokens \"10\"") << chat({{QStringLiteral("max_tokens"), QStringLiteral("10")}});
        QTest::newRow("max_completion_tokens 0") << chat({{QStringLiteral("max_completion_tokens"), 0}});
        QTest::newRow("n 0") << chat({{QStringLiteral("n"), 0}});
        QTest::newRow("n 500") << chat({{QStringLiteral("n"), 500}});
        // Ambiguous or malformed JSON that a lenient parser would have taken.
        QTest::newRow("model twice") << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"model":"m2"})");
        QTest::newRow("max_tokens twice") << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":1,"max_tokens":99999})");
        QTest::newRow("invalid UTF-8") << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"\xc3\x28\"}]}");
        QTest::newRow("lone low surrogate escaped") << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"\udc00"}]})");
        QTest::newRow("nested 600 deep")
            << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"x":)" + QByteArray(600, '[') + QByteArray(600, ']') + "}");
    }

    void badInput()
    {
        QFETCH(QByteArray, body);
        const qsizetype forwardedBefore = m_gw->upstream.http().requests.size();
        const qint64 usedBefore = tenantUsed(*m_gw, m_gw->tenantId);
        const qint64 loggedBefore = requestLog(*m_gw, QStringLiteral("tenant_id=") + m_gw->tenantId).json().value(QLatin1String("total")).toInteger(-1);

        const HttpResult r = m_gw->chat(m_gw->mint(), body);
        QVERIFY2(r.status == 400, qPrintable(describe(r)));
        QVERIFY(!r.errorMessage().isEmpty());
        QCOMPARE(r.json().value(QLatin1String("error")).toObject().value(QLatin1String("type")).toString(), QStringLiteral("invalid_request_error"));

        // Nothing was forwarded, logged or billed.
        QCOMPARE(m_gw->upstream.http().requests.size(), forwardedBefore);
        QCOMPARE(tenantUsed(*m_gw, m_gw->tenantId), usedBefore);
        QCOMPARE(requestLog(*m_gw, QStringLiteral("tenant_id=") + m_gw->tenantId).json().value(QLatin1String("total")).toInteger(-1), loggedBefore);
    }

    void upstreamFails_data()
    {
        QTest::addColumn<int>("upstreamStatus");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");      // empty: not checked
        QTest::addColumn<bool>("passedThrough"); // the upstream's body reaches the device

        QTest::newRow("500") << 500 << 502 << QString() << false;
        QTest::newRow("401: our upstream key is refused") << 401 << 502 << QStringLiteral("upstream_auth_failed") << false;
        QTest::newRow("400: the device's request is refused") << 400 << 400 << QString() << true;
        QTest::newRow("429") << 429 << 429 << QString() << false;
        QTest::newRow("503: unavailable stays 503") << 503 << 503 << QStringLiteral("upstream_unavailable") << false;
        QTest::newRow("504: timeout stays 504") << 504 << 504 << QStringLiteral("upstream_timeout") << false;
    }

    void upstreamFails()
    {
        QFETCH(int, upstreamStatus);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(bool, passedThrough);

        m_gw->upstream.behavior.status = upstreamStatus;
        const qint64 usedBefore = tenantUsed(*m_gw, m_gw->tenantId);
        for (bool stream : {false, true}) {
            const HttpResult r = m_gw->chat(m_gw->mint(), Gateway::chatBody(QStringLiteral("m1"), stream));
            QVERIFY2(r.status == status, qPrintable(describe(r)));
            if (!code.isEmpty())
                QCOMPARE(r.errorCode(), code);
            if (passedThrough)
                QCOMPARE(parse(r.body), parse(m_gw->upstream.behavior.errorBody));
            else
                QVERIFY(!r.errorMessage().isEmpty());
            verifyFailedCall(*m_gw, r, usedBefore);
        }
    }

    void upstreamUnreachable()
    {
        quint16 closedPort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            closedPort = probe.serverPort();
        }
        const HttpResult created = m_gw->http.post(QStringLiteral("/admin/v1/upstreams"),
                                                   {{QStringLiteral("name"), QStringLiteral("dead")},
                                                    {QStringLiteral("base_url"), QStringLiteral("http://127.0.0.1:%1/v1").arg(closedPort)},
                                                    {QStringLiteral("api_key"), QStringLiteral("sk-dead-upstream-key")},
                                                    {QStringLiteral("models"), QJsonArray{QStringLiteral("dead")}}},
                                                   m_gw->adminToken);
        QVERIFY2(created.status == 201, qPrintable(describe(created)));

        const qint64 usedBefore = tenantUsed(*m_gw, m_gw->tenantId);
        const qsizetype forwardedBefore = m_gw->upstream.http().requests.size();
        const HttpResult r = m_gw->chat(m_gw->mint({{QStringLiteral("model"), QStringLiteral("dead")}}), Gateway::chatBody(QStringLiteral("dead")));
        QVERIFY2(r.status == 502, qPrintable(describe(r)));
        QCOMPARE(r.errorCode(), QStringLiteral("upstream_unreachable"));
        QVERIFY(!r.body.contains("sk-dead-upstream-key"));
        QCOMPARE(m_gw->upstream.http().requests.size(), forwardedBefore); // not routed to the live one
        verifyFailedCall(*m_gw, r, usedBefore);
    }

    void upstreamHangs()
    {
        Gateway gw({QStringLiteral("--upstream-first-byte-timeout-ms"), QStringLiteral("300")});
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.upstream.behavior.hang = true;
        for (bool stream : {false, true}) {
            const HttpResult r = gw.chat(gw.mint(), Gateway::chatBody(QStringLiteral("m1"), stream));
            QVERIFY2(r.status == 504, qPrintable(describe(r)));
            QVERIFY(!r.errorCode().isEmpty());
            verifyFailedCall(gw, r, 0);
        }
    }

    void streamBrokenOff()
    {
        m_gw->upstream.behavior.breakAfterChunks = 2;
        const HttpResult r = m_gw->chat(m_gw->mint(), Gateway::chatBody(QStringLiteral("m1"), true));
        QVERIFY2(r.status == 200, qPrintable(describe(r))); // the stream had begun
        const QList<QByteArray> events = sseData(r.body);
        QVERIFY2(events.size() == 3, r.body.constData());
        // The first chunks as sent, then an in-band error; never a [DONE] that would pass it as complete.
        QCOMPARE(streamedContent(events.mid(0, 2)), QStringLiteral("w0 w1"));
        const QJsonObject error = parse(events.last()).value(QLatin1String("error")).toObject();
        QVERIFY2(!error.value(QLatin1String("message")).toString().isEmpty(), events.last().constData());
        QVERIFY(!r.body.contains("[DONE]"));

        const QJsonObject callback = callbackFor(*m_gw, r);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("error"));
        QCOMPARE(callback.value(QLatin1String("content")).toString(), QStringLiteral("w0 w1"));
        QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(), callback.value(QLatin1String("usage")).toObject().value(QLatin1String("total_tokens")).toInteger(-1));
    }

    void usageViews()
    {
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));

        // A second tenant, so filters have something to leave out.
        const HttpResult other = gw.http.post(QStringLiteral("/admin/v1/tenants"),
                                              {{QStringLiteral("name"), QStringLiteral("Other")}, {QStringLiteral("callback_url"), gw.receiver.url()}},
                                              gw.adminToken);
        QCOMPARE(other.status, 201);
        const QString otherId = other.json().value(QLatin1String("id")).toString();
        const HttpResult otherKey = gw.http.post(QStringLiteral("/admin/v1/tenants/%1/keys").arg(otherId), {}, gw.adminToken);
        QCOMPARE(otherKey.status, 201);
        const QByteArray otherSecret = otherKey.json().value(QLatin1String("key")).toString().toLatin1();

        QList<HttpResult> calls;
        for (int i = 0; i < 3; ++i)
            calls.append(gw.chat(gw.mint(), Gateway::chatBody(QStringLiteral("m1"), i == 1)));
        gw.upstream.behavior.status = 500;
        calls.append(gw.chat(gw.mint(), Gateway::chatBody()));
        gw.upstream.behavior = UpstreamBehavior();
        calls.append(gw.chat(gw.mint({{QStringLiteral("api-key"), otherId}}, otherSecret), Gateway::chatBody()));
        QCOMPARE(calls.at(0).status, 200);
        QCOMPARE(calls.at(3).status, 502);
        QCOMPARE(calls.at(4).status, 200);
        qint64 tokens = 0;
        for (int i = 0; i < 4; ++i)
            tokens += callbackFor(gw, calls.at(i)).value(QLatin1String("tokens")).toInteger();
        QCOMPARE(tokens, 3 * 14);
        QVERIFY(!callbackFor(gw, calls.at(4)).isEmpty());

        // Minute buckets (summed, in case the calls straddled a minute) hold exactly the calls.
        const HttpResult usage = gw.http.get(QStringLiteral("/admin/v1/usage?granularity=minute&tenant_id=%1").arg(gw.tenantId), gw.adminToken);
        QVERIFY2(usage.status == 200, qPrintable(describe(usage)));
        QCOMPARE(usage.json().value(QLatin1String("granularity")).toString(), QStringLiteral("minute"));
        qint64 requests = 0, errors = 0, billed = 0;
        for (const QJsonValue &bucket : usage.data()) {
            requests += bucket.toObject().value(QLatin1String("requests")).toInteger();
            errors += bucket.toObject().value(QLatin1String("errors")).toInteger();
            billed += bucket.toObject().value(QLatin1String("total_tokens")).toInteger();
        }
        QVERIFY(!usage.data().isEmpty());
        QCOMPARE(requests, 4);
        QCOMPARE(errors, 1);
        QCOMPARE(billed, tokens);
        const HttpResult all = gw.http.get(QStringLiteral("/admin/v1/usage?granularity=minute"), gw.adminToken);
        qint64 allRequests = 0;
        for (const QJsonValue &bucket : all.data())
            allRequests += bucket.toObject().value(QLatin1String("requests")).toInteger();
        QCOMPARE(allRequests, 5);

        // The request log filters by tenant and status.
        auto total = [&](const QString &query) { return requestLog(gw, query).json().value(QLatin1String("total")).toInteger(-1); };
        QCOMPARE(total(QStringLiteral("tenant_id=") + gw.tenantId), 4);
        QCOMPARE(total(QStringLiteral("tenant_id=%1&status=ok").arg(gw.tenantId)), 3);
        QCOMPARE(total(QStringLiteral("tenant_id=%1&status=error").arg(gw.tenantId)), 1);
        QCOMPARE(total(QStringLiteral("tenant_id=") + otherId), 1);
        QCOMPARE(total(QStringLiteral("status=ok")), 4);
        QCOMPARE(total(QStringLiteral("tenant_id=tn_nobody")), 0);
        const QJsonArray errorItems = requestLog(gw, QStringLiteral("tenant_id=%1&status=error").arg(gw.tenantId)).json().value(QLatin1String("items")).toArray();
        QCOMPARE(errorItems.size(), 1);
        QCOMPARE(errorItems.first().toObject().value(QLatin1String("id")).toString(), QString::fromLatin1(calls.at(3).header("X-Request-Id")));

        // ... and pages with limit/offset, every row exactly once, total unchanged.
        QStringList seen;
        for (int offset = 0; offset < 6; offset += 2) {
            const QJsonObject page = requestLog(gw, QStringLiteral("tenant_id=%1&limit=2&offset=%2").arg(gw.tenantId).arg(offset)).json();
            QCOMPARE(page.value(QLatin1String("total")).toInteger(), 4);
            QCOMPARE(page.value(QLatin1String("total_exact")).toBool(false), true);
            const QJsonArray items = page.value(QLatin1String("items")).toArray();
            QCOMPARE(items.size(), offset < 4 ? 2 : 0);
            for (const QJsonValue &item : items) {
                QCOMPARE(item.toObject().value(QLatin1String("tenant_id")).toString(), gw.tenantId);
                seen.append(item.toObject().value(QLatin1String("id")).toString());
            }
        }
        // ... and by cursor: the same rows in the same order, the last page without a cursor.
        QStringList byCursor;
        QString cursor;
        for (int pages = 0; pages < 6; ++pages) {
            const QJsonObject page = requestLog(gw, QStringLiteral("tenant_id=%1&limit=1&cursor=%2").arg(gw.tenantId, cursor)).json();
            QCOMPARE(page.value(QLatin1String("total")).toInteger(), 4);
            for (const QJsonValue &item : page.value(QLatin1String("items")).toArray())
                byCursor.append(item.toObject().value(QLatin1String("id")).toString());
            cursor = page.value(QLatin1String("next_cursor")).toString();
            if (page.value(QLatin1String("next_cursor")).isNull())
                break;
            QVERIFY(!cursor.isEmpty());
        }
        QCOMPARE(byCursor, seen);
        QStringList expected;
        for (int i = 0; i < 4; ++i)
            expected.append(QString::fromLatin1(calls.at(i).header("X-Request-Id")));
        seen.sort();
        expected.sort();
        QCOMPARE(seen, expected);
        QCOMPARE(requestLog(gw, QStringLiteral("limit=0")).status, 400);
        QCOMPARE(requestLog(gw, QStringLiteral("offset=-1")).status, 400);
    }
};

QTEST_GUILESS_MAIN(ProxyTest)
#include "ProxyTest.moc"

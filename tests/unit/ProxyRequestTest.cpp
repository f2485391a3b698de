// ProxyRequest: validation of device bodies per endpoint, the body rewritten for the upstream,
// and the prompt size used for reservations.
#include "server/core/ProxyRequest.h"
#include "server/core/policy/TenantPolicy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

using namespace dynaseal;

Q_DECLARE_METATYPE(dynaseal::ProxyEndpoint)

namespace {

constexpr qint64 kNone = -1;

QJsonObject jsonObject(const QByteArray &text)
{
    return QJsonDocument::fromJson(text).object();
}

const ProxyRequest *parsed(const std::variant<ProxyRequest, ApiError> &result)
{
    return std::get_if<ProxyRequest>(&result);
}

QString describe(const std::variant<ProxyRequest, ApiError> &result)
{
    if (const auto *e = std::get_if<ApiError>(&result))
        return QStringLiteral("refused: %1 (%2)").arg(e->code, e->message);
    return QStringLiteral("accepted");
}

QByteArray chatWith(const QJsonValue &content)
{
    const QJsonObject body{{QStringLiteral("model"), QStringLiteral("m1")},
                           {QStringLiteral("messages"), QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                                                               {QStringLiteral("content"), content}}}}};
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QJsonObject textPart(const QString &text)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("text")}, {QStringLiteral("text"), text}};
}

QJsonObject imagePart()
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("image_url")},
                       {QStringLiteral("image_url"), QJsonObject{{QStringLiteral("url"), QStringLiteral("https://example.com/cat.png")}}}};
}

} // namespace

class ProxyRequestTest : public QObject
{
    Q_OBJECT

private slots:
    void parseValid_data();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
    void upstreamBody_data();
    void upstreamBody();
    void upstreamBodyAsWritten_data();
    void upstreamBodyAsWritten();
    void rewrite_data();
    void rewrite();
    void removeMember();
    void promptUpperBound_data();
    void promptUpperBound();
    void choices_data();
    void choices();
    void paths();
};

void ProxyRequestTest::parseValid_data()
{
    QTest::addColumn<ProxyEndpoint>("endpoint");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("stream");
    QTest::addColumn<qint64>("maxTokens"); // kNone: absent
    QTest::addColumn<bool>("usesMaxCompletionTokens");

    const auto chat = ProxyEndpoint::ChatCompletions;
    const auto completions = ProxyEndpoint::Completions;
    const auto embeddings = ProxyEndpoint::Embeddings;
    QTest::newRow("chat minimal") << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}]})") << false << kNone << false;
    QTest::newRow("chat streamed with max_tokens")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":10})") << true << 10LL << false;
    QTest::newRow("chat max_completion_tokens")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":20})") << false << 20LL << true;
    QTest::newRow("chat null max_completion_tokens falls back")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":null,"max_tokens":7})") << false << 7LL << false;
    QTest::newRow("chat null max_tokens and stream")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":null,"stream":null})") << false << kNone << false;
    QTest::newRow("chat both caps: the smaller counts")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":20,"max_tokens":8})") << false << 8LL << true;
    QTest::newRow("chat max_tokens written as 5.0")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":5.0})") << false << 5LL << false;
    QTest::newRow("chat content parts")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]})") << false << kNone << false;
    QTest::newRow("completions string prompt") << completions << QByteArray(R"({"model":"m1","prompt":"Say hi","max_tokens":3})") << false << 3LL << false;
    QTest::newRow("completions list prompt") << completions << QByteArray(R"({"model":"m1","prompt":["a","b"],"stream":true})") << true << kNone << false;
    QTest::newRow("embeddings string input") << embeddings << QByteArray(R"({"model":"e1","input":"text"})") << false << kNone << false;
    QTest::newRow("embeddings list input") << embeddings << QByteArray(R"({"model":"e1","input":["a","b"]})") << false << kNone << false;
    // The root object is level 1: an array nested inside it to the limit is still read.
    QTest::newRow("chat nested to the limit")
        << chat
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"x":)" + QByteArray(ProxyRequest::kMaxDepth - 1, '[')
                      + QByteArray(ProxyRequest::kMaxDepth - 1, ']') + "}")
        << false << kNone << false;
    QTest::newRow("chat same key in different objects")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}],"metadata":{"model":"x"}})")
        << false << kNone << false;
    QTest::newRow("embeddings never stream") << embeddings << QByteArray(R"({"model":"e1","input":"x","stream":true})") << false << kNone << false;
    // UTF-8 is checked over the whole body before parsing: text outside ASCII, raw or escaped,
    // also past the 16-byte blocks the checks and the parser scan, still reads as sent.
    const QByteArray longAscii(1000, 'a');
    QTest::newRow("chat text in several scripts")
        << chat << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"h\xc3\xa9, \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80\"}]}")
        << false << kNone << false;
    QTest::newRow("chat long text, then a 4-byte character")
        << chat << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"" + longAscii + "\xf0\x9f\x98\x80\"}]}") << false << kNone << false;
    QTest::newRow("chat escaped surrogate pair and escapes")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"\ud83d\ude00 \u00e9 \"q\" \\ \n"}]})") << false << kNone << false;
    // Parsed in place: each escape shortens its string where it stands, and what follows it in
    // the same string moves back; the strings and members after it stay as sent.
    QTest::newRow("chat escapes inside long texts, more members after")
        << chat
        << QByteArray(R"({"messages":[{"role":"user","content":")" + longAscii + R"(\"q\"\n)" + longAscii + R"(\u00e9 \ud83d\ude00"},)"
                      + R"({"role":"assistant","content":"a\\b\/c\t)" + longAscii + R"("}],"model":"m\u0031","user":"\u4f60)" + longAscii + R"("})")
        << false << kNone << false;
    QTest::newRow("chat non-ASCII key") << chat << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"metadata\":{\"cl\xc3\xa9\":1}}")
                                        << false << kNone << false;
}

void ProxyRequestTest::parseValid()
{
    QFETCH(ProxyEndpoint, endpoint);
    QFETCH(QByteArray, body);
    QFETCH(bool, stream);
    QFETCH(qint64, maxTokens);
    QFETCH(bool, usesMaxCompletionTokens);

    const auto result = ProxyRequest::parse(endpoint, body);
    const ProxyRequest *r = parsed(result);
    QVERIFY2(r, qPrintable(describe(result)));
    QCOMPARE(r->endpoint, endpoint);
    QCOMPARE(r->model, jsonObject(body).value(QLatin1String("model")).toString());
    QCOMPARE(r->bodyObject(), jsonObject(body));
    QCOMPARE(r->stream, stream);
    QCOMPARE(r->maxTokens.value_or(kNone), maxTokens);
    QCOMPARE(r->usesMaxCompletionTokens, usesMaxCompletionTokens);
    QCOMPARE(r->hasCompletion(), endpoint != ProxyEndpoint::Embeddings);
    QVERIFY(r->prompt.upperBound >= r->prompt.estimate);
}

void ProxyRequestTest::parseInvalid_data()
{
    QTest::addColumn<ProxyEndpoint>("endpoint");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("param"); // named in the message; empty for invalid_json

    const auto chat = ProxyEndpoint::ChatCompletions;
    const auto completions = ProxyEndpoint::Completions;
    const auto embeddings = ProxyEndpoint::Embeddings;
    const QString badJson = QStringLiteral("invalid_json");
    const QString badValue = QStringLiteral("invalid_value");
    const QByteArray msgs = R"("messages":[{"role":"user","content":"hi"}])";

    for (auto [name, endpoint] : {std::pair{"chat", chat}, std::pair{"completions", completions}, std::pair{"embeddings", embeddings}}) {
        QTest::addRow("%s: empty body", name) << endpoint << QByteArray() << badJson << QString();
        QTest::addRow("%s: not JSON", name) << endpoint << QByteArray("model=m1") << badJson << QString();
        QTest::addRow("%s: truncated JSON", name) << endpoint << QByteArray(R"({"model":"m1")") << badJson << QString();
        QTest::addRow("%s: JSON array", name) << endpoint << QByteArray(R"([{"model":"m1"}])") << badJson << QString();
        QTest::addRow("%s: model missing", name) << endpoint << QByteArray("{}") << badValue << QStringLiteral("model");
        QTest::addRow("%s: model empty", name) << endpoint << QByteArray(R"({"model":""})") << badValue << QStringLiteral("model");
        QTest::addRow("%s: model a number", name) << endpoint << QByteArray(R"({"model":5})") << badValue << QStringLiteral("model");
    }
    // What the checks read must be what the upstream reads: no key twice, valid UTF-8, one value.
    QTest::newRow("chat: model repeated")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"model":"m2"})") << badJson << QStringLiteral("model");
    QTest::newRow("chat: max_tokens repeated")
        << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"max_tokens":1,"max_tokens":100000})") << badJson << QStringLiteral("max_tokens");
    QTest::newRow("chat: key repeated in a message")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"a","content":"b"}]})") << badJson << QStringLiteral("content");
    QTest::newRow("chat: type repeated in a content part")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":[{"type":"image_url","type":"text","text":"x"}]}]})") << badJson
        << QStringLiteral("type");
    QByteArray manyKeys = R"({"model":"m1",)" + msgs + R"(,"metadata":{)";
    for (int i = 0; i < 40; ++i)
        manyKeys += QByteArray("\"k") + QByteArray::number(i) + "\":1,";
    QTest::newRow("chat: key repeated in a large object") << chat << QByteArray(manyKeys + R"("k7":2}})") << badJson << QStringLiteral("k7");
    QTest::newRow("chat: nested too deep")
        << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"x":)" + QByteArray(ProxyRequest::kMaxDepth, '[') + QByteArray(ProxyRequest::kMaxDepth, ']') + "}")
        << badJson << QString();
    QTest::newRow("chat: nested 100,000 deep")
        << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"x":)" + QByteArray(100'000, '[') + QByteArray(100'000, ']') + "}") << badJson << QString();
    QTest::newRow("chat: invalid UTF-8")
        << chat << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}") << badJson << QString();
    QTest::newRow("chat: lone surrogate escaped")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"\ud800"}]})") << badJson << QString();
    QTest::newRow("chat: lone low surrogate escaped")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"ok \udc00"}]})") << badJson << QString();
    QTest::newRow("chat: lone low surrogate escaped in a key")
        << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"metadata":{"\udfff":1}})") << badJson << QString();
    QTest::newRow("chat: overlong UTF-8")
        << chat << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"\xc0\xaf\"}]}") << badJson << QString();
    QTest::newRow("chat: surrogate written in UTF-8")
        << chat << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"\xed\xa0\x80\"}]}") << badJson << QString();
    QTest::newRow("chat: UTF-8 cut short at the end of a string")
        << chat << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"\xe4\xbd\"}]}") << badJson << QString();
    QTest::newRow("chat: invalid UTF-8 after 1,000 ASCII bytes")
        << chat << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"" + QByteArray(1000, 'a') + "\x80\"}]}") << badJson << QString();
    QTest::newRow("chat: invalid UTF-8 in a key")
        << chat << QByteArray("{\"model\":\"m1\"," + msgs + ",\"metadata\":{\"\xff\":1}}") << badJson << QString();
    QTest::newRow("chat: control character in a string")
        << chat << QByteArray("{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"" + QByteArray(40, 'a') + "\x01\"}]}") << badJson << QString();
    QTest::newRow("chat: a second value after the object") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(} {"model":"m2"})") << badJson << QString();
    QTest::newRow("chat: NUL byte after the object") << chat << QByteArray(R"({"model":"m1",)" + msgs + "}" + QByteArray(1, '\0') + "x") << badJson << QString();
    QTest::newRow("chat: number too big") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"temperature":1e999})") << badJson << QString();
    QTest::newRow("chat: bad max_tokens beside max_completion_tokens")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":20,"max_tokens":"abc"})") << badValue << QStringLiteral("max_tokens");
    QTest::newRow("chat: messages missing") << chat << QByteArray(R"({"model":"m1"})") << badValue << QStringLiteral("messages");
    QTest::newRow("chat: messages empty") << chat << QByteArray(R"({"model":"m1","messages":[]})") << badValue << QStringLiteral("messages");
    QTest::newRow("chat: messages a string") << chat << QByteArray(R"({"model":"m1","messages":"hi"})") << badValue << QStringLiteral("messages");
    QTest::newRow("chat: prompt instead of messages") << chat << QByteArray(R"({"model":"m1","prompt":"hi"})") << badValue << QStringLiteral("messages");
    QTest::newRow("chat: stream a string") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"stream":"yes"})") << badValue << QStringLiteral("stream");
    QTest::newRow("chat: stream a number") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"stream":1})") << badValue << QStringLiteral("stream");
    QTest::newRow("chat: max_tokens zero") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"max_tokens":0})") << badValue << QStringLiteral("max_tokens");
    QTest::newRow("chat: max_tokens negative") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"max_tokens":-3})") << badValue << QStringLiteral("max_tokens");
    QTest::newRow("chat: max_tokens fractional") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"max_tokens":1.5})") << badValue << QStringLiteral("max_tokens");
    QTest::newRow("chat: max_tokens a string") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"max_tokens":"10"})") << badValue << QStringLiteral("max_tokens");
    QTest::newRow("chat: max_tokens huge") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"max_tokens":1e17})") << badValue << QStringLiteral("max_tokens");
    QTest::newRow("chat: max_completion_tokens zero")
        << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"max_completion_tokens":0})") << badValue << QStringLiteral("max_completion_tokens");
    QTest::newRow("chat: max_completion_tokens a string")
        << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"max_completion_tokens":"5"})") << badValue << QStringLiteral("max_completion_tokens");
    QTest::newRow("chat: n zero") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"n":0})") << badValue << QStringLiteral("n");
    QTest::newRow("chat: n over 128") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"n":129})") << badValue << QStringLiteral("n");
    QTest::newRow("chat: n a string") << chat << QByteArray(R"({"model":"m1",)" + msgs + R"(,"n":"2"})") << badValue << QStringLiteral("n");
    QTest::newRow("completions: prompt missing") << completions << QByteArray(R"({"model":"m1"})") << badValue << QStringLiteral("prompt");
    QTest::newRow("completions: prompt a number") << completions << QByteArray(R"({"model":"m1","prompt":5})") << badValue << QStringLiteral("prompt");
    QTest::newRow("completions: prompt an object") << completions << QByteArray(R"({"model":"m1","prompt":{"text":"x"}})") << badValue << QStringLiteral("prompt");
    QTest::newRow("completions: best_of over 128")
        << completions << QByteArray(R"({"model":"m1","prompt":"x","best_of":200})") << badValue << QStringLiteral("best_of");
    QTest::newRow("completions: best_of zero")
        << completions << QByteArray(R"({"model":"m1","prompt":"x","best_of":0})") << badValue << QStringLiteral("best_of");
    QTest::newRow("completions: max_tokens zero")
        << completions << QByteArray(R"({"model":"m1","prompt":"x","max_tokens":0})") << badValue << QStringLiteral("max_tokens");
    QTest::newRow("completions: stream a string")
        << completions << QByteArray(R"({"model":"m1","prompt":"x","stream":"true"})") << badValue << QStringLiteral("stream");
    QTest::newRow("embeddings: input missing") << embeddings << QByteArray(R"({"model":"e1"})") << badValue << QStringLiteral("input");
    QTest::newRow("embeddings: input null") << embeddings << QByteArray(R"({"model":"e1","input":null})") << badValue << QStringLiteral("input");
    QTest::newRow("embeddings: input an object") << embeddings << QByteArray(R"({"model":"e1","input":{}})") << badValue << QStringLiteral("input");
    QTest::newRow("embeddings: messages instead of input")
        << embeddings << QByteArray(R"({"model":"e1",)" + msgs + "}") << badValue << QStringLiteral("input");
}

void ProxyRequestTest::parseInvalid()
{
    QFETCH(ProxyEndpoint, endpoint);
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    QFETCH(QString, param);

    const auto result = ProxyRequest::parse(endpoint, body);
    const auto *error = std::get_if<ApiError>(&result);
    QVERIFY2(error, "the body was accepted");
    QCOMPARE(error->status, 400);
    QCOMPARE(error->type, QStringLiteral("invalid_request_error"));
    QCOMPARE(error->code, code);
    if (!param.isEmpty())
        QVERIFY2(error->message.contains(QStringLiteral("\"%1\"").arg(param)), qPrintable(error->message));
}

void ProxyRequestTest::upstreamBody_data()
{
    QTest::addColumn<ProxyEndpoint>("endpoint");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("allowed");
    QTest::addColumn<QByteArray>("expected"); // the upstream body, as JSON

    const auto chat = ProxyEndpoint::ChatCompletions;
    QTest::newRow("max_tokens lowered")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":500})") << 120LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":120})");
    QTest::newRow("max_tokens added when absent")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"temperature":0.2})") << 4096LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"temperature":0.2,"max_tokens":4096})");
    QTest::newRow("null max_tokens replaced")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":null})") << 64LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":64})");
    QTest::newRow("max_completion_tokens kept as the device's field")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":500})") << 120LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":120})");
    // An upstream may honour either field: neither may let it go past what was reserved.
    QTest::newRow("both fields: both capped")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":10,"max_tokens":100000})") << 10LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":10,"max_tokens":10})");
    QTest::newRow("stream: include_usage added")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":true})") << 50LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":50,"stream_options":{"include_usage":true}})");
    QTest::newRow("stream: other stream_options kept")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_obfuscation":false}})") << 50LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":50,"stream_options":{"include_obfuscation":false,"include_usage":true}})");
    QTest::newRow("stream: include_usage false overridden")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":false}})") << 50LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":50,"stream_options":{"include_usage":true}})");
    QTest::newRow("not streamed: no stream_options added")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":false})") << 50LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":false,"max_tokens":50})");
    // Every kind of JSON value passes through unchanged, nested and escaped.
    QTest::newRow("values of every kind kept")
        << chat
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"a \"q\" \\ \n \u0001 é 你 😀"}],)"
                      R"("temperature":0.1,"top_p":1e-7,"seed":-3,"big":9007199254740993,"logprobs":false,"user":null,)"
                      R"("tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","required":[],"properties":{"x":{"enum":[1,2.5,"z",true,null]}}}}}],)"
                      R"("metadata":{},"stop":[]})")
        << 7LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"a \"q\" \\ \n \u0001 é 你 😀"}],)"
                      R"("temperature":0.1,"top_p":1e-7,"seed":-3,"big":9007199254740993,"logprobs":false,"user":null,)"
                      R"("tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","required":[],"properties":{"x":{"enum":[1,2.5,"z",true,null]}}}}}],)"
                      R"("metadata":{},"stop":[],"max_tokens":7})");
    QTest::newRow("stream: stream_options not an object replaced")
        << chat << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":"x"})") << 50LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":50,"stream_options":{"include_usage":true}})");
    QTest::newRow("completions stream")
        << ProxyEndpoint::Completions << QByteArray(R"({"model":"m1","prompt":"x","stream":true,"max_tokens":9,"best_of":2})") << 5LL
        << QByteArray(R"({"model":"m1","prompt":"x","stream":true,"max_tokens":5,"best_of":2,"stream_options":{"include_usage":true}})");
    QTest::newRow("embeddings unchanged")
        << ProxyEndpoint::Embeddings << QByteArray(R"({"model":"e1","input":["a","b"],"dimensions":256})") << 0LL
        << QByteArray(R"({"model":"e1","input":["a","b"],"dimensions":256})");
    QTest::newRow("embeddings with stream unchanged")
        << ProxyEndpoint::Embeddings << QByteArray(R"({"model":"e1","input":"a","stream":true})") << 0LL
        << QByteArray(R"({"model":"e1","input":"a","stream":true})");
}

void ProxyRequestTest::upstreamBody()
{
    QFETCH(ProxyEndpoint, endpoint);
    QFETCH(QByteArray, body);
    QFETCH(qint64, allowed);
    QFETCH(QByteArray, expected);

    const auto result = ProxyRequest::parse(endpoint, body);
    const ProxyRequest *r = parsed(result);
    QVERIFY2(r, qPrintable(describe(result)));
    const QByteArray out = r->upstreamBody(allowed);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(out, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, out.constData());
    QCOMPARE(doc.object(), jsonObject(expected));
}

// Byte for byte: the device's member order, number forms and escapes reach the upstream as sent,
// apart from the members the gateway sets.
void ProxyRequestTest::upstreamBodyAsWritten_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("allowed");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("order kept, cap in place")
        << QByteArray(R"({"temperature":1.0,"model":"m1","max_tokens":500,"messages":[{"content":"hi","role":"user"}],"seed":12345678901234567890})")
        << 120LL
        << QByteArray(R"({"temperature":1.0,"model":"m1","max_tokens":120,"messages":[{"content":"hi","role":"user"}],"seed":12345678901234567890})");
    QTest::newRow("cap appended")
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"caf\u00e9 \"x\""}],"top_p":0.1})") << 7LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"caf\u00e9 \"x\""}],"top_p":0.1,"max_tokens":7})");
    // Values are copied as written, white space inside them too; between them the body is compact.
    QTest::newRow("white space")
        << QByteArray("{ \"model\" :\t\"m1\" ,\r\n \"messages\": [ {\"role\": \"user\",\n  \"content\" : \"hi\"} ] ,\"max_tokens\"\n:\n900 , \"seed\":1 }\n")
        << 9LL
        << QByteArray("{\"model\":\"m1\",\"messages\":[ {\"role\": \"user\",\n  \"content\" : \"hi\"} ],\"max_tokens\":9,\"seed\":1}");
    QTest::newRow("numbers and escapes as written")
        << QByteArray(R"({"model":"m\u0031","temperature":1E+0,"top_p":-0.0,"seed":-0,"logit_bias":{"50256":-1e2},"messages":[{"role":"user","content":"\ud83d\ude00 \/"}],"user":"a\tb"})")
        << 3LL
        << QByteArray(R"({"model":"m\u0031","temperature":1E+0,"top_p":-0.0,"seed":-0,"logit_bias":{"50256":-1e2},"messages":[{"role":"user","content":"\ud83d\ude00 \/"}],"user":"a\tb","max_tokens":3})");
    QTest::newRow("every kind of value at the top")
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"a":null,"b":true,"c":false,"d":{},"e":[],"f":"","g":0})") << 4LL
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"a":null,"b":true,"c":false,"d":{},"e":[],"f":"","g":0,"max_tokens":4})");
    QTest::newRow("stream options in place, include_usage last")
        << QByteArray(R"({"model":"m1","stream_options":{"include_usage":false,"x":1},"stream":true,"messages":[{"role":"user","content":"hi"}]})") << 9LL
        << QByteArray(R"({"model":"m1","stream_options":{"x":1,"include_usage":true},"stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":9})");
}

void ProxyRequestTest::upstreamBodyAsWritten()
{
    QFETCH(QByteArray, body);
    QFETCH(qint64, allowed);
    QFETCH(QByteArray, expected);
    const auto result = ProxyRequest::parse(ProxyEndpoint::ChatCompletions, body);
    const ProxyRequest *r = parsed(result);
    QVERIFY2(r, qPrintable(describe(result)));
    QCOMPARE(r->upstreamBody(allowed), expected);
}

// The tenant's rewrite: what is sent, the model routed by and the prompt reserved for all follow.
void ProxyRequestTest::rewrite_data()
{
    QTest::addColumn<QByteArray>("policy");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("model");
    QTest::addColumn<QByteArray>("sentContent"); // the last message's content after the rewrite
    QTest::newRow("model mapped")
        << QByteArray(R"({"param_map":{"model":[["small","gpt-4o-mini"]]}})") << QByteArray(R"({"model":"small","messages":[{"role":"user","content":"hi"}]})")
        << QStringLiteral("gpt-4o-mini") << QByteArray("hi");
    QTest::newRow("template adds text")
        << QByteArray(R"({"prompt_template":"You are Acme's assistant. Question: {{query}}"})")
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}]})") << QStringLiteral("m1")
        << QByteArray("You are Acme's assistant. Question: hi");
}

void ProxyRequestTest::rewrite()
{
    QFETCH(QByteArray, policy);
    QFETCH(QByteArray, body);
    QFETCH(QString, model);
    QFETCH(QByteArray, sentContent);
    auto merged = TenantPolicy::merge(TenantPolicy(), jsonObject(policy));
    QVERIFY(std::holds_alternative<TenantPolicy>(merged));
    auto result = ProxyRequest::parse(ProxyEndpoint::ChatCompletions, body);
    auto *r = std::get_if<ProxyRequest>(&result);
    QVERIFY2(r, qPrintable(describe(result)));
    const qint64 boundBefore = r->prompt.upperBound;
    QVERIFY(!r->rewrite(std::get<TenantPolicy>(merged).rewrite));
    QCOMPARE(r->model, model);
    const QJsonObject sent = jsonObject(r->upstreamBody(10));
    QCOMPARE(sent.value(QLatin1String("model")).toString(), model);
    const QJsonArray messages = sent.value(QLatin1String("messages")).toArray();
    QCOMPARE(messages.last().toObject().value(QLatin1String("content")).toString().toUtf8(), sentContent);
    // The reservation measures the text sent: the template's words count too.
    QCOMPARE(r->prompt.upperBound - boundBefore, qint64(sentContent.size()) - 2);
}

// A secret carried in the body is dropped before forwarding; the rest keeps its order.
void ProxyRequestTest::removeMember()
{
    auto result = ProxyRequest::parse(ProxyEndpoint::ChatCompletions,
                                      R"({"model":"m1","api_key":"sk-secret","messages":[{"role":"user","content":"hi"}],"user":"u1"})");
    auto *r = std::get_if<ProxyRequest>(&result);
    QVERIFY2(r, qPrintable(describe(result)));
    r->removeMember(QStringLiteral("api_key"));
    r->removeMember(QStringLiteral("not_there"));
    QCOMPARE(r->upstreamBody(5), QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],"user":"u1","max_tokens":5})"));
}

void ProxyRequestTest::promptUpperBound_data()
{
    QTest::addColumn<ProxyEndpoint>("endpoint");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("textBytes"); // UTF-8 bytes of the text carried
    QTest::addColumn<qint64>("images");

    const QString ascii = QStringLiteral("Hello, how are you today? Tell me about the weather.");
    const QString cjk = QString::fromUtf8("你好，世界！今天天气怎么样？请用中文回答。");
    const QString emoji = QString::fromUtf8("😀🎉🚀👩‍👩‍👧‍👦🏳️‍🌈");
    auto bytes = [](const QString &s) { return qint64(s.toUtf8().size()); };

    QTest::newRow("ASCII") << ProxyEndpoint::ChatCompletions << chatWith(ascii) << bytes(ascii) << 0LL;
    QTest::newRow("CJK") << ProxyEndpoint::ChatCompletions << chatWith(cjk) << bytes(cjk) << 0LL;
    QTest::newRow("CJK repeated") << ProxyEndpoint::ChatCompletions << chatWith(cjk.repeated(50)) << bytes(cjk) * 50 << 0LL;
    QTest::newRow("emoji") << ProxyEndpoint::ChatCompletions << chatWith(emoji) << bytes(emoji) << 0LL;
    QTest::newRow("escaped CJK in the raw body")
        << ProxyEndpoint::ChatCompletions
        << QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"\u4f60\u597d\ud83d\ude00"}]})")
        << bytes(QString::fromUtf8("你好😀")) << 0LL;
    QTest::newRow("text parts") << ProxyEndpoint::ChatCompletions << chatWith(QJsonArray{textPart(ascii), textPart(cjk)})
                                << bytes(ascii) + bytes(cjk) << 0LL;
    QTest::newRow("one image") << ProxyEndpoint::ChatCompletions << chatWith(QJsonArray{textPart(ascii), imagePart()}) << bytes(ascii) << 1LL;
    QTest::newRow("three images") << ProxyEndpoint::ChatCompletions
                                  << chatWith(QJsonArray{imagePart(), textPart(emoji), imagePart(), imagePart()}) << bytes(emoji) << 3LL;
    QTest::newRow("completions prompt") << ProxyEndpoint::Completions
                                        << QJsonDocument(QJsonObject{{QStringLiteral("model"), QStringLiteral("m1")}, {QStringLiteral("prompt"), cjk}}).toJson(QJsonDocument::Compact)
                                        << bytes(cjk) << 0LL;
    QTest::newRow("embeddings list") << ProxyEndpoint::Embeddings
                                     << QJsonDocument(QJsonObject{{QStringLiteral("model"), QStringLiteral("e1")},
                                                                  {QStringLiteral("input"), QJsonArray{ascii, emoji}}}).toJson(QJsonDocument::Compact)
                                     << bytes(ascii) + bytes(emoji) << 0LL;
}

void ProxyRequestTest::promptUpperBound()
{
    QFETCH(ProxyEndpoint, endpoint);
    QFETCH(QByteArray, body);
    QFETCH(qint64, textBytes);
    QFETCH(qint64, images);

    const auto result = ProxyRequest::parse(endpoint, body);
    const ProxyRequest *r = parsed(result);
    QVERIFY2(r, qPrintable(describe(result)));
    const tokens::PromptSize &size = r->prompt;
    QVERIFY2(size.upperBound >= size.estimate, qPrintable(QStringLiteral("%1 < %2").arg(size.upperBound).arg(size.estimate)));
    // A token covers at least one byte, so the text's byte count bounds its token count.
    QVERIFY2(size.upperBound >= textBytes + images * tokens::kImageUpperBound,
             qPrintable(QStringLiteral("%1 < %2").arg(size.upperBound).arg(textBytes + images * tokens::kImageUpperBound)));
    QVERIFY(size.estimate > 0);
    // The documented bound, exactly: text bytes, role markers per message, the fixed overhead and
    // each image's allowance.
    const qint64 messages = jsonObject(body).value(QLatin1String("messages")).toArray().size();
    QCOMPARE(size.upperBound, textBytes + messages * tokens::kMessageOverheadUpperBound + tokens::kRequestOverheadUpperBound
                                  + images * tokens::kImageUpperBound);
}

void ProxyRequestTest::choices_data()
{
    QTest::addColumn<QByteArray>("extra");
    QTest::addColumn<qint64>("choices");
    QTest::newRow("neither") << QByteArray() << 1LL;
    QTest::newRow("n=3") << QByteArray(R"(,"n":3)") << 3LL;
    QTest::newRow("n null") << QByteArray(R"(,"n":null)") << 1LL;
    QTest::newRow("best_of=5") << QByteArray(R"(,"best_of":5)") << 5LL;
    QTest::newRow("n=2 best_of=5") << QByteArray(R"(,"n":2,"best_of":5)") << 5LL;
    QTest::newRow("n=4 best_of=2") << QByteArray(R"(,"n":4,"best_of":2)") << 4LL;
    QTest::newRow("n=128") << QByteArray(R"(,"n":128)") << 128LL;
}

void ProxyRequestTest::choices()
{
    QFETCH(QByteArray, extra);
    QFETCH(qint64, choices);
    for (auto [endpoint, start] : {std::pair{ProxyEndpoint::ChatCompletions, QByteArray(R"({"model":"m1","messages":[{"role":"user","content":"hi"}])")},
                                   std::pair{ProxyEndpoint::Completions, QByteArray(R"({"model":"m1","prompt":"hi")")}}) {
        const auto result = ProxyRequest::parse(endpoint, QByteArray(start + extra + '}'));
        const ProxyRequest *r = parsed(result);
        QVERIFY2(r, qPrintable(describe(result)));
        QCOMPARE(r->choices, choices);
    }
}

void ProxyRequestTest::paths()
{
    const auto chat = ProxyRequest::parse(ProxyEndpoint::ChatCompletions, R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
    const auto completions = ProxyRequest::parse(ProxyEndpoint::Completions, R"({"model":"m","prompt":"x"})");
    const auto embeddings = ProxyRequest::parse(ProxyEndpoint::Embeddings, R"({"model":"m","input":"x"})");
    QVERIFY(parsed(chat) && parsed(completions) && parsed(embeddings));
    QCOMPARE(parsed(chat)->upstreamPath(), QStringLiteral("/chat/completions"));
    QCOMPARE(parsed(completions)->upstreamPath(), QStringLiteral("/completions"));
    QCOMPARE(parsed(embeddings)->upstreamPath(), QStringLiteral("/embeddings"));
    QCOMPARE(parsed(chat)->endpointName(), QStringLiteral("chat.completions"));
    QCOMPARE(parsed(completions)->endpointName(), QStringLiteral("completions"));
    QCOMPARE(parsed(embeddings)->endpointName(), QStringLiteral("embeddings"));
}

QTEST_GUILESS_MAIN(ProxyRequestTest)
#include "ProxyRequestTest.moc"

// StreamAccounting: the answer and the usage read from SSE streams however they are split, and
// from whole JSON responses of each endpoint.
#include "server/core/StreamAccounting.h"

#include <QtTest>

using namespace dynaseal;

namespace {

constexpr qint64 kNone = -1;

// `sent` as Qt's UTF-8 decoder reads it (U+FFFD for what is not valid, a byte order mark kept),
// in UTF-8 again: what a callback must carry of an answer's text.
QByteArray asDecoded(const QByteArray &sent)
{
    QStringDecoder decode(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
    return QString(decode(sent)).toUtf8();
}

// Chat chunks with both line-end styles, a keep-alive comment, "usage": null on ordinary
// chunks (as OpenAI sends them with include_usage), a second choice, malformed lines and a
// "data:" without its space.
QByteArray chatStream()
{
    return QByteArray(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],\"usage\":null}\r\n\r\n"
        ": keep-alive\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"IGNORED\"}}]}\r\n\r\n"
        "event: message\r\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo, \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80\"}}]}\r\n\r\n"
        "data: {not json\n\n"
        "data: [1,2,3]\n\n"
        "garbage line without a field\n"
        "data:{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":\"stop\"}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}\r\n\r\n"
        "data: [DONE]\r\n\r\n");
}

QByteArray completionsStream()
{
    return QByteArray(
        "data: {\"id\":\"x\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"Once\"}]}\n\n"
        "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"text\":\" upon\"},{\"index\":1,\"text\":\" NOPE\"}]}\n\n"
        "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"text\":\" a time\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n"
        "data: [DONE]\n\n");
}

struct Observed
{
    QString content;
    qint64 prompt = kNone;
    qint64 completion = kNone;
    bool done = false;
    qint64 contentBytes = 0;
};

Observed observe(const StreamAccounting &a)
{
    Observed o;
    o.content = QString::fromUtf8(a.content());
    if (a.usage()) {
        o.prompt = a.usage()->promptTokens;
        o.completion = a.usage()->completionTokens;
    }
    o.done = a.sawDone();
    o.contentBytes = a.contentBytes();
    return o;
}

} // namespace

class StreamAccountingTest : public QObject
{
    Q_OBJECT

private slots:
    void sse_data();
    void sse();
    void sseWithoutUsageOrDone();
    void takeJson_data();
    void takeJson();
    void contentKeptAsValidUtf8_data();
    void contentKeptAsValidUtf8();
    void contentCappedInUtf16Units_data();
    void contentCappedInUtf16Units();
};

void StreamAccountingTest::sse_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QString>("content");
    QTest::addColumn<qint64>("prompt");
    QTest::addColumn<qint64>("completion");
    QTest::newRow("chat") << chatStream() << QString::fromUtf8("Hello, 世界 😀!") << 12LL << 5LL;
    QTest::newRow("legacy completions") << completionsStream() << QStringLiteral("Once upon a time") << 3LL << 4LL;
}

void StreamAccountingTest::sse()
{
    QFETCH(QByteArray, stream);
    QFETCH(QString, content);
    QFETCH(qint64, prompt);
    QFETCH(qint64, completion);

    StreamAccounting whole;
    whole.feedSse(stream);
    const Observed expected = observe(whole);
    QCOMPARE(expected.content, content);
    QCOMPARE(expected.prompt, prompt);
    QCOMPARE(expected.completion, completion);
    QVERIFY(expected.done);
    QCOMPARE(expected.contentBytes, qint64(content.toUtf8().size()));

    // Split in two at every byte boundary (inside UTF-8 sequences, between \r and \n, ...).
    for (qsizetype at = 0; at <= stream.size(); ++at) {
        StreamAccounting split;
        split.feedSse(stream.left(at));
        split.feedSse(stream.mid(at));
        const Observed got = observe(split);
        const QByteArray where = "split at byte " + QByteArray::number(at);
        QVERIFY2(got.content == expected.content, where.constData());
        QVERIFY2(got.prompt == expected.prompt && got.completion == expected.completion, where.constData());
        QVERIFY2(got.done && got.contentBytes == expected.contentBytes, where.constData());
    }

    // One byte at a time.
    StreamAccounting bytewise;
    for (char c : stream)
        bytewise.feedSse(QByteArray(1, c));
    const Observed got = observe(bytewise);
    QCOMPARE(got.content, expected.content);
    QCOMPARE(got.prompt, expected.prompt);
    QCOMPARE(got.completion, expected.completion);
    QVERIFY(got.done);
}

void StreamAccountingTest::sseWithoutUsageOrDone()
{
    // A stream cut off before its usage chunk: content so far, no usage, no [DONE]; the
    // unterminated last line is not taken.
    StreamAccounting a;
    a.feedSse("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"}}]}\n\n"
              "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tial\"}}]}\n\n"
              "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"LOST\"}}]}");
    QCOMPARE(a.content(), QByteArray("partial"));
    QVERIFY(!a.usage());
    QVERIFY(!a.sawDone());
}

void StreamAccountingTest::takeJson_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("content");
    QTest::addColumn<qint64>("prompt"); // kNone: no usage
    QTest::addColumn<qint64>("completion");

    QTest::newRow("chat") << QByteArray(R"({"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}})")
                          << QStringLiteral("Hi there") << 9LL << 3LL;
    QTest::newRow("chat n=2 keeps choice 0")
        << QByteArray(R"({"choices":[{"index":1,"message":{"content":"second"}},{"index":0,"message":{"content":"first"}}],"usage":{"prompt_tokens":4,"completion_tokens":6,"total_tokens":10}})")
        << QStringLiteral("first") << 4LL << 6LL;
    QTest::newRow("chat tool call, null content")
        << QByteArray(R"({"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[]}}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})")
        << QString() << 5LL << 2LL;
    QTest::newRow("legacy completions")
        << QByteArray(R"({"object":"text_completion","choices":[{"index":0,"text":"Once upon","finish_reason":"length"}],"usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}})")
        << QStringLiteral("Once upon") << 2LL << 2LL;
    QTest::newRow("embeddings: prompt and total only")
        << QByteArray(R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"e1","usage":{"prompt_tokens":8,"total_tokens":8}})")
        << QString() << 8LL << 0LL;
    QTest::newRow("no usage") << QByteArray(R"({"choices":[{"index":0,"message":{"content":"x"}}]})") << QStringLiteral("x") << kNone << kNone;
    QTest::newRow("negative usage ignored")
        << QByteArray(R"({"choices":[{"index":0,"message":{"content":"x"}}],"usage":{"prompt_tokens":-1,"completion_tokens":3}})")
        << QStringLiteral("x") << kNone << kNone;
    QTest::newRow("malformed JSON") << QByteArray(R"({"choices":[)") << QString() << kNone << kNone;
    QTest::newRow("JSON array") << QByteArray(R"([{"usage":{"prompt_tokens":1,"completion_tokens":1}}])") << QString() << kNone << kNone;
    QTest::newRow("empty body") << QByteArray() << QString() << kNone << kNone;
    QTest::newRow("counts as strings are not counts")
        << QByteArray(R"({"choices":[{"index":0,"message":{"content":"x"}}],"usage":{"prompt_tokens":"9","completion_tokens":"3"}})")
        << QStringLiteral("x") << 0LL << 0LL;
    QTest::newRow("whole-number floats count")
        << QByteArray(R"({"choices":[{"message":{"content":"no index"}}],"usage":{"prompt_tokens":9.0,"completion_tokens":3e0}})")
        << QStringLiteral("no index") << 9LL << 3LL;
    QTest::newRow("escaped unicode and quotes")
        << QByteArray(R"({"choices":[{"index":0,"message":{"content":"\u4e16\u754c \"q\" \ud83d\ude00\n"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}})")
        << QString::fromUtf8("世界 \"q\" 😀\n") << 1LL << 1LL;
    QTest::newRow("choices not objects")
        << QByteArray(R"({"choices":[1,"a",null,{"index":0,"message":"flat"}],"usage":{"prompt_tokens":2,"completion_tokens":0}})")
        << QString() << 2LL << 0LL;
    QTest::newRow("trailing garbage") << QByteArray(R"({"usage":{"prompt_tokens":1,"completion_tokens":1}} x)") << QString() << kNone << kNone;
    // A NUL byte is never valid JSON: not taken for the end of the text.
    QTest::newRow("NUL after the object")
        << QByteArray(R"({"usage":{"prompt_tokens":1,"completion_tokens":1}})" "\0 x", 54) << QString() << kNone << kNone;
    QTest::newRow("NUL in a string")
        << QByteArray(R"({"choices":[{"index":0,"message":{"content":"a)" "\0" R"(b"}}]})", 53) << QString() << kNone << kNone;
    // Read up to its size only, not up to the next NUL in memory: the slice lacks its last brace.
    static const char sliced[] = R"({"usage":{"prompt_tokens":1,"completion_tokens":1}})";
    QTest::newRow("slice of a larger buffer") << QByteArray::fromRawData(sliced, qsizetype(sizeof sliced) - 2) << QString() << kNone << kNone;
    // Far more than the parser's stack buffers hold: it goes on in heap memory.
    const QString longText = QString(QStringLiteral("long answer ")).repeated(20'000);
    QByteArray many;
    for (int i = 0; i < 2000; ++i)
        many += QByteArray(R"({"k":[1,2,{"x":"y"}]},)");
    QTest::newRow("larger than the stack buffers")
        << QByteArray(R"({"meta":[)" + many + R"(null],"choices":[{"index":0,"message":{"content":")" + longText.toUtf8()
                      + R"("}}],"usage":{"prompt_tokens":7,"completion_tokens":60000}})")
        << longText << 7LL << 60000LL;
}

void StreamAccountingTest::takeJson()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, content);
    QFETCH(qint64, prompt);
    QFETCH(qint64, completion);

    StreamAccounting a;
    a.takeJson(body);
    const Observed got = observe(a);
    QCOMPARE(a.content(), content.toUtf8());
    QCOMPARE(got.prompt, prompt);
    QCOMPARE(got.completion, completion);
    QCOMPARE(got.contentBytes, qint64(content.toUtf8().size()));
    QVERIFY(!got.done);
}

void StreamAccountingTest::contentKeptAsValidUtf8_data()
{
    // The text as the upstream sent it (RapidJSON does not check UTF-8), and what the callback
    // must carry: the same when it is valid, else what Qt's UTF-8 decoder makes of it.
    QTest::addColumn<QByteArray>("sent");
    QTest::newRow("ASCII") << QByteArray("plain text");
    QTest::newRow("two, three and four bytes") << QByteArray("\xc3\xa9 \xe4\xb8\x96 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
    QTest::newRow("a byte order mark first") << QByteArray("\xef\xbb\xbfx"); // kept: QString::fromUtf8 drops it
    QTest::newRow("a byte order mark before a bad byte") << QByteArray("\xef\xbb\xbf\xff");
    QTest::newRow("a byte that starts nothing") << QByteArray("a\xff" "b");
    QTest::newRow("a stray continuation byte") << QByteArray("a\x80" "b");
    QTest::newRow("overlong slash") << QByteArray("a\xc0\xaf" "b");
    QTest::newRow("overlong three bytes") << QByteArray("a\xe0\x80\xaf" "b");
    QTest::newRow("a surrogate in three bytes") << QByteArray("a\xed\xa0\x80" "b");
    QTest::newRow("past U+10FFFF") << QByteArray("a\xf4\x90\x80\x80" "b");
    QTest::newRow("cut short at the end") << QByteArray("a\xe4\xb8");
    QTest::newRow("cut short before ASCII") << QByteArray("a\xf0\x9f\x98" "b");
}

void StreamAccountingTest::contentKeptAsValidUtf8()
{
    QFETCH(QByteArray, sent);
    StreamAccounting a;
    a.takeJson(R"({"choices":[{"index":0,"message":{"content":")" + sent + R"("}}]})");
    QCOMPARE(a.content(), asDecoded(sent));
    if (sent.startsWith("\xef\xbb\xbf"))
        QVERIFY(a.content().startsWith("\xef\xbb\xbf")); // the text's own, whatever the decoder does
    QCOMPARE(a.contentBytes(), qint64(sent.size()));
    // Streamed in two pieces, cut inside the text: each piece is taken on its own, as before.
    StreamAccounting streamed;
    const qsizetype cut = sent.size() / 2;
    streamed.feedSse(R"(data: {"choices":[{"index":0,"delta":{"content":")" + sent.left(cut) + "\"}}]}\n\n");
    streamed.feedSse(R"(data: {"choices":[{"index":0,"delta":{"content":")" + sent.mid(cut) + "\"}}]}\n\n");
    QCOMPARE(streamed.content(), asDecoded(sent.left(cut)) + asDecoded(sent.mid(cut)));
}

void StreamAccountingTest::contentCappedInUtf16Units_data()
{
    // A first piece one UTF-16 unit short of the cap, then `last`: what is kept of it.
    QTest::addColumn<QByteArray>("last");
    QTest::addColumn<QByteArray>("kept");
    QTest::newRow("one unit that fits") << QByteArray("\xc3\xa9") << QByteArray("\xc3\xa9");
    QTest::newRow("the first of two") << QByteArray("\xc3\xa9z") << QByteArray("\xc3\xa9");
    QTest::newRow("half of a surrogate pair") << QByteArray("\xf0\x9f\x98\x80") << QByteArray("?");
    QTest::newRow("the first of two bad bytes") << QByteArray("\xff\xff") << QByteArray("\xef\xbf\xbd");
}

void StreamAccountingTest::contentCappedInUtf16Units()
{
    QFETCH(QByteArray, last);
    QFETCH(QByteArray, kept);
    constexpr qsizetype kCap = 1 << 20; // docs/callbacks.md: 1,048,576 characters
    const QByteArray first(kCap - 1, 'x');
    const auto chunk = [](const QByteArray &text) -> QByteArray { return R"(data: {"choices":[{"index":0,"delta":{"content":")" + text + "\"}}]}\n\n"; };
    StreamAccounting a;
    a.feedSse(chunk(first));
    a.feedSse(chunk(last));
    a.feedSse(chunk("more"));
    QCOMPARE(a.content().size(), first.size() + kept.size());
    QVERIFY(a.content().startsWith(first));
    QCOMPARE(a.content().mid(first.size()), kept);
    QCOMPARE(QString::fromUtf8(a.content()).size(), kCap);
    QCOMPARE(a.contentBytes(), qint64(first.size() + last.size() + 4));
}

QTEST_GUILESS_MAIN(StreamAccountingTest)
#include "StreamAccountingTest.moc"

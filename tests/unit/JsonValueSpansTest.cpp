// The values of a JSON object's members found in its text: each span must be exactly the value
// as written, through strings that hold quotes, backslashes and brackets, white space anywhere,
// and nesting; anything that is not one object gives no spans.
#include "server/core/JsonValueSpans.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace dynaseal;

class JsonValueSpansTest : public QObject
{
    Q_OBJECT
private slots:
    void findsEachValueAsWritten_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QList<QByteArray>>("values");
        using V = QList<QByteArray>;
        QTest::newRow("empty object") << QByteArray("{}") << V{};
        QTest::newRow("empty object, spaced") << QByteArray(" {\n} ") << V{};
        QTest::newRow("one string") << QByteArray(R"({"model":"m1"})") << V{R"("m1")"};
        QTest::newRow("every kind") << QByteArray(R"({"a":null,"b":true,"c":false,"d":-1.5e+3,"e":0,"f":"","g":{},"h":[]})")
                                    << V{"null", "true", "false", "-1.5e+3", "0", R"("")", "{}", "[]"};
        QTest::newRow("white space everywhere")
            << QByteArray("\r\n{ \"a\"\t:\n [ 1 , { \"x\" : 2 } ] ,\"b\" :  7\n,\"c\":\"s\"  }\n")
            << V{"[ 1 , { \"x\" : 2 } ]", "7", R"("s")"};
        QTest::newRow("quotes and brackets in strings")
            << QByteArray(R"({"a":"x\"}]{[,:","b":["]",{"c":"}"}],"d":1})") << V{R"("x\"}]{[,:")", R"(["]",{"c":"}"}])", "1"};
        QTest::newRow("a backslash before the closing quote")
            << QByteArray(R"({"a":"x\\","b":"\\\"","c":"\\\\"})") << V{R"("x\\")", R"("\\\"")", R"("\\\\")"};
        QTest::newRow("escapes and other scripts")
            << QByteArray(R"({"a":"caf\u00e9 \ud83d\ude00 你好 😀","b":"\/\b\f\n\r\t"})")
            << V{R"("caf\u00e9 \ud83d\ude00 你好 😀")", R"("\/\b\f\n\r\t")"};
        QTest::newRow("keys with escapes") << QByteArray(R"({"a\"b":1,"c\\":2})") << V{"1", "2"};
        QTest::newRow("deep nesting")
            << QByteArray(R"({"m":[{"role":"user","content":[{"type":"text","text":"[{"}]}],"n":{"a":{"b":{"c":[[[]]]}}}})")
            << V{R"([{"role":"user","content":[{"type":"text","text":"[{"}]}])", R"({"a":{"b":{"c":[[[]]]}}})"};
        // Not one object.
        QTest::newRow("an array") << QByteArray("[1,2]") << V{};
        QTest::newRow("a string") << QByteArray(R"("{}")") << V{};
        QTest::newRow("nothing") << QByteArray() << V{};
        QTest::newRow("cut after a colon") << QByteArray(R"({"a":1})").chopped(2) << V{}; // chopped: moc misread the literal
        QTest::newRow("cut in a string") << QByteArray(R"({"a":"xy)") << V{};
        QTest::newRow("cut in an array") << QByteArray(R"({"a":[1,{"b":2})") << V{};
        QTest::newRow("not closed") << QByteArray(R"({"a":1)") << V{};
        QTest::newRow("no colon") << QByteArray(R"({"a" 1})") << V{};
        QTest::newRow("no value") << QByteArray(R"({"a":,"b":1})") << V{};
    }

    void findsEachValueAsWritten()
    {
        QFETCH(QByteArray, text);
        QFETCH(QList<QByteArray>, values);
        const std::vector<json::ValueSpan> spans = json::memberValueSpans(text);
        QList<QByteArray> found;
        for (const json::ValueSpan &span : spans)
            found.append(text.mid(span.offset, span.length));
        QCOMPARE(found, values);
        // Where the text is an object, each span is its member's value, as Qt's parser reads both.
        const QJsonDocument whole = QJsonDocument::fromJson(text);
        if (!whole.isObject())
            return;
        const QJsonObject object = whole.object();
        QCOMPARE(qsizetype(spans.size()), object.size());
        for (qsizetype i = 0; i < found.size(); ++i) {
            const QJsonDocument wrapped = QJsonDocument::fromJson("[" + found.at(i) + "]");
            QVERIFY2(wrapped.isArray(), found.at(i).constData());
            QVERIFY(std::any_of(object.begin(), object.end(), [&](const QJsonValueConstRef v) { return v == wrapped.array().at(0); }));
        }
    }
};

QTEST_GUILESS_MAIN(JsonValueSpansTest)
#include "JsonValueSpansTest.moc"

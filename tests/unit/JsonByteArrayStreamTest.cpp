// The QByteArray stream the upstream's body is written into: whatever the capacity it starts
// with, RapidJSON's writer must give exactly the text it gives into its own StringBuffer
// (escapes, other scripts, numbers, raw copies through Push), and take() must hand over only
// what was written.
#include "server/core/JsonByteArrayStream.h"

#include <QtTest>
#include <cstring>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using namespace dynaseal;

class JsonByteArrayStreamTest : public QObject
{
    Q_OBJECT
private slots:
    void writesWhatStringBufferWrites_data()
    {
        QTest::addColumn<QByteArray>("document");
        QTest::addColumn<qsizetype>("capacity");
        const QByteArray big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + QByteArray(70'000, 'x') + "\"}],\"n\":1}";
        const QList<QPair<const char *, QByteArray>> documents{
            {"empty object", "{}"},
            {"every kind", "{\"a\":null,\"b\":true,\"c\":false,\"d\":-1.5e+300,\"e\":0,\"f\":\"\",\"g\":{},\"h\":[],\"i\":18446744073709551615}"},
            {"escapes", "{\"q\\\"k\":\"x\\\"y\\\\z\\n\\t\\u0001\\/\",\"s\":\"caf\\u00e9 \\ud83d\\ude00 \u4f60\u597d\"}"},
            {"70 KB string", big},
        };
        for (const auto &[name, document] : documents) {
            for (const qsizetype capacity : {qsizetype(0), qsizetype(1), qsizetype(17), document.size(), qsizetype(1 << 20)})
                QTest::addRow("%s, capacity %lld", name, qlonglong(capacity)) << document << capacity;
        }
    }

    void writesWhatStringBufferWrites()
    {
        QFETCH(QByteArray, document);
        QFETCH(qsizetype, capacity);
        rapidjson::Document parsed;
        parsed.Parse(document.constData(), size_t(document.size()));
        QVERIFY(!parsed.HasParseError());

        rapidjson::StringBuffer reference;
        rapidjson::Writer<rapidjson::StringBuffer> referenceWriter(reference);
        parsed.Accept(referenceWriter);

        json::JsonByteArrayStream out(capacity);
        rapidjson::Writer<json::JsonByteArrayStream> writer(out);
        parsed.Accept(writer);
        QCOMPARE(out.size(), qsizetype(reference.GetSize()));
        const QByteArray written = out.take();
        QCOMPARE(written, QByteArray(reference.GetString(), qsizetype(reference.GetSize())));
        QCOMPARE(out.size(), qsizetype(0));
    }

    void pushedTextGoesInBetween()
    {
        // How upstreamBody copies a value as the device wrote it: the writer's colon, then the
        // raw value through Push, then the writer goes on.
        json::JsonByteArrayStream out(4);
        rapidjson::Writer<json::JsonByteArrayStream> writer(out);
        const QByteArray raw = "[1, \"two\" ,{\"three\":3}]";
        writer.StartObject();
        writer.Key("a");
        writer.RawValue("", 0, rapidjson::kArrayType);
        std::memcpy(out.Push(size_t(raw.size())), raw.constData(), size_t(raw.size()));
        writer.Key("b");
        writer.Int64(-7);
        writer.EndObject();
        QCOMPARE(out.take(), QByteArray("{\"a\":[1, \"two\" ,{\"three\":3}],\"b\":-7}"));
    }
};

QTEST_GUILESS_MAIN(JsonByteArrayStreamTest)
#include "JsonByteArrayStreamTest.moc"

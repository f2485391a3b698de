// Server-Sent Events parsing, whatever the chunking.
#include "console/core/SseParser.h"

#include <QtTest>

using namespace dynaseal::console;

class SseParserTest : public QObject
{
    Q_OBJECT
private slots:
    void parses_data()
    {
        QTest::addColumn<QList<QByteArray>>("chunks");
        QTest::addColumn<QStringList>("types");
        QTest::addColumn<QList<QByteArray>>("data");
        QTest::newRow("one event") << QList<QByteArray> { "event: stats\ndata: {\"t\":1}\n\n" } << QStringList { "stats" }
                                   << QList<QByteArray> { "{\"t\":1}" };
        QTest::newRow("split anywhere") << QList<QByteArray> { "eve", "nt: stats\nda", "ta: {\"t\":1}\n", "\n" }
                                        << QStringList { "stats" } << QList<QByteArray> { "{\"t\":1}" };
        QTest::newRow("unnamed is message") << QList<QByteArray> { "data: [DONE]\n\n" } << QStringList { "message" }
                                            << QList<QByteArray> { "[DONE]" };
        QTest::newRow("crlf") << QList<QByteArray> { "event: a\r\ndata: 1\r\n\r\n" } << QStringList { "a" }
                              << QList<QByteArray> { "1" };
        QTest::newRow("multi-line data") << QList<QByteArray> { "data: a\ndata: b\n\n" } << QStringList { "message" }
                                         << QList<QByteArray> { "a\nb" };
        QTest::newRow("comments skipped") << QList<QByteArray> { ": keep-alive\n\nevent: x\ndata: 2\n\n" } << QStringList { "x" }
                                          << QList<QByteArray> { "2" };
        QTest::newRow("two in one chunk") << QList<QByteArray> { "data: 1\n\ndata: 2\n\n" }
                                          << QStringList { "message", "message" } << QList<QByteArray> { "1", "2" };
        QTest::newRow("incomplete") << QList<QByteArray> { "data: 1\n" } << QStringList {} << QList<QByteArray> {};
    }
    void parses()
    {
        QFETCH(QList<QByteArray>, chunks);
        QFETCH(QStringList, types);
        QFETCH(QList<QByteArray>, data);
        SseParser parser;
        QList<SseEvent> events;
        for (const QByteArray &c : chunks)
            events += parser.feed(c);
        QCOMPARE(events.size(), types.size());
        for (int i = 0; i < events.size(); ++i) {
            QCOMPARE(events.at(i).type, types.at(i));
            QCOMPARE(events.at(i).data, data.at(i));
        }
    }
};

QTEST_GUILESS_MAIN(SseParserTest)
#include "SseParserTest.moc"

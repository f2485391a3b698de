// InFlightJournal: starts survive the process (a reopened journal reads them back whole), slots
// are reused lowest first, a full or oversized journal says so (the caller then writes to the
// database), torn records are skipped, and one server at a time may hold it.
#include "server/core/storage/InFlightJournal.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal;

namespace {

RequestStart start(const QString &id)
{
    RequestStart s;
    s.id = id;
    s.tenantId = QStringLiteral("ten_01");
    s.keyHash = QStringLiteral("3f").repeated(32);
    s.eventId = QStringLiteral("evt-") + id;
    s.model = QStringLiteral("gpt-4o-mini");
    s.endpoint = QStringLiteral("chat.completions");
    s.upstreamId = QStringLiteral("ups_01");
    s.stream = true;
    s.reserved = 4096;
    s.keyExpiresAtSecs = 1'900'000'000;
    s.startedAtMs = 1'800'000'000'123;
    return s;
}

bool sameStart(const RequestStart &a, const RequestStart &b)
{
    return a.id == b.id && a.tenantId == b.tenantId && a.keyHash == b.keyHash && a.eventId == b.eventId && a.model == b.model
        && a.endpoint == b.endpoint && a.upstreamId == b.upstreamId && a.stream == b.stream && a.reserved == b.reserved
        && a.keyExpiresAtSecs == b.keyExpiresAtSecs && a.startedAtMs == b.startedAtMs;
}

} // namespace

class InFlightJournalTest : public QObject
{
    Q_OBJECT
private slots:
    void init() { QVERIFY(m_dir.isValid()); }
    void cleanup() { QFile::remove(path()); }

    void startsSurviveTheProcess_data();
    void startsSurviveTheProcess();
    void slotsAreReusedLowestFirst();
    void fullOffOrOversizedSaysSo_data();
    void fullOffOrOversizedSaysSo();
    void tornRecordsAreSkipped();
    void clearedLeftOversStayGone();
    void leftOversBeyondANewCapacityAreRead();
    void oneServerAtATime();

private:
    QString path() const { return m_dir.filePath(QStringLiteral("in-flight.journal")); }
    QTemporaryDir m_dir;
};

void InFlightJournalTest::startsSurviveTheProcess_data()
{
    QTest::addColumn<QString>("eventId");
    QTest::addColumn<QString>("model");
    QTest::addColumn<bool>("stream");
    QTest::addColumn<qint64>("reserved");
    QTest::newRow("plain") << QStringLiteral("a5c1") << QStringLiteral("deepseek-chat") << false << qint64(100);
    QTest::newRow("empty event id") << QString() << QStringLiteral("m") << true << qint64(0);
    QTest::newRow("non-ASCII") << QStringLiteral("événement-😀") << QStringLiteral("模型") << true << qint64(1);
    QTest::newRow("largest budget") << QStringLiteral("e") << QStringLiteral("m") << false << std::numeric_limits<qint64>::max();
    QTest::newRow("long event id") << QStringLiteral("x").repeated(300) << QStringLiteral("m") << false << qint64(7);
}

void InFlightJournalTest::startsSurviveTheProcess()
{
    QFETCH(QString, eventId);
    QFETCH(QString, model);
    QFETCH(bool, stream);
    QFETCH(qint64, reserved);
    RequestStart a = start(QStringLiteral("req_a"));
    a.eventId = eventId;
    a.model = model;
    a.stream = stream;
    a.reserved = reserved;
    const RequestStart b = start(QStringLiteral("req_b"));
    const RequestStart c = start(QStringLiteral("req_c"));
    QString error;
    {
        InFlightJournal journal;
        QVERIFY2(journal.open(path(), 8, &error), qPrintable(error));
        QVERIFY(journal.leftOver().isEmpty());
        QVERIFY(journal.add(a) >= 0);
        const int slotB = journal.add(b);
        QVERIFY(slotB >= 0);
        QVERIFY(journal.add(c) >= 0);
        journal.remove(slotB); // finished: not left over
        QCOMPARE(journal.inUse(), 2);
        const QList<RequestStart> now = journal.current(); // what the request log shows in flight
        QCOMPARE(now.size(), 2);
        QVERIFY(sameStart(now.at(0), a));
        QVERIFY(sameStart(now.at(1), c));
    } // the process "stops" with two requests in flight: nothing is written on the way out

    InFlightJournal reopened;
    QVERIFY2(reopened.open(path(), 8, &error), qPrintable(error));
    QCOMPARE(reopened.unreadable(), 0);
    const QList<RequestStart> left = reopened.leftOver();
    QCOMPARE(left.size(), 2);
    QVERIFY(sameStart(left.at(0), a));
    QVERIFY(sameStart(left.at(1), c));
    QVERIFY(!left.at(0).keyRowStored); // unknown after a stop: recovery writes the row if missing
    QCOMPARE(reopened.inUse(), 2);     // their slots stay taken until recovery clears them
    QVERIFY(reopened.current().isEmpty()); // not in flight in this run
}

void InFlightJournalTest::slotsAreReusedLowestFirst()
{
    InFlightJournal journal;
    QString error;
    QVERIFY2(journal.open(path(), 4, &error), qPrintable(error));
    QCOMPARE(journal.capacity(), 4);
    QCOMPARE(journal.add(start(QStringLiteral("r0"))), 0);
    QCOMPARE(journal.add(start(QStringLiteral("r1"))), 1);
    QCOMPARE(journal.add(start(QStringLiteral("r2"))), 2);
    journal.remove(1);
    journal.remove(0);
    QCOMPARE(journal.add(start(QStringLiteral("r3"))), 0);
    QCOMPARE(journal.add(start(QStringLiteral("r4"))), 1);
    QCOMPARE(journal.inUse(), 3);
    journal.remove(-1); // no slot (a start written to the database): nothing happens
    journal.remove(99);
    QCOMPARE(journal.inUse(), 3);
}

void InFlightJournalTest::fullOffOrOversizedSaysSo_data()
{
    QTest::addColumn<int>("slotCount");
    QTest::addColumn<int>("eventIdLength");
    QTest::addColumn<int>("accepted"); // of three adds
    QTest::newRow("off") << 0 << 4 << 0;
    QTest::newRow("full after two") << 2 << 4 << 2;
    QTest::newRow("record larger than a slot") << 8 << 2000 << 0;
}

void InFlightJournalTest::fullOffOrOversizedSaysSo()
{
    QFETCH(int, slotCount);
    QFETCH(int, eventIdLength);
    QFETCH(int, accepted);
    InFlightJournal journal;
    QString error;
    QVERIFY2(journal.open(path(), slotCount, &error), qPrintable(error));
    int added = 0;
    for (int i = 0; i < 3; ++i) {
        RequestStart s = start(QStringLiteral("r%1").arg(i));
        s.eventId = QStringLiteral("e").repeated(eventIdLength);
        if (journal.add(s) >= 0)
            ++added;
    }
    QCOMPARE(added, accepted);
    QCOMPARE(journal.inUse(), accepted);
    // A refused oversized record leaves its slot free for the next start.
    if (slotCount > accepted)
        QVERIFY(journal.add(start(QStringLiteral("small"))) >= 0);
}

void InFlightJournalTest::tornRecordsAreSkipped()
{
    QString error;
    {
        InFlightJournal journal;
        QVERIFY2(journal.open(path(), 4, &error), qPrintable(error));
        QCOMPARE(journal.add(start(QStringLiteral("whole"))), 0);
        QCOMPARE(journal.add(start(QStringLiteral("torn"))), 1);
    }
    // A power cut wrote slot 1's state word but not all of its payload.
    QFile file(path());
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.seek(InFlightJournal::kSlotBytes + 40));
    QVERIFY(file.write("\x7f\x7f\x7f\x7f", 4) == 4);
    file.close();

    InFlightJournal reopened;
    QVERIFY2(reopened.open(path(), 4, &error), qPrintable(error));
    QCOMPARE(reopened.unreadable(), 1);
    QCOMPARE(reopened.leftOver().size(), 1);
    QCOMPARE(reopened.leftOver().at(0).id, QStringLiteral("whole"));
    reopened.clearLeftOver();
    QCOMPARE(reopened.unreadable(), 0);
    QCOMPARE(reopened.inUse(), 0);
}

void InFlightJournalTest::clearedLeftOversStayGone()
{
    QString error;
    {
        InFlightJournal journal;
        QVERIFY2(journal.open(path(), 4, &error), qPrintable(error));
        QVERIFY(journal.add(start(QStringLiteral("r0"))) >= 0);
    }
    {
        InFlightJournal journal;
        QVERIFY2(journal.open(path(), 4, &error), qPrintable(error));
        QCOMPARE(journal.leftOver().size(), 1);
        journal.clearLeftOver();
        QVERIFY(journal.leftOver().isEmpty());
        QCOMPARE(journal.inUse(), 0);
        QCOMPARE(journal.add(start(QStringLiteral("r1"))), 0); // the cleared slot is free again
        journal.remove(0);
    }
    InFlightJournal journal;
    QVERIFY2(journal.open(path(), 4, &error), qPrintable(error));
    QVERIFY(journal.leftOver().isEmpty());
}

void InFlightJournalTest::leftOversBeyondANewCapacityAreRead()
{
    QString error;
    {
        InFlightJournal journal;
        QVERIFY2(journal.open(path(), 8, &error), qPrintable(error));
        for (int i = 0; i < 6; ++i)
            QCOMPARE(journal.add(start(QStringLiteral("r%1").arg(i))), i);
    }
    // Restarted with a smaller journal, or with it off: what the last run left is still billed.
    for (int slotCount : {2, 0}) {
        InFlightJournal journal;
        QVERIFY2(journal.open(path(), slotCount, &error), qPrintable(error));
        QCOMPARE(journal.leftOver().size(), 6);
        QCOMPARE(journal.leftOver().last().id, QStringLiteral("r5"));
        if (slotCount == 0) {
            journal.clearLeftOver();
            QCOMPARE(journal.add(start(QStringLiteral("x"))), -1);
        }
    }
    InFlightJournal journal;
    QVERIFY2(journal.open(path(), 8, &error), qPrintable(error));
    QVERIFY(journal.leftOver().isEmpty());
}

void InFlightJournalTest::oneServerAtATime()
{
    InFlightJournal first;
    QString error;
    QVERIFY2(first.open(path(), 4, &error), qPrintable(error));
    InFlightJournal second;
    QVERIFY(!second.open(path(), 4, &error));
    QVERIFY2(error.contains(QLatin1String("another dynaseal-server")), qPrintable(error));
    QVERIFY2(error.contains(path()), qPrintable(error));
}

QTEST_GUILESS_MAIN(InFlightJournalTest)
#include "InFlightJournalTest.moc"

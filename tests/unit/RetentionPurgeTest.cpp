// RetentionPurge: what is past retention goes a chunk per write job until none is left, and
// writes queued meanwhile commit between the chunks instead of after the whole purge.
#include "server/core/RetentionPurge.h"
#include "server/core/storage/Database.h"
#include "shared/Clock.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal;

namespace {

constexpr qint64 kNow = 1'800'000'000'000;
constexpr qint64 kDay = 86'400'000;

qint64 oldRequestsLeft(SqlSession &s)
{
    QSqlQuery &q = s.exec(QStringLiteral("SELECT COUNT(*) FROM requests WHERE started_at < ?"), {kNow - 30 * kDay});
    return q.next() ? q.value(0).toLongLong() : -1;
}

} // namespace

class RetentionPurgeTest : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void runsUntilNothingIsLeft_data();
    void runsUntilNothingIsLeft();
    void writesGoBetweenTheChunks();
    void runWhileRunningIsIgnored();

private:
    void addRequests(int old, int recent);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Database> m_db;
    ManualClock m_clock{kNow};
};

void RetentionPurgeTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_db = std::make_unique<Database>();
    QString error;
    QVERIFY2(m_db->open(QStringLiteral("sqlite:") + m_dir->filePath(QStringLiteral("r.db")), &error), qPrintable(error));
}

void RetentionPurgeTest::addRequests(int old, int recent)
{
    QVERIFY(m_db->runBlocking<bool>([old, recent](SqlSession &s) {
        for (int i = 0; i < old + recent; ++i) {
            const qint64 at = i < old ? kNow - 31 * kDay + i : kNow - kDay + i;
            s.exec(QStringLiteral("INSERT INTO requests (id, tenant_id, model, endpoint, stream, status, reserved, started_at)"
                                  " VALUES (?, 'tn_1', 'm1', 'chat.completions', 0, 'ok', 0, ?)"),
                   {QStringLiteral("req_%1").arg(i), at});
        }
        return true;
    }).ok());
}

void RetentionPurgeTest::runsUntilNothingIsLeft_data()
{
    QTest::addColumn<int>("old");
    QTest::addColumn<int>("chunkRows");
    QTest::addColumn<int>("chunks"); // write jobs the purge takes
    QTest::newRow("nothing old") << 0 << 10 << 1;
    QTest::newRow("fewer than a chunk") << 9 << 10 << 1;
    QTest::newRow("two and a half chunks") << 25 << 10 << 3;
    QTest::newRow("exactly two chunks, and one that finds none") << 20 << 10 << 3;
    QTest::newRow("chunks of one") << 4 << 1 << 5;
}

void RetentionPurgeTest::runsUntilNothingIsLeft()
{
    QFETCH(int, old);
    QFETCH(int, chunkRows);
    QFETCH(int, chunks);
    addRequests(old, 3);
    RetentionPolicy policy;
    policy.chunkRows = chunkRows;
    RetentionPurge purge(*m_db, m_clock, policy);
    QSignalSpy finished(&purge, &RetentionPurge::finished);
    purge.run();
    QVERIFY(purge.running());
    QVERIFY(finished.wait());
    QCOMPARE(finished.first().first().toInt(), chunks);
    QVERIFY(!purge.running());
    QCOMPARE(*m_db->runBlocking<qint64>(oldRequestsLeft).value, 0);
    QCOMPARE(*m_db->runBlocking<qint64>([](SqlSession &s) {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT COUNT(*) FROM requests"));
        return q.next() ? q.value(0).toLongLong() : -1;
    }).value, 3); // the recent ones stay
}

void RetentionPurgeTest::writesGoBetweenTheChunks()
{
    // A write queued just after the purge started commits after its first chunk, not after its
    // last: one DELETE of everything would have made it wait for all 30 rows.
    addRequests(30, 0);
    RetentionPolicy policy;
    policy.chunkRows = 10;
    RetentionPurge purge(*m_db, m_clock, policy);
    QSignalSpy finished(&purge, &RetentionPurge::finished);
    purge.run();
    std::optional<qint64> leftWhenWritten;
    m_db->write<qint64>(oldRequestsLeft, this, [&](DbOutcome<qint64> left) { leftWhenWritten = left.value; });
    QVERIFY(finished.wait());
    QCOMPARE(finished.first().first().toInt(), 4);
    QTRY_VERIFY(leftWhenWritten.has_value());
    QCOMPARE(*leftWhenWritten, 20);
}

void RetentionPurgeTest::runWhileRunningIsIgnored()
{
    addRequests(15, 0);
    RetentionPolicy policy;
    policy.chunkRows = 10;
    RetentionPurge purge(*m_db, m_clock, policy);
    QSignalSpy finished(&purge, &RetentionPurge::finished);
    purge.run();
    purge.run(); // the maintenance timer fired again before the purge ended
    QVERIFY(finished.wait());
    QTest::qWait(50);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toInt(), 2);
    QCOMPARE(*m_db->runBlocking<qint64>(oldRequestsLeft).value, 0);
}

QTEST_GUILESS_MAIN(RetentionPurgeTest)
#include "RetentionPurgeTest.moc"

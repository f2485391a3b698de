// The database thread: migrations, group commit with per-job savepoints, and results delivered on
// the caller's thread.
#include "server/core/storage/Database.h"
#include "server/core/storage/Migrations.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <atomic>
#include <future>

using namespace dynaseal;

namespace {

// Holds the database thread in a read job until release(), so the writes queued meanwhile share
// one batch (one transaction).
class WriterHold
{
public:
    explicit WriterHold(Database &db)
    {
        auto started = std::make_shared<std::promise<void>>();
        auto startedFuture = started->get_future();
        db.read<bool>([started, release = m_release.get_future().share()](SqlSession &) {
            started->set_value();
            release.wait();
            return true;
        }, nullptr, [](DbOutcome<bool>) {});
        startedFuture.wait();
    }
    ~WriterHold() { release(); }
    void release()
    {
        if (!m_released)
            m_release.set_value();
        m_released = true;
    }

private:
    std::promise<void> m_release;
    bool m_released = false;
};

void insertAudit(SqlSession &s, const QString &id)
{
    s.exec(QStringLiteral("INSERT INTO audit_log (id, at, actor, action, target, detail) VALUES (?, 0, 'a', 'b', 'c', '{}')"), {id});
}

QStringList auditIds(Database &db)
{
    return *db.runBlocking<QStringList>([](SqlSession &s) {
        QStringList out;
        QSqlQuery &q = s.exec(QStringLiteral("SELECT id FROM audit_log ORDER BY id"));
        while (q.next())
            out.append(q.value(0).toString());
        return out;
    }).value;
}

// The test's SQLite file in `dir`.
QString databaseFile(const QTemporaryDir &dir)
{
    return dir.filePath(QStringLiteral("t.db"));
}

// Opens `db` on a new SQLite file in `dir`: empty, or why it did not open.
QString openIn(Database &db, const QTemporaryDir &dir)
{
    QString error;
    if (db.open(QStringLiteral("sqlite:") + databaseFile(dir), &error))
        return {};
    return error.isEmpty() ? QStringLiteral("not opened") : error;
}

// Adds an audit row through a connection of its own (another server, an operator's sqlite3):
// whether it was written. `connectOptions` as Qt's SQLite driver takes them.
// The second connection the server reads admin lists through: the same file, another thread.
QString openReader(Database &reader, const QTemporaryDir &dir)
{
    QString error;
    return reader.open(QStringLiteral("sqlite:") + databaseFile(dir), &error, "test-reads") ? QString() : error;
}

bool insertAuditElsewhere(const QString &path, const QString &id, const QString &connectOptions = {})
{
    const QString name = QStringLiteral("elsewhere");
    bool written = false;
    {
        QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        other.setDatabaseName(path);
        other.setConnectOptions(connectOptions);
        QSqlQuery insert(other);
        written = other.open() && insert.prepare(QStringLiteral("INSERT INTO audit_log (id, at, actor, action, target, detail) VALUES (?, 0, 'x', 'y', 'z', '{}')"));
        if (written) {
            insert.addBindValue(id);
            written = insert.exec();
        }
        insert.finish();
        other.close();
    }
    QSqlDatabase::removeDatabase(name);
    return written;
}

} // namespace

class DatabaseTest : public QObject
{
    Q_OBJECT
private slots:
    void migratesOnceAndRecordsVersion();
    void refusesNewerSchema();
    void failingJobRollsBackAlone();
    void failingJobsInOneBatchRollBackAlone_data();
    void failingJobsInOneBatchRollBackAlone();
    void batchAfterABrokenTransactionCommits_data();
    void batchAfterABrokenTransactionCommits();
    void countersAreSummedPerBatch_data();
    void countersAreSummedPerBatch();
    void queuedWritesShareOneTransaction_data();
    void queuedWritesShareOneTransaction();
    void writesNobodyWaitsOnWaitForOthers_data();
    void writesNobodyWaitsOnWaitForOthers();
    void loneWriteInBatchCommitsAfterTheWindow();
    void deliversOnCallerThread();
    void manyConcurrentWritesAllCommit();
    void badUrlIsReported();
    void writesAfterAnotherConnectionCommitted();
    void writeJobThatReadsFirstKeepsTheWriteLock();
    void slowReadOnASecondConnectionHoldsNoWriteBack();
    void readWaitsForTheWritesQueuedBeforeIt();
    void waitingReaderEndsTheGroupCommitWindow();
    void walCheckpointedOnAHelperFrom8000Pages();
};

void DatabaseTest::migratesOnceAndRecordsVersion()
{
    QTemporaryDir dir;
    const QString url = QStringLiteral("sqlite:") + databaseFile(dir);
    for (int run = 0; run < 2; ++run) {
        Database db;
        QString error;
        QVERIFY2(db.open(url, &error), qPrintable(error));
        auto versions = db.runBlocking<QList<int>>([](SqlSession &s) {
            QList<int> out;
            QSqlQuery &q = s.exec(QStringLiteral("SELECT version FROM schema_version ORDER BY version"));
            while (q.next())
                out.append(q.value(0).toInt());
            return out;
        });
        QVERIFY(versions.ok());
        QCOMPARE(versions.value->size(), Migrations::latestVersion()); // applied once, not again on reopen
        QCOMPARE(versions.value->last(), Migrations::latestVersion());
    }
}

void DatabaseTest::refusesNewerSchema()
{
    QTemporaryDir dir;
    const QString url = QStringLiteral("sqlite:") + databaseFile(dir);
    {
        Database db;
        QString error;
        QVERIFY(db.open(url, &error));
        QVERIFY(db.runBlocking<bool>([](SqlSession &s) {
            s.exec(QStringLiteral("INSERT INTO schema_version (version) VALUES (?)"), {Migrations::latestVersion() + 1});
            return true;
        }).ok());
    }
    Database db;
    QString error;
    QVERIFY(!db.open(url, &error));
    QVERIFY2(error.contains(QStringLiteral("newer")), qPrintable(error));
}

void DatabaseTest::failingJobRollsBackAlone()
{
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    QObject context;
    int delivered = 0;
    QString failure;
    auto insert = [](const QString &name) {
        return [name](SqlSession &s) {
            s.exec(QStringLiteral("INSERT INTO audit_log (id, at, actor, action, target, detail) VALUES (?, 0, 'a', 'b', 'c', '{}')"), {name});
            return true;
        };
    };
    // Queued together, so they share one transaction; the middle one writes, then fails.
    db.write<bool>(insert(QStringLiteral("first")), &context, [&](DbOutcome<bool> o) { delivered += o.ok(); });
    db.write<bool>([](SqlSession &s) {
        s.exec(QStringLiteral("INSERT INTO audit_log (id, at, actor, action, target, detail) VALUES ('half', 0, 'a', 'b', 'c', '{}')"));
        s.exec(QStringLiteral("INSERT INTO no_such_table VALUES (1)"));
        return true;
    }, &context, [&](DbOutcome<bool> o) { failure = o.error; });
    db.write<bool>(insert(QStringLiteral("third")), &context, [&](DbOutcome<bool> o) { delivered += o.ok(); });
    QTRY_COMPARE(delivered, 2);
    QTRY_VERIFY(!failure.isEmpty());
    auto ids = db.runBlocking<QStringList>([](SqlSession &s) {
        QStringList out;
        QSqlQuery &q = s.exec(QStringLiteral("SELECT id FROM audit_log ORDER BY id"));
        while (q.next())
            out.append(q.value(0).toString());
        return out;
    });
    QCOMPARE(*ids.value, (QStringList{QStringLiteral("first"), QStringLiteral("third")})); // nothing half-written
}

void DatabaseTest::failingJobsInOneBatchRollBackAlone_data()
{
    // One letter per job of the batch, in queue order: O writes a row, F writes a row then fails.
    QTest::addColumn<QString>("jobs");
    QTest::newRow("a lone failing job (no savepoint)") << QStringLiteral("F");
    QTest::newRow("a lone job") << QStringLiteral("O");
    QTest::newRow("first of three fails") << QStringLiteral("FOO");
    QTest::newRow("middle of three fails") << QStringLiteral("OFO");
    QTest::newRow("last of three fails") << QStringLiteral("OOF");
    QTest::newRow("every job fails") << QStringLiteral("FFF");
    QTest::newRow("every other job fails") << QStringLiteral("OFOFOFO");
}

void DatabaseTest::failingJobsInOneBatchRollBackAlone()
{
    QFETCH(QString, jobs);
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    QObject context;
    QStringList succeeded;
    QStringList failed;
    QStringList expectedKept;
    QStringList expectedFailed;
    {
        WriterHold hold(db);
        for (int i = 0; i < jobs.size(); ++i) {
            const QString id = QStringLiteral("job%1").arg(i);
            const bool fails = jobs.at(i) == QLatin1Char('F');
            (fails ? expectedFailed : expectedKept).append(id);
            db.write<bool>([id, fails](SqlSession &s) {
                insertAudit(s, id);
                if (fails)
                    s.exec(QStringLiteral("INSERT INTO no_such_table VALUES (1)"));
                return true;
            }, &context, [&, id](DbOutcome<bool> o) {
                if (o.ok())
                    succeeded.append(id);
                else if (!o.error.isEmpty())
                    failed.append(id);
            });
        }
    }
    QTRY_COMPARE(succeeded.size() + failed.size(), jobs.size());
    QCOMPARE(succeeded, expectedKept);
    QCOMPARE(failed, expectedFailed);
    QCOMPARE(auditIds(db), expectedKept); // a failed job left nothing, the others everything

    // The transaction statements still work: a following batch commits.
    db.write<bool>([](SqlSession &s) { insertAudit(s, QStringLiteral("zafter")); return true; }, &context,
                   [&](DbOutcome<bool> o) { succeeded.append(o.ok() ? QStringLiteral("zafter") : o.error); });
    QTRY_COMPARE(succeeded.size(), expectedKept.size() + 1);
    QCOMPARE(succeeded.last(), QStringLiteral("zafter"));
    QCOMPARE(auditIds(db), expectedKept + QStringList{QStringLiteral("zafter")});
}

void DatabaseTest::batchAfterABrokenTransactionCommits_data()
{
    // A job that ends the shared transaction itself fails, alone: the other jobs of its batch are
    // kept exactly once (run again, each in a transaction of its own), and the writer recovers
    // for the next batch.
    QTest::addColumn<int>("jobsBefore");
    QTest::addColumn<int>("jobsAfter");
    QTest::addColumn<int>("nextBatch");
    QTest::newRow("lone job, then a lone job") << 0 << 0 << 1;
    QTest::newRow("lone job, then a batch") << 0 << 0 << 3;
    QTest::newRow("in a batch, then a lone job") << 2 << 1 << 1;
    QTest::newRow("in a batch, then a batch") << 1 << 2 << 4;
}

void DatabaseTest::batchAfterABrokenTransactionCommits()
{
    QFETCH(int, jobsBefore);
    QFETCH(int, jobsAfter);
    QFETCH(int, nextBatch);
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    QObject context;
    int ok = 0;
    int failed = 0;
    auto count = [&](DbOutcome<bool> o) { o.ok() ? ++ok : ++failed; };
    {
        WriterHold hold(db);
        for (int i = 0; i < jobsBefore; ++i)
            db.write<bool>([i](SqlSession &s) { insertAudit(s, QStringLiteral("before%1").arg(i)); return true; }, &context, count);
        db.write<bool>([](SqlSession &s) {
            insertAudit(s, QStringLiteral("breaker"));
            s.execRaw(QStringLiteral("ROLLBACK"));
            return true;
        }, &context, count);
        for (int i = 0; i < jobsAfter; ++i)
            db.write<bool>([i](SqlSession &s) { insertAudit(s, QStringLiteral("after%1").arg(i)); return true; }, &context, count);
    }
    QTRY_COMPARE(ok + failed, jobsBefore + 1 + jobsAfter);
    QCOMPARE(failed, 1);
    QStringList expected;
    for (int i = 0; i < jobsAfter; ++i)
        expected.append(QStringLiteral("after%1").arg(i));
    for (int i = 0; i < jobsBefore; ++i)
        expected.append(QStringLiteral("before%1").arg(i));
    QCOMPARE(auditIds(db), expected); // sorted by id; the breaker's own row is gone
    ok = 0;
    failed = 0;

    {
        WriterHold hold(db);
        for (int i = 0; i < nextBatch; ++i) {
            expected.append(QStringLiteral("next%1").arg(i));
            db.write<bool>([id = expected.last()](SqlSession &s) { insertAudit(s, id); return true; }, &context, count);
        }
    }
    QTRY_COMPARE(ok + failed, nextBatch);
    QCOMPARE(ok, nextBatch);
    QCOMPARE(auditIds(db), expected);
}

void DatabaseTest::countersAreSummedPerBatch_data()
{
    // One letter per job of the batch: O adds its amount to key a (and 1 to key b), F adds then
    // fails. Amounts are 1, 10, 100, ... by position, so the total tells which jobs counted.
    QTest::addColumn<QString>("jobs");
    QTest::addColumn<qint64>("expectedA");
    QTest::addColumn<qint64>("expectedB");
    QTest::newRow("a lone job") << QStringLiteral("O") << qint64(1) << qint64(1);
    QTest::newRow("a lone failing job") << QStringLiteral("F") << qint64(0) << qint64(0);
    QTest::newRow("three jobs") << QStringLiteral("OOO") << qint64(111) << qint64(3);
    QTest::newRow("middle of three fails") << QStringLiteral("OFO") << qint64(101) << qint64(2);
    QTest::newRow("every job fails") << QStringLiteral("FFF") << qint64(0) << qint64(0);
}

void DatabaseTest::countersAreSummedPerBatch()
{
    QFETCH(QString, jobs);
    QFETCH(qint64, expectedA);
    QFETCH(qint64, expectedB);
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    const SqlSession::Counter add{QStringLiteral("key_spend"), QStringLiteral("spent"), QStringLiteral("key_hash")};
    QVERIFY(db.runBlocking<bool>([](SqlSession &s) {
        s.exec(QStringLiteral("INSERT INTO key_spend (key_hash, tenant_id, spent, expires_at) VALUES ('a', 't', 0, 0), ('b', 't', 0, 0)"));
        return true;
    }).ok());
    QObject context;
    int finished = 0;
    {
        WriterHold hold(db);
        qint64 amount = 1;
        for (const QChar job : jobs) {
            const bool fails = job == QLatin1Char('F');
            db.write<bool>([add, amount, fails](SqlSession &s) {
                s.addToCounter(add, QStringLiteral("a"), amount);
                s.addToCounter(add, QStringLiteral("b"), 1);
                if (fails)
                    s.exec(QStringLiteral("INSERT INTO no_such_table VALUES (1)"));
                return true;
            }, &context, [&](DbOutcome<bool>) { ++finished; });
            amount *= 10;
        }
    }
    QTRY_COMPARE(finished, jobs.size());
    auto spent = db.runBlocking<QList<qint64>>([](SqlSession &s) {
        QList<qint64> out;
        QSqlQuery &q = s.exec(QStringLiteral("SELECT spent FROM key_spend ORDER BY key_hash"));
        while (q.next())
            out.append(q.value(0).toLongLong());
        return out;
    });
    QCOMPARE(*spent.value, (QList<qint64>{expectedA, expectedB}));
}

void DatabaseTest::queuedWritesShareOneTransaction_data()
{
    // Fewer than the lingering threshold, at it, and past the most one transaction takes (512).
    QTest::addColumn<int>("jobs");
    QTest::addColumn<int>("transactions");
    QTest::newRow("one") << 1 << 1;
    QTest::newRow("a few") << 5 << 1;
    QTest::newRow("enough to linger") << 40 << 1;
    QTest::newRow("more than one transaction takes") << 600 << 2;
}

void DatabaseTest::queuedWritesShareOneTransaction()
{
    QFETCH(int, jobs);
    QFETCH(int, transactions);
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    const qint64 batchesBefore = db.writeBatches();
    const qint64 jobsBefore = db.writeJobs();
    QObject context;
    int done = 0;
    {
        WriterHold hold(db);
        for (int i = 0; i < jobs; ++i) {
            const QString id = QStringLiteral("job%1").arg(i, 4, 10, QLatin1Char('0'));
            db.write<bool>([id](SqlSession &s) { insertAudit(s, id); return true; }, &context,
                           [&](DbOutcome<bool> o) { done += o.ok() ? 1 : 0; });
        }
    }
    QTRY_COMPARE(done, jobs);
    QCOMPARE(db.writeBatches() - batchesBefore, qint64(transactions));
    QCOMPARE(db.writeJobs() - jobsBefore, qint64(jobs));
    QCOMPARE(auditIds(db).size(), jobs);
}

void DatabaseTest::writesNobodyWaitsOnWaitForOthers_data()
{
    // What ends the wait of writeInBatch() jobs queued one by one to an idle database thread
    // (the window itself is an hour here): each row's jobs then commit in one transaction.
    QTest::addColumn<QString>("ender");
    QTest::addColumn<int>("writeJobs"); // committed, counting the ender's own
    QTest::addColumn<int>("rows");      // audit rows those jobs added
    QTest::newRow("a write someone waits on") << QStringLiteral("write") << 4 << 4;
    QTest::newRow("a read") << QStringLiteral("read") << 3 << 3;
    QTest::newRow("flush") << QStringLiteral("flush") << 4 << 3;
    QTest::newRow("a full batch") << QStringLiteral("full") << 96 << 96;
}

void DatabaseTest::writesNobodyWaitsOnWaitForOthers()
{
    QFETCH(QString, ender);
    QFETCH(int, writeJobs);
    QFETCH(int, rows);
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    db.setGroupCommitWindow(std::chrono::hours(1));
    const qint64 batchesBefore = db.writeBatches();
    const qint64 jobsBefore = db.writeJobs();
    QObject context;
    int done = 0;
    auto queue = [&](int n) {
        db.writeInBatch<bool>([n](SqlSession &s) { insertAudit(s, QStringLiteral("job%1").arg(n, 4, 10, QLatin1Char('0'))); return true; },
                              &context, [&](DbOutcome<bool> o) { done += o.ok() ? 1 : 0; });
    };
    const int waiting = ender == u"full" ? 95 : 3;
    for (int i = 0; i < waiting; ++i) {
        queue(i);
        if (i < 3)
            QTest::qWait(20); // the thread is idle and could take the job alone
    }
    QTest::qWait(50);
    QCOMPARE(done, 0);
    QCOMPARE(db.writeBatches() - batchesBefore, qint64(0));

    if (ender == u"write") {
        db.write<bool>([](SqlSession &s) { insertAudit(s, QStringLiteral("ender")); return true; }, &context,
                       [&](DbOutcome<bool> o) { done += o.ok() ? 1 : 0; });
    } else if (ender == u"read") {
        db.read<bool>([](SqlSession &) { return true; }, &context, [](DbOutcome<bool>) {});
    } else if (ender == u"flush") {
        db.flush();
        // flush() returns once the writes queued before it are committed, not merely run.
        QCOMPARE(db.writeBatches() - batchesBefore, qint64(1));
    } else {
        queue(waiting);
    }
    QTRY_COMPARE(done, rows);
    QCOMPARE(db.writeBatches() - batchesBefore, qint64(1));
    QCOMPARE(db.writeJobs() - jobsBefore, qint64(writeJobs));
    QCOMPARE(auditIds(db).size(), rows);
}

void DatabaseTest::loneWriteInBatchCommitsAfterTheWindow()
{
    // Nothing else comes: the default window ends and the job commits alone.
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    QObject context;
    bool stored = false;
    db.writeInBatch<bool>([](SqlSession &s) { insertAudit(s, QStringLiteral("alone")); return true; }, &context,
                          [&](DbOutcome<bool> o) { stored = o.ok(); });
    QTRY_VERIFY(stored);
    QCOMPARE(auditIds(db), QStringList{QStringLiteral("alone")});
}

void DatabaseTest::deliversOnCallerThread()
{
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    QObject context;
    QThread *ranOn = nullptr;
    QThread *deliveredOn = nullptr;
    db.read<int>([&](SqlSession &) { ranOn = QThread::currentThread(); return 1; }, &context,
                 [&](DbOutcome<int>) { deliveredOn = QThread::currentThread(); });
    QTRY_VERIFY(deliveredOn != nullptr);
    QCOMPARE(deliveredOn, QThread::currentThread());
    QVERIFY(ranOn != QThread::currentThread()); // SQL never runs on the caller's thread
}

void DatabaseTest::manyConcurrentWritesAllCommit()
{
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    QObject context;
    int done = 0;
    for (int i = 0; i < 2000; ++i) {
        db.write<bool>([i](SqlSession &s) {
            s.exec(QStringLiteral("INSERT INTO audit_log (id, at, actor, action, target, detail) VALUES (?, 0, 'a', 'b', 'c', '{}')"), {QString::number(i)});
            return true;
        }, &context, [&](DbOutcome<bool> o) { done += o.ok(); });
    }
    QTRY_COMPARE_WITH_TIMEOUT(done, 2000, 30'000);
    auto count = db.runBlocking<qint64>([](SqlSession &s) {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT COUNT(*) FROM audit_log"));
        return q.next() ? q.value(0).toLongLong() : -1;
    });
    QCOMPARE(*count.value, 2000);
}

void DatabaseTest::badUrlIsReported()
{
    Database db;
    QString error;
    QVERIFY(!db.open(QStringLiteral("sqlite:/nonexistent-dir/sub/t.db"), &error));
    QVERIFY(!error.isEmpty());
}

void DatabaseTest::writesAfterAnotherConnectionCommitted()
{
    // A read that stops before its last row must not keep its snapshot: once another connection
    // (an operator's sqlite3) has committed, a connection on an old snapshot cannot write.
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    QVERIFY(db.runBlocking<bool>([](SqlSession &s) { insertAudit(s, QStringLiteral("a")); insertAudit(s, QStringLiteral("b")); return true; }).ok());
    auto firstOnly = db.runBlocking<QString>([](SqlSession &s) {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT id FROM audit_log ORDER BY id"));
        return q.next() ? q.value(0).toString() : QString(); // the cursor is left on its first row
    }, false);
    QCOMPARE(*firstOnly.value, QStringLiteral("a"));
    QVERIFY(insertAuditElsewhere(databaseFile(dir), QStringLiteral("c")));
    auto written = db.runBlocking<bool>([](SqlSession &s) { insertAudit(s, QStringLiteral("d")); return true; });
    QVERIFY2(written.ok(), qPrintable(written.error));
    QCOMPARE(auditIds(db), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d")}));
}

void DatabaseTest::writeJobThatReadsFirstKeepsTheWriteLock()
{
    // Two servers on one SQLite file: a write job reads first (an admin change authenticates the
    // operator), and the other server writes before the job's first write. With a deferred BEGIN
    // the job then failed at that write; the batch holds the write lock from its start instead,
    // so the other connection is the one that waits (here: finds it taken, with no busy timeout).
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    const QString path = databaseFile(dir);
    bool otherWrote = true;
    auto written = db.runBlocking<bool>([&path, &otherWrote](SqlSession &s) {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT COUNT(*) FROM audit_log"));
        q.next();
        q.finish();
        otherWrote = insertAuditElsewhere(path, QStringLiteral("theirs"), QStringLiteral("QSQLITE_BUSY_TIMEOUT=0"));
        insertAudit(s, QStringLiteral("mine"));
        return true;
    });
    QVERIFY2(written.ok(), qPrintable(written.error));
    QVERIFY(!otherWrote);
    QCOMPARE(auditIds(db), QStringList{QStringLiteral("mine")});
}

void DatabaseTest::slowReadOnASecondConnectionHoldsNoWriteBack()
{
    // The server reads its admin lists through a second Database on the same file. A read
    // there, stopped halfway through its rows, must not keep the writer from committing (WAL),
    // and the reader sees what the writer committed once it reads again.
    QTemporaryDir dir;
    Database writer;
    QCOMPARE(openIn(writer, dir), QString());
    Database reader;
    QCOMPARE(openReader(reader, dir), QString());
    QVERIFY(writer.runBlocking<bool>([](SqlSession &s) { insertAudit(s, QStringLiteral("a")); insertAudit(s, QStringLiteral("b")); return true; }).ok());

    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> reading{false};
    QString firstRow;
    QObject context;
    bool readDone = false;
    reader.read<QString>(
        [released, &reading](SqlSession &s) {
            QSqlQuery &q = s.exec(QStringLiteral("SELECT id FROM audit_log ORDER BY id"));
            const QString first = q.next() ? q.value(0).toString() : QString();
            reading = true;
            released.wait(); // the cursor stays on its first row until the write below is done
            return first;
        },
        &context, [&](DbOutcome<QString> outcome) {
            firstRow = outcome.value.value_or(QString());
            readDone = true;
        });
    QTRY_VERIFY_WITH_TIMEOUT(reading.load(), 10'000);

    auto written = writer.runBlocking<bool>([](SqlSession &s) { insertAudit(s, QStringLiteral("c")); return true; });
    release.set_value();
    QVERIFY2(written.ok(), qPrintable(written.error));
    QTRY_VERIFY_WITH_TIMEOUT(readDone, 10'000);
    QCOMPARE(firstRow, QStringLiteral("a"));
    QCOMPARE(auditIds(reader), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
}

void DatabaseTest::readWaitsForTheWritesQueuedBeforeIt()
{
    // The admin API reads on a second connection after the writes queued before the read have
    // committed, so an operator lists what was just changed. The write here is held: a read that
    // did not wait would answer before it, without the row.
    QTemporaryDir dir;
    Database writer;
    QCOMPARE(openIn(writer, dir), QString());
    Database reader;
    QCOMPARE(openReader(reader, dir), QString());
    const quint64 before = writer.writesQueued();

    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    QObject context;
    bool written = false;
    writer.write<bool>(
        [released](SqlSession &s) {
            released.wait();
            insertAudit(s, QStringLiteral("held"));
            return true;
        },
        &context, [&](DbOutcome<bool> outcome) { written = outcome.ok(); });
    const quint64 withHeld = writer.writesQueued();
    QCOMPARE(withHeld, before + 1);

    // A wait that times out says so, while the write is held.
    QVERIFY(!writer.waitForWrites(withHeld, std::chrono::milliseconds(20)));
    QVERIFY(writer.waitForWrites(before, std::chrono::milliseconds(0)));

    std::optional<QStringList> seen;
    reader.read<QStringList>(
        [&writer, withHeld](SqlSession &s) {
            writer.waitForWrites(withHeld, std::chrono::seconds(30));
            QStringList ids;
            QSqlQuery &q = s.exec(QStringLiteral("SELECT id FROM audit_log ORDER BY id"));
            while (q.next())
                ids << q.value(0).toString();
            return ids;
        },
        &context, [&](DbOutcome<QStringList> outcome) { seen = outcome.value.value_or(QStringList{QStringLiteral("read failed")}); });
    // The read's chance to answer early; it must not take it.
    QTest::qWait(300);
    QVERIFY2(!seen, "the read answered before the write queued before it had committed");
    release.set_value();
    QTRY_VERIFY_WITH_TIMEOUT(seen.has_value(), 10'000);
    QCOMPARE(*seen, QStringList{QStringLiteral("held")});
    QTRY_VERIFY_WITH_TIMEOUT(written, 10'000);
}

void DatabaseTest::waitingReaderEndsTheGroupCommitWindow()
{
    // An admin read waits for the writes queued before it: writes lingering for a long window
    // (--commit-window-ms) must not hold it for the whole window.
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    db.setGroupCommitWindow(std::chrono::minutes(5));
    QObject context;
    bool stored = false;
    db.writeInBatch<bool>([](SqlSession &s) { insertAudit(s, QStringLiteral("lingering")); return true; }, &context,
                          [&](DbOutcome<bool> o) { stored = o.ok(); });
    QVERIFY2(db.waitForWrites(db.writesQueued(), std::chrono::seconds(30)), "the write waited out its window while a reader waited for it");
    QCOMPARE(auditIds(db), QStringList{QStringLiteral("lingering")});
    QTRY_VERIFY(stored);
}

void DatabaseTest::walCheckpointedOnAHelperFrom8000Pages()
{
    // The write-ahead log is checkpointed from 8,000 pages, not SQLite's 1,000 (fewer pages copied
    // a call), by a helper connection (WalCheckpointerTest tests it alone). 3,000 pages' worth of
    // commits leave the log whole; past 8,000 the pages reach the file, below the writer's own
    // limit of 32,000.
    QTemporaryDir dir;
    Database db;
    QCOMPARE(openIn(db, dir), QString());
    // SQLite's own automatic checkpoints are off: the WalCheckpointer's hook replaced them.
    const auto automatic = db.runBlocking<int>([](SqlSession &s) {
        QSqlQuery &q = s.exec(QStringLiteral("PRAGMA wal_autocheckpoint"));
        return q.next() ? q.value(0).toInt() : -1;
    }, false);
    QCOMPARE(automatic.value.value_or(-1), 0);
    QVERIFY(db.runBlocking<bool>([](SqlSession &s) { s.execRaw(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")); return true; }, false).ok());
    const QByteArray page(3000, 'x'); // one row a page, or nearly
    auto commitRows = [&db, &page](int from, int to) {
        for (int i = from; i < to; i += 100) {
            const bool ok = db.runBlocking<bool>([i, page](SqlSession &s) {
                for (int j = i; j < i + 100; ++j)
                    s.exec(QStringLiteral("INSERT INTO audit_log (id, at, actor, action, target, detail) VALUES (?, 0, 'a', 'b', 'c', ?)"),
                           {QStringLiteral("row-%1").arg(j, 5, 10, QLatin1Char('0')), QString::fromLatin1(page)});
                return true;
            }).ok();
            if (!ok)
                return false;
        }
        return true;
    };
    const qint64 fileBefore = QFileInfo(databaseFile(dir)).size();
    QVERIFY(commitRows(0, 3000));
    const qint64 frames = QFileInfo(databaseFile(dir) + QStringLiteral("-wal")).size() / (4096 + 24);
    QVERIFY2(frames > 2000, qPrintable(QStringLiteral("%1 frames in the log").arg(frames)));
    QCOMPARE(QFileInfo(databaseFile(dir)).size(), fileBefore); // nothing copied yet
    QVERIFY(commitRows(3000, 8500));
    // The rows' pages reach the database file: 8,500 rows of about a page each.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(databaseFile(dir)).size() > fileBefore + 7000LL * 4096, 20000);
}

QTEST_GUILESS_MAIN(DatabaseTest)
#include "DatabaseTest.moc"

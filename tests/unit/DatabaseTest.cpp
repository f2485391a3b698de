// The database thread: migrations, group commit with per-job savepoints, and results delivered on
// the caller's thread.
#include "server/core/storage/Database.h"
#include "server/core/storage/Migrations.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace dynaseal;

class DatabaseTest : public QObject
{
    Q_OBJECT
private slots:
    void migratesOnceAndRecordsVersion();
    void refusesNewerSchema();
    void failingJobRollsBackAlone();
    void deliversOnCallerThread();
    void manyConcurrentWritesAllCommit();
    void badUrlIsReported();
};

void DatabaseTest::migratesOnceAndRecordsVersion()
{
    QTemporaryDir dir;
    const QString url = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("t.db"));
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
    const QString url = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("t.db"));
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
    QString error;
    QVERIFY(db.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("t.db")), &error));
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

void DatabaseTest::deliversOnCallerThread()
{
    QTemporaryDir dir;
    Database db;
    QString error;
    QVERIFY(db.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("t.db")), &error));
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
    QString error;
    QVERIFY(db.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("t.db")), &error));
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

QTEST_GUILESS_MAIN(DatabaseTest)
#include "DatabaseTest.moc"

// WalWriteBuffer on real SQLite files: every commit is in the log file when it returns (another
// connection reads it, a process that dies right after leaves it), a commit's pages go in a few
// writes instead of two per page, and a write that fails fails its commit and changes nothing.
#include "server/core/storage/WalWriteBuffer.h"
#include "tests/support/WalConnection.h"

#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace dynaseal;
using dynaseal::test::commitPages;
using dynaseal::test::openWalConnection;

namespace {

// `path` through the buffering VFS, as the database thread's connection, or straight.
sqlite3 *open(const QString &path, bool buffered)
{
    return openWalConnection(path, buffered ? WalWriteBuffer::kVfsName : nullptr);
}

qint64 scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = nullptr;
    qint64 value = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, nullptr) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        value = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return value;
}

bool intact(sqlite3 *db)
{
    sqlite3_stmt *q = nullptr;
    bool ok = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, nullptr) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW
        && qstrcmp(reinterpret_cast<const char *>(sqlite3_column_text(q, 0)), "ok") == 0;
    sqlite3_finalize(q);
    return ok;
}

} // namespace

class WalWriteBufferTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(WalWriteBuffer::registerVfs());
        QCOMPARE(WalWriteBuffer::registerVfs(), sqlite3_vfs_find(WalWriteBuffer::kVfsName)); // once
        QVERIFY(!WalWriteBuffer::registerVfs("dynaseal-test-none", "no-such-vfs"));
    }

    void everyCommitIsInTheFileWhenItReturns_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("rewrites");
        QTest::addColumn<int>("cachePages");
        QTest::newRow("one row a commit") << 1 << 0 << 2000;
        QTest::newRow("20 pages a commit") << 20 << 0 << 2000;
        QTest::newRow("over the buffer's 1 MiB") << 400 << 0 << 2000;
        QTest::newRow("pages rewritten in the commit") << 60 << 3 << 2000;
        QTest::newRow("pages spilled from a small cache and rewritten") << 200 << 4 << 10;
    }

    void everyCommitIsInTheFileWhenItReturns()
    {
        QFETCH(int, rows);
        QFETCH(int, rewrites);
        QFETCH(int, cachePages);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.db"));
        sqlite3 *writer = open(path, true);
        sqlite3 *reader = open(path, false); // reads the log file, not the writer's memory
        QVERIFY(writer && reader);
        sqlite3_exec(writer, qPrintable(QStringLiteral("PRAGMA cache_size=%1").arg(cachePages)), nullptr, nullptr, nullptr);
        for (int i = 1; i <= 5; ++i) {
            QCOMPARE(commitPages(writer, rows, rewrites), SQLITE_OK);
            QCOMPARE(scalar(reader, "SELECT count(*) FROM t"), qint64(i * rows));
            QCOMPARE(scalar(reader, "SELECT sum(length(v)) FROM t"), qint64(i * rows) * 3000);
        }
        QVERIFY(intact(reader));
        sqlite3_close(writer);
        sqlite3_close(reader);
    }

    void aCommitsPagesGoInAFewWrites()
    {
        QTemporaryDir dir;
        sqlite3 *writer = open(dir.filePath(QStringLiteral("t.db")), true);
        QVERIFY(writer);
        QCOMPARE(commitPages(writer, 1), SQLITE_OK); // the log's header, and the table's first pages
        const WalWriteBuffer::Counts before = WalWriteBuffer::counts();
        QCOMPARE(commitPages(writer, 20), SQLITE_OK); // about 25 pages: 50 writes without the buffer
        const WalWriteBuffer::Counts after = WalWriteBuffer::counts();
        const quint64 made = after.logWrites - before.logWrites;
        const quint64 passed = after.passedOn - before.passedOn;
        QVERIFY2(made >= 40, qPrintable(QString::number(made)));
        // The first frame's header alone, then the rest in one write: 100 KB, under 124 KiB.
        QCOMPARE(passed, quint64(2));
        sqlite3_close(writer);
    }

    void aWriteThatFailsFailsItsCommitAndChangesNothing()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.db"));
        sqlite3 *writer = open(path, true);
        sqlite3 *reader = open(path, false);
        QVERIFY(writer && reader);
        QCOMPARE(commitPages(writer, 10), SQLITE_OK);
        // Files may grow by 16 KB more: the commit's 30 pages cannot all reach the log.
        const qint64 logBytes = QFileInfo(path + QStringLiteral("-wal")).size();
        rlimit saved{};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &saved), 0);
        const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN); // a write past the limit fails, not the process
        rlimit limited = saved;
        limited.rlim_cur = rlim_t(logBytes + 16 * 1024);
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &limited), 0);
        const int failed = commitPages(writer, 30);
        setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, previousHandler);
        QVERIFY2(failed != SQLITE_OK, "the commit succeeded though its pages could not be written");
        QCOMPARE(scalar(reader, "SELECT count(*) FROM t"), qint64(10));
        QCOMPARE(scalar(writer, "SELECT count(*) FROM t"), qint64(10));
        // The log is usable again at once.
        QCOMPARE(commitPages(writer, 5), SQLITE_OK);
        QCOMPARE(scalar(reader, "SELECT count(*) FROM t"), qint64(15));
        QVERIFY(intact(reader));
        sqlite3_close(writer);
        sqlite3_close(reader);
    }

    void commitsOutliveAProcessThatDiesRightAfter_data()
    {
        QTest::addColumn<int>("rows");
        QTest::newRow("one row a commit") << 1;
        QTest::newRow("20 pages a commit") << 20;
    }

    void commitsOutliveAProcessThatDiesRightAfter()
    {
        QFETCH(int, rows);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.db"));
        const pid_t child = fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            // Commits, then ends without closing: nothing is flushed at a close.
            sqlite3 *writer = open(path, true);
            bool ok = writer != nullptr;
            for (int i = 0; i < 7 && ok; ++i)
                ok = commitPages(writer, rows) == SQLITE_OK;
            _exit(ok ? 0 : 3);
        }
        int status = 0;
        QCOMPARE(waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status));
        QCOMPARE(WEXITSTATUS(status), 0);
        sqlite3 *reader = open(path, false);
        QVERIFY(reader);
        QCOMPARE(scalar(reader, "SELECT count(*) FROM t"), qint64(7 * rows));
        QVERIFY(intact(reader));
        sqlite3_close(reader);
    }
};

QTEST_GUILESS_MAIN(WalWriteBufferTest)
#include "WalWriteBufferTest.moc"

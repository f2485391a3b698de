// WalCheckpointer on real SQLite files: the helper checkpoints from its limit and the log starts
// over, the writer checkpoints itself when the helper is held back, and takes over when the
// helper's connection cannot open.
#include "server/core/storage/WalCheckpointer.h"
#include "tests/support/WalConnection.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

using namespace dynaseal;
using dynaseal::test::commitPages;
using dynaseal::test::openWalConnection;

namespace {

// The frames the log holds now (and a passive checkpoint of them, which is harmless here).
int framesInLog(sqlite3 *db)
{
    int log = -1;
    int copied = -1;
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    return log;
}

} // namespace

class WalCheckpointerTest : public QObject
{
    Q_OBJECT

private slots:
    void helperCheckpointsAndTheLogStartsOver()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.db"));
        sqlite3 *writer = openWalConnection(path);
        QVERIFY(writer);
        {
            WalCheckpointer checkpointer(writer, path, {50, 100000});
            QCOMPARE(commitPages(writer, 30), SQLITE_OK);
            QCOMPARE(checkpointer.helperCheckpoints(), quint64(0)); // below its limit: nothing yet
            const qint64 before = QFileInfo(path).size();
            QCOMPARE(commitPages(writer, 30), SQLITE_OK);
            QTRY_VERIFY_WITH_TIMEOUT(checkpointer.helperCheckpoints() >= 1, 10000);
            QVERIFY2(QFileInfo(path).size() > before + 50 * 3000, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(QFileInfo(path).size()))); // the pages are in the file now
            QCOMPARE(checkpointer.writerCheckpoints(), quint64(0));
            // The log was copied whole, so the next transaction writes it from its start again.
            QCOMPARE(commitPages(writer, 5), SQLITE_OK);
            const int frames = framesInLog(writer);
            QVERIFY2(frames >= 0 && frames < 20, qPrintable(QStringLiteral("%1 frames in the log").arg(frames)));
        }
        sqlite3_close(writer);
    }

    void writerCheckpointsWhenTheHelperIsHeldBack()
    {
        // A reader's open snapshot keeps any checkpoint from copying the log whole, so the log
        // grows past the writer's own limit.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.db"));
        sqlite3 *writer = openWalConnection(path);
        sqlite3 *reader = openWalConnection(path);
        QVERIFY(writer && reader);
        QCOMPARE(commitPages(writer, 1), SQLITE_OK);
        QCOMPARE(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM t", nullptr, nullptr, nullptr), SQLITE_OK);
        {
            WalCheckpointer checkpointer(writer, path, {50, 120});
            for (int i = 0; i < 6; ++i)
                QCOMPARE(commitPages(writer, 30), SQLITE_OK); // 181 frames: past both limits
            // Each commit past the writer's limit checkpoints on the writer; one that meets the
            // helper's checkpoint (asked below the limit) still under way finds it busy.
            QTRY_VERIFY_WITH_TIMEOUT((commitPages(writer, 1), checkpointer.writerCheckpoints() >= 1), 10000);
        }
        sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
        sqlite3_close(reader);
        sqlite3_close(writer);
    }

    void writerTakesOverWhenTheHelperCannotOpen()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.db"));
        sqlite3 *writer = openWalConnection(path);
        QVERIFY(writer);
        {
            // The helper opens another path, one that does not exist: its connection fails.
            WalCheckpointer checkpointer(writer, dir.filePath(QStringLiteral("missing/t.db")), {50, 100000});
            QCOMPARE(commitPages(writer, 60), SQLITE_OK);
            QTRY_VERIFY_WITH_TIMEOUT((commitPages(writer, 1), checkpointer.writerCheckpoints() >= 1), 10000);
            QCOMPARE(checkpointer.helperCheckpoints(), quint64(0));
        }
        sqlite3_close(writer);
    }

    void aConnectionThatDoesNotWriteNeverCheckpoints()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.db"));
        sqlite3 *writer = openWalConnection(path);
        sqlite3 *other = openWalConnection(path);
        QVERIFY(writer && other);
        {
            WalCheckpointer watching(other, path, {50, 100000}); // watches a connection that only reads
            QCOMPARE(commitPages(writer, 60), SQLITE_OK);
            QCOMPARE(sqlite3_exec(other, "SELECT count(*) FROM t", nullptr, nullptr, nullptr), SQLITE_OK);
            QTest::qWait(100);
            QCOMPARE(watching.helperCheckpoints() + watching.writerCheckpoints(), quint64(0));
        }
        sqlite3_close(other);
        sqlite3_close(writer);
    }
};

QTEST_GUILESS_MAIN(WalCheckpointerTest)
#include "WalCheckpointerTest.moc"

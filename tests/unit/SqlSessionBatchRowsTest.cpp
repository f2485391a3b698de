// The rows a write batch inserts together (SqlSession::insertRowLater, insertRows), through the
// real Database thread on a SQLite file and, when DYNASEAL_TEST_POSTGRES_URL names a server, on
// PostgreSQL, where they go in multi-row statements: each row stored once, the first of two with
// one key counted as new, what runs for a new row run once, a statement later in the batch
// seeing the rows, and a failed batch keeping none. The batch's counters (addToCounter) likewise,
// in multi-row UPDATEs on PostgreSQL, and its rollups (addRollup) in multi-row upserts.
#include "server/core/storage/Database.h"
#include "tests/support/PostgresTestDatabase.h"

#include <QTemporaryDir>
#include <QtTest>
#include <memory>

using namespace dynaseal;
using dynaseal::test::PostgresTestDatabase;

namespace {

const QString kHead = QStringLiteral("INSERT INTO t (id, v) VALUES");
const QString kTail = QStringLiteral(" ON CONFLICT (id) DO NOTHING");

} // namespace

class SqlSessionBatchRowsTest : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void rowsWaitForTheBatchAndSayWhetherTheyWentIn_data();
    void rowsWaitForTheBatchAndSayWhetherTheyWentIn();
    void aLaterStatementOfTheBatchSeesTheRows_data();
    void aLaterStatementOfTheBatchSeesTheRows();
    void outsideABatchARowGoesInAtOnce_data();
    void outsideABatchARowGoesInAtOnce();
    void aFailedJobKeepsNoneOfItsRows_data();
    void aFailedJobKeepsNoneOfItsRows();
    void insertRowsWritesEveryRow_data();
    void insertRowsWritesEveryRow();
    void countersAddUpPerKey_data();
    void countersAddUpPerKey();
    void countersFindTheirRowsThroughTheIndex_data();
    void countersFindTheirRowsThroughTheIndex();
    void rollupsAddUpPerRow_data();
    void rollupsAddUpPerRow();
    void textValuesGoInAsGiven_data();
    void textValuesGoInAsGiven();

private:
    void backends();
    bool open(); // the row's backend, with table t; false when it was skipped or failed
    qint64 scalar(const QString &sql);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<PostgresTestDatabase> m_postgres;
    std::unique_ptr<Database> m_db;
};

void SqlSessionBatchRowsTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
}

void SqlSessionBatchRowsTest::cleanup()
{
    m_db.reset(); // closes its connection before the database is dropped
    m_postgres.reset();
    m_dir.reset();
}

void SqlSessionBatchRowsTest::backends()
{
    QTest::addColumn<bool>("postgres");
    QTest::newRow("sqlite") << false;
    QTest::newRow("postgres") << true;
}

bool SqlSessionBatchRowsTest::open()
{
    QFETCH(bool, postgres);
    QString url = QStringLiteral("sqlite:") + m_dir->filePath(QStringLiteral("t.db"));
    if (postgres) {
        if (PostgresTestDatabase::serverUrl().isEmpty()) {
            QTest::qSkip("set DYNASEAL_TEST_POSTGRES_URL (scripts/test-postgres.sh) to run this on PostgreSQL", __FILE__, __LINE__);
            return false;
        }
        m_postgres = std::make_unique<PostgresTestDatabase>();
        QString why;
        if (!m_postgres->create(&why)) {
            QTest::qFail(qPrintable(why), __FILE__, __LINE__);
            return false;
        }
        url = m_postgres->url();
    }
    m_db = std::make_unique<Database>();
    QString error;
    if (!m_db->open(url, &error)) {
        QTest::qFail(qPrintable(error), __FILE__, __LINE__);
        return false;
    }
    const auto made = m_db->runBlocking<bool>([](SqlSession &s) {
        s.execRaw(QStringLiteral("CREATE TABLE t (id TEXT PRIMARY KEY, v BIGINT NOT NULL)"));
        s.execRaw(QStringLiteral("CREATE TABLE seen (id TEXT NOT NULL)"));
        s.execRaw(QStringLiteral("CREATE TABLE texts (id TEXT PRIMARY KEY, a TEXT, b TEXT)"));
        return true;
    });
    if (!made.ok())
        QTest::qFail(qPrintable(made.error), __FILE__, __LINE__);
    return made.ok();
}

qint64 SqlSessionBatchRowsTest::scalar(const QString &sql)
{
    auto value = m_db->runBlocking<qint64>([sql](SqlSession &s) {
        QSqlQuery &q = s.exec(sql);
        return q.next() ? q.value(0).toLongLong() : qint64(-1);
    }, false);
    return value.ok() ? *value.value : -2;
}

void SqlSessionBatchRowsTest::rowsWaitForTheBatchAndSayWhetherTheyWentIn_data()
{
    backends();
}

void SqlSessionBatchRowsTest::rowsWaitForTheBatchAndSayWhetherTheyWentIn()
{
    if (!open())
        return;
    // 70 rows: more than one multi-row statement on PostgreSQL. Row 69 repeats row 3's key.
    struct Result
    {
        QList<SqlSession::RowInserted> inserted;
        int setBeforeTheBatchEnded = 0;
    };
    auto result = m_db->runBlocking<Result>([](SqlSession &s) {
        Result r;
        for (int i = 0; i < 70; ++i) {
            const QString id = i == 69 ? QStringLiteral("r3") : QStringLiteral("r%1").arg(i);
            r.inserted.append(s.insertRowLater(kHead, kTail, QStringLiteral("id"), {id, qint64(i)}, id, [id](SqlSession &s) {
                s.run(QStringLiteral("INSERT INTO seen (id) VALUES (?)"), {id});
            }));
        }
        for (const SqlSession::RowInserted &flag : std::as_const(r.inserted))
            r.setBeforeTheBatchEnded += *flag ? 1 : 0;
        return r;
    });
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.value->setBeforeTheBatchEnded, 0); // nothing was written inside the job
    for (int i = 0; i < 69; ++i)
        QVERIFY2(*result.value->inserted.at(i), qPrintable(QStringLiteral("row %1").arg(i)));
    QVERIFY(!*result.value->inserted.at(69)); // the repeated key
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM t")), 69);
    QCOMPARE(scalar(QStringLiteral("SELECT v FROM t WHERE id = 'r3'")), 3); // the first row's values
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM seen")), 69);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM seen WHERE id = 'r3'")), 1);

    // A row whose key is stored already: not new, nothing runs.
    auto again = m_db->runBlocking<SqlSession::RowInserted>([](SqlSession &s) {
        return s.insertRowLater(kHead, kTail, QStringLiteral("id"), {QStringLiteral("r5"), qint64(500)}, QStringLiteral("r5"),
                                [](SqlSession &s) { s.run(QStringLiteral("INSERT INTO seen (id) VALUES ('again')")); });
    });
    QVERIFY2(again.ok(), qPrintable(again.error));
    QVERIFY(!**again.value);
    QCOMPARE(scalar(QStringLiteral("SELECT v FROM t WHERE id = 'r5'")), 5);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM seen")), 69);
}

void SqlSessionBatchRowsTest::aLaterStatementOfTheBatchSeesTheRows_data()
{
    backends();
}

void SqlSessionBatchRowsTest::aLaterStatementOfTheBatchSeesTheRows()
{
    if (!open())
        return;
    // A read, and a write that depends on the row, each run after the waiting rows are written.
    auto seen = m_db->runBlocking<QList<qint64>>([](SqlSession &s) {
        const auto a = s.insertRowLater(kHead, kTail, QStringLiteral("id"), {QStringLiteral("a"), qint64(1)}, QStringLiteral("a"));
        QSqlQuery &q = s.exec(QStringLiteral("SELECT COUNT(*) FROM t"));
        const qint64 counted = q.next() ? q.value(0).toLongLong() : -1;
        q.finish();
        const bool knownAfterTheRead = *a;
        s.insertRowLater(kHead, kTail, QStringLiteral("id"), {QStringLiteral("b"), qint64(2)}, QStringLiteral("b"));
        const int updated = s.run(QStringLiteral("UPDATE t SET v = v + 10 WHERE id = 'b'"));
        return QList<qint64>{counted, knownAfterTheRead ? 1 : 0, updated};
    });
    QVERIFY2(seen.ok(), qPrintable(seen.error));
    QCOMPARE(*seen.value, (QList<qint64>{1, 1, 1}));
    QCOMPARE(scalar(QStringLiteral("SELECT v FROM t WHERE id = 'b'")), 12);
}

void SqlSessionBatchRowsTest::outsideABatchARowGoesInAtOnce_data()
{
    backends();
}

void SqlSessionBatchRowsTest::outsideABatchARowGoesInAtOnce()
{
    if (!open())
        return;
    auto known = m_db->runBlocking<QList<bool>>([](SqlSession &s) {
        bool ran = false;
        const auto first = s.insertRowLater(kHead, kTail, QStringLiteral("id"), {QStringLiteral("x"), qint64(1)}, QStringLiteral("x"),
                                            [&ran](SqlSession &) { ran = true; });
        const bool firstKnown = *first;
        const auto second = s.insertRowLater(kHead, kTail, QStringLiteral("id"), {QStringLiteral("x"), qint64(2)}, QStringLiteral("x"));
        return QList<bool>{firstKnown, ran, *second};
    }, false); // outside a transaction: no batch
    QVERIFY2(known.ok(), qPrintable(known.error));
    QCOMPARE(*known.value, (QList<bool>{true, true, false}));
}

void SqlSessionBatchRowsTest::aFailedJobKeepsNoneOfItsRows_data()
{
    backends();
}

void SqlSessionBatchRowsTest::aFailedJobKeepsNoneOfItsRows()
{
    if (!open())
        return;
    // The job fails after its rows were given: neither they nor what runs for them are kept.
    auto failed = m_db->runBlocking<bool>([](SqlSession &s) {
        s.insertRowLater(kHead, kTail, QStringLiteral("id"), {QStringLiteral("y"), qint64(1)}, QStringLiteral("y"),
                         [](SqlSession &s) { s.run(QStringLiteral("INSERT INTO seen (id) VALUES ('y')")); });
        s.run(QStringLiteral("INSERT INTO no_such_table (id) VALUES (1)"));
        return true;
    });
    QVERIFY(!failed.ok());
    // The rows fail at the batch's end: a row whose `then` throws takes the batch with it.
    auto failedLate = m_db->runBlocking<bool>([](SqlSession &s) {
        s.insertRowLater(kHead, kTail, QStringLiteral("id"), {QStringLiteral("z"), qint64(1)}, QStringLiteral("z"),
                         [](SqlSession &s) { s.run(QStringLiteral("INSERT INTO no_such_table (id) VALUES (1)")); });
        return true;
    });
    QVERIFY(!failedLate.ok());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM t")), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM seen")), 0);

    // The session is usable after: the next batch's rows go in.
    auto next = m_db->runBlocking<SqlSession::RowInserted>([](SqlSession &s) {
        return s.insertRowLater(kHead, kTail, QStringLiteral("id"), {QStringLiteral("y"), qint64(7)}, QStringLiteral("y"));
    });
    QVERIFY2(next.ok(), qPrintable(next.error));
    QVERIFY(**next.value);
    QCOMPARE(scalar(QStringLiteral("SELECT v FROM t WHERE id = 'y'")), 7);
}

void SqlSessionBatchRowsTest::insertRowsWritesEveryRow_data()
{
    backends();
}

void SqlSessionBatchRowsTest::insertRowsWritesEveryRow()
{
    if (!open())
        return;
    // 100 rows (64 + 32 + 4 a statement on PostgreSQL), two of them repeating a key.
    QVariantList values;
    for (int i = 0; i < 100; ++i)
        values << (i >= 98 ? QStringLiteral("k%1").arg(i - 98) : QStringLiteral("k%1").arg(i)) << qint64(i);
    auto changed = m_db->runBlocking<int>([values](SqlSession &s) { return s.insertRows(kHead, 2, kTail, values); });
    QVERIFY2(changed.ok(), qPrintable(changed.error));
    QCOMPARE(*changed.value, 98);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM t")), 98);
    QCOMPARE(scalar(QStringLiteral("SELECT SUM(v) FROM t")), 97 * 98 / 2);
    auto none = m_db->runBlocking<int>([](SqlSession &s) { return s.insertRows(kHead, 2, kTail, {}); });
    QVERIFY2(none.ok(), qPrintable(none.error));
    QCOMPARE(*none.value, 0);
}

void SqlSessionBatchRowsTest::countersAddUpPerKey_data()
{
    backends();
}

void SqlSessionBatchRowsTest::countersAddUpPerKey()
{
    if (!open())
        return;
    QVariantList rows;
    for (int i = 0; i < 100; ++i)
        rows << QStringLiteral("k%1").arg(i) << qint64(0);
    auto seeded = m_db->runBlocking<int>([rows](SqlSession &s) {
        s.execRaw(QStringLiteral("CREATE TABLE u (id TEXT PRIMARY KEY, n BIGINT NOT NULL)"));
        s.execRaw(QStringLiteral("INSERT INTO u (id, n) VALUES ('a', 5), ('b', 0)"));
        return s.insertRows(kHead, 2, kTail, rows);
    });
    QVERIFY2(seeded.ok(), qPrintable(seeded.error));
    const SqlSession::Counter tv{QStringLiteral("t"), QStringLiteral("v"), QStringLiteral("id")};
    const SqlSession::Counter un{QStringLiteral("u"), QStringLiteral("n"), QStringLiteral("id")};

    // One batch: 100 keys of one counter (64 + 32 + 4 a statement on PostgreSQL), one key twice, a
    // key without a row, and a second counter in between.
    auto added = m_db->runBlocking<bool>([tv, un](SqlSession &s) {
        for (int i = 0; i < 100; ++i) {
            s.addToCounter(tv, QStringLiteral("k%1").arg(i), i + 1);
            if (i == 50)
                s.addToCounter(un, QStringLiteral("a"), 2);
        }
        s.addToCounter(tv, QStringLiteral("k5"), 1000);
        s.addToCounter(tv, QStringLiteral("nope"), 7);
        s.addToCounter(un, QStringLiteral("a"), 3);
        return true;
    });
    QVERIFY2(added.ok(), qPrintable(added.error));
    QCOMPARE(scalar(QStringLiteral("SELECT SUM(v) FROM t")), 100 * 101 / 2 + 1000);
    QCOMPARE(scalar(QStringLiteral("SELECT v FROM t WHERE id = 'k5'")), 1006);
    QCOMPARE(scalar(QStringLiteral("SELECT v FROM t WHERE id = 'k99'")), 100);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM t")), 100);
    QCOMPARE(scalar(QStringLiteral("SELECT n FROM u WHERE id = 'a'")), 10);
    QCOMPARE(scalar(QStringLiteral("SELECT n FROM u WHERE id = 'b'")), 0);

    // A job that fails after adding keeps none of it.
    auto failed = m_db->runBlocking<bool>([tv](SqlSession &s) {
        for (int i = 0; i < 100; ++i)
            s.addToCounter(tv, QStringLiteral("k%1").arg(i), 1);
        s.run(QStringLiteral("INSERT INTO no_such_table (id) VALUES (1)"));
        return true;
    });
    QVERIFY(!failed.ok());
    QCOMPARE(scalar(QStringLiteral("SELECT SUM(v) FROM t")), 100 * 101 / 2 + 1000);

    // Outside a batch the counter is written at once.
    auto direct = m_db->runBlocking<bool>([un](SqlSession &s) {
        s.addToCounter(un, QStringLiteral("b"), 4);
        return true;
    }, false);
    QVERIFY2(direct.ok(), qPrintable(direct.error));
    QCOMPARE(scalar(QStringLiteral("SELECT n FROM u WHERE id = 'b'")), 4);
}

void SqlSessionBatchRowsTest::countersFindTheirRowsThroughTheIndex_data()
{
    // PostgreSQL only: SQLite updates one row a statement by its key.
    QTest::addColumn<bool>("postgres");
    QTest::newRow("postgres") << true;
}

void SqlSessionBatchRowsTest::countersFindTheirRowsThroughTheIndex()
{
    // A multi-row UPDATE of 64 keys against a table of thousands of rows (key_spend with many
    // devices) once made PostgreSQL read the whole table on every run, into a hash join.
    if (!open())
        return;
    // PostgreSQL's own counts of the table's scans tell; pg_stat_force_next_flush() is from 15 on.
    if (scalar(QStringLiteral("SELECT CAST(current_setting('server_version_num') AS INTEGER)")) < 150000
        || scalar(QStringLiteral("SELECT CASE WHEN current_setting('track_counts') = 'on' THEN 1 ELSE 0 END")) != 1)
        QSKIP("needs PostgreSQL 15 or later with track_counts on");
    auto seeded = m_db->runBlocking<bool>([](SqlSession &s) {
        s.execRaw(QStringLiteral("INSERT INTO t (id, v) SELECT 'k' || i, 0 FROM generate_series(1, 20000) AS i"));
        return true;
    }, false);
    QVERIFY2(seeded.ok(), qPrintable(seeded.error));
    QVERIFY2(m_db->runBlocking<bool>([](SqlSession &s) { s.execRaw(QStringLiteral("ANALYZE t")); return true; }, false).ok(),
             "ANALYZE t");
    // The table's scans as PostgreSQL counts them. A connection sends its pending counts when it
    // goes idle, at most once a second unless pg_stat_force_next_flush() asked it to: the
    // Database's one connection runs the updates, that call and the read, so the read comes after
    // the flush.
    const auto scans = [this](const char *column) {
        scalar(QStringLiteral("SELECT pg_stat_force_next_flush()"));
        return scalar(QStringLiteral("SELECT %1 FROM pg_stat_user_tables WHERE relname = 't'").arg(QLatin1String(column)));
    };
    const qint64 seqBefore = scans("seq_scan");
    const qint64 indexBefore = scans("idx_scan");
    QVERIFY(seqBefore >= 0 && indexBefore >= 0);

    const SqlSession::Counter tv{QStringLiteral("t"), QStringLiteral("v"), QStringLiteral("id")};
    auto added = m_db->runBlocking<bool>([tv](SqlSession &s) {
        for (int i = 1; i <= 128; ++i) // two statements of 64 keys
            s.addToCounter(tv, QStringLiteral("k%1").arg(i * 150), 1);
        return true;
    });
    QVERIFY2(added.ok(), qPrintable(added.error));
    QCOMPARE(scalar(QStringLiteral("SELECT SUM(v) FROM t")), 128);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM t WHERE v = 1 AND id = 'k' || (CAST(substr(id, 2) AS INTEGER) / 150 * 150)")), 128);

    // The SUM and COUNT above read the whole table once each.
    QCOMPARE(scans("seq_scan") - seqBefore, 2);
    QVERIFY2(scans("idx_scan") - indexBefore >= 128, "each key found through the index");
}

void SqlSessionBatchRowsTest::rollupsAddUpPerRow_data()
{
    backends();
}

void SqlSessionBatchRowsTest::rollupsAddUpPerRow()
{
    if (!open())
        return;
    auto made = m_db->runBlocking<bool>([](SqlSession &s) {
        for (const char *table : {"r", "r2"})
            s.execRaw(QStringLiteral("CREATE TABLE %1 (bucket BIGINT NOT NULL, tenant_id TEXT NOT NULL, model TEXT NOT NULL,"
                                     " requests BIGINT NOT NULL, errors BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,"
                                     " completion_tokens BIGINT NOT NULL, latency_ms_sum BIGINT NOT NULL,"
                                     " PRIMARY KEY (bucket, tenant_id, model))").arg(QLatin1String(table)));
        s.execRaw(QStringLiteral("INSERT INTO r VALUES (60000, 't7', 'm1', 10, 1, 100, 200, 300)"));
        return true;
    }, false);
    QVERIFY2(made.ok(), qPrintable(made.error));
    const QString r = QStringLiteral("r");
    const QString r2 = QStringLiteral("r2");

    // One batch, as many devices of 50 tenants on 2 models give it: 100 rows of r (one of them
    // there before, one added to twice) and 50 of r2 in between.
    auto added = m_db->runBlocking<bool>([r, r2](SqlSession &s) {
        for (int t = 0; t < 50; ++t) {
            for (const QString &model : {QStringLiteral("m0"), QStringLiteral("m1")})
                s.addRollup(r, 60000, QStringLiteral("t%1").arg(t), model, RollupDelta{1, 0, 10, 20, 5});
            s.addRollup(r2, 3600000, QStringLiteral("t%1").arg(t), QStringLiteral("m0"), RollupDelta{2, 1, 0, 0, 0});
        }
        s.addRollup(r, 60000, QStringLiteral("t3"), QStringLiteral("m0"), RollupDelta{1, 1, 1, 1, 1});
        return true;
    });
    QVERIFY2(added.ok(), qPrintable(added.error));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM r")), 100);
    QCOMPARE(scalar(QStringLiteral("SELECT SUM(requests) FROM r")), 10 + 100 + 1);
    QCOMPARE(scalar(QStringLiteral("SELECT requests * 1000000 + errors * 10000 + prompt_tokens FROM r WHERE tenant_id = 't7' AND model = 'm1'")),
             11 * 1000000 + 1 * 10000 + 110);
    QCOMPARE(scalar(QStringLiteral("SELECT completion_tokens * 1000 + latency_ms_sum FROM r WHERE tenant_id = 't7' AND model = 'm1'")),
             220 * 1000 + 305);
    QCOMPARE(scalar(QStringLiteral("SELECT requests * 100 + errors FROM r WHERE tenant_id = 't3' AND model = 'm0'")), 2 * 100 + 1);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM r2 WHERE bucket = 3600000 AND requests = 2 AND errors = 1")), 50);
    if (m_postgres) {
        // 64 rows (512 values) in one statement, not a round trip each.
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO r %$512)%'")), 1);
    }

    // A job that fails after adding keeps none of it.
    auto failed = m_db->runBlocking<bool>([r](SqlSession &s) {
        s.addRollup(r, 60000, QStringLiteral("t1"), QStringLiteral("m0"), RollupDelta{1000, 0, 0, 0, 0});
        s.run(QStringLiteral("INSERT INTO no_such_table (id) VALUES (1)"));
        return true;
    });
    QVERIFY(!failed.ok());
    QCOMPARE(scalar(QStringLiteral("SELECT SUM(requests) FROM r")), 111);

    // Outside a batch the row is written at once.
    auto direct = m_db->runBlocking<bool>([r](SqlSession &s) {
        s.addRollup(r, 120000, QStringLiteral("t1"), QStringLiteral("m0"), RollupDelta{4, 0, 0, 0, 0});
        return true;
    }, false);
    QVERIFY2(direct.ok(), qPrintable(direct.error));
    QCOMPARE(scalar(QStringLiteral("SELECT requests FROM r WHERE bucket = 120000")), 4);
}

void SqlSessionBatchRowsTest::textValuesGoInAsGiven_data()
{
    // Each row runs on SQLite and on PostgreSQL; on SQLite the text values of a statement are
    // bound from one buffer of UTF-8, one after the other.
    QTest::addColumn<bool>("postgres");
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    const QString other = QString::fromUtf8("caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80");
    const QString big(300 * 1024, QLatin1Char('x')); // past the buffer SqlSession keeps between runs
    for (const bool postgres : {false, true}) {
        const char *backend = postgres ? "postgres" : "sqlite";
        QTest::addRow("%s: ASCII", backend) << postgres << QStringLiteral("one") << QStringLiteral("two");
        QTest::addRow("%s: empty is not NULL", backend) << postgres << QStringLiteral("") << QStringLiteral("x");
        QTest::addRow("%s: both empty", backend) << postgres << QStringLiteral("") << QStringLiteral("");
        QTest::addRow("%s: null is NULL", backend) << postgres << QString() << QStringLiteral("x");
        QTest::addRow("%s: other scripts", backend) << postgres << other << other + other;
        QTest::addRow("%s: a big value, then a small one", backend) << postgres << big << QStringLiteral("y");
    }
}

void SqlSessionBatchRowsTest::textValuesGoInAsGiven()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    if (!open())
        return;
    // Twice, so the second run binds from a buffer the first one used.
    for (const QString &id : {QStringLiteral("r1"), QStringLiteral("r2")}) {
        auto done = m_db->runBlocking<int>([id, a, b](SqlSession &s) {
            return s.run(QStringLiteral("INSERT INTO texts (id, a, b) VALUES (?, ?, ?)"), {id, a, b});
        });
        QVERIFY2(done.ok(), qPrintable(done.error));
    }
    // An empty text alone in its statement (after a big value, no buffer is kept) is still not
    // NULL, which `seen.id` would refuse.
    auto empty = m_db->runBlocking<int>([](SqlSession &s) { return s.run(QStringLiteral("INSERT INTO seen (id) VALUES (?)"), {QStringLiteral("")}); });
    QVERIFY2(empty.ok(), qPrintable(empty.error));
    auto stored = m_db->runBlocking<QList<QVariantList>>([](SqlSession &s) {
        QSqlQuery &q = s.exec(QStringLiteral("SELECT id, a, b FROM texts ORDER BY id"));
        QList<QVariantList> rows;
        while (q.next())
            rows.append({q.value(0), q.value(1), q.value(2)});
        return rows;
    }, false);
    QVERIFY2(stored.ok(), qPrintable(stored.error));
    QCOMPARE(stored.value->size(), 2);
    for (const QVariantList &row : *stored.value) {
        QCOMPARE(row.at(1).isNull(), a.isNull());
        QCOMPARE(row.at(1).toString(), a);
        QCOMPARE(row.at(2).toString(), b);
    }
}

QTEST_GUILESS_MAIN(SqlSessionBatchRowsTest)
#include "SqlSessionBatchRowsTest.moc"

// SqlSession::run on PostgreSQL, which goes past Qt's driver through libpq (PostgresStatements):
// it must store exactly what Qt's driver (exec) stores for the same values, prepare each statement
// once, say which rows a RETURNING gave back, report errors as DbError and leave the connection
// usable after one. Runs on the server DYNASEAL_TEST_POSTGRES_URL names (scripts/test-postgres.sh).
#include "server/core/storage/PostgresStatements.h"
#include "server/core/storage/SqlSession.h"
#include "tests/support/PostgresTestDatabase.h"

#include <QSqlDatabase>
#include <QUuid>
#include <QtTest>
#include <limits>
#include <memory>

using namespace dynaseal;
using dynaseal::test::PostgresTestDatabase;

class PostgresStatementsTest : public QObject
{
    Q_OBJECT
private slots:
    void numbered_data();
    void numbered();
    void init();
    void cleanup();
    void runStoresWhatExecStores_data();
    void runStoresWhatExecStores();
    void eachStatementIsPreparedOnce();
    void runReportsRowsChangedAndReturned();
    void runErrorsAreDbErrorsAndLeaveTheConnectionUsable_data();
    void runErrorsAreDbErrorsAndLeaveTheConnectionUsable();
    void aFailedTransactionRollsBackAndTheNextOneWorks();
    void aLoneSurrogateIsStoredAsReplacementCharacter();
    void aLostConnectionIsADbErrorThatSaysWhy();
    void aTransactionIsLookedUpByItsId();

private:
    // `column` of the row `id` as PostgreSQL's text, or "NULL", or "missing".
    QString stored(const QString &column, const QString &id);
    qint64 count(const QString &sql);

    std::unique_ptr<PostgresTestDatabase> m_postgres;
    QString m_connection;
    std::unique_ptr<SqlSession> m_session;
};

void PostgresStatementsTest::numbered_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("none") << QStringLiteral("SELECT 1") << QByteArray("SELECT 1");
    QTest::newRow("two") << QStringLiteral("INSERT INTO t (a, b) VALUES (?, ?)") << QByteArray("INSERT INTO t (a, b) VALUES ($1, $2)");
    QTest::newRow("past nine") << QStringLiteral("?,?,?,?,?,?,?,?,?,?,?") << QByteArray("$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11");
    QTest::newRow("in a literal") << QStringLiteral("SELECT '?', ?") << QByteArray("SELECT '?', $1");
    QTest::newRow("a doubled quote") << QStringLiteral("SELECT 'it''s ?', ?") << QByteArray("SELECT 'it''s ?', $1");
    QTest::newRow("in a quoted name") << QStringLiteral("SELECT \"a?\" FROM t WHERE b = ?") << QByteArray("SELECT \"a?\" FROM t WHERE b = $1");
    QTest::newRow("in a line comment") << QStringLiteral("SELECT ? -- why?\n, ?") << QByteArray("SELECT $1 -- why?\n, $2");
    QTest::newRow("in a block comment") << QStringLiteral("SELECT /* ? */ ?") << QByteArray("SELECT /* ? */ $1");
    QTest::newRow("a minus is not a comment") << QStringLiteral("SELECT 3 - ?") << QByteArray("SELECT 3 - $1");
    QTest::newRow("text after the ASCII") << QString::fromUtf8("SELECT '世界', ?") << QByteArray("SELECT '世界', $1");
}

void PostgresStatementsTest::numbered()
{
    QFETCH(QString, sql);
    QFETCH(QByteArray, expected);
    QCOMPARE(PostgresStatements::numbered(sql), expected);
}

void PostgresStatementsTest::init()
{
    if (qstrcmp(QTest::currentTestFunction(), "numbered") == 0)
        return; // needs no server
    if (PostgresTestDatabase::serverUrl().isEmpty())
        QSKIP("set DYNASEAL_TEST_POSTGRES_URL (scripts/test-postgres.sh) to run this");
    m_postgres = std::make_unique<PostgresTestDatabase>();
    QString why;
    QVERIFY2(m_postgres->create(&why), qPrintable(why));
    m_connection = QUuid::createUuid().toString();
    QVERIFY2(m_postgres->open(m_connection, &why), qPrintable(why));
    m_session = std::make_unique<SqlSession>(QSqlDatabase::database(m_connection, false), true);
    m_session->execRaw(QStringLiteral("CREATE TABLE t (id TEXT PRIMARY KEY, txt TEXT, big BIGINT, flag BOOLEAN,"
                                      " num DOUBLE PRECISION, raw BYTEA)"));
}

void PostgresStatementsTest::cleanup()
{
    m_session.reset();
    if (!m_connection.isEmpty()) {
        QSqlDatabase::database(m_connection, false).close();
        QSqlDatabase::removeDatabase(m_connection);
        m_connection.clear();
    }
    m_postgres.reset();
}

QString PostgresStatementsTest::stored(const QString &column, const QString &id)
{
    QSqlQuery &q = m_session->exec(QStringLiteral("SELECT quote_nullable(%1) FROM t WHERE id = ?").arg(column), {id});
    const QString out = q.next() ? q.value(0).toString() : QStringLiteral("missing");
    q.finish();
    return out;
}

qint64 PostgresStatementsTest::count(const QString &sql)
{
    QSqlQuery &q = m_session->exec(sql);
    const qint64 n = q.next() ? q.value(0).toLongLong() : -1;
    q.finish();
    return n;
}

void PostgresStatementsTest::runStoresWhatExecStores_data()
{
    QTest::addColumn<QString>("column");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QString>("expected"); // quote_nullable() of what is stored
    QTest::newRow("text") << "txt" << QVariant(QStringLiteral("hello")) << "'hello'";
    QTest::newRow("other scripts and quotes") << "txt" << QVariant(QString::fromUtf8("世界 😀 \"q\" 'a'"))
                                              << QString::fromUtf8("'世界 😀 \"q\" ''a'''");
    QTest::newRow("backslashes") << "txt" << QVariant(QStringLiteral("a\\b\\\\")) << "E'a\\\\b\\\\\\\\'";
    QTest::newRow("a placeholder's look-alikes") << "txt" << QVariant(QStringLiteral("? $1 '")) << "'? $1 '''";
    QTest::newRow("empty text is not NULL") << "txt" << QVariant(QStringLiteral("")) << "''";
    QTest::newRow("null text") << "txt" << QVariant(QString()) << "NULL";
    QTest::newRow("typed null") << "txt" << QVariant(QMetaType(QMetaType::QString)) << "NULL";
    QTest::newRow("invalid variant") << "big" << QVariant() << "NULL";
    QTest::newRow("int") << "big" << QVariant(42) << "'42'";
    QTest::newRow("unsigned int") << "big" << QVariant(4'000'000'000U) << "'4000000000'";
    QTest::newRow("smallest long long") << "big" << QVariant(std::numeric_limits<qint64>::min()) << "'-9223372036854775808'";
    QTest::newRow("largest long long") << "big" << QVariant(std::numeric_limits<qint64>::max()) << "'9223372036854775807'";
    QTest::newRow("unsigned long long") << "big" << QVariant(quint64(1) << 40) << "'1099511627776'";
    QTest::newRow("a number as text") << "big" << QVariant(QStringLiteral("17")) << "'17'";
    QTest::newRow("true") << "flag" << QVariant(true) << "'true'";
    QTest::newRow("false") << "flag" << QVariant(false) << "'false'";
    QTest::newRow("double") << "num" << QVariant(2.5) << "'2.5'";
    QTest::newRow("double, not exact in binary") << "num" << QVariant(0.1) << "'0.1'";
    QTest::newRow("double, large") << "num" << QVariant(1e300) << "'1e+300'";
    QTest::newRow("NaN") << "num" << QVariant(std::numeric_limits<double>::quiet_NaN()) << "'NaN'";
    QTest::newRow("minus infinity") << "num" << QVariant(-std::numeric_limits<double>::infinity()) << "'-Infinity'";
    // Not taken by PostgresStatements: through Qt's driver, as before (which reads bytea escaped).
    QTest::newRow("bytes") << "raw" << QVariant(QByteArray("\x00\x01\xff", 3)) << "E'\\\\000\\\\001\\\\377'";
}

void PostgresStatementsTest::runStoresWhatExecStores()
{
    QFETCH(QString, column);
    QFETCH(QVariant, value);
    QFETCH(QString, expected);
    const QString insert = QStringLiteral("INSERT INTO t (id, %1) VALUES (?, ?)").arg(column);
    QCOMPARE(m_session->run(insert, {QStringLiteral("run"), value}), 1);
    m_session->exec(insert, {QStringLiteral("exec"), value}).finish();
    QCOMPARE(stored(column, QStringLiteral("run")), expected);
    QCOMPARE(stored(column, QStringLiteral("exec")), expected);
}

void PostgresStatementsTest::eachStatementIsPreparedOnce()
{
    const QString insert = QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)");
    for (int i = 0; i < 3; ++i)
        QCOMPARE(m_session->run(insert, {QStringLiteral("r%1").arg(i), i}), 1);
    m_session->run(QStringLiteral("UPDATE t SET big = big + ? WHERE id = ?"), {1, QStringLiteral("r0")});
    // Prepared through libpq, under its own names (Qt's driver names its own qpsqlpstmt_…).
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'dynaseal%'")), 2);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO t (id, big) VALUES ($1, $2)'")), 1);
    QCOMPARE(stored(QStringLiteral("big"), QStringLiteral("r0")), QStringLiteral("'1'"));
}

void PostgresStatementsTest::runReportsRowsChangedAndReturned()
{
    for (int i = 0; i < 5; ++i)
        m_session->run(QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)"), {QStringLiteral("r%1").arg(i), i});
    QCOMPARE(m_session->run(QStringLiteral("UPDATE t SET big = big + 1 WHERE big >= ?"), {2}), 3);
    QCOMPARE(m_session->run(QStringLiteral("DELETE FROM t WHERE id = ?"), {QStringLiteral("nobody")}), 0);
    // A multi-row INSERT as a write batch sends it: the rows that went in come back.
    auto pg = PostgresStatements::of(m_session->connection());
    QVERIFY(pg);
    QStringList returned;
    const int changed = pg->run(QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?), (?, ?), (?, ?) ON CONFLICT (id) DO NOTHING RETURNING id"),
                                {QStringLiteral("r1"), 10, QString::fromUtf8("新"), 11, QStringLiteral("r9"), 12}, &returned);
    QCOMPARE(changed, 2);
    QCOMPARE(returned, (QStringList{QString::fromUtf8("新"), QStringLiteral("r9")}));
    QCOMPARE(stored(QStringLiteral("big"), QStringLiteral("r1")), QStringLiteral("'1'"));
}

void PostgresStatementsTest::runErrorsAreDbErrorsAndLeaveTheConnectionUsable_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QVariantList>("values");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("duplicate key") << QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)") << QVariantList{QStringLiteral("a"), 1}
                                   << QStringLiteral("duplicate key");
    QTest::newRow("no such table") << QStringLiteral("INSERT INTO missing VALUES (?)") << QVariantList{1} << QStringLiteral("does not exist");
    QTest::newRow("syntax") << QStringLiteral("INSERT INTO t VALUES (1 2)") << QVariantList{} << QStringLiteral("syntax");
    QTest::newRow("too many values") << QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)")
                                     << QVariantList{QStringLiteral("z"), 1, 2} << QStringLiteral("parameters");
    QTest::newRow("not a number") << QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)")
                                  << QVariantList{QStringLiteral("z"), QStringLiteral("seven")} << QStringLiteral("bigint");
    QTest::newRow("out of range") << QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)")
                                  << QVariantList{QStringLiteral("z"), std::numeric_limits<quint64>::max()} << QStringLiteral("range");
}

void PostgresStatementsTest::runErrorsAreDbErrorsAndLeaveTheConnectionUsable()
{
    QFETCH(QString, sql);
    QFETCH(QVariantList, values);
    QFETCH(QString, mentions);
    const QString insert = QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)");
    m_session->run(insert, {QStringLiteral("a"), 0});
    try {
        m_session->run(sql, values);
        QFAIL("no DbError");
    } catch (const DbError &e) {
        QVERIFY2(e.message().contains(mentions, Qt::CaseInsensitive), qPrintable(e.message()));
        QVERIFY2(e.message().contains(sql.left(20)), qPrintable(e.message())); // says which statement
    }
    QCOMPARE(m_session->run(insert, {QStringLiteral("b"), 2}), 1);
    QCOMPARE(stored(QStringLiteral("big"), QStringLiteral("b")), QStringLiteral("'2'"));
    QCOMPARE(stored(QStringLiteral("big"), QStringLiteral("z")), QStringLiteral("missing"));
}

void PostgresStatementsTest::aFailedTransactionRollsBackAndTheNextOneWorks()
{
    using Tx = SqlSession::Tx;
    const QString insert = QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)");
    m_session->tx(Tx::Begin);
    m_session->run(insert, {QStringLiteral("gone"), 1});
    QVERIFY_THROWS_EXCEPTION(DbError, m_session->run(insert, {QStringLiteral("gone"), 2}));
    // The transaction is aborted: PostgreSQL refuses every statement until it ends.
    QVERIFY_THROWS_EXCEPTION(DbError, m_session->run(insert, {QStringLiteral("other"), 3}));
    m_session->tx(Tx::Rollback);
    m_session->tx(Tx::Begin);
    QCOMPARE(m_session->run(insert, {QStringLiteral("kept"), 4}), 1);
    m_session->tx(Tx::Commit);
    QCOMPARE(stored(QStringLiteral("big"), QStringLiteral("gone")), QStringLiteral("missing"));
    QCOMPARE(stored(QStringLiteral("big"), QStringLiteral("other")), QStringLiteral("missing"));
    QCOMPARE(stored(QStringLiteral("big"), QStringLiteral("kept")), QStringLiteral("'4'"));
}

void PostgresStatementsTest::aLoneSurrogateIsStoredAsReplacementCharacter()
{
    // As on SQLite (SqlSessionTest): valid UTF-8, U+FFFD in the surrogate's place.
    const QString text = QStringLiteral("a") + QChar(0xD800) + QStringLiteral("b");
    QCOMPARE(m_session->run(QStringLiteral("INSERT INTO t (id, txt) VALUES (?, ?)"), {QStringLiteral("s"), text}), 1);
    QSqlQuery &q = m_session->exec(QStringLiteral("SELECT encode(convert_to(txt, 'UTF8'), 'hex') FROM t WHERE id = ?"), {QStringLiteral("s")});
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("61efbfbd62"));
    q.finish();
}

void PostgresStatementsTest::aLostConnectionIsADbErrorThatSaysWhy()
{
    const QString insert = QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)");
    QCOMPARE(m_session->run(insert, {QStringLiteral("before"), 1}), 1);
    QVERIFY(!m_session->connectionLost());
    // The server ends the session's connection, as a restart or an operator would.
    QString why;
    QVERIFY2(m_postgres->endSessions(&why) == 1, qPrintable(why));
    try {
        m_session->run(insert, {QStringLiteral("after"), 2});
        QFAIL("no DbError");
    } catch (const DbError &e) {
        // The reason comes first, before the statement it stopped.
        QVERIFY2(!e.message().startsWith(QStringLiteral("(in:")), qPrintable(e.message()));
        QVERIFY2(e.message().contains(QStringLiteral("terminat"), Qt::CaseInsensitive)
                     || e.message().contains(QStringLiteral("connection"), Qt::CaseInsensitive),
                 qPrintable(e.message()));
    }
    // So the database thread knows to open a new one.
    QVERIFY(m_session->connectionLost(&why));
    QVERIFY2(why.contains(QStringLiteral("terminat"), Qt::CaseInsensitive) || why.contains(QStringLiteral("closed")), qPrintable(why));
}

// beginWithId() names the transaction; PostgreSQL tells what became of it, committed or rolled
// back, but a "committed" only from the server that gave the id (after a crash or a failover
// another one may have given it again).
void PostgresStatementsTest::aTransactionIsLookedUpByItsId()
{
    using Tx = SqlSession::Tx;
    const QString insert = QStringLiteral("INSERT INTO t (id, big) VALUES (?, ?)");
    m_session->tx(Tx::Begin);
    QCOMPARE(m_session->transactionId().id, qint64(0)); // Qt's BEGIN asks for none
    m_session->tx(Tx::Rollback);

    m_session->beginWithId();
    const SqlSession::TransactionId committed = m_session->transactionId();
    QVERIFY(committed.id > 0);
    QVERIFY(!committed.serverStart.isEmpty());
    m_session->run(insert, {QStringLiteral("a"), 1});
    m_session->tx(Tx::Commit);
    m_session->beginWithId();
    const SqlSession::TransactionId rolledBack = m_session->transactionId();
    QVERIFY(rolledBack.id > committed.id);
    m_session->run(insert, {QStringLiteral("b"), 2});
    m_session->tx(Tx::Rollback);

    QCOMPARE(m_session->transactionStatus(committed), QStringLiteral("committed"));
    QCOMPARE(m_session->transactionStatus(rolledBack), QStringLiteral("aborted"));
    SqlSession::TransactionId elsewhere = committed;
    elsewhere.serverStart = "2001-01-01 00:00:00+00";
    QCOMPARE(m_session->transactionStatus(elsewhere), QString());
    elsewhere = rolledBack;
    elsewhere.serverStart = "2001-01-01 00:00:00+00";
    QCOMPARE(m_session->transactionStatus(elsewhere), QStringLiteral("aborted"));
}

QTEST_GUILESS_MAIN(PostgresStatementsTest)
#include "PostgresStatementsTest.moc"

// SqlSession::run, the hot-path statement runner that talks to sqlite3 directly: it must store
// exactly what Qt's driver (exec) stores for the same values, report errors as DbError, and leave
// its statements reusable after an error.
#include "server/core/storage/SqlSession.h"

#include <QSqlDatabase>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>
#include <memory>

using namespace dynaseal;

class SqlSessionTest : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void runStoresWhatExecStores_data();
    void runStoresWhatExecStores();
    void runReportsRowsChanged();
    void runErrorsAreDbErrorsAndLeaveTheStatementUsable_data();
    void runErrorsAreDbErrorsAndLeaveTheStatementUsable();
    void transactionStatementsGoThroughRun();
    void aLoneSurrogateIsStoredAsReplacementCharacter();

private:
    // (typeof(v), v as text) of the row `id`.
    QPair<QString, QString> stored(const QString &id);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_connection;
    std::unique_ptr<SqlSession> m_session;
};

void SqlSessionTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_connection = QUuid::createUuid().toString();
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(m_dir->filePath(QStringLiteral("t.db")));
    QVERIFY(db.open());
    m_session = std::make_unique<SqlSession>(db, false);
    m_session->execRaw(QStringLiteral("CREATE TABLE t (id TEXT PRIMARY KEY, v)"));
}

void SqlSessionTest::cleanup()
{
    m_session.reset();
    QSqlDatabase::database(m_connection, false).close();
    QSqlDatabase::removeDatabase(m_connection);
    m_dir.reset();
}

QPair<QString, QString> SqlSessionTest::stored(const QString &id)
{
    QSqlQuery &q = m_session->exec(QStringLiteral("SELECT typeof(v), quote(v) FROM t WHERE id = ?"), {id});
    if (!q.next())
        return {QStringLiteral("missing"), QString()};
    const QPair<QString, QString> out{q.value(0).toString(), q.value(1).toString()};
    q.finish();
    return out;
}

void SqlSessionTest::runStoresWhatExecStores_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QString>("type");
    QTest::newRow("int") << QVariant(42) << QStringLiteral("integer");
    QTest::newRow("negative long long") << QVariant(qint64(-9'000'000'000'000'000LL)) << QStringLiteral("integer");
    QTest::newRow("bool") << QVariant(true) << QStringLiteral("integer");
    QTest::newRow("double") << QVariant(2.5) << QStringLiteral("real");
    QTest::newRow("text") << QVariant(QStringLiteral("hello")) << QStringLiteral("text");
    QTest::newRow("unicode text") << QVariant(QString::fromUtf8("世界 😀 \"q\" 'a'")) << QStringLiteral("text");
    QTest::newRow("empty text") << QVariant(QStringLiteral("")) << QStringLiteral("text");
    QTest::newRow("null text") << QVariant(QString()) << QStringLiteral("null");
    QTest::newRow("typed null") << QVariant(QMetaType(QMetaType::QString)) << QStringLiteral("null");
    QTest::newRow("invalid variant") << QVariant() << QStringLiteral("null");
    QTest::newRow("bytes") << QVariant(QByteArray("\x00\x01\xff", 3)) << QStringLiteral("blob");
}

void SqlSessionTest::runStoresWhatExecStores()
{
    QFETCH(QVariant, value);
    QFETCH(QString, type);
    const QString insert = QStringLiteral("INSERT INTO t (id, v) VALUES (?, ?)");
    QCOMPARE(m_session->run(insert, {QStringLiteral("run"), value}), 1);
    m_session->exec(insert, {QStringLiteral("exec"), value}).finish();
    const auto viaRun = stored(QStringLiteral("run"));
    QCOMPARE(viaRun.first, type);
    QCOMPARE(viaRun, stored(QStringLiteral("exec")));
}

void SqlSessionTest::runReportsRowsChanged()
{
    for (int i = 0; i < 5; ++i)
        m_session->run(QStringLiteral("INSERT INTO t (id, v) VALUES (?, ?)"), {QStringLiteral("r%1").arg(i), i});
    QCOMPARE(m_session->run(QStringLiteral("UPDATE t SET v = v + 1 WHERE v >= ?"), {2}), 3);
    QCOMPARE(m_session->run(QStringLiteral("DELETE FROM t WHERE id = ?"), {QStringLiteral("nobody")}), 0);
    QCOMPARE(stored(QStringLiteral("r4")).second, QStringLiteral("5"));
}

void SqlSessionTest::runErrorsAreDbErrorsAndLeaveTheStatementUsable_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QVariantList>("values");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("duplicate key") << QStringLiteral("INSERT INTO t (id, v) VALUES (?, ?)") << QVariantList{QStringLiteral("a"), 1}
                                   << QStringLiteral("UNIQUE");
    QTest::newRow("no such table") << QStringLiteral("INSERT INTO missing VALUES (?)") << QVariantList{1} << QStringLiteral("missing");
    QTest::newRow("syntax") << QStringLiteral("INSERT INTO t VALUES (1 2)") << QVariantList{} << QStringLiteral("syntax");
    QTest::newRow("incomplete") << QStringLiteral("INSERT INTO t VALUES (") << QVariantList{} << QStringLiteral("incomplete");
    QTest::newRow("too many values") << QStringLiteral("INSERT INTO t (id, v) VALUES (?, ?)") << QVariantList{QStringLiteral("z"), 1, 2}
                                     << QStringLiteral("range");
}

void SqlSessionTest::runErrorsAreDbErrorsAndLeaveTheStatementUsable()
{
    QFETCH(QString, sql);
    QFETCH(QVariantList, values);
    QFETCH(QString, mentions);
    const QString insert = QStringLiteral("INSERT INTO t (id, v) VALUES (?, ?)");
    m_session->run(insert, {QStringLiteral("a"), 0});
    try {
        m_session->run(sql, values);
        QFAIL("no DbError");
    } catch (const DbError &e) {
        QVERIFY2(e.message().contains(mentions, Qt::CaseInsensitive), qPrintable(e.message()));
    }
    // The failed statement was reset: it runs again with good values, and holds no lock.
    QCOMPARE(m_session->run(insert, {QStringLiteral("b"), 2}), 1);
    m_session->execRaw(QStringLiteral("BEGIN EXCLUSIVE"));
    m_session->execRaw(QStringLiteral("COMMIT"));
    QCOMPARE(stored(QStringLiteral("b")).second, QStringLiteral("2"));
}

void SqlSessionTest::transactionStatementsGoThroughRun()
{
    using Tx = SqlSession::Tx;
    QVERIFY(!m_session->inTransaction());
    m_session->tx(Tx::Begin);
    QVERIFY(m_session->inTransaction());
    m_session->run(QStringLiteral("INSERT INTO t (id, v) VALUES ('kept', 1)"));
    m_session->tx(Tx::Commit);
    QVERIFY(!m_session->inTransaction());
    QCOMPARE(stored(QStringLiteral("kept")).second, QStringLiteral("1"));
    m_session->tx(Tx::Begin);
    m_session->run(QStringLiteral("INSERT INTO t (id, v) VALUES ('gone', 3)"));
    m_session->tx(Tx::Rollback);
    QCOMPARE(stored(QStringLiteral("gone")).first, QStringLiteral("missing"));
    // A COMMIT with no transaction open is an error, not a crash.
    QVERIFY_THROWS_EXCEPTION(DbError, m_session->tx(Tx::Commit));
}

void SqlSessionTest::aLoneSurrogateIsStoredAsReplacementCharacter()
{
    // Text that cannot be UTF-8 as it is: stored valid, with U+FFFD in the surrogate's place, as
    // a callback carries it (CallbackSigningTest).
    const QString text = QStringLiteral("a") + QChar(0xD800) + QStringLiteral("b");
    QCOMPARE(m_session->run(QStringLiteral("INSERT INTO t (id, v) VALUES (?, ?)"), {QStringLiteral("s"), text}), 1);
    QSqlQuery &q = m_session->exec(QStringLiteral("SELECT hex(v) FROM t WHERE id = ?"), {QStringLiteral("s")});
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("61EFBFBD62"));
    q.finish();
}

QTEST_GUILESS_MAIN(SqlSessionTest)
#include "SqlSessionTest.moc"

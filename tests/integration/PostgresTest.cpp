// The server on PostgreSQL (--database postgres://…): migrations, the admin API, billing and
// callbacks, budgets under concurrency, crash recovery, sessions PostgreSQL ends (also during a
// COMMIT), waiting for it at start, the URL's libpq keywords, the admin lists and retention, each test on a fresh
// database of the server DYNASEAL_TEST_POSTGRES_URL names (scripts/test-postgres.sh sets one
// up). Without it the tests are skipped, except on CI (CI=true), where a skip would hide that
// PostgreSQL went untested.
#include "server/core/storage/Database.h"
#include "server/core/storage/Migrations.h"
#include "server/core/storage/UsageStore.h"
#include "tests/support/Gateway.h"
#include "tests/support/PostgresTestDatabase.h"
#include "tests/support/TcpForwarder.h"

#include <QFileInfo>
#include <QSqlDriver>
#include <QTcpServer>
#include <QtTest>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <memory>
#include <vector>

using namespace dynaseal::test;

namespace {

// A gateway whose server keeps its data in a fresh PostgreSQL database. Members go in reverse:
// the server stops before its database is dropped.
struct PostgresGateway
{
    PostgresTestDatabase db;
    Gateway gw;

    bool setUp(QString *why, std::optional<qint64> tokenQuota = std::nullopt)
    {
        if (!db.create(why))
            return false;
        gw.server.setDatabaseUrl(db.url());
        return gw.setUp(why, tokenQuota);
    }
};

// The applied migrations as schema_version holds them, in order.
QList<int> schemaVersions(const PostgresTestDatabase &db)
{
    QList<int> versions;
    for (const QVariantList &row : db.rows(QStringLiteral("SELECT version FROM schema_version ORDER BY version")))
        versions.append(row.value(0).toInt());
    return versions;
}

// The table the Database-level tests write to: t (n INTEGER).
bool createTableT(dynaseal::Database &db)
{
    return db.runBlocking<bool>([](dynaseal::SqlSession &s) {
        s.execRaw(QStringLiteral("CREATE TABLE t (n INTEGER)"));
        return true;
    }).ok();
}

qint64 count(const PostgresTestDatabase &db, const QString &sql, const QVariantList &values = {})
{
    QString why;
    const QVariant v = db.value(sql, values, &why);
    if (!why.isEmpty())
        qWarning("%s: %s", qPrintable(sql), qPrintable(why));
    return v.isValid() ? v.toLongLong() : -1;
}

// What `measure` names in an admin answer: "total" or another number field; an array field's
// length; or "array.field" summed over the array's objects.
qint64 measured(const QJsonObject &answer, const QString &measure)
{
    const qsizetype dot = measure.indexOf(QLatin1Char('.'));
    if (dot < 0) {
        const QJsonValue v = answer.value(measure);
        return v.isArray() ? v.toArray().size() : v.toInteger(-1);
    }
    qint64 sum = 0;
    for (const QJsonValue &item : answer.value(measure.left(dot)).toArray())
        sum += item.toObject().value(measure.mid(dot + 1)).toInteger();
    return sum;
}

} // namespace

class PostgresTest : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        if (!PostgresTestDatabase::serverUrl().isEmpty())
            return;
        if (qEnvironmentVariable("CI") == QLatin1String("true"))
            QFAIL("DYNASEAL_TEST_POSTGRES_URL is not set on CI, so the server would go untested on PostgreSQL: "
                  "scripts/test.sh sets up a local cluster and exports it");
        QSKIP("DYNASEAL_TEST_POSTGRES_URL is not set: to run these tests give it postgres://user:pass@host:port/db "
              "of a role that may create databases, e.g. export DYNASEAL_TEST_POSTGRES_URL=\"$(bash scripts/test-postgres.sh)\"");
    }

    void cleanupTestCase()
    {
        m_lists.reset();
    }

    void migrationsOnFreshDatabaseAndAgain()
    {
        PostgresTestDatabase db;
        QString why;
        QVERIFY2(db.create(&why), qPrintable(why));
        ServerProcess server;
        server.setDatabaseUrl(db.url());
        QVERIFY2(server.start(), server.output().constData());
        QVERIFY2(!QFileInfo::exists(server.databasePath()), "the server made a SQLite file although given PostgreSQL");

        QList<int> all;
        for (int v = 1; v <= dynaseal::Migrations::latestVersion(); ++v)
            all.append(v);
        QCOMPARE(schemaVersions(db), all);
        const QStringList tables{QStringLiteral("admin_users"), QStringLiteral("admin_sessions"), QStringLiteral("upstreams"),
                                 QStringLiteral("tenants"), QStringLiteral("tenant_keys"), QStringLiteral("key_spend"),
                                 QStringLiteral("requests"), QStringLiteral("usage_minute"), QStringLiteral("usage_hour"),
                                 QStringLiteral("callbacks"), QStringLiteral("audit_log")};
        for (const QString &table : tables) {
            QVERIFY2(count(db, QStringLiteral("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ?"), {table}) == 1,
                     qPrintable(table));
        }
        // The last migration's column is there.
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'upstreams' AND column_name = 'weight'")), qint64(1));
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM admin_users WHERE username = 'admin'")), qint64(1));
        // The PostgreSQL-only statement of migration 12: key_spend's pages keep room for updates.
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM pg_class WHERE relname = 'key_spend' AND 'fillfactor=50' = ANY(reloptions)")), qint64(1));
        const QString eventIndex = QStringLiteral("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'requests' AND indexname = 'requests_event'");
        QCOMPARE(count(db, eventIndex), qint64(1)); // --request-event-index on, the default

        TestHttp http(server.origin());
        QByteArray token = http.loginAsAdmin().token();
        QVERIFY(!token.isEmpty());
        HttpResult tenant = http.post(QStringLiteral("/admin/v1/tenants"),
                                      {{QStringLiteral("name"), QStringLiteral("Before restart")}, {QStringLiteral("callback_url"), QStringLiteral("http://127.0.0.1:9/cb")}}, token);
        QCOMPARE(tenant.status, 201);

        // A second start finds everything applied: nothing runs twice, the data is still there.
        // It runs without the event index, which it drops.
        server.stop();
        server.arguments() << QStringLiteral("--request-event-index=off");
        QVERIFY2(server.start(), server.output().constData());
        QCOMPARE(schemaVersions(db), all);
        QCOMPARE(count(db, eventIndex), qint64(0));
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM admin_users")), qint64(1));
        http.setOrigin(server.origin());
        token = http.loginAsAdmin().token();
        QVERIFY(!token.isEmpty());
        HttpResult again = http.get(QStringLiteral("/admin/v1/tenants/%1").arg(tenant.json().value(QLatin1String("id")).toString()), token);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json().value(QLatin1String("name")).toString(), QStringLiteral("Before restart"));

        // A database from a newer server is refused, not downgraded.
        server.stop();
        db.rows(QStringLiteral("INSERT INTO schema_version (version) VALUES (?)"), {dynaseal::Migrations::latestVersion() + 1});
        QVERIFY(!server.start());
        QVERIFY2(server.output().contains("newer than this server"), server.output().constData());
    }

    // At start, a PostgreSQL that does not answer yet (started with the server, or restarting) is
    // waited for, up to --database-wait: one that comes up meanwhile is used; one that does not, or
    // one that answers and refuses, stops the start saying why, the last at once.
    void startWaitsForPostgres_data()
    {
        QTest::addColumn<QString>("postgres"); // "comes up": once the server waits; "never": nothing listens; "refuses": a wrong password
        QTest::addColumn<int>("waitSecs");
        QTest::addColumn<QString>("said");
        QTest::addColumn<bool>("waited");
        QTest::newRow("comes up while the server waits") << QStringLiteral("comes up") << 60 << QStringLiteral("connected to PostgreSQL") << true;
        QTest::newRow("does not come up in time") << QStringLiteral("never") << 1
                                                  << QStringLiteral("did not take connections within 1 s; the last attempt: connection to server at") << true;
        QTest::newRow("not waited for with 0") << QStringLiteral("never") << 0 << QStringLiteral("Connection refused") << false;
        // Waiting would outlast the test's patience (ServerProcess::start waits 20 s).
        QTest::newRow("answers and refuses") << QStringLiteral("refuses") << 600 << QStringLiteral("password authentication failed") << false;
    }

    void startWaitsForPostgres()
    {
        QFETCH(QString, postgres);
        QFETCH(int, waitSecs);
        QFETCH(QString, said);
        QFETCH(bool, waited);
        PostgresTestDatabase db;
        QString why;
        QVERIFY2(db.create(&why), qPrintable(why));
        QUrl url(db.url());
        const QUrl real = url;
        // A loopback port nothing listens on, until the forwarder takes it.
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        if (postgres == QLatin1String("refuses")) {
            url.setPassword(QStringLiteral("not-the-password"));
        } else {
            url.setHost(QStringLiteral("127.0.0.1"));
            url.setPort(port);
        }
        ServerProcess server({QStringLiteral("--database-wait"), QString::number(waitSecs)});
        server.setDatabaseUrl(url.toString());
        TcpForwarder forwarder(real.host(), quint16(real.port(5432)));
        QTimer comeUp; // PostgreSQL appears at the port once the server has said it waits
        bool portTaken = false;
        QObject::connect(&comeUp, &QTimer::timeout, &comeUp, [&] {
            if (postgres == QLatin1String("comes up") && !forwarder.isListening() && !portTaken
                && server.output().contains("does not take connections yet"))
                portTaken = !forwarder.listen(port);
        });
        comeUp.start(20);
        const bool started = server.start();
        QVERIFY2(!portTaken, "another process took the free port before the forwarder could listen on it");
        QVERIFY2(server.output().contains(said.toUtf8()), server.output().constData());
        QCOMPARE(server.output().contains("does not take connections yet"), waited);
        QVERIFY2(!server.output().contains("not-the-password"), server.output().constData());
        if (postgres != QLatin1String("comes up")) {
            QVERIFY2(!started, server.output().constData());
            QCOMPARE(server.exitSummary(), QStringLiteral("exit code 1"));
            return;
        }
        QVERIFY2(started, server.output().constData());
        TestHttp http(server.origin());
        QCOMPARE(http.get(QStringLiteral("/health/readiness")).status, 200);
        QCOMPARE(http.loginAsAdmin().status, 200);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM admin_users WHERE username = 'admin'")), qint64(1));
        server.stop();
    }

    void billedChatWithCallback_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::newRow("plain") << false;
        QTest::newRow("streamed") << true;
    }

    void billedChatWithCallback()
    {
        QFETCH(bool, stream);
        PostgresGateway pg;
        QString why;
        // Admin login, upstream, tenant and tenant key, all through the admin API.
        QVERIFY2(pg.setUp(&why), qPrintable(why));
        Gateway &gw = pg.gw;
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM upstreams WHERE id = ?"), {gw.upstreamId}), qint64(1));
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM tenants WHERE id = ?"), {gw.tenantId}), qint64(1));
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM tenant_keys WHERE tenant_id = ? AND revoked_at IS NULL"), {gw.tenantId}), qint64(1));
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM admin_sessions")), qint64(1));

        const QString eventId = QStringLiteral("evt-pg-chat");
        HttpResult r = gw.chat(gw.mint({{QStringLiteral("event_id"), eventId}}), Gateway::chatBody(QStringLiteral("m1"), stream));
        QCOMPARE(r.status, 200);
        const QJsonObject usage = r.usage();
        QCOMPARE(usage.value(QLatin1String("prompt_tokens")).toInteger(), qint64(9));
        QCOMPARE(usage.value(QLatin1String("completion_tokens")).toInteger(), qint64(5));

        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        const QJsonObject callback = gw.receiver.acknowledged().at(0);
        QCOMPARE(callback.value(QLatin1String("event_id")).toString(), eventId);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(), qint64(14));
        QCOMPARE(callback.value(QLatin1String("usage")).toObject().value(QLatin1String("prompt_tokens")).toInteger(), qint64(9));
        QCOMPARE(callback.value(QLatin1String("usage")).toObject().value(QLatin1String("completion_tokens")).toInteger(), qint64(5));
        QVERIFY(CallbackReceiver::signatureValid(gw.receiver.deliveries().last(), gw.callbackSecret));

        // Billed in PostgreSQL itself: the request row, the tenant's total, the key's spend.
        const QList<QVariantList> rows = pg.db.rows(QStringLiteral("SELECT status, prompt_tokens, completion_tokens, total_tokens, usage_source, stream"
                                                                   " FROM requests WHERE event_id = ?"), {eventId});
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.at(0).at(0).toString(), QStringLiteral("ok"));
        QCOMPARE(rows.at(0).at(1).toLongLong(), qint64(9));
        QCOMPARE(rows.at(0).at(2).toLongLong(), qint64(5));
        QCOMPARE(rows.at(0).at(3).toLongLong(), qint64(14));
        QCOMPARE(rows.at(0).at(4).toString(), QStringLiteral("upstream"));
        QCOMPARE(rows.at(0).at(5).toInt(), stream ? 1 : 0);
        QCOMPARE(count(pg.db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = ?"), {gw.tenantId}), qint64(14));
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COALESCE(SUM(spent), 0) FROM key_spend")), qint64(14));
        QCOMPARE(gw.tokensUsed(), qint64(14));
        // Delivered at the first attempt: recorded in the request's own row, no callbacks row.
        QVERIFY2(waitFor([&] {
                     return count(pg.db, QStringLiteral("SELECT COUNT(*) FROM requests r JOIN callback_deliveries d ON d.request_id = r.id"
                                                        " WHERE r.event_id = ? AND d.http_status = 200"), {eventId}) == 1;
                 }),
                 "the delivered callback is not marked delivered");
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM callbacks")), qint64(0));
    }

    // A failed first attempt moves the callback from its request's row to the callbacks table,
    // from where it is retried with the same delivery id.
    void failedFirstAttemptIsRetriedFromTheTable()
    {
        PostgresGateway pg;
        QString why;
        QVERIFY2(pg.setUp(&why), qPrintable(why));
        Gateway &gw = pg.gw;
        gw.receiver.failNext = 1;

        HttpResult r = gw.chat(gw.mint(), Gateway::chatBody());
        QCOMPARE(r.status, 200);
        const QString requestId = QString::fromLatin1(r.header("X-Request-Id"));
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }, 10'000));
        QCOMPARE(gw.receiver.deliveries().size(), 2);
        QCOMPARE(gw.receiver.deliveries().at(0).headers.value("x-dynaseal-delivery"), gw.receiver.deliveries().at(1).headers.value("x-dynaseal-delivery"));
        QVERIFY(waitFor([&] {
            return count(pg.db, QStringLiteral("SELECT COUNT(*) FROM callbacks WHERE request_id = ? AND state = 'delivered' AND attempts = 2"
                                               " AND last_status = 200"), {requestId}) == 1;
        }));
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE id = ? AND callback_state = 'queued'"), {requestId}), qint64(1));
        // Listed once, from the table.
        const QJsonArray items = gw.http.get(QStringLiteral("/admin/v1/callbacks"), gw.adminToken).json().value(QLatin1String("items")).toArray();
        QCOMPARE(items.size(), 1);
        QCOMPARE(items.at(0).toObject().value(QLatin1String("attempts")).toInt(), 2);
        QCOMPARE(items.at(0).toObject().value(QLatin1String("state")).toString(), QStringLiteral("delivered"));
    }

    // PostgreSQL ends the server's sessions, as a restart or a failover does. The next job's first
    // statement finds its connection gone, and the job runs again on a new one: the admin API and
    // readiness answer at once. While PostgreSQL
    // refuses connections, calls are still answered, readiness says the database does not answer,
    // and once it accepts them again every outcome and callback of that time is stored.
    void endedSessionsAreOpenedAgain()
    {
        PostgresGateway pg;
        QString why;
        QVERIFY2(pg.setUp(&why), qPrintable(why));
        Gateway &gw = pg.gw;
        QCOMPARE(gw.chat(gw.mint(), Gateway::chatBody()).status, 200);
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        const QString namedSessions = QStringLiteral("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = ?"
                                                     " AND application_name IN ('dynaseal-database', 'dynaseal-database-reads')");
        QCOMPARE(count(pg.db, namedSessions, {pg.db.name()}), qint64(2));

        // Ended between two jobs: the next ones run again on new connections, and none fails.
        QCOMPARE(pg.db.endSessions(&why), 2);
        QCOMPARE(gw.http.get(QStringLiteral("/health/readiness")).status, 200);
        QCOMPARE(gw.requestLog().size(), 1);
        QCOMPARE(gw.chat(gw.mint(), Gateway::chatBody()).status, 200);
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 2; }));
        QVERIFY2(!gw.server.output().contains("cannot record"), gw.server.output().constData());

        // Down for a while: the call is answered from the journal, and its outcome waits.
        QVERIFY2(pg.db.allowConnections(false, &why), qPrintable(why));
        QCOMPARE(pg.db.endSessions(&why), 2);
        QCOMPARE(gw.chat(gw.mint(), Gateway::chatBody()).status, 200);
        const HttpResult down = gw.http.get(QStringLiteral("/health/readiness"));
        QCOMPARE(down.status, 503);
        QCOMPARE(down.json().value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString(), QStringLiteral("not_ready"));
        QCOMPARE(gw.receiver.acknowledged().size(), 2);

        QVERIFY2(pg.db.allowConnections(true, &why), qPrintable(why));
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 3; }, 20'000));
        QCOMPARE(gw.http.get(QStringLiteral("/health/readiness")).status, 200);
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE status = 'ok' AND total_tokens = 14")), qint64(3));
        QCOMPARE(count(pg.db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = ?"), {gw.tenantId}), qint64(3 * 14));
        QCOMPARE(gw.requestLog().size(), 3);
        QCOMPARE(count(pg.db, namedSessions, {pg.db.name()}), qint64(2));
    }

    // PostgreSQL ends the connection while a job runs on it (the job ends its own session, on its
    // first run only). PostgreSQL rolled back what the job had written, so the job runs again on a
    // new connection and its write is stored once; a read likewise.
    void aJobWhoseSessionEndsUnderItRunsAgain_data()
    {
        QTest::addColumn<bool>("write");
        QTest::newRow("write") << true;
        QTest::newRow("read") << false;
    }

    void aJobWhoseSessionEndsUnderItRunsAgain()
    {
        QFETCH(bool, write);
        // The lost connection's statements go quietly (Qt's driver would warn for each).
        QTest::failOnWarning(QRegularExpression(QStringLiteral("Unable to free statement|still in use")));
        PostgresTestDatabase pg;
        QString why;
        QVERIFY2(pg.create(&why), qPrintable(why));
        dynaseal::Database db;
        QVERIFY2(db.open(pg.url(), &why), qPrintable(why));
        QVERIFY(createTableT(db));
        auto runs = std::make_shared<int>(0);
        const auto done = db.runBlocking<int>([runs, write](dynaseal::SqlSession &s) {
            ++*runs;
            if (write)
                s.run(QStringLiteral("INSERT INTO t (n) VALUES (?)"), {*runs});
            if (*runs == 1)
                s.exec(QStringLiteral("SELECT pg_terminate_backend(pg_backend_pid())"));
            QSqlQuery &q = s.exec(QStringLiteral("SELECT COUNT(*) FROM t"));
            return q.next() ? q.value(0).toInt() : -1;
        }, write);
        QVERIFY2(done.ok(), qPrintable(done.error));
        QCOMPARE(*runs, 2);
        QCOMPARE(*done.value, write ? 1 : 0);
        // Only the second run's row: the first's went with its transaction.
        QCOMPARE(count(pg, QStringLiteral("SELECT COALESCE(SUM(n), 0) FROM t")), qint64(write ? 2 : 0));
        db.close();
    }

    // A batch fails on a job's own error, so its jobs run again one by one; during that pass the
    // connection ends and PostgreSQL refuses a new one. The jobs left fail saying so, and the
    // thread goes on: once PostgreSQL takes connections again, the next job is stored.
    void connectionLostInTheOneByOnePass()
    {
        PostgresTestDatabase pg;
        QString why;
        QVERIFY2(pg.create(&why), qPrintable(why));
        dynaseal::Database db;
        QVERIFY2(db.open(pg.url(), &why), qPrintable(why));
        QVERIFY(createTableT(db));
        QVERIFY2(pg.allowConnections(false, &why), qPrintable(why));
        db.setGroupCommitWindow(std::chrono::milliseconds(300)); // the three jobs in one batch

        QObject context;
        QStringList errors(3);
        QList<bool> delivered(3, false);
        auto bRuns = std::make_shared<int>(0);
        const QList<std::function<bool(dynaseal::SqlSession &)>> jobs{
            [](dynaseal::SqlSession &s) { return s.run(QStringLiteral("INSERT INTO missing (n) VALUES (?)"), {1}) > 0; },
            [bRuns](dynaseal::SqlSession &s) {
                // Ends its own session, on its first run alone (in the batch it never runs: the
                // first job stops it).
                ++*bRuns;
                s.exec(QStringLiteral("SELECT pg_terminate_backend(pg_backend_pid())"));
                return true;
            },
            [](dynaseal::SqlSession &s) { return s.run(QStringLiteral("INSERT INTO t (n) VALUES (?)"), {3}) > 0; },
        };
        for (int i = 0; i < jobs.size(); ++i)
            db.writeInBatch<bool>(jobs.at(i), &context, [&, i](dynaseal::DbOutcome<bool> outcome) {
                delivered[i] = true;
                errors[i] = outcome.error;
            });
        QTRY_VERIFY_WITH_TIMEOUT(delivered == QList<bool>(3, true), 10'000);
        QCOMPARE(*bRuns, 1);
        QVERIFY2(errors.at(0).contains(QStringLiteral("missing")), qPrintable(errors.at(0)));
        for (int i : {1, 2})
            QVERIFY2(errors.at(i).contains(QStringLiteral("cannot be opened again")), qPrintable(errors.at(i)));

        QVERIFY2(pg.allowConnections(true, &why), qPrintable(why));
        const auto after = db.runBlocking<int>([](dynaseal::SqlSession &s) { return s.run(QStringLiteral("INSERT INTO t (n) VALUES (?)"), {4}); });
        QVERIFY2(after.ok(), qPrintable(after.error));
        QCOMPARE(count(pg, QStringLiteral("SELECT COALESCE(SUM(n), 0) FROM t")), qint64(4));
        db.close();
    }

    // The connection ends as a batch commits, with the COMMIT carried out or never received. For a
    // batch with a job someone waits on, a new connection asks PostgreSQL what became of the
    // transaction: stored, the batch is done and not run again; rolled back, it runs again. Either
    // way the job succeeds and its row is stored once. A batch nobody waits on (writeInBatch:
    // outcomes, which their callers write again) is not looked up, and fails saying why.
    void aBatchWhoseCommitIsCutOff_data()
    {
        QTest::addColumn<bool>("waitedOn");
        QTest::addColumn<bool>("carriedOut");
        QTest::addColumn<int>("runs");
        QTest::addColumn<QString>("failure"); // empty: the job succeeds
        QTest::newRow("committed, the answer lost") << true << true << 1 << QString();
        QTest::newRow("the COMMIT never arrived") << true << false << 2 << QString();
        QTest::newRow("nobody waits on it") << false << true << 1 << QStringLiteral("may or may not be stored");
    }

    void aBatchWhoseCommitIsCutOff()
    {
        QFETCH(bool, waitedOn);
        QFETCH(bool, carriedOut);
        QFETCH(int, runs);
        QFETCH(QString, failure);
        PostgresTestDatabase pg;
        QString why;
        QVERIFY2(pg.create(&why), qPrintable(why));
        QUrl url(pg.url());
        TcpForwarder network(url.host(), quint16(url.port(5432)));
        QVERIFY(network.listen());
        url.setHost(QStringLiteral("127.0.0.1"));
        url.setPort(network.port());
        dynaseal::Database db;
        QVERIFY2(db.open(url.toString(), &why), qPrintable(why));
        QVERIFY(createTableT(db));

        network.cutNextCommit(carriedOut);
        auto ran = std::make_shared<int>(0);
        const std::function<bool(dynaseal::SqlSession &)> job = [ran](dynaseal::SqlSession &s) {
            ++*ran;
            return s.run(QStringLiteral("INSERT INTO t (n) VALUES (?)"), {*ran}) == 1;
        };
        QString error;
        if (waitedOn) {
            error = db.runBlocking<bool>(job, true).error;
        } else {
            QObject context;
            bool delivered = false;
            db.writeInBatch<bool>(job, &context, [&](dynaseal::DbOutcome<bool> outcome) {
                delivered = true;
                error = outcome.error;
            });
            QTRY_VERIFY_WITH_TIMEOUT(delivered, 10'000);
        }
        if (failure.isEmpty())
            QVERIFY2(error.isEmpty(), qPrintable(error));
        else
            QVERIFY2(error.contains(failure), qPrintable(error));
        QCOMPARE(*ran, runs);
        QCOMPARE(count(pg, QStringLiteral("SELECT COUNT(*) FROM t")), qint64(1));
        QCOMPARE(count(pg, QStringLiteral("SELECT SUM(n) FROM t")), qint64(runs));
        db.close();
    }

    // The database URL's query items reach libpq, after the server's own settings: the session's
    // name, its socket's keepalives (the server's, or the URL's), and a target_session_attrs that
    // this cluster (a primary) meets or not.
    void urlKeywordsReachLibpq_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("applicationName"); // empty: the connection is refused
        QTest::addColumn<int>("keepaliveIdleSecs");
        QTest::addColumn<QString>("refusal");
        QTest::newRow("none") << QString() << QStringLiteral("dynaseal-database") << 10 << QString();
        QTest::newRow("application_name overrides the server's") << QStringLiteral("?application_name=billing%20gateway")
                                                                 << QStringLiteral("billing gateway") << 10 << QString();
        QTest::newRow("keepalives_idle overrides the server's") << QStringLiteral("?keepalives_idle=45") << QStringLiteral("dynaseal-database") << 45
                                                                << QString();
        QTest::newRow("a condition met") << QStringLiteral("?target_session_attrs=read-write") << QStringLiteral("dynaseal-database") << 10
                                         << QString();
        QTest::newRow("a condition not met") << QStringLiteral("?connect_timeout=3&target_session_attrs=read-only") << QString() << 0
                                             << QStringLiteral("read-only");
    }

    void urlKeywordsReachLibpq()
    {
        QFETCH(QString, query);
        QFETCH(QString, applicationName);
        QFETCH(int, keepaliveIdleSecs);
        QFETCH(QString, refusal);
        PostgresTestDatabase pg;
        QString why;
        QVERIFY2(pg.create(&why), qPrintable(why));
        dynaseal::Database db;
        const bool opened = db.open(pg.url() + query, &why);
        if (applicationName.isEmpty()) {
            QVERIFY(!opened);
            QVERIFY2(why.contains(refusal), qPrintable(why));
            return;
        }
        QVERIFY2(opened, qPrintable(why));
        struct Session
        {
            QString applicationName;
            int keepalive = -1, keepaliveIdle = -1, keepaliveInterval = -1, keepaliveCount = -1, userTimeoutMs = -1;
        };
        const auto session = db.runBlocking<Session>([](dynaseal::SqlSession &s) {
            Session out;
            QSqlQuery &q = s.exec(QStringLiteral("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"));
            if (q.next())
                out.applicationName = q.value(0).toString();
            const QVariant handle = s.connection().driver()->handle();
            const int fd = PQsocket(*static_cast<PGconn *const *>(handle.constData()));
            auto option = [fd](int level, int name) {
                int value = -1;
                socklen_t size = sizeof value;
                return getsockopt(fd, level, name, &value, &size) == 0 ? value : -1;
            };
            out.keepalive = option(SOL_SOCKET, SO_KEEPALIVE);
            out.keepaliveIdle = option(IPPROTO_TCP, TCP_KEEPIDLE);
            out.keepaliveInterval = option(IPPROTO_TCP, TCP_KEEPINTVL);
            out.keepaliveCount = option(IPPROTO_TCP, TCP_KEEPCNT);
            out.userTimeoutMs = option(IPPROTO_TCP, TCP_USER_TIMEOUT);
            return out;
        }, false);
        QVERIFY2(session.ok(), qPrintable(session.error));
        QCOMPARE(session.value->applicationName, applicationName);
        // A host that stops answering is given up on within about half a minute.
        QCOMPARE(session.value->keepalive, 1);
        QCOMPARE(session.value->keepaliveIdle, keepaliveIdleSecs);
        QCOMPARE(session.value->keepaliveInterval, 5);
        QCOMPARE(session.value->keepaliveCount, 3);
        QCOMPARE(session.value->userTimeoutMs, 30'000);
        db.close();
    }

    // Retention deletes a chunk per call, oldest first, with SQL PostgreSQL takes too (it has no
    // DELETE ... LIMIT): 25 requests and 25 minute rollups past retention go in chunks of 10; the
    // recent ones stay.
    void retentionPurgeGoesInChunks()
    {
        PostgresTestDatabase pg;
        QString why;
        QVERIFY2(pg.create(&why), qPrintable(why));
        dynaseal::Database db;
        QVERIFY2(db.open(pg.url(), &why), qPrintable(why));
        constexpr qint64 kNow = 1'800'000'000'000;
        constexpr qint64 kDay = 86'400'000;
        for (int i = 0; i < 26; ++i) {
            const qint64 at = i < 25 ? kNow - 31 * kDay + i : kNow - kDay;
            pg.rows(QStringLiteral("INSERT INTO requests (id, tenant_id, model, endpoint, stream, status, reserved, started_at)"
                                   " VALUES (?, 'tn_1', 'm1', 'chat.completions', 0, 'ok', 0, ?)"),
                    {QStringLiteral("req_%1").arg(i, 2, 10, QLatin1Char('0')), at});
            pg.rows(QStringLiteral("INSERT INTO callback_deliveries (request_id, http_status, delivered_at) VALUES (?, 200, ?)"),
                    {QStringLiteral("req_%1").arg(i, 2, 10, QLatin1Char('0')), at + 5});
            // And a minute rollup per request, 25 of them past the 7 days minutes are kept.
            pg.rows(QStringLiteral("INSERT INTO usage_minute (bucket, tenant_id, model, requests, errors, prompt_tokens,"
                                   " completion_tokens, latency_ms_sum) VALUES (?, 'tn_1', 'm1', 1, 0, 1, 1, 1)"),
                    {(i < 25 ? kNow - 8 * kDay : kNow - kDay) + i * 60'000});
        }
        QCOMPARE(count(pg, QStringLiteral("SELECT COUNT(*) FROM requests")), qint64(26));
        const QList<qint64> left{16, 6, 1};
        for (int i = 0; i < left.size(); ++i) {
            const auto more = db.runBlocking<bool>([](dynaseal::SqlSession &s) { return dynaseal::UsageStore::purge(s, kNow, 30, 7, 10); });
            QVERIFY2(more.ok(), qPrintable(more.error));
            QCOMPARE(*more.value, i < 2);
            QCOMPARE(count(pg, QStringLiteral("SELECT COUNT(*) FROM requests")), left.at(i));
            QCOMPARE(count(pg, QStringLiteral("SELECT COUNT(*) FROM callback_deliveries")), left.at(i));
            QCOMPARE(count(pg, QStringLiteral("SELECT COUNT(*) FROM usage_minute")), left.at(i));
        }
        QCOMPARE(count(pg, QStringLiteral("SELECT COUNT(*) FROM requests WHERE id = 'req_25'")), qint64(1));
        db.close();
    }

    void keyBudgetHoldsUnderConcurrency_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::addColumn<qint64>("overReport");
        QTest::newRow("honest upstream") << false << qint64(0);
        QTest::newRow("honest upstream, streamed") << true << qint64(0);
        QTest::newRow("over-reporting upstream") << false << qint64(1000);
        QTest::newRow("over-reporting upstream, streamed") << true << qint64(1000);
    }

    void keyBudgetHoldsUnderConcurrency()
    {
        QFETCH(bool, stream);
        QFETCH(qint64, overReport);
        constexpr qint64 budget = 600;
        constexpr int calls = 20;
        PostgresGateway pg;
        QString why;
        QVERIFY2(pg.setUp(&why), qPrintable(why));
        Gateway &gw = pg.gw;
        // Fills whatever completion cap it is given, so every request costs what it reserved.
        gw.upstream.behavior.completionTokens = 100'000;
        gw.upstream.behavior.overReport = overReport;
        gw.upstream.behavior.chunkDelayMs = stream ? 5 : 0;

        const QString eventId = QStringLiteral("evt-pg-budget");
        const QByteArray key = gw.mint({{QStringLiteral("max_tokens"), budget}, {QStringLiteral("event_id"), eventId}});
        const QByteArray body = Gateway::chatBody(QStringLiteral("m1"), stream, {{QStringLiteral("max_tokens"), 50}});
        QList<QPair<QByteArray, QByteArray>> batch;
        for (int i = 0; i < calls; ++i)
            batch.append({key, body});
        const QList<HttpResult> results = gw.chatTogether(batch);

        int ok = 0;
        int refused = 0;
        for (const HttpResult &r : results) {
            if (r.status == 429) {
                ++refused;
                QCOMPARE(r.errorCode(), QStringLiteral("budget_exhausted"));
                continue;
            }
            QVERIFY2(r.status == 200, r.body.left(300).constData());
            ++ok;
        }
        QVERIFY2(refused > 0, "20 requests of 59 tokens each cannot all fit a budget of 600");
        QVERIFY(ok > 0);
        QCOMPARE(ok + refused, calls);
        QCOMPARE(gw.upstream.http().requests.size(), ok); // refused requests were never forwarded

        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == ok; }));
        qint64 calledBack = 0;
        for (const QJsonObject &c : gw.receiver.acknowledged())
            calledBack += c.value(QLatin1String("tokens")).toInteger();
        QVERIFY(calledBack > 0);
        QVERIFY2(calledBack <= budget, qPrintable(QString::number(calledBack)));

        // What PostgreSQL holds agrees and stays within the budget.
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE event_id = ?"), {eventId}), qint64(ok));
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COALESCE(SUM(total_tokens), 0) FROM requests WHERE event_id = ?"), {eventId}), calledBack);
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE total_tokens > reserved")), qint64(0));
        const qint64 spent = count(pg.db, QStringLiteral("SELECT COALESCE(SUM(spent), 0) FROM key_spend"));
        QVERIFY2(spent <= budget, qPrintable(QString::number(spent)));
        QCOMPARE(spent, calledBack);
        QCOMPARE(count(pg.db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = ?"), {gw.tenantId}), calledBack);
        QCOMPARE(gw.tokensUsed(), calledBack);
    }

    void crashedCallIsBilledAsInterrupted()
    {
        PostgresGateway pg;
        QString why;
        QVERIFY2(pg.setUp(&why), qPrintable(why));
        Gateway &gw = pg.gw;
        gw.upstream.behavior.hang = true;

        const QString eventId = QStringLiteral("evt-pg-crash");
        const QByteArray key = gw.mint({{QStringLiteral("max_tokens"), 500}, {QStringLiteral("event_id"), eventId}});
        TestHttp device(gw.server.origin());
        QNetworkReply *reply = device.start("POST", QStringLiteral("/v1/chat/completions"), Gateway::chatBody(), TestHttp::bearer(key));
        QVERIFY(waitFor([&] { return gw.upstream.http().requests.size() == 1; }));
        // The start is in the server's in-flight journal (a local file), not in the shared database.
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE event_id = ?"), {eventId}), qint64(0));

        gw.server.kill();
        QVERIFY2(gw.server.start(), gw.server.output().constData());
        gw.http.setOrigin(gw.server.origin());
        gw.upstream.behavior.hang = false;
        TestHttp::wait(reply, 5'000);

        const QJsonArray log = gw.requestLog();
        QCOMPARE(log.size(), 1);
        const QJsonObject row = log.at(0).toObject();
        QCOMPARE(row.value(QLatin1String("status")).toString(), QStringLiteral("interrupted"));
        QCOMPARE(row.value(QLatin1String("usage_source")).toString(), QStringLiteral("reserved"));
        QCOMPARE(row.value(QLatin1String("event_id")).toString(), eventId);
        QCOMPARE(row.value(QLatin1String("reserved_tokens")).toInteger(), qint64(500)); // no max_tokens: the whole budget
        QCOMPARE(row.value(QLatin1String("total_tokens")).toInteger(), qint64(500));
        QCOMPARE(gw.tokensUsed(), qint64(500));
        QCOMPARE(count(pg.db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE event_id = ? AND status = 'interrupted' AND total_tokens = 500"), {eventId}), qint64(1));

        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        const QJsonObject callback = gw.receiver.acknowledged().at(0);
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("interrupted"));
        QCOMPARE(callback.value(QLatin1String("event_id")).toString(), eventId);
        QCOMPARE(callback.value(QLatin1String("request_id")).toString(), row.value(QLatin1String("id")).toString());
        QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(), qint64(500));
        QVERIFY(CallbackReceiver::signatureValid(gw.receiver.deliveries().last(), gw.callbackSecret));

        // The key's budget is spent too: nothing more fits.
        HttpResult again = gw.chat(key, Gateway::chatBody());
        QCOMPARE(again.status, 429);
        QCOMPARE(again.errorCode(), QStringLiteral("budget_exhausted"));
    }

    void adminListsReturnRows_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("measure");
        QTest::addColumn<qint64>("expected");
        // Seeded by listsGateway(): an ok call on m1 and one streamed on m2, and one on m1 the
        // upstream refuses. {tenant} is the tenant's id.
        QTest::newRow("requests") << "/admin/v1/requests" << "total" << qint64(3);
        QTest::newRow("requests, a page") << "/admin/v1/requests?limit=2" << "items" << qint64(2);
        QTest::newRow("requests ok") << "/admin/v1/requests?status=ok" << "total" << qint64(2);
        QTest::newRow("requests failed") << "/admin/v1/requests?status=error" << "total" << qint64(1);
        QTest::newRow("requests of m2") << "/admin/v1/requests?model=m2" << "total" << qint64(1);
        QTest::newRow("requests of an event") << "/admin/v1/requests?event_id=evt-list-stream" << "total" << qint64(1);
        QTest::newRow("requests of the tenant") << "/admin/v1/requests?tenant_id={tenant}" << "total" << qint64(3);
        QTest::newRow("requests of another tenant") << "/admin/v1/requests?tenant_id=tn_nobody" << "total" << qint64(0);
        QTest::newRow("tokens billed") << "/admin/v1/requests" << "items.total_tokens" << qint64(28);
        QTest::newRow("callbacks delivered") << "/admin/v1/callbacks?state=delivered" << "total" << qint64(3);
        QTest::newRow("callbacks of the tenant") << "/admin/v1/callbacks?tenant_id={tenant}" << "items" << qint64(3);
        QTest::newRow("usage per minute, calls") << "/admin/v1/usage" << "data.requests" << qint64(3);
        QTest::newRow("usage per minute, errors") << "/admin/v1/usage" << "data.errors" << qint64(1);
        QTest::newRow("usage per hour, tokens") << "/admin/v1/usage?granularity=hour" << "data.total_tokens" << qint64(28);
        QTest::newRow("usage per hour of m2") << "/admin/v1/usage?granularity=hour&model=m2" << "data.total_tokens" << qint64(14);
        QTest::newRow("usage of the tenant") << "/admin/v1/usage?tenant_id={tenant}" << "data.prompt_tokens" << qint64(18);
        QTest::newRow("tenant's usage, total") << "/admin/v1/tenants/{tenant}/usage" << "tokens_used" << qint64(28);
        QTest::newRow("tenant's usage, hourly") << "/admin/v1/tenants/{tenant}/usage" << "hourly.requests" << qint64(3);
    }

    void adminListsReturnRows()
    {
        QFETCH(QString, path);
        QFETCH(QString, measure);
        QFETCH(qint64, expected);
        Gateway *gw = listsGateway();
        QVERIFY(gw);
        path.replace(QLatin1String("{tenant}"), gw->tenantId);
        HttpResult r;
        qint64 got = -1;
        // Rollups and delivery states may land a moment after the calls answered.
        waitFor([&] {
            r = gw->http.get(path, gw->adminToken);
            got = measured(r.json(), measure);
            return got == expected;
        });
        QCOMPARE(r.status, 200);
        QVERIFY2(got == expected, qPrintable(QStringLiteral("%1 is %2: %3").arg(measure).arg(got).arg(QString::fromUtf8(r.body.left(600)))));
        // A paged list's count, counted whole this short (rows::kCountLimit).
        if (r.json().contains(QLatin1String("total")))
            QCOMPARE(r.json().value(QLatin1String("total_exact")).toBool(false), true);
    }

    void adminListsPageByCursor_data()
    {
        // The lists of adminListsReturnRows, a row a page by "next_cursor" and whole: the same
        // items in the same order, on PostgreSQL's collation and planner.
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("rows");
        QTest::newRow("requests") << "/admin/v1/requests?" << 3;
        QTest::newRow("requests of the tenant") << "/admin/v1/requests?tenant_id={tenant}&" << 3;
        QTest::newRow("requests ok") << "/admin/v1/requests?status=ok&" << 2;
        QTest::newRow("callbacks") << "/admin/v1/callbacks?" << 3;
        QTest::newRow("callbacks of the tenant") << "/admin/v1/callbacks?tenant_id={tenant}&" << 3;
    }

    void adminListsPageByCursor()
    {
        QFETCH(QString, path);
        QFETCH(int, rows);
        Gateway *gw = listsGateway();
        QVERIFY(gw);
        path.replace(QLatin1String("{tenant}"), gw->tenantId);
        auto ids = [](const QJsonObject &page) {
            QStringList out;
            for (const QJsonValue &item : page.value(QLatin1String("items")).toArray())
                out.append(item.toObject().value(QLatin1String("id")).toString());
            return out;
        };
        QStringList whole;
        QVERIFY(waitFor([&] { return (whole = ids(gw->http.get(path + QStringLiteral("limit=1000"), gw->adminToken).json())).size() == rows; }));
        QStringList paged;
        QString cursor;
        for (int pages = 0; pages <= rows; ++pages) {
            const HttpResult r = gw->http.get(path + QStringLiteral("limit=1&cursor=") + cursor, gw->adminToken);
            QCOMPARE(r.status, 200);
            paged += ids(r.json());
            if (r.json().value(QLatin1String("next_cursor")).isNull())
                break;
            cursor = r.json().value(QLatin1String("next_cursor")).toString();
        }
        QCOMPARE(paged, whole);
    }

private:
    // The server behind adminListsReturnRows, seeded once; null (with a failure) if it cannot be.
    Gateway *listsGateway()
    {
        if (m_lists)
            return &m_lists->gw;
        auto pg = std::make_unique<PostgresGateway>();
        QString why;
        if (!pg->setUp(&why)) {
            QTest::qFail(qPrintable(why), __FILE__, __LINE__);
            return nullptr;
        }
        Gateway &gw = pg->gw;
        const bool seeded = gw.chat(gw.mint({{QStringLiteral("event_id"), QStringLiteral("evt-list-plain")}}), Gateway::chatBody()).status == 200
            && gw.chat(gw.mint({{QStringLiteral("model"), QStringLiteral("m2")}, {QStringLiteral("event_id"), QStringLiteral("evt-list-stream")}}),
                       Gateway::chatBody(QStringLiteral("m2"), true)).status == 200;
        gw.upstream.behavior.status = 400;
        const int refusedStatus = gw.chat(gw.mint({{QStringLiteral("event_id"), QStringLiteral("evt-list-refused")}}), Gateway::chatBody()).status;
        gw.upstream.behavior.status = 200;
        if (!seeded || refusedStatus != 400 || !waitFor([&] { return gw.receiver.acknowledged().size() == 3; })) {
            QTest::qFail(qPrintable(QStringLiteral("seeding the lists failed (refused call: %1)").arg(refusedStatus)), __FILE__, __LINE__);
            return nullptr;
        }
        m_lists = std::move(pg);
        return &m_lists->gw;
    }

    std::unique_ptr<PostgresGateway> m_lists;
};

QTEST_GUILESS_MAIN(PostgresTest)
#include "PostgresTest.moc"

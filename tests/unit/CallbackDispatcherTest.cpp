// CallbackDispatcher without its database poll: callbacks submitted beyond the delivery cap wait
// in memory and go out as earlier deliveries finish, in order; never more than the cap at once.
// Callbacks stored in their request's row have their first attempt recorded there (or are moved
// to the callbacks table when it failed), and only then free their journal slot.
// First attempts made together share a connection, pipelined, up to the pipeline depth; retries
// go alone.
#include "server/core/CallbackDispatcher.h"
#include "server/core/Metrics.h"
#include "server/core/Registry.h"
#include "server/core/storage/Database.h"
#include "server/core/storage/InFlightJournal.h"
#include "server/core/storage/UsageStore.h"
#include "server/net/HttpClient.h"
#include "shared/Clock.h"
#include "tests/support/MiniHttpServer.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal;
using namespace dynaseal::test;

namespace {

// The registry the dispatcher signs with: one tenant, which the test's callbacks belong to.
Tenant oneTenant(Registry &registry)
{
    auto snapshot = std::make_shared<RegistrySnapshot>();
    Tenant tenant;
    tenant.id = QStringLiteral("tn_1");
    tenant.callbackSecret = "secret";
    snapshot->tenants.insert(tenant.id, tenant);
    registry.replace(snapshot);
    return tenant;
}

// What a dispatcher under test needs: a database and an in-flight journal in a temporary folder,
// the registry of oneTenant(), and a receiver (it answers every request 200 unless the test gives
// it a handler). Members go in reverse: the dispatcher first.
struct Rig
{
    QTemporaryDir dir;
    Database db;
    Registry registry;
    Tenant tenant = oneTenant(registry);
    MiniHttpServer receiver;
    ManualClock clock;
    Metrics metrics;
    InFlightJournal journal;
    std::unique_ptr<HttpClient> http;
    std::unique_ptr<CallbackDispatcher> dispatcher;

    // Empty when all is ready, else what failed. start() is not called: without a poll, every
    // delivery comes from submit().
    QString setUp(const CallbackPolicy &policy = CallbackPolicy(), const HttpClientOptions &options = HttpClientOptions())
    {
        QString error;
        if (!db.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("c.db")), &error))
            return error;
        if (!receiver.listen())
            return QStringLiteral("the receiver cannot listen");
        if (!journal.open(dir.filePath(QStringLiteral("in-flight.journal")), 16, &error))
            return error;
        http = std::make_unique<HttpClient>(options);
        dispatcher = std::make_unique<CallbackDispatcher>(db, journal, registry, *http, clock, metrics, policy);
        return QString();
    }

    QString url() const { return receiver.origin() + QStringLiteral("/cb"); }
};

} // namespace

class CallbackDispatcherTest : public QObject
{
    Q_OBJECT
private slots:
    void burstBeyondTheCapWaitsItsTurn_data();
    void burstBeyondTheCapWaitsItsTurn();
    void firstAttemptsShareAConnection_data();
    void firstAttemptsShareAConnection();
    void retriesGoAlone_data();
    void retriesGoAlone();
};

void CallbackDispatcherTest::burstBeyondTheCapWaitsItsTurn_data()
{
    QTest::addColumn<int>("cap");
    QTest::addColumn<int>("callbacks");
    QTest::addColumn<bool>("failFirst"); // the first answer is a 500: a failed attempt frees its slot too
    QTest::addColumn<bool>("inRow");     // stored in their requests' rows, holding journal slots
    QTest::newRow("under the cap") << 4 << 3 << false << false;
    QTest::newRow("twice the cap") << 2 << 4 << false << false;
    QTest::newRow("many over a cap of one") << 1 << 9 << false << false;
    QTest::newRow("first attempt fails") << 2 << 5 << true << false;
    QTest::newRow("in their requests' rows") << 2 << 4 << false << true;
    QTest::newRow("in the rows, first attempt fails") << 2 << 5 << true << true;
}

void CallbackDispatcherTest::burstBeyondTheCapWaitsItsTurn()
{
    QFETCH(int, cap);
    QFETCH(int, callbacks);
    QFETCH(bool, failFirst);
    QFETCH(bool, inRow);
    Rig rig;
    CallbackPolicy policy;
    policy.maxInFlight = cap;
    const QString notReady = rig.setUp(policy);
    QVERIFY2(notReady.isEmpty(), qPrintable(notReady));
    Database &db = rig.db;
    InFlightJournal &journal = rig.journal;
    CallbackDispatcher &dispatcher = *rig.dispatcher;
    const Tenant &tenant = rig.tenant;

    // The receiver holds every delivery until the test answers it.
    QList<QPointer<QTcpSocket>> unanswered;
    QStringList order;
    int mostAtOnce = 0;
    rig.receiver.setHandler([&](const RecordedRequest &request, QTcpSocket *socket) {
        order.append(QString::fromLatin1(request.headers.value("x-dynaseal-delivery")));
        unanswered.append(socket);
        mostAtOnce = std::max(mostAtOnce, int(unanswered.size()));
    });
    QList<PendingCallback> batch;
    QStringList expected;
    for (int i = 0; i < callbacks; ++i) {
        expected.append(QStringLiteral("dlv_%1").arg(i));
        batch.append(PendingCallback{expected.last(), QStringLiteral("req_%1").arg(i), tenant.id, rig.url(), "{}"});
        if (!inRow)
            continue;
        // As a journaled request's outcome stores it.
        RequestStart start;
        start.id = batch.last().requestId;
        start.tenantId = tenant.id;
        start.model = QStringLiteral("m1");
        start.endpoint = QStringLiteral("chat.completions");
        batch.last().journalSlot = journal.add(start);
        QVERIFY(batch.last().journalSlot >= 0);
        RequestOutcome outcome = RequestOutcome::of(start, false);
        outcome.status = RequestStatus::Ok;
        outcome.callback = batch.last();
        QVERIFY(outcome.callbackInRow());
        QVERIFY(db.runBlocking<SqlSession::RowInserted>([outcome](SqlSession &s) { return UsageStore::finish(s, outcome); }).ok());
    }
    dispatcher.submit(batch);
    QCOMPARE(dispatcher.inFlight(), callbacks);

    int answered = 0;
    while (answered < callbacks) {
        QTRY_VERIFY(!unanswered.isEmpty());
        QPointer<QTcpSocket> socket = unanswered.takeFirst();
        QVERIFY(socket);
        const bool fail = failFirst && answered == 0;
        socket->write(fail ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        ++answered;
    }
    // A failed attempt is retried by the poll, which is off here: it stays out of the count.
    QTRY_COMPARE(dispatcher.inFlight(), 0);
    // In /metrics: every POST, every delivery, every failed attempt.
    const int failedAttempts = failFirst ? 1 : 0;
    QCOMPARE(rig.metrics.value(QStringLiteral("dynaseal_callback_posts_total")), double(callbacks));
    QCOMPARE(rig.metrics.value(QStringLiteral("dynaseal_callbacks_delivered_total")), double(callbacks - failedAttempts));
    QCOMPARE(rig.metrics.value(QStringLiteral("dynaseal_callbacks_failed_attempts_total")), double(failedAttempts));
    // Sent in the order submitted; with several connections they may arrive in another.
    if (cap == 1)
        QCOMPARE(order, expected);
    order.sort();
    QCOMPARE(order, expected);
    QCOMPARE(mostAtOnce, std::min(cap, callbacks));
    QCOMPARE(rig.receiver.requests.size(), callbacks);
    if (!inRow)
        return;
    // Every first attempt recorded, and only then its journal slot freed.
    QTRY_COMPARE(journal.inUse(), 0);
    auto count = [&](const QString &sql) { return *db.runBlocking<qint64>([sql](SqlSession &s) { QSqlQuery &q = s.exec(sql); return q.next() ? q.value(0).toLongLong() : -1; }).value; };
    const qint64 failed = failFirst ? 1 : 0;
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM callback_deliveries WHERE http_status = 200")), callbacks - failed);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM requests WHERE callback_state = 'sending'")), callbacks - failed);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM requests WHERE callback_state = 'queued'")), failed);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM callbacks WHERE state = 'pending' AND attempts = 1 AND last_status = 500")), failed);
}

void CallbackDispatcherTest::firstAttemptsShareAConnection_data()
{
    QTest::addColumn<int>("pipelineDepth"); // --callback-pipeline-depth
    QTest::addColumn<int>("connections");   // the receiver sees for 6 first attempts made at once
    QTest::newRow("pipelined") << 32 << 1;
    QTest::newRow("two per connection") << 2 << 3;
    QTest::newRow("pipelining off") << 1 << 6;
}

void CallbackDispatcherTest::firstAttemptsShareAConnection()
{
    // First attempts made in one pass go to the receiver together on one connection, as many as
    // the pipeline depth allows; each is still its own signed POST.
    QFETCH(int, pipelineDepth);
    QFETCH(int, connections);
    Rig rig;
    HttpClientOptions options;
    options.pipelineDepth = pipelineDepth;
    const QString notReady = rig.setUp(CallbackPolicy(), options);
    QVERIFY2(notReady.isEmpty(), qPrintable(notReady));
    QList<PendingCallback> batch;
    for (int i = 0; i < 6; ++i)
        batch.append(PendingCallback{QStringLiteral("dlv_%1").arg(i), QStringLiteral("req_%1").arg(i), rig.tenant.id, rig.url(),
                                     "{\"n\":" + QByteArray::number(i) + "}"});
    rig.dispatcher->submit(batch);
    QTRY_COMPARE(rig.dispatcher->inFlight(), 0);
    QCOMPARE(rig.receiver.requests.size(), 6);
    QCOMPARE(rig.receiver.acceptedConnections, connections);
    for (int i = 0; i < 6; ++i) {
        const RecordedRequest &r = rig.receiver.requests[i];
        QCOMPARE(r.headers.value("x-dynaseal-delivery"), QStringLiteral("dlv_%1").arg(i).toLatin1());
        QCOMPARE(r.body, "{\"n\":" + QByteArray::number(i) + "}");
        QVERIFY(r.headers.value("x-dynaseal-signature").startsWith("t="));
    }
}

void CallbackDispatcherTest::retriesGoAlone_data()
{
    QTest::addColumn<int>("attempts");    // made before, as stored in the callbacks table
    QTest::addColumn<int>("connections"); // the receiver sees for 6 callbacks due at once
    QTest::newRow("never attempted (stored there from the start)") << 0 << 1;
    QTest::newRow("retried") << 1 << 6;
    QTest::newRow("retried again") << 4 << 6;
}

void CallbackDispatcherTest::retriesGoAlone()
{
    // A callback attempted before may have met a receiver that mishandles pipelining: its retry
    // goes on a connection of its own. Callbacks due together that were never attempted share one.
    QFETCH(int, attempts);
    QFETCH(int, connections);
    Rig rig; // pipeline depth 32
    const QString notReady = rig.setUp();
    QVERIFY2(notReady.isEmpty(), qPrintable(notReady));
    QVERIFY(rig.db.runBlocking<bool>([&](SqlSession &s) {
                      for (int i = 0; i < 6; ++i)
                          s.exec(QStringLiteral("INSERT INTO callbacks (id, request_id, tenant_id, url, body, state, attempts,"
                                                " next_attempt_at, created_at) VALUES (?, ?, ?, ?, '{}', 'pending', ?, 0, 0)"),
                                 {QStringLiteral("dlv_%1").arg(i), QStringLiteral("req_%1").arg(i), rig.tenant.id, rig.url(), attempts});
                      return true;
                  }).ok());
    rig.dispatcher->start(); // one poll finds all six due
    QTRY_COMPARE(rig.receiver.requests.size(), 6);
    QTRY_COMPARE(rig.dispatcher->inFlight(), 0);
    QCOMPARE(rig.receiver.acceptedConnections, connections);
    QStringList delivered;
    for (const RecordedRequest &r : rig.receiver.requests)
        delivered.append(QString::fromLatin1(r.headers.value("x-dynaseal-delivery")));
    delivered.sort();
    QCOMPARE(delivered, (QStringList{"dlv_0", "dlv_1", "dlv_2", "dlv_3", "dlv_4", "dlv_5"}));
}

QTEST_GUILESS_MAIN(CallbackDispatcherTest)
#include "CallbackDispatcherTest.moc"

// CallbackDispatcher without its database poll: callbacks submitted beyond the delivery cap wait
// in memory and go out as earlier deliveries finish, in order; never more than the cap at once.
#include "server/core/CallbackDispatcher.h"
#include "server/core/Metrics.h"
#include "server/core/Registry.h"
#include "server/core/storage/Database.h"
#include "server/net/HttpClient.h"
#include "shared/Clock.h"
#include "tests/support/MiniHttpServer.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal;
using namespace dynaseal::test;

class CallbackDispatcherTest : public QObject
{
    Q_OBJECT
private slots:
    void burstBeyondTheCapWaitsItsTurn_data();
    void burstBeyondTheCapWaitsItsTurn();
};

void CallbackDispatcherTest::burstBeyondTheCapWaitsItsTurn_data()
{
    QTest::addColumn<int>("cap");
    QTest::addColumn<int>("callbacks");
    QTest::addColumn<bool>("failFirst"); // the first answer is a 500: a failed attempt frees its slot too
    QTest::newRow("under the cap") << 4 << 3 << false;
    QTest::newRow("twice the cap") << 2 << 4 << false;
    QTest::newRow("many over a cap of one") << 1 << 9 << false;
    QTest::newRow("first attempt fails") << 2 << 5 << true;
}

void CallbackDispatcherTest::burstBeyondTheCapWaitsItsTurn()
{
    QFETCH(int, cap);
    QFETCH(int, callbacks);
    QFETCH(bool, failFirst);
    QTemporaryDir dir;
    Database db;
    QString error;
    QVERIFY2(db.open(QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("c.db")), &error), qPrintable(error));
    Registry registry;
    auto snapshot = std::make_shared<RegistrySnapshot>();
    Tenant tenant;
    tenant.id = QStringLiteral("tn_1");
    tenant.callbackSecret = "secret";
    snapshot->tenants.insert(tenant.id, tenant);
    registry.replace(snapshot);

    // The receiver holds every delivery until the test answers it.
    MiniHttpServer receiver;
    QVERIFY(receiver.listen());
    QList<QPointer<QTcpSocket>> unanswered;
    QStringList order;
    int mostAtOnce = 0;
    receiver.setHandler([&](const RecordedRequest &request, QTcpSocket *socket) {
        order.append(QString::fromLatin1(request.headers.value("x-dynaseal-delivery")));
        unanswered.append(socket);
        mostAtOnce = std::max(mostAtOnce, int(unanswered.size()));
    });

    HttpClient http;
    ManualClock clock;
    Metrics metrics;
    CallbackPolicy policy;
    policy.maxInFlight = cap;
    CallbackDispatcher dispatcher(db, registry, http, clock, metrics, policy);
    // start() is not called: there is no poll, so every delivery comes from submit().
    QList<PendingCallback> batch;
    QStringList expected;
    for (int i = 0; i < callbacks; ++i) {
        expected.append(QStringLiteral("dlv_%1").arg(i));
        batch.append(PendingCallback{expected.last(), QStringLiteral("req_%1").arg(i), tenant.id,
                                     receiver.origin() + QStringLiteral("/cb"), "{}"});
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
    // Sent in the order submitted; with several connections they may arrive in another.
    if (cap == 1)
        QCOMPARE(order, expected);
    order.sort();
    QCOMPARE(order, expected);
    QCOMPARE(mostAtOnce, std::min(cap, callbacks));
    QCOMPARE(receiver.requests.size(), callbacks);
}

QTEST_GUILESS_MAIN(CallbackDispatcherTest)
#include "CallbackDispatcherTest.moc"

// Router: which handler a method and path reach, with which parameters, in the order the routes
// were added. Paths without a parameter are found by a table first; these rows hold it to what
// trying every route in order gives.
#include "server/http/Router.h"

#include <QtTest>

using namespace dynaseal;

using Params = QHash<QString, QString>;
Q_DECLARE_METATYPE(Params)

class RouterTest : public QObject
{
    Q_OBJECT
private slots:
    void dispatch_data();
    void dispatch();
};

void RouterTest::dispatch_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("route"); // -1: none (404 or 405)
    QTest::addColumn<Params>("params");

    QTest::newRow("a path without parameters") << QByteArray("GET") << "/v1/models" << 0 << Params();
    QTest::newRow("the same path's other method") << QByteArray("POST") << "/v1/models" << 7 << Params();
    QTest::newRow("chat") << QByteArray("POST") << "/v1/chat/completions" << 1 << Params();
    QTest::newRow("a parameter") << QByteArray("POST") << "/t/acme/v1/chat/completions" << 2 << Params{{QStringLiteral("tenant"), QStringLiteral("acme")}};
    QTest::newRow("a trailing slash") << QByteArray("POST") << "/v1/chat/completions/" << 1 << Params();
    QTest::newRow("a double slash") << QByteArray("POST") << "/v1//chat/completions" << 1 << Params();
    QTest::newRow("an earlier route with a parameter wins") << QByteArray("GET") << "/admin/v1/tenants/stats" << 3
                                                             << Params{{QStringLiteral("id"), QStringLiteral("stats")}};
    QTest::newRow("a later one of another method") << QByteArray("DELETE") << "/admin/v1/tenants/stats" << 5 << Params();
    QTest::newRow("the first of two alike") << QByteArray("GET") << "/health/liveness" << 6 << Params();
    QTest::newRow("another method") << QByteArray("GET") << "/v1/chat/completions" << -1 << Params();
    QTest::newRow("unknown") << QByteArray("GET") << "/nope" << -1 << Params();
    QTest::newRow("a parameter left out") << QByteArray("GET") << "/admin/v1/tenants/" << -1 << Params();
    QTest::newRow("case matters") << QByteArray("GET") << "/V1/models" << -1 << Params();
    QTest::newRow("the root") << QByteArray("GET") << "/" << -1 << Params();
}

void RouterTest::dispatch()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, route);
    QFETCH(Params, params);

    Router router;
    int reached = -1;
    Params got;
    const auto handler = [&](int i) {
        return [&, i](const HttpExchangePtr &, const PathParams &p) {
            reached = i;
            got = p;
        };
    };
    router.add("GET", QStringLiteral("/v1/models"), handler(0));
    router.add("POST", QStringLiteral("/v1/chat/completions"), handler(1));
    router.add("POST", QStringLiteral("/t/{tenant}/v1/chat/completions"), handler(2));
    router.add("GET", QStringLiteral("/admin/v1/tenants/{id}"), handler(3));
    router.add("GET", QStringLiteral("/admin/v1/tenants/stats"), handler(4)); // never reached: route 3 takes it
    router.add("DELETE", QStringLiteral("/admin/v1/tenants/stats"), handler(5));
    router.add("GET", QStringLiteral("/health/liveness"), handler(6));
    router.add("POST", QStringLiteral("/v1/models"), handler(7));
    router.add("GET", QStringLiteral("/health/liveness"), handler(8)); // never reached: route 6 was first

    auto ex = std::make_shared<HttpExchange>(); // no connection: a 404 or 405 goes nowhere
    ex->method = method;
    ex->path = path;
    router.dispatch(ex);
    QCOMPARE(reached, route);
    QCOMPARE(got, params);
}

QTEST_GUILESS_MAIN(RouterTest)
#include "RouterTest.moc"

// The registry: where a proxied call goes (Upstream::endpoint, for every shape of base URL an
// operator enters, with the URLs made once at load and without), and which snapshot wins when a
// refresh and an admin change replace it at once, and that each thread's copy of the current
// snapshot follows every replace.
#include "server/core/ProxyRequest.h"
#include "server/core/Registry.h"

#include <QTest>

#include <atomic>
#include <thread>

using namespace dynaseal;

class RegistryTest : public QObject
{
    Q_OBJECT

private slots:
    void endpoint_data();
    void endpoint();
    void preparedAgainForANewBaseUrl();
    void replaceByVersion_data();
    void replaceByVersion();
    void currentFollowsEveryReplace();
};

void RegistryTest::endpoint_data()
{
    QTest::addColumn<QString>("baseUrl");
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QString>("expected");

    QTest::newRow("with /v1") << "https://api.example.com/v1" << "/chat/completions" << "https://api.example.com/v1/chat/completions";
    QTest::newRow("trailing slash") << "https://api.example.com/v1/" << "/completions" << "https://api.example.com/v1/completions";
    QTest::newRow("several slashes") << "https://api.example.com/v1//" << "/embeddings" << "https://api.example.com/v1/embeddings";
    QTest::newRow("no path") << "http://127.0.0.1:8080" << "/chat/completions" << "http://127.0.0.1:8080/chat/completions";
    QTest::newRow("root path") << "http://127.0.0.1:8080/" << "/models" << "http://127.0.0.1:8080/models";
    QTest::newRow("query kept") << "https://h.example/openai/deployments/d?api-version=2024-06-01" << "/chat/completions"
                                << "https://h.example/openai/deployments/d/chat/completions?api-version=2024-06-01";
}

void RegistryTest::endpoint()
{
    QFETCH(QString, baseUrl);
    QFETCH(QString, suffix);
    QFETCH(QString, expected);

    Upstream made;
    made.baseUrl = QUrl(baseUrl);
    QCOMPARE(made.endpoint(suffix).toString(), expected);

    Upstream prepared;
    prepared.baseUrl = QUrl(baseUrl);
    prepared.prepareEndpoints(ProxyRequest::upstreamPaths());
    QCOMPARE(prepared.endpoint(suffix).toString(), expected);
    // A copy (what a call's plan holds) answers the same.
    const Upstream copy = prepared;
    QCOMPARE(copy.endpoint(suffix).toString(), expected);
}

void RegistryTest::preparedAgainForANewBaseUrl()
{
    Upstream u;
    u.baseUrl = QUrl(QStringLiteral("http://old.example/v1"));
    u.prepareEndpoints({QStringLiteral("/chat/completions")});
    u.baseUrl = QUrl(QStringLiteral("http://new.example/v2"));
    u.prepareEndpoints({QStringLiteral("/chat/completions")});
    QCOMPARE(u.endpoint(QStringLiteral("/chat/completions")).toString(), QStringLiteral("http://new.example/v2/chat/completions"));
}

void RegistryTest::replaceByVersion_data()
{
    QTest::addColumn<bool>("strict"); // replaceIfNewer, else replaceIfNotOlder
    QTest::addColumn<qint64>("held");
    QTest::addColumn<qint64>("offered");
    QTest::addColumn<bool>("replaced");
    QTest::newRow("not older: newer") << false << qint64(3) << qint64(4) << true;
    QTest::newRow("not older: same version") << false << qint64(3) << qint64(3) << true;
    QTest::newRow("not older: older, a refresh loaded before an admin change") << false << qint64(4) << qint64(3) << false;
    QTest::newRow("newer: another server's change") << true << qint64(3) << qint64(4) << true;
    QTest::newRow("newer: same version, a refresh that raced this server's own change") << true << qint64(4) << qint64(4) << false;
    QTest::newRow("newer: older") << true << qint64(4) << qint64(3) << false;
}

void RegistryTest::replaceByVersion()
{
    QFETCH(bool, strict);
    QFETCH(qint64, held);
    QFETCH(qint64, offered);
    QFETCH(bool, replaced);

    Registry registry;
    auto current = std::make_shared<RegistrySnapshot>();
    current->storedVersion = held;
    registry.replace(current);
    auto candidate = std::make_shared<RegistrySnapshot>();
    candidate->storedVersion = offered;
    QCOMPARE(strict ? registry.replaceIfNewer(candidate) : registry.replaceIfNotOlder(candidate), replaced);
    QCOMPARE(registry.current().get(), replaced ? candidate.get() : current.get());
}

void RegistryTest::currentFollowsEveryReplace()
{
    // Threads keep their own copy of the current snapshot: a replace must reach each of them at
    // its next read, and two registries must not hand out each other's snapshots.
    Registry a;
    Registry b;
    auto snapshot = [](qint64 version) {
        auto s = std::make_shared<RegistrySnapshot>();
        s->storedVersion = version;
        return std::shared_ptr<const RegistrySnapshot>(std::move(s));
    };
    a.replace(snapshot(1));
    b.replace(snapshot(100));
    QCOMPARE(a.current()->storedVersion, 1);
    QCOMPARE(b.current()->storedVersion, 100);
    QCOMPARE(a.current()->storedVersion, 1);

    const auto held = a.current();
    a.replace(snapshot(2));
    QCOMPARE(a.current()->storedVersion, 2);
    QCOMPARE(held->storedVersion, 1); // what a request holds stays valid after the replace
    QVERIFY(a.replaceIfNotOlder(snapshot(3)));
    QCOMPARE(a.current()->storedVersion, 3);
    QVERIFY(!a.replaceIfNotOlder(snapshot(2)));
    QCOMPARE(a.current()->storedVersion, 3);

    // Readers on other threads while the snapshot is replaced: each sees versions only grow,
    // and all see the last one once the replacing stops.
    std::atomic<bool> done{false};
    std::atomic<int> wentBack{0};
    std::atomic<int> sawLast{0};
    std::atomic<int> mixedUp{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
        readers.emplace_back([&] {
            qint64 last = 0;
            while (!done.load()) {
                const qint64 v = a.current()->storedVersion;
                if (v < last)
                    ++wentBack;
                last = v;
                if (b.current()->storedVersion != 100)
                    ++mixedUp;
            }
            sawLast += a.current()->storedVersion == 2000;
        });
    }
    for (qint64 v = 4; v <= 2000; ++v)
        a.replace(snapshot(v));
    done = true;
    for (std::thread &t : readers)
        t.join();
    QCOMPARE(wentBack.load(), 0);
    QCOMPARE(mixedUp.load(), 0);
    QCOMPARE(sawLast.load(), 4);
}

QTEST_GUILESS_MAIN(RegistryTest)
#include "RegistryTest.moc"

// The registry: where a proxied call goes (Upstream::endpoint, for every shape of base URL an
// operator enters, with the URLs made once at load and without), and which snapshot wins when a
// refresh and an admin change replace it at once.
#include "server/core/ProxyRequest.h"
#include "server/core/Registry.h"

#include <QTest>

using namespace dynaseal;

class RegistryTest : public QObject
{
    Q_OBJECT

private slots:
    void endpoint_data();
    void endpoint();
    void preparedAgainForANewBaseUrl();
    void replaceIfNotOlder_data();
    void replaceIfNotOlder();
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

void RegistryTest::replaceIfNotOlder_data()
{
    QTest::addColumn<qint64>("held");
    QTest::addColumn<qint64>("offered");
    QTest::addColumn<bool>("replaced");
    QTest::newRow("newer") << qint64(3) << qint64(4) << true;
    QTest::newRow("same version") << qint64(3) << qint64(3) << true;
    QTest::newRow("older: a refresh loaded before an admin change") << qint64(4) << qint64(3) << false;
}

void RegistryTest::replaceIfNotOlder()
{
    QFETCH(qint64, held);
    QFETCH(qint64, offered);
    QFETCH(bool, replaced);

    Registry registry;
    auto current = std::make_shared<RegistrySnapshot>();
    current->storedVersion = held;
    registry.replace(current);
    auto candidate = std::make_shared<RegistrySnapshot>();
    candidate->storedVersion = offered;
    QCOMPARE(registry.replaceIfNotOlder(candidate), replaced);
    QCOMPARE(registry.current().get(), replaced ? candidate.get() : current.get());
}

QTEST_GUILESS_MAIN(RegistryTest)
#include "RegistryTest.moc"

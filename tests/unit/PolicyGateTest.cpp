// PolicyGate's rate limits counted in the right windows when one serving thread takes several
// tenants' calls in turn and a tenant's policy is replaced: each thread keeps the windows of the
// last tenant it counted, so these are what could go wrong.
#include "server/core/policy/PolicyGate.h"
#include "server/core/policy/TenantPolicy.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

#include <thread>
#include <vector>

using namespace dynaseal;

namespace {

constexpr qint64 kNowMs = 1'700'000'000'000;

std::shared_ptr<const TenantPolicy> limitsPolicy(const QStringList &limits)
{
    auto merged = TenantPolicy::merge(TenantPolicy{}, QJsonObject{{QStringLiteral("rate_limits"), QJsonArray::fromStringList(limits)}});
    if (!std::holds_alternative<TenantPolicy>(merged))
        return nullptr;
    return std::make_shared<const TenantPolicy>(std::get<TenantPolicy>(merged));
}

Tenant tenantWith(const QString &id, const QStringList &limits)
{
    Tenant t;
    t.id = id;
    t.policy = limitsPolicy(limits);
    return t;
}

} // namespace

class PolicyGateTest : public QObject
{
    Q_OBJECT
private slots:
    void tenantsInTurnCountInTheirOwnWindows();
    void aReplacedPolicyCountsInItsOwnWindows();
    void settledTokensGoBackToTheirWindow();
    void aRefusedTokenLineGivesBackTheOnesBefore();
    void threadsKeepTheirOwnTenantsWindows();
};

void PolicyGateTest::tenantsInTurnCountInTheirOwnWindows()
{
    SlidingWindowLimiter limiter;
    PolicyGate gate(limiter);
    const Tenant a = tenantWith(QStringLiteral("tenant-a"), {QStringLiteral("ingress:2/minute")});
    Tenant b = a; // one policy object for both (the same rules)
    b.id = QStringLiteral("tenant-b");
    const Tenant c = tenantWith(QStringLiteral("tenant-c"), {QStringLiteral("ingress:3/minute")});
    QVERIFY(a.policy && c.policy);
    for (const Tenant *t : std::initializer_list<const Tenant *>{&a, &b, &c, &a, &b, &c, &c})
        QVERIFY(!gate.countRequest(*t, QStringLiteral("k1"), kNowMs));
    QVERIFY(gate.countRequest(a, QStringLiteral("k1"), kNowMs)); // a's third
    QVERIFY(gate.countRequest(b, QStringLiteral("k1"), kNowMs)); // b's third
    QVERIFY(gate.countRequest(c, QStringLiteral("k1"), kNowMs)); // c's fourth
    QCOMPARE(limiter.count(QStringLiteral("ingress:tenant-a"), 60'000, kNowMs), 2);
    QCOMPARE(limiter.count(QStringLiteral("ingress:tenant-b"), 60'000, kNowMs), 2);
    QCOMPARE(limiter.count(QStringLiteral("ingress:tenant-c"), 60'000, kNowMs), 3);
}

void PolicyGateTest::aReplacedPolicyCountsInItsOwnWindows()
{
    SlidingWindowLimiter limiter;
    PolicyGate gate(limiter);
    Tenant a = tenantWith(QStringLiteral("tenant-a"), {QStringLiteral("ingress:2/minute")});
    QVERIFY(!gate.countRequest(a, QStringLiteral("k1"), kNowMs));
    QVERIFY(!gate.countRequest(a, QStringLiteral("k1"), kNowMs));
    QVERIFY(gate.countRequest(a, QStringLiteral("k1"), kNowMs));

    // The same line over an hour: a window of its own, which starts empty.
    a.policy = limitsPolicy({QStringLiteral("ingress:3/hour")});
    QVERIFY(a.policy);
    QVERIFY(!gate.countRequest(a, QStringLiteral("k1"), kNowMs));
    QCOMPARE(limiter.count(QStringLiteral("ingress:tenant-a"), 3'600'000, kNowMs), 1);
    QCOMPARE(limiter.count(QStringLiteral("ingress:tenant-a"), 60'000, kNowMs), 2);

    // Other lines in another order, as an operator's edit makes them: the hour's window is new,
    // and the token line sits where the minute's request line was.
    a.policy = limitsPolicy({QStringLiteral("tokens:100/minute"), QStringLiteral("ingress:5/hour"), QStringLiteral("secret:1/minute")});
    QVERIFY(a.policy);
    QVERIFY(!gate.countRequest(a, QStringLiteral("k1"), kNowMs));
    QCOMPARE(limiter.count(QStringLiteral("ingress:tenant-a"), 3'600'000, kNowMs), 2);
    QCOMPARE(limiter.count(QStringLiteral("secret:tenant-a:k1"), 60'000, kNowMs), 1);
    QVERIFY(gate.countRequest(a, QStringLiteral("k1"), kNowMs)); // the key's second this minute
    QCOMPARE(limiter.count(QStringLiteral("ingress:tenant-a"), 3'600'000, kNowMs), 2); // refused: not counted
    auto held = gate.holdTokens(a, 60, kNowMs);
    QVERIFY(std::holds_alternative<QList<TokenHold>>(held));
    QVERIFY(std::holds_alternative<ApiError>(gate.holdTokens(a, 41, kNowMs)));
    QCOMPARE(limiter.count(QStringLiteral("tokens:tenant-a"), 60'000, kNowMs), 60);
}

void PolicyGateTest::settledTokensGoBackToTheirWindow()
{
    SlidingWindowLimiter limiter;
    PolicyGate gate(limiter);
    const Tenant a = tenantWith(QStringLiteral("tenant-a"), {QStringLiteral("tokens:100/minute"), QStringLiteral("tokens:1000/hour")});
    const Tenant b = tenantWith(QStringLiteral("tenant-b"), {QStringLiteral("tokens:100/minute")});
    auto heldA = gate.holdTokens(a, 90, kNowMs);
    auto heldB = gate.holdTokens(b, 80, kNowMs); // another tenant in between
    QVERIFY(std::holds_alternative<QList<TokenHold>>(heldA) && std::holds_alternative<QList<TokenHold>>(heldB));
    QCOMPARE(std::get<QList<TokenHold>>(heldA).size(), 2);
    gate.settleTokens(std::get<QList<TokenHold>>(heldA), 10);
    QCOMPARE(limiter.count(QStringLiteral("tokens:tenant-a"), 60'000, kNowMs), 10);
    QCOMPARE(limiter.count(QStringLiteral("tokens:tenant-a"), 3'600'000, kNowMs), 10);
    QCOMPARE(limiter.count(QStringLiteral("tokens:tenant-b"), 60'000, kNowMs), 80);
    QVERIFY(std::holds_alternative<QList<TokenHold>>(gate.holdTokens(a, 90, kNowMs)));
}

void PolicyGateTest::aRefusedTokenLineGivesBackTheOnesBefore()
{
    SlidingWindowLimiter limiter;
    PolicyGate gate(limiter);
    const Tenant a = tenantWith(QStringLiteral("tenant-a"), {QStringLiteral("tokens:100/minute"), QStringLiteral("tokens:50/hour")});
    QVERIFY(std::holds_alternative<ApiError>(gate.holdTokens(a, 60, kNowMs))); // the hour's line refuses
    QCOMPARE(limiter.count(QStringLiteral("tokens:tenant-a"), 60'000, kNowMs), 0);
    QCOMPARE(limiter.count(QStringLiteral("tokens:tenant-a"), 3'600'000, kNowMs), 0);
    QVERIFY(std::holds_alternative<QList<TokenHold>>(gate.holdTokens(a, 50, kNowMs)));
    QCOMPARE(limiter.count(QStringLiteral("tokens:tenant-a"), 60'000, kNowMs), 50);
}

void PolicyGateTest::threadsKeepTheirOwnTenantsWindows()
{
    // Serving threads counting different tenants at once, each switching between two of them:
    // every count lands in its own tenant's window.
    SlidingWindowLimiter limiter;
    const QStringList limits{QStringLiteral("ingress:1000000/minute"), QStringLiteral("tokens:1000000000/minute")};
    std::vector<Tenant> tenants;
    for (int t = 0; t < 4; ++t)
        tenants.push_back(tenantWith(QStringLiteral("tenant-%1").arg(t), limits));
    constexpr int kCalls = 40000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&, t] {
            PolicyGate gate(limiter);
            for (int i = 0; i < kCalls; ++i) {
                const Tenant &tenant = tenants.at(size_t(2 * t + i % 2));
                if (gate.countRequest(tenant, QStringLiteral("k"), kNowMs))
                    return;
                auto held = gate.holdTokens(tenant, 10, kNowMs);
                if (!std::holds_alternative<QList<TokenHold>>(held))
                    return;
                gate.settleTokens(std::get<QList<TokenHold>>(held), 1 + t);
            }
        });
    }
    for (std::thread &t : threads)
        t.join();
    for (int t = 0; t < 4; ++t) {
        const QString id = QStringLiteral("tenant-%1").arg(t);
        QCOMPARE(limiter.count(QStringLiteral("ingress:") + id, 60'000, kNowMs), kCalls / 2);
        QCOMPARE(limiter.count(QStringLiteral("tokens:") + id, 60'000, kNowMs), qint64(kCalls / 2) * (1 + t / 2));
    }
}

QTEST_GUILESS_MAIN(PolicyGateTest)
#include "PolicyGateTest.moc"

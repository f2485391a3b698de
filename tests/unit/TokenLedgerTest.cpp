// TokenLedger: what a reservation grants or refuses, how settling bills and releases, pruning,
// and the invariant that concurrent requests never together pass a key budget or tenant quota.
#include "server/core/TokenLedger.h"

#include <QtTest>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

using namespace dynaseal;

Q_DECLARE_METATYPE(dynaseal::LedgerRefusal)

namespace {

const QString kKey = QStringLiteral("key-hash");
const QString kTenant = QStringLiteral("tenant");
constexpr qint64 kNoValue = -1; // a row's "absent" for optional columns

ReserveRequest request(qint64 keyLimit, qint64 promptUpperBound, std::optional<qint64> requested = std::nullopt)
{
    ReserveRequest r;
    r.keyHash = kKey;
    r.tenantId = kTenant;
    r.keyLimit = keyLimit;
    r.keyExpiresAtSecs = 2'000'000'000;
    r.promptUpperBound = promptUpperBound;
    r.requestedCompletion = requested;
    return r;
}

} // namespace

class TokenLedgerTest : public QObject
{
    Q_OBJECT

private slots:
    void reserve_data();
    void reserve();
    void reservationsCountAgainstLaterRequests();
    void settleCapsAtReserved();
    void settleOfLessFreesTheRest();
    void settleNegativeBillsNothing();
    void pruneExpired();
    void keyStoredOnceLoadedOrMarked();
    void concurrentReserveSettle_data();
    void concurrentReserveSettle();
    void tenantQuotaExactAtItsEdge();
    void tenantsInTurnKeepTheirOwnAccounts();
    void aNewLedgerStartsItsTenantsAtZero();
};

void TokenLedgerTest::reserve_data()
{
    QTest::addColumn<qint64>("keyLimit");
    QTest::addColumn<qint64>("keySpent");
    QTest::addColumn<qint64>("tenantQuota"); // kNoValue: no limit
    QTest::addColumn<qint64>("tenantUsed");
    QTest::addColumn<qint64>("prompt");
    QTest::addColumn<qint64>("requested"); // kNoValue: the device sent no max_tokens
    QTest::addColumn<qint64>("defaultCompletion");
    QTest::addColumn<qint64>("choices");
    QTest::addColumn<bool>("hasCompletion");
    QTest::addColumn<bool>("granted");
    QTest::addColumn<qint64>("reserved");
    QTest::addColumn<qint64>("completionAllowed");
    QTest::addColumn<LedgerRefusal>("refusal");

    const auto key = LedgerRefusal::KeyBudget;
    const auto quota = LedgerRefusal::TenantQuota;
    // name                                    limit  spent  quota     used  prompt req      dflt  n  compl  ok     reserved compl  refusal
    QTest::newRow("requested fits") << 1000LL << 0LL << kNoValue << 0LL << 100LL << 50LL << 4096LL << 1LL << true << true << 150LL << 50LL << key;
    QTest::newRow("default completion when none requested") << 10'000LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 1LL << true << true << 4196LL << 4096LL << key;
    QTest::newRow("configured default completion") << 10'000LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 256LL << 1LL << true << true << 356LL << 256LL << key;
    QTest::newRow("requested above default is kept") << 100'000LL << 0LL << kNoValue << 0LL << 100LL << 5000LL << 4096LL << 1LL << true << true << 5100LL << 5000LL << key;
    QTest::newRow("default lowered to key budget") << 1000LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 1LL << true << true << 1000LL << 900LL << key;
    QTest::newRow("requested lowered to key budget") << 500LL << 0LL << kNoValue << 0LL << 100LL << 1000LL << 4096LL << 1LL << true << true << 500LL << 400LL << key;
    QTest::newRow("key spent counts") << 1000LL << 600LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 1LL << true << true << 400LL << 300LL << key;
    QTest::newRow("exactly prompt plus one fits") << 101LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 1LL << true << true << 101LL << 1LL << key;
    QTest::newRow("prompt alone does not fit") << 100LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 1LL << true << false << 0LL << 0LL << key;
    QTest::newRow("key fully spent") << 1000LL << 1000LL << kNoValue << 0LL << 1LL << 1LL << 4096LL << 1LL << true << false << 0LL << 0LL << key;
    QTest::newRow("tenant quota lowers completion") << 10'000LL << 0LL << 500LL << 0LL << 100LL << kNoValue << 4096LL << 1LL << true << true << 500LL << 400LL << quota;
    QTest::newRow("tenant used counts") << 10'000LL << 0LL << 1000LL << 700LL << 100LL << kNoValue << 4096LL << 1LL << true << true << 300LL << 200LL << quota;
    QTest::newRow("tenant quota exhausted") << 10'000LL << 0LL << 1000LL << 950LL << 100LL << kNoValue << 4096LL << 1LL << true << false << 0LL << 0LL << quota;
    QTest::newRow("tenant quota zero") << 10'000LL << 0LL << 0LL << 0LL << 1LL << 1LL << 4096LL << 1LL << true << false << 0LL << 0LL << quota;
    QTest::newRow("both short: key named") << 50LL << 0LL << 50LL << 0LL << 100LL << kNoValue << 4096LL << 1LL << true << false << 0LL << 0LL << key;
    QTest::newRow("no quota: tenant usage irrelevant") << 1000LL << 0LL << kNoValue << 1'000'000'000LL << 100LL << 10LL << 4096LL << 1LL << true << true << 110LL << 10LL << key;
    QTest::newRow("n=3 each choice gets the requested") << 1000LL << 0LL << kNoValue << 0LL << 100LL << 50LL << 4096LL << 3LL << true << true << 250LL << 50LL << key;
    QTest::newRow("n=3 budget split between choices") << 1000LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 3LL << true << true << 1000LL << 300LL << key;
    QTest::newRow("n=3 remainder left unreserved") << 1001LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 3LL << true << true << 1000LL << 300LL << key;
    QTest::newRow("n=3 needs one token per choice") << 102LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 3LL << true << false << 0LL << 0LL << key;
    QTest::newRow("n=3 one token per choice fits") << 103LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 3LL << true << true << 103LL << 1LL << key;
    QTest::newRow("n=0 treated as one") << 1000LL << 0LL << kNoValue << 0LL << 100LL << 50LL << 4096LL << 0LL << true << true << 150LL << 50LL << key;
    QTest::newRow("embeddings reserve the prompt only") << 1000LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 1LL << false << true << 100LL << 0LL << key;
    QTest::newRow("embeddings exactly fit") << 100LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 1LL << false << true << 100LL << 0LL << key;
    QTest::newRow("embeddings one short") << 99LL << 0LL << kNoValue << 0LL << 100LL << kNoValue << 4096LL << 1LL << false << false << 0LL << 0LL << key;
    QTest::newRow("embeddings over tenant quota") << 1000LL << 0LL << 99LL << 0LL << 100LL << kNoValue << 4096LL << 1LL << false << false << 0LL << 0LL << quota;
}

void TokenLedgerTest::reserve()
{
    QFETCH(qint64, keyLimit);
    QFETCH(qint64, keySpent);
    QFETCH(qint64, tenantQuota);
    QFETCH(qint64, tenantUsed);
    QFETCH(qint64, prompt);
    QFETCH(qint64, requested);
    QFETCH(qint64, defaultCompletion);
    QFETCH(qint64, choices);
    QFETCH(bool, hasCompletion);
    QFETCH(bool, granted);
    QFETCH(qint64, reserved);
    QFETCH(qint64, completionAllowed);
    QFETCH(LedgerRefusal, refusal);

    TokenLedger ledger;
    ledger.loadKeySpent(kKey, keySpent, 2'000'000'000);
    ledger.loadTenantUsed(kTenant, tenantUsed);

    ReserveRequest r = request(keyLimit, prompt, requested == kNoValue ? std::nullopt : std::optional<qint64>(requested));
    if (tenantQuota != kNoValue)
        r.tenantQuota = tenantQuota;
    r.defaultCompletion = defaultCompletion;
    r.choices = choices;
    r.hasCompletion = hasCompletion;

    LedgerRefusal why = refusal == LedgerRefusal::KeyBudget ? LedgerRefusal::TenantQuota : LedgerRefusal::KeyBudget;
    const std::optional<TokenGrant> grant = ledger.reserve(r, &why);
    QCOMPARE(grant.has_value(), granted);
    if (!granted) {
        QCOMPARE(why, refusal);
        // A refusal reserves nothing.
        QCOMPARE(ledger.keyReserved(kKey), 0);
        QCOMPARE(ledger.tenantReserved(kTenant), 0);
        return;
    }
    QCOMPARE(grant->reserved, reserved);
    QCOMPARE(grant->completionAllowed, completionAllowed);
    QCOMPARE(ledger.keyReserved(kKey), reserved);
    QCOMPARE(ledger.tenantReserved(kTenant), reserved);
    QCOMPARE(ledger.keySpent(kKey), keySpent);
    QCOMPARE(ledger.tenantUsed(kTenant), tenantUsed);
    QVERIFY(keySpent + reserved <= keyLimit);
    if (tenantQuota != kNoValue)
        QVERIFY(tenantUsed + reserved <= tenantQuota);
}

void TokenLedgerTest::reservationsCountAgainstLaterRequests()
{
    TokenLedger ledger;
    LedgerRefusal why{};
    const auto first = ledger.reserve(request(1000, 100, 500), &why);
    QVERIFY(first);
    QCOMPARE(first->reserved, 600);
    // 400 left: the second gets what remains, the third nothing.
    const auto second = ledger.reserve(request(1000, 100, 500), &why);
    QVERIFY(second);
    QCOMPARE(second->completionAllowed, 300);
    QCOMPARE(second->reserved, 400);
    QVERIFY(!ledger.reserve(request(1000, 1, 1), &why));
    QCOMPARE(why, LedgerRefusal::KeyBudget);
    QCOMPARE(ledger.keyReserved(kKey), 1000);
}

void TokenLedgerTest::settleCapsAtReserved()
{
    TokenLedger ledger;
    LedgerRefusal why{};
    const auto grant = ledger.reserve(request(1000, 100, 50), &why);
    QVERIFY(grant);
    QCOMPARE(grant->reserved, 150);
    // The upstream reports more than it was allowed: billing stops at the reservation.
    QCOMPARE(ledger.settle(kKey, kTenant, grant->reserved, 5000), 150);
    QCOMPARE(ledger.keySpent(kKey), 150);
    QCOMPARE(ledger.keyReserved(kKey), 0);
    QCOMPARE(ledger.tenantUsed(kTenant), 150);
    QCOMPARE(ledger.tenantReserved(kTenant), 0);
}

void TokenLedgerTest::settleOfLessFreesTheRest()
{
    TokenLedger ledger;
    LedgerRefusal why{};
    ReserveRequest r = request(1000, 100);
    r.tenantQuota = 5000;
    const auto grant = ledger.reserve(r, &why);
    QVERIFY(grant);
    QCOMPARE(grant->reserved, 1000); // the whole budget
    QVERIFY(!ledger.reserve(r, &why));

    QCOMPARE(ledger.settle(kKey, kTenant, grant->reserved, 300), 300);
    QCOMPARE(ledger.keySpent(kKey), 300);
    QCOMPARE(ledger.keyReserved(kKey), 0);
    QCOMPARE(ledger.tenantUsed(kTenant), 300);
    QCOMPARE(ledger.tenantReserved(kTenant), 0);

    // The 700 not used are available again.
    const auto next = ledger.reserve(r, &why);
    QVERIFY(next);
    QCOMPARE(next->reserved, 700);
    QCOMPARE(next->completionAllowed, 600);
}

void TokenLedgerTest::settleNegativeBillsNothing()
{
    TokenLedger ledger;
    LedgerRefusal why{};
    const auto grant = ledger.reserve(request(1000, 10, 10), &why);
    QVERIFY(grant);
    QCOMPARE(ledger.settle(kKey, kTenant, grant->reserved, -50), 0);
    QCOMPARE(ledger.keySpent(kKey), 0);
    QCOMPARE(ledger.keyReserved(kKey), 0);
    QCOMPARE(ledger.tenantUsed(kTenant), 0);
}

void TokenLedgerTest::keyStoredOnceLoadedOrMarked()
{
    TokenLedger ledger;
    ledger.loadKeySpent(QStringLiteral("loaded"), 5, 5000);
    QVERIFY(ledger.keyStored(QStringLiteral("loaded")));
    QVERIFY(!ledger.keyStored(QStringLiteral("unknown")));

    ReserveRequest r = request(100, 10, 10);
    r.keyHash = QStringLiteral("new");
    r.keyExpiresAtSecs = 900;
    LedgerRefusal why{};
    const auto grant = ledger.reserve(r, &why);
    QVERIFY(grant);
    QVERIFY(!ledger.keyStored(r.keyHash)); // reserved, but its row is not committed yet
    QVERIFY(!grant->keyStored);
    ledger.markKeyStored(r.keyHash);
    QVERIFY(ledger.keyStored(r.keyHash));
    const auto next = ledger.reserve(r, &why); // the next call on the key learns it with its grant
    QVERIFY(next && next->keyStored);
    ledger.settle(r.keyHash, r.tenantId, next->reserved, 0);
    ledger.markKeyStored(QStringLiteral("never reserved")); // no account: nothing to mark
    QVERIFY(!ledger.keyStored(QStringLiteral("never reserved")));

    ledger.settle(r.keyHash, r.tenantId, grant->reserved, 3);
    QCOMPARE(ledger.pruneExpired(1000), 1);
    QVERIFY(!ledger.keyStored(r.keyHash)); // forgotten with its account
}

void TokenLedgerTest::pruneExpired()
{
    TokenLedger ledger;
    const QString expiredIdle = QStringLiteral("expired-idle");
    const QString expiredBusy = QStringLiteral("expired-busy");
    const QString expiresNow = QStringLiteral("expires-now");
    const QString live = QStringLiteral("live");
    ledger.loadKeySpent(expiredIdle, 10, 900);
    ledger.loadKeySpent(expiresNow, 20, 1000);
    ledger.loadKeySpent(live, 30, 5000);

    ReserveRequest busy = request(100, 10, 10);
    busy.keyHash = expiredBusy;
    busy.keyExpiresAtSecs = 900;
    LedgerRefusal why{};
    const auto grant = ledger.reserve(busy, &why);
    QVERIFY(grant);

    QCOMPARE(ledger.pruneExpired(1000), 1);
    QCOMPARE(ledger.keySpent(expiredIdle), 0);        // forgotten
    QCOMPARE(ledger.keyReserved(expiredBusy), grant->reserved); // kept: a request is in flight
    QCOMPARE(ledger.keySpent(expiresNow), 20);        // not yet before now
    QCOMPARE(ledger.keySpent(live), 30);

    // Once settled, the expired key goes on the next prune; its tenant's usage stays.
    ledger.settle(expiredBusy, kTenant, grant->reserved, 7);
    QCOMPARE(ledger.keySpent(expiredBusy), 7);
    QCOMPARE(ledger.pruneExpired(1001), 2);
    QCOMPARE(ledger.keySpent(expiredBusy), 0);
    QCOMPARE(ledger.keySpent(expiresNow), 0);
    QCOMPARE(ledger.keySpent(live), 30);
    QCOMPARE(ledger.tenantUsed(kTenant), 7);
}

void TokenLedgerTest::concurrentReserveSettle_data()
{
    QTest::addColumn<qint64>("keyLimit");
    QTest::addColumn<qint64>("tenantQuota");
    QTest::addColumn<bool>("keyPerThread"); // each thread a device with its own key, one tenant
    QTest::newRow("key budget binds") << 600'000LL << 1'000'000LL << false;
    QTest::newRow("tenant quota binds") << 1'000'000LL << 600'000LL << false;
    // The keys' accounts are in different shards from each other and from the tenant's.
    QTest::newRow("key budgets bind, a key per thread") << 80'000LL << 100'000'000LL << true;
    QTest::newRow("tenant quota binds over many keys") << 1'000'000LL << 600'000LL << true;
}

void TokenLedgerTest::concurrentReserveSettle()
{
    QFETCH(qint64, keyLimit);
    QFETCH(qint64, tenantQuota);
    QFETCH(bool, keyPerThread);
    constexpr int kThreads = 8;
    QStringList keys;
    for (int t = 0; t < kThreads; ++t)
        keys.append(keyPerThread ? kKey + QString::number(t) : kKey);
    keys.removeDuplicates();
    constexpr int kPairs = 10'000;

    TokenLedger ledger;
    std::atomic<int> violations{0};
    std::atomic<qint64> billedTotal{0};
    std::atomic<int> grants{0};
    std::atomic<int> refusals{0};

    auto worker = [&](int seed) {
        const QString &myKey = keys.at(seed % keys.size());
        std::mt19937 rng(quint32(seed) * 7919u + 1u);
        std::uniform_int_distribution<qint64> prompt(1, 60);
        std::uniform_int_distribution<qint64> completion(0, 120); // 0: the device sent none
        std::uniform_int_distribution<qint64> choices(1, 3);
        std::uniform_int_distribution<int> percent(0, 150);
        for (int i = 0; i < kPairs; ++i) {
            ReserveRequest r;
            r.keyHash = myKey;
            r.tenantId = kTenant;
            r.keyLimit = keyLimit;
            r.keyExpiresAtSecs = 2'000'000'000;
            r.tenantQuota = tenantQuota;
            r.promptUpperBound = prompt(rng);
            if (const qint64 c = completion(rng))
                r.requestedCompletion = c;
            r.defaultCompletion = 200;
            r.choices = choices(rng);
            LedgerRefusal why{};
            const auto grant = ledger.reserve(r, &why);
            if (!grant) {
                ++refusals;
                continue;
            }
            ++grants;
            // Spent only grows, so reading it before the reservations gives a sum no larger
            // than the true one at the second read: a violation seen here is a real one.
            const qint64 keySpent = ledger.keySpent(myKey);
            const qint64 keyReserved = ledger.keyReserved(myKey);
            const qint64 tenantUsed = ledger.tenantUsed(kTenant);
            const qint64 tenantReserved = ledger.tenantReserved(kTenant);
            if (keySpent + keyReserved > keyLimit || tenantUsed + tenantReserved > tenantQuota
                || grant->reserved > keyLimit)
                ++violations;
            // Upstreams report anything from nothing to well over what was allowed.
            const qint64 actual = grant->reserved * percent(rng) / 100;
            billedTotal += ledger.settle(myKey, kTenant, grant->reserved, actual);
        }
    };

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back(worker, t);
    for (std::thread &t : threads)
        t.join();

    QCOMPARE(violations.load(), 0);
    QCOMPARE(grants.load() + refusals.load(), kThreads * kPairs);
    // Both paths ran: the budget was used up part way through.
    QVERIFY(grants.load() > 0);
    QVERIFY(refusals.load() > 0);
    qint64 keysSpent = 0;
    for (const QString &key : keys) {
        QCOMPARE(ledger.keyReserved(key), 0);
        QVERIFY(ledger.keySpent(key) <= keyLimit);
        keysSpent += ledger.keySpent(key);
    }
    QCOMPARE(ledger.tenantReserved(kTenant), 0);
    QVERIFY(ledger.tenantUsed(kTenant) <= tenantQuota);
    QCOMPARE(keysSpent, billedTotal.load());
    QCOMPARE(ledger.tenantUsed(kTenant), billedTotal.load());
}

void TokenLedgerTest::tenantQuotaExactAtItsEdge()
{
    // Devices of one tenant, each with a key of its own, racing for the last tokens of the
    // tenant's quota, one token a reservation and nothing settled: exactly the quota is granted,
    // never a token more. Many short rounds, each started by all threads at once, so that the
    // quota's edge is crossed while every thread is reserving.
    constexpr int kThreads = 4;
    constexpr qint64 kQuota = 64;
    constexpr int kRounds = 2'000;
    int overGranted = 0;
    for (int round = 0; round < kRounds; ++round) {
        TokenLedger ledger;
        std::atomic<int> ready{0};
        std::atomic<qint64> granted{0};
        auto worker = [&](int t) {
            ReserveRequest r;
            r.keyHash = kKey + QString::number(t);
            r.tenantId = kTenant;
            r.keyLimit = 1'000'000;
            r.keyExpiresAtSecs = 2'000'000'000;
            r.tenantQuota = kQuota;
            r.promptUpperBound = 1;
            r.hasCompletion = false; // reserves exactly the prompt: one token
            ++ready;
            while (ready.load() < kThreads)
                std::this_thread::yield();
            LedgerRefusal why{};
            while (ledger.reserve(r, &why))
                ++granted;
        };
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back(worker, t);
        for (std::thread &t : threads)
            t.join();
        if (granted.load() != kQuota || ledger.tenantReserved(kTenant) != kQuota)
            ++overGranted;
    }
    QCOMPARE(overGranted, 0);
}

void TokenLedgerTest::tenantsInTurnKeepTheirOwnAccounts()
{
    // One thread serving three tenants' calls in turn, runs of one tenant among them, and two
    // ledgers (servers in one process), the second given the tenant the first just served
    // (calls 3 and 7): each call is billed to its own tenant and ledger.
    TokenLedger ledger;
    TokenLedger other;
    const QStringList tenants{QStringLiteral("tenant-a"), QStringLiteral("tenant-b"), QStringLiteral("tenant-a2")};
    const QList<int> order{0, 1, 1, 1, 0, 0, 2, 2, 1, 0};
    QMap<QString, qint64> expected;
    QMap<QString, qint64> expectedOther;
    for (int i = 0; i < order.size(); ++i) {
        const QString &tenant = tenants.at(order.at(i));
        ReserveRequest r = request(1'000'000, 10);
        r.keyHash = kKey + QString::number(order.at(i));
        r.tenantId = tenant;
        r.tenantQuota = 1'000;
        r.hasCompletion = false;
        TokenLedger &l = i % 4 == 3 ? other : ledger;
        LedgerRefusal why{};
        const auto grant = l.reserve(r, &why);
        QVERIFY(grant);
        QCOMPARE(l.tenantReserved(tenant), grant->reserved);
        l.settle(r.keyHash, tenant, grant->reserved, i + 1);
        (&l == &ledger ? expected : expectedOther)[tenant] += i + 1;
    }
    QCOMPARE(expectedOther.value(tenants.at(1)), 4); // call 3
    QCOMPARE(expectedOther.value(tenants.at(2)), 8); // call 7
    for (const QString &tenant : tenants) {
        QCOMPARE(ledger.tenantUsed(tenant), expected.value(tenant));
        QCOMPARE(ledger.tenantReserved(tenant), 0);
        QCOMPARE(other.tenantUsed(tenant), expectedOther.value(tenant));
        QCOMPARE(other.tenantReserved(tenant), 0);
    }
}

void TokenLedgerTest::aNewLedgerStartsItsTenantsAtZero()
{
    // Ledgers made and dropped one after another on one thread, often at the same address: each
    // starts every tenant at nothing.
    for (int round = 0; round < 3; ++round) {
        std::optional<TokenLedger> ledger;
        ledger.emplace();
        ReserveRequest r = request(1'000'000, 10);
        r.hasCompletion = false;
        LedgerRefusal why{};
        QCOMPARE(ledger->tenantUsed(kTenant), 0);
        const auto grant = ledger->reserve(r, &why);
        QVERIFY(grant);
        ledger->settle(kKey, kTenant, grant->reserved, 7);
        QCOMPARE(ledger->tenantUsed(kTenant), 7);
        QCOMPARE(ledger->keySpent(kKey), 7);
        ledger.reset();
    }
}

QTEST_GUILESS_MAIN(TokenLedgerTest)
#include "TokenLedgerTest.moc"

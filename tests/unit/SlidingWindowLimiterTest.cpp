// Sliding windows: the limit holds for every window of the given length (no double burst across
// a window edge), Retry-After says when a request fits again, token corrections apply, and the
// count is exact under concurrent callers. Time is passed in, never read.
#include "server/core/policy/RateLimits.h"
#include "server/core/policy/SlidingWindowLimiter.h"

#include <QJsonArray>
#include <QtTest>
#include <atomic>
#include <random>
#include <thread>

using namespace dynaseal;

class SlidingWindowLimiterTest : public QObject
{
    Q_OBJECT
private slots:
    void parsesLimits_data();
    void parsesLimits();
    void noDoubleBurstAcrossWindowEdge();
    void retryAfterPointsToWhenItFits();
    void adjustCorrectsAGrant();
    void heldUnderConcurrency();
    void manyKeysEachExactAndPrunedWhenIdle();
    void runningSumMatchesTheSlots_data();
    void runningSumMatchesTheSlots();
};

void SlidingWindowLimiterTest::parsesLimits_data()
{
    QTest::addColumn<QJsonArray>("lines");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("firstWindowMs");
    QTest::newRow("no-limit") << QJsonArray{QStringLiteral("no-limit")} << true << qint64(0);
    QTest::newRow("ingress minute") << QJsonArray{QStringLiteral("ingress:100/minute")} << true << qint64(60'000);
    QTest::newRow("secret hour") << QJsonArray{QStringLiteral("secret:5/hour")} << true << qint64(3'600'000);
    QTest::newRow("tokens day") << QJsonArray{QStringLiteral("tokens:100000/day")} << true << qint64(86'400'000);
    QTest::newRow("several") << QJsonArray{QStringLiteral("ingress:10/minute"), QStringLiteral("tokens:5/day")} << true << qint64(60'000);
    QTest::newRow("zero") << QJsonArray{QStringLiteral("ingress:0/minute")} << false << qint64(0);
    QTest::newRow("unknown scope") << QJsonArray{QStringLiteral("egress:1/minute")} << false << qint64(0);
    QTest::newRow("unknown unit") << QJsonArray{QStringLiteral("ingress:1/week")} << false << qint64(0);
    QTest::newRow("negative") << QJsonArray{QStringLiteral("ingress:-1/minute")} << false << qint64(0);
    QTest::newRow("spaces inside") << QJsonArray{QStringLiteral("ingress: 1/minute")} << false << qint64(0);
    QTest::newRow("no-limit with a limit") << QJsonArray{QStringLiteral("no-limit"), QStringLiteral("ingress:1/minute")} << false << qint64(0);
    QTest::newRow("not a string") << QJsonArray{7} << false << qint64(0);
}

void SlidingWindowLimiterTest::parsesLimits()
{
    QFETCH(QJsonArray, lines);
    QFETCH(bool, valid);
    QFETCH(qint64, firstWindowMs);
    auto parsed = RateLimits::parse(lines);
    QCOMPARE(std::holds_alternative<RateLimits>(parsed), valid);
    if (!valid) {
        QVERIFY(std::get<ApiError>(parsed).message.contains(QStringLiteral("rate_limits")));
        return;
    }
    const RateLimits limits = std::get<RateLimits>(parsed);
    QCOMPARE(limits.texts(), [&] { QStringList l; for (const auto &v : lines) l << v.toString(); return l; }());
    if (firstWindowMs)
        QCOMPARE(limits.limits().first().windowMs, firstWindowMs);
}

void SlidingWindowLimiterTest::noDoubleBurstAcrossWindowEdge()
{
    // Fixed windows would let 10 requests at 0:59 and 10 more at 1:00. A sliding window must not.
    SlidingWindowLimiter limiter;
    const qint64 window = 60'000;
    const qint64 t0 = 1'000'000 * window; // aligned to a window edge
    int granted = 0;
    for (int i = 0; i < 10; ++i)
        granted += limiter.tryAcquire(QStringLiteral("k"), 1, 10, window, t0 + window - 1000).ok;
    QCOMPARE(granted, 10);
    for (int i = 0; i < 10; ++i)
        granted += limiter.tryAcquire(QStringLiteral("k"), 1, 10, window, t0 + window + 1000).ok;
    QCOMPARE(granted, 10); // still within 60 s of the first burst
    // Check every window ending in the next two minutes, in 250 ms steps: never more than 10.
    QList<qint64> grants;
    for (int i = 0; i < 10; ++i)
        grants << t0 + window - 1000;
    for (qint64 t = t0 + window; t < t0 + 3 * window; t += 250) {
        if (limiter.tryAcquire(QStringLiteral("k"), 1, 10, window, t).ok)
            grants << t;
        const qint64 inWindow = std::count_if(grants.begin(), grants.end(), [&](qint64 g) { return g > t - window && g <= t; });
        QVERIFY2(inWindow <= 10, qPrintable(QStringLiteral("%1 grants in the window ending at +%2 ms").arg(inWindow).arg(t - t0)));
    }
    QVERIFY(grants.size() > 10); // and it does let requests through again later
}

void SlidingWindowLimiterTest::retryAfterPointsToWhenItFits()
{
    SlidingWindowLimiter limiter;
    const qint64 window = 60'000;
    const qint64 t0 = 5'000'000 * window + 30'000;
    QVERIFY(limiter.tryAcquire(QStringLiteral("k"), 3, 3, window, t0).ok);
    const auto refused = limiter.tryAcquire(QStringLiteral("k"), 1, 3, window, t0 + 10'000);
    QVERIFY(!refused.ok);
    QVERIFY(refused.retryAfterMs > 0);
    QVERIFY(refused.retryAfterMs <= window);
    // Just before the hint it is still refused; at the hint it fits.
    QVERIFY(!limiter.tryAcquire(QStringLiteral("k"), 1, 3, window, t0 + 10'000 + refused.retryAfterMs - 1).ok);
    QVERIFY(limiter.tryAcquire(QStringLiteral("k"), 1, 3, window, t0 + 10'000 + refused.retryAfterMs).ok);
    // More than the limit never fits: the hint is a whole window.
    const auto never = limiter.tryAcquire(QStringLiteral("other"), 4, 3, window, t0);
    QVERIFY(!never.ok);
    QCOMPARE(never.retryAfterMs, window);
}

void SlidingWindowLimiterTest::adjustCorrectsAGrant()
{
    SlidingWindowLimiter limiter;
    const qint64 window = 3'600'000;
    const qint64 now = 7'000'000'000;
    const auto grant = limiter.tryAcquire(QStringLiteral("tokens"), 900, 1000, window, now);
    QVERIFY(grant.ok);
    QVERIFY(!limiter.tryAcquire(QStringLiteral("tokens"), 200, 1000, window, now).ok);
    limiter.adjust(QStringLiteral("tokens"), window, grant.slot, -800); // billed 100 of 900 reserved
    QCOMPARE(limiter.count(QStringLiteral("tokens"), window, now), 100);
    QVERIFY(limiter.tryAcquire(QStringLiteral("tokens"), 200, 1000, window, now).ok);
    QCOMPARE(limiter.count(QStringLiteral("tokens"), window, now + window + window / 30), 0); // slid out entirely
}

void SlidingWindowLimiterTest::heldUnderConcurrency()
{
    SlidingWindowLimiter limiter;
    std::atomic<int> granted{0};
    const qint64 now = 9'000'000'000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5000; ++i)
                granted += limiter.tryAcquire(QStringLiteral("shared"), 1, 1234, 60'000, now).ok;
        });
    }
    for (auto &t : threads)
        t.join();
    QCOMPARE(granted.load(), 1234);
}

void SlidingWindowLimiterTest::manyKeysEachExactAndPrunedWhenIdle()
{
    // Keys spread over the limiter's shards: each is limited on its own, from many threads, and
    // prune() finds the idle ones in every shard.
    SlidingWindowLimiter limiter;
    const qint64 now = 9'000'000'000;
    constexpr int kKeys = 64;
    std::vector<std::atomic<int>> granted(kKeys);
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 3000; ++i) {
                const int k = (i + t) % kKeys;
                granted[size_t(k)] += limiter.tryAcquire(QStringLiteral("key-%1").arg(k), 1, 17, 60'000, now).ok;
            }
        });
    }
    for (auto &t : threads)
        t.join();
    for (int k = 0; k < kKeys; ++k)
        QCOMPARE(granted[size_t(k)].load(), 17);
    QVERIFY(limiter.tryAcquire(QStringLiteral("recent"), 1, 17, 60'000, now + 120'000).ok);
    QCOMPARE(limiter.prune(now + 125'000), kKeys); // all but "recent"
    QCOMPARE(limiter.count(QStringLiteral("recent"), 60'000, now + 125'000), 1);
    QCOMPARE(limiter.count(QStringLiteral("key-0"), 60'000, now + 125'000), 0);
}

void SlidingWindowLimiterTest::runningSumMatchesTheSlots_data()
{
    QTest::addColumn<qint64>("maxStepMs"); // how far the clock may move between calls
    QTest::addColumn<quint32>("seed");
    QTest::newRow("steps within a slot") << 500LL << 1u;
    QTest::newRow("steps over a few slots") << 4'000LL << 2u;
    QTest::newRow("jumps past the whole window") << 90'000LL << 3u;
}

void SlidingWindowLimiterTest::runningSumMatchesTheSlots()
{
    // The limiter keeps a window's total as its counts change (grants, corrections, slots sliding
    // out). A model that keeps every grant and sums the last 61 slots on each check must agree
    // with it after any sequence of those.
    QFETCH(qint64, maxStepMs);
    QFETCH(quint32, seed);
    const qint64 window = 60'000;
    const qint64 span = window / SlidingWindowLimiter::kSlots;
    const qint64 limit = 500;
    SlidingWindowLimiter limiter;
    std::mt19937 rng(seed);
    QMap<qint64, qint64> model; // slot -> amount counted there
    QList<QPair<qint64, qint64>> grants; // (slot, amount) that may still be corrected
    qint64 now = 5'000'000'000;
    auto modelTotal = [&](qint64 at) {
        const qint64 newest = at / span;
        qint64 sum = 0;
        for (auto it = model.cbegin(); it != model.cend(); ++it)
            if (it.key() > newest - SlidingWindowLimiter::kSlots - 1 && it.key() <= newest)
                sum += it.value();
        return sum;
    };
    for (int i = 0; i < 4000; ++i) {
        now += std::uniform_int_distribution<qint64>(0, maxStepMs)(rng);
        const qint64 newest = now / span;
        if (std::uniform_int_distribution<int>(0, 3)(rng) == 0 && !grants.isEmpty()) {
            // Correct an earlier grant down, as a settled token reservation does.
            const qsizetype g = std::uniform_int_distribution<qsizetype>(0, grants.size() - 1)(rng);
            const auto [slot, amount] = grants.takeAt(g);
            const qint64 delta = -std::uniform_int_distribution<qint64>(0, amount)(rng);
            limiter.adjust(QStringLiteral("k"), window, slot, delta);
            if (slot > newest - SlidingWindowLimiter::kSlots - 1)
                model[slot] = std::max<qint64>(0, model.value(slot) + delta);
        } else {
            const qint64 amount = std::uniform_int_distribution<qint64>(1, 40)(rng);
            const auto got = limiter.tryAcquire(QStringLiteral("k"), amount, limit, window, now);
            QCOMPARE(got.ok, modelTotal(now) + amount <= limit);
            if (got.ok) {
                QCOMPARE(got.slot, newest);
                model[got.slot] += amount;
                grants.append({got.slot, amount});
            }
        }
        QCOMPARE(limiter.count(QStringLiteral("k"), window, now), modelTotal(now));
    }
}

QTEST_GUILESS_MAIN(SlidingWindowLimiterTest)
#include "SlidingWindowLimiterTest.moc"

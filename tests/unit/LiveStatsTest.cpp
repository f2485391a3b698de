// Live per-second figures: sums per second, filters by tenant and model, latency percentiles
// from the bounded histogram, and the 15-minute horizon (older seconds are overwritten).
#include "server/core/LiveStats.h"

#include <QtTest>

using namespace dynaseal;

class LiveStatsTest : public QObject
{
    Q_OBJECT
private slots:
    void sumsPerSecondAndFilters();
    void percentilesFollowTheSamples();
    void forgetsBeyondTheHorizon();
};

static constexpr qint64 kT0 = 1'800'000'000'000;

void LiveStatsTest::sumsPerSecondAndFilters()
{
    LiveStats stats;
    stats.record(QStringLiteral("a"), QStringLiteral("m1"), true, 10, 5, kT0 + 100);
    stats.record(QStringLiteral("a"), QStringLiteral("m2"), false, 0, 5, kT0 + 900);
    stats.record(QStringLiteral("b"), QStringLiteral("m1"), true, 7, 5, kT0 + 999);
    stats.record(QStringLiteral("a"), QStringLiteral("m1"), true, 1, 5, kT0 + 1000);
    const QList<LivePoint> all = stats.points(kT0, kT0 + 3000);
    QCOMPARE(all.size(), 3);
    QCOMPARE(all.at(0).requests, 3);
    QCOMPARE(all.at(0).errors, 1);
    QCOMPARE(all.at(0).tokens, 17);
    QCOMPARE(all.at(1).requests, 1);
    QCOMPARE(all.at(2).requests, 0); // a quiet second is still a point
    QCOMPARE(stats.points(kT0, kT0 + 1000, QStringLiteral("a")).first().requests, 2);
    QCOMPARE(stats.points(kT0, kT0 + 1000, QString(), QStringLiteral("m1")).first().tokens, 17);
    QCOMPARE(stats.points(kT0, kT0 + 1000, QStringLiteral("a"), QStringLiteral("m2")).first().errors, 1);
}

void LiveStatsTest::percentilesFollowTheSamples()
{
    LiveStats stats;
    for (int i = 0; i < 90; ++i)
        stats.record(QStringLiteral("a"), QStringLiteral("m"), true, 1, 3, kT0);    // fast
    for (int i = 0; i < 10; ++i)
        stats.record(QStringLiteral("a"), QStringLiteral("m"), true, 1, 1500, kT0); // slow
    const LivePoint p = stats.points(kT0, kT0 + 1000).first();
    QVERIFY2(p.p50Ms > 2 && p.p50Ms <= 5, qPrintable(QString::number(p.p50Ms)));      // in the 2-5 ms bucket
    QVERIFY2(p.p95Ms > 1000 && p.p95Ms <= 2000, qPrintable(QString::number(p.p95Ms))); // in the 1-2 s bucket
}

void LiveStatsTest::forgetsBeyondTheHorizon()
{
    LiveStats stats;
    stats.record(QStringLiteral("a"), QStringLiteral("m"), true, 1, 1, kT0);
    // The same ring slot, one horizon later: the old second is gone, the new one counted alone.
    const qint64 later = kT0 + qint64(LiveStats::kSeconds) * 1000;
    stats.record(QStringLiteral("a"), QStringLiteral("m"), true, 5, 1, later);
    QCOMPARE(stats.points(later, later + 1000).first().tokens, 5);
    QCOMPARE(stats.points(kT0, kT0 + 1000).first().requests, 0); // overwritten, not mixed in
    QCOMPARE(stats.points(kT0, later + 1000).size(), LiveStats::kSeconds); // never more than the horizon
}

QTEST_GUILESS_MAIN(LiveStatsTest)
#include "LiveStatsTest.moc"

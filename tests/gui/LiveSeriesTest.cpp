// The dashboard's rolling 15 minutes: history replaces, stats points extend, old seconds drop.
#include "console/core/LiveSeries.h"

#include <QSignalSpy>
#include <QtTest>

using namespace dynaseal::console;

namespace {
constexpr qint64 kStart = 1'795'426'000'000; // a whole second

LiveSample sample(qint64 second, double requests, double errors = 0, double tokens = 0)
{
    LiveSample s;
    s.t = kStart + second * 1000;
    s.requests = requests;
    s.errors = errors;
    s.tokens = tokens;
    s.p50Ms = requests > 0 ? 10 : 0;
    s.p95Ms = requests > 0 ? 40 * requests : 0;
    return s;
}
} // namespace

class LiveSeriesTest : public QObject
{
    Q_OBJECT
private slots:
    void readsServerPoints()
    {
        const QJsonObject point { { QStringLiteral("t"), kStart }, { QStringLiteral("requests"), 3 },
            { QStringLiteral("errors"), 1 }, { QStringLiteral("tokens"), 42 }, { QStringLiteral("p50_ms"), 12.5 },
            { QStringLiteral("p95_ms"), 88 } };
        const LiveSample s = LiveSample::fromJson(point);
        QCOMPARE(s.t, kStart);
        QCOMPARE(s.requests, 3.0);
        QCOMPARE(s.errors, 1.0);
        QCOMPARE(s.tokens, 42.0);
        QCOMPARE(s.p50Ms, 12.5);
        QCOMPARE(s.p95Ms, 88.0);
        QVERIFY(!s.isEmpty());
        QVERIFY(LiveSample::fromJson({}).isEmpty());
    }

    void historyKeepsTheLastFifteenMinutes_data()
    {
        QTest::addColumn<int>("seconds"); // points in the history, one a second
        QTest::addColumn<int>("kept");
        QTest::newRow("empty") << 0 << 0;
        QTest::newRow("one") << 1 << 1;
        QTest::newRow("exactly 15 min") << 900 << 900;
        QTest::newRow("20 min") << 1200 << 900;
    }
    void historyKeepsTheLastFifteenMinutes()
    {
        QFETCH(int, seconds);
        QFETCH(int, kept);
        LiveSeries series;
        QSignalSpy reset(&series, &LiveSeries::reset);
        QList<LiveSample> points;
        for (int i = 0; i < seconds; ++i)
            points.append(sample(i, i % 3));
        series.setHistory(points);
        QCOMPARE(reset.count(), 1);
        QCOMPARE(series.samples().size(), kept);
        if (kept > 0) {
            QCOMPARE(series.latest(), kStart + qint64(seconds - 1) * 1000);
            QVERIFY(series.samples().constFirst().t > series.latest() - LiveSeries::kWindowMs);
        }
    }

    void appendRollsTheWindow()
    {
        LiveSeries series;
        QList<LiveSample> points;
        for (int i = 0; i < 900; ++i)
            points.append(sample(i, 0));
        series.setHistory(points);
        QSignalSpy appended(&series, &LiveSeries::appended);

        QVERIFY(series.append(sample(900, 2, 1, 30)));
        QCOMPARE(appended.count(), 1);
        QCOMPARE(appended.at(0).at(1).toInt(), 1); // the oldest second dropped
        QCOMPARE(series.samples().size(), 900);
        QCOMPARE(series.latest(), kStart + 900'000);

        // A gap (the stream was down): everything older than 15 minutes before the new point goes.
        QVERIFY(series.append(sample(1500, 1)));
        QCOMPARE(series.samples().size(), 301);
    }

    void ignoresOldOrRepeatedSeconds()
    {
        LiveSeries series;
        QVERIFY(series.append(sample(10, 1)));
        QVERIFY(!series.append(sample(10, 5)));
        QVERIFY(!series.append(sample(9, 5)));
        QCOMPARE(series.samples().size(), 1);
        QCOMPARE(series.samples().constFirst().requests, 1.0);
    }

    void totals()
    {
        LiveSeries series;
        QVERIFY(!series.hasTraffic());
        series.setHistory({ sample(0, 0), sample(1, 2, 1, 20), sample(2, 0), sample(3, 3, 0, 45) });
        QVERIFY(series.hasTraffic());
        const LiveTotals t = series.totals();
        QCOMPARE(t.requests, 5.0);
        QCOMPARE(t.errors, 1.0);
        QCOMPARE(t.tokens, 65.0);
        QCOMPARE(t.p95Ms, 120.0);
        series.clear();
        QCOMPARE(series.totals().requests, 0.0);
        QCOMPARE(series.latest(), 0);
    }
};

QTEST_GUILESS_MAIN(LiveSeriesTest)
#include "LiveSeriesTest.moc"

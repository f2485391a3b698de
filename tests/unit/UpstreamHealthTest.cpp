// Upstream health: failures in a row take an upstream out for its cool-down, a success brings it
// back, and a call's order of upstreams holds only healthy ones, drawn by weight. Time is passed
// in, never read.
#include "server/core/UpstreamHealth.h"

#include <QTest>

using namespace dynaseal;

class UpstreamHealthTest : public QObject
{
    Q_OBJECT
private slots:
    void ejection_data();
    void ejection();
    void orderHoldsHealthyOnesByWeight();
};

namespace {

constexpr qint64 kNow = 1'700'000'000'000;
constexpr qint64 kCooldown = 30'000;

Upstream upstream(const QString &id, int weight)
{
    Upstream u;
    u.id = id;
    u.name = id;
    u.weight = weight;
    return u;
}

} // namespace

void UpstreamHealthTest::ejection_data()
{
    // Events for upstream "a": 'f' a failure, 's' a success, at kNow; then its health at kNow and
    // just before and at the end of the cool-down.
    QTest::addColumn<int>("failuresToEject");
    QTest::addColumn<QString>("events");
    QTest::addColumn<bool>("healthyNow");
    QTest::addColumn<bool>("healthyAfterCooldown");
    QTest::newRow("nothing on record") << 3 << "" << true << true;
    QTest::newRow("two failures stay in") << 3 << "ff" << true << true;
    QTest::newRow("three in a row take it out") << 3 << "fff" << false << true;
    QTest::newRow("a success in between starts the count again") << 3 << "ffsff" << true << true;
    QTest::newRow("a success brings it back at once") << 3 << "fffs" << true << true;
    QTest::newRow("one failure when the threshold is 1") << 1 << "f" << false << true;
    QTest::newRow("never ejected with 0") << 0 << "ffffff" << true << true;
    QTest::newRow("a success with nothing on record") << 3 << "sfff" << false << true;
}

void UpstreamHealthTest::ejection()
{
    QFETCH(int, failuresToEject);
    QFETCH(QString, events);
    QFETCH(bool, healthyNow);
    QFETCH(bool, healthyAfterCooldown);
    UpstreamHealth health(failuresToEject, kCooldown);
    for (QChar e : events) {
        if (e == QLatin1Char('f'))
            health.markFailure(QStringLiteral("a"), kNow);
        else
            health.markSuccess(QStringLiteral("a"));
    }
    QCOMPARE(health.isHealthy(QStringLiteral("a"), kNow), healthyNow);
    QCOMPARE(health.isHealthy(QStringLiteral("a"), kNow + kCooldown - 1), healthyNow);
    QCOMPARE(health.isHealthy(QStringLiteral("a"), kNow + kCooldown), healthyAfterCooldown);
    QVERIFY(health.isHealthy(QStringLiteral("b"), kNow)); // another upstream is not touched
    // After the cool-down one more failure takes it out again.
    if (!healthyNow) {
        health.markFailure(QStringLiteral("a"), kNow + kCooldown);
        QVERIFY(!health.isHealthy(QStringLiteral("a"), kNow + kCooldown + 1));
    }
}

void UpstreamHealthTest::orderHoldsHealthyOnesByWeight()
{
    UpstreamHealth health(1, kCooldown);
    const Upstream light = upstream(QStringLiteral("light"), 1);
    const Upstream heavy = upstream(QStringLiteral("heavy"), 3);
    const Upstream down = upstream(QStringLiteral("down"), 100);
    health.markFailure(down.id, kNow);
    QRandomGenerator random(42);

    const QList<Upstream> one = health.order({&light}, kNow, random);
    QCOMPARE(one.size(), 1);
    QCOMPARE(one.first().id, light.id);
    QVERIFY(health.order({&down}, kNow, random).isEmpty());

    int heavyFirst = 0;
    constexpr int kDraws = 4000;
    for (int i = 0; i < kDraws; ++i) {
        const QList<Upstream> order = health.order({&light, &down, &heavy}, kNow, random);
        QCOMPARE(order.size(), 2); // "down" is out, both others follow in some order
        QVERIFY(order.at(0).id != order.at(1).id);
        heavyFirst += order.first().id == heavy.id;
    }
    // Weight 3 against 1: first three times in four (±5 % of the draws).
    QVERIFY2(qAbs(heavyFirst - kDraws * 3 / 4) < kDraws / 20, qPrintable(QString::number(heavyFirst)));

    health.markSuccess(down.id); // back, and with weight 100 nearly always first
    QCOMPARE(health.order({&light, &down, &heavy}, kNow, random).size(), 3);
}

QTEST_GUILESS_MAIN(UpstreamHealthTest)
#include "UpstreamHealthTest.moc"

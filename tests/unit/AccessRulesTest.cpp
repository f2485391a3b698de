// Allow/deny rules: parsing with line-numbered errors, matching of ip, secret and time rules, and
// the allow-over-deny verdict.
#include "server/core/policy/AccessRules.h"

#include <QDateTime>
#include <QJsonArray>
#include <QtTest>

using namespace dynaseal;

namespace {
// 2026-03-10 (a Tuesday) at HH:MM in UTC.
qint64 utcAt(int hour, int minute)
{
    return QDateTime(QDate(2026, 3, 10), QTime(hour, minute), Qt::UTC).toMSecsSinceEpoch();
}
} // namespace

class AccessRulesTest : public QObject
{
    Q_OBJECT
private slots:
    void refusesBadRules_data();
    void refusesBadRules();
    void matches_data();
    void matches();
    void verdict_data();
    void verdict();
};

void AccessRulesTest::refusesBadRules_data()
{
    QTest::addColumn<QJsonValue>("list");
    QTest::addColumn<QString>("expectInMessage");
    QTest::newRow("not a list") << QJsonValue(QStringLiteral("ip:1.2.3.4")) << QStringLiteral("must be a list");
    QTest::newRow("not a string") << QJsonValue(QJsonArray{42}) << QStringLiteral("line 1");
    QTest::newRow("no type") << QJsonValue(QJsonArray{QStringLiteral("1.2.3.4")}) << QStringLiteral("type:value");
    QTest::newRow("unknown type") << QJsonValue(QJsonArray{QStringLiteral("host:example.com")}) << QStringLiteral("unknown rule type");
    QTest::newRow("empty value") << QJsonValue(QJsonArray{QStringLiteral("ip:")}) << QStringLiteral("no value");
    QTest::newRow("bad address on line 2") << QJsonValue(QJsonArray{QStringLiteral("ip:10.0.0.1"), QStringLiteral("ip:300.1.1.1")}) << QStringLiteral("line 2");
    QTest::newRow("bad CIDR prefix") << QJsonValue(QJsonArray{QStringLiteral("ip:10.0.0.0/33")}) << QStringLiteral("CIDR");
    QTest::newRow("bad IPv6 CIDR") << QJsonValue(QJsonArray{QStringLiteral("ip:2001:db8::/129")}) << QStringLiteral("CIDR");
    QTest::newRow("bad regex") << QJsonValue(QJsonArray{QStringLiteral("secret:(unclosed")}) << QStringLiteral("regular expression");
    QTest::newRow("time without range") << QJsonValue(QJsonArray{QStringLiteral("time:09:00")}) << QStringLiteral("HH:MM-HH:MM");
    QTest::newRow("time hour 24") << QJsonValue(QJsonArray{QStringLiteral("time:09:00-24:00")}) << QStringLiteral("HH:MM-HH:MM");
    QTest::newRow("time minute 60") << QJsonValue(QJsonArray{QStringLiteral("time:09:60-10:00")}) << QStringLiteral("HH:MM-HH:MM");
    QTest::newRow("time empty range") << QJsonValue(QJsonArray{QStringLiteral("time:10:00-10:00")}) << QStringLiteral("empty");
    QTest::newRow("time unknown zone") << QJsonValue(QJsonArray{QStringLiteral("time:09:00-17:00 Mars/Olympus")}) << QStringLiteral("time zone");
    QTest::newRow("time extra words") << QJsonValue(QJsonArray{QStringLiteral("time:09:00-17:00 UTC extra")}) << QStringLiteral("time:HH:MM-HH:MM");
}

void AccessRulesTest::refusesBadRules()
{
    QFETCH(QJsonValue, list);
    QFETCH(QString, expectInMessage);
    auto parsed = AccessRules::parse(list, QStringLiteral("allow"));
    QVERIFY(std::holds_alternative<ApiError>(parsed));
    const ApiError e = std::get<ApiError>(parsed);
    QCOMPARE(e.status, 400);
    QCOMPARE(e.code, QStringLiteral("invalid_rule"));
    QVERIFY2(e.message.contains(expectInMessage), qPrintable(e.message));
    QVERIFY2(e.message.contains(QStringLiteral("\"allow\"")), qPrintable(e.message));
}

void AccessRulesTest::matches_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("address");
    QTest::addColumn<QByteArray>("credential");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<bool>("match");
    const qint64 noon = utcAt(12, 0);
    QTest::newRow("ip exact") << "ip:10.1.2.3" << "10.1.2.3" << QByteArray() << noon << true;
    QTest::newRow("ip exact other") << "ip:10.1.2.3" << "10.1.2.4" << QByteArray() << noon << false;
    QTest::newRow("ipv4 cidr in") << "ip:10.0.0.0/8" << "10.200.3.4" << QByteArray() << noon << true;
    QTest::newRow("ipv4 cidr out") << "ip:10.0.0.0/8" << "11.0.0.1" << QByteArray() << noon << false;
    QTest::newRow("ipv4-mapped client") << "ip:192.168.0.0/16" << "::ffff:192.168.5.6" << QByteArray() << noon << true;
    QTest::newRow("ipv6 cidr in") << "ip:2001:db8::/32" << "2001:db8:1::7" << QByteArray() << noon << true;
    QTest::newRow("ipv6 cidr out") << "ip:2001:db8::/32" << "2001:db9::1" << QByteArray() << noon << false;
    QTest::newRow("ipv6 vs ipv4") << "ip:::1" << "127.0.0.1" << QByteArray() << noon << false;
    QTest::newRow("secret regex") << "secret:^dsk_test_" << "1.1.1.1" << QByteArray("dsk_test_abc") << noon << true;
    QTest::newRow("secret regex miss") << "secret:^dsk_test_" << "1.1.1.1" << QByteArray("dsk_live_abc") << noon << false;
    QTest::newRow("time inside (UTC)") << "time:09:00-17:00 UTC" << "1.1.1.1" << QByteArray() << noon << true;
    QTest::newRow("time start inclusive") << "time:12:00-17:00 UTC" << "1.1.1.1" << QByteArray() << noon << true;
    QTest::newRow("time end exclusive") << "time:09:00-12:00 UTC" << "1.1.1.1" << QByteArray() << noon << false;
    QTest::newRow("across midnight, late") << "time:22:00-06:00 UTC" << "1.1.1.1" << QByteArray() << utcAt(23, 30) << true;
    QTest::newRow("across midnight, early") << "time:22:00-06:00 UTC" << "1.1.1.1" << QByteArray() << utcAt(5, 59) << true;
    QTest::newRow("across midnight, day") << "time:22:00-06:00 UTC" << "1.1.1.1" << QByteArray() << noon << false;
    // 12:00 UTC is 20:00 in Shanghai (UTC+8, no DST).
    QTest::newRow("named zone in") << "time:19:00-21:00 Asia/Shanghai" << "1.1.1.1" << QByteArray() << noon << true;
    QTest::newRow("named zone out") << "time:11:00-13:00 Asia/Shanghai" << "1.1.1.1" << QByteArray() << noon << false;
}

void AccessRulesTest::matches()
{
    QFETCH(QString, rule);
    QFETCH(QString, address);
    QFETCH(QByteArray, credential);
    QFETCH(qint64, nowMs);
    QFETCH(bool, match);
    auto parsed = AccessRule::parse(rule);
    if (auto *why = std::get_if<QString>(&parsed))
        QFAIL(qPrintable(*why));
    QCOMPARE(std::get<AccessRule>(parsed).matches(RequestFacts{QHostAddress(address), credential, nowMs}), match);
}

void AccessRulesTest::verdict_data()
{
    QTest::addColumn<QJsonArray>("allow");
    QTest::addColumn<QJsonArray>("deny");
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("refusalCode"); // empty: let through
    const QJsonArray office{QStringLiteral("ip:10.0.0.0/8")};
    const QJsonArray badHost{QStringLiteral("ip:10.6.6.6")};
    QTest::newRow("no rules") << QJsonArray() << QJsonArray() << "8.8.8.8" << QString();
    QTest::newRow("deny hit") << QJsonArray() << badHost << "10.6.6.6" << "denied_by_rule";
    QTest::newRow("deny miss") << QJsonArray() << badHost << "10.6.6.7" << QString();
    QTest::newRow("allow hit") << office << QJsonArray() << "10.1.1.1" << QString();
    QTest::newRow("allow miss") << office << QJsonArray() << "8.8.8.8" << "not_allowed_by_rule";
    QTest::newRow("allow wins over deny") << office << badHost << "10.6.6.6" << QString();
}

void AccessRulesTest::verdict()
{
    QFETCH(QJsonArray, allow);
    QFETCH(QJsonArray, deny);
    QFETCH(QString, address);
    QFETCH(QString, refusalCode);
    const AccessRules a = std::get<AccessRules>(AccessRules::parse(allow, QStringLiteral("allow")));
    const AccessRules d = std::get<AccessRules>(AccessRules::parse(deny, QStringLiteral("deny")));
    const auto refusal = AccessRules::check(a, d, RequestFacts{QHostAddress(address), QByteArray(), utcAt(12, 0)});
    QCOMPARE(refusal ? refusal->code : QString(), refusalCode);
    if (refusal)
        QCOMPARE(refusal->status, 403);
}

QTEST_GUILESS_MAIN(AccessRulesTest)
#include "AccessRulesTest.moc"

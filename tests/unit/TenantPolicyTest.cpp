// Tenant policy fields: each refused with the field and reason when malformed, merged field by
// field, stored and read back unchanged; rewrite order; where the secret is read from.
#include "server/core/policy/TenantPolicy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

using namespace dynaseal;

namespace {
QJsonObject obj(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}
} // namespace

class TenantPolicyTest : public QObject
{
    Q_OBJECT
private slots:
    void refusesBadFields_data();
    void refusesBadFields();
    void mergesOnlyNamedFields();
    void roundTripsThroughStorage();
    void rewriteOrder_data();
    void rewriteOrder();
    void keyPosition_data();
    void keyPosition();
};

void TenantPolicyTest::refusesBadFields_data()
{
    QTest::addColumn<QJsonObject>("fields");
    QTest::addColumn<QString>("field");
    QTest::newRow("auth unknown") << obj(R"({"auth":"oauth"})") << "auth";
    QTest::newRow("regex auth without regex") << obj(R"({"auth":"regex"})") << "regex";
    QTest::newRow("regex invalid") << obj(R"({"auth":"regex","regex":"(["})") << "regex";
    QTest::newRow("regex not string") << obj(R"({"regex":5})") << "regex";
    QTest::newRow("key_position kind") << obj(R"({"key_position":"cookie:sid"})") << "key_position";
    QTest::newRow("key_position empty name") << obj(R"({"key_position":"header:"})") << "key_position";
    QTest::newRow("active string") << obj(R"({"active":"yes"})") << "active";
    QTest::newRow("expires_at not a time") << obj(R"({"expires_at":"tomorrow"})") << "expires_at";
    QTest::newRow("expires_at number") << obj(R"({"expires_at":1700000000})") << "expires_at";
    QTest::newRow("allowed_models not list") << obj(R"({"allowed_models":"m1"})") << "allowed_models";
    QTest::newRow("allowed_models blank") << obj(R"({"allowed_models":[""]})") << "allowed_models";
    QTest::newRow("rate_limits bad line") << obj(R"({"rate_limits":["ingress:10/minute","tokens:x/day"]})") << "rate_limits";
    QTest::newRow("allow bad rule") << obj(R"({"allow":["ip:1.2.3.4","ip:nope"]})") << "allow";
    QTest::newRow("deny bad rule") << obj(R"({"deny":["time:25:00-01:00"]})") << "deny";
    QTest::newRow("retries negative") << obj(R"({"retries":-1})") << "retries";
    QTest::newRow("retries too many") << obj(R"({"retries":11})") << "retries";
    QTest::newRow("retries fraction") << obj(R"({"retries":1.5})") << "retries";
    QTest::newRow("callback_batch zero") << obj(R"({"callback_batch":0})") << "callback_batch";
    QTest::newRow("callback_batch too large") << obj(R"({"callback_batch":1001})") << "callback_batch";
    QTest::newRow("callback_batch fraction") << obj(R"({"callback_batch":2.5})") << "callback_batch";
    QTest::newRow("callback_batch string") << obj(R"({"callback_batch":"50"})") << "callback_batch";
    QTest::newRow("callback_batch null") << obj(R"({"callback_batch":null})") << "callback_batch";
    QTest::newRow("template without query") << obj(R"({"prompt_template":"Answer politely."})") << "prompt_template";
    QTest::newRow("template not string") << obj(R"({"prompt_template":["{{query}}"]})") << "prompt_template";
    QTest::newRow("param_map not object") << obj(R"({"param_map":[["a","b"]]})") << "param_map";
    QTest::newRow("param_map bad pair") << obj(R"({"param_map":{"model":[["only-one"]]}})") << "param_map.model";
    QTest::newRow("param_fixed not object") << obj(R"({"param_fixed":0.2})") << "param_fixed";
    QTest::newRow("param_fixed managed field") << obj(R"({"param_fixed":{"max_tokens":5}})") << "param_fixed.max_tokens";
}

void TenantPolicyTest::refusesBadFields()
{
    QFETCH(QJsonObject, fields);
    QFETCH(QString, field);
    auto merged = TenantPolicy::merge(TenantPolicy(), fields);
    QVERIFY(std::holds_alternative<ApiError>(merged));
    const ApiError e = std::get<ApiError>(merged);
    QCOMPARE(e.status, 400);
    QVERIFY2(e.message.contains(QLatin1Char('"') + field + QLatin1Char('"')), qPrintable(e.message));
}

void TenantPolicyTest::mergesOnlyNamedFields()
{
    auto first = TenantPolicy::merge(TenantPolicy(), obj(R"({"retries":2,"allowed_models":["m1"],"deny":["ip:10.0.0.1"]})"));
    QVERIFY(std::holds_alternative<TenantPolicy>(first));
    auto second = TenantPolicy::merge(std::get<TenantPolicy>(first), obj(R"({"active":false})"));
    QVERIFY(std::holds_alternative<TenantPolicy>(second));
    const TenantPolicy p = std::get<TenantPolicy>(second);
    QCOMPARE(p.retries, 2);
    QCOMPARE(p.allowedModels, QStringList{QStringLiteral("m1")});
    QCOMPARE(p.deny.texts(), QStringList{QStringLiteral("ip:10.0.0.1")});
    QCOMPARE(p.active, false);
    // A regex tenant keeps its regex when another field changes, and may not drop it.
    auto regexTenant = TenantPolicy::merge(TenantPolicy(), obj(R"({"auth":"regex","regex":"^sk-[a-z]+$"})"));
    QVERIFY(std::holds_alternative<TenantPolicy>(regexTenant));
    QVERIFY(std::holds_alternative<TenantPolicy>(TenantPolicy::merge(std::get<TenantPolicy>(regexTenant), obj(R"({"retries":1})"))));
    QVERIFY(std::holds_alternative<ApiError>(TenantPolicy::merge(std::get<TenantPolicy>(regexTenant), obj(R"({"regex":null})"))));
}

void TenantPolicyTest::roundTripsThroughStorage()
{
    const QJsonObject fields = obj(R"({"auth":"regex","regex":"^sk-","key_position":"arg:key","active":false,
        "expires_at":"2027-01-31T23:59:59.000Z","allowed_models":["m1","m2"],"rate_limits":["ingress:10/minute","tokens:500/day"],
        "allow":["ip:10.0.0.0/8"],"deny":["secret:^bad","time:22:00-06:00 UTC"],"retries":3,
        "prompt_template":"Acme support. Question: {{query}}","param_map":{"model":[["deepseek","deepseek-qwen2-7b"]]},
        "param_fixed":{"temperature":0.2},"callback_batch":250})");
    auto merged = TenantPolicy::merge(TenantPolicy(), fields);
    QVERIFY(std::holds_alternative<TenantPolicy>(merged));
    const QJsonObject stored = std::get<TenantPolicy>(merged).toJson();
    QCOMPARE(stored, fields);
    auto reread = TenantPolicy::fromJson(stored);
    QVERIFY(std::holds_alternative<TenantPolicy>(reread));
    QCOMPARE(std::get<TenantPolicy>(reread).toJson(), fields);
    // Defaults read back as the documented defaults.
    QCOMPARE(TenantPolicy().toJson().value("auth").toString(), QStringLiteral("jwt"));
    QCOMPARE(TenantPolicy().toJson().value("key_position").toString(), QStringLiteral("header:Authorization"));
    QCOMPARE(TenantPolicy().toJson().value("callback_batch").toInt(), 1);
}

void TenantPolicyTest::rewriteOrder_data()
{
    QTest::addColumn<QJsonObject>("policy");
    QTest::addColumn<QJsonObject>("request");
    QTest::addColumn<QJsonObject>("expected");
    QTest::newRow("map then fix") << obj(R"({"param_map":{"model":[["deepseek","deepseek-qwen2-7b"]],"temperature":[[1,0.5]]},"param_fixed":{"temperature":0.2}})")
                                  << obj(R"({"model":"deepseek","temperature":1,"messages":[{"role":"user","content":"hi"}]})")
                                  << obj(R"({"model":"deepseek-qwen2-7b","temperature":0.2,"messages":[{"role":"user","content":"hi"}]})");
    QTest::newRow("unmapped value kept") << obj(R"({"param_map":{"model":[["a","b"]]}})")
                                         << obj(R"({"model":"c","messages":[]})") << obj(R"({"model":"c","messages":[]})");
    QTest::newRow("template on last user message") << obj(R"({"prompt_template":"Acme: {{query}}"})")
        << obj(R"({"model":"m","messages":[{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"role":"user","content":"second"}]})")
        << obj(R"({"model":"m","messages":[{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"role":"user","content":"Acme: second"}]})");
    QTest::newRow("template on text parts") << obj(R"({"prompt_template":"Q={{query}}"})")
        << obj(R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"b"}]}]})")
        << obj(R"({"messages":[{"role":"user","content":[{"type":"text","text":"Q=ab"},{"type":"image_url","image_url":{"url":"x"}}]}]})");
    QTest::newRow("template on legacy prompt") << obj(R"({"prompt_template":"<{{query}}>"})")
                                               << obj(R"({"prompt":"hi"})") << obj(R"({"prompt":"<hi>"})");
}

void TenantPolicyTest::rewriteOrder()
{
    QFETCH(QJsonObject, policy);
    QFETCH(QJsonObject, request);
    QFETCH(QJsonObject, expected);
    auto merged = TenantPolicy::merge(TenantPolicy(), policy);
    QVERIFY(std::holds_alternative<TenantPolicy>(merged));
    std::get<TenantPolicy>(merged).rewrite.apply(request);
    QCOMPARE(request, expected);
}

void TenantPolicyTest::keyPosition_data()
{
    QTest::addColumn<QString>("position");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("authorization bearer") << "header:Authorization" << QByteArray("tok-auth");
    QTest::newRow("custom header") << "header:X-Api-Key" << QByteArray("tok-header");
    QTest::newRow("body field") << "body:api_key" << QByteArray("tok-body");
    QTest::newRow("query arg") << "arg:key" << QByteArray("tok arg");
    QTest::newRow("absent header") << "header:X-Missing" << QByteArray();
}

void TenantPolicyTest::keyPosition()
{
    QFETCH(QString, position);
    QFETCH(QByteArray, expected);
    auto parsed = KeyPosition::parse(position);
    QVERIFY(std::holds_alternative<KeyPosition>(parsed));
    const QHash<QByteArray, QByteArray> headers{{"authorization", "Bearer tok-auth"}, {"x-api-key", "tok-header"}};
    rapidjson::Document body;
    body.Parse(R"({"model":"m","api_key":"tok-body"})");
    const QByteArray got = std::get<KeyPosition>(parsed).extract([&](const QByteArray &name) { return headers.value(name); },
                                                                 body, QUrlQuery(QStringLiteral("key=tok%20arg")));
    QCOMPARE(got, expected);
}

QTEST_GUILESS_MAIN(TenantPolicyTest)
#include "TenantPolicyTest.moc"

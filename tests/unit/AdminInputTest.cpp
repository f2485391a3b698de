// Admin and mint request bodies: each valid shape, each invalid field, and unknown fields, with
// the error code and the field named in the message.
#include "server/core/AdminInput.h"

#include <QJsonDocument>
#include <QtTest>

using namespace dynaseal;

namespace {

QJsonObject json(const QByteArray &text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        qFatal("bad JSON in a test row: %s", text.constData());
    return doc.object();
}

const QString kOk;
const QString kInvalid = QStringLiteral("invalid_field");
const QString kUnknown = QStringLiteral("unknown_field");

// Checks the outcome of a parse against a row: accepted, or a 400 with `code` naming `field`.
template<typename T>
void check(const std::variant<T, ApiError> &result, const QString &code, const QString &field)
{
    const auto *error = std::get_if<ApiError>(&result);
    if (code.isEmpty()) {
        QVERIFY2(!error, error ? qPrintable(error->message) : "");
        return;
    }
    QVERIFY2(error, "the body was accepted");
    QCOMPARE(error->status, 400);
    QCOMPARE(error->code, code);
    QVERIFY2(error->message.contains(QStringLiteral("\"%1\"").arg(field)), qPrintable(error->message));
}

} // namespace

class AdminInputTest : public QObject
{
    Q_OBJECT

private slots:
    void tenant_data();
    void tenant();
    void tenantValues();
    void upstream_data();
    void upstream();
    void upstreamValues();
    void mint_data();
    void mint();
    void mintValues();
};

void AdminInputTest::tenant_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("creating");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");

    const QByteArray longName = "\"" + QByteArray(201, 'n') + "\"";
    QTest::newRow("create: minimal") << QByteArray(R"({"name":"Acme","callback_url":"https://acme.example/cb"})") << true << kOk << QString();
    QTest::newRow("create: all fields") << QByteArray(R"({"name":"Acme","callback_url":"http://127.0.0.1:9/cb","token_quota":1000,"max_key_lifetime_secs":60})") << true << kOk << QString();
    QTest::newRow("create: null quota") << QByteArray(R"({"name":"Acme","callback_url":"https://a.example","token_quota":null})") << true << kOk << QString();
    QTest::newRow("create: zero quota") << QByteArray(R"({"name":"Acme","callback_url":"https://a.example","token_quota":0})") << true << kOk << QString();
    QTest::newRow("update: empty") << QByteArray("{}") << false << kOk << QString();
    QTest::newRow("update: quota only") << QByteArray(R"({"token_quota":5})") << false << kOk << QString();
    QTest::newRow("update: lifetime null") << QByteArray(R"({"max_key_lifetime_secs":null})") << false << kOk << QString();
    QTest::newRow("create: name missing") << QByteArray(R"({"callback_url":"https://a.example"})") << true << kInvalid << QStringLiteral("name");
    QTest::newRow("create: callback_url missing") << QByteArray(R"({"name":"Acme"})") << true << kInvalid << QStringLiteral("callback_url");
    QTest::newRow("create: empty body") << QByteArray("{}") << true << kInvalid << QStringLiteral("name");
    QTest::newRow("name empty") << QByteArray(R"({"name":""})") << false << kInvalid << QStringLiteral("name");
    QTest::newRow("name blank") << QByteArray(R"({"name":"   "})") << false << kInvalid << QStringLiteral("name");
    QTest::newRow("name a number") << QByteArray(R"({"name":5})") << false << kInvalid << QStringLiteral("name");
    QTest::newRow("name null") << QByteArray(R"({"name":null})") << false << kInvalid << QStringLiteral("name");
    QTest::newRow("name too long") << QByteArray("{\"name\":" + longName + "}") << false << kInvalid << QStringLiteral("name");
    QTest::newRow("callback_url ftp") << QByteArray(R"({"callback_url":"ftp://a.example/cb"})") << false << kInvalid << QStringLiteral("callback_url");
    QTest::newRow("callback_url not a URL") << QByteArray(R"({"callback_url":"not a url"})") << false << kInvalid << QStringLiteral("callback_url");
    QTest::newRow("callback_url no host") << QByteArray(R"({"callback_url":"https://"})") << false << kInvalid << QStringLiteral("callback_url");
    QTest::newRow("callback_url with credentials") << QByteArray(R"({"callback_url":"https://user:pw@a.example/cb"})") << false << kInvalid << QStringLiteral("callback_url");
    QTest::newRow("callback_url a number") << QByteArray(R"({"callback_url":5})") << false << kInvalid << QStringLiteral("callback_url");
    QTest::newRow("callback_url empty") << QByteArray(R"({"callback_url":""})") << false << kInvalid << QStringLiteral("callback_url");
    QTest::newRow("token_quota negative") << QByteArray(R"({"token_quota":-1})") << false << kInvalid << QStringLiteral("token_quota");
    QTest::newRow("token_quota fractional") << QByteArray(R"({"token_quota":1.5})") << false << kInvalid << QStringLiteral("token_quota");
    QTest::newRow("token_quota a string") << QByteArray(R"({"token_quota":"100"})") << false << kInvalid << QStringLiteral("token_quota");
    QTest::newRow("token_quota a bool") << QByteArray(R"({"token_quota":true})") << false << kInvalid << QStringLiteral("token_quota");
    QTest::newRow("token_quota huge") << QByteArray(R"({"token_quota":1e18})") << false << kInvalid << QStringLiteral("token_quota");
    QTest::newRow("max_key_lifetime_secs zero") << QByteArray(R"({"max_key_lifetime_secs":0})") << false << kInvalid << QStringLiteral("max_key_lifetime_secs");
    QTest::newRow("max_key_lifetime_secs over ten years") << QByteArray(R"({"max_key_lifetime_secs":400000000})") << false << kInvalid << QStringLiteral("max_key_lifetime_secs");
    QTest::newRow("max_key_lifetime_secs a string") << QByteArray(R"({"max_key_lifetime_secs":"60"})") << false << kInvalid << QStringLiteral("max_key_lifetime_secs");
    QTest::newRow("unknown field") << QByteArray(R"({"name":"Acme","callback_url":"https://a.example","quota":5})") << true << kUnknown << QStringLiteral("quota");
    QTest::newRow("unknown field on update") << QByteArray(R"({"callback_secret":"x"})") << false << kUnknown << QStringLiteral("callback_secret");
    QTest::newRow("id is not writable") << QByteArray(R"({"id":"t1"})") << false << kUnknown << QStringLiteral("id");
}

void AdminInputTest::tenant()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, creating);
    QFETCH(QString, code);
    QFETCH(QString, field);
    check(TenantInput::parse(json(body), creating), code, field);
}

void AdminInputTest::tenantValues()
{
    auto result = TenantInput::parse(json(R"({"name":"  Acme  ","callback_url":"https://acme.example/cb","token_quota":1000})"), true);
    QVERIFY(std::holds_alternative<TenantInput>(result));
    const TenantInput &in = std::get<TenantInput>(result);
    QCOMPARE(in.name.value_or(QString()), QStringLiteral("Acme"));
    QCOMPARE(in.callbackUrl.value_or(QString()), QStringLiteral("https://acme.example/cb"));
    QVERIFY(in.tokenQuota.has_value());
    QCOMPARE(in.tokenQuota->value_or(-1), 1000);
    QVERIFY(!in.maxKeyLifetimeSecs.has_value());

    // null: given, and meaning "no limit" (distinct from absent).
    result = TenantInput::parse(json(R"({"token_quota":null})"), false);
    QVERIFY(std::holds_alternative<TenantInput>(result));
    QVERIFY(std::get<TenantInput>(result).tokenQuota.has_value());
    QVERIFY(!std::get<TenantInput>(result).tokenQuota->has_value());
    QVERIFY(!std::get<TenantInput>(result).name.has_value());
}

void AdminInputTest::upstream_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("creating");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");

    const QByteArray full = R"({"name":"OpenAI","base_url":"https://api.openai.com/v1","api_key":"sk-x","models":["gpt-4o","gpt-4o-mini"]})";
    QTest::newRow("create: all fields") << full << true << kOk << QString();
    QTest::newRow("create: http with port") << QByteArray(R"({"name":"local","base_url":"http://127.0.0.1:8001","api_key":"k","models":["m1"]})") << true << kOk << QString();
    QTest::newRow("update: models only") << QByteArray(R"({"models":["m2"]})") << false << kOk << QString();
    QTest::newRow("update: empty") << QByteArray("{}") << false << kOk << QString();
    QTest::newRow("create: name missing") << QByteArray(R"({"base_url":"https://a.example","api_key":"k","models":["m"]})") << true << kInvalid << QStringLiteral("name");
    QTest::newRow("create: base_url missing") << QByteArray(R"({"name":"n","api_key":"k","models":["m"]})") << true << kInvalid << QStringLiteral("base_url");
    QTest::newRow("create: api_key missing") << QByteArray(R"({"name":"n","base_url":"https://a.example","models":["m"]})") << true << kInvalid << QStringLiteral("api_key");
    QTest::newRow("create: models missing") << QByteArray(R"({"name":"n","base_url":"https://a.example","api_key":"k"})") << true << kInvalid << QStringLiteral("models");
    QTest::newRow("name empty") << QByteArray(R"({"name":""})") << false << kInvalid << QStringLiteral("name");
    QTest::newRow("name a list") << QByteArray(R"({"name":["a"]})") << false << kInvalid << QStringLiteral("name");
    QTest::newRow("api_key empty") << QByteArray(R"({"api_key":""})") << false << kInvalid << QStringLiteral("api_key");
    QTest::newRow("api_key a number") << QByteArray(R"({"api_key":123})") << false << kInvalid << QStringLiteral("api_key");
    QTest::newRow("api_key too long") << QByteArray("{\"api_key\":\"" + QByteArray(4097, 'k') + "\"}") << false << kInvalid << QStringLiteral("api_key");
    QTest::newRow("base_url not http") << QByteArray(R"({"base_url":"file:///etc/passwd"})") << false << kInvalid << QStringLiteral("base_url");
    QTest::newRow("base_url no host") << QByteArray(R"({"base_url":"http:///v1"})") << false << kInvalid << QStringLiteral("base_url");
    QTest::newRow("base_url with query") << QByteArray(R"({"base_url":"https://a.example/v1?key=1"})") << false << kInvalid << QStringLiteral("base_url");
    QTest::newRow("base_url with fragment") << QByteArray(R"({"base_url":"https://a.example/v1#x"})") << false << kInvalid << QStringLiteral("base_url");
    QTest::newRow("base_url with credentials") << QByteArray(R"({"base_url":"https://u:p@a.example/v1"})") << false << kInvalid << QStringLiteral("base_url");
    QTest::newRow("base_url a number") << QByteArray(R"({"base_url":1})") << false << kInvalid << QStringLiteral("base_url");
    QTest::newRow("models empty") << QByteArray(R"({"models":[]})") << false << kInvalid << QStringLiteral("models");
    QTest::newRow("models a string") << QByteArray(R"({"models":"m1"})") << false << kInvalid << QStringLiteral("models");
    QTest::newRow("models with a number") << QByteArray(R"({"models":["m1",2]})") << false << kInvalid << QStringLiteral("models");
    QTest::newRow("models with a blank name") << QByteArray(R"({"models":["m1"," "]})") << false << kInvalid << QStringLiteral("models");
    QTest::newRow("unknown field") << QByteArray(R"({"name":"n","base_url":"https://a.example","api_key":"k","models":["m"],"key":"x"})") << true << kUnknown << QStringLiteral("key");
    QTest::newRow("unknown field on update") << QByteArray(R"({"baseUrl":"https://a.example"})") << false << kUnknown << QStringLiteral("baseUrl");
}

void AdminInputTest::upstream()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, creating);
    QFETCH(QString, code);
    QFETCH(QString, field);
    const auto result = UpstreamInput::parse(json(body), creating);
    check(result, code, field);
    // The real key never appears in an error message.
    if (const auto *error = std::get_if<ApiError>(&result)) {
        const QString key = json(body).value(QLatin1String("api_key")).toString();
        if (key.size() > 2)
            QVERIFY(!error->message.contains(key));
    }
}

void AdminInputTest::upstreamValues()
{
    const auto result = UpstreamInput::parse(json(R"({"name":" local ","base_url":"http://127.0.0.1:8001/v1","api_key":"sk-1","models":[" m1 ","m2","m1"]})"), true);
    QVERIFY(std::holds_alternative<UpstreamInput>(result));
    const UpstreamInput &in = std::get<UpstreamInput>(result);
    QCOMPARE(in.name.value_or(QString()), QStringLiteral("local"));
    QCOMPARE(in.baseUrl.value_or(QUrl()), QUrl(QStringLiteral("http://127.0.0.1:8001/v1")));
    QCOMPARE(in.apiKey.value_or(QString()), QStringLiteral("sk-1"));
    QCOMPARE(in.models.value_or(QStringList()), (QStringList{QStringLiteral("m1"), QStringLiteral("m2")}));
}

void AdminInputTest::mint_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");

    const QByteArray tenYearsPlus = QByteArray::number(10LL * 365 * 86400 + 1);
    QTest::newRow("model") << QByteArray(R"({"model":"m1","max_tokens":100,"ttl_seconds":60})") << kOk << QString();
    QTest::newRow("models") << QByteArray(R"({"models":["m1","m2"],"max_tokens":100,"ttl_seconds":60})") << kOk << QString();
    QTest::newRow("with event_id") << QByteArray(R"({"model":"m1","max_tokens":1,"ttl_seconds":1,"event_id":"ev-1"})") << kOk << QString();
    QTest::newRow("null event_id") << QByteArray(R"({"model":"m1","max_tokens":1,"ttl_seconds":1,"event_id":null})") << kOk << QString();
    QTest::newRow("no model") << QByteArray(R"({"max_tokens":100,"ttl_seconds":60})") << kInvalid << QStringLiteral("model");
    QTest::newRow("model empty") << QByteArray(R"({"model":"","max_tokens":100,"ttl_seconds":60})") << kInvalid << QStringLiteral("model");
    QTest::newRow("model a number") << QByteArray(R"({"model":7,"max_tokens":100,"ttl_seconds":60})") << kInvalid << QStringLiteral("model");
    QTest::newRow("models empty list") << QByteArray(R"({"models":[],"max_tokens":100,"ttl_seconds":60})") << kInvalid << QStringLiteral("model");
    QTest::newRow("models a string") << QByteArray(R"({"models":"m1","max_tokens":100,"ttl_seconds":60})") << kInvalid << QStringLiteral("models");
    QTest::newRow("models with a number") << QByteArray(R"({"models":["m1",1],"max_tokens":100,"ttl_seconds":60})") << kInvalid << QStringLiteral("models");
    QTest::newRow("max_tokens missing") << QByteArray(R"({"model":"m1","ttl_seconds":60})") << kInvalid << QStringLiteral("max_tokens");
    QTest::newRow("max_tokens zero") << QByteArray(R"({"model":"m1","max_tokens":0,"ttl_seconds":60})") << kInvalid << QStringLiteral("max_tokens");
    QTest::newRow("max_tokens fractional") << QByteArray(R"({"model":"m1","max_tokens":2.5,"ttl_seconds":60})") << kInvalid << QStringLiteral("max_tokens");
    QTest::newRow("max_tokens a string") << QByteArray(R"({"model":"m1","max_tokens":"100","ttl_seconds":60})") << kInvalid << QStringLiteral("max_tokens");
    QTest::newRow("ttl_seconds missing") << QByteArray(R"({"model":"m1","max_tokens":100})") << kInvalid << QStringLiteral("ttl_seconds");
    QTest::newRow("ttl_seconds zero") << QByteArray(R"({"model":"m1","max_tokens":100,"ttl_seconds":0})") << kInvalid << QStringLiteral("ttl_seconds");
    QTest::newRow("ttl_seconds negative") << QByteArray(R"({"model":"m1","max_tokens":100,"ttl_seconds":-60})") << kInvalid << QStringLiteral("ttl_seconds");
    QTest::newRow("ttl_seconds over ten years") << QByteArray(R"({"model":"m1","max_tokens":100,"ttl_seconds":)" + tenYearsPlus + "}") << kInvalid << QStringLiteral("ttl_seconds");
    QTest::newRow("event_id a number") << QByteArray(R"({"model":"m1","max_tokens":100,"ttl_seconds":60,"event_id":5})") << kInvalid << QStringLiteral("event_id");
    QTest::newRow("event_id empty") << QByteArray(R"({"model":"m1","max_tokens":100,"ttl_seconds":60,"event_id":""})") << kInvalid << QStringLiteral("event_id");
    QTest::newRow("event_id too long") << QByteArray(R"({"model":"m1","max_tokens":100,"ttl_seconds":60,"event_id":")" + QByteArray(201, 'e') + "\"}")
                                       << kInvalid << QStringLiteral("event_id");
    QTest::newRow("unknown field") << QByteArray(R"({"model":"m1","max_tokens":100,"ttl":60})") << kUnknown << QStringLiteral("ttl");
    QTest::newRow("expiring is not a mint field") << QByteArray(R"({"model":"m1","max_tokens":100,"ttl_seconds":60,"expiring":1})") << kUnknown << QStringLiteral("expiring");
}

void AdminInputTest::mint()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    QFETCH(QString, field);
    check(MintInput::parse(json(body)), code, field);
}

void AdminInputTest::mintValues()
{
    auto result = MintInput::parse(json(R"({"model":" m1 ","models":["m2"],"max_tokens":100,"ttl_seconds":60,"event_id":"ev-9"})"));
    QVERIFY(std::holds_alternative<MintInput>(result));
    QCOMPARE(std::get<MintInput>(result).models, (QStringList{QStringLiteral("m1"), QStringLiteral("m2")}));
    QCOMPARE(std::get<MintInput>(result).maxTokens, 100);
    QCOMPARE(std::get<MintInput>(result).ttlSeconds, 60);
    QCOMPARE(std::get<MintInput>(result).eventId, QStringLiteral("ev-9"));

    result = MintInput::parse(json(R"({"model":"m1","max_tokens":1,"ttl_seconds":1})"));
    QVERIFY(std::holds_alternative<MintInput>(result));
    QVERIFY(std::get<MintInput>(result).eventId.isEmpty()); // the minter generates one
}

QTEST_GUILESS_MAIN(AdminInputTest)
#include "AdminInputTest.moc"

// Tenant policies on the real server: who gets in (active, expiry, allow/deny rules, asymmetric
// tenant keys), which models, how fast (request and token rate limits with Retry-After), and what
// the model sees (mapping, fixed values, prompt template). Rules are refused when saved.
#include "tests/support/Gateway.h"

#include <QDateTime>
#include <QStandardPaths>
#include <QtTest>

using namespace dynaseal::test;

static constexpr const char *kOperatorKey = "operator-master-key-for-tests-0123456789";

class PolicyTest : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Gateway> m_gw;

    HttpResult setPolicy(const QJsonObject &fields)
    {
        return m_gw->http.patch(QStringLiteral("/admin/v1/tenants/%1").arg(m_gw->tenantId), fields, m_gw->adminToken);
    }
    // Back to the defaults between tests.
    void reset()
    {
        const HttpResult r = setPolicy(QJsonDocument::fromJson(R"({"active":true,"expires_at":null,"allow":[],"deny":[],)"
            R"("allowed_models":[],"rate_limits":[],"prompt_template":null,"param_map":{},"param_fixed":{}})").object());
        QCOMPARE(r.status, 200);
    }
    HttpResult chat(const QString &model = QStringLiteral("m1"), const QJsonObject &claims = {})
    {
        QJsonObject c = claims;
        if (!c.contains(QLatin1String("models")))
            c.insert(QStringLiteral("models"), QJsonArray{QStringLiteral("m1"), QStringLiteral("m2")});
        c.insert(QStringLiteral("model"), QJsonValue::Null);
        return m_gw->chat(m_gw->mint(c), Gateway::chatBody(model, false, {{QStringLiteral("max_tokens"), 5}}));
    }

private slots:
    void initTestCase()
    {
        m_gw = std::make_unique<Gateway>(QStringList{QStringLiteral("--proxy-master-key"), QLatin1String(kOperatorKey)});
        QString why;
        QVERIFY2(m_gw->setUp(&why), qPrintable(why));
    }
    void init() { reset(); }
    void cleanup()
    {
        QCOMPARE(setPolicy(QJsonDocument::fromJson(R"({"auth":"jwt","regex":null,"key_position":"header:Authorization"})").object()).status, 200);
    }

    void tenantBaseUrl_data()
    {
        QTest::addColumn<QByteArray>("policy");
        QTest::addColumn<QString>("credential"); // "key": the tenant key; "dynamic": a dynamic key; else literal
        QTest::addColumn<QString>("where");      // header name, "body:<field>" or "arg:<name>"
        QTest::addColumn<int>("status");
        QTest::newRow("jwt in Authorization") << QByteArray(R"({"auth":"jwt"})") << "dynamic" << "authorization" << 200;
        QTest::newRow("jwt, static key refused") << QByteArray(R"({"auth":"jwt"})") << "key" << "authorization" << 401;
        QTest::newRow("db key in Authorization") << QByteArray(R"({"auth":"db"})") << "key" << "authorization" << 200;
        QTest::newRow("db, wrong key") << QByteArray(R"({"auth":"db"})") << "dsk_not-a-key" << "authorization" << 401;
        QTest::newRow("db key in custom header") << QByteArray(R"({"auth":"db","key_position":"header:X-Api-Key"})") << "key" << "x-api-key" << 200;
        QTest::newRow("db key expected in header, sent elsewhere") << QByteArray(R"({"auth":"db","key_position":"header:X-Api-Key"})") << "key" << "authorization" << 401;
        QTest::newRow("db key in body") << QByteArray(R"({"auth":"db","key_position":"body:api_key"})") << "key" << "body:api_key" << 200;
        QTest::newRow("db key in query") << QByteArray(R"({"auth":"db","key_position":"arg:key"})") << "key" << "arg:key" << 200;
        QTest::newRow("regex match") << QByteArray(R"({"auth":"regex","regex":"app-[0-9]{4}"})") << "app-1234" << "authorization" << 200;
        QTest::newRow("regex must match whole") << QByteArray(R"({"auth":"regex","regex":"app-[0-9]{4}"})") << "app-12345" << "authorization" << 401;
    }
    void tenantBaseUrl()
    {
        QFETCH(QByteArray, policy);
        QFETCH(QString, credential);
        QFETCH(QString, where);
        QFETCH(int, status);
        QCOMPARE(setPolicy(QJsonDocument::fromJson(policy).object()).status, 200);
        const QByteArray secret = credential == QLatin1String("key") ? m_gw->tenantKey
                                : credential == QLatin1String("dynamic") ? m_gw->mint() : credential.toUtf8();
        QJsonObject body = QJsonDocument::fromJson(Gateway::chatBody(QStringLiteral("m1"), false, {{QStringLiteral("max_tokens"), 5}})).object();
        QString path = QStringLiteral("/t/%1/v1/chat/completions").arg(m_gw->tenantId);
        QList<QPair<QByteArray, QByteArray>> headers{{"X-Dynaseal-Event-Id", "evt-static"}};
        if (where.startsWith(QLatin1String("body:")))
            body.insert(where.mid(5), QString::fromUtf8(secret));
        else if (where.startsWith(QLatin1String("arg:")))
            path += QStringLiteral("?%1=%2").arg(where.mid(4), QString::fromUtf8(QUrl::toPercentEncoding(QString::fromUtf8(secret))));
        else
            headers.append({where.toLatin1(), where == QLatin1String("authorization") ? "Bearer " + secret : secret});
        const HttpResult r = m_gw->http.send("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), headers);
        QVERIFY2(r.status == status, r.body.constData());
        if (status == 200) {
            const QJsonObject sent = m_gw->upstream.lastBody();
            QVERIFY(!QJsonDocument(sent).toJson().contains(secret)); // the tenant's secret never reaches the upstream
        }
    }

    void otherTenantsDynamicKeyRefusedOnThisUrl()
    {
        const HttpResult other = m_gw->http.post(QStringLiteral("/admin/v1/tenants"),
                                                 {{QStringLiteral("name"), QStringLiteral("Other")}, {QStringLiteral("callback_url"), m_gw->receiver.url()}},
                                                 m_gw->adminToken);
        QCOMPARE(other.status, 201);
        const QString otherId = other.json().value("id").toString();
        const HttpResult r = m_gw->http.send("POST", QStringLiteral("/t/%1/v1/chat/completions").arg(otherId), Gateway::chatBody(),
                                             {{"Authorization", "Bearer " + m_gw->mint()}});
        QCOMPARE(r.status, 401);
        QCOMPARE(m_gw->http.send("POST", QStringLiteral("/t/tn_nobody/v1/chat/completions"), Gateway::chatBody(),
                                 {{"Authorization", "Bearer " + m_gw->mint()}}).status, 401);
    }

    void operatorMasterKey()
    {
        // Any model, no tenant: the request is logged under "operator" and no callback is made.
        const int callbacksBefore = int(m_gw->receiver.deliveries().size());
        const HttpResult r = m_gw->http.send("POST", QStringLiteral("/v1/chat/completions"), Gateway::chatBody(QStringLiteral("m2")),
                                             {{"Authorization", QByteArray("Bearer ") + kOperatorKey}});
        QVERIFY2(r.status == 200, r.body.constData());
        const HttpResult log = m_gw->http.get(QStringLiteral("/admin/v1/requests?tenant_id=operator"), m_gw->adminToken);
        QCOMPARE(log.json().value("total").toInt(), 1);
        QVERIFY(m_gw->server.output().contains("operator master key used"));
        QTest::qWait(300);
        QCOMPARE(int(m_gw->receiver.deliveries().size()), callbacksBefore);
        // A near miss is just a bad key.
        QCOMPARE(m_gw->http.send("POST", QStringLiteral("/v1/chat/completions"), Gateway::chatBody(),
                                 {{"Authorization", QByteArray("Bearer ") + QByteArray(kOperatorKey).chopped(1) + 'X'}}).status, 401);
    }

    void policyReadsBack()
    {
        const HttpResult r = setPolicy(QJsonDocument::fromJson(R"({"rate_limits":["ingress:100/minute"],"allow":["ip:127.0.0.0/8"],"retries":2})").object());
        QCOMPARE(r.status, 200);
        const QJsonObject t = m_gw->http.get(QStringLiteral("/admin/v1/tenants/%1").arg(m_gw->tenantId), m_gw->adminToken).json();
        QCOMPARE(t.value("rate_limits").toArray(), QJsonArray{QStringLiteral("ingress:100/minute")});
        QCOMPARE(t.value("allow").toArray(), QJsonArray{QStringLiteral("ip:127.0.0.0/8")});
        QCOMPARE(t.value("retries").toInt(), 2);
        QCOMPARE(t.value("auth").toString(), QStringLiteral("jwt"));
        QCOMPARE(t.value("key_position").toString(), QStringLiteral("header:Authorization"));
    }

    void badRulesAreRefusedWhenSaved_data()
    {
        QTest::addColumn<QByteArray>("fields");
        QTest::addColumn<QString>("inMessage");
        QTest::newRow("ip") << QByteArray(R"({"deny":["ip:10.0.0.1","ip:10.0.0.999"]})") << QStringLiteral("line 2");
        QTest::newRow("time") << QByteArray(R"({"allow":["time:9-17"]})") << QStringLiteral("HH:MM-HH:MM");
        QTest::newRow("regex") << QByteArray("{\"allow\":[\"secret:([\"]}") << QStringLiteral("regular expression");
        QTest::newRow("rate") << QByteArray(R"({"rate_limits":["ingress:10/fortnight"]})") << QStringLiteral("rate_limits");
        QTest::newRow("template") << QByteArray(R"({"prompt_template":"no placeholder"})") << QStringLiteral("{{query}}");
        QTest::newRow("regex auth without regex") << QByteArray(R"({"auth":"regex"})") << QStringLiteral("regex");
    }
    void badRulesAreRefusedWhenSaved()
    {
        QFETCH(QByteArray, fields);
        QFETCH(QString, inMessage);
        const QJsonObject before = m_gw->http.get(QStringLiteral("/admin/v1/tenants/%1").arg(m_gw->tenantId), m_gw->adminToken).json();
        const HttpResult r = setPolicy(QJsonDocument::fromJson(fields).object());
        QCOMPARE(r.status, 400);
        QVERIFY2(r.errorMessage().contains(inMessage), qPrintable(r.errorMessage()));
        QJsonObject after = m_gw->http.get(QStringLiteral("/admin/v1/tenants/%1").arg(m_gw->tenantId), m_gw->adminToken).json();
        after.remove(QStringLiteral("tokens_used"));
        QJsonObject expected = before;
        expected.remove(QStringLiteral("tokens_used"));
        QCOMPARE(after, expected); // nothing half-written
    }

    void whoGetsIn_data()
    {
        QTest::addColumn<QByteArray>("fields");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("inactive") << QByteArray(R"({"active":false})") << 403 << QStringLiteral("tenant_inactive");
        QTest::newRow("expired") << QByteArray(R"({"expires_at":"2020-01-01T00:00:00Z"})") << 403 << QStringLiteral("tenant_expired");
        QTest::newRow("not expired yet") << QByteArray(R"({"expires_at":"2099-01-01T00:00:00Z"})") << 200 << QString();
        QTest::newRow("deny loopback") << QByteArray(R"({"deny":["ip:127.0.0.1"]})") << 403 << QStringLiteral("denied_by_rule");
        QTest::newRow("deny other") << QByteArray(R"({"deny":["ip:10.0.0.0/8"]})") << 200 << QString();
        QTest::newRow("allow other only") << QByteArray(R"({"allow":["ip:10.0.0.0/8"]})") << 403 << QStringLiteral("not_allowed_by_rule");
        QTest::newRow("allow wins over deny") << QByteArray(R"({"allow":["ip:127.0.0.0/8"],"deny":["ip:127.0.0.1"]})") << 200 << QString();
        QTest::newRow("deny by secret") << QByteArray(R"({"deny":["secret:^eyJ"]})") << 403 << QStringLiteral("denied_by_rule");
        QTest::newRow("allow all day") << QByteArray(R"({"allow":["time:00:00-23:59 UTC","time:23:59-00:00 UTC"]})") << 200 << QString();
        QTest::newRow("tenant narrows models") << QByteArray(R"({"allowed_models":["m2"]})") << 403 << QStringLiteral("model_not_allowed");
    }
    void whoGetsIn()
    {
        QFETCH(QByteArray, fields);
        QFETCH(int, status);
        QFETCH(QString, code);
        QCOMPARE(setPolicy(QJsonDocument::fromJson(fields).object()).status, 200);
        const int before = int(m_gw->upstream.http().requests.size());
        const HttpResult r = chat();
        QVERIFY2(r.status == status, r.body.constData());
        if (!code.isEmpty() && code != QLatin1String("model_not_allowed")) {
            // Listing models is refused the same way.
            QCOMPARE(m_gw->http.get(QStringLiteral("/v1/models"), m_gw->mint()).errorCode(), code);
        }
        if (!code.isEmpty()) {
            QCOMPARE(r.errorCode(), code);
            QCOMPARE(int(m_gw->upstream.http().requests.size()), before); // nothing forwarded
        }
        // The tenant's backend mints no keys while the tenant is off or expired; allow/deny rules
        // describe devices, not the backend.
        const HttpResult minted = m_gw->http.post(QStringLiteral("/v1/dynamic-keys"),
                                                  {{QStringLiteral("model"), QStringLiteral("m1")}, {QStringLiteral("max_tokens"), 50},
                                                   {QStringLiteral("ttl_seconds"), 60}},
                                                  m_gw->tenantKey);
        if (code == QLatin1String("tenant_inactive") || code == QLatin1String("tenant_expired")) {
            QCOMPARE(minted.status, 403);
            QCOMPARE(minted.errorCode(), code);
        } else {
            QVERIFY2(minted.status == 200, minted.body.constData());
        }
    }

    void requestRateLimit()
    {
        QCOMPARE(setPolicy(QJsonDocument::fromJson(R"({"rate_limits":["ingress:3/minute"]})").object()).status, 200);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(chat().status, 200);
        const HttpResult limited = chat();
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.errorCode(), QStringLiteral("rate_limited"));
        const int retryAfter = limited.header("Retry-After").toInt();
        // At most the window plus one of its 60 slots: the window slides slot by slot.
        QVERIFY2(retryAfter >= 1 && retryAfter <= 61, limited.header("Retry-After").constData());
    }

    void perSecretRateLimit()
    {
        QCOMPARE(setPolicy(QJsonDocument::fromJson(R"({"rate_limits":["secret:2/hour"]})").object()).status, 200);
        const QByteArray key = m_gw->mint({{QStringLiteral("max_tokens"), 5000}});
        const QByteArray body = Gateway::chatBody(QStringLiteral("m1"), false, {{QStringLiteral("max_tokens"), 5}});
        QCOMPARE(m_gw->chat(key, body).status, 200);
        QCOMPARE(m_gw->chat(key, body).status, 200);
        QCOMPARE(m_gw->chat(key, body).status, 429);
        QCOMPARE(m_gw->chat(m_gw->mint(), body).status, 200); // another key has its own window
    }

    void refusedRequestsDoNotUseUpEarlierLimits()
    {
        // The per-key line refuses the third call of one key; those refusals must not eat the
        // tenant-wide allowance of the line before it.
        QCOMPARE(setPolicy(QJsonDocument::fromJson(R"({"rate_limits":["ingress:5/hour","secret:2/hour"]})").object()).status, 200);
        const QByteArray key = m_gw->mint({{QStringLiteral("max_tokens"), 5000}});
        const QByteArray body = Gateway::chatBody(QStringLiteral("m1"), false, {{QStringLiteral("max_tokens"), 5}});
        QCOMPARE(m_gw->chat(key, body).status, 200);
        QCOMPARE(m_gw->chat(key, body).status, 200);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(m_gw->chat(key, body).status, 429);
        // 2 of the 5 tenant-wide calls are used: three more keys still get through.
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_gw->chat(m_gw->mint(), body).status, 200);
        QCOMPARE(m_gw->chat(m_gw->mint(), body).status, 429);
    }

    void tokenRateLimit()
    {
        // Each call reserves its prompt bound (5 + 8 + 32) + 5 = 50 and bills 9 + 5 = 14 tokens.
        QCOMPARE(setPolicy(QJsonDocument::fromJson(R"({"rate_limits":["tokens:70/minute"]})").object()).status, 200);
        const HttpResult first = chat();
        QVERIFY2(first.status == 200, first.body.constData()); // 14 billed
        QCOMPARE(chat().status, 200); // 14 + 50 fits; then 28 billed: the next reservation of 50 would pass 70
        const HttpResult limited = chat();
        QCOMPARE(limited.status, 429);
        QVERIFY(limited.errorMessage().contains(QStringLiteral("token rate limit")));
        QVERIFY(limited.header("Retry-After").toInt() >= 1);
    }

    void rewriteReachesTheUpstream()
    {
        QCOMPARE(setPolicy(QJsonDocument::fromJson(R"({"prompt_template":"Answer as Acme support. Question: {{query}}",)"
            R"("param_map":{"model":[["m1","m2"]]},"param_fixed":{"temperature":0.2}})").object()).status, 200);
        QCOMPARE(chat(QStringLiteral("m1"), {{QStringLiteral("models"), QJsonArray{QStringLiteral("m1")}}}).status, 200);
        const QJsonObject sent = m_gw->upstream.lastBody();
        QCOMPARE(sent.value("model").toString(), QStringLiteral("m2")); // mapped after the key's m1-only check passed
        QCOMPARE(sent.value("temperature").toDouble(), 0.2);
        QCOMPARE(sent.value("messages").toArray().last().toObject().value("content").toString(),
                 QStringLiteral("Answer as Acme support. Question: hello"));
    }

    void asymmetricTenantKey_data()
    {
        QTest::addColumn<QString>("alg");
        QTest::newRow("EdDSA") << QStringLiteral("EdDSA");
        QTest::newRow("ES256") << QStringLiteral("ES256");
    }
    void asymmetricTenantKey()
    {
        QFETCH(QString, alg);
        QString python;
        for (const QString &candidate : {qEnvironmentVariable("DYNASEAL_PYTHON"), QStandardPaths::findExecutable(QStringLiteral("python3")),
                                         QStringLiteral("/usr/bin/python3")}) {
            if (candidate.isEmpty())
                continue;
            QProcess probe;
            probe.start(candidate, {QStringLiteral("-c"), QStringLiteral("import jwt, cryptography")});
            if (probe.waitForFinished(10'000) && probe.exitCode() == 0) {
                python = candidate;
                break;
            }
        }
        if (python.isEmpty())
            QSKIP("needs python3 with PyJWT (Debian: python3-jwt)");
        // The tenant keeps its private key; the server only learns the public one.
        const QString script = QStringLiteral(R"PY(
import sys, time, jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives import serialization
alg, tenant = sys.argv[1], sys.argv[2]
key = ed25519.Ed25519PrivateKey.generate() if alg == "EdDSA" else ec.generate_private_key(ec.SECP256R1())
pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
token = jwt.encode({"api-key": tenant, "model": "m1", "max_tokens": 500, "expiring": time.time() + 300, "event_id": "evt-" + alg}, key, algorithm=alg)
print(pem.replace("\n", "|")); print(token)
)PY");
        QProcess p;
        p.start(python, {QStringLiteral("-c"), script, alg, m_gw->tenantId});
        QVERIFY(p.waitForFinished(20'000));
        const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        const QString pem = QString::fromUtf8(lines.at(0)).replace(QLatin1Char('|'), QLatin1Char('\n'));
        const QByteArray token = lines.at(1).trimmed();

        // Not yet registered: refused.
        QCOMPARE(m_gw->chat(token, Gateway::chatBody()).status, 401);
        const HttpResult reg = m_gw->http.post(QStringLiteral("/admin/v1/tenants/%1/keys").arg(m_gw->tenantId),
                                               {{QStringLiteral("alg"), alg}, {QStringLiteral("public_key"), pem}}, m_gw->adminToken);
        QVERIFY2(reg.status == 201, reg.body.constData());
        QCOMPARE(reg.json().value("alg").toString(), alg);
        QVERIFY(!reg.json().contains(QLatin1String("key")));
        QCOMPARE(m_gw->chat(token, Gateway::chatBody()).status, 200);
        // A wrong or mismatched PEM is refused when registered.
        const HttpResult bad = m_gw->http.post(QStringLiteral("/admin/v1/tenants/%1/keys").arg(m_gw->tenantId),
                                               {{QStringLiteral("alg"), alg == QLatin1String("EdDSA") ? QStringLiteral("ES256") : QStringLiteral("EdDSA")},
                                                {QStringLiteral("public_key"), pem}}, m_gw->adminToken);
        QCOMPARE(bad.status, 400);
        // Revoking it stops its tokens at once.
        QCOMPARE(m_gw->http.del(QStringLiteral("/admin/v1/tenants/%1/keys/%2").arg(m_gw->tenantId, reg.json().value("id").toString()), m_gw->adminToken).status, 204);
        QCOMPARE(m_gw->chat(token, Gateway::chatBody()).status, 401);
    }

    void tenantUsageToday()
    {
        QCOMPARE(chat().status, 200);
        const HttpResult r = m_gw->http.get(QStringLiteral("/admin/v1/tenants/%1/usage").arg(m_gw->tenantId), m_gw->adminToken);
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value("tokens_used").toInt() >= 14);
        qint64 calls = 0;
        for (const QJsonValue &hour : r.json().value("hourly").toArray())
            calls += hour.toObject().value("requests").toInt();
        QVERIFY(calls >= 1);
        QCOMPARE(m_gw->http.get(QStringLiteral("/admin/v1/tenants/tn_none/usage"), m_gw->adminToken).status, 404);
    }
};

QTEST_GUILESS_MAIN(PolicyTest)
#include "PolicyTest.moc"

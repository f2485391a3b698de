// Dynamic keys against the real server: which keys are accepted, which are refused and with what
// status and code, which models they unlock, keys minted by another JWT library, and keys minted
// by the server for a tenant (POST /v1/dynamic-keys).
#include "tests/support/Gateway.h"

#include <QDateTime>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>
#include <memory>

using namespace dynaseal::test;

namespace {

constexpr qint64 kMaxLifetime = 3600; // the server runs with --max-key-lifetime 3600

qint64 now() { return QDateTime::currentSecsSinceEpoch(); }

QByteArray b64(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray compact(const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); }

// A JWS signed with HMAC under the given algorithm (to offer well-formed HS384/HS512 keys).
QByteArray signHmac(QCryptographicHash::Algorithm hash, const QJsonObject &header, const QJsonObject &payload, const QByteArray &secret)
{
    const QByteArray input = b64(compact(header)) + '.' + b64(compact(payload));
    return input + '.' + b64(QMessageAuthenticationCode::hash(input, secret, hash));
}

// How a row's token is built from its claims.
enum class Form {
    Signed,        // Gateway::mint with the row's claims, header and secret
    NoAuth,        // no Authorization header at all
    Raw,           // the row's literal token
    TwoParts,      // a signed key with its signature part dropped
    Tampered,      // signed, then max_tokens changed in the payload, signature kept
    Unsigned,      // the row's header, the payload, and an empty signature
    Hs384,         // a real HMAC-SHA384 signature over the tenant key
    Hs512,         // a real HMAC-SHA512 signature over the tenant key
    AlgConfusion,  // the row's header verbatim (whatever "alg" it names), HMAC-SHA256 over the tenant key
};

} // namespace

Q_DECLARE_METATYPE(Form)

class DynamicKeyAuthTest : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Gateway> m_gw;

    // The default Dynaseal claims with `overrides` applied (null removes a claim), as Gateway::mint does.
    QJsonObject claims(const QJsonObject &overrides) const
    {
        QJsonObject payload{{QStringLiteral("api-key"), m_gw->tenantId},
                            {QStringLiteral("model"), QStringLiteral("m1")},
                            {QStringLiteral("max_tokens"), 1000},
                            {QStringLiteral("expiring"), now() + 600},
                            {QStringLiteral("event_id"), QStringLiteral("evt-auth")}};
        for (auto it = overrides.begin(); it != overrides.end(); ++it) {
            if (it.value().isNull())
                payload.remove(it.key());
            else
                payload.insert(it.key(), it.value());
        }
        return payload;
    }

    // Waits for the callback of the request that answered with `response`.
    QJsonObject callbackFor(const HttpResult &response) const
    {
        const QString requestId = QString::fromLatin1(response.header("X-Request-Id"));
        QJsonObject found;
        waitFor([&] {
            for (const QJsonObject &c : m_gw->receiver.acknowledged()) {
                if (c.value(QLatin1String("request_id")).toString() == requestId) {
                    found = c;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    // A Python interpreter that can `import jwt` (PyJWT), or empty.
    static QString pythonWithJwt()
    {
        QStringList candidates;
        if (!qEnvironmentVariableIsEmpty("DYNASEAL_PYTHON"))
            candidates.append(qEnvironmentVariable("DYNASEAL_PYTHON"));
        const QString onPath = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (!onPath.isEmpty())
            candidates.append(onPath);
        candidates.append(QStringLiteral("/usr/bin/python3"));
        for (const QString &python : candidates) {
            QProcess p;
            p.start(python, {QStringLiteral("-c"), QStringLiteral("import jwt")});
            if (p.waitForFinished(15'000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0)
                return python;
        }
        return {};
    }

private slots:
    void initTestCase()
    {
        m_gw = std::make_unique<Gateway>(QStringList{QStringLiteral("--max-key-lifetime"), QString::number(kMaxLifetime)});
        QString why;
        QVERIFY2(m_gw->setUp(&why), qPrintable(why));
    }

    void cleanupTestCase() { m_gw.reset(); }

    void verification_data()
    {
        QTest::addColumn<Form>("form");
        QTest::addColumn<QJsonObject>("overrides");
        QTest::addColumn<QJsonObject>("header");
        QTest::addColumn<QByteArray>("secret"); // empty: the tenant key
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code"); // empty: any code, but an OpenAI-shaped error

        const QJsonObject none;
        const QJsonValue null(QJsonValue::Null);
        const QJsonObject defaultHeader;
        const QString ok;
        const QByteArray tenantKey; // the row uses the tenant key
        const QByteArray noRaw;
        const qint64 t = now();
        // "kid" is substituted with the tenant key's id at run time.
        const QJsonObject tenantKid{{QStringLiteral("kid"), QStringLiteral("$tenant-key-id")}};

        QTest::newRow("dynaseal format") << Form::Signed << none << defaultHeader << tenantKey << noRaw << 200 << ok;
        QTest::newRow("expiring as float") << Form::Signed << QJsonObject{{QStringLiteral("expiring"), double(t) + 600.75}}
                                           << defaultHeader << tenantKey << noRaw << 200 << ok;
        QTest::newRow("standard claims")
            << Form::Signed
            << QJsonObject{{QStringLiteral("api-key"), null}, {QStringLiteral("model"), null}, {QStringLiteral("expiring"), null},
                           {QStringLiteral("event_id"), null}, {QStringLiteral("sub"), QStringLiteral("$tenant-id")},
                           {QStringLiteral("exp"), t + 600}, {QStringLiteral("iat"), t}, {QStringLiteral("nbf"), t - 5},
                           {QStringLiteral("jti"), QStringLiteral("jti-1")},
                           {QStringLiteral("models"), QJsonArray{QStringLiteral("m1"), QStringLiteral("m2")}}}
            << defaultHeader << tenantKey << noRaw << 200 << ok;
        QTest::newRow("kid of the tenant key") << Form::Signed << none << tenantKid << tenantKey << noRaw << 200 << ok;
        QTest::newRow("kid of an unknown key") << Form::Signed << none << QJsonObject{{QStringLiteral("kid"), QStringLiteral("tk_nope")}}
                                               << tenantKey << noRaw << 401 << ok;

        QTest::newRow("no Authorization") << Form::NoAuth << none << defaultHeader << tenantKey << noRaw << 401 << QStringLiteral("missing_api_key");
        QTest::newRow("garbage") << Form::Raw << none << defaultHeader << tenantKey << QByteArray("garbage") << 401 << ok;
        QTest::newRow("two parts") << Form::TwoParts << none << defaultHeader << tenantKey << noRaw << 401 << ok;
        QTest::newRow("tampered payload") << Form::Tampered << none << defaultHeader << tenantKey << noRaw << 401 << QStringLiteral("invalid_signature");
        QTest::newRow("another secret") << Form::Signed << none << defaultHeader << QByteArray("not-the-tenant-key-0123456789")
                                        << noRaw << 401 << QStringLiteral("invalid_signature");
        for (const char *alg : {"none", "None", "NONE"}) {
            QTest::addRow("alg %s", alg) << Form::Unsigned << none
                                         << QJsonObject{{QStringLiteral("alg"), QLatin1String(alg)}, {QStringLiteral("typ"), QStringLiteral("JWT")}}
                                         << tenantKey << noRaw << 401 << ok;
        }
        QTest::newRow("alg HS384") << Form::Hs384 << none << defaultHeader << tenantKey << noRaw << 401 << QStringLiteral("algorithm_not_allowed");
        QTest::newRow("alg HS512") << Form::Hs512 << none << defaultHeader << tenantKey << noRaw << 401 << QStringLiteral("algorithm_not_allowed");
        QTest::newRow("alg RS256") << Form::AlgConfusion << none
                                   << QJsonObject{{QStringLiteral("alg"), QStringLiteral("RS256")}, {QStringLiteral("typ"), QStringLiteral("JWT")}}
                                   << tenantKey << noRaw << 401 << QStringLiteral("algorithm_not_allowed");

        QTest::newRow("expired") << Form::Signed << QJsonObject{{QStringLiteral("expiring"), t - 10}} << defaultHeader << tenantKey << noRaw
                                 << 401 << QStringLiteral("key_expired");
        QTest::newRow("nbf in the future") << Form::Signed << QJsonObject{{QStringLiteral("nbf"), t + 300}} << defaultHeader << tenantKey
                                           << noRaw << 401 << ok;
        QTest::newRow("no expiry") << Form::Signed << QJsonObject{{QStringLiteral("expiring"), null}} << defaultHeader << tenantKey
                                   << noRaw << 401 << ok;
        QTest::newRow("lifetime over the cap") << Form::Signed << QJsonObject{{QStringLiteral("expiring"), t + 2 * 3600}} << defaultHeader
                                               << tenantKey << noRaw << 401 << QStringLiteral("key_lifetime_too_long");
        QTest::newRow("old iat, exp - iat over the cap")
            << Form::Signed << QJsonObject{{QStringLiteral("iat"), t - 2 * 3600}, {QStringLiteral("expiring"), t + 60}} << defaultHeader
            << tenantKey << noRaw << 401 << QStringLiteral("key_lifetime_too_long");
        QTest::newRow("unknown tenant") << Form::Signed << QJsonObject{{QStringLiteral("api-key"), QStringLiteral("tn_unknown")}}
                                        << defaultHeader << tenantKey << noRaw << 401 << QStringLiteral("unknown_tenant");
        QTest::newRow("no tenant claim") << Form::Signed << QJsonObject{{QStringLiteral("api-key"), null}} << defaultHeader << tenantKey
                                         << noRaw << 401 << ok;
        QTest::newRow("max_tokens missing") << Form::Signed << QJsonObject{{QStringLiteral("max_tokens"), null}} << defaultHeader
                                            << tenantKey << noRaw << 401 << ok;
        QTest::newRow("max_tokens 0") << Form::Signed << QJsonObject{{QStringLiteral("max_tokens"), 0}} << defaultHeader << tenantKey
                                      << noRaw << 401 << ok;
        QTest::newRow("max_tokens negative") << Form::Signed << QJsonObject{{QStringLiteral("max_tokens"), -5}} << defaultHeader
                                             << tenantKey << noRaw << 401 << ok;
        QTest::newRow("max_tokens 1.5") << Form::Signed << QJsonObject{{QStringLiteral("max_tokens"), 1.5}} << defaultHeader << tenantKey
                                        << noRaw << 401 << ok;
        QTest::newRow("max_tokens string") << Form::Signed << QJsonObject{{QStringLiteral("max_tokens"), QStringLiteral("100")}}
                                           << defaultHeader << tenantKey << noRaw << 401 << ok;
        QTest::newRow("no model claim") << Form::Signed << QJsonObject{{QStringLiteral("model"), null}} << defaultHeader << tenantKey
                                        << noRaw << 401 << ok;
        QTest::newRow("models not a list") << Form::Signed
                                           << QJsonObject{{QStringLiteral("model"), null}, {QStringLiteral("models"), QStringLiteral("m1")}}
                                           << defaultHeader << tenantKey << noRaw << 401 << ok;
        QTest::newRow("models not strings") << Form::Signed
                                            << QJsonObject{{QStringLiteral("model"), null}, {QStringLiteral("models"), QJsonArray{QStringLiteral("m1"), 7}}}
                                            << defaultHeader << tenantKey << noRaw << 401 << ok;
    }

    void verification()
    {
        QFETCH(Form, form);
        QFETCH(QJsonObject, overrides);
        QFETCH(QJsonObject, header);
        QFETCH(QByteArray, secret);
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        QFETCH(QString, code);

        // Placeholders for what only exists once the gateway is up.
        if (overrides.value(QLatin1String("sub")) == QJsonValue(QStringLiteral("$tenant-id")))
            overrides.insert(QStringLiteral("sub"), m_gw->tenantId);
        if (header.value(QLatin1String("kid")) == QJsonValue(QStringLiteral("$tenant-key-id")))
            header.insert(QStringLiteral("kid"), m_gw->tenantKeyId);

        QByteArray token;
        switch (form) {
        case Form::Signed:
        case Form::NoAuth:
            token = m_gw->mint(overrides, secret, header);
            break;
        case Form::Raw:
            token = raw;
            break;
        case Form::TwoParts: {
            const QList<QByteArray> parts = m_gw->mint(overrides).split('.');
            token = parts.at(0) + '.' + parts.at(1);
            break;
        }
        case Form::Tampered: {
            const QList<QByteArray> parts = m_gw->mint(overrides).split('.');
            QJsonObject payload = QJsonDocument::fromJson(QByteArray::fromBase64(parts.at(1), QByteArray::Base64UrlEncoding)).object();
            QVERIFY(payload.contains(QLatin1String("max_tokens")));
            payload.insert(QStringLiteral("max_tokens"), 1'000'000);
            token = parts.at(0) + '.' + b64(compact(payload)) + '.' + parts.at(2);
            break;
        }
        case Form::Unsigned:
            token = b64(compact(header)) + '.' + b64(compact(claims(overrides))) + '.';
            break;
        case Form::Hs384:
            token = signHmac(QCryptographicHash::Sha384, {{QStringLiteral("alg"), QStringLiteral("HS384")}, {QStringLiteral("typ"), QStringLiteral("JWT")}},
                             claims(overrides), m_gw->tenantKey);
            break;
        case Form::AlgConfusion:
            token = signHmac(QCryptographicHash::Sha256, header, claims(overrides), m_gw->tenantKey);
            break;
        case Form::Hs512:
            token = signHmac(QCryptographicHash::Sha512, {{QStringLiteral("alg"), QStringLiteral("HS512")}, {QStringLiteral("typ"), QStringLiteral("JWT")}},
                             claims(overrides), m_gw->tenantKey);
            break;
        }

        const int forwardedBefore = int(m_gw->upstream.http().requests.size());
        const HttpResult r = form == Form::NoAuth
            ? m_gw->http.send("POST", QStringLiteral("/v1/chat/completions"), Gateway::chatBody())
            : m_gw->chat(token, Gateway::chatBody());
        QVERIFY2(r.status == status, qPrintable(QStringLiteral("status %1, body %2").arg(r.status).arg(QString::fromUtf8(r.body))));
        if (status == 200) {
            QCOMPARE(m_gw->upstream.http().requests.size(), forwardedBefore + 1);
            QVERIFY(!r.json().value(QLatin1String("choices")).toArray().isEmpty());
            return;
        }
        // A refused key never reaches the upstream, and the error says why without echoing the key.
        QCOMPARE(m_gw->upstream.http().requests.size(), forwardedBefore);
        QVERIFY2(!r.errorMessage().isEmpty(), r.body.constData());
        QVERIFY(!r.errorCode().isEmpty());
        if (!code.isEmpty())
            QCOMPARE(r.errorCode(), code);
        if (token.size() > 20)
            QVERIFY(!r.body.contains(token));
        QVERIFY(!r.body.contains(m_gw->tenantKey));
    }

    void modelRules_data()
    {
        QTest::addColumn<QJsonArray>("keyModels");
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");

        const QString m1 = QStringLiteral("m1");
        const QString m2 = QStringLiteral("m2");
        QTest::newRow("m1 key calls m1") << QJsonArray{m1} << m1 << 200 << QString();
        QTest::newRow("m1 key calls m2") << QJsonArray{m1} << m2 << 403 << QStringLiteral("model_not_allowed");
        QTest::newRow("[m1,m2] key calls m1") << QJsonArray{m1, m2} << m1 << 200 << QString();
        QTest::newRow("[m1,m2] key calls m2") << QJsonArray{m1, m2} << m2 << 200 << QString();
        QTest::newRow("[m1,m2] key calls m3") << QJsonArray{m1, m2} << QStringLiteral("m3") << 403 << QStringLiteral("model_not_allowed");
        QTest::newRow("model no upstream serves") << QJsonArray{QStringLiteral("ghost")} << QStringLiteral("ghost") << 404
                                                  << QStringLiteral("model_not_found");
    }

    void modelRules()
    {
        QFETCH(QJsonArray, keyModels);
        QFETCH(QString, model);
        QFETCH(int, status);
        QFETCH(QString, code);

        const QByteArray key = m_gw->mint({{QStringLiteral("model"), QJsonValue::Null}, {QStringLiteral("models"), keyModels}});
        const int forwardedBefore = int(m_gw->upstream.http().requests.size());
        const HttpResult r = m_gw->chat(key, Gateway::chatBody(model));
        QVERIFY2(r.status == status, qPrintable(QStringLiteral("status %1, body %2").arg(r.status).arg(QString::fromUtf8(r.body))));
        QCOMPARE(r.errorCode(), code);
        QCOMPARE(m_gw->upstream.http().requests.size(), forwardedBefore + (status == 200 ? 1 : 0));
        if (status == 200)
            QCOMPARE(m_gw->upstream.lastBody().value(QLatin1String("model")).toString(), model);
    }

    void listModels_data()
    {
        QTest::addColumn<QJsonObject>("overrides");
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("model m1") << QJsonObject() << QStringList{QStringLiteral("m1")};
        QTest::newRow("models m1, m2") << QJsonObject{{QStringLiteral("model"), QJsonValue::Null},
                                                      {QStringLiteral("models"), QJsonArray{QStringLiteral("m1"), QStringLiteral("m2")}}}
                                       << QStringList{QStringLiteral("m1"), QStringLiteral("m2")};
        QTest::newRow("unserved models left out") << QJsonObject{{QStringLiteral("model"), QJsonValue::Null},
                                                                 {QStringLiteral("models"), QJsonArray{QStringLiteral("ghost"), QStringLiteral("m2")}}}
                                                  << QStringList{QStringLiteral("m2")};
        QTest::newRow("nothing served") << QJsonObject{{QStringLiteral("model"), QStringLiteral("ghost")}} << QStringList();
    }

    void listModels()
    {
        QFETCH(QJsonObject, overrides);
        QFETCH(QStringList, expected);

        const HttpResult r = m_gw->http.get(QStringLiteral("/v1/models"), m_gw->mint(overrides));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QLatin1String("object")).toString(), QStringLiteral("list"));
        QStringList ids;
        for (const QJsonValue &m : r.data())
            ids.append(m.toObject().value(QLatin1String("id")).toString());
        ids.sort();
        QCOMPARE(ids, expected);
    }

    void listModelsNeedsAKey()
    {
        QCOMPARE(m_gw->http.get(QStringLiteral("/v1/models")).status, 401);
        QCOMPARE(m_gw->http.get(QStringLiteral("/v1/models"), m_gw->mint({}, "another-secret-entirely")).status, 401);
    }

    // A key minted by PyJWT, as a tenant's Python backend would, is accepted unchanged.
    void pyjwtKeyIsAccepted()
    {
        const QString python = pythonWithJwt();
        if (python.isEmpty())
            QSKIP("no Python with PyJWT (set DYNASEAL_PYTHON to one)");
        const QString script = QStringLiteral(
            "import sys, time, jwt\n"
            "tenant, secret, event = sys.argv[1], sys.argv[2], sys.argv[3]\n"
            "claims = {'api-key': tenant, 'model': 'm1', 'max_tokens': 200,\n"
            "          'expiring': time.time() + 300, 'event_id': event}\n"
            "token = jwt.encode(claims, secret, algorithm='HS256')\n"
            "print(token if isinstance(token, str) else token.decode())\n");
        QProcess p;
        p.start(python, {QStringLiteral("-c"), script, m_gw->tenantId, QString::fromLatin1(m_gw->tenantKey), QStringLiteral("evt-pyjwt")});
        QVERIFY(p.waitForFinished(20'000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QByteArray token = p.readAllStandardOutput().trimmed();
        QCOMPARE(token.count('.'), 2);

        const HttpResult r = m_gw->chat(token, Gateway::chatBody());
        QVERIFY2(r.status == 200, r.body.constData());
        const QJsonObject callback = callbackFor(r);
        QCOMPARE(callback.value(QLatin1String("event_id")).toString(), QStringLiteral("evt-pyjwt"));
        QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
    }

    void tenantMintsKey()
    {
        const auto mint = [&](qint64 maxTokens, const QString &eventId) {
            return m_gw->http.post(QStringLiteral("/v1/dynamic-keys"),
                                   {{QStringLiteral("model"), QStringLiteral("m1")}, {QStringLiteral("max_tokens"), maxTokens},
                                    {QStringLiteral("ttl_seconds"), 60}, {QStringLiteral("event_id"), eventId}},
                                   m_gw->tenantKey);
        };
        const qint64 before = now();
        const HttpResult minted = mint(50, QStringLiteral("e1"));
        QVERIFY2(minted.status == 200, minted.body.constData());
        const QByteArray token = minted.token();
        QCOMPARE(token.count('.'), 2);
        QCOMPARE(minted.json().value(QLatin1String("event_id")).toString(), QStringLiteral("e1"));
        const qint64 expiresAt = minted.json().value(QLatin1String("expires_at")).toInteger();
        QVERIFY2(expiresAt >= before + 60 && expiresAt <= now() + 60, qPrintable(QString::number(expiresAt - before)));
        // The server-minted key carries the claims asked for, signed with the tenant key.
        const QJsonObject payload = QJsonDocument::fromJson(QByteArray::fromBase64(token.split('.').at(1), QByteArray::Base64UrlEncoding)).object();
        QCOMPARE(payload.value(QLatin1String("max_tokens")).toInteger(), 50);
        QCOMPARE(payload.value(QLatin1String("event_id")).toString(), QStringLiteral("e1"));
        const QByteArray signingInput = token.left(token.lastIndexOf('.'));
        QCOMPARE(token.mid(token.lastIndexOf('.') + 1), b64(QMessageAuthenticationCode::hash(signingInput, m_gw->tenantKey, QCryptographicHash::Sha256)));

        // A short chat fits a 50-token budget (prompt bound 2 + 8 + 32, completion 5); a prompt
        // whose bound alone passes the budget is refused for its budget, not its signature.
        const QByteArray body = Gateway::chatBody(QStringLiteral("m1"), false, {{QStringLiteral("max_tokens"), 5}}, QStringLiteral("hi"));
        const QByteArray longBody = Gateway::chatBody(QStringLiteral("m1"), false, {{QStringLiteral("max_tokens"), 5}}, QString(20, QLatin1Char('x')));
        HttpResult r = m_gw->chat(token, longBody);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), QStringLiteral("budget_exhausted"));

        // The minted key works and its event id reaches the callback.
        const QByteArray usable = token;
        r = m_gw->chat(usable, body);
        QVERIFY2(r.status == 200, r.body.constData());
        const QJsonObject callback = callbackFor(r);
        QCOMPARE(callback.value(QLatin1String("event_id")).toString(), QStringLiteral("e1"));
        QCOMPARE(callback.value(QLatin1String("tenant_id")).toString(), m_gw->tenantId);
        // It allows only the model it was minted for.
        QCOMPARE(m_gw->chat(usable, Gateway::chatBody(QStringLiteral("m2"))).status, 403);

        // Without an event id the server makes one up and returns it.
        const HttpResult generated = m_gw->http.post(QStringLiteral("/v1/dynamic-keys"),
                                                     {{QStringLiteral("model"), QStringLiteral("m1")}, {QStringLiteral("max_tokens"), 500},
                                                      {QStringLiteral("ttl_seconds"), 60}},
                                                     m_gw->tenantKey);
        QCOMPARE(generated.status, 200);
        QVERIFY(!generated.json().value(QLatin1String("event_id")).toString().isEmpty());
    }

    void mintRefusesBadTenantKeys()
    {
        const QJsonObject body{{QStringLiteral("model"), QStringLiteral("m1")}, {QStringLiteral("max_tokens"), 50}, {QStringLiteral("ttl_seconds"), 60}};
        HttpResult r = m_gw->http.post(QStringLiteral("/v1/dynamic-keys"), body);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QStringLiteral("missing_api_key"));
        r = m_gw->http.post(QStringLiteral("/v1/dynamic-keys"), body, "tk_not-a-real-tenant-key");
        QCOMPARE(r.status, 401);
        // A dynamic key is not a tenant key.
        QCOMPARE(m_gw->http.post(QStringLiteral("/v1/dynamic-keys"), body, m_gw->mint()).status, 401);

        // A second tenant key works until it is revoked, then at once no longer.
        const HttpResult issued = m_gw->http.post(QStringLiteral("/admin/v1/tenants/%1/keys").arg(m_gw->tenantId), {}, m_gw->adminToken);
        QCOMPARE(issued.status, 201);
        const QByteArray second = issued.json().value(QLatin1String("key")).toString().toLatin1();
        const QString secondId = issued.json().value(QLatin1String("id")).toString();
        QCOMPARE(m_gw->http.post(QStringLiteral("/v1/dynamic-keys"), body, second).status, 200);
        const QByteArray signedBySecond = m_gw->mint({}, second);
        QCOMPARE(m_gw->chat(signedBySecond, Gateway::chatBody()).status, 200);
        QCOMPARE(m_gw->http.del(QStringLiteral("/admin/v1/tenants/%1/keys/%2").arg(m_gw->tenantId, secondId), m_gw->adminToken).status, 204);
        r = m_gw->http.post(QStringLiteral("/v1/dynamic-keys"), body, second);
        QCOMPARE(r.status, 401);
        QVERIFY(!r.body.contains(second));
        // Dynamic keys it signed die with it; the first key is untouched.
        QCOMPARE(m_gw->chat(signedBySecond, Gateway::chatBody()).status, 401);
        QCOMPARE(m_gw->http.post(QStringLiteral("/v1/dynamic-keys"), body, m_gw->tenantKey).status, 200);
    }

    void keyChangesThroughAnotherServer_data()
    {
        QTest::addColumn<int>("refreshMs"); // the other server's --registry-refresh-ms
        QTest::newRow("looked for every 100 ms: they arrive") << 100;
        QTest::newRow("never looked for: they do not") << 0;
    }

    void keyChangesThroughAnotherServer()
    {
        // Two servers on one database: a tenant key issued, then revoked, through the first is
        // accepted, then refused, by the second once it looks for changes.
        QFETCH(int, refreshMs);
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        ServerProcess other({QStringLiteral("--registry-refresh-ms"), QString::number(refreshMs)});
        QVERIFY2(gw.startAnotherServer(other, &why), qPrintable(why));
        TestHttp device(other.origin());
        const auto statusThroughOther = [&](const QByteArray &dynamicKey) {
            return device.postRaw(QStringLiteral("/v1/chat/completions"), Gateway::chatBody(), dynamicKey).status;
        };
        QCOMPARE(statusThroughOther(gw.mint()), 200); // loaded at its start

        const HttpResult issued = gw.http.post(QStringLiteral("/admin/v1/tenants/%1/keys").arg(gw.tenantId), {}, gw.adminToken);
        QCOMPARE(issued.status, 201);
        const QByteArray signedBySecond = gw.mint({}, issued.json().value(QLatin1String("key")).toString().toLatin1());
        QCOMPARE(gw.chat(signedBySecond, Gateway::chatBody()).status, 200); // the first server at once
        if (refreshMs == 0) {
            QTest::qWait(1'000);
            QCOMPARE(statusThroughOther(signedBySecond), 401);
            QVERIFY(!other.output().contains("registry reloaded"));
            return;
        }
        QVERIFY(waitFor([&] { return statusThroughOther(signedBySecond) == 200; }, 5'000));

        const QString secondId = issued.json().value(QLatin1String("id")).toString();
        QCOMPARE(gw.http.del(QStringLiteral("/admin/v1/tenants/%1/keys/%2").arg(gw.tenantId, secondId), gw.adminToken).status, 204);
        QVERIFY(waitFor([&] { return statusThroughOther(signedBySecond) == 401; }, 5'000));
        QCOMPARE(statusThroughOther(gw.mint()), 200); // the first key is untouched
        QVERIFY2(waitFor([&] { return other.output().contains("registry reloaded"); }), other.output().constData());
    }

    void mintRefusesBadBodies_data()
    {
        QTest::addColumn<QByteArray>("body");

        auto json = [](QJsonObject changes) {
            QJsonObject body{{QStringLiteral("model"), QStringLiteral("m1")}, {QStringLiteral("max_tokens"), 50}, {QStringLiteral("ttl_seconds"), 60}};
            for (auto it = changes.begin(); it != changes.end(); ++it) {
                if (it.value().isNull())
                    body.remove(it.key());
                else
                    body.insert(it.key(), it.value());
            }
            return compact(body);
        };
        QTest::newRow("missing model") << json({{QStringLiteral("model"), QJsonValue::Null}});
        QTest::newRow("model not a string") << json({{QStringLiteral("model"), 3}});
        QTest::newRow("missing max_tokens") << json({{QStringLiteral("max_tokens"), QJsonValue::Null}});
        QTest::newRow("max_tokens 0") << json({{QStringLiteral("max_tokens"), 0}});
        QTest::newRow("max_tokens 2.5") << json({{QStringLiteral("max_tokens"), 2.5}});
        QTest::newRow("missing ttl") << json({{QStringLiteral("ttl_seconds"), QJsonValue::Null}});
        QTest::newRow("ttl 0") << json({{QStringLiteral("ttl_seconds"), 0}});
        QTest::newRow("ttl over the lifetime cap") << json({{QStringLiteral("ttl_seconds"), kMaxLifetime + 1}});
        QTest::newRow("unknown field") << json({{QStringLiteral("budget"), 10}});
        QTest::newRow("event_id not a string") << json({{QStringLiteral("event_id"), 12}});
        QTest::newRow("not JSON") << QByteArray("model=m1&max_tokens=50");
        QTest::newRow("JSON array") << QByteArray("[]");
    }

    void mintRefusesBadBodies()
    {
        QFETCH(QByteArray, body);
        const HttpResult r = m_gw->http.postRaw(QStringLiteral("/v1/dynamic-keys"), body, m_gw->tenantKey);
        QVERIFY2(r.status == 400, qPrintable(QStringLiteral("status %1, body %2").arg(r.status).arg(QString::fromUtf8(r.body))));
        QVERIFY(!r.errorMessage().isEmpty());
        QVERIFY(!r.json().contains(QLatin1String("token")));
    }
};

QTEST_GUILESS_MAIN(DynamicKeyAuthTest)
#include "DynamicKeyAuthTest.moc"

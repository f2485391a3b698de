// DynamicKeyVerifier: every rule a dynamic key is checked against, with the error code each
// refusal carries, against a hand-built registry and a clock the test moves.
#include "server/core/DynamicKeyVerifier.h"

#include "shared/Crypto.h"
#include "shared/Jwt.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QtTest>

#include <optional>

using namespace dynaseal;

namespace {

constexpr qint64 kNowMs = 1'700'000'000'000;
constexpr qint64 kNow = kNowMs / 1000;
constexpr qint64 kDefaultLifetime = 3600;

const QByteArray kSecretOne = "acme-secret-one";
const QByteArray kSecretTwo = "acme-secret-two";
const QByteArray kShortSecret = "short-secret";
const QByteArray kLongSecret = "long-secret";

// RFC 8037 A.4's Ed25519 public key: a real key of another algorithm.
const QByteArray kEd25519Pem = "-----BEGIN PUBLIC KEY-----\n"
                               "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                               "-----END PUBLIC KEY-----\n";

// `prepared`: the HMAC key is prepared as RegistryLoader does; otherwise only the secret is set.
TenantKey hsKey(const QString &id, const QByteArray &secret, bool prepared)
{
    TenantKey k;
    k.id = id;
    k.alg = QStringLiteral("HS256");
    k.secret = secret;
    if (prepared)
        k.hmacKey = crypto::HmacSha256Key(secret);
    return k;
}

RegistrySnapshot makeRegistry(bool prepared = false)
{
    RegistrySnapshot r;
    Tenant acme;
    acme.id = QStringLiteral("acme");
    acme.name = QStringLiteral("Acme");
    acme.keys = {hsKey(QStringLiteral("k1"), kSecretOne, prepared), hsKey(QStringLiteral("k2"), kSecretTwo, prepared)};
    r.tenants.insert(acme.id, acme);

    Tenant shortLived;
    shortLived.id = QStringLiteral("short");
    shortLived.maxKeyLifetimeSecs = 60;
    shortLived.keys = {hsKey(QStringLiteral("s1"), kShortSecret, prepared)};
    r.tenants.insert(shortLived.id, shortLived);

    Tenant longLived;
    longLived.id = QStringLiteral("long");
    longLived.maxKeyLifetimeSecs = 7200;
    longLived.keys = {hsKey(QStringLiteral("l1"), kLongSecret, prepared)};
    r.tenants.insert(longLived.id, longLived);

    Tenant edOnly;
    edOnly.id = QStringLiteral("edonly");
    TenantKey ed;
    ed.id = QStringLiteral("e1");
    ed.alg = QStringLiteral("EdDSA");
    ed.publicKeyPem = kEd25519Pem;
    edOnly.keys = {ed};
    r.tenants.insert(edOnly.id, edOnly);

    Tenant noKeys;
    noKeys.id = QStringLiteral("nokeys");
    r.tenants.insert(noKeys.id, noKeys);
    return r;
}

// The Dynaseal-format payload every row starts from.
QJsonObject basePayload()
{
    return QJsonObject{{QStringLiteral("api-key"), QStringLiteral("acme")},
                       {QStringLiteral("model"), QStringLiteral("m1")},
                       {QStringLiteral("max_tokens"), 100},
                       {QStringLiteral("expiring"), double(kNow + 600)},
                       {QStringLiteral("event_id"), QStringLiteral("ev-1")}};
}

QJsonObject with(QJsonObject o, const QString &name, const QJsonValue &value)
{
    if (value.isUndefined())
        o.remove(name);
    else
        o.insert(name, value);
    return o;
}

QJsonObject without(QJsonObject o, const QString &name)
{
    o.remove(name);
    return o;
}

QByteArray sign(const QJsonObject &payload, const QByteArray &secret = kSecretOne, const QJsonObject &header = {})
{
    return jwt::signHs256(header, payload, secret);
}

QByteArray b64Json(const QJsonObject &o)
{
    return crypto::base64UrlEncode(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QByteArray unsignedToken(const QString &alg)
{
    return b64Json(QJsonObject{{QStringLiteral("alg"), alg}, {QStringLiteral("typ"), QStringLiteral("JWT")}}) + '.'
        + b64Json(basePayload()) + '.';
}

// HMAC-SHA256 over a header naming another algorithm (jwt::signHs256 always says HS256).
QByteArray signedAs(const QString &alg, const QByteArray &secret)
{
    const QByteArray input = b64Json(QJsonObject{{QStringLiteral("alg"), alg}, {QStringLiteral("typ"), QStringLiteral("JWT")}}) + '.'
        + b64Json(basePayload());
    return input + '.' + crypto::base64UrlEncode(crypto::hmacSha256(secret, input));
}

// A token signed correctly whose payload is then swapped for another.
QByteArray tampered()
{
    const QList<QByteArray> parts = sign(basePayload()).split('.');
    return parts.at(0) + '.' + b64Json(with(basePayload(), QStringLiteral("max_tokens"), 1'000'000)) + '.' + parts.at(2);
}

const VerifiedKey *accepted(const std::variant<VerifiedKey, ApiError> &result)
{
    return std::get_if<VerifiedKey>(&result);
}

QString describe(const std::variant<VerifiedKey, ApiError> &result)
{
    if (const auto *e = std::get_if<ApiError>(&result))
        return QStringLiteral("refused: %1 (%2)").arg(e->code, e->message);
    return QStringLiteral("accepted");
}

// Everything a result says, to compare two answers field by field.
QString fullDescription(const std::variant<VerifiedKey, ApiError> &result)
{
    if (const auto *e = std::get_if<ApiError>(&result))
        return QStringLiteral("refused %1 %2 %3").arg(e->status).arg(e->code, e->message);
    const VerifiedKey &k = std::get<VerifiedKey>(result);
    return QStringLiteral("accepted tenant=%1 key=%2 hash=%3 models=%4 max=%5 expires=%6 event=%7")
        .arg(k.tenantId, k.tenantKeyId, k.keyHash, k.models.join(QLatin1Char(',')))
        .arg(k.maxTokens)
        .arg(k.expiresAtSecs)
        .arg(k.eventId);
}

// `registry` after an admin change, as the snapshot that replaces it.
RegistrySnapshot changed(const RegistrySnapshot &registry, const QString &change)
{
    RegistrySnapshot next = registry;
    Tenant &acme = next.tenants[QStringLiteral("acme")];
    if (change == QLatin1String("revoke k1"))
        acme.keys.removeFirst();
    else if (change == QLatin1String("revoke all keys"))
        acme.keys.clear();
    else if (change == QLatin1String("rotate k1's secret"))
        acme.keys[0] = hsKey(QStringLiteral("k1"), "acme-secret-new", true);
    else if (change == QLatin1String("remove tenant"))
        next.tenants.remove(QStringLiteral("acme"));
    else if (change == QLatin1String("lower lifetime cap"))
        acme.maxKeyLifetimeSecs = 60;
    return next;
}

} // namespace

class DynamicKeyVerifierTest : public QObject
{
    Q_OBJECT

private slots:
    void verify_data();
    void verify();
    void expiryFollowsClock_data();
    void expiryFollowsClock();
    void notBeforeFollowsClock();
    void keyHash();
    void cachedKeyFollowsClock_data();
    void cachedKeyFollowsClock();
    void newSnapshotDropsCachedKey_data();
    void newSnapshotDropsCachedKey();
    void otherTokenNotServedFromCache_data();
    void otherTokenNotServedFromCache();

private:
    RegistrySnapshot m_registry = makeRegistry();
    RegistrySnapshot m_prepared = makeRegistry(true);
};

void DynamicKeyVerifierTest::verify_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("code");         // empty: accepted
    QTest::addColumn<QString>("messagePart");  // refusals: words the message must contain
    QTest::addColumn<QString>("keyId");
    QTest::addColumn<QString>("eventId");
    QTest::addColumn<QStringList>("models");
    QTest::addColumn<qint64>("expiresAt");
    QTest::addColumn<QString>("tenantId");

    const QString ok;
    const QJsonObject base = basePayload();
    const QStringList m1{QStringLiteral("m1")};
    const QString acme = QStringLiteral("acme");
    const QString k1 = QStringLiteral("k1");
    const QString k2 = QStringLiteral("k2");
    const QString ev1 = QStringLiteral("ev-1");
    const qint64 exp = kNow + 600;
    const QJsonObject kidK1{{QStringLiteral("kid"), QStringLiteral("k1")}};
    const QJsonObject kidK2{{QStringLiteral("kid"), QStringLiteral("k2")}};

    // --- accepted ---
    QTest::newRow("dynaseal format") << sign(base) << ok << QString() << k1 << ev1 << m1 << exp << acme;
    QTest::newRow("standard claims: sub exp jti models")
        << sign(QJsonObject{{QStringLiteral("sub"), QStringLiteral("acme")},
                            {QStringLiteral("models"), QJsonArray{QStringLiteral("m1"), QStringLiteral("m2")}},
                            {QStringLiteral("max_tokens"), 5},
                            {QStringLiteral("exp"), double(kNow + 60)},
                            {QStringLiteral("iat"), double(kNow)},
                            {QStringLiteral("jti"), QStringLiteral("jti-7")}})
        << ok << QString() << k1 << QStringLiteral("jti-7") << QStringList{QStringLiteral("m1"), QStringLiteral("m2")} << kNow + 60 << acme;
    QTest::newRow("event_id preferred over jti")
        << sign(with(base, QStringLiteral("jti"), QStringLiteral("jti-7"))) << ok << QString() << k1 << ev1 << m1 << exp << acme;
    QTest::newRow("event id from jti")
        << sign(with(without(base, QStringLiteral("event_id")), QStringLiteral("jti"), QStringLiteral("jti-8")))
        << ok << QString() << k1 << QStringLiteral("jti-8") << m1 << exp << acme;
    QTest::newRow("numeric event_id")
        << sign(with(base, QStringLiteral("event_id"), 12345)) << ok << QString() << k1 << QStringLiteral("12345") << m1 << exp << acme;
    QTest::newRow("no event id") << sign(without(base, QStringLiteral("event_id"))) << ok << QString() << k1 << QString() << m1 << exp << acme;
    QTest::newRow("api-key wins over sub")
        << sign(with(base, QStringLiteral("sub"), QStringLiteral("someone-else"))) << ok << QString() << k1 << ev1 << m1 << exp << acme;
    QTest::newRow("model and models together")
        << sign(with(base, QStringLiteral("models"), QJsonArray{QStringLiteral("m2")}))
        << ok << QString() << k1 << ev1 << QStringList{QStringLiteral("m1"), QStringLiteral("m2")} << exp << acme;
    QTest::newRow("kid selects the first key") << sign(base, kSecretOne, kidK1) << ok << QString() << k1 << ev1 << m1 << exp << acme;
    QTest::newRow("kid selects the second key") << sign(base, kSecretTwo, kidK2) << ok << QString() << k2 << ev1 << m1 << exp << acme;
    QTest::newRow("rotation: no kid, second active key") << sign(base, kSecretTwo) << ok << QString() << k2 << ev1 << m1 << exp << acme;
    QTest::newRow("float expiring rounds up")
        << sign(with(base, QStringLiteral("expiring"), double(kNow) + 10.5)) << ok << QString() << k1 << ev1 << m1 << kNow + 11 << acme;
    QTest::newRow("expiring in one second")
        << sign(with(base, QStringLiteral("expiring"), double(kNow + 1))) << ok << QString() << k1 << ev1 << m1 << kNow + 1 << acme;
    QTest::newRow("expiring wins over exp")
        << sign(with(base, QStringLiteral("exp"), double(kNow - 100))) << ok << QString() << k1 << ev1 << m1 << exp << acme;
    QTest::newRow("nbf now") << sign(with(base, QStringLiteral("nbf"), double(kNow))) << ok << QString() << k1 << ev1 << m1 << exp << acme;
    QTest::newRow("nbf in the past") << sign(with(base, QStringLiteral("nbf"), double(kNow - 100))) << ok << QString() << k1 << ev1 << m1 << exp << acme;
    QTest::newRow("lifetime exactly the default")
        << sign(with(base, QStringLiteral("expiring"), double(kNow + kDefaultLifetime))) << ok << QString() << k1 << ev1 << m1 << kNow + kDefaultLifetime << acme;
    QTest::newRow("recent iat within the default")
        << sign(with(with(base, QStringLiteral("iat"), double(kNow - 600)), QStringLiteral("expiring"), double(kNow + 3000)))
        << ok << QString() << k1 << ev1 << m1 << kNow + 3000 << acme;
    QTest::newRow("iat in the future counts from now")
        << sign(with(with(base, QStringLiteral("iat"), double(kNow + 500)), QStringLiteral("expiring"), double(kNow + kDefaultLifetime)))
        << ok << QString() << k1 << ev1 << m1 << kNow + kDefaultLifetime << acme;
    QTest::newRow("tenant override shorter: at its cap")
        << sign(with(with(base, QStringLiteral("api-key"), QStringLiteral("short")), QStringLiteral("expiring"), double(kNow + 60)), kShortSecret)
        << ok << QString() << QStringLiteral("s1") << ev1 << m1 << kNow + 60 << QStringLiteral("short");
    QTest::newRow("tenant override longer than the default")
        << sign(with(with(base, QStringLiteral("api-key"), QStringLiteral("long")), QStringLiteral("expiring"), double(kNow + 7200)), kLongSecret)
        << ok << QString() << QStringLiteral("l1") << ev1 << m1 << kNow + 7200 << QStringLiteral("long");

    // --- refused ---
    const QString invalid = QStringLiteral("invalid_api_key");
    auto refuse = [&](const char *name, const QByteArray &token, const QString &code, const QString &part) {
        QTest::newRow(name) << token << code << part << QString() << QString() << QStringList() << qint64(0) << QString();
    };
    refuse("empty token", QByteArray(), invalid, QStringLiteral("not a valid JWT"));
    refuse("two parts", QByteArray("abc.def"), invalid, QStringLiteral("not a valid JWT"));
    refuse("not base64 JSON", QByteArray("a.b.c"), invalid, QStringLiteral("not a valid JWT"));
    refuse("alg none", unsignedToken(QStringLiteral("none")), QStringLiteral("algorithm_not_allowed"), QStringLiteral("none"));
    refuse("alg NONE", unsignedToken(QStringLiteral("NONE")), QStringLiteral("algorithm_not_allowed"), QStringLiteral("none"));
    refuse("no tenant claim", sign(without(base, QStringLiteral("api-key"))), invalid, QStringLiteral("names no tenant"));
    refuse("empty api-key", sign(with(base, QStringLiteral("api-key"), QString())), invalid, QStringLiteral("names no tenant"));
    refuse("numeric api-key", sign(with(base, QStringLiteral("api-key"), 7)), invalid, QStringLiteral("names no tenant"));
    refuse("unknown tenant", sign(with(base, QStringLiteral("api-key"), QStringLiteral("ghost"))), QStringLiteral("unknown_tenant"), QStringLiteral("unknown tenant"));
    refuse("kid names no key", sign(base, kSecretOne, QJsonObject{{QStringLiteral("kid"), QStringLiteral("k9")}}),
           QStringLiteral("unknown_key"), QStringLiteral("kid"));
    refuse("kid not a string", sign(base, kSecretOne, QJsonObject{{QStringLiteral("kid"), 7}}),
           QStringLiteral("unknown_key"), QStringLiteral("kid"));
    refuse("kid of another tenant", sign(base, kShortSecret, QJsonObject{{QStringLiteral("kid"), QStringLiteral("s1")}}),
           QStringLiteral("unknown_key"), QStringLiteral("kid"));
    refuse("kid on a tenant without keys", sign(with(base, QStringLiteral("api-key"), QStringLiteral("nokeys")), kSecretOne, kidK1),
           QStringLiteral("unknown_key"), QStringLiteral("kid"));
    refuse("HS256 for an EdDSA-only tenant", sign(with(base, QStringLiteral("api-key"), QStringLiteral("edonly"))),
           QStringLiteral("algorithm_not_allowed"), QStringLiteral("HS256"));
    refuse("kid names a key of another algorithm",
           sign(with(base, QStringLiteral("api-key"), QStringLiteral("edonly")), kSecretOne, QJsonObject{{QStringLiteral("kid"), QStringLiteral("e1")}}),
           QStringLiteral("algorithm_not_allowed"), QStringLiteral("HS256"));
    refuse("tenant without keys", sign(with(base, QStringLiteral("api-key"), QStringLiteral("nokeys"))),
           QStringLiteral("algorithm_not_allowed"), QStringLiteral("not allowed"));
    refuse("lower-case hs256 header", signedAs(QStringLiteral("hs256"), kSecretOne), QStringLiteral("algorithm_not_allowed"), QStringLiteral("hs256"));
    refuse("HS384 header", signedAs(QStringLiteral("HS384"), kSecretOne),
           QStringLiteral("algorithm_not_allowed"), QStringLiteral("HS384"));
    refuse("wrong secret", sign(base, "not-a-tenant-key"), QStringLiteral("invalid_signature"), QStringLiteral("signature"));
    refuse("kid k1 but signed with k2", sign(base, kSecretTwo, kidK1), QStringLiteral("invalid_signature"), QStringLiteral("signature"));
    refuse("tampered payload", tampered(), QStringLiteral("invalid_signature"), QStringLiteral("signature"));
    refuse("signature stripped", sign(base).left(sign(base).lastIndexOf('.') + 1), QStringLiteral("invalid_signature"), QStringLiteral("signature"));
    refuse("no expiry", sign(without(base, QStringLiteral("expiring"))), invalid, QStringLiteral("no expiry"));
    refuse("expiry as a string", sign(with(base, QStringLiteral("expiring"), QString::number(kNow + 600))), invalid, QStringLiteral("no expiry"));
    refuse("expiring exactly now", sign(with(base, QStringLiteral("expiring"), double(kNow))), QStringLiteral("key_expired"), QStringLiteral("expired"));
    refuse("exp a second ago", sign(with(without(base, QStringLiteral("expiring")), QStringLiteral("exp"), double(kNow - 1))),
           QStringLiteral("key_expired"), QStringLiteral("expired"));
    refuse("float expiring just passed", sign(with(base, QStringLiteral("expiring"), double(kNow) - 0.25)), QStringLiteral("key_expired"), QStringLiteral("expired"));
    refuse("nbf a second ahead", sign(with(base, QStringLiteral("nbf"), double(kNow + 1))), QStringLiteral("key_not_yet_valid"), QStringLiteral("nbf"));
    refuse("lifetime over the default", sign(with(base, QStringLiteral("expiring"), double(kNow + kDefaultLifetime + 1))),
           QStringLiteral("key_lifetime_too_long"), QStringLiteral("3600 s"));
    refuse("old iat counts toward the lifetime",
           sign(with(with(base, QStringLiteral("iat"), double(kNow - 3000)), QStringLiteral("expiring"), double(kNow + 601))),
           QStringLiteral("key_lifetime_too_long"), QStringLiteral("3600 s"));
    refuse("tenant override shorter: over its cap",
           sign(with(with(base, QStringLiteral("api-key"), QStringLiteral("short")), QStringLiteral("expiring"), double(kNow + 61)), kShortSecret),
           QStringLiteral("key_lifetime_too_long"), QStringLiteral("60 s"));
    refuse("tenant override shorter: iat counts",
           sign(with(with(with(base, QStringLiteral("api-key"), QStringLiteral("short")), QStringLiteral("iat"), double(kNow - 30)),
                     QStringLiteral("expiring"), double(kNow + 31)), kShortSecret),
           QStringLiteral("key_lifetime_too_long"), QStringLiteral("60 s"));
    refuse("tenant override longer: over its cap",
           sign(with(with(base, QStringLiteral("api-key"), QStringLiteral("long")), QStringLiteral("expiring"), double(kNow + 7201)), kLongSecret),
           QStringLiteral("key_lifetime_too_long"), QStringLiteral("7200 s"));
    refuse("max_tokens missing", sign(without(base, QStringLiteral("max_tokens"))), invalid, QStringLiteral("max_tokens"));
    refuse("max_tokens zero", sign(with(base, QStringLiteral("max_tokens"), 0)), invalid, QStringLiteral("max_tokens"));
    refuse("max_tokens negative", sign(with(base, QStringLiteral("max_tokens"), -5)), invalid, QStringLiteral("max_tokens"));
    refuse("max_tokens fractional", sign(with(base, QStringLiteral("max_tokens"), 1.5)), invalid, QStringLiteral("max_tokens"));
    refuse("max_tokens as a string", sign(with(base, QStringLiteral("max_tokens"), QStringLiteral("100"))), invalid, QStringLiteral("max_tokens"));
    refuse("max_tokens absurdly large", sign(with(base, QStringLiteral("max_tokens"), 1e16)), invalid, QStringLiteral("max_tokens"));
    refuse("models not a list", sign(with(base, QStringLiteral("models"), QStringLiteral("m2"))), invalid, QStringLiteral("models"));
    refuse("models with a number", sign(with(base, QStringLiteral("models"), QJsonArray{1})), invalid, QStringLiteral("models"));
    refuse("models with an empty name", sign(with(base, QStringLiteral("models"), QJsonArray{QString()})), invalid, QStringLiteral("models"));
    refuse("no model", sign(without(base, QStringLiteral("model"))), invalid, QStringLiteral("names no model"));
    refuse("empty model, no models", sign(with(base, QStringLiteral("model"), QString())), invalid, QStringLiteral("names no model"));
    refuse("empty models list", sign(with(without(base, QStringLiteral("model")), QStringLiteral("models"), QJsonArray())), invalid,
           QStringLiteral("names no model"));
}

void DynamicKeyVerifierTest::verify()
{
    QFETCH(QByteArray, token);
    QFETCH(QString, code);
    QFETCH(QString, messagePart);
    QFETCH(QString, keyId);
    QFETCH(QString, eventId);
    QFETCH(QStringList, models);
    QFETCH(qint64, expiresAt);
    QFETCH(QString, tenantId);

    ManualClock clock(kNowMs);
    // Every way of asking gives the same answer: cache off or on (asked twice, so an accepted
    // key's second answer comes from the cache), keys prepared as RegistryLoader does or not.
    const DynamicKeyVerifier uncached(clock, kDefaultLifetime, 0);
    const DynamicKeyVerifier cached(clock, kDefaultLifetime);
    const DynamicKeyVerifier cachedPrepared(clock, kDefaultLifetime);
    const auto result = uncached.verify(token, m_registry);
    const QString expected = fullDescription(result);
    QCOMPARE(fullDescription(uncached.verify(token, m_prepared)), expected);
    QCOMPARE(fullDescription(cached.verify(token, m_registry)), expected);
    QCOMPARE(fullDescription(cached.verify(token, m_registry)), expected);
    QCOMPARE(fullDescription(cachedPrepared.verify(token, m_prepared)), expected);
    QCOMPARE(fullDescription(cachedPrepared.verify(token, m_prepared)), expected);

    if (code.isEmpty()) {
        const VerifiedKey *key = accepted(result);
        QVERIFY2(key, qPrintable(describe(result)));
        QCOMPARE(key->tenantId, tenantId);
        QCOMPARE(key->tenantKeyId, keyId);
        QCOMPARE(key->eventId, eventId);
        QCOMPARE(key->models, models);
        QCOMPARE(key->expiresAtSecs, expiresAt);
        QVERIFY(key->maxTokens >= 1);
        return;
    }
    const auto *error = std::get_if<ApiError>(&result);
    QVERIFY2(error, "the key was accepted");
    QCOMPARE(error->status, 401);
    QCOMPARE(error->code, code);
    QVERIFY2(error->message.contains(messagePart), qPrintable(error->message));
    // Refusals never echo a tenant secret.
    for (const QByteArray &secret : {kSecretOne, kSecretTwo, kShortSecret, kLongSecret})
        QVERIFY(!error->message.contains(QString::fromLatin1(secret)));
}

void DynamicKeyVerifierTest::expiryFollowsClock_data()
{
    QTest::addColumn<double>("expiresIn"); // seconds after the start time
    QTest::addColumn<qint64>("lastGoodMs"); // the latest clock offset at which it is accepted
    QTest::newRow("integer expiring") << 10.0 << 9'999LL;
    QTest::newRow("float expiring") << 10.25 << 10'249LL;
}

void DynamicKeyVerifierTest::expiryFollowsClock()
{
    QFETCH(double, expiresIn);
    QFETCH(qint64, lastGoodMs);
    ManualClock clock(kNowMs);
    const DynamicKeyVerifier verifier(clock, kDefaultLifetime);
    const QByteArray token = sign(with(basePayload(), QStringLiteral("expiring"), double(kNow) + expiresIn));

    QVERIFY(accepted(verifier.verify(token, m_registry)));
    clock.advanceMs(lastGoodMs - 1000);
    QVERIFY2(accepted(verifier.verify(token, m_registry)), "one second before expiry");
    clock.advanceMs(1000);
    QVERIFY2(accepted(verifier.verify(token, m_registry)), "one millisecond before expiry");
    clock.advanceMs(1);
    const auto result = verifier.verify(token, m_registry);
    QVERIFY2(!accepted(result), "at expiry");
    QCOMPARE(std::get<ApiError>(result).code, QStringLiteral("key_expired"));
}

void DynamicKeyVerifierTest::notBeforeFollowsClock()
{
    ManualClock clock(kNowMs);
    const DynamicKeyVerifier verifier(clock, kDefaultLifetime);
    const QByteArray token = sign(with(basePayload(), QStringLiteral("nbf"), double(kNow + 30)));

    auto result = verifier.verify(token, m_registry);
    QVERIFY(!accepted(result));
    QCOMPARE(std::get<ApiError>(result).code, QStringLiteral("key_not_yet_valid"));
    clock.advanceMs(29'999);
    QVERIFY(!accepted(verifier.verify(token, m_registry)));
    clock.advanceMs(1);
    result = verifier.verify(token, m_registry);
    QVERIFY2(accepted(result), qPrintable(describe(result)));
}

void DynamicKeyVerifierTest::keyHash()
{
    ManualClock clock(kNowMs);
    const DynamicKeyVerifier verifier(clock, kDefaultLifetime);
    const QByteArray token = sign(basePayload());

    const auto first = verifier.verify(token, m_registry);
    const auto again = verifier.verify(token, m_registry);
    QVERIFY(accepted(first) && accepted(again));
    const QString hash = accepted(first)->keyHash;
    QCOMPARE(accepted(again)->keyHash, hash);
    QCOMPARE(hash.size(), 64);
    QCOMPARE(hash, QString::fromLatin1(crypto::sha256(token.left(token.lastIndexOf('.'))).toHex()));

    // The same token a while later (the clock plays no part).
    clock.advanceMs(60'000);
    QCOMPARE(accepted(verifier.verify(token, m_registry))->keyHash, hash);

    // Any other payload is another key with its own budget.
    const QByteArray otherEvent = sign(with(basePayload(), QStringLiteral("event_id"), QStringLiteral("ev-2")));
    const QByteArray otherBudget = sign(with(basePayload(), QStringLiteral("max_tokens"), 101));
    const QByteArray otherSigner = sign(basePayload(), kSecretTwo, QJsonObject{{QStringLiteral("kid"), QStringLiteral("k2")}});
    QSet<QString> hashes{hash};
    for (const QByteArray &other : {otherEvent, otherBudget, otherSigner}) {
        const auto result = verifier.verify(other, m_registry);
        QVERIFY2(accepted(result), qPrintable(describe(result)));
        hashes.insert(accepted(result)->keyHash);
    }
    QCOMPARE(hashes.size(), 4);
}

void DynamicKeyVerifierTest::cachedKeyFollowsClock_data()
{
    QTest::addColumn<QJsonObject>("payload");
    QTest::addColumn<qint64>("moveMs"); // after the key was accepted (and cached)
    QTest::addColumn<QString>("code");  // empty: still accepted
    const QJsonObject base = basePayload(); // expires in 600 s
    QTest::newRow("a second before expiry") << base << 599'000LL << QString();
    QTest::newRow("expiry reached") << base << 600'000LL << QStringLiteral("key_expired");
    QTest::newRow("long expired") << base << 86'400'000LL << QStringLiteral("key_expired");
    QTest::newRow("clock back before nbf") << with(base, QStringLiteral("nbf"), double(kNow - 10)) << -10'001LL
                                           << QStringLiteral("key_not_yet_valid");
    QTest::newRow("clock back, lifetime over the cap")
        << with(base, QStringLiteral("expiring"), double(kNow + kDefaultLifetime)) << -1'000LL << QStringLiteral("key_lifetime_too_long");
    QTest::newRow("clock back, still after nbf") << with(base, QStringLiteral("nbf"), double(kNow - 100)) << -50'000LL << QString();
}

void DynamicKeyVerifierTest::cachedKeyFollowsClock()
{
    QFETCH(QJsonObject, payload);
    QFETCH(qint64, moveMs);
    QFETCH(QString, code);
    ManualClock clock(kNowMs);
    const DynamicKeyVerifier cached(clock, kDefaultLifetime);
    const DynamicKeyVerifier uncached(clock, kDefaultLifetime, 0);
    const QByteArray token = sign(payload);
    auto result = cached.verify(token, m_registry);
    QVERIFY2(accepted(result), qPrintable(describe(result)));

    clock.advanceMs(moveMs);
    result = cached.verify(token, m_registry);
    QCOMPARE(fullDescription(result), fullDescription(uncached.verify(token, m_registry)));
    if (code.isEmpty()) {
        QVERIFY2(accepted(result), qPrintable(describe(result)));
    } else {
        QVERIFY2(!accepted(result), "a cached key outlived its time");
        QCOMPARE(std::get<ApiError>(result).code, code);
    }
    // Back at the start it is accepted again, as the full check would.
    clock.setMs(kNowMs);
    QVERIFY(accepted(cached.verify(token, m_registry)));
}

void DynamicKeyVerifierTest::newSnapshotDropsCachedKey_data()
{
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("code"); // empty: still accepted
    QTest::newRow("unchanged copy") << QString() << QString();
    QTest::newRow("signing key revoked") << QStringLiteral("revoke k1") << QStringLiteral("invalid_signature");
    QTest::newRow("every key revoked") << QStringLiteral("revoke all keys") << QStringLiteral("algorithm_not_allowed");
    QTest::newRow("secret rotated") << QStringLiteral("rotate k1's secret") << QStringLiteral("invalid_signature");
    QTest::newRow("tenant removed") << QStringLiteral("remove tenant") << QStringLiteral("unknown_tenant");
    QTest::newRow("lifetime cap lowered") << QStringLiteral("lower lifetime cap") << QStringLiteral("key_lifetime_too_long");
}

void DynamicKeyVerifierTest::newSnapshotDropsCachedKey()
{
    QFETCH(QString, change);
    QFETCH(QString, code);
    ManualClock clock(kNowMs);
    const DynamicKeyVerifier cached(clock, kDefaultLifetime);
    const DynamicKeyVerifier uncached(clock, kDefaultLifetime, 0);
    const QByteArray token = sign(basePayload());
    const RegistrySnapshot after = changed(m_prepared, change);

    // The new snapshot is built where the old one was, so only its identity tells them apart.
    std::optional<RegistrySnapshot> slot(m_prepared);
    const RegistrySnapshot *const address = &*slot;
    auto result = cached.verify(token, *slot);
    QVERIFY2(accepted(result), qPrintable(describe(result)));
    slot.reset();
    slot.emplace(after);
    QCOMPARE(&*slot, address);

    result = cached.verify(token, *slot);
    QCOMPARE(fullDescription(result), fullDescription(uncached.verify(token, *slot)));
    if (code.isEmpty()) {
        QVERIFY2(accepted(result), qPrintable(describe(result)));
    } else {
        QVERIFY2(!accepted(result), "a cached key survived the change");
        QCOMPARE(std::get<ApiError>(result).code, code);
    }
    // Asked again under the new snapshot, the answer stays.
    QCOMPARE(fullDescription(cached.verify(token, *slot)), fullDescription(result));
}

void DynamicKeyVerifierTest::otherTokenNotServedFromCache_data()
{
    // A token one byte (or one claim) away from a cached one is checked on its own.
    QTest::addColumn<QString>("edit");
    QTest::addColumn<bool>("accept"); // the edited token is a valid key of its own
    QTest::newRow("header, first byte") << QStringLiteral("header first") << false;
    QTest::newRow("payload, first byte") << QStringLiteral("payload first") << false;
    QTest::newRow("payload, middle byte") << QStringLiteral("payload middle") << false;
    QTest::newRow("signature, first byte") << QStringLiteral("signature first") << false;
    QTest::newRow("signature, last byte") << QStringLiteral("signature last") << false;
    QTest::newRow("signature, unused bits of the last byte") << QStringLiteral("signature unused bits") << false;
    QTest::newRow("one byte more") << QStringLiteral("append") << false;
    QTest::newRow("one byte less") << QStringLiteral("chop") << false;
    QTest::newRow("another valid key") << QStringLiteral("other event") << true;
}

void DynamicKeyVerifierTest::otherTokenNotServedFromCache()
{
    QFETCH(QString, edit);
    QFETCH(bool, accept);
    ManualClock clock(kNowMs);
    const DynamicKeyVerifier cached(clock, kDefaultLifetime);
    const DynamicKeyVerifier uncached(clock, kDefaultLifetime, 0);
    const QByteArray token = sign(basePayload());
    const auto original = cached.verify(token, m_prepared);
    QVERIFY2(accepted(original), qPrintable(describe(original)));

    const qsizetype firstDot = token.indexOf('.');
    const qsizetype lastDot = token.lastIndexOf('.');
    const QByteArray alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    auto nextChar = [&](char c, int by) { return alphabet.at((alphabet.indexOf(c) + by) % alphabet.size()); };
    QByteArray other = token;
    if (edit == QLatin1String("header first"))
        other[0] = nextChar(other[0], 1);
    else if (edit == QLatin1String("payload first"))
        other[firstDot + 1] = nextChar(other[firstDot + 1], 1);
    else if (edit == QLatin1String("payload middle"))
        other[(firstDot + lastDot) / 2] = nextChar(other[(firstDot + lastDot) / 2], 1);
    else if (edit == QLatin1String("signature first"))
        other[lastDot + 1] = nextChar(other[lastDot + 1], 1);
    else if (edit == QLatin1String("signature last"))
        other[other.size() - 1] = nextChar(other.back(), 4); // keeps the unused bits zero
    else if (edit == QLatin1String("signature unused bits"))
        other[other.size() - 1] = nextChar(other.back(), 1); // the same MAC bytes, another text
    else if (edit == QLatin1String("append"))
        other.append('A');
    else if (edit == QLatin1String("chop"))
        other.chop(1);
    else if (edit == QLatin1String("other event"))
        other = sign(with(basePayload(), QStringLiteral("event_id"), QStringLiteral("ev-2")));
    QVERIFY(other != token);

    const auto result = cached.verify(other, m_prepared);
    QCOMPARE(fullDescription(result), fullDescription(uncached.verify(other, m_prepared)));
    QCOMPARE(bool(accepted(result)), accept);
    if (accept)
        QVERIFY(accepted(result)->keyHash != accepted(original)->keyHash);
    // The cached key itself is still served as before.
    QCOMPARE(fullDescription(cached.verify(token, m_prepared)), fullDescription(original));
}

QTEST_GUILESS_MAIN(DynamicKeyVerifierTest)
#include "DynamicKeyVerifierTest.moc"

// Compact JWS: RFC known answers, strict decoding, per-algorithm verification, and interop
// with an independent implementation (Python PyJWT).
#include "shared/Jwt.h"

#include "shared/Crypto.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <optional>

using namespace dynaseal;

namespace {

// RFC 7515 appendix A.1 (HS256) and A.3 (ES256); both sign the same payload.
const QByteArray kRfcHs256Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const QByteArray kRfcHs256KeyB64 =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const QByteArray kRfcEs256Token =
    "eyJhbGciOiJFUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
// The A.3 JWK (x, y) as SubjectPublicKeyInfo PEM.
const QByteArray kRfcEs256Pem = "-----BEGIN PUBLIC KEY-----\n"
                                "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
                                "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
                                "-----END PUBLIC KEY-----\n";
// RFC 8037 appendix A.4: Ed25519 over a non-JSON payload, so it is checked through JwtParts.
const QByteArray kRfcEd25519SigningInput = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
const QByteArray kRfcEd25519Signature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
const QByteArray kRfcEd25519Pem = "-----BEGIN PUBLIC KEY-----\n"
                                  "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                                  "-----END PUBLIC KEY-----\n";

const QByteArray kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

QByteArray b64(QByteArrayView data)
{
    return crypto::base64UrlEncode(data);
}

QByteArray b64Json(const QJsonObject &object)
{
    return b64(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QByteArray rfcKey()
{
    QByteArray key;
    crypto::base64UrlDecode(kRfcHs256KeyB64, &key);
    return key;
}

// --- Local OpenSSL keys, so the asymmetric paths are covered even without Python. ---

struct PkeyFree
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
};
using Pkey = std::shared_ptr<EVP_PKEY>;

Pkey generate(const QByteArray &kind)
{
    EVP_PKEY *key = nullptr;
    if (kind == "ed25519")
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    else if (kind == "ed448")
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448");
    else if (kind == "p256")
        key = EVP_EC_gen("P-256");
    else if (kind == "p384")
        key = EVP_EC_gen("P-384");
    else if (kind == "secp256k1")
        key = EVP_EC_gen("secp256k1");
    else if (kind == "rsa")
        key = EVP_RSA_gen(2048);
    return Pkey(key, PkeyFree());
}

QByteArray pem(const Pkey &key, bool privateKey = false)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    const int ok = privateKey
        ? PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
        : PEM_write_bio_PUBKEY(bio.get(), key.get());
    if (ok != 1)
        return {};
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, qsizetype(len));
}

QByteArray opensslSign(const Pkey &key, const EVP_MD *md, QByteArrayView data)
{
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t len = 0;
    const auto *in = reinterpret_cast<const unsigned char *>(data.data());
    if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1
        || EVP_DigestSign(ctx.get(), nullptr, &len, in, size_t(data.size())) != 1)
        return {};
    QByteArray sig(qsizetype(len), Qt::Uninitialized);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &len, in,
                       size_t(data.size()))
        != 1)
        return {};
    sig.resize(qsizetype(len));
    return sig;
}

// OpenSSL produces DER ECDSA-Sig-Value; JWS wants fixed-width r || s.
QByteArray derToRaw(const QByteArray &der)
{
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, der.size()),
                                                              ECDSA_SIG_free);
    if (!sig)
        return {};
    QByteArray raw(64, '\0');
    auto *out = reinterpret_cast<unsigned char *>(raw.data());
    BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32);
    return raw;
}

// A token whose header says `alg`, signed by `key` (ES256: raw r||s; HS256: HMAC with `secret`).
QByteArray mint(const QByteArray &alg, const QJsonObject &payload, const Pkey &key,
                QByteArrayView secret = {})
{
    const QByteArray signingInput =
        b64Json({ { "alg", QString::fromLatin1(alg) } }) + '.' + b64Json(payload);
    QByteArray sig;
    if (alg == "HS256")
        sig = crypto::hmacSha256(secret, signingInput);
    else if (alg == "EdDSA")
        sig = opensslSign(key, nullptr, signingInput);
    else if (alg == "ES256")
        sig = derToRaw(opensslSign(key, EVP_sha256(), signingInput));
    return signingInput + '.' + b64(sig);
}

JwtParts mustDecode(const QByteArray &token)
{
    JwtParts parts;
    QString error;
    if (!jwt::decode(token, &parts, &error))
        qWarning("decode failed: %s", qPrintable(error));
    return parts;
}

// True if any of the three verifiers accepts, with the key material each one takes.
bool anyVerifies(const JwtParts &parts, QByteArrayView secret, QByteArrayView edPem,
                 QByteArrayView ecPem)
{
    return jwt::verifyHs256(parts, secret) || jwt::verifyEdDsa(parts, edPem)
        || jwt::verifyEs256(parts, ecPem);
}

// --- Python / PyJWT, an independent implementation for interop checks. ---

// The first python3 that can import both jwt and cryptography; empty if there is none.
QString findPythonWithJwt()
{
    static const std::optional<QString> cached = []() -> std::optional<QString> {
        QStringList candidates;
        if (qEnvironmentVariableIsSet("DYNASEAL_PYTHON"))
            candidates << qEnvironmentVariable("DYNASEAL_PYTHON");
        // PATH may point at a python (pyenv, venv) without the Debian python3-jwt package.
        candidates << QStandardPaths::findExecutable(QStringLiteral("python3"))
                   << QStringLiteral("/usr/bin/python3");
        for (const QString &candidate : candidates) {
            if (candidate.isEmpty() || !QFileInfo(candidate).isExecutable())
                continue;
            QProcess probe;
            probe.start(candidate, { QStringLiteral("-c"), QStringLiteral("import jwt, cryptography") });
            if (probe.waitForFinished(30000) && probe.exitStatus() == QProcess::NormalExit
                && probe.exitCode() == 0)
                return candidate;
        }
        return QString();
    }();
    return *cached;
}

// Runs `script` with `input` as JSON on stdin and parses a JSON object from stdout.
bool runPython(const QString &script, const QJsonObject &input, QJsonObject *output, QString *error)
{
    QProcess process;
    process.start(findPythonWithJwt(), { QStringLiteral("-c"), script });
    if (!process.waitForStarted(30000)) {
        *error = QStringLiteral("python did not start: ") + process.errorString();
        return false;
    }
    process.write(QJsonDocument(input).toJson(QJsonDocument::Compact));
    process.closeWriteChannel();
    if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0) {
        process.kill();
        *error = QStringLiteral("python failed: ") + QString::fromUtf8(process.readAllStandardError());
        return false;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(process.readAllStandardOutput());
    if (!doc.isObject()) {
        *error = QStringLiteral("python printed no JSON object");
        return false;
    }
    *output = doc.object();
    return true;
}

const QString kPyMint = QStringLiteral(R"PY(
import json, sys
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

req = json.load(sys.stdin)
alg = req["alg"]
pem = ""
if alg == "HS256":
    key = req["secret"]
else:
    key = ed25519.Ed25519PrivateKey.generate() if alg == "EdDSA" else ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
token = jwt.encode(req["claims"], key, algorithm=alg)
if isinstance(token, bytes):
    token = token.decode()
print(json.dumps({"token": token, "pem": pem}))
)PY");

const QString kPyDecodeHs256 = QStringLiteral(R"PY(
import json, sys
import jwt

req = json.load(sys.stdin)
header = jwt.get_unverified_header(req["token"])
claims = jwt.decode(req["token"], req["secret"], algorithms=["HS256"])
print(json.dumps({"header": header, "claims": claims}))
)PY");

} // namespace

class JwtTest : public QObject
{
    Q_OBJECT

private slots:
    void rfc7515Hs256Example();
    void rfc7515Hs256Tampering_data();
    void rfc7515Hs256Tampering();
    void rfc7515Hs256WrongKey_data();
    void rfc7515Hs256WrongKey();
    void rfc7515Es256Example();
    void rfc8037Ed25519Example();
    void signHs256KnownAnswer();
    void signHs256Header_data();
    void signHs256Header();
    void decodeRejects_data();
    void decodeRejects();
    void decodeAcceptsEmptySignature();
    void decodeRejectsNonCanonicalParts_data();
    void decodeRejectsNonCanonicalParts();
    void decodeRepeatedHeaders_data();
    void decodeRepeatedHeaders();
    void hs256PreparedKey_data();
    void hs256PreparedKey();
    void hs256EmptySecretRefused();
    void algNoneFailsEveryVerifier_data();
    void algNoneFailsEveryVerifier();
    void verifierRequiresItsOwnAlg_data();
    void verifierRequiresItsOwnAlg();
    void localAsymmetricRoundTrip_data();
    void localAsymmetricRoundTrip();
    void es256SignatureShape_data();
    void es256SignatureShape();
    void isValidPublicKey_data();
    void isValidPublicKey();
    void pythonMintedTokensVerify_data();
    void pythonMintedTokensVerify();
    void pythonAcceptsOurHs256();
};

void JwtTest::rfc7515Hs256Example()
{
    JwtParts parts;
    QString error;
    QVERIFY2(jwt::decode(kRfcHs256Token, &parts, &error), qPrintable(error));
    QCOMPARE(parts.alg(), QStringLiteral("HS256"));
    QCOMPARE(parts.header.value("typ").toString(), QStringLiteral("JWT"));
    QCOMPARE(parts.payload.value("iss").toString(), QStringLiteral("joe"));
    QCOMPARE(parts.payload.value("exp").toInteger(), qint64(1300819380));
    QCOMPARE(parts.payload.value("http://example.com/is_root").toBool(), true);
    // The signing input is the received text, not a re-serialisation (it contains CR LF).
    QCOMPARE(parts.signingInput, kRfcHs256Token.left(kRfcHs256Token.lastIndexOf('.')));
    QCOMPARE(parts.signature.size(), 32);
    QVERIFY(jwt::verifyHs256(parts, rfcKey()));
}

void JwtTest::rfc7515Hs256Tampering_data()
{
    QTest::addColumn<int>("part");
    QTest::newRow("header") << 0;
    QTest::newRow("payload") << 1;
    QTest::newRow("signature") << 2;
}

void JwtTest::rfc7515Hs256Tampering()
{
    QFETCH(int, part);
    const QList<QByteArray> parts = kRfcHs256Token.split('.');
    // Every character of the part, replaced by each of two other url-alphabet characters.
    for (qsizetype i = 0; i < parts[part].size(); ++i) {
        for (int shift : { 1, 33 }) {
            QList<QByteArray> changed = parts;
            const qsizetype at = kAlphabet.indexOf(changed[part][i]);
            QVERIFY(at >= 0);
            changed[part][i] = kAlphabet[(at + shift) % kAlphabet.size()];
            const QByteArray token = changed.join('.');
            JwtParts decoded;
            const bool accepted = jwt::decode(token, &decoded, nullptr)
                && jwt::verifyHs256(decoded, rfcKey());
            QVERIFY2(!accepted, token.constData());
        }
    }
}

void JwtTest::rfc7515Hs256WrongKey_data()
{
    QTest::addColumn<QByteArray>("key");
    QByteArray flipped = rfcKey();
    flipped[0] = char(flipped[0] ^ 1);
    QByteArray flippedLast = rfcKey();
    flippedLast[flippedLast.size() - 1] = char(flippedLast.back() ^ 0x80);
    QTest::newRow("first bit") << flipped;
    QTest::newRow("last byte") << flippedLast;
    QTest::newRow("truncated") << rfcKey().chopped(1);
    QTest::newRow("extended") << QByteArray(rfcKey() + '\0');
    QTest::newRow("base64 text of the key") << kRfcHs256KeyB64;
    QTest::newRow("empty") << QByteArray();
}

void JwtTest::rfc7515Hs256WrongKey()
{
    QFETCH(QByteArray, key);
    const JwtParts parts = mustDecode(kRfcHs256Token);
    QVERIFY(jwt::verifyHs256(parts, rfcKey()));
    QVERIFY(!jwt::verifyHs256(parts, key));
}

void JwtTest::rfc7515Es256Example()
{
    const JwtParts parts = mustDecode(kRfcEs256Token);
    QCOMPARE(parts.alg(), QStringLiteral("ES256"));
    QCOMPARE(parts.signature.size(), 64);
    QVERIFY(jwt::verifyEs256(parts, kRfcEs256Pem));
    QVERIFY(!jwt::verifyEdDsa(parts, kRfcEs256Pem));
    QVERIFY(!jwt::verifyHs256(parts, kRfcEs256Pem));

    JwtParts tampered = parts;
    tampered.signingInput.replace("eyJpc3", "eyJpc4");
    QVERIFY(!jwt::verifyEs256(tampered, kRfcEs256Pem));
    tampered = parts;
    tampered.signature[10] = char(tampered.signature[10] ^ 1);
    QVERIFY(!jwt::verifyEs256(tampered, kRfcEs256Pem));
}

void JwtTest::rfc8037Ed25519Example()
{
    JwtParts parts;
    parts.header = QJsonObject{ { "alg", "EdDSA" } };
    parts.signingInput = kRfcEd25519SigningInput;
    QVERIFY(crypto::base64UrlDecode(kRfcEd25519Signature, &parts.signature));
    QVERIFY(jwt::verifyEdDsa(parts, kRfcEd25519Pem));
    QVERIFY(!jwt::verifyEs256(parts, kRfcEd25519Pem));

    JwtParts tampered = parts;
    tampered.signingInput.chop(1);
    QVERIFY(!jwt::verifyEdDsa(tampered, kRfcEd25519Pem));
    tampered = parts;
    tampered.signature[63] = char(tampered.signature[63] ^ 0x01);
    QVERIFY(!jwt::verifyEdDsa(tampered, kRfcEd25519Pem));
    QVERIFY(!jwt::verifyEdDsa(parts, pem(generate("ed25519"))));
}

void JwtTest::signHs256KnownAnswer()
{
    // Expected value computed independently (Python hmac over the compact, key-sorted JSON).
    const QByteArray token = jwt::signHs256({}, { { "sub", "tenant-1" }, { "n", 42 } }, "secret");
    QCOMPARE(token,
             QByteArray("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuIjo0Miwic3ViIjoidGVuYW50LTEifQ"
                        ".auxQC2NwgsGANRp-Y66nymK08fMUqRG1fq1iSVAAlLI"));
    const JwtParts parts = mustDecode(token);
    QVERIFY(jwt::verifyHs256(parts, "secret"));
    QVERIFY(!jwt::verifyHs256(parts, "Secret"));
    QCOMPARE(parts.payload.value("n").toInt(), 42);
    // No token is minted under an empty secret.
    QVERIFY(jwt::signHs256({}, { { "sub", "x" } }, QByteArray()).isEmpty());
}

void JwtTest::signHs256Header_data()
{
    QTest::addColumn<QJsonObject>("header");
    QTest::addColumn<QString>("typ");
    QTest::newRow("empty header") << QJsonObject() << QStringLiteral("JWT");
    QTest::newRow("typ kept") << QJsonObject{ { "typ", "at+jwt" } } << QStringLiteral("at+jwt");
    QTest::newRow("kid kept") << QJsonObject{ { "kid", "k1" } } << QStringLiteral("JWT");
    // The signature is HS256 whatever the header claimed; a different label would be a lie.
    QTest::newRow("alg none overridden") << QJsonObject{ { "alg", "none" } } << QStringLiteral("JWT");
    QTest::newRow("alg ES256 overridden") << QJsonObject{ { "alg", "ES256" } } << QStringLiteral("JWT");
}

void JwtTest::signHs256Header()
{
    QFETCH(QJsonObject, header);
    QFETCH(QString, typ);
    const QJsonObject payload{ { "sub", "tenant-1" }, { "scopes", QJsonArray{ "a", "b" } } };
    const QByteArray token = jwt::signHs256(header, payload, "k");
    QCOMPARE(token.count('.'), 2);
    QVERIFY(!token.contains(' ') && !token.contains('\n'));
    JwtParts parts;
    QVERIFY(jwt::decode(token, &parts, nullptr));
    QCOMPARE(parts.alg(), QStringLiteral("HS256"));
    QCOMPARE(parts.header.value("typ").toString(), typ);
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() != QLatin1String("alg"))
            QCOMPARE(parts.header.value(it.key()), it.value());
    }
    QCOMPARE(parts.payload, payload);
    QVERIFY(jwt::verifyHs256(parts, "k"));
    // Compact serialisation: the decoded JSON has no whitespace.
    QByteArray headerJson;
    QVERIFY(crypto::base64UrlDecode(token.left(token.indexOf('.')), &headerJson));
    QVERIFY(!headerJson.contains(' ') && !headerJson.contains('\n'));
}

void JwtTest::decodeRejects_data()
{
    QTest::addColumn<QByteArray>("token");
    const QByteArray header = b64("{\"alg\":\"HS256\"}");
    const QByteArray payload = b64("{\"sub\":\"x\"}");
    const QByteArray sig = b64(QByteArray(32, 's'));
    QTest::newRow("empty string") << QByteArray();
    QTest::newRow("no dots") << header;
    QTest::newRow("two parts") << QByteArray(header + '.' + payload);
    QTest::newRow("four parts") << QByteArray(header + '.' + payload + '.' + sig + '.' + sig);
    QTest::newRow("JWE-like five parts") << QByteArray(header + "...." + sig);
    QTest::newRow("only dots") << QByteArray("..");
    QTest::newRow("empty header") << QByteArray('.' + payload + '.' + sig);
    QTest::newRow("empty payload") << QByteArray(header + ".." + sig);
    QTest::newRow("bad base64 in header") << QByteArray("eyJ*bGciOiJIUzI1NiJ9." + payload + '.' + sig);
    QTest::newRow("bad base64 in payload") << QByteArray(header + ".e$J." + sig);
    QTest::newRow("bad base64 in signature") << QByteArray(header + '.' + payload + ".a+b/");
    QTest::newRow("padding in header") << QByteArray(b64("{\"alg\":\"HS256\"} ") + "==." + payload + '.' + sig);
    QTest::newRow("padding in signature") << QByteArray(header + '.' + payload + '.' + b64("xy") + '=');
    QTest::newRow("impossible length") << QByteArray(header + '.' + payload + ".abcde");
    QTest::newRow("whitespace") << QByteArray(header + ". " + payload + '.' + sig);
    QTest::newRow("trailing newline") << QByteArray(header + '.' + payload + '.' + sig + '\n');
    QTest::newRow("non-JSON header") << QByteArray(b64("alg=HS256") + '.' + payload + '.' + sig);
    QTest::newRow("truncated JSON header") << QByteArray(b64("{\"alg\":\"HS256\"") + '.' + payload + '.' + sig);
    QTest::newRow("JSON with trailing garbage") << QByteArray(b64("{\"alg\":\"HS256\"}x") + '.' + payload + '.' + sig);
    QTest::newRow("header array") << QByteArray(b64("[{\"alg\":\"HS256\"}]") + '.' + payload + '.' + sig);
    QTest::newRow("header string") << QByteArray(b64("\"HS256\"") + '.' + payload + '.' + sig);
    QTest::newRow("missing alg") << QByteArray(b64("{\"typ\":\"JWT\"}") + '.' + payload + '.' + sig);
    QTest::newRow("alg is a number") << QByteArray(b64("{\"alg\":256}") + '.' + payload + '.' + sig);
    QTest::newRow("alg is null") << QByteArray(b64("{\"alg\":null}") + '.' + payload + '.' + sig);
    QTest::newRow("alg is an array") << QByteArray(b64("{\"alg\":[\"HS256\"]}") + '.' + payload + '.' + sig);
    QTest::newRow("payload array") << QByteArray(header + '.' + b64("[1,2]") + '.' + sig);
    QTest::newRow("payload number") << QByteArray(header + '.' + b64("42") + '.' + sig);
    QTest::newRow("payload not JSON") << QByteArray(header + '.' + b64("hello") + '.' + sig);
    QTest::newRow("crit extension") << QByteArray(b64("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}") + '.' + payload + '.' + sig);
}

void JwtTest::decodeRejects()
{
    QFETCH(QByteArray, token);
    JwtParts parts;
    parts.header.insert("alg", "untouched");
    QString error;
    QVERIFY(!jwt::decode(token, &parts, &error));
    QVERIFY2(!error.isEmpty(), "a refusal must say why");
    // A refused token leaves nothing half-filled behind.
    QCOMPARE(parts.alg(), QStringLiteral("untouched"));
    QVERIFY(!jwt::decode(token, nullptr, nullptr));
}

void JwtTest::decodeAcceptsEmptySignature()
{
    const QByteArray token = b64("{\"alg\":\"HS256\"}") + '.' + b64("{}") + '.';
    JwtParts parts;
    QString error;
    QVERIFY2(jwt::decode(token, &parts, &error), qPrintable(error));
    QVERIFY(parts.signature.isEmpty());
    QVERIFY(parts.payload.isEmpty());
    QVERIFY(!jwt::verifyHs256(parts, "k"));
}

void JwtTest::decodeRejectsNonCanonicalParts_data()
{
    QTest::addColumn<int>("part");
    QTest::addColumn<QByteArray>("change");
    // The header (22 bytes) and payload (11 bytes) encode with 2 and 3 leftover characters, and
    // the 32-byte MAC with 3, so each has unused trailing bits.
    const char *names[] = { "header", "payload", "signature" };
    for (int part = 0; part < 3; ++part) {
        for (const char *change : { "trailing bit", "all trailing bits", "padding", "plus", "slash", "space", "high byte" })
            QTest::addRow("%s: %s", names[part], change) << part << QByteArray(change);
    }
}

void JwtTest::decodeRejectsNonCanonicalParts()
{
    QFETCH(int, part);
    QFETCH(QByteArray, change);
    const QByteArray secret = "shared-secret";
    QList<QByteArray> parts{ b64("{\"alg\":\"HS256\",\"x\":12}"), b64("{\"sub\":\"x\"}"), QByteArray() };
    QCOMPARE(parts[0].size() % 4, 2);
    QCOMPARE(parts[1].size() % 4, 3);
    auto sign = [&] { parts[2] = b64(crypto::hmacSha256(secret, QByteArray(parts[0] + '.' + parts[1]))); };
    sign();
    QVERIFY(jwt::verifyHs256(mustDecode(parts.join('.')), secret));

    QByteArray &text = parts[part];
    const qsizetype at = text.size() - 1;
    const qsizetype value = kAlphabet.indexOf(text[at]);
    const int unusedBits = text.size() % 4 == 2 ? 4 : 2;
    if (change == "trailing bit")
        text[at] = kAlphabet[value | 1]; // the same bytes, another text
    else if (change == "all trailing bits")
        text[at] = kAlphabet[value | ((1 << unusedBits) - 1)];
    else if (change == "padding")
        text.append(text.size() % 4 == 2 ? "==" : "=");
    else if (change == "plus")
        text[at / 2] = '+';
    else if (change == "slash")
        text[at / 2] = '/';
    else if (change == "space")
        text.insert(at / 2, ' ');
    else if (change == "high byte")
        text[at / 2] = '\xc3';
    // Signed correctly over the changed text: only its encoding can make the refusal.
    if (part != 2)
        sign();
    const QByteArray token = parts.join('.');
    JwtParts decoded;
    QString error;
    QVERIFY2(!jwt::decode(token, &decoded, &error), token.constData());
    QVERIFY(!error.isEmpty());
}

void JwtTest::decodeRepeatedHeaders_data()
{
    // Header "kid" values of the tokens decoded one after the other; "-" is a header without
    // "alg", which must be refused every time.
    QTest::addColumn<QStringList>("kids");
    QTest::newRow("same header twice") << QStringList{ "a", "a" };
    QTest::newRow("alternating") << QStringList{ "a", "b", "a", "b" };
    QTest::newRow("refused header in between") << QStringList{ "a", "-", "a", "-", "-", "b" };
    QTest::newRow("same length, one byte apart") << QStringList{ "k1", "k2", "k1" };
}

void JwtTest::decodeRepeatedHeaders()
{
    QFETCH(QStringList, kids);
    for (const QString &kid : kids) {
        const QJsonObject header = kid == QLatin1String("-") ? QJsonObject{ { "kid", "x" } }
                                                             : QJsonObject{ { "alg", "HS256" }, { "kid", kid } };
        const QByteArray token = b64Json(header) + '.' + b64Json({ { "sub", kid } }) + '.';
        JwtParts parts;
        const bool ok = jwt::decode(token, &parts, nullptr);
        if (kid == QLatin1String("-")) {
            QVERIFY(!ok);
            continue;
        }
        QVERIFY(ok);
        QCOMPARE(parts.header, header);
        QCOMPARE(parts.payload.value("sub").toString(), kid);
    }
}

void JwtTest::hs256PreparedKey_data()
{
    QTest::addColumn<QByteArray>("label");
    QTest::addColumn<QByteArray>("signingKey");
    QTest::addColumn<QByteArray>("verifyingKey");
    QTest::addColumn<bool>("accepted");
    const QByteArray key = "dsk_tenant-key";
    QTest::newRow("right key") << QByteArray("HS256") << key << key << true;
    QTest::newRow("wrong key") << QByteArray("HS256") << key << QByteArray("dsk_other") << false;
    QTest::newRow("key one byte short") << QByteArray("HS256") << key << key.chopped(1) << false;
    QTest::newRow("empty key, MAC under the empty key") << QByteArray("HS256") << QByteArray() << QByteArray() << false;
    QTest::newRow("alg none") << QByteArray("none") << key << key << false;
    QTest::newRow("alg lower-case hs256") << QByteArray("hs256") << key << key << false;
    QTest::newRow("alg HS384") << QByteArray("HS384") << key << key << false;
    QTest::newRow("alg ES256") << QByteArray("ES256") << key << key << false;
}

void JwtTest::hs256PreparedKey()
{
    QFETCH(QByteArray, label);
    QFETCH(QByteArray, signingKey);
    QFETCH(QByteArray, verifyingKey);
    QFETCH(bool, accepted);
    const QByteArray signingInput = b64Json({ { "alg", QString::fromLatin1(label) } }) + '.' + b64Json({ { "sub", "s" } });
    const JwtParts parts = mustDecode(signingInput + '.' + b64(crypto::hmacSha256(signingKey, signingInput)));
    QCOMPARE(jwt::verifyHs256(parts, crypto::HmacSha256Key(verifyingKey)), accepted);
    QCOMPARE(jwt::verifyHs256(parts, verifyingKey), accepted);
}

void JwtTest::hs256EmptySecretRefused()
{
    // A correct MAC under the empty key: anyone can compute it, so it must prove nothing.
    const QByteArray signingInput = b64Json({ { "alg", "HS256" } }) + '.' + b64Json({ { "sub", "s" } });
    const QByteArray token = signingInput + '.' + b64(crypto::hmacSha256(QByteArray(), signingInput));
    const JwtParts parts = mustDecode(token);
    QCOMPARE(parts.alg(), QStringLiteral("HS256"));
    QVERIFY(!jwt::verifyHs256(parts, QByteArray()));
    QVERIFY(!jwt::verifyHs256(parts, QByteArrayView()));
}

void JwtTest::algNoneFailsEveryVerifier_data()
{
    QTest::addColumn<QByteArray>("alg");
    QTest::addColumn<QByteArray>("signatureKind");
    for (const QByteArray &alg : { QByteArray("none"), QByteArray("None"), QByteArray("") }) {
        QTest::addRow("%s, empty signature", alg.constData()) << alg << QByteArray("empty");
        QTest::addRow("%s, valid HMAC", alg.constData()) << alg << QByteArray("hmac");
        QTest::addRow("%s, valid Ed25519", alg.constData()) << alg << QByteArray("ed25519");
        QTest::addRow("%s, valid ES256", alg.constData()) << alg << QByteArray("es256");
    }
}

void JwtTest::algNoneFailsEveryVerifier()
{
    QFETCH(QByteArray, alg);
    QFETCH(QByteArray, signatureKind);
    const Pkey ed = generate("ed25519");
    const Pkey ec = generate("p256");
    const QByteArray secret = "shared-secret";
    const QByteArray signingInput =
        b64Json({ { "alg", QString::fromLatin1(alg) }, { "typ", "JWT" } }) + '.'
        + b64Json({ { "sub", "attacker" } });
    // Signatures that would be valid under each verifier's key: only the alg label is wrong.
    QByteArray sig;
    if (signatureKind == "hmac")
        sig = crypto::hmacSha256(secret, signingInput);
    else if (signatureKind == "ed25519")
        sig = opensslSign(ed, nullptr, signingInput);
    else if (signatureKind == "es256")
        sig = derToRaw(opensslSign(ec, EVP_sha256(), signingInput));
    const QByteArray token = signingInput + '.' + b64(sig);

    JwtParts parts;
    QString error;
    QVERIFY2(jwt::decode(token, &parts, &error), qPrintable(error));
    QCOMPARE(parts.alg(), QString::fromLatin1(alg));
    QVERIFY(!anyVerifies(parts, secret, pem(ed), pem(ec)));
}

void JwtTest::verifierRequiresItsOwnAlg_data()
{
    QTest::addColumn<QByteArray>("signedWith");
    QTest::addColumn<QByteArray>("label");
    QTest::addColumn<bool>("accepted");
    const QList<QByteArray> algs{ "HS256", "EdDSA", "ES256" };
    for (const QByteArray &signedWith : algs) {
        for (const QByteArray &label : algs + QList<QByteArray>{ "hs256", "eddsa", "Ed25519", "ES384", "HS512" })
            QTest::addRow("%s labelled %s", signedWith.constData(), label.constData())
                << signedWith << label << (signedWith == label);
    }
}

void JwtTest::verifierRequiresItsOwnAlg()
{
    QFETCH(QByteArray, signedWith);
    QFETCH(QByteArray, label);
    QFETCH(bool, accepted);
    const Pkey ed = generate("ed25519");
    const Pkey ec = generate("p256");
    const QByteArray secret = "shared-secret";
    const QByteArray signingInput =
        b64Json({ { "alg", QString::fromLatin1(label) } }) + '.' + b64Json({ { "sub", "s" } });
    QByteArray sig;
    if (signedWith == "HS256")
        sig = crypto::hmacSha256(secret, signingInput);
    else if (signedWith == "EdDSA")
        sig = opensslSign(ed, nullptr, signingInput);
    else
        sig = derToRaw(opensslSign(ec, EVP_sha256(), signingInput));
    const JwtParts parts = mustDecode(signingInput + '.' + b64(sig));
    QCOMPARE(anyVerifies(parts, secret, pem(ed), pem(ec)), accepted);
}

void JwtTest::localAsymmetricRoundTrip_data()
{
    QTest::addColumn<QByteArray>("alg");
    QTest::addColumn<QByteArray>("keyKind");
    QTest::newRow("EdDSA") << QByteArray("EdDSA") << QByteArray("ed25519");
    QTest::newRow("ES256") << QByteArray("ES256") << QByteArray("p256");
}

void JwtTest::localAsymmetricRoundTrip()
{
    QFETCH(QByteArray, alg);
    QFETCH(QByteArray, keyKind);
    const Pkey key = generate(keyKind);
    QVERIFY(key);
    const QByteArray token = mint(alg, { { "sub", "tenant-9" }, { "exp", 2000000000 } }, key);
    const JwtParts parts = mustDecode(token);
    auto verify = [&](const JwtParts &p, QByteArrayView pemText) {
        return alg == "EdDSA" ? jwt::verifyEdDsa(p, pemText) : jwt::verifyEs256(p, pemText);
    };
    QVERIFY(verify(parts, pem(key)));
    // Another key of the same type, a private-key PEM, and a changed payload all fail.
    QVERIFY(!verify(parts, pem(generate(keyKind))));
    QVERIFY(!verify(parts, pem(key, true)));
    JwtParts changed = parts;
    changed.signingInput = token.left(token.indexOf('.')) + '.' + b64Json({ { "sub", "tenant-1" }, { "exp", 2000000000 } });
    QVERIFY(!verify(changed, pem(key)));
}

void JwtTest::es256SignatureShape_data()
{
    QTest::addColumn<QByteArray>("shape");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("raw r||s") << QByteArray("raw") << true;
    QTest::newRow("DER instead of raw") << QByteArray("der") << false;
    QTest::newRow("63 bytes") << QByteArray("short") << false;
    QTest::newRow("65 bytes, extra leading zero") << QByteArray("long") << false;
    QTest::newRow("65 bytes, extra trailing byte") << QByteArray("trailing") << false;
    QTest::newRow("r and s swapped") << QByteArray("swapped") << false;
    QTest::newRow("all zero") << QByteArray("zero") << false;
    QTest::newRow("all 0xff (out of range)") << QByteArray("ff") << false;
    QTest::newRow("empty") << QByteArray("empty") << false;
}

void JwtTest::es256SignatureShape()
{
    QFETCH(QByteArray, shape);
    QFETCH(bool, accepted);
    const Pkey key = generate("p256");
    const QByteArray signingInput = b64Json({ { "alg", "ES256" } }) + '.' + b64Json({ { "sub", "s" } });
    const QByteArray der = opensslSign(key, EVP_sha256(), signingInput);
    const QByteArray raw = derToRaw(der);
    QCOMPARE(raw.size(), 64);
    QByteArray sig;
    if (shape == "raw")
        sig = raw;
    else if (shape == "der")
        sig = der;
    else if (shape == "short")
        sig = raw.left(63);
    else if (shape == "long")
        sig = QByteArray(1, '\0') + raw;
    else if (shape == "trailing")
        sig = raw + 'x';
    else if (shape == "swapped")
        sig = raw.mid(32) + raw.left(32);
    else if (shape == "zero")
        sig = QByteArray(64, '\0');
    else if (shape == "ff")
        sig = QByteArray(64, '\xff');
    const JwtParts parts = mustDecode(signingInput + '.' + b64(sig));
    QCOMPARE(jwt::verifyEs256(parts, pem(key)), accepted);
}

void JwtTest::isValidPublicKey_data()
{
    QTest::addColumn<QString>("alg");
    QTest::addColumn<QByteArray>("pemText");
    QTest::addColumn<bool>("valid");
    const QByteArray ed25519 = pem(generate("ed25519"));
    const QByteArray p256 = pem(generate("p256"));
    const QByteArray rsa = pem(generate("rsa"));
    QTest::newRow("EdDSA, Ed25519") << QStringLiteral("EdDSA") << ed25519 << true;
    QTest::newRow("ES256, P-256") << QStringLiteral("ES256") << p256 << true;
    QTest::newRow("EdDSA, RFC 8037 key") << QStringLiteral("EdDSA") << kRfcEd25519Pem << true;
    QTest::newRow("ES256, RFC 7515 key") << QStringLiteral("ES256") << kRfcEs256Pem << true;
    QTest::newRow("ES256, Ed25519") << QStringLiteral("ES256") << ed25519 << false;
    QTest::newRow("EdDSA, P-256") << QStringLiteral("EdDSA") << p256 << false;
    QTest::newRow("ES256, P-384") << QStringLiteral("ES256") << pem(generate("p384")) << false;
    QTest::newRow("ES256, secp256k1") << QStringLiteral("ES256") << pem(generate("secp256k1")) << false;
    QTest::newRow("EdDSA, Ed448") << QStringLiteral("EdDSA") << pem(generate("ed448")) << false;
    QTest::newRow("ES256, RSA") << QStringLiteral("ES256") << rsa << false;
    QTest::newRow("RS256, RSA") << QStringLiteral("RS256") << rsa << false;
    QTest::newRow("HS256, any") << QStringLiteral("HS256") << p256 << false;
    QTest::newRow("lower-case eddsa") << QStringLiteral("eddsa") << ed25519 << false;
    QTest::newRow("empty alg") << QString() << ed25519 << false;
    QTest::newRow("private key PEM") << QStringLiteral("ES256") << pem(generate("p256"), true) << false;
    QTest::newRow("empty PEM") << QStringLiteral("EdDSA") << QByteArray() << false;
    QTest::newRow("garbage") << QStringLiteral("EdDSA") << QByteArray("not a key") << false;
    QTest::newRow("PEM body damaged")
        << QStringLiteral("ES256") << QByteArray(kRfcEs256Pem).replace("MFkw", "MFkx") << false;
    QTest::newRow("header only") << QStringLiteral("EdDSA")
                                 << QByteArray("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")
                                 << false;
    QTest::newRow("oversized") << QStringLiteral("EdDSA") << QByteArray(ed25519 + QByteArray(20000, '\n'))
                               << false;
}

void JwtTest::isValidPublicKey()
{
    QFETCH(QString, alg);
    QFETCH(QByteArray, pemText);
    QFETCH(bool, valid);
    QCOMPARE(jwt::isValidPublicKey(alg, pemText), valid);
}

void JwtTest::pythonMintedTokensVerify_data()
{
    QTest::addColumn<QString>("alg");
    QTest::newRow("HS256") << QStringLiteral("HS256");
    QTest::newRow("EdDSA") << QStringLiteral("EdDSA");
    QTest::newRow("ES256") << QStringLiteral("ES256");
}

void JwtTest::pythonMintedTokensVerify()
{
    QFETCH(QString, alg);
    if (findPythonWithJwt().isEmpty())
        QSKIP("no python3 that can `import jwt, cryptography` (install python3-jwt, or set "
              "DYNASEAL_PYTHON); PyJWT interop not checked");
    const QString secret = crypto::randomToken(32);
    const QJsonObject claims{ { "sub", "tenant-7" },
                              { "exp", QDateTime::currentSecsSinceEpoch() + 600 },
                              { "model", "gpt-x" } };
    QJsonObject out;
    QString error;
    QVERIFY2(runPython(kPyMint, { { "alg", alg }, { "secret", secret }, { "claims", claims } }, &out, &error),
             qPrintable(error));
    const QByteArray token = out.value("token").toString().toLatin1();
    const QByteArray publicPem = out.value("pem").toString().toLatin1();

    JwtParts parts;
    QVERIFY2(jwt::decode(token, &parts, &error), qPrintable(error));
    QCOMPARE(parts.alg(), alg);
    QCOMPARE(parts.payload, claims);
    if (alg == QLatin1String("HS256")) {
        QVERIFY(jwt::verifyHs256(parts, secret.toLatin1()));
        QVERIFY(!jwt::verifyHs256(parts, QByteArray(secret.toLatin1() + 'x')));
    } else {
        QVERIFY(jwt::isValidPublicKey(alg, publicPem));
        const bool ed = alg == QLatin1String("EdDSA");
        QCOMPARE(jwt::verifyEdDsa(parts, publicPem), ed);
        QCOMPARE(jwt::verifyEs256(parts, publicPem), !ed);
        QVERIFY(!jwt::verifyEdDsa(parts, pem(generate("ed25519"))));
        QVERIFY(!jwt::verifyEs256(parts, pem(generate("p256"))));
    }
    // Python's signature over our own changed payload must not carry over.
    JwtParts changed = parts;
    QJsonObject otherClaims = claims;
    otherClaims.insert("sub", "tenant-8");
    changed.signingInput = token.left(token.indexOf('.')) + '.' + b64Json(otherClaims);
    QVERIFY(!anyVerifies(changed, secret.toLatin1(), publicPem, publicPem));
}

void JwtTest::pythonAcceptsOurHs256()
{
    if (findPythonWithJwt().isEmpty())
        QSKIP("no python3 that can `import jwt, cryptography` (install python3-jwt, or set "
              "DYNASEAL_PYTHON); PyJWT interop not checked");
    const QByteArray secret = crypto::randomToken(32).toLatin1();
    const QJsonObject claims{ { "sub", "tenant-3" },
                              { "exp", QDateTime::currentSecsSinceEpoch() + 600 },
                              { "scopes", QJsonArray{ "chat", "embed" } },
                              { "name", QStringLiteral("caf\u00e9") } };
    const QByteArray token = jwt::signHs256({ { "kid", "k-1" } }, claims, secret);

    QJsonObject out;
    QString error;
    QVERIFY2(runPython(kPyDecodeHs256,
                       { { "token", QString::fromLatin1(token) }, { "secret", QString::fromLatin1(secret) } },
                       &out, &error),
             qPrintable(error));
    QCOMPARE(out.value("claims").toObject(), claims);
    const QJsonObject header = out.value("header").toObject();
    QCOMPARE(header.value("alg").toString(), QStringLiteral("HS256"));
    QCOMPARE(header.value("typ").toString(), QStringLiteral("JWT"));
    QCOMPARE(header.value("kid").toString(), QStringLiteral("k-1"));

    // And python refuses it under another secret, so the check above is not vacuous.
    QVERIFY(!runPython(kPyDecodeHs256,
                       { { "token", QString::fromLatin1(token) }, { "secret", QStringLiteral("other") } },
                       &out, &error));
}

QTEST_APPLESS_MAIN(JwtTest)
#include "JwtTest.moc"

#include "shared/Jwt.h"

#include "shared/Crypto.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QLatin1String>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include <memory>

namespace dynaseal {

namespace {

struct OsslFree
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(EVP_MD_CTX *p) const { EVP_MD_CTX_free(p); }
    void operator()(BIO *p) const { BIO_free(p); }
    void operator()(ECDSA_SIG *p) const { ECDSA_SIG_free(p); }
    void operator()(BIGNUM *p) const { BN_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, OsslFree>;

enum class KeyKind { Ed25519, P256 };

// Public keys never need a passphrase; without this OpenSSL may prompt on the terminal.
int noPassphrase(char *, int, int, void *)
{
    return -1;
}

void setError(QString *error, const char *text)
{
    if (error)
        *error = QString::fromLatin1(text);
}

Owned<EVP_PKEY> loadPublicKey(QByteArrayView pem, KeyKind kind)
{
    // Real PEM keys are a few hundred bytes; the cap also keeps the length within BIO's int.
    if (pem.isEmpty() || pem.size() > 16 * 1024)
        return nullptr;
    Owned<BIO> bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
    if (!bio)
        return nullptr;
    Owned<EVP_PKEY> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, noPassphrase, nullptr));
    if (!key) {
        ERR_clear_error();
        return nullptr;
    }
    switch (kind) {
    case KeyKind::Ed25519:
        if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519)
            return nullptr;
        break;
    case KeyKind::P256: {
        if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC)
            return nullptr;
        char group[64] = {};
        size_t groupLen = 0;
        if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &groupLen) != 1
            || QByteArrayView(group, qsizetype(groupLen)) != QByteArrayView(SN_X9_62_prime256v1)) {
            ERR_clear_error();
            return nullptr;
        }
        break;
    }
    }
    return key;
}

bool digestVerify(EVP_PKEY *key, const EVP_MD *md, QByteArrayView signature,
                  QByteArrayView signingInput)
{
    Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1
        && EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(signature.data()),
                            size_t(signature.size()),
                            reinterpret_cast<const unsigned char *>(signingInput.data()),
                            size_t(signingInput.size()))
            == 1;
    ERR_clear_error();
    return ok;
}

// JWS carries ES256 signatures as 32-byte r || 32-byte s; OpenSSL verifies DER ECDSA-Sig-Value.
QByteArray rawToDerEcdsa(QByteArrayView raw)
{
    Owned<BIGNUM> r(BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()), 32, nullptr));
    Owned<BIGNUM> s(
        BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()) + 32, 32, nullptr));
    Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
        return {};
    // ECDSA_SIG owns r and s now.
    (void)r.release();
    (void)s.release();
    const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (len <= 0)
        return {};
    QByteArray der(len, Qt::Uninitialized);
    unsigned char *p = reinterpret_cast<unsigned char *>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &p) != len)
        return {};
    return der;
}

QByteArray compactJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

bool decodeObject(QByteArrayView part, QJsonObject *out)
{
    QByteArray json;
    if (!crypto::base64UrlDecode(part, &json))
        return false;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return false;
    *out = doc.object();
    return true;
}

// The tokens one signer mints all carry the same header bytes, so each thread keeps the last
// header it parsed: the same bytes give the same object without parsing them again.
bool decodeHeader(QByteArrayView part, QJsonObject *out)
{
    thread_local QByteArray lastText;
    thread_local QJsonObject lastHeader;
    if (!lastText.isEmpty() && part == lastText) {
        *out = lastHeader;
        return true;
    }
    if (!decodeObject(part, out))
        return false;
    // Real headers are a few dozen bytes; an oversized one is not worth keeping.
    if (part.size() <= 1024) {
        lastText = part.toByteArray();
        lastHeader = *out;
    }
    return true;
}

} // namespace

namespace jwt {

bool decode(QByteArrayView token, JwtParts *out, QString *error)
{
    if (token.isEmpty()) {
        setError(error, "the token is empty");
        return false;
    }
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (firstDot < 0 || secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) {
        setError(error, "the token does not have exactly three dot-separated parts");
        return false;
    }

    JwtParts parts;
    if (!decodeHeader(token.first(firstDot), &parts.header)) {
        setError(error, "the token header is not base64url-encoded JSON object");
        return false;
    }
    if (!parts.header.value(QLatin1String("alg")).isString()) {
        setError(error, "the token header has no string \"alg\"");
        return false;
    }
    if (parts.header.contains(QLatin1String("crit"))) {
        setError(error, "the token header lists critical extensions (\"crit\"), which are not supported");
        return false;
    }
    if (!decodeObject(token.sliced(firstDot + 1, secondDot - firstDot - 1), &parts.payload)) {
        setError(error, "the token payload is not base64url-encoded JSON object");
        return false;
    }
    if (!crypto::base64UrlDecode(token.sliced(secondDot + 1), &parts.signature)) {
        setError(error, "the token signature is not valid base64url");
        return false;
    }
    parts.signingInput = token.first(secondDot).toByteArray();
    if (out)
        *out = std::move(parts);
    if (error)
        error->clear();
    return true;
}

bool verifyHs256(const JwtParts &parts, QByteArrayView secret)
{
    // The header must name this algorithm: a token labelled otherwise is never accepted here.
    // An empty secret would let anyone sign, so it verifies nothing.
    if (parts.alg() != QLatin1String("HS256") || secret.isEmpty())
        return false;
    return crypto::HmacSha256Key(secret).verify(parts.signingInput, parts.signature);
}

bool verifyHs256(const JwtParts &parts, const crypto::HmacSha256Key &key)
{
    // Same rules: a null key (never prepared, or from an empty secret) verifies nothing.
    if (key.isNull() || parts.alg() != QLatin1String("HS256"))
        return false;
    return key.verify(parts.signingInput, parts.signature);
}

bool verifyEdDsa(const JwtParts &parts, QByteArrayView publicKeyPem)
{
    if (parts.alg() != QLatin1String("EdDSA") || parts.signature.size() != 64)
        return false;
    const auto key = loadPublicKey(publicKeyPem, KeyKind::Ed25519);
    // Ed25519 signs the message itself, so no digest is named.
    return key && digestVerify(key.get(), nullptr, parts.signature, parts.signingInput);
}

bool verifyEs256(const JwtParts &parts, QByteArrayView publicKeyPem)
{
    if (parts.alg() != QLatin1String("ES256") || parts.signature.size() != 64)
        return false;
    const auto key = loadPublicKey(publicKeyPem, KeyKind::P256);
    if (!key)
        return false;
    const QByteArray der = rawToDerEcdsa(parts.signature);
    return !der.isEmpty() && digestVerify(key.get(), EVP_sha256(), der, parts.signingInput);
}

bool isValidPublicKey(const QString &alg, QByteArrayView pem)
{
    if (alg == QLatin1String("EdDSA"))
        return loadPublicKey(pem, KeyKind::Ed25519) != nullptr;
    if (alg == QLatin1String("ES256"))
        return loadPublicKey(pem, KeyKind::P256) != nullptr;
    return false;
}

QByteArray signHs256(QJsonObject header, const QJsonObject &payload, QByteArrayView secret)
{
    // Same rule as verifyHs256: no token is minted that our own verification would refuse.
    if (secret.isEmpty())
        return {};
    // The signature is HS256 whatever the caller passed, so the header must say so.
    header.insert(QLatin1String("alg"), QLatin1String("HS256"));
    if (!header.contains(QLatin1String("typ")))
        header.insert(QLatin1String("typ"), QLatin1String("JWT"));
    const QByteArray signingInput = crypto::base64UrlEncode(compactJson(header)) + '.'
        + crypto::base64UrlEncode(compactJson(payload));
    return signingInput + '.' + crypto::base64UrlEncode(crypto::hmacSha256(secret, signingInput));
}

} // namespace jwt
} // namespace dynaseal

#pragma once
// Compact JWS (RFC 7515) decoding, signing and verification for dynamic keys.
#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>

namespace dynaseal {

namespace crypto {
class HmacSha256Key;
}

struct JwtParts
{
    QJsonObject header;
    QJsonObject payload;
    QByteArray signingInput; // "<b64 header>.<b64 payload>", exactly as received
    QByteArray signature;    // decoded signature bytes
    QString alg() const { return header.value(QLatin1String("alg")).toString(); }
};

namespace jwt {

// Splits and decodes without verifying. Fails (false, with a plain-words reason in *error)
// on anything that is not three base64url parts holding JSON objects with a string "alg", and
// on a "crit" header (RFC 7515 4.1.11: extensions this implementation does not understand).
bool decode(QByteArrayView token, JwtParts *out, QString *error);

// HS256 over the signing input, compared in constant time. The prepared-key form does the same
// without hashing the key blocks again: for keys that verify many tokens.
bool verifyHs256(const JwtParts &parts, QByteArrayView secret);
bool verifyHs256(const JwtParts &parts, const crypto::HmacSha256Key &key);
// EdDSA (Ed25519) and ES256 (P-256, JWS raw r||s signature) against a PEM public key.
bool verifyEdDsa(const JwtParts &parts, QByteArrayView publicKeyPem);
bool verifyEs256(const JwtParts &parts, QByteArrayView publicKeyPem);
// True if `pem` parses as a public key of the given JWS algorithm ("EdDSA" or "ES256").
bool isValidPublicKey(const QString &alg, QByteArrayView pem);

// Signs with HS256; `header` gets "alg":"HS256" (always) and "typ":"JWT" (if absent). Compact
// JSON. Returns an empty token for an empty secret.
QByteArray signHs256(QJsonObject header, const QJsonObject &payload, QByteArrayView secret);

} // namespace jwt
} // namespace dynaseal

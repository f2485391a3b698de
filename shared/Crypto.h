#pragma once
// Small wrappers over OpenSSL for the primitives the server needs everywhere.
#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace dynaseal::crypto {

// Cryptographically secure random bytes (OpenSSL RAND_bytes); aborts if the RNG fails.
QByteArray randomBytes(int count);
// URL-safe base64 (no padding) of `count` random bytes: for ids, tokens and secrets.
QString randomToken(int count);

QByteArray sha256(QByteArrayView data);
QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);
QByteArray hmacSha256Hex(QByteArrayView key, QByteArrayView data);

// Compares in time that depends only on the lengths, never on where the bytes differ.
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

// base64url without padding, as JWS uses it. decode returns false on any invalid input.
QByteArray base64UrlEncode(QByteArrayView data);
bool base64UrlDecode(QByteArrayView text, QByteArray *out);

} // namespace dynaseal::crypto

#pragma once
// Small wrappers over OpenSSL for the primitives the server needs everywhere.
#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <memory>

namespace dynaseal::crypto {

// Cryptographically secure random bytes (OpenSSL RAND_bytes); aborts if the RNG fails.
QByteArray randomBytes(int count);
// The same generator's bytes for ids, handed out from a per-thread buffer refilled 4 KiB at a
// time: one RAND_bytes call (and its fork check) per few hundred ids instead of one each. Not for
// keys or secrets, which should not wait in a buffer.
void idRandomBytes(char *out, int count);
// URL-safe base64 (no padding) of `count` random bytes: for ids, tokens and secrets.
QString randomToken(int count);

QByteArray sha256(QByteArrayView data);
QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);
QByteArray hmacSha256Hex(QByteArrayView key, QByteArrayView data);

// An HMAC-SHA256 key prepared once for many MACs: it keeps the SHA-256 states after the inner
// and outer padded key blocks (RFC 2104), so each MAC hashes only the message. Immutable once
// built and cheap to copy (copies share the states); every call works on its own copy of the
// states, so one instance may be used from any number of threads at once.
class HmacSha256Key
{
public:
    // A null key: mac() is empty and verify() is false.
    HmacSha256Key() = default;
    // An empty key also gives a null key: an HMAC key anyone knows would let anyone sign.
    explicit HmacSha256Key(QByteArrayView key);

    bool isNull() const { return !m_states; }
    // The 32-byte MAC of `data`; empty for a null key.
    QByteArray mac(QByteArrayView data) const;
    // True if `expected` is the MAC of `data`, compared in constant time; false for a null key.
    bool verify(QByteArrayView data, QByteArrayView expected) const;

private:
    struct States; // OpenSSL digest contexts, kept out of this header
    std::shared_ptr<const States> m_states;
};

// Compares in time that depends only on the lengths, never on where the bytes differ.
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

// base64url without padding, as JWS uses it. decode returns false on any invalid input.
QByteArray base64UrlEncode(QByteArrayView data);
bool base64UrlDecode(QByteArrayView text, QByteArray *out);

} // namespace dynaseal::crypto

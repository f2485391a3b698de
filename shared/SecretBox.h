#pragma once
// Encrypts secrets (tenant keys, upstream keys, callback secrets) before they reach the database.
#include <QByteArray>
#include <QByteArrayView>
#include <optional>

namespace dynaseal {

class SecretBox
{
public:
    // `masterKey` must be 32 bytes: AES-256-GCM key, also used (through HMAC) for lookup hashes.
    explicit SecretBox(QByteArray masterKey);

    // Text form "v1:<base64url(nonce12 | ciphertext | tag16)>"; `context` is bound as associated
    // data so a ciphertext copied to another row or column fails to open.
    QByteArray seal(QByteArrayView plaintext, QByteArrayView context) const;
    std::optional<QByteArray> open(QByteArrayView sealed, QByteArrayView context) const;

    // Keyed, deterministic hash (hex HMAC-SHA256 under a key derived from the master key):
    // lets the server find a row by a presented secret without storing the secret.
    QByteArray lookupHash(QByteArrayView secret) const;

    bool isValid() const { return m_key.size() == 32; }

private:
    QByteArray m_key;
    QByteArray m_lookupKey;
};

} // namespace dynaseal

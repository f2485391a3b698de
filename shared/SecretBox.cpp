#include "shared/SecretBox.h"

#include "shared/Crypto.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <utility>

namespace dynaseal {

namespace {

constexpr int kNonceSize = 12;
constexpr int kTagSize = 16;
const QByteArrayView kPrefix("v1:");
const QByteArrayView kLookupLabel("dynaseal lookup v1");

struct CipherCtxFree
{
    void operator()(EVP_CIPHER_CTX *ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char *bytesOf(QByteArrayView data)
{
    static const unsigned char empty = 0;
    return data.isEmpty() ? &empty : reinterpret_cast<const unsigned char *>(data.data());
}

unsigned char *bytesOf(QByteArray &data)
{
    return reinterpret_cast<unsigned char *>(data.data());
}

} // namespace

SecretBox::SecretBox(QByteArray masterKey)
    : m_key(std::move(masterKey))
{
    // Separate key for lookup hashes, so they reveal nothing usable against the cipher key.
    if (isValid())
        m_lookupKey = crypto::hmacSha256(m_key, kLookupLabel);
}

QByteArray SecretBox::seal(QByteArrayView plaintext, QByteArrayView context) const
{
    if (!isValid() || plaintext.size() > INT_MAX - 64 || context.size() > INT_MAX)
        return {};

    const QByteArray nonce = crypto::randomBytes(kNonceSize);
    QByteArray blob(kNonceSize + plaintext.size() + kTagSize, Qt::Uninitialized);
    unsigned char *const out = bytesOf(blob);
    std::copy(nonce.begin(), nonce.end(), out);

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    bool ok = ctx
        && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1
        && EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytesOf(m_key), out) == 1;
    if (ok && !context.isEmpty())
        ok = EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytesOf(context), int(context.size())) == 1;
    int written = 0;
    if (ok && !plaintext.isEmpty()) {
        ok = EVP_EncryptUpdate(ctx.get(), out + kNonceSize, &len, bytesOf(plaintext),
                               int(plaintext.size()))
            == 1;
        written = len;
    }
    ok = ok && EVP_EncryptFinal_ex(ctx.get(), out + kNonceSize + written, &len) == 1;
    written += len;
    ok = ok && written == plaintext.size()
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                               out + kNonceSize + written)
            == 1;
    if (!ok) {
        ERR_clear_error();
        return {};
    }
    return kPrefix.toByteArray() + crypto::base64UrlEncode(blob);
}

std::optional<QByteArray> SecretBox::open(QByteArrayView sealed, QByteArrayView context) const
{
    if (!isValid() || !sealed.startsWith(kPrefix) || context.size() > INT_MAX)
        return std::nullopt;
    QByteArray blob;
    if (!crypto::base64UrlDecode(sealed.sliced(kPrefix.size()), &blob)
        || blob.size() < kNonceSize + kTagSize || blob.size() > INT_MAX)
        return std::nullopt;

    const qsizetype ctSize = blob.size() - kNonceSize - kTagSize;
    const unsigned char *const in = reinterpret_cast<const unsigned char *>(blob.constData());
    // The tag is set from a copy: OpenSSL's ctrl takes a non-const pointer.
    QByteArray tag = blob.right(kTagSize);
    QByteArray plain(ctSize, Qt::Uninitialized);

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    bool ok = ctx
        && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1
        && EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytesOf(m_key), in) == 1;
    if (ok && !context.isEmpty())
        ok = EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytesOf(context), int(context.size())) == 1;
    int written = 0;
    if (ok && ctSize > 0) {
        ok = EVP_DecryptUpdate(ctx.get(), bytesOf(plain), &len, in + kNonceSize, int(ctSize)) == 1;
        written = len;
    }
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) == 1;
    // Final checks the tag: any change to nonce, ciphertext, tag or context fails here.
    unsigned char scratch[16];
    ok = ok && EVP_DecryptFinal_ex(ctx.get(), written < ctSize ? bytesOf(plain) + written : scratch,
                                   &len)
            == 1;
    written += len;
    if (!ok || written != ctSize) {
        ERR_clear_error();
        // Do not leave decrypted-but-unauthenticated bytes lying around in freed memory.
        plain.fill('\0');
        return std::nullopt;
    }
    return plain;
}

QByteArray SecretBox::lookupHash(QByteArrayView secret) const
{
    if (!isValid())
        return {};
    return crypto::hmacSha256Hex(m_lookupKey, secret);
}

} // namespace dynaseal

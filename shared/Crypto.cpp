#include "shared/Crypto.h"

#include <QtGlobal>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace dynaseal::crypto {

namespace {

constexpr int kSha256Size = 32;
constexpr int kSha256BlockSize = 64;

// OpenSSL wants a valid pointer even for empty input; an empty QByteArrayView may hold nullptr.
const unsigned char *bytesOf(QByteArrayView data)
{
    static const unsigned char empty = 0;
    return data.isEmpty() ? &empty : reinterpret_cast<const unsigned char *>(data.data());
}

// Fetched once: EVP_sha256() and the one-shot HMAC() look the implementation up in the provider
// store on every call, which cost more than hashing a dynamic key. Never freed: it lives as long
// as the process, and the static initialisation is thread-safe.
const EVP_MD *sha256Md()
{
    static EVP_MD *const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!md)
        qFatal("dynaseal: OpenSSL has no SHA-256");
    return md;
}

struct MdCtxFree
{
    void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

MdCtx newMdCtx()
{
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx)
        qFatal("dynaseal: out of memory for a digest context");
    return ctx;
}

// A SHA-256 context that has absorbed one key block XORed with `pad` (0x36 inner, 0x5c outer).
MdCtx paddedKeyState(const std::array<unsigned char, kSha256BlockSize> &block, unsigned char pad)
{
    std::array<unsigned char, kSha256BlockSize> padded;
    for (int i = 0; i < kSha256BlockSize; ++i)
        padded[i] = block[i] ^ pad;
    MdCtx ctx = newMdCtx();
    if (EVP_DigestInit_ex(ctx.get(), sha256Md(), nullptr) != 1
        || EVP_DigestUpdate(ctx.get(), padded.data(), padded.size()) != 1)
        qFatal("dynaseal: SHA-256 failed");
    OPENSSL_cleanse(padded.data(), padded.size());
    return ctx;
}

// HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)); both keyed prefixes are one block long, so
// their hash states can be computed once and copied for each message.
struct HmacStates
{
    MdCtx inner;
    MdCtx outer;
};

HmacStates prepareHmac(QByteArrayView key)
{
    std::array<unsigned char, kSha256BlockSize> block{};
    // RFC 2104: a key longer than a block is replaced by its hash; shorter keys are zero-padded.
    if (key.size() > kSha256BlockSize) {
        const QByteArray hashed = sha256(key);
        std::copy(hashed.begin(), hashed.end(), block.begin());
    } else {
        std::copy(key.begin(), key.end(), block.begin());
    }
    HmacStates states{paddedKeyState(block, 0x36), paddedKeyState(block, 0x5c)};
    OPENSSL_cleanse(block.data(), block.size());
    return states;
}

// Copies the prepared states into a context of its own, so `states` is only read.
void finishHmac(const HmacStates &states, QByteArrayView data, unsigned char *out)
{
    const MdCtx work = newMdCtx();
    unsigned char innerHash[kSha256Size];
    unsigned int len = 0;
    unsigned int outLen = 0;
    if (EVP_MD_CTX_copy_ex(work.get(), states.inner.get()) != 1
        || EVP_DigestUpdate(work.get(), bytesOf(data), size_t(data.size())) != 1
        || EVP_DigestFinal_ex(work.get(), innerHash, &len) != 1 || len != kSha256Size
        || EVP_MD_CTX_copy_ex(work.get(), states.outer.get()) != 1
        || EVP_DigestUpdate(work.get(), innerHash, sizeof innerHash) != 1
        || EVP_DigestFinal_ex(work.get(), out, &outLen) != 1 || outLen != kSha256Size)
        qFatal("dynaseal: HMAC-SHA256 failed");
}

// Decoding table for the base64url alphabet (RFC 4648 section 5); -1 for every other byte,
// including '=', '+' and '/'.
constexpr std::array<signed char, 256> makeBase64UrlTable()
{
    std::array<signed char, 256> table{};
    for (auto &v : table)
        v = -1;
    for (int i = 0; i < 26; ++i) {
        table['A' + i] = static_cast<signed char>(i);
        table['a' + i] = static_cast<signed char>(26 + i);
    }
    for (int i = 0; i < 10; ++i)
        table['0' + i] = static_cast<signed char>(52 + i);
    table['-'] = 62;
    table['_'] = 63;
    return table;
}
constexpr std::array<signed char, 256> kBase64UrlValues = makeBase64UrlTable();

} // namespace

struct HmacSha256Key::States : HmacStates
{
    explicit States(HmacStates s) : HmacStates(std::move(s)) {}
};

HmacSha256Key::HmacSha256Key(QByteArrayView key)
{
    if (!key.isEmpty())
        m_states = std::make_shared<const States>(prepareHmac(key));
}

QByteArray HmacSha256Key::mac(QByteArrayView data) const
{
    if (!m_states)
        return {};
    QByteArray out(kSha256Size, Qt::Uninitialized);
    finishHmac(*m_states, data, reinterpret_cast<unsigned char *>(out.data()));
    return out;
}

bool HmacSha256Key::verify(QByteArrayView data, QByteArrayView expected) const
{
    if (!m_states)
        return false;
    unsigned char actual[kSha256Size];
    finishHmac(*m_states, data, actual);
    return constantTimeEquals(QByteArrayView(reinterpret_cast<const char *>(actual), kSha256Size),
                              expected);
}

QByteArray randomBytes(int count)
{
    if (count <= 0)
        return {};
    QByteArray out(count, Qt::Uninitialized);
    // A silent fallback here would hand out guessable ids and keys, so refuse to continue.
    if (RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), count) != 1)
        qFatal("dynaseal: the OpenSSL random number generator failed");
    return out;
}

void idRandomBytes(char *out, int count)
{
    constexpr int kPoolSize = 4096;
    thread_local unsigned char pool[kPoolSize];
    thread_local int used = kPoolSize;
    while (count > 0) {
        if (used == kPoolSize) {
            if (RAND_bytes(pool, kPoolSize) != 1)
                qFatal("dynaseal: the OpenSSL random number generator failed");
            used = 0;
        }
        const int n = std::min(count, kPoolSize - used);
        std::memcpy(out, pool + used, size_t(n));
        used += n;
        out += n;
        count -= n;
    }
}

QString randomToken(int count)
{
    return QString::fromLatin1(base64UrlEncode(randomBytes(count)));
}

QByteArray sha256(QByteArrayView data)
{
    QByteArray out(kSha256Size, Qt::Uninitialized);
    unsigned int len = 0;
    // Only allocation failure can make this fail; an empty digest would compare equal to others.
    if (EVP_Digest(bytesOf(data), size_t(data.size()), reinterpret_cast<unsigned char *>(out.data()),
                   &len, sha256Md(), nullptr)
            != 1
        || len != kSha256Size)
        qFatal("dynaseal: SHA-256 failed");
    return out;
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    // An empty key is well defined for HMAC (it is zero-padded), unlike HmacSha256Key's rule
    // for verification, so the states are prepared here directly.
    QByteArray out(kSha256Size, Qt::Uninitialized);
    finishHmac(prepareHmac(key), data, reinterpret_cast<unsigned char *>(out.data()));
    return out;
}

QByteArray hmacSha256Hex(QByteArrayView key, QByteArrayView data)
{
    return hmacSha256(key, data).toHex();
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    // Always compare the common prefix so the time depends on the lengths only, not the content.
    const qsizetype common = std::min(a.size(), b.size());
    const int diff = common > 0 ? CRYPTO_memcmp(a.data(), b.data(), size_t(common)) : 0;
    return (diff == 0) & (a.size() == b.size());
}

QByteArray base64UrlEncode(QByteArrayView data)
{
    return data.toByteArray().toBase64(QByteArray::Base64UrlEncoding
                                       | QByteArray::OmitTrailingEquals);
}

bool base64UrlDecode(QByteArrayView text, QByteArray *out)
{
    if (out)
        out->clear();
    // Every 4 characters carry 3 bytes; 2 or 3 leftover characters carry 1 or 2 more, and a
    // single leftover character cannot encode a whole byte.
    const qsizetype tail = text.size() % 4;
    if (tail == 1)
        return false;
    QByteArray decoded(text.size() / 4 * 3 + (tail == 0 ? 0 : tail - 1), Qt::Uninitialized);
    const auto *src = reinterpret_cast<const unsigned char *>(text.data());
    const auto *const end = src + (text.size() - tail);
    auto *dst = reinterpret_cast<unsigned char *>(decoded.data());
    // Any byte outside the alphabet (padding, standard-alphabet '+' '/', whitespace, ...) maps
    // to -1, which makes the OR of a group negative.
    for (; src != end; src += 4, dst += 3) {
        const int a = kBase64UrlValues[src[0]], b = kBase64UrlValues[src[1]],
                  c = kBase64UrlValues[src[2]], d = kBase64UrlValues[src[3]];
        if ((a | b | c | d) < 0)
            return false;
        const quint32 group = quint32(a) << 18 | quint32(b) << 12 | quint32(c) << 6 | quint32(d);
        dst[0] = static_cast<unsigned char>(group >> 16);
        dst[1] = static_cast<unsigned char>(group >> 8);
        dst[2] = static_cast<unsigned char>(group);
    }
    if (tail != 0) {
        const int a = kBase64UrlValues[src[0]], b = kBase64UrlValues[src[1]],
                  c = tail == 3 ? kBase64UrlValues[src[2]] : 0;
        if ((a | b | c) < 0)
            return false;
        const quint32 group = quint32(a) << 18 | quint32(b) << 12 | quint32(c) << 6;
        // Only the canonical encoding is accepted: the unused trailing bits (4 after 2 leftover
        // characters, 2 after 3) must be zero, so one byte string has exactly one text form and
        // a signature cannot be varied without detection.
        if ((group & (tail == 2 ? 0xffffu : 0xffu)) != 0)
            return false;
        dst[0] = static_cast<unsigned char>(group >> 16);
        if (tail == 3)
            dst[1] = static_cast<unsigned char>(group >> 8);
    }
    if (out)
        *out = std::move(decoded);
    return true;
}

} // namespace dynaseal::crypto

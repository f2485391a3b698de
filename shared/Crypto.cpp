#include "shared/Crypto.h"

#include <QtGlobal>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>

namespace dynaseal::crypto {

namespace {

// OpenSSL wants a valid pointer even for empty input; an empty QByteArrayView may hold nullptr.
const unsigned char *bytesOf(QByteArrayView data)
{
    static const unsigned char empty = 0;
    return data.isEmpty() ? &empty : reinterpret_cast<const unsigned char *>(data.data());
}

bool isBase64UrlChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
        || c == '_';
}

} // namespace

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

QString randomToken(int count)
{
    return QString::fromLatin1(base64UrlEncode(randomBytes(count)));
}

QByteArray sha256(QByteArrayView data)
{
    QByteArray out(32, Qt::Uninitialized);
    unsigned int len = 0;
    // Only allocation failure can make this fail; an empty digest would compare equal to others.
    if (EVP_Digest(bytesOf(data), size_t(data.size()), reinterpret_cast<unsigned char *>(out.data()),
                   &len, EVP_sha256(), nullptr)
            != 1
        || len != 32)
        qFatal("dynaseal: SHA-256 failed");
    return out;
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    // HMAC hashes over-long keys anyway; doing it here keeps the length within HMAC()'s int.
    if (key.size() > 64)
        return hmacSha256(sha256(key), data);
    QByteArray out(32, Qt::Uninitialized);
    unsigned int len = 0;
    // HMAC() with an empty key is well defined (the key is zero-padded), so no special case.
    if (!HMAC(EVP_sha256(), bytesOf(key), int(key.size()), bytesOf(data), size_t(data.size()),
              reinterpret_cast<unsigned char *>(out.data()), &len)
        || len != 32)
        qFatal("dynaseal: HMAC-SHA256 failed");
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
    // A single leftover character cannot encode a whole byte.
    if (text.size() % 4 == 1)
        return false;
    if (!std::all_of(text.begin(), text.end(), isBase64UrlChar))
        return false;
    const auto result = QByteArray::fromBase64Encoding(
        text.toByteArray(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (result.decodingStatus != QByteArray::Base64DecodingStatus::Ok)
        return false;
    // Only the canonical encoding is accepted (unused trailing bits must be zero), so one byte
    // string has exactly one text form and signatures cannot be varied without detection.
    if (base64UrlEncode(result.decoded) != text)
        return false;
    if (out)
        *out = result.decoded;
    return true;
}

} // namespace dynaseal::crypto

#include "shared/PasswordHash.h"

#include "shared/Crypto.h"

#include <QByteArray>
#include <QList>

#include <openssl/err.h>
#include <openssl/evp.h>

#include <optional>

namespace dynaseal::passwordhash {

namespace {

constexpr int kLogN = 15;
constexpr int kR = 8;
constexpr int kP = 1;
constexpr int kSaltSize = 16;
constexpr int kHashSize = 32;
// 128 * r * N = 32 MiB for the defaults; the cap also bounds what a stored hash may demand.
constexpr quint64 kMaxMem = 64ull * 1024 * 1024;

std::optional<QByteArray> derive(const QByteArray &password, const QByteArray &salt, int logN,
                                 int r, int p, int length)
{
    static const char empty = 0;
    QByteArray out(length, Qt::Uninitialized);
    if (EVP_PBE_scrypt(password.isEmpty() ? &empty : password.constData(), size_t(password.size()),
                       reinterpret_cast<const unsigned char *>(salt.constData()),
                       size_t(salt.size()), quint64(1) << logN, quint64(r), quint64(p), kMaxMem,
                       reinterpret_cast<unsigned char *>(out.data()), size_t(out.size()))
        != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    return out;
}

// Plain decimal only: no sign, no spaces, no leading zeros, so one value has one spelling.
std::optional<int> parseSmallInt(QByteArrayView text, int min, int max)
{
    if (text.isEmpty() || text.size() > 3 || (text.size() > 1 && text.front() == '0'))
        return std::nullopt;
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value < min || value > max)
        return std::nullopt;
    return value;
}

} // namespace

QString hash(const QString &password)
{
    const QByteArray salt = crypto::randomBytes(kSaltSize);
    const auto derived = derive(password.toUtf8(), salt, kLogN, kR, kP, kHashSize);
    if (!derived)
        return {};
    return QStringLiteral("scrypt$%1$%2$%3$").arg(kLogN).arg(kR).arg(kP)
        + QString::fromLatin1(crypto::base64UrlEncode(salt)) + QLatin1Char('$')
        + QString::fromLatin1(crypto::base64UrlEncode(*derived));
}

bool verify(const QString &password, const QString &encoded)
{
    // Stored hashes are short; anything long is not ours and is not worth parsing.
    if (encoded.size() > 512)
        return false;
    const QByteArray text = encoded.toLatin1();
    if (QString::fromLatin1(text) != encoded)
        return false;
    const QList<QByteArray> fields = text.split('$');
    if (fields.size() != 6 || fields[0] != "scrypt")
        return false;
    // Accept other cost settings (for later upgrades) but within bounds, so a bad row cannot
    // make a login take minutes; the memory cap in derive() rejects the rest.
    const auto logN = parseSmallInt(fields[1], 10, 20);
    const auto r = parseSmallInt(fields[2], 1, 32);
    const auto p = parseSmallInt(fields[3], 1, 4);
    if (!logN || !r || !p)
        return false;
    QByteArray salt;
    QByteArray expected;
    if (!crypto::base64UrlDecode(fields[4], &salt) || !crypto::base64UrlDecode(fields[5], &expected))
        return false;
    if (salt.size() < 8 || salt.size() > 64 || expected.size() < 16 || expected.size() > 64)
        return false;
    const auto derived = derive(password.toUtf8(), salt, *logN, *r, *p, int(expected.size()));
    return derived && crypto::constantTimeEquals(*derived, expected);
}

} // namespace dynaseal::passwordhash

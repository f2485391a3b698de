#pragma once
// Ids and timestamps as rows store them.
#include "shared/Crypto.h"

#include <QDateTime>
#include <QString>
#include <QVariant>
#include <optional>

namespace dynaseal::rows {

// "<prefix>_" + 12 hex digits of the time in ms + 10 random hex digits, e.g.
// "req_019ab3c4d5e6a1b2c3d4e5". Ids made close in time sort close together, so a batch of new
// rows lands on the last page of each id index instead of on as many random pages (fewer pages
// written per commit); the random part keeps ids unguessable and unique.
inline QString newId(const char *prefix)
{
    static constexpr char kHex[] = "0123456789abcdef";
    const qsizetype prefixLength = qsizetype(qstrlen(prefix));
    QString id(prefixLength + 1 + 12 + 10, Qt::Uninitialized);
    QChar *out = id.data();
    for (qsizetype i = 0; i < prefixLength; ++i)
        *out++ = QLatin1Char(prefix[i]);
    *out++ = QLatin1Char('_');
    const quint64 ms = quint64(QDateTime::currentMSecsSinceEpoch());
    for (int shift = 44; shift >= 0; shift -= 4)
        *out++ = QLatin1Char(kHex[(ms >> shift) & 0xf]);
    char random[5];
    crypto::idRandomBytes(random, 5);
    for (char byte : random) {
        *out++ = QLatin1Char(kHex[(uchar(byte) >> 4) & 0xf]);
        *out++ = QLatin1Char(kHex[uchar(byte) & 0xf]);
    }
    return id;
}

inline QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

inline QVariant optionalInt(const std::optional<qint64> &v)
{
    return v ? QVariant(*v) : QVariant(QMetaType(QMetaType::LongLong));
}

} // namespace dynaseal::rows

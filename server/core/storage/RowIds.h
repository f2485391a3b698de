#pragma once
// Ids and timestamps as rows store them.
#include "shared/Crypto.h"

#include <QDateTime>
#include <QString>
#include <QVariant>
#include <optional>

namespace dynaseal::rows {

// "<prefix>_" + 16 random hex digits, e.g. "tn_3f9a1c0b7d2e4f61".
inline QString newId(const char *prefix)
{
    return QLatin1String(prefix) + QLatin1Char('_') + QString::fromLatin1(crypto::randomBytes(8).toHex());
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

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
    const QByteArray time = QByteArray::number(QDateTime::currentMSecsSinceEpoch(), 16).rightJustified(12, '0');
    return QLatin1String(prefix) + QLatin1Char('_') + QString::fromLatin1(time + crypto::randomBytes(5).toHex());
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

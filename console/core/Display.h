#pragma once
// How server values read in the console: local times, relative times, numbers, durations and
// the translated names of statuses, states and audit actions.
#include <QColor>
#include <QCoreApplication>
#include <QDateTime>
#include <QJsonValue>
#include <QString>

namespace dynaseal::console {

class Display
{
    Q_DECLARE_TR_FUNCTIONS(dynaseal::console::Display)
public:
    static QDateTime parseTime(const QJsonValue &iso);
    // "2026-11-23 10:26:23" in local time; "—" for null.
    static QString time(const QJsonValue &iso);
    static QString time(const QDateTime &t);
    // "in 12 s", "3 min ago", relative to `now`.
    static QString relative(const QDateTime &t, const QDateTime &now = QDateTime::currentDateTime());
    static QString number(double value, int decimals = 0);
    static QString count(const QJsonValue &value); // "—" for null
    static QString duration(double ms);
    static QString json(const QJsonValue &value, bool pretty = true);

    static QString requestStatus(const QString &status);
    static QString callbackState(const QString &state);
    static QString auditAction(const QString &action);
    static QColor statusColor(const QString &statusOrState);
    static QString dash() { return QStringLiteral("—"); }
};

} // namespace dynaseal::console

#include "console/core/Display.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace dynaseal::console {

QDateTime Display::parseTime(const QJsonValue &iso)
{
    if (iso.isDouble())
        return QDateTime::fromMSecsSinceEpoch(iso.toInteger());
    return QDateTime::fromString(iso.toString(), Qt::ISODateWithMs);
}

QString Display::time(const QJsonValue &iso)
{
    return time(parseTime(iso));
}

QString Display::time(const QDateTime &t)
{
    if (!t.isValid())
        return dash();
    return t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString Display::relative(const QDateTime &t, const QDateTime &now)
{
    if (!t.isValid())
        return dash();
    const qint64 secs = now.secsTo(t);
    const qint64 a = std::abs(secs);
    QString amount;
    if (a < 60)
        amount = tr("%n s", nullptr, int(a));
    else if (a < 3600)
        amount = tr("%n min", nullptr, int(a / 60));
    else if (a < 86400)
        amount = tr("%n h", nullptr, int(a / 3600));
    else
        amount = tr("%n d", nullptr, int(a / 86400));
    return secs >= 0 ? tr("in %1").arg(amount) : tr("%1 ago").arg(amount);
}

QString Display::number(double value, int decimals)
{
    return QLocale().toString(value, 'f', decimals);
}

QString Display::count(const QJsonValue &value)
{
    if (value.isNull() || value.isUndefined())
        return dash();
    return number(value.toDouble());
}

QString Display::duration(double ms)
{
    if (ms < 1000)
        return tr("%1 ms").arg(number(ms));
    if (ms < 60'000)
        return tr("%1 s").arg(number(ms / 1000.0, 1));
    return tr("%1 min").arg(number(ms / 60'000.0, 1));
}

QString Display::json(const QJsonValue &value, bool pretty)
{
    const QJsonDocument::JsonFormat format = pretty ? QJsonDocument::Indented : QJsonDocument::Compact;
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(format)).trimmed();
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(format)).trimmed();
    if (value.isString())
        return value.toString();
    if (value.isNull() || value.isUndefined())
        return dash();
    return value.toVariant().toString();
}

QString Display::requestStatus(const QString &status)
{
    if (status == QLatin1String("ok"))
        return tr("OK");
    if (status == QLatin1String("error"))
        return tr("Error");
    if (status == QLatin1String("client_closed"))
        return tr("Client closed");
    if (status == QLatin1String("interrupted"))
        return tr("Interrupted");
    if (status == QLatin1String("in_flight"))
        return tr("In flight");
    return status;
}

QString Display::callbackState(const QString &state)
{
    if (state == QLatin1String("pending"))
        return tr("Pending");
    if (state == QLatin1String("delivered"))
        return tr("Delivered");
    if (state == QLatin1String("abandoned"))
        return tr("Abandoned");
    return state;
}

QString Display::auditAction(const QString &action)
{
    static const QHash<QString, const char *> names = {
        { QStringLiteral("operator.create"), QT_TR_NOOP("Operator created") },
        { QStringLiteral("login"), QT_TR_NOOP("Logged in") },
        { QStringLiteral("upstream.create"), QT_TR_NOOP("Upstream added") },
        { QStringLiteral("upstream.update"), QT_TR_NOOP("Upstream changed") },
        { QStringLiteral("upstream.delete"), QT_TR_NOOP("Upstream removed") },
        { QStringLiteral("tenant.create"), QT_TR_NOOP("Tenant created") },
        { QStringLiteral("tenant.update"), QT_TR_NOOP("Tenant changed") },
        { QStringLiteral("tenant.delete"), QT_TR_NOOP("Tenant deleted") },
        { QStringLiteral("tenant_key.issue"), QT_TR_NOOP("Tenant key issued") },
        { QStringLiteral("tenant_key.revoke"), QT_TR_NOOP("Tenant key revoked") },
        { QStringLiteral("callback.retry"), QT_TR_NOOP("Callback retried") },
    };
    const auto it = names.constFind(action);
    return it == names.constEnd() ? action : tr(*it);
}

QColor Display::statusColor(const QString &s)
{
    if (s == QLatin1String("ok") || s == QLatin1String("delivered"))
        return QColor(0x15, 0x80, 0x3d);
    if (s == QLatin1String("error") || s == QLatin1String("abandoned"))
        return QColor(0xb9, 0x1c, 0x1c);
    if (s == QLatin1String("pending") || s == QLatin1String("in_flight"))
        return QColor(0xb4, 0x53, 0x09);
    if (s == QLatin1String("client_closed") || s == QLatin1String("interrupted"))
        return QColor(0x6b, 0x72, 0x80);
    return QColor();
}

} // namespace dynaseal::console

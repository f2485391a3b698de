#include "console/core/models/CallbacksModel.h"

#include "console/core/Display.h"

namespace dynaseal::console {

CallbacksModel::CallbacksModel(QObject *parent)
    : JsonTableModel(parent)
{
    addColumn({ .header = tr("Created"),
        .text = [](const QJsonObject &o) -> QVariant { return Display::time(o.value(QLatin1String("created_at"))); },
        .sortKey = [](const QJsonObject &o) -> QVariant { return Display::parseTime(o.value(QLatin1String("created_at"))); } });
    addColumn({ .header = tr("Tenant"), .text = [this](const QJsonObject &o) -> QVariant {
                   return tenantLabel(o.value(QLatin1String("tenant_id")).toString());
               } });
    addColumn({ .header = tr("State"),
        .text
        = [](const QJsonObject &o) -> QVariant { return Display::callbackState(o.value(QLatin1String("state")).toString()); },
        .foreground = [](const QJsonObject &o) -> QVariant {
            const QColor c = Display::statusColor(o.value(QLatin1String("state")).toString());
            return c.isValid() ? QVariant(c) : QVariant();
        } });
    addColumn({ .header = tr("Attempts"),
        .text = [](const QJsonObject &o) -> QVariant { return o.value(QLatin1String("attempts")).toInt(); },
        .alignment = Qt::AlignRight | Qt::AlignVCenter });
    addColumn({ .header = tr("Last answer"),
        .text = [](const QJsonObject &o) -> QVariant {
            const QJsonValue s = o.value(QLatin1String("last_status"));
            if (!s.isNull() && !s.isUndefined())
                return tr("HTTP %1").arg(s.toInt());
            const QJsonValue e = o.value(QLatin1String("last_error"));
            return e.isString() ? e.toString() : QVariant();
        },
        .toolTip = [](const QJsonObject &o) -> QVariant {
            const QJsonValue e = o.value(QLatin1String("last_error"));
            return e.isString() ? e.toString() : QVariant();
        } });
    addColumn({ .header = tr("Next try"),
        .text = [](const QJsonObject &o) -> QVariant {
            const QDateTime next = Display::parseTime(o.value(QLatin1String("next_attempt_at")));
            return next.isValid() ? QStringLiteral("%1 (%2)").arg(Display::time(next), Display::relative(next)) : QVariant();
        },
        .sortKey
        = [](const QJsonObject &o) -> QVariant { return Display::parseTime(o.value(QLatin1String("next_attempt_at"))); } });
    addColumn({ .header = tr("URL"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("url")).toString(); } });
    addColumn({ .header = tr("Request"),
        .text = [](const QJsonObject &o) { return o.value(QLatin1String("request_id")).toString(); } });
}

} // namespace dynaseal::console

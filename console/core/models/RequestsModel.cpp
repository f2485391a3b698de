#include "console/core/models/RequestsModel.h"

#include "console/core/Display.h"

namespace dynaseal::console {

RequestsModel::RequestsModel(QObject *parent)
    : JsonTableModel(parent)
{
    addColumn({ .header = tr("Started"),
        .text = [](const QJsonObject &o) -> QVariant { return Display::time(o.value(QLatin1String("started_at"))); },
        .sortKey = [](const QJsonObject &o) -> QVariant { return Display::parseTime(o.value(QLatin1String("started_at"))); } });
    addColumn({ .header = tr("Tenant"), .text = [this](const QJsonObject &o) -> QVariant {
                   return tenantLabel(o.value(QLatin1String("tenant_id")).toString());
               } });
    addColumn({ .header = tr("Model"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("model")).toString(); } });
    addColumn({ .header = tr("Status"),
        .text
        = [](const QJsonObject &o) -> QVariant { return Display::requestStatus(o.value(QLatin1String("status")).toString()); },
        .foreground = [](const QJsonObject &o) -> QVariant {
            const QColor c = Display::statusColor(o.value(QLatin1String("status")).toString());
            return c.isValid() ? QVariant(c) : QVariant();
        },
        .toolTip = [](const QJsonObject &o) -> QVariant {
            const QJsonValue e = o.value(QLatin1String("error"));
            return e.isString() ? e.toString() : QVariant();
        } });
    addColumn({ .header = tr("HTTP"),
        .text = [](const QJsonObject &o) -> QVariant { return o.value(QLatin1String("http_status")).toInt(); },
        .alignment = Qt::AlignRight | Qt::AlignVCenter });
    addColumn({ .header = tr("Tokens"),
        .text = [](const QJsonObject &o) -> QVariant { return Display::count(o.value(QLatin1String("total_tokens"))); },
        .sortKey = [](const QJsonObject &o) { return number(o, "total_tokens"); },
        .alignment = Qt::AlignRight | Qt::AlignVCenter });
    addColumn({ .header = tr("Latency"),
        .text
        = [](const QJsonObject &o) -> QVariant { return Display::duration(o.value(QLatin1String("latency_ms")).toDouble()); },
        .sortKey = [](const QJsonObject &o) { return number(o, "latency_ms"); },
        .alignment = Qt::AlignRight | Qt::AlignVCenter });
    addColumn({ .header = tr("Stream"), .text = [](const QJsonObject &o) -> QVariant {
                   return o.value(QLatin1String("stream")).toBool() ? tr("yes") : tr("no");
               } });
    addColumn(
        { .header = tr("Event id"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("event_id")).toString(); } });
}

} // namespace dynaseal::console

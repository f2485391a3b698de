#include "console/core/models/AuditModel.h"

#include "console/core/Display.h"

namespace dynaseal::console {

AuditModel::AuditModel(QObject *parent)
    : JsonTableModel(parent)
{
    addColumn({ .header = tr("Time"),
        .text = [](const QJsonObject &o) -> QVariant { return Display::time(o.value(QLatin1String("at"))); },
        .sortKey = [](const QJsonObject &o) -> QVariant { return Display::parseTime(o.value(QLatin1String("at"))); } });
    addColumn(
        { .header = tr("Operator"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("actor")).toString(); } });
    addColumn({ .header = tr("Action"),
        .text
        = [](const QJsonObject &o) -> QVariant { return Display::auditAction(o.value(QLatin1String("action")).toString()); },
        .toolTip = [](const QJsonObject &o) -> QVariant { return o.value(QLatin1String("action")).toString(); } });
    addColumn(
        { .header = tr("Target"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("target")).toString(); } });
    addColumn({ .header = tr("Details"), .text = [](const QJsonObject &o) -> QVariant {
                   const QJsonObject d = o.value(QLatin1String("detail")).toObject();
                   return d.isEmpty() ? QString() : Display::json(d, false);
               } });
}

} // namespace dynaseal::console

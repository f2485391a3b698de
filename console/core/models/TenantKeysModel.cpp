#include "console/core/models/TenantKeysModel.h"

#include "console/core/Display.h"

namespace dynaseal::console {

TenantKeysModel::TenantKeysModel(QObject *parent)
    : JsonTableModel(parent)
{
    addColumn({ .header = tr("Key"), .text = [](const QJsonObject &o) -> QVariant {
                   return QStringLiteral("%1  %2").arg(
                       o.value(QLatin1String("id")).toString(), o.value(QLatin1String("key_tail")).toString());
               } });
    addColumn({ .header = tr("State"),
        .text = [](const QJsonObject &o) -> QVariant {
            return o.value(QLatin1String("active")).toBool() ? tr("Active") : tr("Revoked");
        },
        .foreground = [](const QJsonObject &o) -> QVariant {
            return o.value(QLatin1String("active")).toBool() ? QColor(0x15, 0x80, 0x3d) : QColor(0x6b, 0x72, 0x80);
        } });
    addColumn({ .header = tr("Created"),
        .text = [](const QJsonObject &o) -> QVariant { return Display::time(o.value(QLatin1String("created_at"))); },
        .sortKey = [](const QJsonObject &o) -> QVariant { return Display::parseTime(o.value(QLatin1String("created_at"))); } });
    addColumn({ .header = tr("Last used"),
        .text = [](const QJsonObject &o) -> QVariant {
            const QJsonValue v = o.value(QLatin1String("last_used_at"));
            return v.isNull() ? tr("never") : Display::time(v);
        },
        .sortKey = [](const QJsonObject &o) -> QVariant { return Display::parseTime(o.value(QLatin1String("last_used_at"))); },
        .toolTip = [](const QJsonObject &o) -> QVariant {
            const QDateTime t = Display::parseTime(o.value(QLatin1String("last_used_at")));
            return t.isValid() ? Display::relative(t) : QVariant();
        } });
    addColumn({ .header = tr("Revoked"), .text = [](const QJsonObject &o) -> QVariant {
                   const QJsonValue v = o.value(QLatin1String("revoked_at"));
                   return v.isNull() ? QString() : Display::time(v);
               } });
}

} // namespace dynaseal::console

#include "console/core/models/TenantsModel.h"

#include "console/core/Display.h"

namespace dynaseal::console {

TenantsModel::TenantsModel(QObject *parent)
    : JsonTableModel(parent)
{
    addColumn({ .header = tr("Name"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("name")).toString(); } });
    addColumn({ .header = tr("State"),
        .text = [](const QJsonObject &o) -> QVariant {
            if (!o.contains(QLatin1String("active")))
                return tr("Active");
            const QDateTime expires = Display::parseTime(o.value(QLatin1String("expires_at")));
            if (!o.value(QLatin1String("active")).toBool())
                return tr("Inactive");
            if (expires.isValid() && expires < QDateTime::currentDateTime())
                return tr("Expired");
            return tr("Active");
        },
        .foreground = [](const QJsonObject &o) -> QVariant {
            const bool inactive = o.contains(QLatin1String("active")) && !o.value(QLatin1String("active")).toBool();
            return inactive ? QVariant(QColor(0xb9, 0x1c, 0x1c)) : QVariant();
        } });
    addColumn({ .header = tr("Tokens used"),
        .text = [](const QJsonObject &o) -> QVariant { return Display::count(o.value(QLatin1String("tokens_used"))); },
        .sortKey = [](const QJsonObject &o) { return number(o, "tokens_used"); },
        .alignment = Qt::AlignRight | Qt::AlignVCenter });
    addColumn({ .header = tr("Quota"),
        .text = [](const QJsonObject &o) -> QVariant {
            const QJsonValue q = o.value(QLatin1String("token_quota"));
            return q.isNull() || q.isUndefined() ? tr("no limit") : Display::count(q);
        },
        .sortKey = [](const QJsonObject &o) -> QVariant {
            const QJsonValue q = o.value(QLatin1String("token_quota"));
            return q.isNull() ? 1e18 : q.toDouble();
        },
        .alignment = Qt::AlignRight | Qt::AlignVCenter });
    addColumn({ .header = tr("Callback URL"),
        .text = [](const QJsonObject &o) { return o.value(QLatin1String("callback_url")).toString(); } });
    addColumn({ .header = tr("Id"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("id")).toString(); } });
    addColumn({ .header = tr("Created"),
        .text = [](const QJsonObject &o) -> QVariant { return Display::time(o.value(QLatin1String("created_at"))); },
        .sortKey = [](const QJsonObject &o) -> QVariant { return Display::parseTime(o.value(QLatin1String("created_at"))); } });
}

} // namespace dynaseal::console

#include "console/core/models/UpstreamsModel.h"

#include "console/core/Display.h"

#include <QJsonArray>

namespace dynaseal::console {

UpstreamsModel::UpstreamsModel(QObject *parent)
    : JsonTableModel(parent)
{
    addColumn({ .header = tr("Name"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("name")).toString(); } });
    addColumn(
        { .header = tr("Base URL"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("base_url")).toString(); } });
    addColumn({ .header = tr("Models"), .text = [](const QJsonObject &o) -> QVariant {
                   QStringList models;
                   for (const QJsonValue &m : o.value(QLatin1String("models")).toArray())
                       models.append(m.toString());
                   return models.join(QStringLiteral(", "));
               } });
    addColumn(
        { .header = tr("API key"), .text = [](const QJsonObject &o) { return o.value(QLatin1String("api_key")).toString(); } });
    addColumn({ .header = tr("Updated"),
        .text = [](const QJsonObject &o) -> QVariant { return Display::time(o.value(QLatin1String("updated_at"))); },
        .sortKey = [](const QJsonObject &o) -> QVariant { return Display::parseTime(o.value(QLatin1String("updated_at"))); } });
}

} // namespace dynaseal::console

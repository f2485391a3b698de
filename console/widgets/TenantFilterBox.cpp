#include "console/widgets/TenantFilterBox.h"

#include "console/core/ServerCatalog.h"

#include <QJsonValue>

namespace dynaseal::console {

TenantFilterBox::TenantFilterBox(const ServerCatalog *catalog, QWidget *parent) : QComboBox(parent), m_catalog(catalog)
{
    refill();
}

QString TenantFilterBox::tenantId() const
{
    return currentData().toString();
}

void TenantFilterBox::refill()
{
    const QString chosen = tenantId();
    clear();
    addItem(tr("All tenants"), QString());
    for (const QJsonValue &t : m_catalog->tenants())
        addItem(t[QLatin1String("name")].toString(), t[QLatin1String("id")].toString());
    setCurrentIndex(std::max(0, findData(chosen)));
}

} // namespace dynaseal::console

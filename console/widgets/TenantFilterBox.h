#pragma once
// The tenant picker of the pages that filter by tenant: "All tenants" (an empty id), then every
// tenant the catalog knows, by name. refill() keeps the chosen tenant while it still exists.
#include <QComboBox>

namespace dynaseal::console {

class ServerCatalog;

class TenantFilterBox : public QComboBox
{
    Q_OBJECT
public:
    explicit TenantFilterBox(const ServerCatalog *catalog, QWidget *parent = nullptr);

    QString tenantId() const; // empty: all tenants
    void refill();

private:
    const ServerCatalog *m_catalog;
};

} // namespace dynaseal::console

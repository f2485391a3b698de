#pragma once
// The tenants and upstreams every page needs for names and pickers, loaded once and refreshed
// after changes, so pages show "Acme app" rather than "tn_4b0d03d27c895043".
#include "console/core/AdminError.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QStringList>

namespace dynaseal::console {

class AdminClient;

class ServerCatalog : public QObject
{
    Q_OBJECT
public:
    explicit ServerCatalog(AdminClient *client, QObject *parent = nullptr);

    void refresh();
    void refreshTenants();
    void refreshUpstreams();
    void clear();

    const QJsonArray &tenants() const { return m_tenants; }
    const QJsonArray &upstreams() const { return m_upstreams; }
    QString tenantName(const QString &id) const;
    const QHash<QString, QString> &tenantNames() const { return m_tenantNames; }
    // Every model some upstream serves, sorted.
    QStringList models() const;

signals:
    void tenantsChanged();
    void upstreamsChanged();
    void failed(const dynaseal::console::AdminError &error);

private:
    AdminClient *m_client;
    QJsonArray m_tenants;
    QJsonArray m_upstreams;
    QHash<QString, QString> m_tenantNames;
};

} // namespace dynaseal::console

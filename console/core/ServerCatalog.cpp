#include "console/core/ServerCatalog.h"

#include "console/core/AdminClient.h"

#include <QJsonObject>

namespace dynaseal::console {

ServerCatalog::ServerCatalog(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

void ServerCatalog::refresh()
{
    refreshTenants();
    refreshUpstreams();
}

void ServerCatalog::refreshTenants()
{
    m_client->listTenants(this, [this](const AdminReply &r) {
        if (!r.ok())
            return void(emit failed(*r.error));
        m_tenants = r.list();
        m_tenantNames.clear();
        for (const QJsonValue &t : m_tenants)
            m_tenantNames.insert(t[QLatin1String("id")].toString(), t[QLatin1String("name")].toString());
        emit tenantsChanged();
    });
}

void ServerCatalog::refreshUpstreams()
{
    m_client->listUpstreams(this, [this](const AdminReply &r) {
        if (!r.ok())
            return void(emit failed(*r.error));
        m_upstreams = r.list();
        emit upstreamsChanged();
    });
}

void ServerCatalog::clear()
{
    m_tenants = {};
    m_upstreams = {};
    m_tenantNames.clear();
    emit tenantsChanged();
    emit upstreamsChanged();
}

QString ServerCatalog::tenantName(const QString &id) const
{
    return m_tenantNames.value(id);
}

QStringList ServerCatalog::models() const
{
    QStringList all;
    for (const QJsonValue &u : m_upstreams) {
        for (const QJsonValue &m : u[QLatin1String("models")].toArray())
            all.append(m.toString());
    }
    all.removeDuplicates();
    all.sort(Qt::CaseInsensitive);
    return all;
}

} // namespace dynaseal::console

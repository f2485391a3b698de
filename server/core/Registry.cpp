#include "server/core/Registry.h"

#include <algorithm>

namespace dynaseal {

QUrl Upstream::endpoint(const QString &suffix) const
{
    if (const auto it = m_preparedEndpoints.constFind(suffix); it != m_preparedEndpoints.constEnd())
        return it.value();
    QUrl url = baseUrl;
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    url.setPath(path + suffix);
    return url;
}

void Upstream::prepareEndpoints(const QStringList &suffixes)
{
    m_preparedEndpoints.clear();
    for (const QString &suffix : suffixes)
        m_preparedEndpoints.insert(suffix, endpoint(suffix));
}

const Tenant *RegistrySnapshot::tenant(const QString &id) const
{
    auto it = tenants.constFind(id);
    return it == tenants.constEnd() ? nullptr : &it.value();
}

const Upstream *RegistrySnapshot::upstreamFor(const QString &model) const
{
    for (const Upstream &u : upstreams) {
        if (u.models.contains(model))
            return &u;
    }
    return nullptr;
}

QList<const Upstream *> RegistrySnapshot::upstreamsFor(const QString &model) const
{
    QList<const Upstream *> out;
    for (const Upstream &u : upstreams) {
        if (u.models.contains(model))
            out.append(&u);
    }
    return out;
}

QStringList RegistrySnapshot::models() const
{
    QStringList all;
    for (const Upstream &u : upstreams)
        all += u.models;
    all.removeDuplicates();
    std::sort(all.begin(), all.end());
    return all;
}

} // namespace dynaseal

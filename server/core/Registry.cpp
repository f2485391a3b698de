#include "server/core/Registry.h"

#include <algorithm>

namespace dynaseal {

QUrl Upstream::endpoint(const QString &suffix) const
{
    QUrl url = baseUrl;
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    url.setPath(path + suffix);
    return url;
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

#include "console/core/ProfileStore.h"

#include <QSettings>

#include <algorithm>

namespace dynaseal::console {

QList<ServerProfile> ProfileStore::load() const
{
    QSettings settings;
    QList<ServerProfile> profiles;
    const int n = settings.beginReadArray(QStringLiteral("profiles"));
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        QVariantMap map;
        for (const QString &key : settings.childKeys())
            map.insert(key, settings.value(key));
        const ServerProfile p = ServerProfile::fromVariant(map);
        if (p.url.isValid() && !p.url.isEmpty())
            profiles.append(p);
    }
    settings.endArray();
    std::stable_sort(
        profiles.begin(), profiles.end(), [](const ServerProfile &a, const ServerProfile &b) { return a.lastUsed > b.lastUsed; });
    return profiles;
}

std::optional<ServerProfile> ProfileStore::mostRecent() const
{
    const QList<ServerProfile> all = load();
    if (all.isEmpty())
        return std::nullopt;
    return all.first();
}

void ProfileStore::remember(ServerProfile profile)
{
    QList<ServerProfile> all = load();
    all.erase(std::remove_if(all.begin(), all.end(), [&](const ServerProfile &p) { return p.sameServer(profile); }), all.end());
    profile.lastUsed = QDateTime::currentDateTimeUtc();
    all.prepend(profile);
    save(all.mid(0, kMaxProfiles));
}

void ProfileStore::remove(const ServerProfile &profile)
{
    QList<ServerProfile> all = load();
    all.erase(std::remove_if(all.begin(), all.end(), [&](const ServerProfile &p) { return p.sameServer(profile); }), all.end());
    save(all);
}

void ProfileStore::save(const QList<ServerProfile> &profiles)
{
    QSettings settings;
    settings.remove(QStringLiteral("profiles"));
    settings.beginWriteArray(QStringLiteral("profiles"), int(profiles.size()));
    for (int i = 0; i < profiles.size(); ++i) {
        settings.setArrayIndex(i);
        const QVariantMap map = profiles.at(i).toVariant();
        for (auto it = map.begin(); it != map.end(); ++it)
            settings.setValue(it.key(), it.value());
    }
    settings.endArray();
}

} // namespace dynaseal::console

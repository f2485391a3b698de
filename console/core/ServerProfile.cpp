#include "console/core/ServerProfile.h"

namespace dynaseal::console {

QString ServerProfile::displayName() const
{
    const QString where = url.toDisplayString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
    return username.isEmpty() ? where : QStringLiteral("%1 @ %2").arg(username, where);
}

QString ServerProfile::keychainKey() const
{
    return QStringLiteral("%1|%2").arg(url.adjusted(QUrl::StripTrailingSlash | QUrl::RemoveUserInfo).toString(), username);
}

QVariantMap ServerProfile::toVariant() const
{
    return { { QStringLiteral("url"), url.toString() }, { QStringLiteral("username"), username },
        { QStringLiteral("remember"), rememberSession }, { QStringLiteral("lastUsed"), lastUsed } };
}

ServerProfile ServerProfile::fromVariant(const QVariantMap &map)
{
    ServerProfile p;
    p.url = QUrl(map.value(QStringLiteral("url")).toString());
    p.username = map.value(QStringLiteral("username")).toString();
    p.rememberSession = map.value(QStringLiteral("remember")).toBool();
    p.lastUsed = map.value(QStringLiteral("lastUsed")).toDateTime();
    return p;
}

} // namespace dynaseal::console

#pragma once
// A server the operator connects to: its URL and the operator's username. Never holds a
// secret: tokens live in the system keychain (CredentialStore), keyed by keychainKey().
#include <QDateTime>
#include <QString>
#include <QUrl>
#include <QVariantMap>

namespace dynaseal::console {

struct ServerProfile
{
    QUrl url;
    QString username = QStringLiteral("admin");
    bool rememberSession = false;
    QDateTime lastUsed;

    QString displayName() const;
    QString keychainKey() const;
    bool sameServer(const ServerProfile &other) const { return keychainKey() == other.keychainKey(); }

    QVariantMap toVariant() const;
    static ServerProfile fromVariant(const QVariantMap &map);
};

} // namespace dynaseal::console

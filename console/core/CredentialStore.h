#pragma once
// Where the console's admin credentials come from, in this order: given explicitly (command
// line or the connect dialog) > the environment (DYNASEAL_SERVER, DYNASEAL_ADMIN_TOKEN) > the
// system keychain (QtKeychain). The keychain is never replaced by a plain-text file: when it is
// unavailable, saving fails with a message saying so, and explicit or environment credentials
// keep working.
#include "console/core/ServerProfile.h"

#include <QObject>
#include <QProcessEnvironment>

#include <functional>
#include <optional>

namespace dynaseal::console {

struct Credentials
{
    enum class Source { None, Explicit, Environment, Profile, Keychain };

    QUrl server;
    QByteArray token;
    Source serverSource = Source::None;
    Source tokenSource = Source::None;
};

class CredentialStore : public QObject
{
    Q_OBJECT
public:
    static constexpr const char *kService = "dynaseal-console";

    explicit CredentialStore(QObject *parent = nullptr);

    // Resolves what is known without the keychain; the caller then asks the keychain for a token
    // only when neither an explicit nor an environment token exists.
    static Credentials resolve(const QUrl &explicitServer, const QByteArray &explicitToken, const QProcessEnvironment &env,
        const std::optional<ServerProfile> &lastProfile);
    static QString sourceName(Credentials::Source source);

    // Reads the token saved for the profile: an empty token with an empty error means none saved.
    void readToken(
        const ServerProfile &profile, QObject *context, std::function<void(const QByteArray &token, const QString &error)> done);
    // Saves it; on failure `error` says in plain words that the keychain is unavailable and why.
    void saveToken(
        const ServerProfile &profile, const QByteArray &token, QObject *context, std::function<void(const QString &error)> done);
    void deleteToken(const ServerProfile &profile, QObject *context, std::function<void(const QString &error)> done);

    // Whether the last keychain call failed because there is no keychain.
    bool unavailable() const { return m_unavailable; }

private:
    QString describe(int error, const QString &detail);
    bool m_unavailable = false;
};

} // namespace dynaseal::console

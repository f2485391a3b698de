#include "console/core/CredentialStore.h"

#include <QLoggingCategory>
#include <QPointer>
#include <qt6keychain/keychain.h>

Q_LOGGING_CATEGORY(lcCredentials, "dynaseal.console.credentials")

namespace dynaseal::console {

CredentialStore::CredentialStore(QObject *parent)
    : QObject(parent)
{
}

Credentials CredentialStore::resolve(const QUrl &explicitServer, const QByteArray &explicitToken, const QProcessEnvironment &env,
    const std::optional<ServerProfile> &lastProfile)
{
    Credentials c;
    const QString envServer = env.value(QStringLiteral("DYNASEAL_SERVER")).trimmed();
    const QByteArray envToken = env.value(QStringLiteral("DYNASEAL_ADMIN_TOKEN")).trimmed().toLatin1();
    if (!explicitServer.isEmpty()) {
        c.server = explicitServer;
        c.serverSource = Credentials::Source::Explicit;
    } else if (!envServer.isEmpty()) {
        c.server = QUrl(envServer);
        c.serverSource = Credentials::Source::Environment;
    } else if (lastProfile) {
        c.server = lastProfile->url;
        c.serverSource = Credentials::Source::Profile;
    }
    if (!explicitToken.isEmpty()) {
        c.token = explicitToken;
        c.tokenSource = Credentials::Source::Explicit;
    } else if (!envToken.isEmpty()) {
        c.token = envToken;
        c.tokenSource = Credentials::Source::Environment;
    }
    return c;
}

QString CredentialStore::sourceName(Credentials::Source source)
{
    switch (source) {
    case Credentials::Source::None:
        return tr("none");
    case Credentials::Source::Explicit:
        return tr("given explicitly");
    case Credentials::Source::Environment:
        return tr("from the environment");
    case Credentials::Source::Profile:
        return tr("last used server");
    case Credentials::Source::Keychain:
        return tr("from the system keychain");
    }
    return {};
}

QString CredentialStore::describe(int error, const QString &detail)
{
    switch (QKeychain::Error(error)) {
    case QKeychain::NoError:
    case QKeychain::EntryNotFound:
        return {};
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return tr("The system keychain refused access (%1). The session was not saved: you will be asked to log in next time.")
            .arg(detail);
    default:
        m_unavailable = true;
        return tr("The system keychain is not available (%1). The session was not saved and never will be in plain text: log in "
                  "next time, or pass --token or DYNASEAL_ADMIN_TOKEN.")
            .arg(detail);
    }
}

void CredentialStore::readToken(
    const ServerProfile &profile, QObject *context, std::function<void(const QByteArray &, const QString &)> done)
{
    auto *job = new QKeychain::ReadPasswordJob(QLatin1String(kService), this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(profile.keychainKey());
    QPointer<QObject> guard(context);
    connect(job, &QKeychain::Job::finished, this, [this, job, guard, done](QKeychain::Job *) {
        const QString error = describe(job->error(), job->errorString());
        if (!error.isEmpty())
            qCInfo(lcCredentials) << "keychain read failed:" << job->errorString();
        if (guard)
            done(error.isEmpty() ? job->binaryData() : QByteArray(), error);
    });
    job->start();
}

void CredentialStore::saveToken(
    const ServerProfile &profile, const QByteArray &token, QObject *context, std::function<void(const QString &)> done)
{
    auto *job = new QKeychain::WritePasswordJob(QLatin1String(kService), this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(profile.keychainKey());
    job->setBinaryData(token);
    QPointer<QObject> guard(context);
    connect(job, &QKeychain::Job::finished, this, [this, job, guard, done](QKeychain::Job *) {
        const QString error = describe(job->error(), job->errorString());
        if (!error.isEmpty())
            qCInfo(lcCredentials) << "keychain write failed:" << job->errorString();
        if (guard)
            done(error);
    });
    job->start();
}

void CredentialStore::deleteToken(const ServerProfile &profile, QObject *context, std::function<void(const QString &)> done)
{
    auto *job = new QKeychain::DeletePasswordJob(QLatin1String(kService), this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(profile.keychainKey());
    QPointer<QObject> guard(context);
    connect(job, &QKeychain::Job::finished, this, [this, job, guard, done](QKeychain::Job *) {
        const QString error = describe(job->error(), job->errorString());
        if (guard && done)
            done(error);
    });
    job->start();
}

} // namespace dynaseal::console

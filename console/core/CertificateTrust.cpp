#include "console/core/CertificateTrust.h"

#include <QCryptographicHash>
#include <QNetworkReply>
#include <QSettings>

namespace dynaseal::console {
namespace {

QString settingsKey(const QString &host)
{
    // QSettings treats '/' as a group separator and ':' is awkward in INI keys.
    return QStringLiteral("trust/") + QString(host).replace(QLatin1Char(':'), QLatin1Char('_'));
}

// Errors that an explicit trust decision may override; anything else (revoked, wrong purpose…)
// still refuses the connection.
bool overridable(const QSslError &e)
{
    switch (e.error()) {
    case QSslError::SelfSignedCertificate:
    case QSslError::SelfSignedCertificateInChain:
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::CertificateUntrusted:
    case QSslError::HostNameMismatch:
        return true;
    default:
        return false;
    }
}

} // namespace

CertificateTrust::CertificateTrust(QObject *parent)
    : QObject(parent)
{
}

QString CertificateTrust::fingerprint(const QSslCertificate &certificate)
{
    const QByteArray hex = certificate.digest(QCryptographicHash::Sha256).toHex().toUpper();
    QStringList pairs;
    for (qsizetype i = 0; i < hex.size(); i += 2)
        pairs.append(QString::fromLatin1(hex.mid(i, 2)));
    return pairs.join(QLatin1Char(':'));
}

QString CertificateTrust::hostKey(const QUrl &url)
{
    return QStringLiteral("%1:%2").arg(url.host().toLower()).arg(url.port(url.scheme() == QLatin1String("https") ? 443 : 80));
}

QString CertificateTrust::trustedFingerprint(const QUrl &url) const
{
    return QSettings().value(settingsKey(hostKey(url))).toString();
}

bool CertificateTrust::isTrusted(const QUrl &url, const QSslCertificate &certificate) const
{
    const QString stored = trustedFingerprint(url);
    return !stored.isEmpty() && !certificate.isNull() && stored == fingerprint(certificate);
}

void CertificateTrust::trust(const QUrl &url, const QSslCertificate &certificate)
{
    QSettings().setValue(settingsKey(hostKey(url)), fingerprint(certificate));
    m_refused.remove(hostKey(url));
    m_refusedErrors.remove(hostKey(url));
}

void CertificateTrust::forget(const QUrl &url)
{
    QSettings().remove(settingsKey(hostKey(url)));
}

void CertificateTrust::watch(QNetworkReply *reply)
{
    connect(reply, &QNetworkReply::sslErrors, this, [this, reply](const QList<QSslError> &errors) {
        const QUrl url = reply->url();
        QSslCertificate peer;
        for (const QSslError &e : errors) {
            if (!e.certificate().isNull()) {
                peer = e.certificate();
                break;
            }
        }
        if (peer.isNull())
            peer = reply->sslConfiguration().peerCertificate();
        const bool allOverridable = std::all_of(errors.begin(), errors.end(), overridable);
        if (allOverridable && isTrusted(url, peer)) {
            reply->ignoreSslErrors(errors);
            return;
        }
        m_refused.insert(hostKey(url), peer);
        m_refusedErrors.insert(hostKey(url), errors);
        emit refused(url, peer, errors);
    });
}

} // namespace dynaseal::console

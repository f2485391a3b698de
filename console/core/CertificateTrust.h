#pragma once
// HTTPS trust: the system's trust store decides, except for certificates the operator chose to
// trust explicitly after comparing their SHA-256 fingerprint (self-signed servers). That choice
// is remembered per host and port (QSettings); a different certificate on that host is refused.
#include <QHash>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslError>
#include <QUrl>

class QNetworkReply;

namespace dynaseal::console {

class CertificateTrust : public QObject
{
    Q_OBJECT
public:
    explicit CertificateTrust(QObject *parent = nullptr);

    // "AB:CD:…", the SHA-256 of the DER certificate.
    static QString fingerprint(const QSslCertificate &certificate);
    static QString hostKey(const QUrl &url);

    // Lets the reply proceed when the only errors are about a certificate the operator trusted
    // for this host; otherwise remembers the refused certificate (see lastRefused).
    void watch(QNetworkReply *reply);

    bool isTrusted(const QUrl &url, const QSslCertificate &certificate) const;
    void trust(const QUrl &url, const QSslCertificate &certificate);
    void forget(const QUrl &url);
    QString trustedFingerprint(const QUrl &url) const;

    // The certificate and errors of the last refused handshake with that host, if any.
    QSslCertificate lastRefused(const QUrl &url) const { return m_refused.value(hostKey(url)); }
    QList<QSslError> lastErrors(const QUrl &url) const { return m_refusedErrors.value(hostKey(url)); }

signals:
    void refused(const QUrl &url, const QSslCertificate &certificate, const QList<QSslError> &errors);

private:
    QHash<QString, QSslCertificate> m_refused;
    QHash<QString, QList<QSslError>> m_refusedErrors;
};

} // namespace dynaseal::console

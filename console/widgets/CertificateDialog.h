#pragma once
// Asks the operator whether to trust a certificate the system does not (a self-signed server):
// shows who it names, its validity and its SHA-256 fingerprint to compare with the server's.
#include <QDialog>
#include <QSslCertificate>
#include <QSslError>
#include <QUrl>

namespace dynaseal::console {

class CertificateDialog : public QDialog
{
    Q_OBJECT
public:
    CertificateDialog(const QUrl &url, const QSslCertificate &certificate, const QList<QSslError> &errors,
        const QString &previousFingerprint, QWidget *parent = nullptr);
};

} // namespace dynaseal::console

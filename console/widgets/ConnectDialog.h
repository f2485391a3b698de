#pragma once
// Connect to a server: its URL, then either the operator's username and password (logs in) or
// an admin token (checked with a read). Offers to trust a self-signed certificate after showing
// its fingerprint. Runs on its own client, so a failed attempt leaves the current session alone.
#include "console/core/ServerProfile.h"

#include <QDialog>

class QCheckBox;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace dynaseal::console {

class AdminClient;
class AdminError;
class CertificateTrust;
class FormField;
class MessageBar;

class ConnectDialog : public QDialog
{
    Q_OBJECT
public:
    ConnectDialog(CertificateTrust *trust, const QList<ServerProfile> &recent, QWidget *parent = nullptr);

    void setServer(const QUrl &url);
    void setUsername(const QString &name);
    void setToken(const QByteArray &token);
    void showMessage(const QString &text, bool error);

    // Valid after accept().
    ServerProfile profile() const { return m_profile; }
    QByteArray token() const { return m_token; }

    // Parses what the operator typed: adds http:// when no scheme is given. Empty on error.
    static QUrl parseServer(const QString &text, QString *why);

private:
    void attempt();
    void succeeded(const QByteArray &token);
    void failed(const AdminError &error);
    void setBusy(bool busy);

    CertificateTrust *m_trust;
    AdminClient *m_client;
    QList<ServerProfile> m_recent;
    QLineEdit *m_server;
    FormField *m_serverField;
    QRadioButton *m_usePassword;
    QRadioButton *m_useToken;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLineEdit *m_tokenEdit;
    QCheckBox *m_remember;
    MessageBar *m_message;
    QPushButton *m_connect;
    ServerProfile m_profile;
    QByteArray m_token;
};

} // namespace dynaseal::console

#pragma once
// The console's window: a sidebar of pages (dashboard, tenants, upstreams, requests, callbacks,
// audit log, playground), the session (connect, expiry, log out), the live event stream shared
// by the pages, and the window's remembered geometry. Never blocks: every call is asynchronous.
#include "console/core/CredentialStore.h"
#include "console/core/EventStream.h"
#include "console/widgets/ConnectDialog.h"

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <functional>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace dynaseal::console {

class AdminClient;
class AdminError;
class CertificateTrust;
class DashboardPage;
class MessageBar;
class Page;
class PlaygroundPage;
class ProfileStore;
class ServerCatalog;

struct StartOptions
{
    QUrl server; // --server
    QByteArray token; // --token
};

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Resolves the credentials (explicit > environment > keychain) and connects, or asks.
    void start(const StartOptions &options, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
    // Connects with a known token; on failure opens the connect dialog with the reason.
    void connectWithToken(const QUrl &server, const QByteArray &token, Credentials::Source source, const QString &username = {});
    void showConnectDialog(const QString &message = {}, bool isError = false);
    void logOut();

    bool isConnected() const { return m_connected; }
    AdminClient *client() const { return m_client; }
    EventStream *eventStream() const { return m_stream; }
    CredentialStore *credentials() const { return m_credentials; }
    ConnectDialog *connectDialog() const { return m_connectDialog; }
    MessageBar *banner() const { return m_banner; }
    QList<Page *> pages() const { return m_pages; }
    Page *page(const QString &id) const;
    void showPage(const QString &id);
    void refreshCurrent();

    // Renders every page (and the connect dialog) to DIR/NN-<page>.png, then calls `done`.
    void captureScreenshots(const QString &dir, std::function<void(bool ok, const QString &why)> done);

signals:
    void connectedChanged(bool connected);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    QWidget *buildSidebar();
    void setConnected(bool connected, Credentials::Source source = Credentials::Source::None);
    void sessionExpired(const AdminError &error);
    void connectDialogAccepted();
    void updateStreamLabel();
    void saveWindowState() const;

    CertificateTrust *m_trust;
    AdminClient *m_client;
    ServerCatalog *m_catalog;
    EventStream *m_stream;
    CredentialStore *m_credentials;
    ProfileStore *m_profiles;
    QListWidget *m_sidebar;
    QStackedWidget *m_stack;
    MessageBar *m_banner;
    QLabel *m_serverLabel;
    QLabel *m_streamLabel;
    QLabel *m_statusConnection;
    QList<Page *> m_pages;
    DashboardPage *m_dashboard;
    PlaygroundPage *m_playground;
    QPointer<ConnectDialog> m_connectDialog;
    QTimer m_streamTicker;
    QString m_streamDetail;
    bool m_connected = false;
    bool m_connecting = false;
    Credentials::Source m_tokenSource = Credentials::Source::None;
};

} // namespace dynaseal::console

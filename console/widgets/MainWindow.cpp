#include "console/widgets/MainWindow.h"

#include "console/core/AdminClient.h"
#include "console/core/CertificateTrust.h"
#include "console/core/ProfileStore.h"
#include "console/core/ServerCatalog.h"
#include "console/widgets/AuditPage.h"
#include "console/widgets/CallbacksPage.h"
#include "console/widgets/ConnectDialog.h"
#include "console/widgets/DashboardPage.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/PlaygroundPage.h"
#include "console/widgets/RequestsPage.h"
#include "console/widgets/TenantsPage.h"
#include "console/widgets/Theme.h"
#include "console/widgets/UpstreamsPage.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QVBoxLayout>

namespace dynaseal::console {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_trust(new CertificateTrust(this))
    , m_client(new AdminClient(m_trust, this))
    , m_catalog(new ServerCatalog(m_client, this))
    , m_stream(new EventStream(m_client, this))
    , m_credentials(new CredentialStore(this))
    , m_profiles(new ProfileStore)
    , m_sidebar(new QListWidget(this))
    , m_stack(new QStackedWidget(this))
    , m_banner(new MessageBar(this))
    , m_serverLabel(new QLabel(this))
    , m_streamLabel(new QLabel(this))
    , m_statusConnection(new QLabel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Dynaseal Console"));
    m_banner->setObjectName(QStringLiteral("windowMessages"));

    m_dashboard = new DashboardPage(m_client, m_catalog, m_stream, this);
    m_playground = new PlaygroundPage(m_client, m_catalog, this);
    auto *callbacks = new CallbacksPage(m_client, m_catalog, this);
    m_pages = { m_dashboard, new TenantsPage(m_client, m_catalog, this), new UpstreamsPage(m_client, m_catalog, this),
        new RequestsPage(m_client, m_catalog, this), callbacks, new AuditPage(m_client, m_catalog, this), m_playground };
    for (Page *p : std::as_const(m_pages)) {
        m_stack->addWidget(p);
        connect(p, &Page::statusMessage, this, [this](const QString &text) { statusBar()->showMessage(text, 5000); });
    }

    auto *central = new QWidget(this);
    auto *row = new QHBoxLayout(central);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(0);
    row->addWidget(buildSidebar());
    auto *right = new QWidget(central);
    right->setObjectName(QStringLiteral("content"));
    auto *rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->setSpacing(0);
    auto *bannerRow = new QHBoxLayout;
    bannerRow->setContentsMargins(24, 12, 24, 0);
    bannerRow->addWidget(m_banner);
    rl->addLayout(bannerRow);
    rl->addWidget(m_stack, 1);
    row->addWidget(right, 1);
    setCentralWidget(central);

    m_statusConnection->setObjectName(QStringLiteral("connectionStatus"));
    statusBar()->addPermanentWidget(m_statusConnection);
    buildMenus();

    connect(m_sidebar, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);
    connect(m_client, &AdminClient::sessionExpired, this, &MainWindow::sessionExpired);
    connect(m_catalog, &ServerCatalog::failed, this, [this](const AdminError &e) {
        if (e.code != QLatin1String("invalid_token"))
            statusBar()->showMessage(e.summary, 8000);
    });
    connect(m_stream, &EventStream::stateChanged, this, [this](EventStream::State state, const QString &detail) {
        m_streamDetail = detail;
        updateStreamLabel();
        // The stream is often the only traffic: if it was refused, find out whether the session
        // ended (the check reports an expired token like any other call).
        if (state == EventStream::State::Refused && m_connected)
            m_client->checkSession(this, {});
    });
    connect(m_stream, &EventStream::callbackAttempted, this, [this, callbacks](const QJsonObject &event) {
        callbacks->noteCallbackEvent();
        m_playground->noteCallbackEvent(event);
    });
    m_streamTicker.setInterval(1000);
    connect(&m_streamTicker, &QTimer::timeout, this, &MainWindow::updateStreamLabel);
    m_streamTicker.start();

    resize(1280, 820);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_sidebar->setCurrentRow(std::clamp(settings.value(QStringLiteral("window/page"), 0).toInt(), 0, int(m_pages.size()) - 1));
    setConnected(false);
}

MainWindow::~MainWindow()
{
    delete m_profiles;
}

QWidget *MainWindow::buildSidebar()
{
    auto *bar = new QWidget(this);
    bar->setObjectName(QStringLiteral("sidebar"));
    bar->setAttribute(Qt::WA_StyledBackground);
    bar->setFixedWidth(212);
    auto *layout = new QVBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    auto *brand = new QLabel(tr("Dynaseal"), bar);
    brand->setObjectName(QStringLiteral("brand"));
    auto *version = new QLabel(tr("Console %1").arg(QStringLiteral(DYNASEAL_VERSION)), bar);
    version->setObjectName(QStringLiteral("brandVersion"));
    layout->addWidget(brand);
    layout->addWidget(version);
    m_sidebar->setObjectName(QStringLiteral("sidebarList"));
    m_sidebar->setIconSize(QSize(18, 18));
    m_sidebar->setFrameShape(QFrame::NoFrame);
    m_sidebar->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_sidebar->setAccessibleName(tr("Pages"));
    for (int i = 0; i < m_pages.size(); ++i) {
        auto *item = new QListWidgetItem(m_pages.at(i)->icon(), m_pages.at(i)->title(), m_sidebar);
        item->setToolTip(tr("%1 (Ctrl+%2)").arg(m_pages.at(i)->title()).arg(i + 1));
        item->setSizeHint(QSize(0, 38));
    }
    layout->addWidget(m_sidebar, 1);
    m_serverLabel->setObjectName(QStringLiteral("sidebarServer"));
    m_serverLabel->setWordWrap(true);
    m_streamLabel->setObjectName(QStringLiteral("sidebarStream"));
    m_streamLabel->setWordWrap(true);
    layout->addWidget(m_serverLabel);
    layout->addWidget(m_streamLabel);
    return bar;
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *connectAction = file->addAction(tr("&Connect…"), this, [this] { showConnectDialog(); });
    connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    QAction *logout = file->addAction(tr("&Log out"), this, &MainWindow::logOut);
    logout->setObjectName(QStringLiteral("logoutAction"));
    connect(this, &MainWindow::connectedChanged, logout, &QAction::setEnabled);
    logout->setEnabled(false);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_pages.size(); ++i) {
        QAction *a = view->addAction(m_pages.at(i)->icon(), m_pages.at(i)->title(), this, [this, i] {
            m_sidebar->setCurrentRow(i);
            m_stack->currentWidget()->setFocus();
        });
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
    }
    view->addSeparator();
    QAction *refresh = view->addAction(tr("&Refresh"), this, &MainWindow::refreshCurrent);
    refresh->setShortcut(QKeySequence::Refresh);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Dynaseal Console"), this, [this] {
        QMessageBox::about(this, tr("About Dynaseal Console"),
            tr("<h3>Dynaseal Console %1</h3><p>Runs a Dynaseal LLM gateway over its admin API: tenants and their "
               "keys, upstreams, the request log, callbacks, the audit log and live traffic.</p>")
                .arg(QStringLiteral(DYNASEAL_VERSION)));
    });
}

Page *MainWindow::page(const QString &id) const
{
    for (Page *p : m_pages) {
        if (p->id() == id)
            return p;
    }
    return nullptr;
}

void MainWindow::showPage(const QString &id)
{
    for (int i = 0; i < m_pages.size(); ++i) {
        if (m_pages.at(i)->id() == id)
            m_sidebar->setCurrentRow(i);
    }
}

void MainWindow::refreshCurrent()
{
    if (!m_connected)
        return showConnectDialog();
    m_catalog->refresh();
    if (auto *p = qobject_cast<Page *>(m_stack->currentWidget()))
        p->refresh();
    statusBar()->showMessage(tr("Refreshed."), 2000);
}

void MainWindow::start(const StartOptions &options, const QProcessEnvironment &env)
{
    const Credentials c = CredentialStore::resolve(options.server, options.token, env, m_profiles->mostRecent());
    if (c.server.isEmpty())
        return showConnectDialog();
    QString why;
    const QUrl server = ConnectDialog::parseServer(c.server.toString(), &why);
    if (server.isEmpty())
        return showConnectDialog(why, true);
    m_client->setServer(server); // the connect dialog starts from it
    if (!c.token.isEmpty())
        return connectWithToken(server, c.token, c.tokenSource);

    // No explicit or environment token: a session saved in the keychain for this server, if any.
    ServerProfile profile;
    profile.url = server;
    for (const ServerProfile &p : m_profiles->load()) {
        if (p.url == server)
            profile = p;
    }
    if (!profile.rememberSession)
        return showConnectDialog();
    m_connecting = true;
    m_credentials->readToken(profile, this, [this, profile](const QByteArray &token, const QString &error) {
        m_connecting = false;
        if (!error.isEmpty())
            return showConnectDialog(error, false);
        if (token.isEmpty())
            return showConnectDialog();
        connectWithToken(profile.url, token, Credentials::Source::Keychain, profile.username);
    });
}

void MainWindow::connectWithToken(
    const QUrl &server, const QByteArray &token, Credentials::Source source, const QString &username)
{
    m_connecting = true;
    m_client->setServer(server);
    m_client->setToken(token);
    m_client->setUsername(username);
    statusBar()->showMessage(tr("Connecting to %1…").arg(server.toDisplayString()));
    m_client->checkSession(this, [this, server, source, username](const AdminReply &r) {
        m_connecting = false;
        if (!r.ok()) {
            m_client->setToken({});
            if (source == Credentials::Source::Keychain && r.status == 401) {
                ServerProfile p;
                p.url = server;
                p.username = username;
                m_credentials->deleteToken(p, this, {});
            }
            const QString origin = CredentialStore::sourceName(source);
            showConnectDialog(tr("The admin token (%1) did not work: %2").arg(origin, r.error->text()), true);
            return;
        }
        statusBar()->clearMessage();
        setConnected(true, source);
    });
}

void MainWindow::showConnectDialog(const QString &message, bool isError)
{
    if (m_connectDialog) {
        if (!message.isEmpty())
            m_connectDialog->showMessage(message, isError);
        m_connectDialog->raise();
        return;
    }
    auto *dialog = new ConnectDialog(m_trust, m_profiles->load(), this);
    m_connectDialog = dialog;
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!m_client->server().isEmpty())
        dialog->setServer(m_client->server());
    if (!message.isEmpty())
        dialog->showMessage(message, isError);
    connect(dialog, &QDialog::accepted, this, &MainWindow::connectDialogAccepted);
    dialog->open();
}

void MainWindow::connectDialogAccepted()
{
    ConnectDialog *dialog = m_connectDialog;
    if (!dialog)
        return;
    const ServerProfile profile = dialog->profile();
    const QByteArray token = dialog->token();
    m_client->setServer(profile.url);
    m_client->setToken(token);
    m_client->setUsername(profile.username);
    m_profiles->remember(profile);
    setConnected(true, Credentials::Source::Explicit);
    if (profile.rememberSession) {
        m_credentials->saveToken(profile, token, this, [this](const QString &error) {
            if (!error.isEmpty())
                m_banner->showMessage(MessageBar::Kind::Warning, error);
            else
                statusBar()->showMessage(tr("The session is saved in the system keychain."), 5000);
        });
    } else {
        // Forget a session saved earlier; failing to reach the keychain here changes nothing.
        m_credentials->deleteToken(profile, this, {});
    }
}

void MainWindow::setConnected(bool connected, Credentials::Source source)
{
    const bool changed = connected != m_connected || connected;
    m_connected = connected;
    m_tokenSource = connected ? source : Credentials::Source::None;
    const QString server = m_client->server().toDisplayString();
    if (connected) {
        const QString who = m_client->username().isEmpty() ? tr("admin token") : m_client->username();
        m_serverLabel->setText(tr("%1\n%2").arg(server, who));
        m_statusConnection->setText(tr("Connected to %1").arg(server));
        setWindowTitle(tr("%1 — Dynaseal Console").arg(m_client->server().host()));
        if (m_banner->kind() == MessageBar::Kind::Error)
            m_banner->clear();
        m_catalog->refresh();
    } else {
        m_serverLabel->setText(tr("Not connected"));
        m_statusConnection->setText(tr("Not connected — File › Connect… (Ctrl+K)"));
        setWindowTitle(tr("Dynaseal Console"));
        m_stream->stop();
        m_catalog->clear();
    }
    if (changed) {
        for (Page *p : std::as_const(m_pages))
            p->sessionChanged(connected);
        emit connectedChanged(connected);
    }
    updateStreamLabel();
}

void MainWindow::sessionExpired(const AdminError &error)
{
    if (!m_connected)
        return;
    m_client->setToken({});
    setConnected(false);
    m_banner->showMessage(MessageBar::Kind::Error, error.text(), tr("Log in"), [this] { showConnectDialog(); });
    showConnectDialog(error.text(), true);
}

void MainWindow::logOut()
{
    if (!m_connected)
        return;
    ServerProfile profile;
    profile.url = m_client->server();
    profile.username = m_client->username();
    m_credentials->deleteToken(profile, this, {});
    m_client->logout(this, [this](const AdminReply &) {
        setConnected(false);
        statusBar()->showMessage(tr("Logged out."), 5000);
    });
}

void MainWindow::updateStreamLabel()
{
    QString text;
    QString color = QStringLiteral("#9ca3af");
    switch (m_stream->state()) {
    case EventStream::State::Stopped:
        text = m_connected ? tr("Live data paused") : QString();
        break;
    case EventStream::State::Connecting:
        text = tr("Connecting live data…");
        break;
    case EventStream::State::Live:
        text = tr("Live");
        color = QStringLiteral("#34d399");
        break;
    case EventStream::State::Waiting:
        text = tr("Live data lost; retrying in %n s", nullptr, m_stream->retryInSeconds());
        color = QStringLiteral("#fbbf24");
        break;
    case EventStream::State::Refused:
        text = tr("No live data");
        color = QStringLiteral("#f87171");
        break;
    }
    m_streamLabel->setText(
        text.isEmpty() ? QString() : QStringLiteral("<span style=\"color:%1\">●</span> %2").arg(color, text.toHtmlEscaped()));
    m_streamLabel->setToolTip(m_streamDetail);
}

void MainWindow::saveWindowState() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/page"), m_sidebar->currentRow());
    for (Page *p : m_pages)
        p->saveState();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindowState();
    m_playground->stop();
    m_stream->stop();
    event->accept();
}

void MainWindow::captureScreenshots(const QString &dir, std::function<void(bool, const QString &)> done)
{
    if (!QDir().mkpath(dir))
        return done(false, tr("cannot create the directory %1").arg(dir));
    resize(1360, 860);
    // Waits until nothing is loading (or a time limit passes), then runs `next`.
    auto settle = std::make_shared<std::function<void(int, std::function<void()>)>>();
    *settle = [this, settle](int budgetMs, std::function<void()> next) {
        if (budgetMs <= 0 || (!m_connecting && m_client->pending() == 0)) {
            QTimer::singleShot(400, this, next);
            return;
        }
        QTimer::singleShot(100, this, [settle, budgetMs, next] { (*settle)(budgetMs - 100, next); });
    };
    auto index = std::make_shared<int>(0);
    auto step = std::make_shared<std::function<void()>>();
    *step = [this, dir, done, settle, index, step] {
        if (*index < m_pages.size()) {
            const int i = (*index)++;
            m_sidebar->setCurrentRow(i);
            (*settle)(8000, [this, dir, done, i, step] {
                const QString prefix = QStringLiteral("%1-%2").arg(i + 1, 2, 10, QLatin1Char('0')).arg(m_pages.at(i)->id());
                const QString file = QDir(dir).filePath(prefix + QStringLiteral(".png"));
                if (!grab().save(file))
                    return done(false, tr("cannot write %1").arg(file));
                // Pages with tabs: one more picture per tab worth seeing.
                if (auto *tabs = m_pages.at(i)->findChild<QTabWidget *>(QStringLiteral("tenantTabs"));
                    tabs && tabs->isEnabled()) {
                    for (int t = 1; t < tabs->count(); ++t) {
                        tabs->setCurrentIndex(t);
                        QCoreApplication::processEvents();
                        QThread::msleep(150);
                        QCoreApplication::processEvents();
                        const QString tabFile = QDir(dir).filePath(QStringLiteral("%1-tab%2.png").arg(prefix).arg(t));
                        if (!grab().save(tabFile))
                            return done(false, tr("cannot write %1").arg(tabFile));
                    }
                    tabs->setCurrentIndex(0);
                }
                (*step)();
            });
            return;
        }
        auto *dialog = new ConnectDialog(m_trust, m_profiles->load(), this);
        if (!m_client->server().isEmpty())
            dialog->setServer(m_client->server());
        dialog->show();
        QTimer::singleShot(300, this, [this, dialog, dir, done] {
            const QString file
                = QDir(dir).filePath(QStringLiteral("%1-connect.png").arg(m_pages.size() + 1, 2, 10, QLatin1Char('0')));
            const bool ok = dialog->grab().save(file);
            dialog->deleteLater();
            done(ok, ok ? QString() : tr("cannot write %1").arg(file));
        });
    };
    show();
    // Give the connection and the first loads time to finish before the first picture.
    (*settle)(15000, [step] { (*step)(); });
}

} // namespace dynaseal::console

#include "console/widgets/ConnectDialog.h"

#include "console/core/AdminClient.h"
#include "console/core/CertificateTrust.h"
#include "console/widgets/CertificateDialog.h"
#include "console/widgets/FormField.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/Theme.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace dynaseal::console {

ConnectDialog::ConnectDialog(CertificateTrust *trust, const QList<ServerProfile> &recent, QWidget *parent)
    : QDialog(parent)
    , m_trust(trust)
    , m_client(new AdminClient(trust, this))
    , m_recent(recent)
    , m_server(new QLineEdit(this))
    , m_usePassword(new QRadioButton(tr("&Password"), this))
    , m_useToken(new QRadioButton(tr("Admin &token"), this))
    , m_username(new QLineEdit(QStringLiteral("admin"), this))
    , m_password(new QLineEdit(this))
    , m_tokenEdit(new QLineEdit(this))
    , m_remember(new QCheckBox(tr("&Remember this session in the system keychain"), this))
    , m_message(new MessageBar(this))
    , m_connect(new QPushButton(tr("&Connect"), this))
{
    setObjectName(QStringLiteral("connectDialog"));
    setWindowTitle(tr("Connect to a Dynaseal server"));
    setMinimumWidth(520);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(22, 20, 22, 16);
    layout->setSpacing(12);

    auto *header = new QHBoxLayout;
    auto *logo = new QLabel(this);
    logo->setPixmap(Theme::icon(QStringLiteral("app")).pixmap(44, 44));
    auto *titles = new QVBoxLayout;
    auto *title = new QLabel(tr("Connect to a Dynaseal server"), this);
    title->setObjectName(QStringLiteral("pageTitle"));
    auto *subtitle = new QLabel(tr("Sign in with the operator's password or an admin token."), this);
    subtitle->setObjectName(QStringLiteral("pageSubtitle"));
    subtitle->setWordWrap(true);
    titles->addWidget(title);
    titles->addWidget(subtitle);
    header->addWidget(logo, 0, Qt::AlignTop);
    header->addSpacing(6);
    header->addLayout(titles, 1);
    layout->addLayout(header);
    layout->addWidget(m_message);

    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    m_server->setObjectName(QStringLiteral("serverEdit"));
    m_server->setPlaceholderText(QStringLiteral("http://127.0.0.1:8000"));
    m_server->setClearButtonEnabled(true);
    QStringList urls;
    for (const ServerProfile &p : m_recent)
        urls.append(p.url.toString());
    urls.removeDuplicates();
    auto *completer = new QCompleter(urls, this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
    m_server->setCompleter(completer);
    m_serverField = new FormField(
        QStringLiteral("server"), m_server, tr("http:// or https://, as given to the server's --listen or its proxy."), this);
    auto *serverLabel = new QLabel(tr("&Server:"), this);
    serverLabel->setBuddy(m_server);
    form->addRow(serverLabel, m_serverField);

    auto *methodRow = new QHBoxLayout;
    m_usePassword->setObjectName(QStringLiteral("passwordRadio"));
    m_useToken->setObjectName(QStringLiteral("tokenRadio"));
    auto *group = new QButtonGroup(this);
    group->addButton(m_usePassword, 0);
    group->addButton(m_useToken, 1);
    m_usePassword->setChecked(true);
    methodRow->addWidget(m_usePassword);
    methodRow->addWidget(m_useToken);
    methodRow->addStretch();
    form->addRow(tr("Sign in with:"), methodRow);
    // One form for every row, so the labels line up; the method decides which rows show.
    m_username->setObjectName(QStringLiteral("usernameEdit"));
    m_password->setObjectName(QStringLiteral("passwordEdit"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("the operator's password"));
    auto *userLabel = new QLabel(tr("&Username:"), this);
    userLabel->setBuddy(m_username);
    auto *passLabel = new QLabel(tr("Pass&word:"), this);
    passLabel->setBuddy(m_password);
    form->addRow(userLabel, m_username);
    form->addRow(passLabel, m_password);
    m_tokenEdit->setObjectName(QStringLiteral("tokenEdit"));
    m_tokenEdit->setEchoMode(QLineEdit::Password);
    m_tokenEdit->setPlaceholderText(QStringLiteral("dsa_…"));
    auto *tokenLabel = new QLabel(tr("T&oken:"), this);
    tokenLabel->setBuddy(m_tokenEdit);
    form->addRow(tokenLabel, m_tokenEdit);
    auto showMethod = [this, form](int method) {
        form->setRowVisible(m_username, method == 0);
        form->setRowVisible(m_password, method == 0);
        form->setRowVisible(m_tokenEdit, method == 1);
        (method == 0 ? m_password : m_tokenEdit)->setFocus();
    };
    connect(group, &QButtonGroup::idClicked, this, showMethod);
    form->setRowVisible(m_tokenEdit, false);

    layout->addLayout(form);

    m_remember->setObjectName(QStringLiteral("rememberCheck"));
    m_remember->setToolTip(tr("The admin token is kept in the system keychain, never in a file. It expires after the server's "
                              "--admin-token-ttl (12 hours by default)."));
    layout->addWidget(m_remember);

    auto *buttons = new QDialogButtonBox(this);
    m_connect->setObjectName(QStringLiteral("connectButton"));
    m_connect->setDefault(true);
    Theme::setPrimary(m_connect);
    buttons->addButton(m_connect, QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(buttons);
    connect(m_connect, &QPushButton::clicked, this, &ConnectDialog::attempt);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_server, &QLineEdit::textEdited, this, [this](const QString &text) {
        m_serverField->setError({});
        for (const ServerProfile &p : std::as_const(m_recent)) {
            if (p.url.toString() == text) {
                m_username->setText(p.username);
                m_remember->setChecked(p.rememberSession);
            }
        }
    });

    if (!m_recent.isEmpty()) {
        m_server->setText(m_recent.first().url.toString());
        m_username->setText(m_recent.first().username);
        m_remember->setChecked(m_recent.first().rememberSession);
        m_password->setFocus();
    } else {
        m_server->setFocus();
    }
}

void ConnectDialog::setServer(const QUrl &url)
{
    m_server->setText(url.toString());
}

void ConnectDialog::setUsername(const QString &name)
{
    m_username->setText(name);
}

void ConnectDialog::setToken(const QByteArray &token)
{
    m_tokenEdit->setText(QString::fromLatin1(token));
    m_useToken->click();
}

void ConnectDialog::showMessage(const QString &text, bool error)
{
    m_message->showMessage(error ? MessageBar::Kind::Error : MessageBar::Kind::Info, text);
}

QUrl ConnectDialog::parseServer(const QString &input, QString *why)
{
    QString text = input.trimmed();
    if (text.isEmpty()) {
        *why = tr("Enter the server's address, for example http://127.0.0.1:8000.");
        return {};
    }
    if (!text.contains(QLatin1String("://")))
        text.prepend(QStringLiteral("http://"));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()) {
        *why = tr("\"%1\" is not a valid address. Write it like http://127.0.0.1:8000.").arg(input.trimmed());
        return {};
    }
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) {
        *why = tr("Use http:// or https://, not %1://.").arg(url.scheme());
        return {};
    }
    if (!url.userInfo().isEmpty()) {
        *why = tr("Do not put a username or password in the address; use the fields below.");
        return {};
    }
    return url.adjusted(QUrl::StripTrailingSlash | QUrl::RemoveQuery | QUrl::RemoveFragment);
}

void ConnectDialog::setBusy(bool busy)
{
    for (QWidget *w :
        std::initializer_list<QWidget *> { m_server, m_username, m_password, m_tokenEdit, m_usePassword, m_useToken, m_connect })
        w->setEnabled(!busy);
    m_connect->setText(busy ? tr("Connecting…") : tr("&Connect"));
    if (busy)
        m_message->showMessage(MessageBar::Kind::Info, tr("Connecting to %1…").arg(m_client->server().toDisplayString()));
}

void ConnectDialog::attempt()
{
    QString why;
    const QUrl url = parseServer(m_server->text(), &why);
    if (url.isEmpty()) {
        m_serverField->setError(why);
        m_server->setFocus();
        return;
    }
    m_serverField->setError({});
    m_profile.url = url;
    m_profile.rememberSession = m_remember->isChecked();
    m_client->setServer(url);
    if (m_usePassword->isChecked()) {
        if (m_username->text().trimmed().isEmpty() || m_password->text().isEmpty()) {
            m_message->showMessage(MessageBar::Kind::Error, tr("Enter the username and the password."));
            (m_username->text().trimmed().isEmpty() ? m_username : m_password)->setFocus();
            return;
        }
        m_profile.username = m_username->text().trimmed();
        setBusy(true);
        m_client->login(m_profile.username, m_password->text(), this, [this](const AdminReply &r) {
            setBusy(false);
            if (!r.ok())
                return failed(*r.error);
            succeeded(m_client->token());
        });
    } else {
        const QByteArray token = m_tokenEdit->text().trimmed().toLatin1();
        if (token.isEmpty()) {
            m_message->showMessage(MessageBar::Kind::Error, tr("Paste an admin token (it starts with dsa_)."));
            m_tokenEdit->setFocus();
            return;
        }
        m_profile.username = m_username->text().trimmed();
        m_client->setToken(token);
        setBusy(true);
        m_client->checkSession(this, [this, token](const AdminReply &r) {
            setBusy(false);
            if (!r.ok())
                return failed(*r.error);
            succeeded(token);
        });
    }
}

void ConnectDialog::succeeded(const QByteArray &token)
{
    m_token = token;
    m_password->clear();
    m_message->clear();
    accept();
}

void ConnectDialog::failed(const AdminError &error)
{
    if (error.code == QLatin1String("untrusted_certificate")) {
        const QUrl url = m_profile.url;
        const QSslCertificate cert = m_trust->lastRefused(url);
        auto *ask = new CertificateDialog(url, cert, m_trust->lastErrors(url), m_trust->trustedFingerprint(url), this);
        ask->setAttribute(Qt::WA_DeleteOnClose);
        connect(ask, &QDialog::accepted, this, [this, url, cert] {
            m_trust->trust(url, cert);
            attempt();
        });
        connect(ask, &QDialog::rejected, this, [this, error] { m_message->showError(error); });
        ask->open();
        return;
    }
    m_message->showError(error);
    if (error.kind == AdminError::Kind::Network)
        m_server->setFocus();
    else if (error.code == QLatin1String("invalid_credentials"))
        m_password->selectAll(), m_password->setFocus();
}

} // namespace dynaseal::console

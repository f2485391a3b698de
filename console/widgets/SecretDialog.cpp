#include "console/widgets/SecretDialog.h"

#include "console/widgets/MessageBar.h"
#include "console/widgets/Theme.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace dynaseal::console {

SecretDialog::SecretDialog(
    const QString &title, const QString &explanation, const QString &label, const QString &secret, QWidget *parent)
    : QDialog(parent)
    , m_value(new QLineEdit(secret, this))
    , m_copy(new QPushButton(tr("&Copy"), this))
{
    setObjectName(QStringLiteral("secretDialog"));
    setWindowTitle(title);
    setAttribute(Qt::WA_DeleteOnClose);
    setMinimumWidth(560);
    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(10);

    auto *heading = new QLabel(title, this);
    heading->setObjectName(QStringLiteral("sectionTitle"));
    layout->addWidget(heading);
    auto *text = new QLabel(explanation, this);
    text->setWordWrap(true);
    layout->addWidget(text);

    auto *warning = new MessageBar(this);
    warning->showMessage(MessageBar::Kind::Warning,
        tr("This is the only time the server shows it. Copy it now and store it somewhere safe (a secret "
           "manager); if it is lost, issue a new one and revoke this one."));
    layout->addWidget(warning);

    auto *caption = new QLabel(label, this);
    caption->setBuddy(m_value);
    layout->addWidget(caption);
    auto *row = new QHBoxLayout;
    m_value->setObjectName(QStringLiteral("secretValue"));
    m_value->setReadOnly(true);
    m_value->setFont(Theme::monospace());
    m_value->setCursorPosition(0);
    m_value->selectAll();
    m_copy->setObjectName(QStringLiteral("copyButton"));
    row->addWidget(m_value, 1);
    row->addWidget(m_copy);
    layout->addLayout(row);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->button(QDialogButtonBox::Close)->setText(tr("I have stored it"));
    buttons->button(QDialogButtonBox::Close)->setObjectName(QStringLiteral("closeButton"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(m_value->text());
        m_copy->setText(tr("Copied"));
        QTimer::singleShot(1500, this, [this] { m_copy->setText(tr("&Copy")); });
    });
    m_copy->setDefault(true);
    m_copy->setFocus();
}

QString SecretDialog::secret() const
{
    return m_value->text();
}

} // namespace dynaseal::console

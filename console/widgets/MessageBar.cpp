#include "console/widgets/MessageBar.h"

#include "console/core/AdminError.h"
#include "console/widgets/Theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>

namespace dynaseal::console {

MessageBar::MessageBar(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
    , m_action(new QPushButton(this))
{
    setObjectName(QStringLiteral("messageBar"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 8, 6, 8);
    layout->setSpacing(10);
    m_icon->setAlignment(Qt::AlignTop);
    m_text->setObjectName(QStringLiteral("messageText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_text->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    auto *close = new QToolButton(this);
    close->setObjectName(QStringLiteral("closeMessage"));
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Dismiss"));
    close->setAutoRaise(true);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_action, 0, Qt::AlignTop);
    layout->addWidget(close, 0, Qt::AlignTop);
    connect(close, &QToolButton::clicked, this, &MessageBar::clear);
    connect(m_action, &QPushButton::clicked, this, [this] {
        auto callback = m_callback;
        clear();
        if (callback)
            callback();
    });
    hide();
}

void MessageBar::showMessage(Kind kind, const QString &text, const QString &actionText, std::function<void()> action)
{
    m_kind = kind;
    static const char *names[] = { "info", "success", "warning", "error" };
    setProperty("kind", QLatin1String(names[int(kind)]));
    QStyle::StandardPixmap pixmap = QStyle::SP_MessageBoxInformation;
    if (kind == Kind::Warning)
        pixmap = QStyle::SP_MessageBoxWarning;
    else if (kind == Kind::Error)
        pixmap = QStyle::SP_MessageBoxCritical;
    else if (kind == Kind::Success)
        pixmap = QStyle::SP_DialogApplyButton;
    m_icon->setPixmap(style()->standardIcon(pixmap).pixmap(18, 18));
    m_text->setText(text);
    m_callback = std::move(action);
    m_action->setText(actionText);
    m_action->setVisible(!actionText.isEmpty() && m_callback);
    Theme::repolish(this);
    show();
}

void MessageBar::showError(const AdminError &error, const QString &actionText, std::function<void()> action)
{
    showMessage(Kind::Error, error.text(), actionText, std::move(action));
}

void MessageBar::clear()
{
    m_text->clear();
    m_callback = nullptr;
    hide();
}

QString MessageBar::text() const
{
    return isVisible() || !m_text->text().isEmpty() ? m_text->text() : QString();
}

} // namespace dynaseal::console

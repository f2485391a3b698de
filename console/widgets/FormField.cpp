#include "console/widgets/FormField.h"

#include "console/widgets/Theme.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace dynaseal::console {

FormField::FormField(const QString &key, QWidget *editor, const QString &hint, QWidget *parent)
    : QWidget(parent)
    , m_key(key)
    , m_editor(editor)
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("field_") + key);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    // Fields take the form's width (so hints wrap sensibly); small inputs keep their own size.
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Maximum);
    if (qobject_cast<QComboBox *>(editor) || qobject_cast<QAbstractSpinBox *>(editor)) {
        auto *row = new QHBoxLayout;
        row->setContentsMargins(0, 0, 0, 0);
        row->addWidget(editor);
        row->addStretch(1);
        layout->addLayout(row);
    } else {
        layout->addWidget(editor);
    }
    if (!hint.isEmpty()) {
        auto *h = new QLabel(hint, this);
        h->setProperty("role", QStringLiteral("hint"));
        h->setWordWrap(true);
        h->setTextFormat(Qt::PlainText);
        layout->addWidget(h);
    }
    m_error->setObjectName(QStringLiteral("error_") + key);
    m_error->setProperty("role", QStringLiteral("fieldError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    layout->addWidget(m_error);
    // Extra height a form hands out goes below the field, not between it and its hint.
    layout->addStretch(1);
}

void FormField::setError(const QString &text)
{
    m_error->setText(text);
    m_error->setVisible(!text.isEmpty());
    m_editor->setProperty("invalid", !text.isEmpty());
    Theme::repolish(m_editor);
    if (!text.isEmpty())
        m_editor->setAccessibleDescription(text);
}

QString FormField::error() const
{
    return m_error->text();
}

} // namespace dynaseal::console

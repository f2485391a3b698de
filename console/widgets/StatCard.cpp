#include "console/widgets/StatCard.h"

#include <QLabel>
#include <QVBoxLayout>

namespace dynaseal::console {

StatCard::StatCard(const QString &title, const QColor &accent, QWidget *parent)
    : QFrame(parent)
    , m_value(new QLabel(QStringLiteral("—"), this))
    , m_caption(new QLabel(this))
{
    setObjectName(QStringLiteral("card"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 10, 14, 10);
    layout->setSpacing(2);
    auto *titleLabel = new QLabel(this);
    titleLabel->setObjectName(QStringLiteral("cardTitle"));
    // A coloured dot ties the card to its line in the charts.
    titleLabel->setText(QStringLiteral("<span style=\"color:%1\">●</span>&nbsp;%2").arg(accent.name(), title.toHtmlEscaped()));
    m_value->setObjectName(QStringLiteral("cardValue"));
    m_caption->setObjectName(QStringLiteral("cardCaption"));
    layout->addWidget(titleLabel);
    layout->addWidget(m_value);
    layout->addWidget(m_caption);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void StatCard::setValue(const QString &value, const QString &caption)
{
    m_value->setText(value);
    m_caption->setText(caption);
}

QString StatCard::value() const
{
    return m_value->text();
}

} // namespace dynaseal::console

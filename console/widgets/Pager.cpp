#include "console/widgets/Pager.h"

#include "console/core/Display.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace dynaseal::console {

Pager::Pager(int pageSize, QWidget *parent)
    : QWidget(parent)
    , m_pageSize(pageSize)
    , m_label(new QLabel(this))
    , m_previous(new QPushButton(tr("‹ &Previous"), this))
    , m_next(new QPushButton(tr("N&ext ›"), this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_label->setProperty("role", QStringLiteral("muted"));
    m_previous->setObjectName(QStringLiteral("previousPage"));
    m_next->setObjectName(QStringLiteral("nextPage"));
    layout->addWidget(m_label, 1);
    layout->addWidget(m_previous);
    layout->addWidget(m_next);
    connect(m_previous, &QPushButton::clicked, this, [this] {
        m_offset = std::max(0, m_offset - m_pageSize);
        emit pageRequested(m_offset);
    });
    connect(m_next, &QPushButton::clicked, this, [this] {
        m_offset += m_pageSize;
        emit pageRequested(m_offset);
    });
    showPage(0, 0);
}

void Pager::showPage(int rows, qint64 total, bool totalExact, const std::optional<QString> &nextCursor)
{
    const qsizetype nextPage = m_offset / m_pageSize + 1;
    if (m_cursors.size() <= nextPage)
        m_cursors.resize(nextPage + 1);
    m_cursors[nextPage] = nextCursor.value_or(QString());
    // A long list counts only so far (the server's count limit): "of 10,000+".
    const QString totalText = Display::number(double(total)) + (totalExact ? QString() : QStringLiteral("+"));
    if (rows == 0)
        m_label->setText(total > 0 ? tr("No more rows (%1 in total)").arg(totalText) : tr("No rows"));
    else if (total >= 0)
        m_label->setText(tr("%1–%2 of %3").arg(Display::number(m_offset + 1), Display::number(m_offset + rows), totalText));
    else
        m_label->setText(tr("%1–%2").arg(Display::number(m_offset + 1), Display::number(m_offset + rows)));
    m_previous->setEnabled(m_offset > 0);
    if (nextCursor)
        m_next->setEnabled(!nextCursor->isEmpty());
    else
        m_next->setEnabled(total >= 0 && totalExact ? m_offset + rows < total : rows >= m_pageSize);
}

} // namespace dynaseal::console

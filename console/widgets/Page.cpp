#include "console/widgets/Page.h"

#include "console/core/AdminClient.h"
#include "console/core/AdminError.h"
#include "console/widgets/MessageBar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSettings>
#include <QSplitter>
#include <QVBoxLayout>

namespace dynaseal::console {

Page::Page(const QString &id, AdminClient *client, ServerCatalog *catalog, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_catalog(catalog)
    , m_headerActions(new QHBoxLayout)
    , m_content(new QVBoxLayout)
    , m_messages(new MessageBar(this))
    , m_title(new QLabel(this))
    , m_subtitle(new QLabel(this))
{
    setObjectName(id);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 18, 24, 18);
    layout->setSpacing(12);
    auto *header = new QHBoxLayout;
    auto *titles = new QVBoxLayout;
    titles->setSpacing(2);
    m_title->setObjectName(QStringLiteral("pageTitle"));
    m_subtitle->setObjectName(QStringLiteral("pageSubtitle"));
    m_subtitle->setWordWrap(true);
    titles->addWidget(m_title);
    titles->addWidget(m_subtitle);
    header->addLayout(titles, 1);
    m_headerActions->setSpacing(8);
    header->addLayout(m_headerActions);
    layout->addLayout(header);
    layout->addWidget(m_messages);
    m_content->setContentsMargins(0, 0, 0, 0);
    m_content->setSpacing(10);
    layout->addLayout(m_content, 1);
}

void Page::setHeader(const QString &subtitle)
{
    m_title->setText(title());
    m_subtitle->setText(subtitle);
    m_subtitle->setVisible(!subtitle.isEmpty());
}

void Page::addHeaderWidget(QWidget *widget)
{
    m_headerActions->addWidget(widget, 0, Qt::AlignBottom);
}

void Page::showError(const AdminError &error)
{
    // An expired session is reported once, by the main window.
    if (error.code == QLatin1String("invalid_token"))
        return;
    m_messages->showError(error, tr("Retry"), [this] { refresh(); });
}

bool Page::connected() const
{
    return m_client->hasSession();
}

void Page::sessionChanged(bool isConnected)
{
    m_messages->clear();
    m_stale = true;
    if (isConnected && isVisible()) {
        m_stale = false;
        refresh();
    }
}

void Page::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_stale && connected()) {
        m_stale = false;
        refresh();
    }
}

void Page::addSplitter(Qt::Orientation orientation, QWidget *first, QWidget *second, int firstStretch, int secondStretch,
                       const QList<int> &defaultSizes)
{
    m_splitter = new QSplitter(orientation, this);
    m_splitter->addWidget(first);
    m_splitter->addWidget(second);
    m_splitter->setStretchFactor(0, firstStretch);
    m_splitter->setStretchFactor(1, secondStretch);
    m_splitter->setChildrenCollapsible(false);
    if (!m_splitter->restoreState(QSettings().value(QStringLiteral("splitters/") + id()).toByteArray()) && !defaultSizes.isEmpty())
        m_splitter->setSizes(defaultSizes);
    content()->addWidget(m_splitter, 1);
}

void Page::saveState() const
{
    if (m_splitter)
        QSettings().setValue(QStringLiteral("splitters/") + id(), m_splitter->saveState());
}

} // namespace dynaseal::console

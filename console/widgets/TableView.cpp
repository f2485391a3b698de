#include "console/widgets/TableView.h"

#include "console/core/models/JsonTableModel.h"

#include <QHeaderView>
#include <QPainter>
#include <QSettings>
#include <QSortFilterProxyModel>

namespace dynaseal::console {

TableView::TableView(QWidget *parent)
    : QTableView(parent)
    , m_proxy(new QSortFilterProxyModel(this))
{
    m_proxy->setSortRole(JsonTableModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setSortCaseSensitivity(Qt::CaseInsensitive);
    setModel(m_proxy);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setAlternatingRowColors(true);
    setSortingEnabled(true);
    setShowGrid(false);
    setWordWrap(false);
    setTextElideMode(Qt::ElideRight);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 12);
    horizontalHeader()->setHighlightSections(false);
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    horizontalHeader()->setSectionsMovable(true);
    connect(horizontalHeader(), &QHeaderView::sectionResized, this, [this] {
        if (horizontalHeader()->underMouse())
            m_restored = true; // the operator chose widths: keep them
    });
    connect(this, &QTableView::activated, this, [this](const QModelIndex &) { emit activatedRow(selectedObject()); });
}

void TableView::setSourceModel(JsonTableModel *model)
{
    m_source = model;
    m_proxy->setSourceModel(model);
    // selectionChanged, not currentRowChanged: the latter fires before selectRow() selects.
    connect(
        selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] { emit selectionChangedTo(selectedObject()); });
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        fitColumns();
        emit selectionChangedTo(selectedObject());
    });
    restoreState();
}

void TableView::setFilterText(const QString &text)
{
    m_proxy->setFilterFixedString(text);
    viewport()->update();
}

void TableView::setEmptyText(const QString &text)
{
    m_emptyText = text;
    viewport()->update();
}

QJsonObject TableView::selectedObject() const
{
    const QModelIndexList rows = selectionModel() ? selectionModel()->selectedRows() : QModelIndexList();
    if (rows.isEmpty())
        return {};
    return m_proxy->data(rows.first(), JsonTableModel::ObjectRole).toJsonObject();
}

void TableView::fitColumns()
{
    // Until the operator sizes the columns, they follow their contents (within reason).
    if (m_restored || !m_source || m_source->rowCount() == 0)
        return;
    for (int c = 0; c + 1 < m_source->columnCount(); ++c) {
        resizeColumnToContents(c);
        setColumnWidth(c, std::min(columnWidth(c) + 12, 320));
    }
}

QString TableView::selectedId() const
{
    return selectedObject().value(QLatin1String("id")).toString();
}

bool TableView::selectId(const QString &id)
{
    if (!m_source)
        return false;
    const int row = m_source->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_source->index(row, 0));
    if (!index.isValid())
        return false;
    selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    scrollTo(index);
    return true;
}

void TableView::setStateKey(const QString &key)
{
    m_stateKey = key;
    restoreState();
}

void TableView::saveState() const
{
    if (!m_stateKey.isEmpty() && m_source && (m_restored || m_source->rowCount() > 0))
        QSettings().setValue(QStringLiteral("tables/%1").arg(m_stateKey), horizontalHeader()->saveState());
}

void TableView::restoreState()
{
    if (m_stateKey.isEmpty() || !m_source)
        return;
    const QByteArray state = QSettings().value(QStringLiteral("tables/%1").arg(m_stateKey)).toByteArray();
    if (!state.isEmpty())
        m_restored = horizontalHeader()->restoreState(state);
}

void TableView::paintEvent(QPaintEvent *event)
{
    QTableView::paintEvent(event);
    if (m_proxy->rowCount() > 0 || m_emptyText.isEmpty())
        return;
    QPainter p(viewport());
    p.setPen(palette().color(QPalette::Disabled, QPalette::WindowText));
    const QString text = m_source && m_source->rowCount() > 0 ? tr("Nothing matches the search.") : m_emptyText;
    p.drawText(viewport()->rect().adjusted(24, 24, -24, -24), Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, text);
}

} // namespace dynaseal::console

#include "console/widgets/PagedListPage.h"

#include "console/core/models/JsonTableModel.h"
#include "console/widgets/Pager.h"
#include "console/widgets/TableView.h"

namespace dynaseal::console {

PagedListPage::PagedListPage(const QString &id, AdminClient *client, ServerCatalog *catalog, QWidget *parent)
    : Page(id, client, catalog, parent)
    , m_table(new TableView(this))
    , m_pager(new Pager(100, this))
{
}

void PagedListPage::sessionChanged(bool isConnected)
{
    if (!isConnected) {
        if (JsonTableModel *model = m_table->sourceModel())
            model->setRows({});
        m_pager->reset();
        m_pager->showPage(0, 0);
    }
    Page::sessionChanged(isConnected);
}

void PagedListPage::saveState() const
{
    Page::saveState();
    m_table->saveState();
}

} // namespace dynaseal::console

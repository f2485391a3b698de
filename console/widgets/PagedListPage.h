#pragma once
// A page whose content is a list the server gives a page at a time (requests, callbacks, the
// audit log): a table and a pager of 100 rows. When the session ends it empties both, and it
// keeps the table's arrangement with the page's.
#include "console/widgets/Page.h"

namespace dynaseal::console {

class Pager;
class TableView;

class PagedListPage : public Page
{
    Q_OBJECT
public:
    PagedListPage(const QString &id, AdminClient *client, ServerCatalog *catalog, QWidget *parent = nullptr);

    void sessionChanged(bool connected) override;
    void saveState() const override;

protected:
    TableView *m_table; // shows the subclass's model (TableView::setSourceModel)
    Pager *m_pager;
};

} // namespace dynaseal::console

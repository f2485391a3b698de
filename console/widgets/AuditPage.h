#pragma once
// The audit log: who changed what, newest first, paged, optionally since a time.
#include "console/widgets/Page.h"

class QCheckBox;
class QDateTimeEdit;

namespace dynaseal::console {

class AuditModel;
class JsonView;
class Pager;
class TableView;

class AuditPage : public Page
{
    Q_OBJECT
public:
    AuditPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent = nullptr);

    QString title() const override { return tr("Audit log"); }
    QIcon icon() const override;
    void refresh() override;
    void sessionChanged(bool connected) override;
    void saveState() const override;

private:
    void load();

    AuditModel *m_model;
    TableView *m_table;
    Pager *m_pager;
    JsonView *m_detail;
    QCheckBox *m_useSince;
    QDateTimeEdit *m_since;
};

} // namespace dynaseal::console

#pragma once
// The audit log: who changed what, newest first, paged, optionally since a time.
#include "console/widgets/PagedListPage.h"

class QCheckBox;
class QDateTimeEdit;

namespace dynaseal::console {

class AuditModel;
class JsonView;

class AuditPage : public PagedListPage
{
    Q_OBJECT
public:
    AuditPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent = nullptr);

    QString title() const override { return tr("Audit log"); }
    QIcon icon() const override;
    void refresh() override;

private:
    void load();

    AuditModel *m_model;
    JsonView *m_detail;
    QCheckBox *m_useSince;
    QDateTimeEdit *m_since;
};

} // namespace dynaseal::console

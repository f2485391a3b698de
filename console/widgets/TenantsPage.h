#pragma once
// Tenants: a searchable, sortable list beside the editor of the selected one (all its fields
// and its keys). New tenants are created in the editor; their callback secret is shown once.
#include "console/widgets/Page.h"

class QLineEdit;
class QPushButton;

namespace dynaseal::console {

class TableView;
class TenantEditor;
class TenantsModel;

class TenantsPage : public Page
{
    Q_OBJECT
public:
    TenantsPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent = nullptr);

    QString title() const override { return tr("Tenants"); }
    QIcon icon() const override;
    void refresh() override;
    void sessionChanged(bool connected) override;
    void saveState() const override;

    TableView *table() const { return m_table; }
    TenantEditor *editor() const { return m_editor; }
    TenantsModel *model() const { return m_model; }

private:
    void select(const QJsonObject &tenant);
    void startNew();
    void deleteSelected();
    void reload(const QString &selectId);

    TenantsModel *m_model;
    TableView *m_table;
    TenantEditor *m_editor;
    QLineEdit *m_search;
    QPushButton *m_new;
    QPushButton *m_delete;
    QString m_shownId;
};

} // namespace dynaseal::console

#pragma once
// A tenant's keys: the list (created, last used, revoked), issuing a new key (shown once, in a
// dialog with Copy) and revoking one after a confirmation.
#include <QWidget>

class QPushButton;

namespace dynaseal::console {

class AdminClient;
class MessageBar;
class TableView;
class TenantKeysModel;

class TenantKeysPanel : public QWidget
{
    Q_OBJECT
public:
    explicit TenantKeysPanel(AdminClient *client, QWidget *parent = nullptr);

    void setTenant(const QString &tenantId);
    void refresh(const QString &select = {});
    void issue();
    void revokeSelected();
    TenantKeysModel *model() const { return m_model; }
    TableView *table() const { return m_table; }

private:
    void updateButtons();

    AdminClient *m_client;
    QString m_tenantId;
    TenantKeysModel *m_model;
    TableView *m_table;
    MessageBar *m_messages;
    QPushButton *m_issue;
    QPushButton *m_revoke;
};

} // namespace dynaseal::console

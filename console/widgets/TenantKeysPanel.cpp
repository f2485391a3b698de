#include "console/widgets/TenantKeysPanel.h"

#include "console/core/AdminClient.h"
#include "console/core/models/TenantKeysModel.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/SecretDialog.h"
#include "console/widgets/TableView.h"
#include "console/widgets/Theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace dynaseal::console {

TenantKeysPanel::TenantKeysPanel(AdminClient *client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new TenantKeysModel(this))
    , m_table(new TableView(this))
    , m_messages(new MessageBar(this))
    , m_issue(new QPushButton(tr("&Issue key"), this))
    , m_revoke(new QPushButton(tr("Re&voke…"), this))
{
    setObjectName(QStringLiteral("tenantKeys"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 12, 12, 12);
    auto *explain
        = new QLabel(tr("The tenant's backend signs dynamic keys with a tenant key. Issue a new key to rotate, then revoke "
                        "the old one: revoking refuses its dynamic keys from the next request on."),
            this);
    explain->setWordWrap(true);
    explain->setProperty("role", QStringLiteral("muted"));
    layout->addWidget(explain);
    layout->addWidget(m_messages);
    auto *buttons = new QHBoxLayout;
    m_issue->setObjectName(QStringLiteral("issueKeyButton"));
    m_revoke->setObjectName(QStringLiteral("revokeKeyButton"));
    Theme::setDanger(m_revoke);
    buttons->addWidget(m_issue);
    buttons->addWidget(m_revoke);
    buttons->addStretch();
    layout->addLayout(buttons);
    m_table->setObjectName(QStringLiteral("keysTable"));
    m_table->setSourceModel(m_model);
    m_table->setEmptyText(tr("No keys yet. Issue one for the tenant's backend."));
    m_table->sortByColumn(2, Qt::DescendingOrder);
    layout->addWidget(m_table, 1);
    connect(m_issue, &QPushButton::clicked, this, &TenantKeysPanel::issue);
    connect(m_revoke, &QPushButton::clicked, this, &TenantKeysPanel::revokeSelected);
    connect(m_table, &TableView::selectionChangedTo, this, &TenantKeysPanel::updateButtons);
    updateButtons();
}

void TenantKeysPanel::setTenant(const QString &tenantId)
{
    m_tenantId = tenantId;
    m_model->setRows({});
    m_messages->clear();
    refresh();
}

void TenantKeysPanel::refresh(const QString &select)
{
    updateButtons();
    if (m_tenantId.isEmpty())
        return;
    const QString selected = select.isEmpty() ? m_table->selectedId() : select;
    m_client->listKeys(m_tenantId, this, [this, selected, tenant = m_tenantId](const AdminReply &r) {
        if (tenant != m_tenantId)
            return;
        if (!r.ok())
            return m_messages->showError(*r.error);
        m_model->setRows(r.list());
        m_table->selectId(selected);
        updateButtons();
    });
}

void TenantKeysPanel::updateButtons()
{
    m_issue->setEnabled(!m_tenantId.isEmpty());
    m_revoke->setEnabled(m_table->selectedObject().value(QLatin1String("active")).toBool());
}

void TenantKeysPanel::issue()
{
    if (m_tenantId.isEmpty())
        return;
    m_issue->setEnabled(false);
    m_client->issueKey(m_tenantId, this, [this](const AdminReply &r) {
        updateButtons();
        if (!r.ok())
            return m_messages->showError(*r.error);
        const QString id = r.object.value(QLatin1String("id")).toString();
        auto *dialog = new SecretDialog(tr("New tenant key"),
            tr("Give this key to the tenant's backend. It signs dynamic keys with it (HS256) and may "
               "put the key id %1 in their \"kid\" header.")
                .arg(id),
            tr("Tenant &key:"), r.object.value(QLatin1String("key")).toString(), window());
        dialog->open();
        refresh(id);
    });
}

void TenantKeysPanel::revokeSelected()
{
    const QJsonObject key = m_table->selectedObject();
    const QString id = key.value(QLatin1String("id")).toString();
    if (id.isEmpty() || !key.value(QLatin1String("active")).toBool())
        return;
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Revoke tenant key"),
        tr("Revoke the key %1 (ending in %2)?").arg(id, key.value(QLatin1String("key_tail")).toString()), QMessageBox::NoButton,
        window());
    box->setObjectName(QStringLiteral("confirmRevoke"));
    box->setInformativeText(tr("Every dynamic key signed with it is refused from the next request on. This cannot be undone."));
    QPushButton *revoke = box->addButton(tr("Revoke"), QMessageBox::DestructiveRole);
    revoke->setObjectName(QStringLiteral("confirmButton"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, revoke, id, tenant = m_tenantId](QAbstractButton *clicked) {
        if (clicked != revoke)
            return;
        m_client->revokeKey(tenant, id, this, [this, id](const AdminReply &r) {
            if (!r.ok())
                return m_messages->showError(*r.error);
            m_messages->showMessage(MessageBar::Kind::Success, tr("Key %1 revoked.").arg(id));
            refresh();
        });
    });
    box->open();
}

} // namespace dynaseal::console

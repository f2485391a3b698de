#include "console/widgets/TenantsPage.h"

#include "console/core/AdminClient.h"
#include "console/core/ServerCatalog.h"
#include "console/core/models/TenantsModel.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/SecretDialog.h"
#include "console/widgets/TableView.h"
#include "console/widgets/TenantEditor.h"
#include "console/widgets/Theme.h"

#include <QAction>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace dynaseal::console {

TenantsPage::TenantsPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent)
    : Page(QStringLiteral("tenants"), client, catalog, parent)
    , m_model(new TenantsModel(this))
    , m_table(new TableView(this))
    , m_editor(new TenantEditor(client, this))
    , m_search(new QLineEdit(this))
    , m_new(new QPushButton(tr("&New tenant"), this))
    , m_delete(new QPushButton(tr("&Delete…"), this))
{
    m_search->setObjectName(QStringLiteral("tenantSearch"));
    m_search->setPlaceholderText(tr("Search tenants (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(220);
    auto *find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, m_search, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });
    addAction(find);
    m_new->setObjectName(QStringLiteral("newTenantButton"));
    m_new->setShortcut(QKeySequence::New);
    m_new->setToolTip(tr("Create a tenant (%1)").arg(QKeySequence(QKeySequence::New).toString(QKeySequence::NativeText)));
    Theme::setPrimary(m_new);
    m_delete->setObjectName(QStringLiteral("deleteTenantButton"));
    Theme::setDanger(m_delete);
    addHeaderWidget(m_search);
    addHeaderWidget(m_delete);
    addHeaderWidget(m_new);

    m_table->setObjectName(QStringLiteral("tenantsTable"));
    m_table->setSourceModel(m_model);
    m_table->setStateKey(QStringLiteral("tenants"));
    m_table->setEmptyText(tr("No tenants yet. A tenant is an app's backend: create one with New tenant."));
    m_table->sortByColumn(0, Qt::AscendingOrder);
    m_table->setMinimumWidth(320);
    addSplitter(Qt::Horizontal, m_table, m_editor, 2, 3, { 560, 640 });

    connect(m_search, &QLineEdit::textChanged, m_table, &TableView::setFilterText);
    connect(m_table, &TableView::selectionChangedTo, this, &TenantsPage::select);
    connect(m_new, &QPushButton::clicked, this, &TenantsPage::startNew);
    connect(m_delete, &QPushButton::clicked, this, &TenantsPage::deleteSelected);
    connect(m_editor, &TenantEditor::saved, this, [this](const QJsonObject &tenant) {
        m_model->upsert(tenant);
        m_catalog->refreshTenants();
        emit statusMessage(tr("Saved tenant %1.").arg(tenant.value(QLatin1String("name")).toString()));
    });
    connect(m_editor, &TenantEditor::created, this, [this](const QJsonObject &tenant) {
        const QString id = tenant.value(QLatin1String("id")).toString();
        reload(id);
        m_catalog->refreshTenants();
        auto *dialog = new SecretDialog(tr("Tenant created"),
            tr("The tenant's backend needs this secret to check the signature of its usage callbacks "
               "(X-Dynaseal-Signature)."),
            tr("Callback &secret:"), tenant.value(QLatin1String("callback_secret")).toString(), window());
        dialog->open();
    });
    m_delete->setEnabled(false);
    setHeader(tr("An app's backend: it holds tenant keys, mints dynamic keys and receives usage callbacks."));
}

QIcon TenantsPage::icon() const
{
    return Theme::icon(QStringLiteral("tenants"));
}

void TenantsPage::refresh()
{
    reload(m_table->selectedId());
}

void TenantsPage::reload(const QString &selectId)
{
    if (!connected())
        return;
    m_client->listTenants(this, [this, selectId](const AdminReply &r) {
        if (!r.ok())
            return showError(*r.error);
        const bool creating = m_editor->isNew();
        m_model->setRows(r.list());
        if (!selectId.isEmpty() && m_table->selectId(selectId))
            return;
        if (!creating && m_model->rowCount() > 0 && m_table->selectedId().isEmpty())
            m_table->selectRow(0);
    });
}

void TenantsPage::select(const QJsonObject &tenant)
{
    const QString id = tenant.value(QLatin1String("id")).toString();
    m_delete->setEnabled(!id.isEmpty());
    if (id.isEmpty()) {
        // A reload resets the table for a moment: unsaved edits survive it.
        if (!m_editor->isNew() && !m_editor->isDirty()) {
            m_editor->clear();
            m_shownId.clear();
        }
        return;
    }
    if (id == m_shownId && !m_editor->isNew()) {
        // Same tenant, fresh data from a reload: keep unsaved edits.
        if (!m_editor->isDirty())
            m_editor->load(tenant);
        return;
    }
    if (m_editor->isDirty()) {
        auto *box = new QMessageBox(QMessageBox::Question, tr("Unsaved changes"),
            tr("Discard the unsaved changes to \"%1\"?").arg(m_editor->isNew() ? tr("New tenant") : m_shownId),
            QMessageBox::Discard | QMessageBox::Cancel, window());
        box->setObjectName(QStringLiteral("confirmDiscard"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        connect(box, &QMessageBox::finished, this, [this, box, tenant, id](int) {
            if (box->clickedButton() == box->button(QMessageBox::Discard)) {
                m_shownId = id;
                m_editor->load(tenant);
            } else if (!m_shownId.isEmpty()) {
                QSignalBlocker block(m_table);
                m_table->selectId(m_shownId);
            }
        });
        box->open();
        return;
    }
    m_shownId = id;
    m_editor->load(tenant);
}

void TenantsPage::startNew()
{
    m_table->clearSelection();
    m_shownId.clear();
    m_editor->startNew();
}

void TenantsPage::deleteSelected()
{
    const QJsonObject tenant = m_table->selectedObject();
    const QString id = tenant.value(QLatin1String("id")).toString();
    if (id.isEmpty())
        return;
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete tenant"),
        tr("Delete the tenant \"%1\" and all its keys?").arg(tenant.value(QLatin1String("name")).toString()),
        QMessageBox::NoButton, window());
    box->setObjectName(QStringLiteral("confirmDelete"));
    box->setInformativeText(
        tr("Its dynamic keys are refused at once and its undelivered callbacks are abandoned. The request log "
           "and usage history stay. This cannot be undone."));
    QPushButton *remove = box->addButton(tr("Delete tenant"), QMessageBox::DestructiveRole);
    remove->setObjectName(QStringLiteral("confirmButton"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, remove, id](QAbstractButton *clicked) {
        if (clicked != remove)
            return;
        m_client->deleteTenant(id, this, [this, id](const AdminReply &r) {
            if (!r.ok())
                return showError(*r.error);
            m_shownId.clear();
            m_editor->clear();
            messages()->showMessage(MessageBar::Kind::Success, tr("Tenant %1 deleted.").arg(id));
            reload({});
            m_catalog->refreshTenants();
        });
    });
    box->open();
}

void TenantsPage::sessionChanged(bool isConnected)
{
    if (!isConnected) {
        m_model->setRows({});
        m_editor->clear();
        m_shownId.clear();
    }
    Page::sessionChanged(isConnected);
}

void TenantsPage::saveState() const
{
    Page::saveState();
    m_table->saveState();
}

} // namespace dynaseal::console

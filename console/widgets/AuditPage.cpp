#include "console/widgets/AuditPage.h"

#include "console/core/AdminClient.h"
#include "console/core/models/AuditModel.h"
#include "console/widgets/JsonView.h"
#include "console/widgets/Pager.h"
#include "console/widgets/TableView.h"
#include "console/widgets/Theme.h"

#include <QCheckBox>
#include <QDateTimeEdit>
#include <QVBoxLayout>

namespace dynaseal::console {

AuditPage::AuditPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent)
    : PagedListPage(QStringLiteral("audit"), client, catalog, parent)
    , m_model(new AuditModel(this))
    , m_detail(new JsonView(this))
    , m_useSince(new QCheckBox(tr("&Since"), this))
    , m_since(new QDateTimeEdit(QDateTime(QDate::currentDate().addDays(-7), QTime(0, 0)), this))
{
    m_since->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    m_since->setCalendarPopup(true);
    m_since->setEnabled(false);
    addHeaderWidget(m_useSince);
    addHeaderWidget(m_since);

    m_table->setObjectName(QStringLiteral("auditTable"));
    m_table->setSourceModel(m_model);
    m_table->setStateKey(QStringLiteral("audit"));
    m_table->setSortingEnabled(false);
    m_table->setEmptyText(tr("No operator actions recorded yet."));
    auto *top = new QWidget(this);
    auto *tl = new QVBoxLayout(top);
    tl->setContentsMargins(0, 0, 0, 0);
    tl->addWidget(m_table, 1);
    tl->addWidget(m_pager);
    addSplitter(Qt::Vertical, top, m_detail, 4, 1);

    connect(m_table, &TableView::selectionChangedTo, this,
        [this](const QJsonObject &o) { m_detail->setJson(o.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(o)); });
    connect(m_pager, &Pager::pageRequested, this, &AuditPage::load);
    auto filter = [this] {
        m_pager->reset();
        load();
    };
    connect(m_useSince, &QCheckBox::toggled, m_since, &QWidget::setEnabled);
    connect(m_useSince, &QCheckBox::toggled, this, filter);
    connect(m_since, &QDateTimeEdit::editingFinished, this, filter);
    setHeader(tr("Every change made through the admin API, with the operator who made it. Secrets never appear here."));
}

QIcon AuditPage::icon() const
{
    return Theme::icon(QStringLiteral("audit"));
}

void AuditPage::refresh()
{
    load();
}

void AuditPage::load()
{
    if (!connected())
        return;
    m_client->audit(m_useSince->isChecked() ? m_since->dateTime() : QDateTime(), m_pager->pageSize(), m_pager->offset(), this,
        [this](const AdminReply &r) {
            if (!r.ok())
                return showError(*r.error);
            m_model->setRows(r.list());
            // The audit log does not say its total: "next" while pages are full.
            m_pager->showPage(int(r.list().size()), -1);
            if (m_model->rowCount() > 0)
                m_table->selectRow(0);
        });
}

} // namespace dynaseal::console

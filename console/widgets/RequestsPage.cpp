#include "console/widgets/RequestsPage.h"

#include "console/core/AdminClient.h"
#include "console/core/Display.h"
#include "console/core/ServerCatalog.h"
#include "console/core/models/RequestsModel.h"
#include "console/widgets/Pager.h"
#include "console/widgets/TableView.h"
#include "console/widgets/TenantFilterBox.h"
#include "console/widgets/Theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace dynaseal::console {

RequestsPage::RequestsPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent)
    : PagedListPage(QStringLiteral("requests"), client, catalog, parent)
    , m_model(new RequestsModel(this))
    , m_details(new QTextBrowser(this))
    , m_tenant(new TenantFilterBox(catalog, this))
    , m_modelFilter(new QComboBox(this))
    , m_status(new QComboBox(this))
    , m_useSince(new QCheckBox(tr("&From"), this))
    , m_since(new QDateTimeEdit(QDateTime::currentDateTime().addSecs(-3600), this))
    , m_useUntil(new QCheckBox(tr("T&o"), this))
    , m_until(new QDateTimeEdit(QDateTime::currentDateTime(), this))
{
    auto *filters = new QHBoxLayout;
    filters->setSpacing(8);
    m_tenant->setObjectName(QStringLiteral("requestTenantFilter"));
    m_tenant->setMinimumWidth(160);
    m_modelFilter->setObjectName(QStringLiteral("requestModelFilter"));
    m_modelFilter->setEditable(true);
    m_modelFilter->setMinimumWidth(140);
    m_modelFilter->lineEdit()->setPlaceholderText(tr("any model"));
    m_status->setObjectName(QStringLiteral("requestStatusFilter"));
    m_status->addItem(tr("Any status"), QString());
    for (const char *s : { "ok", "error", "client_closed", "interrupted", "in_flight" })
        m_status->addItem(Display::requestStatus(QLatin1String(s)), QLatin1String(s));
    for (QDateTimeEdit *e : { m_since, m_until }) {
        e->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
        e->setCalendarPopup(true);
        e->setEnabled(false);
    }
    auto *tenantLabel = new QLabel(tr("&Tenant:"), this);
    tenantLabel->setBuddy(m_tenant);
    auto *modelLabel = new QLabel(tr("&Model:"), this);
    modelLabel->setBuddy(m_modelFilter);
    auto *statusLabel = new QLabel(tr("&Status:"), this);
    statusLabel->setBuddy(m_status);
    filters->addWidget(tenantLabel);
    filters->addWidget(m_tenant);
    filters->addWidget(modelLabel);
    filters->addWidget(m_modelFilter);
    filters->addWidget(statusLabel);
    filters->addWidget(m_status);
    filters->addWidget(m_useSince);
    filters->addWidget(m_since);
    filters->addWidget(m_useUntil);
    filters->addWidget(m_until);
    filters->addStretch();
    content()->addLayout(filters);

    m_table->setObjectName(QStringLiteral("requestsTable"));
    m_table->setSourceModel(m_model);
    m_table->setStateKey(QStringLiteral("requests"));
    m_table->setEmptyText(tr("No requests match. Requests appear here once devices call the server with dynamic keys."));
    m_table->setSortingEnabled(false); // the server orders pages newest first
    auto *top = new QWidget(this);
    auto *tl = new QVBoxLayout(top);
    tl->setContentsMargins(0, 0, 0, 0);
    tl->addWidget(m_table, 1);
    tl->addWidget(m_pager);
    m_details->setObjectName(QStringLiteral("details"));
    m_details->setOpenLinks(false);
    addSplitter(Qt::Vertical, top, m_details, 3, 2);

    connect(m_table, &TableView::selectionChangedTo, this, &RequestsPage::showDetails);
    connect(m_pager, &Pager::pageRequested, this, &RequestsPage::load);
    connect(m_tenant, &QComboBox::activated, this, &RequestsPage::applyFilters);
    connect(m_status, &QComboBox::activated, this, &RequestsPage::applyFilters);
    connect(m_modelFilter, &QComboBox::activated, this, &RequestsPage::applyFilters);
    connect(m_modelFilter->lineEdit(), &QLineEdit::returnPressed, this, &RequestsPage::applyFilters);
    for (auto [check, edit] : { std::pair { m_useSince, m_since }, std::pair { m_useUntil, m_until } }) {
        connect(check, &QCheckBox::toggled, edit, &QWidget::setEnabled);
        connect(check, &QCheckBox::toggled, this, &RequestsPage::applyFilters);
        connect(edit, &QDateTimeEdit::editingFinished, this, &RequestsPage::applyFilters);
    }
    connect(m_catalog, &ServerCatalog::tenantsChanged, this, [this] {
        fillFilters();
        m_model->setTenantNames(m_catalog->tenantNames());
    });
    connect(m_catalog, &ServerCatalog::upstreamsChanged, this, &RequestsPage::fillFilters);
    fillFilters();
    showDetails({});
    setHeader(tr("Every proxied request that passed the checks, newest first."));
}

QIcon RequestsPage::icon() const
{
    return Theme::icon(QStringLiteral("requests"));
}

void RequestsPage::fillFilters()
{
    m_tenant->refill();
    const QString model = m_modelFilter->currentText();
    m_modelFilter->clear();
    m_modelFilter->addItem(QString());
    m_modelFilter->addItems(m_catalog->models());
    m_modelFilter->setCurrentText(model);
}

void RequestsPage::applyFilters()
{
    m_pager->reset();
    load();
}

void RequestsPage::refresh()
{
    load();
}

void RequestsPage::load()
{
    if (!connected())
        return;
    RequestQuery q;
    q.tenantId = m_tenant->tenantId();
    q.model = m_modelFilter->currentText().trimmed();
    q.status = m_status->currentData().toString();
    if (m_useSince->isChecked())
        q.since = m_since->dateTime();
    if (m_useUntil->isChecked())
        q.until = m_until->dateTime();
    q.page = m_pager->page();
    const QString selected = m_table->selectedId();
    m_client->listRequests(q, this, [this, selected](const AdminReply &r) {
        if (!r.ok())
            return showError(*r.error);
        m_model->setTenantNames(m_catalog->tenantNames());
        m_model->setRows(r.list());
        m_pager->showPage(int(r.list().size()), r.total(), r.totalExact(), r.nextCursor());
        if (!m_table->selectId(selected) && m_model->rowCount() > 0)
            m_table->selectRow(0);
    });
}

void RequestsPage::showDetails(const QJsonObject &r)
{
    if (r.isEmpty()) {
        m_details->setHtml(
            QStringLiteral("<p style=\"color:#6b7280\">%1</p>").arg(tr("Select a request to see its details.").toHtmlEscaped()));
        return;
    }
    auto value = [&](const char *key) { return r.value(QLatin1String(key)); };
    const QString tenant = m_catalog->tenantName(value("tenant_id").toString());
    const QList<QPair<QString, QString>> rows = {
        { tr("Request"), value("id").toString() },
        { tr("Event id"), value("event_id").toString() },
        { tr("Tenant"),
            tenant.isEmpty() ? value("tenant_id").toString()
                             : QStringLiteral("%1 (%2)").arg(tenant, value("tenant_id").toString()) },
        { tr("Model"), value("model").toString() },
        { tr("Endpoint"),
            QStringLiteral("%1%2").arg(value("endpoint").toString(), value("stream").toBool() ? tr(", streamed") : QString()) },
        { tr("Status"),
            QStringLiteral("%1 (HTTP %2)")
                .arg(Display::requestStatus(value("status").toString()))
                .arg(value("http_status").toInt()) },
        { tr("Error"), value("error").isString() ? value("error").toString() : Display::dash() },
        { tr("Tokens"),
            tr("%1 prompt + %2 completion = %3 billed (%4 reserved; usage from %5)")
                .arg(Display::count(value("prompt_tokens")), Display::count(value("completion_tokens")),
                    Display::count(value("total_tokens")), Display::count(value("reserved_tokens")),
                    value("usage_source").toString()) },
        { tr("Latency"), Display::duration(value("latency_ms").toDouble()) },
        { tr("Started"), Display::time(value("started_at")) },
        { tr("Finished"), Display::time(value("finished_at")) },
        { tr("Upstream"), value("upstream_id").toString() },
    };
    QString html = QStringLiteral("<table cellspacing=\"0\" cellpadding=\"3\">");
    for (const auto &[label, text] : rows) {
        const QString color
            = label == tr("Status") ? Display::statusColor(value("status").toString()).name() : QStringLiteral("#111827");
        html += QStringLiteral("<tr><td style=\"color:#6b7280; padding-right:14px\">%1</td><td style=\"color:%3\">%2</td></tr>")
                    .arg(label.toHtmlEscaped(), text.toHtmlEscaped(), color);
    }
    html += QStringLiteral("</table>");
    m_details->setHtml(html);
}

} // namespace dynaseal::console

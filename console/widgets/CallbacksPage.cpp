#include "console/widgets/CallbacksPage.h"

#include "console/core/AdminClient.h"
#include "console/core/Display.h"
#include "console/core/ServerCatalog.h"
#include "console/core/models/CallbacksModel.h"
#include "console/widgets/JsonView.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/Pager.h"
#include "console/widgets/TableView.h"
#include "console/widgets/TenantFilterBox.h"
#include "console/widgets/Theme.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace dynaseal::console {

CallbacksPage::CallbacksPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent)
    : PagedListPage(QStringLiteral("callbacks"), client, catalog, parent)
    , m_model(new CallbacksModel(this))
    , m_state(new QComboBox(this))
    , m_tenant(new TenantFilterBox(catalog, this))
    , m_summary(new QLabel(this))
    , m_body(new JsonView(this))
    , m_retry(new QPushButton(tr("&Retry now"), this))
{
    m_state->setObjectName(QStringLiteral("callbackStateFilter"));
    m_state->addItem(tr("Any state"), QString());
    for (const char *s : { "pending", "delivered", "abandoned" })
        m_state->addItem(Display::callbackState(QLatin1String(s)), QLatin1String(s));
    m_tenant->setObjectName(QStringLiteral("callbackTenantFilter"));
    m_tenant->setMinimumWidth(160);
    auto *stateLabel = new QLabel(tr("&State:"), this);
    stateLabel->setBuddy(m_state);
    auto *tenantLabel = new QLabel(tr("&Tenant:"), this);
    tenantLabel->setBuddy(m_tenant);
    addHeaderWidget(stateLabel);
    addHeaderWidget(m_state);
    addHeaderWidget(tenantLabel);
    addHeaderWidget(m_tenant);

    m_table->setObjectName(QStringLiteral("callbacksTable"));
    m_table->setSourceModel(m_model);
    m_table->setStateKey(QStringLiteral("callbacks"));
    m_table->setSortingEnabled(false);
    m_table->setEmptyText(
        tr("No callbacks match. The server stores a callback for every finished request of a tenant with a callback URL."));
    auto *left = new QWidget(this);
    auto *ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    ll->addWidget(m_table, 1);
    ll->addWidget(m_pager);

    auto *right = new QWidget(this);
    auto *rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    auto *top = new QHBoxLayout;
    auto *title = new QLabel(tr("Delivery"), right);
    title->setObjectName(QStringLiteral("sectionTitle"));
    top->addWidget(title, 1);
    m_retry->setObjectName(QStringLiteral("retryCallbackButton"));
    m_retry->setToolTip(tr("Make this callback due now (Ctrl+R)"));
    m_retry->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    Theme::setPrimary(m_retry);
    top->addWidget(m_retry);
    rl->addLayout(top);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rl->addWidget(m_summary);
    auto *bodyTitle = new QLabel(tr("Body sent to the tenant"), right);
    bodyTitle->setProperty("role", QStringLiteral("muted"));
    rl->addWidget(bodyTitle);
    rl->addWidget(m_body, 1);

    addSplitter(Qt::Horizontal, left, right, 3, 2, { 700, 500 });

    m_reload.setSingleShot(true);
    m_reload.setInterval(1500);
    connect(&m_reload, &QTimer::timeout, this, &CallbacksPage::load);
    connect(m_table, &TableView::selectionChangedTo, this, &CallbacksPage::showDetails);
    connect(m_pager, &Pager::pageRequested, this, &CallbacksPage::load);
    connect(m_retry, &QPushButton::clicked, this, &CallbacksPage::retrySelected);
    auto filter = [this] {
        m_pager->reset();
        load();
    };
    connect(m_state, &QComboBox::activated, this, filter);
    connect(m_tenant, &QComboBox::activated, this, filter);
    connect(m_catalog, &ServerCatalog::tenantsChanged, this, &CallbacksPage::fillTenants);
    fillTenants();
    showDetails({});
    setHeader(tr("Signed usage callbacks to the tenants' backends, retried with backoff until they answer 2xx."));
}

QIcon CallbacksPage::icon() const
{
    return Theme::icon(QStringLiteral("callbacks"));
}

void CallbacksPage::fillTenants()
{
    m_tenant->refill();
    m_model->setTenantNames(m_catalog->tenantNames());
}

void CallbacksPage::refresh()
{
    load();
}

void CallbacksPage::noteCallbackEvent()
{
    if (isCurrent())
        m_reload.start();
    else
        m_stale = true;
}

void CallbacksPage::load()
{
    if (!connected())
        return;
    const QString selected = m_table->selectedId();
    m_client->listCallbacks(m_state->currentData().toString(), m_tenant->tenantId(), m_pager->page(),
        this, [this, selected](const AdminReply &r) {
            if (!r.ok())
                return showError(*r.error);
            m_model->setTenantNames(m_catalog->tenantNames());
            m_model->setRows(r.list());
            m_pager->showPage(int(r.list().size()), r.total(), r.totalExact(), r.nextCursor());
            if (!m_table->selectId(selected) && m_model->rowCount() > 0)
                m_table->selectRow(0);
        });
}

void CallbacksPage::showDetails(const QJsonObject &c)
{
    const QString state = c.value(QLatin1String("state")).toString();
    m_retry->setEnabled(!c.isEmpty() && state != QLatin1String("delivered"));
    if (c.isEmpty()) {
        m_summary->setText(tr("Select a callback to see its delivery."));
        m_body->setJson(QJsonValue::Undefined);
        return;
    }
    QList<QPair<QString, QString>> rows;
    rows.append({ tr("State"),
        QStringLiteral("<span style=\"color:%1; font-weight:600\">%2</span>")
            .arg(Display::statusColor(state).name(), Display::callbackState(state).toHtmlEscaped()) });
    rows.append({ tr("URL"), c.value(QLatin1String("url")).toString().toHtmlEscaped() });
    rows.append({ tr("Attempts"), QString::number(c.value(QLatin1String("attempts")).toInt()) });
    const QJsonValue status = c.value(QLatin1String("last_status"));
    if (!status.isNull())
        rows.append({ tr("Last answer"), tr("HTTP %1").arg(status.toInt()) });
    if (c.value(QLatin1String("last_error")).isString())
        rows.append({ tr("Last error"), c.value(QLatin1String("last_error")).toString().toHtmlEscaped() });
    const QDateTime next = Display::parseTime(c.value(QLatin1String("next_attempt_at")));
    if (next.isValid())
        rows.append({ tr("Next try"), QStringLiteral("%1 (%2)").arg(Display::time(next), Display::relative(next)) });
    const QDateTime delivered = Display::parseTime(c.value(QLatin1String("delivered_at")));
    if (delivered.isValid())
        rows.append({ tr("Delivered"), Display::time(delivered) });
    rows.append({ tr("Request"), c.value(QLatin1String("request_id")).toString() });
    rows.append({ tr("Delivery id"), c.value(QLatin1String("id")).toString() });
    QString html = QStringLiteral("<table cellspacing=\"0\" cellpadding=\"2\">");
    for (const auto &[label, value] : rows)
        html += QStringLiteral("<tr><td style=\"color:#6b7280; padding-right:12px\">%1</td><td>%2</td></tr>")
                    .arg(label.toHtmlEscaped(), value);
    m_summary->setText(html + QStringLiteral("</table>"));
    m_body->setJson(c.value(QLatin1String("body")));
}

void CallbacksPage::retrySelected()
{
    const QString id = m_table->selectedId();
    if (id.isEmpty())
        return;
    m_retry->setEnabled(false);
    m_client->retryCallback(id, this, [this, id](const AdminReply &r) {
        if (!r.ok()) {
            m_retry->setEnabled(true);
            return showError(*r.error);
        }
        messages()->showMessage(
            MessageBar::Kind::Success, tr("Callback %1 is due now; the server sends it in a moment.").arg(id));
        m_reload.start();
    });
}

} // namespace dynaseal::console

#include "console/widgets/DashboardPage.h"

#include "console/core/AdminClient.h"
#include "console/core/Display.h"
#include "console/core/EventStream.h"
#include "console/core/LiveSeries.h"
#include "console/core/ServerCatalog.h"
#include "console/widgets/LiveChart.h"
#include "console/widgets/StatCard.h"
#include "console/widgets/TenantFilterBox.h"
#include "console/widgets/Theme.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QLabel>
#include <QLegend>
#include <QLineEdit>
#include <QStackedBarSeries>
#include <QValueAxis>

namespace dynaseal::console {

DashboardPage::DashboardPage(AdminClient *client, ServerCatalog *catalog, EventStream *stream, QWidget *parent)
    : Page(QStringLiteral("dashboard"), client, catalog, parent)
    , m_stream(stream)
    , m_series(new LiveSeries(this))
    , m_tenant(new TenantFilterBox(catalog, this))
    , m_model(new QComboBox(this))
{
    m_tenant->setObjectName(QStringLiteral("tenantFilter"));
    m_tenant->setMinimumWidth(180);
    m_tenant->setToolTip(tr("Show one tenant's traffic"));
    m_model->setObjectName(QStringLiteral("modelFilter"));
    m_model->setEditable(true);
    m_model->setMinimumWidth(160);
    m_model->setToolTip(tr("Show one model's traffic (type any model name)"));
    m_model->lineEdit()->setPlaceholderText(tr("All models"));
    auto *tenantLabel = new QLabel(tr("&Tenant:"), this);
    tenantLabel->setBuddy(m_tenant);
    auto *modelLabel = new QLabel(tr("&Model:"), this);
    modelLabel->setBuddy(m_model);
    addHeaderWidget(tenantLabel);
    addHeaderWidget(m_tenant);
    addHeaderWidget(modelLabel);
    addHeaderWidget(m_model);
    fillFilters();

    auto *cards = new QHBoxLayout;
    cards->setSpacing(10);
    m_requestsCard = new StatCard(tr("Requests, last 15 min"), Theme::requestsColor(), this);
    m_tokensCard = new StatCard(tr("Tokens, last 15 min"), Theme::tokensColor(), this);
    m_errorsCard = new StatCard(tr("Errors, last 15 min"), Theme::errorsColor(), this);
    m_latencyCard = new StatCard(tr("Latency p95, last 15 min"), Theme::p95Color(), this);
    m_todayCard = new StatCard(tr("Today"), QColor(0x64, 0x74, 0x8b), this);
    m_requestsCard->setObjectName(QStringLiteral("requestsCard"));
    for (StatCard *c : { m_requestsCard, m_tokensCard, m_errorsCard, m_latencyCard, m_todayCard })
        cards->addWidget(c);
    content()->addLayout(cards);

    m_traffic = new LiveChart(tr("Requests and errors per second"), tr("per second"), this);
    m_traffic->addLine(tr("requests/s"), Theme::requestsColor());
    m_traffic->addLine(tr("errors/s"), Theme::errorsColor());
    m_tokens = new LiveChart(tr("Tokens per second"), tr("tokens/s"), this);
    m_tokens->addLine(tr("tokens/s"), Theme::tokensColor());
    m_latency = new LiveChart(tr("Latency"), tr("ms"), this);
    m_latency->addLine(tr("p50"), Theme::p50Color(), true);
    m_latency->addLine(tr("p95"), Theme::p95Color(), true);

    // Today's calls per hour, stacked: successful and failed.
    auto *todayChart = new QChart;
    todayChart->setTitle(tr("Today's calls per hour"));
    QFont titleFont = font();
    titleFont.setBold(true);
    todayChart->setTitleFont(titleFont);
    todayChart->setTitleBrush(QColor(0x11, 0x18, 0x27));
    todayChart->setBackgroundRoundness(8);
    todayChart->setBackgroundPen(QPen(QColor(0xe5, 0xe7, 0xeb)));
    todayChart->setMargins(QMargins(6, 4, 6, 4));
    todayChart->setAnimationOptions(QChart::NoAnimation);
    todayChart->legend()->setAlignment(Qt::AlignBottom);
    todayChart->legend()->setMarkerShape(QLegend::MarkerShapeCircle);
    auto *bars = new QStackedBarSeries(todayChart);
    m_todayOk = new QBarSet(tr("succeeded"));
    m_todayOk->setColor(Theme::requestsColor());
    m_todayOk->setBorderColor(Theme::requestsColor());
    m_todayErrors = new QBarSet(tr("failed"));
    m_todayErrors->setColor(Theme::errorsColor());
    m_todayErrors->setBorderColor(Theme::errorsColor());
    for (int h = 0; h < 24; ++h) {
        *m_todayOk << 0;
        *m_todayErrors << 0;
    }
    bars->append(m_todayOk);
    bars->append(m_todayErrors);
    bars->setBarWidth(0.7);
    todayChart->addSeries(bars);
    // A value axis with a tick every 3 hours: 24 category labels do not fit and get elided.
    auto *hourAxis = new QValueAxis(todayChart);
    hourAxis->setRange(-0.5, 23.5);
    hourAxis->setTickType(QValueAxis::TicksDynamic);
    hourAxis->setTickAnchor(0);
    hourAxis->setTickInterval(3);
    hourAxis->setLabelFormat(QStringLiteral("%02d:00"));
    QFont small = font();
    small.setPointSizeF(std::max(7.5, small.pointSizeF() - 1.5));
    hourAxis->setLabelsFont(small);
    hourAxis->setLabelsColor(QColor(0x6b, 0x72, 0x80));
    hourAxis->setGridLineVisible(false);
    hourAxis->setLinePenColor(QColor(0xe5, 0xe7, 0xeb));
    m_todayAxis = new QValueAxis(todayChart);
    m_todayAxis->setLabelFormat(QStringLiteral("%.4g"));
    m_todayAxis->setRange(0, 1);
    m_todayAxis->setTickCount(5);
    m_todayAxis->setLabelsFont(small);
    m_todayAxis->setLabelsColor(QColor(0x6b, 0x72, 0x80));
    m_todayAxis->setGridLineColor(QColor(0xf1, 0xf5, 0xf9));
    m_todayAxis->setLinePenColor(QColor(0xe5, 0xe7, 0xeb));
    todayChart->addAxis(hourAxis, Qt::AlignBottom);
    todayChart->addAxis(m_todayAxis, Qt::AlignLeft);
    bars->attachAxis(hourAxis);
    bars->attachAxis(m_todayAxis);
    m_todayView = new QChartView(todayChart, this);
    m_todayView->setRenderHint(QPainter::Antialiasing);
    m_todayView->setMinimumHeight(190);

    auto *grid = new QGridLayout;
    grid->setSpacing(10);
    grid->addWidget(m_traffic, 0, 0);
    grid->addWidget(m_tokens, 0, 1);
    grid->addWidget(m_latency, 1, 0);
    grid->addWidget(m_todayView, 1, 1);
    content()->addLayout(grid, 1);

    connect(m_stream, &EventStream::history, m_series, &LiveSeries::setHistory);
    connect(m_stream, &EventStream::stats, m_series, [this](const LiveSample &s) { m_series->append(s); });
    connect(m_stream, &EventStream::requestFinished, this, [this] { m_todayDebounce.start(); });
    connect(m_series, &LiveSeries::reset, this, &DashboardPage::rebuildCharts);
    connect(m_series, &LiveSeries::appended, this, [this](const LiveSample &s) { addSample(s); });
    connect(m_tenant, &QComboBox::activated, this, &DashboardPage::applyFilter);
    connect(m_model, &QComboBox::activated, this, &DashboardPage::applyFilter);
    connect(m_model->lineEdit(), &QLineEdit::editingFinished, this, &DashboardPage::applyFilter);
    connect(m_catalog, &ServerCatalog::tenantsChanged, this, &DashboardPage::fillFilters);
    connect(m_catalog, &ServerCatalog::upstreamsChanged, this, &DashboardPage::fillFilters);
    m_todayTimer.setInterval(60'000);
    connect(&m_todayTimer, &QTimer::timeout, this, &DashboardPage::loadToday);
    m_todayDebounce.setSingleShot(true);
    m_todayDebounce.setInterval(2000);
    connect(&m_todayDebounce, &QTimer::timeout, this, &DashboardPage::loadToday);

    setHeader(tr("Live traffic of the last 15 minutes, a point a second."));
    updateTotals();
}

QIcon DashboardPage::icon() const
{
    return Theme::icon(QStringLiteral("dashboard"));
}

QString DashboardPage::tenantFilter() const
{
    return m_tenant->tenantId();
}

QString DashboardPage::modelFilter() const
{
    const QString text = m_model->currentText().trimmed();
    return text == tr("All models") ? QString() : text;
}

void DashboardPage::fillFilters()
{
    const QString model = m_model->currentText();
    m_tenant->refill();
    m_model->clear();
    m_model->addItem(tr("All models"));
    m_model->addItems(m_catalog->models());
    m_model->setCurrentText(model.isEmpty() ? tr("All models") : model);
}

void DashboardPage::applyFilter()
{
    if (!connected())
        return;
    if (m_stream->tenantFilter() != tenantFilter() || m_stream->modelFilter() != modelFilter()
        || m_stream->state() == EventStream::State::Stopped)
        m_stream->setFilter(tenantFilter(), modelFilter());
    loadToday();
}

void DashboardPage::refresh()
{
    if (!connected())
        return;
    if (m_stream->state() == EventStream::State::Stopped || m_stream->state() == EventStream::State::Refused)
        m_stream->start(tenantFilter(), modelFilter());
    loadToday();
}

void DashboardPage::sessionChanged(bool isConnected)
{
    Page::sessionChanged(isConnected);
    if (isConnected) {
        m_stream->start(tenantFilter(), modelFilter());
        loadToday();
        m_todayTimer.start();
    } else {
        m_todayTimer.stop();
        m_series->clear();
        showToday({});
    }
}

void DashboardPage::rebuildCharts()
{
    QList<QPointF> requests, errors, tokens, p50, p95;
    for (const LiveSample &s : m_series->samples()) {
        requests.append(QPointF(double(s.t), s.requests));
        errors.append(QPointF(double(s.t), s.errors));
        tokens.append(QPointF(double(s.t), s.tokens));
        if (s.requests > 0) {
            p50.append(QPointF(double(s.t), s.p50Ms));
            p95.append(QPointF(double(s.t), s.p95Ms));
        }
    }
    m_traffic->setPoints(0, requests);
    m_traffic->setPoints(1, errors);
    m_tokens->setPoints(0, tokens);
    m_latency->setPoints(0, p50);
    m_latency->setPoints(1, p95);
    const qint64 end = m_series->latest() > 0 ? m_series->latest() : QDateTime::currentMSecsSinceEpoch();
    for (LiveChart *c : { m_traffic, m_tokens, m_latency })
        c->setWindow(end - LiveSeries::kWindowMs, end);
    updateTotals();
}

void DashboardPage::addSample(const LiveSample &s)
{
    m_traffic->append(0, QPointF(double(s.t), s.requests));
    m_traffic->append(1, QPointF(double(s.t), s.errors));
    m_tokens->append(0, QPointF(double(s.t), s.tokens));
    if (s.requests > 0) {
        m_latency->append(0, QPointF(double(s.t), s.p50Ms));
        m_latency->append(1, QPointF(double(s.t), s.p95Ms));
    }
    for (LiveChart *c : { m_traffic, m_tokens, m_latency })
        c->setWindow(s.t - LiveSeries::kWindowMs, s.t);
    updateTotals();
}

void DashboardPage::updateTotals()
{
    const LiveTotals t = m_series->totals();
    const double perMinute = t.requests / 15.0;
    m_requestsCard->setValue(
        Display::number(t.requests), tr("%1 per minute").arg(Display::number(perMinute, perMinute < 10 ? 1 : 0)));
    m_tokensCard->setValue(Display::number(t.tokens),
        tr("%1 per request").arg(t.requests > 0 ? Display::number(t.tokens / t.requests) : Display::dash()));
    m_errorsCard->setValue(Display::number(t.errors),
        t.requests > 0 ? tr("%1% of requests").arg(Display::number(100.0 * t.errors / t.requests, 1)) : tr("no requests"));
    m_latencyCard->setValue(t.requests > 0 ? Display::duration(t.p95Ms) : Display::dash(), tr("slowest second's p95"));
}

void DashboardPage::loadToday()
{
    if (!connected())
        return;
    UsageQuery q;
    q.hourly = true;
    q.since = QDateTime(QDate::currentDate(), QTime(0, 0));
    q.tenantId = tenantFilter();
    q.model = modelFilter();
    m_client->usage(q, this, [this](const AdminReply &r) {
        if (!r.ok())
            return showError(*r.error);
        showToday(r.list());
    });
}

void DashboardPage::showToday(const QJsonArray &buckets)
{
    QList<double> ok(24, 0), failed(24, 0);
    double requests = 0, tokens = 0, errors = 0;
    const QDate today = QDate::currentDate();
    for (const QJsonValue &b : buckets) {
        const QDateTime at = Display::parseTime(b[QLatin1String("bucket")]).toLocalTime();
        if (at.date() != today)
            continue;
        const double n = b[QLatin1String("requests")].toDouble();
        const double e = b[QLatin1String("errors")].toDouble();
        ok[at.time().hour()] += n - e;
        failed[at.time().hour()] += e;
        requests += n;
        errors += e;
        tokens += b[QLatin1String("total_tokens")].toDouble();
    }
    double top = 0;
    for (int h = 0; h < 24; ++h) {
        m_todayOk->replace(h, ok[h]);
        m_todayErrors->replace(h, failed[h]);
        top = std::max(top, ok[h] + failed[h]);
    }
    m_todayAxis->setRange(0, std::max(4.0, LiveChart::niceBound(top)));
    m_todayCard->setValue(
        Display::number(requests), tr("%1 tokens, %2 errors").arg(Display::number(tokens), Display::number(errors)));
}

} // namespace dynaseal::console

#pragma once
// Live traffic: requests, errors, tokens and latency per second over the last 15 minutes from
// the event stream (history, then a point a second), today's calls per hour from the usage
// rollups, and totals. Filtering by tenant or model reopens the stream with that filter.
#include "console/widgets/Page.h"

#include <QJsonArray>
#include <QTimer>

class QBarCategoryAxis;
class QBarSet;
class QChartView;
class QComboBox;
class QLabel;
class QStackedBarSeries;
class QValueAxis;

namespace dynaseal::console {

class EventStream;
class LiveChart;
class LiveSeries;
struct LiveSample;
class StatCard;
class TenantFilterBox;

class DashboardPage : public Page
{
    Q_OBJECT
public:
    DashboardPage(AdminClient *client, ServerCatalog *catalog, EventStream *stream, QWidget *parent = nullptr);

    QString title() const override { return tr("Dashboard"); }
    QIcon icon() const override;
    void refresh() override;
    void sessionChanged(bool connected) override;

    LiveSeries *series() const { return m_series; }
    QString tenantFilter() const;
    QString modelFilter() const;

private:
    void applyFilter();
    void rebuildCharts();
    void addSample(const LiveSample &sample);
    void updateTotals();
    void loadToday();
    void showToday(const QJsonArray &buckets);
    void fillFilters();

    EventStream *m_stream;
    LiveSeries *m_series;
    TenantFilterBox *m_tenant;
    QComboBox *m_model;
    StatCard *m_requestsCard;
    StatCard *m_tokensCard;
    StatCard *m_errorsCard;
    StatCard *m_latencyCard;
    StatCard *m_todayCard;
    LiveChart *m_traffic;
    LiveChart *m_tokens;
    LiveChart *m_latency;
    QChartView *m_todayView;
    QBarSet *m_todayOk;
    QBarSet *m_todayErrors;
    QValueAxis *m_todayAxis;
    QTimer m_todayTimer;
    QTimer m_todayDebounce;
};

} // namespace dynaseal::console

#pragma once
// GET /admin/v1/events: the console's live event stream (Server-Sent Events). On connect it sends
// "history" (per-second points of the last 15 minutes), then every second a "stats" point, and
// "request" / "callback" events as they happen (at most 50 a second per stream). Query
// parameters tenant_id and model filter all of it.
#include "server/core/ServerContext.h"
#include "server/http/Router.h"

#include <QObject>
#include <QTimer>

namespace dynaseal {

class LiveEvents;

class EventsController : public QObject
{
    Q_OBJECT
public:
    EventsController(ServerContext &context, LiveEvents &events, QObject *parent = nullptr);
    ~EventsController() override;
    void registerRoutes(Router &router);
    int subscribers() const { return int(m_subscribers.size()); }

private:
    struct Subscriber
    {
        HttpExchangePtr exchange;
        QString tenantId;
        QString model;
        qint64 lastSecondSent = 0;
        qint64 eventsThisSecond = 0;
    };
    void open(const HttpExchangePtr &ex);
    void tick();
    void onEvent(const QString &type, const QJsonObject &data);
    static bool send(Subscriber &s, const QString &type, const QJsonObject &data);

    ServerContext &m_ctx;
    LiveEvents &m_events;
    QList<Subscriber> m_subscribers;
    QTimer m_ticker;
};

} // namespace dynaseal

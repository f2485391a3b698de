#include "server/http/EventsController.h"

#include "server/core/LiveEvents.h"
#include "server/core/storage/AdminStore.h"
#include "server/core/storage/Database.h"
#include "server/http/HttpReply.h"
#include "shared/Clock.h"
#include "shared/Crypto.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace dynaseal {
namespace {
constexpr qint64 kMaxEventsPerSecond = 50;
constexpr qint64 kHistoryMs = 15 * 60 * 1000;
} // namespace

EventsController::EventsController(ServerContext &context, LiveEvents &events, QObject *parent)
    : QObject(parent), m_ctx(context), m_events(events)
{
    connect(&m_events, &LiveEvents::event, this, &EventsController::onEvent);
    connect(&m_ticker, &QTimer::timeout, this, &EventsController::tick);
}

EventsController::~EventsController()
{
    m_events.addListeners(-int(m_subscribers.size()));
}

void EventsController::registerRoutes(Router &router)
{
    router.add("GET", QStringLiteral("/admin/v1/events"), [this](const HttpExchangePtr &ex, const PathParams &) { open(ex); });
}

bool EventsController::send(Subscriber &s, const QString &type, const QJsonObject &data)
{
    return HttpReply::chunk(*s.exchange, "event: " + type.toUtf8() + "\ndata: " + QJsonDocument(data).toJson(QJsonDocument::Compact) + "\n\n");
}

void EventsController::open(const HttpExchangePtr &ex)
{
    const QByteArray token = ex->bearerToken();
    if (token.isEmpty())
        return void(HttpReply::error(*ex, ApiError::unauthorized(QStringLiteral("missing admin token"), QStringLiteral("missing_token"))));
    const QByteArray hash = crypto::sha256(token);
    const qint64 now = m_ctx.clock.nowMs();
    m_ctx.db.read<bool>([hash, now](SqlSession &s) { return AdminStore::authenticate(s, hash, now).has_value(); }, this,
                        [this, ex](DbOutcome<bool> ok) {
                            if (!ok.ok() || !*ok.value)
                                return void(HttpReply::error(*ex, ApiError::unauthorized(QStringLiteral("the admin token is invalid or expired: log in again"), QStringLiteral("invalid_token"))));
                            Subscriber s;
                            s.exchange = ex;
                            s.tenantId = ex->query.queryItemValue(QStringLiteral("tenant_id"), QUrl::FullyDecoded);
                            s.model = ex->query.queryItemValue(QStringLiteral("model"), QUrl::FullyDecoded);
                            const qint64 second = m_ctx.clock.nowMs() / 1000 * 1000;
                            if (!HttpReply::beginChunked(*ex, 200, "text/event-stream", {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}}))
                                return;
                            QJsonArray points;
                            for (const LivePoint &p : m_events.stats().points(second - kHistoryMs, second, s.tenantId, s.model))
                                points.append(p.toJson());
                            s.lastSecondSent = second - 1000;
                            send(s, QStringLiteral("history"), QJsonObject{{QStringLiteral("points"), points}});
                            m_subscribers.append(s);
                            m_events.addListeners(1);
                            if (!m_ticker.isActive())
                                m_ticker.start(1000);
                        });
}

void EventsController::tick()
{
    const qint64 second = m_ctx.clock.nowMs() / 1000 * 1000;
    for (auto it = m_subscribers.begin(); it != m_subscribers.end();) {
        bool alive = HttpReply::connected(*it->exchange);
        // Points for every second that completed since the last tick.
        for (const LivePoint &p : m_events.stats().points(it->lastSecondSent + 1000, second, it->tenantId, it->model)) {
            if (!alive)
                break;
            alive = send(*it, QStringLiteral("stats"), p.toJson());
            it->lastSecondSent = p.secondMs;
        }
        it->eventsThisSecond = 0;
        if (!alive)
            m_events.addListeners(-1);
        it = alive ? it + 1 : m_subscribers.erase(it);
    }
    if (m_subscribers.isEmpty())
        m_ticker.stop();
}

void EventsController::onEvent(const QString &type, const QJsonObject &data)
{
    for (Subscriber &s : m_subscribers) {
        if (!s.tenantId.isEmpty() && data.value(QLatin1String("tenant_id")).toString() != s.tenantId)
            continue;
        if (!s.model.isEmpty() && data.contains(QLatin1String("model")) && data.value(QLatin1String("model")).toString() != s.model)
            continue;
        if (s.eventsThisSecond++ >= kMaxEventsPerSecond)
            continue;
        send(s, type, data);
    }
}

} // namespace dynaseal

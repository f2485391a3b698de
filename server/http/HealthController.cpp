#include "server/http/HealthController.h"

#include "server/core/Metrics.h"
#include "server/core/storage/Database.h"
#include "server/http/HttpReply.h"

#include <QJsonObject>

namespace dynaseal {

HealthController::HealthController(ServerContext &context, QObject *parent) : QObject(parent), m_ctx(context) {}

void HealthController::registerRoutes(Router &router)
{
    router.add("GET", QStringLiteral("/health/liveness"), [](const HttpExchangePtr &ex, const PathParams &) {
        HttpReply::json(*ex, 200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}});
    });
    router.add("GET", QStringLiteral("/health/readiness"), [this](const HttpExchangePtr &ex, const PathParams &) {
        m_ctx.db.read<bool>([](SqlSession &s) { return s.exec(QStringLiteral("SELECT 1")).next(); }, this,
                            [ex](DbOutcome<bool> outcome) {
                                if (outcome.ok() && *outcome.value)
                                    HttpReply::json(*ex, 200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ready")}, {QStringLiteral("database"), QStringLiteral("ok")}});
                                else
                                    HttpReply::error(*ex, ApiError::unavailable(QStringLiteral("the database does not answer"), QStringLiteral("not_ready")));
                            });
    });
    router.add("GET", QStringLiteral("/metrics"), [this](const HttpExchangePtr &ex, const PathParams &) {
        HttpReply::send(*ex, 200, "text/plain; version=0.0.4; charset=utf-8", m_ctx.metrics.render());
    });
}

} // namespace dynaseal

#pragma once
// GET /health/liveness, /health/readiness (the database answers a query) and /metrics.
#include "server/core/ServerContext.h"
#include "server/http/Router.h"

#include <QObject>

namespace dynaseal {

class HealthController : public QObject
{
    Q_OBJECT
public:
    explicit HealthController(ServerContext &context, QObject *parent = nullptr);
    void registerRoutes(Router &router);

private:
    ServerContext &m_ctx;
};

} // namespace dynaseal

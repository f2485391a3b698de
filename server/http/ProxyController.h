#pragma once
// The device-facing OpenAI endpoints: checks the dynamic key, the model and the budgets, then
// hands the request to a ProxyCall. Also GET /v1/models.
#include "server/core/CallerResolver.h"
#include "server/core/DynamicKeyVerifier.h"
#include "server/core/ProxyMetrics.h"
#include "server/core/ProxyRequest.h"
#include "server/core/ServerContext.h"
#include "server/core/UsageRecord.h"
#include "server/http/Router.h"

#include <QObject>
#include <atomic>

namespace dynaseal {

class HttpClient;

class ProxyController : public QObject
{
    Q_OBJECT
public:
    ProxyController(ServerContext &context, HttpClient &http, QObject *parent = nullptr);
    void registerRoutes(Router &router);
    int activeCalls() const { return m_active.load(); } // read from other threads
    quint64 startedCalls() const { return m_started.load(); }

signals:
    // Callbacks committed to the database, ready to send: those of all the calls whose outcomes
    // this thread took in one pass of its event loop, in one list.
    void callbacksStored(const QList<dynaseal::PendingCallback> &callbacks);

private:
    // `tenantId` is set for the tenant's own base URL /t/<tenant id>/v1/...
    void handleProxy(const HttpExchangePtr &ex, ProxyEndpoint endpoint, const QString &tenantId);
    void handleModels(const HttpExchangePtr &ex, const QString &tenantId);
    std::variant<Caller, ApiError> identify(const HttpExchange &ex, const RegistrySnapshot &registry, const QString &tenantId,
                                            const rapidjson::Value &body) const;
    void refuse(const HttpExchangePtr &ex, const ApiError &error);
    void handOverCallbacks();

    ServerContext &m_ctx;
    HttpClient &m_http;
    // Used by this thread's ProxyCalls (children, so deleted after it): a call counts itself in
    // complete(), which a stop waits for, never in its destructor.
    ProxyMetrics m_metrics;
    DynamicKeyVerifier m_verifier;
    CallerResolver m_callers;
    Tenant m_operatorTenant; // stands in for a tenant when the operator's master key is used
    std::atomic<int> m_active{0}; // a call stays active until its callbacks are handed over
    QList<PendingCallback> m_callbacksToHandOver;
    int m_callsHandingOver = 0;
    std::atomic<quint64> m_started{0};
};

} // namespace dynaseal

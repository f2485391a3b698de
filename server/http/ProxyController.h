#pragma once
// The device-facing OpenAI endpoints: checks the dynamic key, the model and the budgets, then
// hands the request to a ProxyCall. Also GET /v1/models.
#include "server/core/DynamicKeyVerifier.h"
#include "server/core/ProxyRequest.h"
#include "server/core/ServerContext.h"
#include "server/core/UsageRecord.h"
#include "server/http/Router.h"

#include <QObject>

namespace dynaseal {

class HttpClient;

class ProxyController : public QObject
{
    Q_OBJECT
public:
    ProxyController(ServerContext &context, HttpClient &http, QObject *parent = nullptr);
    void registerRoutes(Router &router);
    int activeCalls() const { return m_active; }

signals:
    // Callbacks committed to the database, ready to send.
    void callbacksStored(const QList<dynaseal::PendingCallback> &callbacks);

private:
    void handleProxy(const HttpExchangePtr &ex, ProxyEndpoint endpoint);
    void handleModels(const HttpExchangePtr &ex);
    std::variant<VerifiedKey, ApiError> authenticate(const HttpExchange &ex, const RegistrySnapshot &registry) const;
    void refuse(const HttpExchangePtr &ex, const ApiError &error);

    ServerContext &m_ctx;
    HttpClient &m_http;
    DynamicKeyVerifier m_verifier;
    int m_active = 0;
};

} // namespace dynaseal

#pragma once
// /admin/v1/*: operator login, upstreams, tenants and their keys, request log, usage series,
// callbacks and the audit log. Every call after login carries "Authorization: Bearer <token>".
// Bodies are validated here; the work runs as one database job that also checks the token, and
// changes that affect the request path swap in a new registry snapshot before the answer.
#include "server/core/ApiError.h"
#include "server/core/Registry.h"
#include "server/core/ServerContext.h"
#include "server/core/storage/SqlSession.h"
#include "server/http/Router.h"

#include <QJsonValue>
#include <QObject>

namespace dynaseal {

class HttpClient;

struct AdminResult
{
    int status = 200;
    QJsonValue body;
    std::optional<ApiError> error;
    bool registryChanged = false;

    static AdminResult ok(QJsonValue body, int status = 200, bool changed = false) { return {status, std::move(body), std::nullopt, changed}; }
    static AdminResult fail(ApiError e) { return {e.status, {}, std::move(e), false}; }
};

class AdminController : public QObject
{
    Q_OBJECT
public:
    AdminController(ServerContext &context, HttpClient &http, QObject *parent = nullptr);
    void registerRoutes(Router &router);

private:
    using Work = std::function<AdminResult(SqlSession &, const QString &actor)>;
    // Authenticates, runs `work` in a write transaction, reloads the registry if it changed
    // something the request path reads, and answers.
    void run(const HttpExchangePtr &ex, Work work);
    // Authenticates and runs `work`, which only reads, on the second connection (`reads`), after
    // the writes queued before it have committed: a list over a large table never holds back the
    // writes, and an operator still reads what was just changed. Answers.
    void runRead(const HttpExchangePtr &ex, Work work);
    void login(const HttpExchangePtr &ex);
    void logout(const HttpExchangePtr &ex);
    // POST /admin/v1/upstreams/{id}/test: one real call (GET <base_url>/models with the stored key).
    void testUpstream(const HttpExchangePtr &ex, const QString &id);

    ServerContext &m_ctx;
    HttpClient &m_http;
};

} // namespace dynaseal

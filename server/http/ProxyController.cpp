#include "server/http/ProxyController.h"

#include "server/core/KeyUsageTracker.h"
#include "server/core/Metrics.h"
#include "server/core/TokenLedger.h"
#include "server/core/UpstreamHealth.h"
#include "server/core/policy/PolicyGate.h"
#include "server/core/storage/RowIds.h"
#include "server/http/HttpReply.h"
#include "server/http/ProxyCall.h"
#include "shared/Clock.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <utility>

Q_LOGGING_CATEGORY(lcProxyController, "dynaseal.proxy.access")

namespace dynaseal {
namespace {
const rapidjson::Value kNoBody; // null: a request without a JSON body
} // namespace

ProxyController::ProxyController(ServerContext &context, HttpClient &http, QObject *parent)
    : QObject(parent)
    , m_ctx(context)
    , m_http(http)
    , m_metrics(context.metrics)
    , m_verifier(context.clock, context.settings.maxKeyLifetimeSecs)
    , m_callers(m_verifier, context.box, context.settings.proxyMasterKey, context.clock)
{
    m_operatorTenant.id = CallerResolver::kOperatorTenant;
    m_operatorTenant.name = QStringLiteral("operator");
}

void ProxyController::registerRoutes(Router &router)
{
    auto route = [&](const QString &path, ProxyEndpoint endpoint) {
        router.add("POST", path, [this, endpoint](const HttpExchangePtr &ex, const PathParams &) { handleProxy(ex, endpoint, QString()); });
        router.add("POST", QStringLiteral("/t/{tenant}") + path, [this, endpoint](const HttpExchangePtr &ex, const PathParams &p) {
            handleProxy(ex, endpoint, p.value(QStringLiteral("tenant")));
        });
    };
    // /chat/completions and /api/v1/... keep existing Dynaseal clients working.
    route(QStringLiteral("/v1/chat/completions"), ProxyEndpoint::ChatCompletions);
    route(QStringLiteral("/chat/completions"), ProxyEndpoint::ChatCompletions);
    route(QStringLiteral("/api/v1/chat/completions"), ProxyEndpoint::ChatCompletions);
    route(QStringLiteral("/v1/completions"), ProxyEndpoint::Completions);
    route(QStringLiteral("/v1/embeddings"), ProxyEndpoint::Embeddings);
    router.add("GET", QStringLiteral("/v1/models"), [this](const HttpExchangePtr &ex, const PathParams &) { handleModels(ex, QString()); });
    router.add("GET", QStringLiteral("/t/{tenant}/v1/models"), [this](const HttpExchangePtr &ex, const PathParams &p) {
        handleModels(ex, p.value(QStringLiteral("tenant")));
    });
}

std::variant<Caller, ApiError> ProxyController::identify(const HttpExchange &ex, const RegistrySnapshot &registry, const QString &tenantId,
                                                         const rapidjson::Value &body) const
{
    return m_callers.resolve(registry, tenantId, [&ex](const QByteArray &name) { return ex.header(name); }, body, ex.query);
}

void ProxyController::refuse(const HttpExchangePtr &ex, const ApiError &error)
{
    m_metrics.refused(error.code);
    HttpReply::error(*ex, error);
}

void ProxyController::handleModels(const HttpExchangePtr &ex, const QString &tenantId)
{
    const auto registry = m_ctx.registry.current();
    auto identified = identify(*ex, *registry, tenantId, kNoBody);
    if (auto *error = std::get_if<ApiError>(&identified))
        return refuse(ex, *error);
    const Caller &caller = std::get<Caller>(identified);
    const Tenant *tenant = caller.operatorKey ? &m_operatorTenant : registry->tenant(caller.key.tenantId);
    if (auto refusal = PolicyGate::admit(*tenant, RequestFacts{ex->remoteAddress, caller.credential, m_ctx.clock.nowMs()}))
        return refuse(ex, *refusal);
    QJsonArray data;
    for (const QString &model : registry->models()) {
        if (!caller.key.models.isEmpty() && !caller.key.models.contains(model))
            continue;
        if (PolicyGate::checkModel(*tenant, model))
            continue;
        data.append(QJsonObject{{QStringLiteral("id"), model}, {QStringLiteral("object"), QStringLiteral("model")},
                                {QStringLiteral("created"), 0}, {QStringLiteral("owned_by"), QStringLiteral("dynaseal")}});
    }
    HttpReply::json(*ex, 200, QJsonObject{{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}});
}

void ProxyController::handleProxy(const HttpExchangePtr &ex, ProxyEndpoint endpoint, const QString &tenantId)
{
    const auto registry = m_ctx.registry.current();
    const qint64 now = m_ctx.clock.nowMs();
    auto parsed = ProxyRequest::parse(endpoint, ex->body);
    const auto *parsedRequest = std::get_if<ProxyRequest>(&parsed);
    auto identified = identify(*ex, *registry, tenantId, parsedRequest ? parsedRequest->body->json : kNoBody);
    if (auto *error = std::get_if<ApiError>(&identified))
        return refuse(ex, *error);
    Caller caller = std::get<Caller>(identified);
    VerifiedKey &key = caller.key;
    const Tenant *tenant = caller.operatorKey ? &m_operatorTenant : registry->tenant(key.tenantId);
    if (!key.tenantKeyId.isEmpty())
        m_ctx.keyUsage.note(key.tenantKeyId, now);
    if (auto refusal = PolicyGate::admit(*tenant, RequestFacts{ex->remoteAddress, caller.credential, now}))
        return refuse(ex, *refusal);

    if (auto *error = std::get_if<ApiError>(&parsed))
        return refuse(ex, *error);
    ProxyRequest request = std::get<ProxyRequest>(std::move(parsed));
    if (!caller.bodyField.isEmpty()) {
        // The tenant's secret never travels on to the upstream.
        request.removeMember(caller.bodyField);
    }
    if (caller.operatorKey)
        qCInfo(lcProxyController).noquote() << "operator master key used from" << ex->remoteAddress.toString() << "for model" << request.model.left(100);

    if (!key.models.isEmpty() && !key.models.contains(request.model))
        return refuse(ex, ApiError::forbidden(QStringLiteral("this dynamic key may not call model \"%1\"; it allows: %2")
                                                  .arg(request.model.left(100), key.models.join(QStringLiteral(", "))),
                                              QStringLiteral("model_not_allowed")));
    if (auto refusal = PolicyGate::checkModel(*tenant, request.model))
        return refuse(ex, *refusal);
    // Permissions judge what the device asked for; the tenant's rewrite decides what is sent.
    if (auto error = request.rewrite(tenant->policy->rewrite))
        return refuse(ex, *error);
    const QList<const Upstream *> serving = registry->upstreamsFor(request.model);
    if (serving.isEmpty())
        return refuse(ex, ApiError::notFound(QStringLiteral("no upstream serves model \"%1\"").arg(request.model.left(100)), QStringLiteral("model_not_found")));
    // A generator per serving thread: the global one takes a lock shared by all of them.
    thread_local QRandomGenerator random(QRandomGenerator::global()->generate());
    QList<Upstream> upstreams = m_ctx.health.order(serving, now, random);
    if (upstreams.isEmpty())
        return refuse(ex, ApiError::unavailable(QStringLiteral("no healthy upstream serves model \"%1\" right now").arg(request.model.left(100)),
                                                QStringLiteral("no_healthy_upstream")));
    PolicyGate gate(m_ctx.limiter);
    if (auto refusal = gate.countRequest(*tenant, key.keyHash, now))
        return refuse(ex, *refusal);

    ReserveRequest reserve;
    reserve.keyHash = key.keyHash;
    reserve.tenantId = key.tenantId;
    reserve.keyLimit = key.maxTokens;
    reserve.keyExpiresAtSecs = key.expiresAtSecs;
    reserve.tenantQuota = tenant->tokenQuota;
    reserve.promptUpperBound = request.prompt.upperBound;
    reserve.requestedCompletion = request.maxTokens;
    reserve.defaultCompletion = m_ctx.settings.defaultMaxTokens;
    reserve.choices = request.choices;
    reserve.hasCompletion = request.hasCompletion();
    LedgerRefusal why{};
    const auto grant = m_ctx.ledger.reserve(reserve, &why);
    if (!grant) {
        if (why == LedgerRefusal::KeyBudget) {
            return refuse(ex, ApiError::tooManyRequests(
                                  QStringLiteral("this dynamic key's token budget is used up: %1 of %2 tokens billed or reserved, and this request may need %3 (prompt bound %4)")
                                      .arg(m_ctx.ledger.keySpent(key.keyHash) + m_ctx.ledger.keyReserved(key.keyHash))
                                      .arg(key.maxTokens)
                                      .arg(request.prompt.upperBound + (request.hasCompletion() ? request.choices : 0))
                                      .arg(request.prompt.upperBound),
                                  QStringLiteral("budget_exhausted")));
        }
        return refuse(ex, ApiError::tooManyRequests(QStringLiteral("the tenant's token quota is used up"), QStringLiteral("quota_exhausted")));
    }
    auto holds = gate.holdTokens(*tenant, grant->reserved, now);
    if (auto *refusal = std::get_if<ApiError>(&holds)) {
        m_ctx.ledger.settle(key.keyHash, key.tenantId, grant->reserved, 0);
        return refuse(ex, *refusal);
    }

    ProxyCall::Plan plan;
    plan.exchange = ex;
    plan.request = std::move(request);
    plan.key = std::move(key);
    plan.upstream = upstreams.takeFirst();
    plan.fallbacks = upstreams.mid(0, tenant->policy->retries);
    plan.callbackUrl = tenant->callbackUrl;
    plan.grant = *grant;
    plan.tokenHolds = std::get<QList<TokenHold>>(holds);
    plan.requestId = rows::newId("req");
    plan.startedAtMs = now;
    auto *call = new ProxyCall(m_ctx, m_http, m_metrics, std::move(plan), this);
    ++m_active;
    ++m_started;
    connect(call, &ProxyCall::done, this, [this](const QList<PendingCallback> &callbacks) {
        if (callbacks.isEmpty()) {
            --m_active;
            return;
        }
        // Handed over once per pass: a database batch's outcomes arrive together, and a signal
        // per call woke the sending thread once per call, each time taking this thread's core on
        // a busy machine (docs/performance-log.md, 2026-12-07 (02:40)).
        if (m_callbacksToHandOver.isEmpty())
            QMetaObject::invokeMethod(this, &ProxyController::handOverCallbacks, Qt::QueuedConnection);
        m_callbacksToHandOver.append(callbacks);
        ++m_callsHandingOver;
    });
    call->start();
}

void ProxyController::handOverCallbacks()
{
    const int calls = std::exchange(m_callsHandingOver, 0);
    emit callbacksStored(std::exchange(m_callbacksToHandOver, {}));
    m_active -= calls; // after the hand-over: a stop waits for no active calls, then for their callbacks
}

} // namespace dynaseal

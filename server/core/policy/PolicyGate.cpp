#include "server/core/policy/PolicyGate.h"

#include <QDateTime>

#include <memory>
#include <optional>
#include <vector>

namespace dynaseal {
namespace {

using WindowId = SlidingWindowLimiter::WindowId;

// The windows of a tenant's ingress and token limits, by the limit's place in its policy (a
// credential's windows are the credential's): made and hashed once per tenant and policy on each
// serving thread, not on every call. The policy is kept, so that its address cannot come back
// for another one.
struct TenantWindows
{
    std::shared_ptr<const TenantPolicy> policy;
    QString tenantId;
    std::vector<std::optional<WindowId>> byLimit;
};

const TenantWindows &windowsOf(const Tenant &tenant)
{
    thread_local TenantWindows last;
    if (last.policy == tenant.policy && last.tenantId == tenant.id)
        return last;
    std::vector<std::optional<WindowId>> byLimit; // complete before it is kept
    for (const RateLimit &limit : tenant.policy->rateLimits.limits()) {
        if (limit.scope == RateLimit::Scope::Ingress)
            byLimit.emplace_back(WindowId(QStringLiteral("ingress:") + tenant.id, limit.windowMs));
        else if (limit.scope == RateLimit::Scope::Tokens)
            byLimit.emplace_back(WindowId(QStringLiteral("tokens:") + tenant.id, limit.windowMs));
        else
            byLimit.emplace_back(std::nullopt);
    }
    last.byLimit = std::move(byLimit);
    last.policy = tenant.policy;
    last.tenantId = tenant.id;
    return last;
}

ApiError limited(const RateLimit &limit, qint64 retryAfterMs)
{
    return ApiError::tooManyRequests(QStringLiteral("rate limit \"%1\" reached; retry in %2 s").arg(limit.text).arg((retryAfterMs + 999) / 1000),
                                     QStringLiteral("rate_limited"), (retryAfterMs + 999) / 1000);
}

} // namespace

std::optional<ApiError> PolicyGate::checkStanding(const Tenant &tenant, qint64 nowMs)
{
    const TenantPolicy &p = *tenant.policy;
    if (!p.active)
        return ApiError::forbidden(QStringLiteral("the tenant's access is switched off"), QStringLiteral("tenant_inactive"));
    if (p.expiresAtMs && nowMs >= *p.expiresAtMs)
        return ApiError::forbidden(QStringLiteral("the tenant's access has expired (at %1)")
                                       .arg(QDateTime::fromMSecsSinceEpoch(*p.expiresAtMs, Qt::UTC).toString(Qt::ISODate)),
                                   QStringLiteral("tenant_expired"));
    return std::nullopt;
}

std::optional<ApiError> PolicyGate::admit(const Tenant &tenant, const RequestFacts &facts)
{
    if (auto refusal = checkStanding(tenant, facts.nowMs))
        return refusal;
    return AccessRules::check(tenant.policy->allow, tenant.policy->deny, facts);
}

std::optional<ApiError> PolicyGate::checkModel(const Tenant &tenant, const QString &model)
{
    const QStringList &allowed = tenant.policy->allowedModels;
    if (allowed.isEmpty() || allowed.contains(model))
        return std::nullopt;
    return ApiError::forbidden(QStringLiteral("the tenant may not call model \"%1\"; it allows: %2").arg(model.left(100), allowed.join(QStringLiteral(", "))),
                               QStringLiteral("model_not_allowed"));
}

std::optional<ApiError> PolicyGate::countRequest(const Tenant &tenant, const QString &credentialId, qint64 nowMs)
{
    const QList<RateLimit> &limits = tenant.policy->rateLimits.limits();
    if (limits.isEmpty())
        return std::nullopt;
    const TenantWindows &windows = windowsOf(tenant);
    QList<TokenHold> counted; // a refused request is not counted by the lines it passed
    for (qsizetype i = 0; i < limits.size(); ++i) {
        const RateLimit &limit = limits.at(i);
        if (limit.scope == RateLimit::Scope::Tokens)
            continue;
        const WindowId window = limit.scope == RateLimit::Scope::Ingress
                                    ? *windows.byLimit.at(size_t(i))
                                    : WindowId(QStringLiteral("secret:") + tenant.id + QLatin1Char(':') + credentialId, limit.windowMs);
        const auto got = m_limiter.tryAcquire(window, 1, limit.limit, nowMs);
        if (!got.ok) {
            settleTokens(counted, 0);
            return limited(limit, got.retryAfterMs);
        }
        counted.append(TokenHold{window, got.slot, 1});
    }
    return std::nullopt;
}

std::variant<QList<TokenHold>, ApiError> PolicyGate::holdTokens(const Tenant &tenant, qint64 amount, qint64 nowMs)
{
    QList<TokenHold> holds;
    const QList<RateLimit> &limits = tenant.policy->rateLimits.limits();
    if (limits.isEmpty())
        return holds;
    const TenantWindows &windows = windowsOf(tenant);
    for (qsizetype i = 0; i < limits.size(); ++i) {
        const RateLimit &limit = limits.at(i);
        if (limit.scope != RateLimit::Scope::Tokens)
            continue;
        const WindowId &window = *windows.byLimit.at(size_t(i));
        const auto got = m_limiter.tryAcquire(window, amount, limit.limit, nowMs);
        if (!got.ok) {
            settleTokens(holds, 0);
            ApiError e = limited(limit, got.retryAfterMs);
            e.message = QStringLiteral("token rate limit \"%1\" reached: this request may need %2 tokens; retry in %3 s")
                            .arg(limit.text).arg(amount).arg(e.retryAfterSecs);
            return e;
        }
        holds.append(TokenHold{window, got.slot, amount});
    }
    return holds;
}

void PolicyGate::settleTokens(const QList<TokenHold> &holds, qint64 billed)
{
    for (const TokenHold &h : holds)
        m_limiter.adjust(h.window, h.slot, std::min(billed, h.amount) - h.amount);
}

} // namespace dynaseal

#include "server/core/policy/PolicyGate.h"

#include <QDateTime>

namespace dynaseal {
namespace {

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
    QList<TokenHold> counted; // a refused request is not counted by the lines it passed
    for (const RateLimit &limit : tenant.policy->rateLimits.limits()) {
        QString key;
        if (limit.scope == RateLimit::Scope::Ingress)
            key = QStringLiteral("ingress:") + tenant.id;
        else if (limit.scope == RateLimit::Scope::Secret)
            key = QStringLiteral("secret:") + tenant.id + QLatin1Char(':') + credentialId;
        else
            continue;
        const auto got = m_limiter.tryAcquire(key, 1, limit.limit, limit.windowMs, nowMs);
        if (!got.ok) {
            settleTokens(counted, 0);
            return limited(limit, got.retryAfterMs);
        }
        counted.append(TokenHold{key, limit.windowMs, got.slot, 1});
    }
    return std::nullopt;
}

std::variant<QList<TokenHold>, ApiError> PolicyGate::holdTokens(const Tenant &tenant, qint64 amount, qint64 nowMs)
{
    QList<TokenHold> holds;
    for (const RateLimit &limit : tenant.policy->rateLimits.limits()) {
        if (limit.scope != RateLimit::Scope::Tokens)
            continue;
        const QString key = QStringLiteral("tokens:") + tenant.id;
        const auto got = m_limiter.tryAcquire(key, amount, limit.limit, limit.windowMs, nowMs);
        if (!got.ok) {
            settleTokens(holds, 0);
            ApiError e = limited(limit, got.retryAfterMs);
            e.message = QStringLiteral("token rate limit \"%1\" reached: this request may need %2 tokens; retry in %3 s")
                            .arg(limit.text).arg(amount).arg(e.retryAfterSecs);
            return e;
        }
        holds.append(TokenHold{key, limit.windowMs, got.slot, amount});
    }
    return holds;
}

void PolicyGate::settleTokens(const QList<TokenHold> &holds, qint64 billed)
{
    for (const TokenHold &h : holds)
        m_limiter.adjust(h.key, h.windowMs, h.slot, std::min(billed, h.amount) - h.amount);
}

} // namespace dynaseal

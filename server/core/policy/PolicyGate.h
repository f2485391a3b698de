#pragma once
// Applies a tenant's policy to one proxied request, in order: the tenant is active and not
// expired; allow/deny rules; allowed models; request rate limits (ingress, per credential); then,
// once the tokens are reserved, token rate limits. Each refusal is an OpenAI-shaped error.
#include "server/core/ApiError.h"
#include "server/core/Registry.h"
#include "server/core/policy/AccessRules.h"
#include "server/core/policy/SlidingWindowLimiter.h"

#include <optional>
#include <variant>

namespace dynaseal {

struct TokenHold
{
    SlidingWindowLimiter::WindowId window;
    qint64 slot = 0;
    qint64 amount = 0;
};

class PolicyGate
{
public:
    explicit PolicyGate(SlidingWindowLimiter &limiter) : m_limiter(limiter) {}

    static std::optional<ApiError> admit(const Tenant &tenant, const RequestFacts &facts);
    // Only `active` and `expires_at`: what also holds for the tenant's own backend minting keys
    // (allow/deny rules describe the devices).
    static std::optional<ApiError> checkStanding(const Tenant &tenant, qint64 nowMs);
    static std::optional<ApiError> checkModel(const Tenant &tenant, const QString &model);
    // Counts the request against ingress and per-credential limits; `credentialId` identifies the
    // presented secret (e.g. a dynamic key's hash).
    std::optional<ApiError> countRequest(const Tenant &tenant, const QString &credentialId, qint64 nowMs);
    // Holds `amount` reserved tokens against token limits; all or nothing.
    std::variant<QList<TokenHold>, ApiError> holdTokens(const Tenant &tenant, qint64 amount, qint64 nowMs);
    // Turns held amounts into what was billed.
    void settleTokens(const QList<TokenHold> &holds, qint64 billed);

private:
    SlidingWindowLimiter &m_limiter;
};

} // namespace dynaseal

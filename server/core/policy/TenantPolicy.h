#pragma once
// Every per-tenant control over who gets in, how much, how fast and what the model sees, and how
// its usage callbacks are delivered. Stored as the tenant's "settings" JSON; admin PATCHes name
// the fields directly on the tenant.
#include "server/core/ApiError.h"
#include "server/core/policy/AccessRules.h"
#include "server/core/policy/KeyPosition.h"
#include "server/core/policy/RateLimits.h"
#include "server/core/policy/RequestRewrite.h"

#include <QJsonObject>
#include <QRegularExpression>
#include <QStringList>
#include <optional>
#include <variant>

namespace dynaseal {

class TenantPolicy
{
public:
    enum class Auth { Jwt, Db, Regex };

    // The policy fields an admin body may carry (a subset of a tenant's fields).
    static const QStringList &fieldNames();
    // Applies the policy fields present in `fields` on top of `base`; refuses bad syntax with the
    // field (and line, for rule lists) and the reason. Fields not named stay as in `base`.
    static std::variant<TenantPolicy, ApiError> merge(const TenantPolicy &base, const QJsonObject &fields);
    // Reads what toJson() wrote; a stored policy that no longer parses is an error.
    static std::variant<TenantPolicy, ApiError> fromJson(const QJsonObject &stored);
    QJsonObject toJson() const;

    Auth auth = Auth::Jwt;
    QString regexText;
    QRegularExpression regex;
    KeyPosition keyPosition = KeyPosition::defaultPosition();
    bool active = true;
    std::optional<qint64> expiresAtMs;
    QStringList allowedModels; // empty: every model an upstream serves
    RateLimits rateLimits;
    AccessRules allow;
    AccessRules deny;
    int retries = 0;
    RequestRewrite rewrite;
    // Most callbacks sent in one POST. 1: each in its own POST, in the single-callback form;
    // more: gathered for up to --callback-batch-wait-ms into {"callbacks":[...]}.
    int callbackBatch = 1;
    static constexpr int kMaxCallbackBatch = 1000;

    static QString authName(Auth auth);
};

} // namespace dynaseal

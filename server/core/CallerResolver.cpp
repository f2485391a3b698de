#include "server/core/CallerResolver.h"

#include "server/core/BearerToken.h"
#include "shared/Crypto.h"

#include <limits>

namespace dynaseal {
namespace {
// Static keys carry no budget of their own: only the tenant's quota and limits apply.
constexpr qint64 kNoKeyBudget = std::numeric_limits<qint64>::max() / 4;

} // namespace

std::variant<Caller, ApiError> CallerResolver::resolve(const RegistrySnapshot &registry, const QString &tenantId,
                                                       const std::function<QByteArray(const QByteArray &)> &header,
                                                       const rapidjson::Value &body, const QUrlQuery &query) const
{
    Caller caller;
    if (tenantId.isEmpty()) {
        caller.credential = bearerToken(header("authorization"));
        if (caller.credential.isEmpty())
            return ApiError::unauthorized(QStringLiteral("missing credential: send \"Authorization: Bearer <dynamic key>\""), QStringLiteral("missing_api_key"));
        if (!m_operatorKey.isEmpty() && crypto::constantTimeEquals(caller.credential, m_operatorKey)) {
            caller.operatorKey = true;
            caller.key.tenantId = kOperatorTenant;
            caller.key.keyHash = QStringLiteral("operator");
            caller.key.maxTokens = kNoKeyBudget;
            caller.key.expiresAtSecs = m_clock.nowSecs() + 86'400;
            return caller;
        }
        auto verified = m_verifier.verify(caller.credential, registry);
        if (auto *e = std::get_if<ApiError>(&verified))
            return *e;
        caller.key = std::get<VerifiedKey>(verified);
        return caller;
    }

    const Tenant *tenant = registry.tenant(tenantId);
    if (!tenant)
        return ApiError::unauthorized(QStringLiteral("no such tenant in this URL"), QStringLiteral("unknown_tenant"));
    const TenantPolicy &policy = *tenant->policy;
    caller.credential = policy.keyPosition.extract(header, body, query);
    if (policy.keyPosition.isBody())
        caller.bodyField = policy.keyPosition.name();
    if (caller.credential.isEmpty())
        return ApiError::unauthorized(QStringLiteral("missing credential: this tenant expects it at %1").arg(policy.keyPosition.text()),
                                      QStringLiteral("missing_api_key"));

    switch (policy.auth) {
    case TenantPolicy::Auth::Jwt: {
        auto verified = m_verifier.verify(caller.credential, registry);
        if (auto *e = std::get_if<ApiError>(&verified))
            return *e;
        caller.key = std::get<VerifiedKey>(verified);
        if (caller.key.tenantId != tenant->id)
            return ApiError::unauthorized(QStringLiteral("the dynamic key belongs to another tenant than this URL's"), QStringLiteral("unknown_tenant"));
        return caller;
    }
    case TenantPolicy::Auth::Db: {
        const auto found = registry.keysByLookupHash.constFind(m_box.lookupHash(caller.credential));
        bool matched = false;
        if (found != registry.keysByLookupHash.constEnd() && found->first == tenant->id) {
            for (const TenantKey &k : tenant->keys) {
                if (k.id == found->second && crypto::constantTimeEquals(k.secret, caller.credential)) {
                    caller.key.tenantKeyId = k.id;
                    matched = true;
                }
            }
        }
        if (!matched)
            return ApiError::unauthorized(QStringLiteral("the key is not one of this tenant's active keys"), QStringLiteral("invalid_api_key"));
        caller.key.keyHash = QStringLiteral("static:") + caller.key.tenantKeyId;
        break;
    }
    case TenantPolicy::Auth::Regex: {
        const QRegularExpression whole(QRegularExpression::anchoredPattern(policy.regexText));
        if (!whole.match(QString::fromUtf8(caller.credential)).hasMatch())
            return ApiError::unauthorized(QStringLiteral("the key does not match this tenant's pattern"), QStringLiteral("invalid_api_key"));
        caller.key.keyHash = QStringLiteral("regex:") + QString::fromLatin1(crypto::sha256(caller.credential).toHex());
        break;
    }
    }
    // Static credentials: no budget of their own, no model list beyond the tenant's, an event id
    // the app may send along.
    caller.key.tenantId = tenant->id;
    caller.key.maxTokens = kNoKeyBudget;
    caller.key.expiresAtSecs = m_clock.nowSecs() + 86'400;
    caller.key.eventId = QString::fromUtf8(header("x-dynaseal-event-id")).left(200);
    return caller;
}

} // namespace dynaseal

#include "server/http/DynamicKeyController.h"

#include "server/core/AdminInput.h"
#include "server/core/DynamicKeyMinter.h"
#include "server/core/KeyUsageTracker.h"
#include "server/core/Registry.h"
#include "server/core/policy/PolicyGate.h"
#include "server/http/HttpReply.h"
#include "shared/Clock.h"
#include "shared/Crypto.h"
#include "shared/SecretBox.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace dynaseal {

DynamicKeyController::DynamicKeyController(ServerContext &context, QObject *parent) : QObject(parent), m_ctx(context) {}

void DynamicKeyController::registerRoutes(Router &router)
{
    router.add("POST", QStringLiteral("/v1/dynamic-keys"), [this](const HttpExchangePtr &ex, const PathParams &) { mint(ex); });
}

void DynamicKeyController::mint(const HttpExchangePtr &ex)
{
    const QByteArray presented = ex->bearerToken();
    if (presented.isEmpty())
        return void(HttpReply::error(*ex, ApiError::unauthorized(QStringLiteral("missing credential: send \"Authorization: Bearer <tenant key>\""), QStringLiteral("missing_api_key"))));
    const auto registry = m_ctx.registry.current();
    const auto found = registry->keysByLookupHash.constFind(m_ctx.box.lookupHash(presented));
    const Tenant *tenant = found == registry->keysByLookupHash.constEnd() ? nullptr : registry->tenant(found->first);
    const TenantKey *key = nullptr;
    if (tenant) {
        for (const TenantKey &k : tenant->keys) {
            if (k.id == found->second && crypto::constantTimeEquals(k.secret, presented))
                key = &k;
        }
    }
    if (!key)
        return void(HttpReply::error(*ex, ApiError::unauthorized(QStringLiteral("the tenant key is not valid (unknown or revoked)"))));

    m_ctx.keyUsage.note(key->id, m_ctx.clock.nowMs());
    // A switched-off or expired tenant gets no new keys (those it holds are refused when used).
    if (auto refusal = PolicyGate::checkStanding(*tenant, m_ctx.clock.nowMs()))
        return void(HttpReply::error(*ex, *refusal));

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(ex->body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return void(HttpReply::error(*ex, ApiError::badRequest(QStringLiteral("the request body must be a JSON object"), QStringLiteral("invalid_json"))));
    auto input = MintInput::parse(doc.object());
    if (auto *e = std::get_if<ApiError>(&input))
        return void(HttpReply::error(*ex, *e));
    const MintInput in = std::get<MintInput>(input);
    const qint64 maxLifetime = tenant->maxKeyLifetimeSecs.value_or(m_ctx.settings.maxKeyLifetimeSecs);
    if (in.ttlSeconds > maxLifetime)
        return void(HttpReply::error(*ex, ApiError::badRequest(QStringLiteral("\"ttl_seconds\" is longer than this tenant allows (%1 s)").arg(maxLifetime), QStringLiteral("invalid_value"))));

    const MintedKey minted = DynamicKeyMinter::mint(*tenant, *key, in, m_ctx.clock.nowSecs());
    HttpReply::json(*ex, 200, QJsonObject{{QStringLiteral("token"), QString::fromLatin1(minted.token)},
                                          {QStringLiteral("expires_at"), minted.expiresAtSecs},
                                          {QStringLiteral("event_id"), minted.eventId}});
}

} // namespace dynaseal

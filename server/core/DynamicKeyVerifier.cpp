#include "server/core/DynamicKeyVerifier.h"

#include "shared/Crypto.h"
#include "shared/Jwt.h"

#include <QJsonArray>
#include <cmath>

namespace dynaseal {
namespace {

// Unix seconds from an integer or float claim; false if absent or not a finite number.
bool secondsClaim(const QJsonObject &payload, const char *name, double *out)
{
    const QJsonValue v = payload.value(QLatin1String(name));
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        return false;
    *out = v.toDouble();
    return true;
}

bool signatureMatches(const JwtParts &parts, const TenantKey &key)
{
    if (key.alg == QLatin1String("HS256"))
        return jwt::verifyHs256(parts, key.secret);
    if (key.alg == QLatin1String("EdDSA"))
        return jwt::verifyEdDsa(parts, key.publicKeyPem);
    if (key.alg == QLatin1String("ES256"))
        return jwt::verifyEs256(parts, key.publicKeyPem);
    return false;
}

} // namespace

std::variant<VerifiedKey, ApiError> DynamicKeyVerifier::verify(QByteArrayView token, const RegistrySnapshot &registry) const
{
    JwtParts parts;
    QString why;
    if (!jwt::decode(token, &parts, &why))
        return ApiError::unauthorized(QStringLiteral("the dynamic key is not a valid JWT: %1").arg(why));

    const QString alg = parts.alg();
    if (alg.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0)
        return ApiError::unauthorized(QStringLiteral("unsigned dynamic keys (alg \"none\") are never accepted"), QStringLiteral("algorithm_not_allowed"));

    const QJsonObject &claims = parts.payload;
    const QJsonValue tenantClaim = claims.contains(QLatin1String("api-key")) ? claims.value(QLatin1String("api-key"))
                                                                             : claims.value(QLatin1String("sub"));
    if (!tenantClaim.isString() || tenantClaim.toString().isEmpty())
        return ApiError::unauthorized(QStringLiteral("the dynamic key names no tenant (claim \"api-key\" or \"sub\")"));
    const Tenant *tenant = registry.tenant(tenantClaim.toString());
    if (!tenant)
        return ApiError::unauthorized(QStringLiteral("the dynamic key names an unknown tenant"), QStringLiteral("unknown_tenant"));

    // Candidate keys: the one named by "kid", else every active key of the token's algorithm.
    const QJsonValue kidValue = parts.header.value(QLatin1String("kid"));
    if (!kidValue.isUndefined() && !kidValue.isString())
        return ApiError::unauthorized(QStringLiteral("the dynamic key's \"kid\" must be a string"), QStringLiteral("unknown_key"));
    const QString kid = kidValue.toString();
    bool algorithmAllowed = false;
    const TenantKey *signer = nullptr;
    for (const TenantKey &key : tenant->keys) {
        if (!kid.isEmpty() && key.id != kid)
            continue;
        if (key.alg != alg)
            continue;
        algorithmAllowed = true;
        if (signatureMatches(parts, key)) {
            signer = &key;
            break;
        }
    }
    if (!kid.isEmpty() && !algorithmAllowed && std::none_of(tenant->keys.begin(), tenant->keys.end(), [&](const TenantKey &k) { return k.id == kid; }))
        return ApiError::unauthorized(QStringLiteral("the dynamic key's \"kid\" names no active key of this tenant"), QStringLiteral("unknown_key"));
    if (!algorithmAllowed)
        return ApiError::unauthorized(QStringLiteral("algorithm %1 is not allowed for this tenant's keys").arg(alg.left(16)), QStringLiteral("algorithm_not_allowed"));
    if (!signer)
        return ApiError::unauthorized(QStringLiteral("the dynamic key's signature does not match (tampered, or signed with another key)"), QStringLiteral("invalid_signature"));

    const double now = double(m_clock.nowMs()) / 1000.0;
    double expiry = 0;
    if (!secondsClaim(claims, "expiring", &expiry) && !secondsClaim(claims, "exp", &expiry))
        return ApiError::unauthorized(QStringLiteral("the dynamic key has no expiry (claim \"expiring\" or \"exp\")"));
    if (now >= expiry)
        return ApiError::unauthorized(QStringLiteral("the dynamic key has expired"), QStringLiteral("key_expired"));
    double notBefore = 0;
    if (secondsClaim(claims, "nbf", &notBefore) && now < notBefore)
        return ApiError::unauthorized(QStringLiteral("the dynamic key is not valid yet (nbf)"), QStringLiteral("key_not_yet_valid"));
    double issuedAt = 0;
    const double start = secondsClaim(claims, "iat", &issuedAt) ? std::min(issuedAt, now) : now;
    const qint64 maxLifetime = tenant->maxKeyLifetimeSecs.value_or(m_defaultMaxLifetimeSecs);
    if (expiry - start > double(maxLifetime))
        return ApiError::unauthorized(QStringLiteral("the dynamic key lives longer than this tenant allows (%1 s)").arg(maxLifetime), QStringLiteral("key_lifetime_too_long"));

    const QJsonValue maxTokens = claims.value(QLatin1String("max_tokens"));
    const double budget = maxTokens.toDouble(-1);
    if (!maxTokens.isDouble() || budget < 1 || budget != std::floor(budget) || budget > 9.0e15)
        return ApiError::unauthorized(QStringLiteral("the dynamic key's \"max_tokens\" must be a positive integer"));

    VerifiedKey key;
    const QJsonValue model = claims.value(QLatin1String("model"));
    if (model.isString() && !model.toString().isEmpty())
        key.models.append(model.toString());
    const QJsonValue models = claims.value(QLatin1String("models"));
    if (models.isArray()) {
        for (const QJsonValue &m : models.toArray()) {
            if (!m.isString() || m.toString().isEmpty())
                return ApiError::unauthorized(QStringLiteral("the dynamic key's \"models\" must be a list of model names"));
            key.models.append(m.toString());
        }
    } else if (!models.isUndefined()) {
        return ApiError::unauthorized(QStringLiteral("the dynamic key's \"models\" must be a list of model names"));
    }
    if (key.models.isEmpty())
        return ApiError::unauthorized(QStringLiteral("the dynamic key names no model (claim \"model\" or \"models\")"));

    const QJsonValue eventId = claims.contains(QLatin1String("event_id")) ? claims.value(QLatin1String("event_id")) : claims.value(QLatin1String("jti"));
    key.eventId = eventId.isString() ? eventId.toString() : eventId.isDouble() ? QString::number(eventId.toDouble(), 'g', 17) : QString();
    key.tenantId = tenant->id;
    key.tenantKeyId = signer->id;
    key.keyHash = QString::fromLatin1(crypto::sha256(parts.signingInput).toHex());
    key.maxTokens = qint64(budget);
    key.expiresAtSecs = qint64(std::ceil(expiry));
    return key;
}

} // namespace dynaseal

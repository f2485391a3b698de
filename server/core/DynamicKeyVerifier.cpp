#include "server/core/DynamicKeyVerifier.h"

#include "server/core/VerifiedKeyCache.h"
#include "shared/Crypto.h"
#include "shared/Jwt.h"

#include <QJsonArray>
#include <algorithm>
#include <cmath>

namespace dynaseal {
namespace {

// Unix seconds from an integer or float claim; nothing if absent or not a finite number.
std::optional<double> secondsClaim(const QJsonObject &payload, QLatin1String name)
{
    const QJsonValue v = payload.value(name);
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        return std::nullopt;
    return v.toDouble();
}

bool signatureMatches(const JwtParts &parts, const TenantKey &key)
{
    if (key.alg == QLatin1String("HS256"))
        return key.hmacKey.isNull() ? jwt::verifyHs256(parts, key.secret) : jwt::verifyHs256(parts, key.hmacKey);
    if (key.alg == QLatin1String("EdDSA"))
        return jwt::verifyEdDsa(parts, key.publicKeyPem);
    if (key.alg == QLatin1String("ES256"))
        return jwt::verifyEs256(parts, key.publicKeyPem);
    return false;
}

// The clock-dependent rules, in the order the full check applies them. Cache hits run exactly
// this, so a cached key is refused whenever a full check would refuse it.
std::optional<ApiError> checkTimes(const KeyTimeLimits &limits, double now)
{
    if (now >= limits.expiry)
        return ApiError::unauthorized(QStringLiteral("the dynamic key has expired"), QStringLiteral("key_expired"));
    if (limits.notBefore && now < *limits.notBefore)
        return ApiError::unauthorized(QStringLiteral("the dynamic key is not valid yet (nbf)"), QStringLiteral("key_not_yet_valid"));
    const double start = limits.issuedAt ? std::min(*limits.issuedAt, now) : now;
    if (limits.expiry - start > double(limits.maxLifetimeSecs))
        return ApiError::unauthorized(QStringLiteral("the dynamic key lives longer than this tenant allows (%1 s)").arg(limits.maxLifetimeSecs),
                                      QStringLiteral("key_lifetime_too_long"));
    return std::nullopt;
}

// Lower-case hex straight into a QString: the ledger's key hash.
QString hexString(const QByteArray &bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    QString out(bytes.size() * 2, Qt::Uninitialized);
    QChar *dst = out.data();
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        *dst++ = QLatin1Char(kDigits[b >> 4]);
        *dst++ = QLatin1Char(kDigits[b & 0xf]);
    }
    return out;
}

} // namespace

DynamicKeyVerifier::DynamicKeyVerifier(const Clock &clock, qint64 defaultMaxLifetimeSecs, int cacheCapacity)
    : m_clock(clock)
    , m_defaultMaxLifetimeSecs(defaultMaxLifetimeSecs)
    , m_cache(cacheCapacity > 0 ? std::make_unique<VerifiedKeyCache>(cacheCapacity) : nullptr)
{
}

DynamicKeyVerifier::~DynamicKeyVerifier() = default;

double DynamicKeyVerifier::nowSecs() const
{
    return double(m_clock.nowMs()) / 1000.0;
}

std::variant<VerifiedKey, ApiError> DynamicKeyVerifier::verify(QByteArrayView token, const RegistrySnapshot &registry) const
{
    const double now = nowSecs();
    if (!m_cache)
        return verifyFully(token, registry, now, nullptr);
    // A hit is these exact bytes, accepted against this very snapshot: everything but the clock
    // checks gave "accepted" then and would again, so only those run.
    if (const VerifiedKeyCache::Entry *hit = m_cache->find(token, registry)) {
        if (auto refusal = checkTimes(hit->limits, now))
            return *refusal;
        return hit->key;
    }
    KeyTimeLimits limits;
    auto result = verifyFully(token, registry, now, &limits);
    if (const auto *key = std::get_if<VerifiedKey>(&result))
        m_cache->insert(token, registry, *key, limits);
    return result;
}

std::variant<VerifiedKey, ApiError> DynamicKeyVerifier::verifyFully(QByteArrayView token, const RegistrySnapshot &registry, double now,
                                                                    KeyTimeLimits *limitsOut) const
{
    JwtParts parts;
    QString why;
    if (!jwt::decode(token, &parts, &why))
        return ApiError::unauthorized(QStringLiteral("the dynamic key is not a valid JWT: %1").arg(why));

    const QString alg = parts.alg();
    if (alg.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0)
        return ApiError::unauthorized(QStringLiteral("unsigned dynamic keys (alg \"none\") are never accepted"), QStringLiteral("algorithm_not_allowed"));

    // Each claim is looked up once: "api-key" wins over "sub" whenever it is present at all.
    const QJsonObject &claims = parts.payload;
    QJsonValue tenantClaim = claims.value(QLatin1String("api-key"));
    if (tenantClaim.isUndefined())
        tenantClaim = claims.value(QLatin1String("sub"));
    const QString tenantId = tenantClaim.toString();
    if (!tenantClaim.isString() || tenantId.isEmpty())
        return ApiError::unauthorized(QStringLiteral("the dynamic key names no tenant (claim \"api-key\" or \"sub\")"));
    const Tenant *tenant = registry.tenant(tenantId);
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

    KeyTimeLimits limits;
    std::optional<double> expiry = secondsClaim(claims, QLatin1String("expiring"));
    if (!expiry)
        expiry = secondsClaim(claims, QLatin1String("exp"));
    if (!expiry)
        return ApiError::unauthorized(QStringLiteral("the dynamic key has no expiry (claim \"expiring\" or \"exp\")"));
    limits.expiry = *expiry;
    limits.notBefore = secondsClaim(claims, QLatin1String("nbf"));
    limits.issuedAt = secondsClaim(claims, QLatin1String("iat"));
    limits.maxLifetimeSecs = tenant->maxKeyLifetimeSecs.value_or(m_defaultMaxLifetimeSecs);
    if (auto refusal = checkTimes(limits, now))
        return *refusal;

    const QJsonValue maxTokens = claims.value(QLatin1String("max_tokens"));
    const double budget = maxTokens.toDouble(-1);
    if (!maxTokens.isDouble() || budget < 1 || budget != std::floor(budget) || budget > 9.0e15)
        return ApiError::unauthorized(QStringLiteral("the dynamic key's \"max_tokens\" must be a positive integer"));

    VerifiedKey key;
    const QJsonValue model = claims.value(QLatin1String("model"));
    if (model.isString()) {
        QString name = model.toString();
        if (!name.isEmpty())
            key.models.append(std::move(name));
    }
    const QJsonValue models = claims.value(QLatin1String("models"));
    if (models.isArray()) {
        for (const QJsonValue &m : models.toArray()) {
            QString name = m.toString();
            if (!m.isString() || name.isEmpty())
                return ApiError::unauthorized(QStringLiteral("the dynamic key's \"models\" must be a list of model names"));
            key.models.append(std::move(name));
        }
    } else if (!models.isUndefined()) {
        return ApiError::unauthorized(QStringLiteral("the dynamic key's \"models\" must be a list of model names"));
    }
    if (key.models.isEmpty())
        return ApiError::unauthorized(QStringLiteral("the dynamic key names no model (claim \"model\" or \"models\")"));

    QJsonValue eventId = claims.value(QLatin1String("event_id"));
    if (eventId.isUndefined())
        eventId = claims.value(QLatin1String("jti"));
    key.eventId = eventId.isString() ? eventId.toString() : eventId.isDouble() ? QString::number(eventId.toDouble(), 'g', 17) : QString();
    key.tenantId = tenant->id;
    key.tenantKeyId = signer->id;
    key.keyHash = hexString(crypto::sha256(parts.signingInput));
    key.maxTokens = qint64(budget);
    key.expiresAtSecs = qint64(std::ceil(limits.expiry));
    if (limitsOut)
        *limitsOut = limits;
    return key;
}

} // namespace dynaseal

#include "server/core/AdminInput.h"

#include "server/core/policy/TenantPolicy.h"
#include "shared/Jwt.h"

#include <QJsonArray>
#include <cmath>

namespace dynaseal {
namespace {

std::optional<ApiError> unknownFields(const QJsonObject &body, const QStringList &known)
{
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!known.contains(it.key()))
            return ApiError::badRequest(QStringLiteral("unknown field \"%1\"; allowed: %2").arg(it.key().left(64), known.join(QStringLiteral(", "))),
                                        QStringLiteral("unknown_field"));
    }
    return std::nullopt;
}

ApiError fieldError(const QString &field, const QString &what)
{
    return ApiError::badRequest(QStringLiteral("\"%1\" %2").arg(field, what), QStringLiteral("invalid_field"));
}

// A JSON number that is a whole number within [min, max].
bool wholeNumber(const QJsonValue &v, qint64 min, qint64 max, qint64 *out)
{
    if (!v.isDouble())
        return false;
    const double d = v.toDouble();
    if (d != std::floor(d) || d < double(min) || d > double(max))
        return false;
    *out = qint64(d);
    return true;
}

std::optional<ApiError> nonEmptyString(const QJsonObject &body, const char *field, int maxLength, std::optional<QString> *out)
{
    const QString name = QLatin1String(field);
    if (!body.contains(name))
        return std::nullopt;
    const QJsonValue v = body.value(name);
    if (!v.isString() || v.toString().trimmed().isEmpty() || v.toString().size() > maxLength)
        return fieldError(name, QStringLiteral("must be a non-empty string of at most %1 characters").arg(maxLength));
    *out = v.toString().trimmed();
    return std::nullopt;
}

std::optional<ApiError> optionalWhole(const QJsonObject &body, const char *field, qint64 min, qint64 max,
                                      std::optional<std::optional<qint64>> *out)
{
    const QString name = QLatin1String(field);
    if (!body.contains(name))
        return std::nullopt;
    const QJsonValue v = body.value(name);
    if (v.isNull()) {
        *out = std::optional<qint64>();
        return std::nullopt;
    }
    qint64 n = 0;
    if (!wholeNumber(v, min, max, &n))
        return fieldError(name, QStringLiteral("must be an integer from %1 to %2, or null").arg(min).arg(max));
    *out = std::optional<qint64>(n);
    return std::nullopt;
}

} // namespace

std::optional<QString> checkHttpUrl(const QString &text, QUrl *out)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
        return QStringLiteral("must be an http:// or https:// URL with a host");
    if (!url.userInfo().isEmpty())
        return QStringLiteral("must not carry credentials in the URL");
    *out = url;
    return std::nullopt;
}

std::variant<TenantInput, ApiError> TenantInput::parse(const QJsonObject &body, bool creating)
{
    const QStringList known = QStringList{QStringLiteral("name"), QStringLiteral("callback_url"), QStringLiteral("token_quota"),
                                          QStringLiteral("max_key_lifetime_secs")} + TenantPolicy::fieldNames();
    if (auto e = unknownFields(body, known))
        return *e;
    TenantInput in;
    for (const QString &field : TenantPolicy::fieldNames()) {
        if (body.contains(field))
            in.policyFields.insert(field, body.value(field));
    }
    if (auto e = nonEmptyString(body, "name", 200, &in.name))
        return *e;
    if (body.contains(QLatin1String("callback_url"))) {
        const QJsonValue v = body.value(QLatin1String("callback_url"));
        QUrl url;
        if (!v.isString())
            return fieldError(QStringLiteral("callback_url"), QStringLiteral("must be an http:// or https:// URL"));
        if (auto why = checkHttpUrl(v.toString(), &url))
            return fieldError(QStringLiteral("callback_url"), *why);
        in.callbackUrl = url.toString();
    }
    if (auto e = optionalWhole(body, "token_quota", 0, qint64(9e15), &in.tokenQuota))
        return *e;
    if (auto e = optionalWhole(body, "max_key_lifetime_secs", 1, 10LL * 365 * 86400, &in.maxKeyLifetimeSecs))
        return *e;
    if (creating && !in.name)
        return fieldError(QStringLiteral("name"), QStringLiteral("is required"));
    if (creating && !in.callbackUrl)
        return fieldError(QStringLiteral("callback_url"), QStringLiteral("is required"));
    return in;
}

std::variant<UpstreamInput, ApiError> UpstreamInput::parse(const QJsonObject &body, bool creating)
{
    if (auto e = unknownFields(body, {QStringLiteral("name"), QStringLiteral("base_url"), QStringLiteral("api_key"), QStringLiteral("models"),
                                      QStringLiteral("weight")}))
        return *e;
    UpstreamInput in;
    if (body.contains(QLatin1String("weight"))) {
        qint64 weight = 0;
        if (!wholeNumber(body.value(QLatin1String("weight")), 1, 1000, &weight))
            return fieldError(QStringLiteral("weight"), QStringLiteral("must be an integer from 1 to 1000"));
        in.weight = int(weight);
    }
    if (auto e = nonEmptyString(body, "name", 200, &in.name))
        return *e;
    if (auto e = nonEmptyString(body, "api_key", 4096, &in.apiKey))
        return *e;
    if (body.contains(QLatin1String("base_url"))) {
        const QJsonValue v = body.value(QLatin1String("base_url"));
        QUrl url;
        if (!v.isString())
            return fieldError(QStringLiteral("base_url"), QStringLiteral("must be an http:// or https:// URL"));
        if (auto why = checkHttpUrl(v.toString(), &url))
            return fieldError(QStringLiteral("base_url"), *why);
        if (url.hasQuery() || url.hasFragment())
            return fieldError(QStringLiteral("base_url"), QStringLiteral("must not have a query or fragment"));
        in.baseUrl = url;
    }
    if (body.contains(QLatin1String("models"))) {
        const QJsonValue v = body.value(QLatin1String("models"));
        QStringList models;
        bool ok = v.isArray() && !v.toArray().isEmpty();
        for (const QJsonValue &m : v.toArray()) {
            ok = ok && m.isString() && !m.toString().trimmed().isEmpty() && m.toString().size() <= 200;
            models.append(m.toString().trimmed());
        }
        if (!ok)
            return fieldError(QStringLiteral("models"), QStringLiteral("must be a non-empty list of model names"));
        models.removeDuplicates();
        in.models = models;
    }
    if (creating) {
        for (auto [given, field] : {std::pair{bool(in.name), "name"}, std::pair{bool(in.baseUrl), "base_url"},
                                    std::pair{bool(in.apiKey), "api_key"}, std::pair{bool(in.models), "models"}}) {
            if (!given)
                return fieldError(QLatin1String(field), QStringLiteral("is required"));
        }
    }
    return in;
}

std::variant<TenantKeyInput, ApiError> TenantKeyInput::parse(const QJsonObject &body)
{
    if (auto e = unknownFields(body, {QStringLiteral("alg"), QStringLiteral("public_key")}))
        return *e;
    TenantKeyInput in;
    const QJsonValue alg = body.value(QLatin1String("alg"));
    if (!alg.isUndefined()) {
        if (!alg.isString() || !QStringList{QStringLiteral("HS256"), QStringLiteral("EdDSA"), QStringLiteral("ES256")}.contains(alg.toString()))
            return fieldError(QStringLiteral("alg"), QStringLiteral("must be \"HS256\", \"EdDSA\" or \"ES256\""));
        in.alg = alg.toString();
    }
    const QJsonValue pem = body.value(QLatin1String("public_key"));
    if (in.alg == QLatin1String("HS256")) {
        if (!pem.isUndefined())
            return fieldError(QStringLiteral("public_key"), QStringLiteral("is only for EdDSA and ES256 keys; HS256 keys are issued by the server"));
        return in;
    }
    if (!pem.isString() || pem.toString().size() > 10'000)
        return fieldError(QStringLiteral("public_key"), QStringLiteral("is required: the PEM of the tenant's %1 public key").arg(in.alg));
    in.publicKeyPem = pem.toString().toUtf8();
    if (!jwt::isValidPublicKey(in.alg, in.publicKeyPem))
        return fieldError(QStringLiteral("public_key"), QStringLiteral("is not a PEM public key for %1 (%2)")
                                                            .arg(in.alg, in.alg == QLatin1String("EdDSA") ? QStringLiteral("Ed25519") : QStringLiteral("P-256")));
    return in;
}

std::variant<MintInput, ApiError> MintInput::parse(const QJsonObject &body)
{
    if (auto e = unknownFields(body, {QStringLiteral("model"), QStringLiteral("models"), QStringLiteral("max_tokens"),
                                      QStringLiteral("ttl_seconds"), QStringLiteral("event_id")}))
        return *e;
    MintInput in;
    const QJsonValue model = body.value(QLatin1String("model"));
    if (model.isString() && !model.toString().trimmed().isEmpty())
        in.models.append(model.toString().trimmed());
    else if (!model.isUndefined())
        return fieldError(QStringLiteral("model"), QStringLiteral("must be a non-empty string"));
    const QJsonValue models = body.value(QLatin1String("models"));
    if (!models.isUndefined()) {
        if (!models.isArray())
            return fieldError(QStringLiteral("models"), QStringLiteral("must be a list of model names"));
        for (const QJsonValue &m : models.toArray()) {
            if (!m.isString() || m.toString().trimmed().isEmpty())
                return fieldError(QStringLiteral("models"), QStringLiteral("must be a list of model names"));
            in.models.append(m.toString().trimmed());
        }
    }
    if (in.models.isEmpty())
        return fieldError(QStringLiteral("model"), QStringLiteral("is required"));
    if (!wholeNumber(body.value(QLatin1String("max_tokens")), 1, qint64(9e15), &in.maxTokens))
        return fieldError(QStringLiteral("max_tokens"), QStringLiteral("must be a positive integer"));
    if (!wholeNumber(body.value(QLatin1String("ttl_seconds")), 1, 10LL * 365 * 86400, &in.ttlSeconds))
        return fieldError(QStringLiteral("ttl_seconds"), QStringLiteral("must be a positive integer"));
    const QJsonValue eventId = body.value(QLatin1String("event_id"));
    if (eventId.isString() && !eventId.toString().isEmpty() && eventId.toString().size() <= 200)
        in.eventId = eventId.toString();
    else if (!eventId.isUndefined() && !eventId.isNull())
        return fieldError(QStringLiteral("event_id"), QStringLiteral("must be a non-empty string of at most 200 characters"));
    return in;
}

} // namespace dynaseal

#include "server/core/policy/TenantPolicy.h"

#include <QDateTime>
#include <QJsonArray>
#include <cmath>

namespace dynaseal {
namespace {

ApiError invalid(const QString &field, const QString &why)
{
    return ApiError::badRequest(QStringLiteral("\"%1\" %2").arg(field, why), QStringLiteral("invalid_field"));
}

QJsonArray toArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

} // namespace

const QStringList &TenantPolicy::fieldNames()
{
    static const QStringList names = {
        QStringLiteral("auth"), QStringLiteral("regex"), QStringLiteral("key_position"), QStringLiteral("active"),
        QStringLiteral("expires_at"), QStringLiteral("allowed_models"), QStringLiteral("rate_limits"), QStringLiteral("allow"),
        QStringLiteral("deny"), QStringLiteral("retries"), QStringLiteral("prompt_template"), QStringLiteral("param_map"),
        QStringLiteral("param_fixed"), QStringLiteral("callback_batch")};
    return names;
}

QString TenantPolicy::authName(Auth auth)
{
    switch (auth) {
    case Auth::Jwt: return QStringLiteral("jwt");
    case Auth::Db: return QStringLiteral("db");
    case Auth::Regex: return QStringLiteral("regex");
    }
    return {};
}

std::variant<TenantPolicy, ApiError> TenantPolicy::merge(const TenantPolicy &base, const QJsonObject &f)
{
    TenantPolicy p = base;
    auto has = [&](const char *name) { return f.contains(QLatin1String(name)); };
    auto value = [&](const char *name) { return f.value(QLatin1String(name)); };

    if (has("auth")) {
        const QString a = value("auth").toString();
        if (a == QLatin1String("jwt"))
            p.auth = Auth::Jwt;
        else if (a == QLatin1String("db"))
            p.auth = Auth::Db;
        else if (a == QLatin1String("regex"))
            p.auth = Auth::Regex;
        else
            return invalid(QStringLiteral("auth"), QStringLiteral("must be \"jwt\", \"db\" or \"regex\""));
    }
    if (has("regex")) {
        const QJsonValue v = value("regex");
        if (v.isNull()) {
            p.regexText.clear();
            p.regex = QRegularExpression();
        } else {
            if (!v.isString() || v.toString().isEmpty())
                return invalid(QStringLiteral("regex"), QStringLiteral("must be a non-empty regular expression or null"));
            QRegularExpression re(v.toString());
            if (!re.isValid())
                return invalid(QStringLiteral("regex"), QStringLiteral("is not a valid regular expression: %1 at offset %2").arg(re.errorString()).arg(re.patternErrorOffset()));
            p.regexText = v.toString();
            p.regex = re;
        }
    }
    if (has("key_position")) {
        auto parsed = KeyPosition::parse(value("key_position").toString());
        if (auto *why = std::get_if<QString>(&parsed))
            return invalid(QStringLiteral("key_position"), *why);
        p.keyPosition = std::get<KeyPosition>(parsed);
    }
    if (has("active")) {
        if (!value("active").isBool())
            return invalid(QStringLiteral("active"), QStringLiteral("must be true or false"));
        p.active = value("active").toBool();
    }
    if (has("expires_at")) {
        const QJsonValue v = value("expires_at");
        if (v.isNull()) {
            p.expiresAtMs.reset();
        } else {
            const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
            if (!v.isString() || !t.isValid())
                return invalid(QStringLiteral("expires_at"), QStringLiteral("must be an ISO 8601 time (e.g. 2027-01-31T23:59:59Z) or null"));
            p.expiresAtMs = t.toMSecsSinceEpoch();
        }
    }
    if (has("allowed_models")) {
        const QJsonValue v = value("allowed_models");
        QStringList models;
        bool ok = v.isArray() || v.isNull();
        for (const QJsonValue &m : v.toArray()) {
            ok = ok && m.isString() && !m.toString().trimmed().isEmpty();
            models.append(m.toString().trimmed());
        }
        if (!ok)
            return invalid(QStringLiteral("allowed_models"), QStringLiteral("must be a list of model names (empty: all)"));
        models.removeDuplicates();
        p.allowedModels = models;
    }
    if (has("rate_limits")) {
        auto parsed = RateLimits::parse(value("rate_limits"));
        if (auto *e = std::get_if<ApiError>(&parsed))
            return *e;
        p.rateLimits = std::get<RateLimits>(parsed);
    }
    for (auto [name, target] : {std::pair{"allow", &p.allow}, std::pair{"deny", &p.deny}}) {
        if (!has(name))
            continue;
        auto parsed = AccessRules::parse(value(name), QLatin1String(name));
        if (auto *e = std::get_if<ApiError>(&parsed))
            return *e;
        *target = std::get<AccessRules>(parsed);
    }
    if (has("retries")) {
        const QJsonValue v = value("retries");
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d < 0 || d > 10 || d != std::floor(d))
            return invalid(QStringLiteral("retries"), QStringLiteral("must be an integer from 0 to 10"));
        p.retries = int(d);
    }
    if (has("callback_batch")) {
        const QJsonValue v = value("callback_batch");
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d < 1 || d > kMaxCallbackBatch || d != std::floor(d))
            return invalid(QStringLiteral("callback_batch"), QStringLiteral("must be an integer from 1 (one POST per call) to %1").arg(kMaxCallbackBatch));
        p.callbackBatch = int(d);
    }
    if (has("prompt_template") || has("param_map") || has("param_fixed")) {
        auto parsed = RequestRewrite::parse(has("prompt_template") ? value("prompt_template") : base.rewrite.promptTemplateJson(),
                                            has("param_map") ? value("param_map") : QJsonValue(base.rewrite.paramMapJson()),
                                            has("param_fixed") ? value("param_fixed") : QJsonValue(base.rewrite.paramFixedJson()));
        if (auto *e = std::get_if<ApiError>(&parsed))
            return *e;
        p.rewrite = std::get<RequestRewrite>(parsed);
    }
    if (p.auth == Auth::Regex && p.regexText.isEmpty())
        return invalid(QStringLiteral("regex"), QStringLiteral("is required when \"auth\" is \"regex\""));
    return p;
}

std::variant<TenantPolicy, ApiError> TenantPolicy::fromJson(const QJsonObject &stored)
{
    return merge(TenantPolicy(), stored);
}

QJsonObject TenantPolicy::toJson() const
{
    return QJsonObject{{QStringLiteral("auth"), authName(auth)},
                       {QStringLiteral("regex"), regexText.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(regexText)},
                       {QStringLiteral("key_position"), keyPosition.text()},
                       {QStringLiteral("active"), active},
                       {QStringLiteral("expires_at"), expiresAtMs ? QJsonValue(QDateTime::fromMSecsSinceEpoch(*expiresAtMs, Qt::UTC).toString(Qt::ISODateWithMs))
                                                                  : QJsonValue(QJsonValue::Null)},
                       {QStringLiteral("allowed_models"), toArray(allowedModels)},
                       {QStringLiteral("rate_limits"), toArray(rateLimits.texts())},
                       {QStringLiteral("allow"), toArray(allow.texts())},
                       {QStringLiteral("deny"), toArray(deny.texts())},
                       {QStringLiteral("retries"), retries},
                       {QStringLiteral("prompt_template"), rewrite.promptTemplateJson()},
                       {QStringLiteral("param_map"), rewrite.paramMapJson()},
                       {QStringLiteral("param_fixed"), rewrite.paramFixedJson()},
                       {QStringLiteral("callback_batch"), callbackBatch}};
}

} // namespace dynaseal

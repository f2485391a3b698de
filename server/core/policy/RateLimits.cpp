#include "server/core/policy/RateLimits.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace dynaseal {

std::variant<RateLimits, ApiError> RateLimits::parse(const QJsonValue &list)
{
    RateLimits out;
    if (list.isNull() || list.isUndefined())
        return out;
    auto fail = [](int line, const QString &text, const QString &why) {
        return ApiError::badRequest(QStringLiteral("\"rate_limits\" line %1 (\"%2\"): %3").arg(line).arg(text.left(100), why), QStringLiteral("invalid_rule"));
    };
    if (!list.isArray())
        return ApiError::badRequest(QStringLiteral("\"rate_limits\" must be a list of strings"), QStringLiteral("invalid_rule"));
    static const QRegularExpression form(QStringLiteral("^(ingress|secret|tokens):(\\d{1,15})/(minute|hour|day)$"));
    const QJsonArray lines = list.toArray();
    for (int i = 0; i < lines.size(); ++i) {
        const QString text = lines.at(i).toString().trimmed();
        if (!lines.at(i).isString())
            return fail(i + 1, QString(), QStringLiteral("must be a string"));
        if (text == QLatin1String("no-limit")) {
            out.m_explicitNoLimit = true;
            continue;
        }
        const auto m = form.match(text);
        if (!m.hasMatch())
            return fail(i + 1, text, QStringLiteral("must be no-limit or <ingress|secret|tokens>:N/<minute|hour|day>"));
        RateLimit limit;
        const QString scope = m.captured(1);
        limit.scope = scope == QLatin1String("ingress") ? RateLimit::Scope::Ingress
                    : scope == QLatin1String("secret") ? RateLimit::Scope::Secret : RateLimit::Scope::Tokens;
        limit.limit = m.captured(2).toLongLong();
        if (limit.limit < 1)
            return fail(i + 1, text, QStringLiteral("N must be at least 1"));
        const QString unit = m.captured(3);
        limit.windowMs = unit == QLatin1String("minute") ? 60'000 : unit == QLatin1String("hour") ? 3'600'000 : 86'400'000;
        limit.text = text;
        out.m_limits.append(limit);
    }
    if (out.m_explicitNoLimit && !out.m_limits.isEmpty())
        return ApiError::badRequest(QStringLiteral("\"rate_limits\": no-limit cannot be combined with other limits"), QStringLiteral("invalid_rule"));
    return out;
}

QStringList RateLimits::texts() const
{
    QStringList out;
    if (m_explicitNoLimit)
        out.append(QStringLiteral("no-limit"));
    for (const RateLimit &l : m_limits)
        out.append(l.text);
    return out;
}

} // namespace dynaseal

#include "server/core/policy/AccessRules.h"

#include <QDateTime>
#include <QJsonArray>

namespace dynaseal {
namespace {

// "HH:MM" to minutes since midnight, or -1.
int minuteOfDay(const QString &text)
{
    static const QRegularExpression form(QStringLiteral("^([01]\\d|2[0-3]):([0-5]\\d)$"));
    const auto m = form.match(text);
    return m.hasMatch() ? m.captured(1).toInt() * 60 + m.captured(2).toInt() : -1;
}

QHostAddress normalized(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4); // also unwraps ::ffff:a.b.c.d
    return isV4 ? QHostAddress(v4) : address;
}

} // namespace

std::variant<AccessRule, QString> AccessRule::parse(const QString &line)
{
    AccessRule rule;
    rule.m_text = line.trimmed();
    const int colon = rule.m_text.indexOf(QLatin1Char(':'));
    if (colon <= 0)
        return QStringLiteral("must be type:value, with type ip, secret or time");
    const QString type = rule.m_text.left(colon);
    const QString value = rule.m_text.mid(colon + 1).trimmed();
    if (value.isEmpty())
        return QStringLiteral("has no value after \"%1:\"").arg(type);

    if (type == QLatin1String("ip")) {
        rule.m_kind = Kind::Ip;
        if (value.contains(QLatin1Char('/'))) {
            rule.m_subnet = QHostAddress::parseSubnet(value);
            if (rule.m_subnet.first.isNull())
                return QStringLiteral("\"%1\" is not a valid CIDR block").arg(value);
        } else {
            const QHostAddress address(value);
            if (address.isNull())
                return QStringLiteral("\"%1\" is not an IP address").arg(value);
            rule.m_subnet = {address, address.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128};
        }
        rule.m_subnet.first = normalized(rule.m_subnet.first);
        return rule;
    }
    if (type == QLatin1String("secret")) {
        rule.m_kind = Kind::Secret;
        rule.m_regex = QRegularExpression(value);
        if (!rule.m_regex.isValid())
            return QStringLiteral("the regular expression is invalid: %1 at offset %2").arg(rule.m_regex.errorString()).arg(rule.m_regex.patternErrorOffset());
        rule.m_regex.optimize();
        return rule;
    }
    if (type == QLatin1String("time")) {
        rule.m_kind = Kind::Time;
        const QStringList parts = value.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (parts.isEmpty() || parts.size() > 2)
            return QStringLiteral("must be time:HH:MM-HH:MM, optionally followed by a time zone such as Europe/Berlin");
        const QStringList range = parts.first().split(QLatin1Char('-'));
        if (range.size() != 2 || (rule.m_startMinute = minuteOfDay(range.at(0))) < 0 || (rule.m_endMinute = minuteOfDay(range.at(1))) < 0)
            return QStringLiteral("\"%1\" is not a range HH:MM-HH:MM (24-hour clock)").arg(parts.first());
        if (rule.m_startMinute == rule.m_endMinute)
            return QStringLiteral("the range %1 is empty: start and end are the same").arg(parts.first());
        if (parts.size() == 2) {
            const QTimeZone zone(parts.at(1).toUtf8());
            if (!zone.isValid())
                return QStringLiteral("\"%1\" is not a known time zone (use an IANA name like Asia/Shanghai or UTC)").arg(parts.at(1));
            rule.m_zone = zone;
        }
        return rule;
    }
    return QStringLiteral("unknown rule type \"%1\": use ip, secret or time").arg(type.left(32));
}

bool AccessRule::matches(const RequestFacts &facts) const
{
    switch (m_kind) {
    case Kind::Ip:
        return normalized(facts.clientAddress).isInSubnet(m_subnet);
    case Kind::Secret:
        return m_regex.match(QString::fromUtf8(facts.credential)).hasMatch();
    case Kind::Time: {
        const QDateTime now = m_zone ? QDateTime::fromMSecsSinceEpoch(facts.nowMs, *m_zone)
                                     : QDateTime::fromMSecsSinceEpoch(facts.nowMs, Qt::LocalTime);
        const int minute = now.time().hour() * 60 + now.time().minute();
        if (m_startMinute < m_endMinute)
            return minute >= m_startMinute && minute < m_endMinute;
        return minute >= m_startMinute || minute < m_endMinute; // crosses midnight
    }
    }
    return false;
}

std::variant<AccessRules, ApiError> AccessRules::parse(const QJsonValue &list, const QString &field)
{
    AccessRules rules;
    if (list.isNull() || list.isUndefined())
        return rules;
    if (!list.isArray())
        return ApiError::badRequest(QStringLiteral("\"%1\" must be a list of rule strings").arg(field), QStringLiteral("invalid_rule"));
    const QJsonArray lines = list.toArray();
    for (int i = 0; i < lines.size(); ++i) {
        if (!lines.at(i).isString())
            return ApiError::badRequest(QStringLiteral("\"%1\" line %2: must be a string").arg(field).arg(i + 1), QStringLiteral("invalid_rule"));
        auto parsed = AccessRule::parse(lines.at(i).toString());
        if (auto *why = std::get_if<QString>(&parsed))
            return ApiError::badRequest(QStringLiteral("\"%1\" line %2 (\"%3\"): %4").arg(field).arg(i + 1).arg(lines.at(i).toString().left(100), *why),
                                        QStringLiteral("invalid_rule"));
        rules.m_rules.append(std::get<AccessRule>(parsed));
    }
    return rules;
}

bool AccessRules::matchesAny(const RequestFacts &facts) const
{
    return std::any_of(m_rules.begin(), m_rules.end(), [&](const AccessRule &r) { return r.matches(facts); });
}

QStringList AccessRules::texts() const
{
    QStringList out;
    for (const AccessRule &r : m_rules)
        out.append(r.text());
    return out;
}

std::optional<ApiError> AccessRules::check(const AccessRules &allow, const AccessRules &deny, const RequestFacts &facts)
{
    if (!allow.isEmpty()) {
        if (allow.matchesAny(facts))
            return std::nullopt;
        return ApiError::forbidden(QStringLiteral("the request matches none of the tenant's allow rules"), QStringLiteral("not_allowed_by_rule"));
    }
    if (deny.matchesAny(facts))
        return ApiError::forbidden(QStringLiteral("the request matches one of the tenant's deny rules"), QStringLiteral("denied_by_rule"));
    return std::nullopt;
}

} // namespace dynaseal

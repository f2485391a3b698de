#pragma once
// Allow and deny rules of a tenant, one per line, "type:value":
//   ip:<address or CIDR>          IPv4 or IPv6 ("ip:10.0.0.0/8", "ip:2001:db8::/32")
//   secret:<regular expression>   matched against the presented credential
//   time:<HH:MM-HH:MM>[ <zone>]   a daily window, start inclusive, end exclusive; it may cross
//                                 midnight; server local time unless an IANA zone follows
// A non-empty allow list lets only matching requests through; a request matching an allow rule
// passes even if it matches a deny rule; otherwise a request matching a deny rule is refused.
#include "server/core/ApiError.h"

#include <QHostAddress>
#include <QJsonValue>
#include <QRegularExpression>
#include <QStringList>
#include <QTimeZone>
#include <optional>
#include <variant>

namespace dynaseal {

struct RequestFacts
{
    QHostAddress clientAddress;
    QByteArray credential; // the secret the client presented
    qint64 nowMs = 0;
};

class AccessRule
{
public:
    // Parses one line; on failure returns the reason in plain words.
    static std::variant<AccessRule, QString> parse(const QString &line);
    bool matches(const RequestFacts &facts) const;
    const QString &text() const { return m_text; }

private:
    enum class Kind { Ip, Secret, Time };
    Kind m_kind = Kind::Ip;
    QString m_text;
    QPair<QHostAddress, int> m_subnet;
    QRegularExpression m_regex;
    int m_startMinute = 0;
    int m_endMinute = 0;
    std::optional<QTimeZone> m_zone;
};

class AccessRules
{
public:
    // `field` names the list in error messages ("allow" or "deny"); errors give the line number.
    static std::variant<AccessRules, ApiError> parse(const QJsonValue &list, const QString &field);
    bool isEmpty() const { return m_rules.isEmpty(); }
    bool matchesAny(const RequestFacts &facts) const;
    QStringList texts() const;

    // The verdict of an allow and a deny list together: nullopt lets the request through.
    static std::optional<ApiError> check(const AccessRules &allow, const AccessRules &deny, const RequestFacts &facts);

private:
    QList<AccessRule> m_rules;
};

} // namespace dynaseal

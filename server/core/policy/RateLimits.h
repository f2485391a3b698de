#pragma once
// A tenant's rate limits, one per line:
//   no-limit                         no rate limit (alone)
//   ingress:N/minute|hour|day        requests to the whole tenant
//   secret:N/minute|hour|day         requests per presented credential (each dynamic or static key)
//   tokens:N/minute|hour|day         tokens billed to the tenant
#include "server/core/ApiError.h"

#include <QJsonValue>
#include <QList>
#include <QStringList>
#include <variant>

namespace dynaseal {

struct RateLimit
{
    enum class Scope { Ingress, Secret, Tokens };
    Scope scope = Scope::Ingress;
    qint64 limit = 0;
    qint64 windowMs = 60'000;
    QString text;
};

class RateLimits
{
public:
    static std::variant<RateLimits, ApiError> parse(const QJsonValue &list);
    const QList<RateLimit> &limits() const { return m_limits; }
    QStringList texts() const;
    bool isEmpty() const { return m_limits.isEmpty(); }

private:
    QList<RateLimit> m_limits;
    bool m_explicitNoLimit = false;
};

} // namespace dynaseal

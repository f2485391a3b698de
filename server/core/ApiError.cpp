#include "server/core/ApiError.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace dynaseal {
namespace {
ApiError make(int status, const char *type, const QString &code, const QString &message)
{
    ApiError e;
    e.status = status;
    e.type = QString::fromLatin1(type);
    e.code = code;
    e.message = message;
    return e;
}
} // namespace

QByteArray ApiError::toJson() const
{
    QJsonObject error{{QStringLiteral("message"), message},
                      {QStringLiteral("type"), type},
                      {QStringLiteral("code"), code}};
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), error}}).toJson(QJsonDocument::Compact);
}

ApiError ApiError::badRequest(const QString &m, const QString &c) { return make(400, "invalid_request_error", c, m); }
ApiError ApiError::unauthorized(const QString &m, const QString &c) { return make(401, "authentication_error", c, m); }
ApiError ApiError::forbidden(const QString &m, const QString &c) { return make(403, "permission_error", c, m); }
ApiError ApiError::notFound(const QString &m, const QString &c) { return make(404, "invalid_request_error", c, m); }
ApiError ApiError::conflict(const QString &m, const QString &c) { return make(409, "invalid_request_error", c, m); }
ApiError ApiError::payloadTooLarge(const QString &m) { return make(413, "invalid_request_error", QStringLiteral("payload_too_large"), m); }
ApiError ApiError::tooManyRequests(const QString &m, const QString &c, qint64 retryAfter)
{
    ApiError e = make(429, "rate_limit_error", c, m);
    e.retryAfterSecs = retryAfter;
    return e;
}
ApiError ApiError::badGateway(const QString &m, const QString &c) { return make(502, "upstream_error", c, m); }
ApiError ApiError::unavailable(const QString &m, const QString &c) { return make(503, "upstream_error", c, m); }
ApiError ApiError::gatewayTimeout(const QString &m) { return make(504, "upstream_error", QStringLiteral("upstream_timeout"), m); }
ApiError ApiError::internal(const QString &m) { return make(500, "server_error", QStringLiteral("internal_error"), m); }

} // namespace dynaseal

#pragma once
// A typed API error: one place maps each kind to its HTTP status and OpenAI-shaped body.
#include <QByteArray>
#include <QString>

namespace dynaseal {

struct ApiError
{
    int status = 500;
    QString type;    // OpenAI "type": invalid_request_error, authentication_error, ...
    QString code;    // machine-readable code, e.g. "invalid_api_key", "budget_exhausted"
    QString message; // plain words; never a secret
    qint64 retryAfterSecs = 0; // > 0 adds Retry-After

    QByteArray toJson() const;

    static ApiError badRequest(const QString &message, const QString &code = QStringLiteral("invalid_request"));
    static ApiError unauthorized(const QString &message, const QString &code = QStringLiteral("invalid_api_key"));
    static ApiError forbidden(const QString &message, const QString &code = QStringLiteral("permission_denied"));
    static ApiError notFound(const QString &message, const QString &code = QStringLiteral("not_found"));
    static ApiError conflict(const QString &message, const QString &code = QStringLiteral("conflict"));
    static ApiError payloadTooLarge(const QString &message);
    static ApiError tooManyRequests(const QString &message, const QString &code, qint64 retryAfterSecs = 0);
    static ApiError badGateway(const QString &message, const QString &code = QStringLiteral("upstream_error"));
    static ApiError unavailable(const QString &message, const QString &code = QStringLiteral("unavailable"));
    static ApiError gatewayTimeout(const QString &message);
    static ApiError internal(const QString &message = QStringLiteral("internal server error"));
};

} // namespace dynaseal

#include "server/core/CallbackBody.h"

#include "shared/Crypto.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace dynaseal {

QByteArray CallbackBody::build(const QString &eventId, const QString &content, qint64 promptTokens,
                               qint64 completionTokens, const QString &model, const QString &tenantId,
                               const QString &requestId, const QString &status, const QString &error)
{
    const qint64 total = promptTokens + completionTokens;
    QJsonObject body{{QStringLiteral("event_id"), eventId},
                     {QStringLiteral("content"), content},
                     {QStringLiteral("tokens"), total},
                     {QStringLiteral("usage"), QJsonObject{{QStringLiteral("prompt_tokens"), promptTokens},
                                                           {QStringLiteral("completion_tokens"), completionTokens},
                                                           {QStringLiteral("total_tokens"), total}}},
                     {QStringLiteral("model"), model},
                     {QStringLiteral("tenant_id"), tenantId},
                     {QStringLiteral("request_id"), requestId},
                     {QStringLiteral("status"), status}};
    if (!error.isEmpty())
        body.insert(QStringLiteral("error"), error);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QByteArray CallbackBody::signature(const QByteArray &secret, qint64 unixSeconds, const QByteArray &body)
{
    const QByteArray t = QByteArray::number(unixSeconds);
    const QByteArray signedPayload = t + '.' + body;
    return "t=" + t + ",v1=" + crypto::hmacSha256Hex(secret, signedPayload);
}

} // namespace dynaseal

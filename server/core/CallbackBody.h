#pragma once
// The JSON body POSTed to a tenant after each proxied request, and its signature header.
#include "shared/Crypto.h"

#include <QByteArray>
#include <QString>

namespace dynaseal {

struct CallbackBody
{
    // `content` is valid UTF-8 (StreamAccounting::content).
    static QByteArray build(const QString &eventId, QByteArrayView content, qint64 promptTokens,
                            qint64 completionTokens, const QString &model, const QString &tenantId,
                            const QString &requestId, const QString &status, const QString &error);
    // "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>"
    static QByteArray signature(const QByteArray &secret, qint64 unixSeconds, const QByteArray &body);
    // The same with the secret prepared once (Tenant::callbackKey): the per-call key set-up was
    // most of the cost of signing. A null key falls back to `secret`.
    static QByteArray signature(const crypto::HmacSha256Key &key, const QByteArray &secret, qint64 unixSeconds,
                                const QByteArray &body);
};

} // namespace dynaseal

#include "server/core/DynamicKeyMinter.h"

#include "shared/Crypto.h"
#include "shared/Jwt.h"

#include <QJsonArray>

namespace dynaseal {

MintedKey DynamicKeyMinter::mint(const Tenant &tenant, const TenantKey &key, const MintInput &input, qint64 nowSecs)
{
    MintedKey minted;
    minted.expiresAtSecs = nowSecs + input.ttlSeconds;
    minted.eventId = input.eventId.isEmpty() ? QStringLiteral("evt_") + QString::fromLatin1(crypto::randomBytes(12).toHex()) : input.eventId;
    QJsonObject payload{{QStringLiteral("api-key"), tenant.id},
                        {QStringLiteral("sub"), tenant.id},
                        {QStringLiteral("max_tokens"), input.maxTokens},
                        {QStringLiteral("expiring"), minted.expiresAtSecs},
                        {QStringLiteral("exp"), minted.expiresAtSecs},
                        {QStringLiteral("iat"), nowSecs},
                        {QStringLiteral("event_id"), minted.eventId},
                        {QStringLiteral("jti"), minted.eventId}};
    if (input.models.size() == 1)
        payload.insert(QStringLiteral("model"), input.models.first());
    else
        payload.insert(QStringLiteral("models"), QJsonArray::fromStringList(input.models));
    minted.token = jwt::signHs256(QJsonObject{{QStringLiteral("kid"), key.id}}, payload, key.secret);
    return minted;
}

} // namespace dynaseal

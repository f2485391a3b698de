#pragma once
// Who is calling the proxy, from what the request presents:
//   /v1/...            a dynamic key in "Authorization: Bearer", or the operator's master key;
//   /t/<tenant>/v1/... the secret at the tenant's key_position, checked by its auth method:
//                      jwt (a dynamic key of this tenant), db (one of its issued keys, for
//                      server-side apps) or regex (a full match of its regular expression).
// Pure: no I/O.
#include "server/core/ApiError.h"
#include "server/core/DynamicKeyVerifier.h"
#include "server/core/Registry.h"
#include "shared/SecretBox.h"

#include <QUrlQuery>
#include <functional>
#include <variant>

namespace dynaseal {

struct Caller
{
    VerifiedKey key;       // tenant, ledger identity, models (empty: any), budget, event id
    QByteArray credential; // what was presented, for secret: rules and per-credential limits
    QString bodyField;     // a body field that carried the secret: removed before forwarding
    bool operatorKey = false;
};

class CallerResolver
{
public:
    static inline const QString kOperatorTenant = QStringLiteral("operator");

    CallerResolver(const DynamicKeyVerifier &verifier, const SecretBox &box, QByteArray operatorKey, const Clock &clock)
        : m_verifier(verifier), m_box(box), m_operatorKey(std::move(operatorKey)), m_clock(clock) {}

    // `tenantId` is empty for /v1/...; `header` looks up a lower-cased header name.
    std::variant<Caller, ApiError> resolve(const RegistrySnapshot &registry, const QString &tenantId,
                                           const std::function<QByteArray(const QByteArray &)> &header,
                                           const rapidjson::Value &body, const QUrlQuery &query) const;

private:
    const DynamicKeyVerifier &m_verifier;
    const SecretBox &m_box;
    QByteArray m_operatorKey;
    const Clock &m_clock;
};

} // namespace dynaseal

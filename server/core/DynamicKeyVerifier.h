#pragma once
// Checks a dynamic key (a JWT minted by a tenant, or by the server for it) against the tenant's
// keys and the claims' rules. Pure: no I/O, time from the given clock.
#include "server/core/ApiError.h"
#include "server/core/Registry.h"
#include "shared/Clock.h"

#include <QByteArrayView>
#include <QStringList>
#include <variant>

namespace dynaseal {

struct VerifiedKey
{
    QString tenantId;
    QString tenantKeyId;
    QString keyHash;     // identifies this dynamic key in the ledger: hex SHA-256 of header.payload
    QStringList models;  // the only models it may call
    qint64 maxTokens = 0;
    qint64 expiresAtSecs = 0;
    QString eventId;
};

class DynamicKeyVerifier
{
public:
    DynamicKeyVerifier(const Clock &clock, qint64 defaultMaxLifetimeSecs)
        : m_clock(clock), m_defaultMaxLifetimeSecs(defaultMaxLifetimeSecs) {}

    std::variant<VerifiedKey, ApiError> verify(QByteArrayView token, const RegistrySnapshot &registry) const;

private:
    const Clock &m_clock;
    qint64 m_defaultMaxLifetimeSecs;
};

} // namespace dynaseal

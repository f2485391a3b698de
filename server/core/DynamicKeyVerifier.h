#pragma once
// Checks a dynamic key (a JWT minted by a tenant, or by the server for it) against the tenant's
// keys and the claims' rules. No I/O, time from the given clock.
#include "server/core/ApiError.h"
#include "server/core/Registry.h"
#include "shared/Clock.h"

#include <QByteArrayView>
#include <QStringList>
#include <memory>
#include <optional>
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

// The part of a key's acceptance that moves with the clock: checked on every use, cached or not.
struct KeyTimeLimits
{
    double expiry = 0;               // "expiring", else "exp" (Unix seconds)
    std::optional<double> notBefore; // "nbf"
    std::optional<double> issuedAt;  // "iat"
    qint64 maxLifetimeSecs = 0;      // the tenant's cap, else the server default
};

class VerifiedKeyCache;

// Keeps the keys it accepted in a VerifiedKeyCache, so a key presented again (a device sends the
// same dynamic key with each request) costs a lookup and the clock checks instead of parsing and
// HMAC. The cache has no locks: an instance, even a const one, must only ever be used from one
// thread (each server worker thread owns its own verifier).
class DynamicKeyVerifier
{
public:
    static constexpr int kDefaultCacheCapacity = 10'000;

    // cacheCapacity 0 turns the cache off: every call runs the full verification.
    DynamicKeyVerifier(const Clock &clock, qint64 defaultMaxLifetimeSecs, int cacheCapacity = kDefaultCacheCapacity);
    ~DynamicKeyVerifier();
    DynamicKeyVerifier(const DynamicKeyVerifier &) = delete;
    DynamicKeyVerifier &operator=(const DynamicKeyVerifier &) = delete;

    // Same answer with or without the cache. `registry` must not change after it was passed here
    // (snapshots never do: changes build a new one).
    std::variant<VerifiedKey, ApiError> verify(QByteArrayView token, const RegistrySnapshot &registry) const;

private:
    std::variant<VerifiedKey, ApiError> verifyFully(QByteArrayView token, const RegistrySnapshot &registry, double now,
                                                    KeyTimeLimits *limits) const;
    double nowSecs() const;

    const Clock &m_clock;
    qint64 m_defaultMaxLifetimeSecs;
    std::unique_ptr<VerifiedKeyCache> m_cache; // null when off; changed by the const verify()
};

} // namespace dynaseal

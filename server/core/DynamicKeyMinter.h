#pragma once
// Signs dynamic keys in the Dynaseal format (with the standard claims alongside), as tenants do.
#include "server/core/AdminInput.h"
#include "server/core/Registry.h"

namespace dynaseal {

struct MintedKey
{
    QByteArray token;
    qint64 expiresAtSecs = 0;
    QString eventId;
};

class DynamicKeyMinter
{
public:
    // `key` must be an HS256 key of `tenant`. A missing event id is generated.
    static MintedKey mint(const Tenant &tenant, const TenantKey &key, const MintInput &input, qint64 nowSecs);
};

} // namespace dynaseal

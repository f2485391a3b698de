#pragma once
// The credential in an Authorization header: the token after "Bearer " (any case), trimmed; empty
// when the header is missing or of another scheme. One reading for the proxy's callers and the
// admin, key-minting and event endpoints.
#include <QByteArray>

namespace dynaseal {

inline QByteArray bearerToken(const QByteArray &authorizationHeader)
{
    const QByteArray value = authorizationHeader.trimmed();
    if (value.size() > 7 && value.left(7).compare("bearer ", Qt::CaseInsensitive) == 0)
        return value.mid(7).trimmed();
    return {};
}

} // namespace dynaseal

#pragma once
// Operator passwords: scrypt (OpenSSL EVP_PBE_scrypt), self-describing encoded form.
#include <QString>

namespace dynaseal::passwordhash {

// Returns "scrypt$<logN>$<r>$<p>$<salt b64url>$<hash b64url>". Takes ~50-100 ms on purpose:
// never call it on a request-serving thread.
QString hash(const QString &password);
// Constant-time comparison of the derived hash; false for any malformed `encoded`.
bool verify(const QString &password, const QString &encoded);

} // namespace dynaseal::passwordhash

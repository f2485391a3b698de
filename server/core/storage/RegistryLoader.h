#pragma once
// Builds the in-memory registry snapshot from the database, opening sealed secrets.
#include "server/core/Registry.h"
#include "server/core/storage/SqlSession.h"
#include "shared/SecretBox.h"

namespace dynaseal {

class RegistryLoader
{
public:
    // Throws DbError if a sealed secret cannot be opened (wrong master key).
    static std::shared_ptr<const RegistrySnapshot> load(SqlSession &s, const SecretBox &box);
    // The stored registry's version. Every change to tenants, keys, upstreams or rules adds one in
    // its own transaction (bumpVersion), so servers sharing a database notice each other's changes
    // with one small read (ServerApp::refreshRegistry).
    static qint64 storedVersion(SqlSession &s);
    static void bumpVersion(SqlSession &s);
};

} // namespace dynaseal

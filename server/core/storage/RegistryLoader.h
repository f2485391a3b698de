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
    // After a change to tenants, keys, upstreams or rules, in the change's own transaction: raises
    // the stored version, then loads. Servers sharing the database notice the change from that
    // version with one small read (ServerApp::refreshRegistry).
    static std::shared_ptr<const RegistrySnapshot> loadChanged(SqlSession &s, const SecretBox &box);
    // The stored registry's version: what loadChanged() raised it to last.
    static qint64 storedVersion(SqlSession &s);
};

} // namespace dynaseal

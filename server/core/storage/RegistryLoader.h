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
};

} // namespace dynaseal

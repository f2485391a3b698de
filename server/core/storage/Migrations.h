#pragma once
// Versioned schema migrations. SQL here runs unchanged on SQLite and PostgreSQL.
#include "server/core/storage/SqlSession.h"

namespace dynaseal {

class Migrations
{
public:
    // Applies every migration newer than the stored version, each in its own transaction.
    static void apply(SqlSession &session);
    static int latestVersion();
};

} // namespace dynaseal

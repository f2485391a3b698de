#pragma once
// SQLite connections and transactions for the tests of the write-ahead log's parts
// (WalCheckpointer, WalWriteBuffer), on real files.
#include <QString>

struct sqlite3;

namespace dynaseal::test {

// A connection to `path` in WAL mode with synchronous=NORMAL, as the database thread's, with
// SQLite's own checkpoints off and a table t (id, n, v); through the SQLite VFS `vfs` if given.
// Null if it cannot open.
sqlite3 *openWalConnection(const QString &path, const char *vfs = nullptr);

// One transaction: `rows` rows of about a page each (about `rows` frames in the log), then the
// last 50 rows rewritten `rewrites` times (with a small cache, pages leave it and come back from
// the log mid-transaction). SQLITE_OK, or the error code of a transaction that was rolled back.
int commitPages(sqlite3 *db, int rows, int rewrites = 0);

} // namespace dynaseal::test

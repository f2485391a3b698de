#include "tests/support/WalConnection.h"

#include <QUrl>
#include <sqlite3.h>

namespace dynaseal::test {

sqlite3 *openWalConnection(const QString &path, const char *vfs)
{
    sqlite3 *db = nullptr;
    const QByteArray name = vfs ? "file:" + QUrl::toPercentEncoding(path, "/") + "?vfs=" + vfs : path.toUtf8();
    if (sqlite3_open_v2(name.constData(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return nullptr;
    }
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
                     " CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, n INTEGER, v BLOB)", nullptr, nullptr, nullptr);
    return db;
}

int commitPages(sqlite3 *db, int rows, int rewrites)
{
    if (const int rc = sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr); rc != SQLITE_OK)
        return rc;
    sqlite3_stmt *insert = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO t (n, v) VALUES (1, randomblob(3000))", -1, &insert, nullptr);
    int rc = SQLITE_DONE;
    for (int i = 0; i < rows && rc == SQLITE_DONE; ++i) {
        rc = sqlite3_step(insert);
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    for (int i = 0; i < rewrites && rc == SQLITE_DONE; ++i)
        rc = sqlite3_exec(db, "UPDATE t SET n = n + 1, v = randomblob(3000) WHERE id > (SELECT max(id) FROM t) - 50", nullptr,
                          nullptr, nullptr) == SQLITE_OK ? SQLITE_DONE : sqlite3_errcode(db);
    if (rc != SQLITE_DONE) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return rc;
    }
    rc = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return rc;
}

} // namespace dynaseal::test

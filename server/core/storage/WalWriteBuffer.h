#pragma once
// A SQLite VFS that writes a transaction's write-ahead log in a few system calls instead of two
// per page. SQLite writes each page of a commit to the log as two pwrite()s, the frame's 24-byte
// header and then the page. On the database thread that was 2.3 system calls a proxied call, about
// a quarter of the thread's time (docs/performance-log.md). This VFS keeps the log's consecutive
// writes in memory and passes them on in writes of up to 124 KiB:
//   - when the page of a commit frame (a frame header that names the database's size) has come,
//     inside that write, so a failure still fails the commit and nothing is half-written;
//   - before any other call on the log (a read, a sync, a size, a truncation, a lock, a close)
//     and before a write that does not follow on;
//   - past kMaxBufferBytes.
// So once a commit returns, its frames are in the file, as without this VFS, and no connection
// reads a frame that is still in memory: others only read frames a commit has published in the
// shared index, which it does after its last write. Every other file (the database, journals,
// temporary files) passes straight through.
#include <QtGlobal>

struct sqlite3_vfs;

namespace dynaseal {

class WalWriteBuffer
{
public:
    static constexpr qint64 kMaxBufferBytes = 1 << 20;
    static constexpr const char *kVfsName = "dynaseal-wal";

    // Registers the VFS `name` over the VFS `baseName` (nullptr: SQLite's default), once per name;
    // later calls return the one registered. Returns nullptr if `baseName` does not exist.
    static sqlite3_vfs *registerVfs(const char *name = kVfsName, const char *baseName = nullptr);

    struct Counts
    {
        quint64 logWrites = 0;  // writes SQLite made to a log through the VFS
        quint64 passedOn = 0;   // writes the VFS made to the log files below it
    };
    // Of the VFS `name` since it was registered (zeros if it was not).
    static Counts counts(const char *name = kVfsName);
};

} // namespace dynaseal

#include "server/core/storage/WalWriteBuffer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <sqlite3.h>
#include <vector>

namespace dynaseal {
namespace {

constexpr int kFrameHeaderBytes = 24; // the log's frame header; a page is at least 512 bytes
// The unix VFS writes at most 128 KiB - 1 in one call (it masks the length to 17 bits, and a
// longer write comes back short, as a full disk): whole pages up to that.
constexpr size_t kMaxWriteBytes = 124 * 1024;

// The registered VFS: SQLite's struct first, so SQLite's pointer to it is a pointer to this.
struct BufferingVfs
{
    sqlite3_vfs vfs;
    sqlite3_vfs *below;
    char name[64];
    std::atomic<quint64> logWrites{0};
    std::atomic<quint64> passedOn{0};
};

struct Buffer
{
    std::vector<char> bytes;
    sqlite3_int64 offset = 0;       // of bytes[0] in the file
    bool flushAfterPage = false;    // the last frame header written was a commit's: its page ends it
};

// What SQLite allocates for a file of this VFS (szOsFile): ours, then the file of the VFS below.
struct BufferedFile
{
    sqlite3_file base;
    BufferingVfs *vfs;
    Buffer *buffer; // a log's; nullptr for every other file
    sqlite3_file *below() { return reinterpret_cast<sqlite3_file *>(this + 1); }
};

BufferedFile *cast(sqlite3_file *file)
{
    return reinterpret_cast<BufferedFile *>(file);
}

// A write to the file below, counted.
int writeBelow(BufferedFile *f, const void *data, int amount, sqlite3_int64 offset)
{
    f->vfs->passedOn.fetch_add(1, std::memory_order_relaxed);
    return f->below()->pMethods->xWrite(f->below(), data, amount, offset);
}

int flush(BufferedFile *f)
{
    Buffer *b = f->buffer;
    if (!b || b->bytes.empty())
        return SQLITE_OK;
    int rc = SQLITE_OK;
    for (size_t done = 0; done < b->bytes.size() && rc == SQLITE_OK;) {
        const size_t part = std::min(b->bytes.size() - done, kMaxWriteBytes);
        rc = writeBelow(f, b->bytes.data() + done, int(part), b->offset + sqlite3_int64(done));
        done += part;
    }
    b->bytes.clear(); // also after a failure: SQLite has the error for the transaction they belong to
    b->flushAfterPage = false;
    return rc;
}

int writeLog(BufferedFile *f, const void *data, int amount, sqlite3_int64 offset)
{
    Buffer *b = f->buffer;
    f->vfs->logWrites.fetch_add(1, std::memory_order_relaxed);
    const auto *bytes = static_cast<const char *>(data);
    const bool header = amount == kFrameHeaderBytes;
    // Bytes 4-7 of a frame header: the database's size in pages after a commit, else zero.
    const bool commitHeader = header && (bytes[4] != 0 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0);
    const bool followsOn = !b->bytes.empty() && offset == b->offset + sqlite3_int64(b->bytes.size());
    if (!followsOn) {
        if (const int rc = flush(f); rc != SQLITE_OK)
            return rc;
        if (header) {
            // A frame header never starts a buffer: alone, it may be a checksum rewritten after
            // the commit, with no page behind it. So the first frame's header of a transaction
            // goes alone, and its page starts the buffer.
            b->flushAfterPage = commitHeader;
            return writeBelow(f, data, amount, offset);
        }
        b->offset = offset;
    }
    b->bytes.insert(b->bytes.end(), bytes, bytes + amount);
    if (header) {
        b->flushAfterPage = commitHeader;
        return SQLITE_OK;
    }
    // The page of a commit frame: the commit's last write goes to the file inside it, so a
    // failure fails the commit, and the commit returns with its frames in the file.
    if (b->flushAfterPage || qint64(b->bytes.size()) >= WalWriteBuffer::kMaxBufferBytes)
        return flush(f);
    return SQLITE_OK;
}

// The method `M` of the file below, after the log's buffered bytes: every call but a write.
template <auto M, typename... Args>
int flushThen(sqlite3_file *file, Args... args)
{
    BufferedFile *f = cast(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return (f->below()->pMethods->*M)(f->below(), args...);
}

// The method `M` of the file below, at once: for those that touch no bytes, and the shared-memory
// and memory-map methods, which SQLite calls on the database file (it has no buffer).
template <auto M, typename... Args>
auto passOn(sqlite3_file *file, Args... args)
{
    return (cast(file)->below()->pMethods->*M)(cast(file)->below(), args...);
}

int xClose(sqlite3_file *file)
{
    BufferedFile *f = cast(file);
    const int flushed = flush(f);
    delete f->buffer;
    f->buffer = nullptr;
    const int rc = f->below()->pMethods->xClose(f->below());
    return flushed != SQLITE_OK ? flushed : rc;
}

int xWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset)
{
    BufferedFile *f = cast(file);
    if (f->buffer)
        return writeLog(f, data, amount, offset);
    return f->below()->pMethods->xWrite(f->below(), data, amount, offset);
}

using Methods = sqlite3_io_methods;
constexpr auto xRead = flushThen<&Methods::xRead, void *, int, sqlite3_int64>;
constexpr auto xTruncate = flushThen<&Methods::xTruncate, sqlite3_int64>;
constexpr auto xSync = flushThen<&Methods::xSync, int>;
constexpr auto xFileSize = flushThen<&Methods::xFileSize, sqlite3_int64 *>;
constexpr auto xLock = flushThen<&Methods::xLock, int>;
constexpr auto xUnlock = flushThen<&Methods::xUnlock, int>;
constexpr auto xCheckReservedLock = flushThen<&Methods::xCheckReservedLock, int *>;
constexpr auto xFileControl = flushThen<&Methods::xFileControl, int, void *>;
constexpr auto xSectorSize = passOn<&Methods::xSectorSize>;
constexpr auto xDeviceCharacteristics = passOn<&Methods::xDeviceCharacteristics>;
constexpr auto xShmMap = passOn<&Methods::xShmMap, int, int, int, void volatile **>;
constexpr auto xShmLock = passOn<&Methods::xShmLock, int, int, int>;
constexpr auto xShmBarrier = passOn<&Methods::xShmBarrier>;
constexpr auto xShmUnmap = passOn<&Methods::xShmUnmap, int>;
constexpr auto xFetch = passOn<&Methods::xFetch, sqlite3_int64, int, void **>;
constexpr auto xUnfetch = passOn<&Methods::xUnfetch, sqlite3_int64, void *>;

// Version 3 methods, whatever the file below has: SQLite only calls the shared-memory and
// memory-map methods on a file whose methods have them, so each version's own set is used.
const sqlite3_io_methods *methodsFor(int version)
{
    static const sqlite3_io_methods v3{3, xClose, xRead, xWrite, xTruncate, xSync, xFileSize, xLock, xUnlock,
                                       xCheckReservedLock, xFileControl, xSectorSize, xDeviceCharacteristics,
                                       xShmMap, xShmLock, xShmBarrier, xShmUnmap, xFetch, xUnfetch};
    static const sqlite3_io_methods v2 = [] {
        sqlite3_io_methods m = v3;
        m.iVersion = 2;
        m.xFetch = nullptr;
        m.xUnfetch = nullptr;
        return m;
    }();
    static const sqlite3_io_methods v1 = [] {
        sqlite3_io_methods m = v2;
        m.iVersion = 1;
        m.xShmMap = nullptr;
        m.xShmLock = nullptr;
        m.xShmBarrier = nullptr;
        m.xShmUnmap = nullptr;
        return m;
    }();
    return version >= 3 ? &v3 : version == 2 ? &v2 : &v1;
}

int xOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags)
{
    auto *self = reinterpret_cast<BufferingVfs *>(vfs);
    BufferedFile *f = cast(file);
    f->vfs = self;
    f->buffer = nullptr;
    const int rc = self->below->xOpen(self->below, name, f->below(), flags, outFlags);
    if (rc != SQLITE_OK || !f->below()->pMethods) {
        f->base.pMethods = nullptr; // SQLite calls no method, not even xClose, on a file that did not open
        return rc;
    }
    if (flags & SQLITE_OPEN_WAL) {
        f->buffer = new (std::nothrow) Buffer;
        if (f->buffer)
            f->buffer->bytes.reserve(64 * 1024);
    }
    f->base.pMethods = methodsFor(f->below()->pMethods->iVersion);
    return SQLITE_OK;
}

std::mutex g_registerMutex;

} // namespace

sqlite3_vfs *WalWriteBuffer::registerVfs(const char *name, const char *baseName)
{
    std::lock_guard lock(g_registerMutex);
    if (sqlite3_vfs *existing = sqlite3_vfs_find(name))
        return existing;
    sqlite3_vfs *below = sqlite3_vfs_find(baseName);
    if (!below || std::strlen(name) >= sizeof(BufferingVfs::name))
        return nullptr;
    // Registered for the life of the process, as SQLite's own VFSes are.
    auto *self = new BufferingVfs;
    self->vfs = *below; // the rest of the methods (paths, time, randomness) are the VFS below's
    self->vfs.pNext = nullptr;
    self->vfs.szOsFile = int(sizeof(BufferedFile)) + below->szOsFile;
    std::strcpy(self->name, name);
    self->vfs.zName = self->name;
    self->vfs.xOpen = xOpen;
    self->below = below;
    if (sqlite3_vfs_register(&self->vfs, 0) != SQLITE_OK) {
        delete self;
        return nullptr;
    }
    return &self->vfs;
}

WalWriteBuffer::Counts WalWriteBuffer::counts(const char *name)
{
    std::lock_guard lock(g_registerMutex);
    sqlite3_vfs *vfs = sqlite3_vfs_find(name);
    if (!vfs || vfs->xOpen != xOpen)
        return {};
    const auto *self = reinterpret_cast<const BufferingVfs *>(vfs);
    return {self->logWrites.load(), self->passedOn.load()};
}

} // namespace dynaseal

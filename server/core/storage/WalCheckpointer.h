#pragma once
// Checkpoints SQLite's write-ahead log on a connection and a thread of its own, so that the
// writer does not stop for it. A checkpoint copies every page the log holds into the database
// file and syncs it; run by the writer after a commit (SQLite's wal_autocheckpoint), it held up
// every write queued meanwhile, and the p99 added at 50 connections was about 2 ms higher
// (docs/performance-log.md). On the helper the writer goes on, and the log starts over at the
// writer's next transaction once the helper has copied all of it. Should the helper fall behind,
// the writer still checkpoints itself at a larger size, so the log stays bounded.
#include <QString>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

struct sqlite3;

namespace dynaseal {

class WalCheckpointer
{
public:
    struct Limits
    {
        int helperFrames = 8000;  // the log's pages (about 32 MB) from which the helper checkpoints
        int writerFrames = 32000; // from which the writer checkpoints itself (the helper behind)
    };

    // Watches the commits of `writer`, a connection to the database file at `path` (its WAL hook,
    // which replaces wal_autocheckpoint). The helper's thread and connection start with its first
    // checkpoint: a connection that never writes costs nothing.
    WalCheckpointer(sqlite3 *writer, QString path, Limits limits);
    WalCheckpointer(sqlite3 *writer, QString path) : WalCheckpointer(writer, std::move(path), Limits()) {}
    // Detaches from the writer and waits for a checkpoint under way. Call it on the writer's thread.
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

    // Checkpoints finished so far, by the helper and by the writer itself.
    quint64 helperCheckpoints() const { return m_helperDone.load(); }
    quint64 writerCheckpoints() const { return m_writerDone.load(); }

private:
    static int onCommit(void *self, sqlite3 *writer, const char *schema, int frames);
    void askHelper();
    void helperMain();

    sqlite3 *m_writer;
    const QString m_path;
    const Limits m_limits;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_asked = false;   // under m_mutex
    bool m_working = false; // under m_mutex
    bool m_stopping = false; // under m_mutex
    std::atomic<bool> m_helperFailed{false}; // its connection did not open: the writer checkpoints at helperFrames
    std::atomic<quint64> m_helperDone{0};
    std::atomic<quint64> m_writerDone{0};
};

} // namespace dynaseal

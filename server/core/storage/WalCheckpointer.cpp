#include "server/core/storage/WalCheckpointer.h"

#include <QLoggingCategory>

#include <pthread.h>
#include <sqlite3.h>

Q_LOGGING_CATEGORY(lcCheckpoint, "dynaseal.db")

namespace dynaseal {

WalCheckpointer::WalCheckpointer(sqlite3 *writer, QString path, Limits limits)
    : m_writer(writer), m_path(std::move(path)), m_limits(limits)
{
    sqlite3_wal_hook(m_writer, &WalCheckpointer::onCommit, this);
}

WalCheckpointer::~WalCheckpointer()
{
    sqlite3_wal_hook(m_writer, nullptr, nullptr);
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    if (m_thread.joinable())
        m_thread.join();
}

int WalCheckpointer::onCommit(void *self, sqlite3 *writer, const char *schema, int frames)
{
    auto *c = static_cast<WalCheckpointer *>(self);
    const int writerFrames = c->m_helperFailed.load() ? c->m_limits.helperFrames : c->m_limits.writerFrames;
    if (frames >= writerFrames) {
        // PASSIVE, as wal_autocheckpoint: copies what no reader still needs, waits for nobody.
        if (sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) == SQLITE_OK)
            ++c->m_writerDone;
    } else if (frames >= c->m_limits.helperFrames) {
        c->askHelper();
    }
    return SQLITE_OK;
}

void WalCheckpointer::askHelper()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_working || m_stopping)
            return; // the one under way copies these pages too, or the next commit asks again
        m_asked = true;
        if (!m_thread.joinable())
            m_thread = std::thread([this] { helperMain(); });
    }
    m_wake.notify_one();
}

void WalCheckpointer::helperMain()
{
    pthread_setname_np(pthread_self(), "db-checkpoint");
    sqlite3 *db = nullptr;
    // Its own connection: a checkpoint on the writer's would take the writer's mutex throughout.
    if (sqlite3_open_v2(m_path.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        qCWarning(lcCheckpoint) << "the checkpoint connection did not open; the writer checkpoints itself:"
                                << (db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        m_helperFailed = true;
        std::lock_guard lock(m_mutex);
        m_asked = false;
        return;
    }
    // A connection sees the log only once it has read the database: before that, a checkpoint
    // finds no log and copies nothing.
    sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
    // As the writer's, and set here rather than left to the build's default: in WAL mode NORMAL
    // still syncs the database file before the log may start over.
    sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_working = false;
            m_wake.wait(lock, [this] { return m_asked || m_stopping; });
            if (m_stopping)
                break;
            m_asked = false;
            m_working = true;
        }
        if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) == SQLITE_OK)
            ++m_helperDone;
    }
    sqlite3_close(db);
}

} // namespace dynaseal

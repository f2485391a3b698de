#pragma once
// The one database connection, owned by a dedicated thread: request-serving threads never block
// on SQL. Write jobs queued together commit in one transaction (group commit); when one fails,
// the batch rolls back and its jobs run again one by one, so the others' writes are kept once.
// Rollups and counters the jobs add are summed per row and written just before the commit.
// Results come back on the caller's thread, after the commit. On PostgreSQL a job that failed
// because the server ended the connection runs again on a new one, unless its batch may have
// committed; a batch someone waits on that was cut off during its COMMIT is looked up by its
// transaction id first.
#include "server/core/storage/SqlSession.h"
#include "shared/AdaptiveMutex.h"

#include <QAbstractEventDispatcher>
#include <QObject>
#include <QPointer>
#include <QString>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace dynaseal {

class WalCheckpointer;

template<typename R>
struct DbOutcome
{
    std::optional<R> value;
    QString error; // set when the job threw; its writes were rolled back
    bool ok() const { return value.has_value(); }
};

class Database
{
public:
    Database();
    ~Database();

    // Opens the connection on the database thread and applies pending migrations. Blocks; call
    // once at start-up. `url` is "sqlite:PATH" or "postgres://user:pass@host:port/db[?keyword=value&…]"
    // (PostgresConnection).
    // `threadName` is what `top -H` shows (at most 15 characters). A PostgreSQL that does not
    // answer yet, or says it is starting, is tried again every second for up to `waitForPostgres`
    // (a database and the server started together); one that answers and refuses (a wrong
    // password, no such database) fails at once.
    bool open(const QString &url, QString *error, const char *threadName = "database",
              std::chrono::seconds waitForPostgres = std::chrono::seconds(0));
    void close();

    // Runs `work` inside the shared write transaction; `done` then runs on `context`'s thread
    // (dropped if `context` is gone).
    template<typename R>
    void write(std::function<R(SqlSession &)> work, QObject *context, std::function<void(DbOutcome<R>)> done)
    {
        enqueue(true, wrap(std::move(work), context, std::move(done)));
    }
    // Like write(), for work nobody waits on (usage outcomes, callback states): it may wait up to
    // the group-commit window for other writes to share its transaction. At a modest load, each
    // request would otherwise commit alone, and a commit costs far more than the rows it adds.
    template<typename R>
    void writeInBatch(std::function<R(SqlSession &)> work, QObject *context, std::function<void(DbOutcome<R>)> done)
    {
        Job job = wrap(std::move(work), context, std::move(done));
        job.canWait = true;
        enqueue(true, std::move(job));
    }
    // How long a writeInBatch() job may wait for others; any other job ends the wait at once.
    void setGroupCommitWindow(std::chrono::microseconds window);

    // Runs `work` outside any transaction (reads).
    template<typename R>
    void read(std::function<R(SqlSession &)> work, QObject *context, std::function<void(DbOutcome<R>)> done)
    {
        enqueue(false, wrap(std::move(work), context, std::move(done)));
    }
    // Runs a job and waits for it: only for start-up, shutdown and tests.
    template<typename R>
    DbOutcome<R> runBlocking(std::function<R(SqlSession &)> work, bool inTransaction = true)
    {
        auto outcome = std::make_shared<DbOutcome<R>>();
        auto doneFlag = std::make_shared<std::promise<void>>();
        auto future = doneFlag->get_future();
        Job job;
        job.run = [work = std::move(work), outcome](SqlSession &s) { outcome->value = work(s); };
        job.fail = [outcome](const QString &e) { outcome->value.reset(); outcome->error = e; };
        job.deliver = [doneFlag] { doneFlag->set_value(); };
        job.deliverOnDbThread = true;
        enqueue(inTransaction, std::move(job));
        future.wait();
        return std::move(*outcome);
    }
    // Blocks until every job queued so far has run and delivered.
    void flush();

    // How many write jobs have been queued since start. A read on another connection that must see
    // what was written before it (an admin list right after a change) takes this number first and
    // passes it to waitForWrites() on its own thread.
    quint64 writesQueued() const;
    // Blocks until the first `count` write jobs have committed or failed, the database is closed,
    // or `timeout` passes; true in the first case. Writes waiting for the group-commit window go
    // at once. Never on a serving thread.
    bool waitForWrites(quint64 count, std::chrono::milliseconds timeout) const;

    bool isPostgres() const { return m_postgres; }
    qint64 queuedJobs() const;
    // Write transactions committed and the write jobs they carried, since start: their ratio is
    // the mean batch size, which shows whether group commit is working under load.
    qint64 writeBatches() const { return m_writeBatches.load(std::memory_order_relaxed); }
    qint64 writeJobs() const { return m_writeJobs.load(std::memory_order_relaxed); }

private:
    struct Job
    {
        std::function<void(SqlSession &)> run;
        std::function<void(const QString &)> fail;
        std::function<void()> deliver;
        QPointer<QObject> context;
        // The event loop of the context's thread, taken when the job is made (on that thread):
        // the results of one batch reach each thread in one posted event.
        QPointer<QAbstractEventDispatcher> inbox;
        bool deliverOnDbThread = false;
        bool canWait = false; // writeInBatch(): nobody waits on it
    };

    template<typename R>
    Job wrap(std::function<R(SqlSession &)> work, QObject *context, std::function<void(DbOutcome<R>)> done)
    {
        auto outcome = std::make_shared<DbOutcome<R>>();
        Job job;
        job.run = [work = std::move(work), outcome](SqlSession &s) { outcome->value = work(s); };
        job.fail = [outcome](const QString &e) { outcome->value.reset(); outcome->error = e; };
        job.deliver = [done = std::move(done), outcome] { done(std::move(*outcome)); };
        job.context = context;
        if (context)
            job.inbox = QAbstractEventDispatcher::instance(context->thread());
        return job;
    }

    void enqueue(bool write, Job job);
    QString openOnThread(const QString &url, const char *threadName, std::chrono::seconds waitForPostgres);
    // PostgreSQL: a new connection when a statement found the old one gone (or there is none);
    // when PostgreSQL refuses it, the jobs fail, saying why, until a later batch connects.
    void reconnectIfLost();
    void dropLostConnection(); // the lost session and its connection, quietly
    // After a batch's connection ended as it committed, and a new one was opened: "committed",
    // "aborted", or empty if PostgreSQL cannot tell (its backend still at it after 5 s, or gone).
    QString lostCommitOutcome(const SqlSession::TransactionId &transaction);

    void threadMain();
    void runBatch(std::deque<std::pair<bool, Job>> &batch);
    void runRead(Job &job);
    // Fails the jobs whose writes were not kept; `reconnected`: the batch's second run, on a new
    // connection after PostgreSQL ended the first.
    void commitWrites(const std::vector<Job *> &writes, bool reconnected = false);
    void writesFinished(size_t count);
    static void deliver(Job &job);
    static void deliverAll(const std::vector<Job *> &jobs); // grouped by receiving thread

    std::thread m_thread;
    // Every serving thread enqueues here on every request: the lock spins before it sleeps (see
    // AdaptiveMutex), so the condition variable is one that works with any lock.
    mutable AdaptiveMutex m_mutex;
    mutable std::condition_variable_any m_wake;
    std::deque<std::pair<bool, Job>> m_queue;
    size_t m_urgentQueued = 0;                        // queued jobs that may not wait
    std::chrono::steady_clock::time_point m_queuedAt; // when the queue last became non-empty
    std::chrono::microseconds m_groupCommitWindow;
    bool m_stopping = false;
    bool m_postgres = false;
    quint64 m_writesQueued = 0; // under m_mutex
    mutable int m_readersWaiting = 0; // in waitForWrites(), under m_mutex: ends the group-commit wait
    // Write jobs taken from the queue and finished, in queue order: waitForWrites() waits on it.
    mutable std::mutex m_finishedMutex;
    mutable std::condition_variable m_finishedChanged;
    quint64 m_writesFinished = 0;
    bool m_closed = false; // under m_finishedMutex
    std::unique_ptr<SqlSession> m_session; // used on the database thread only
    QString m_connectionName;              // Qt's, for the connection m_session uses
    QString m_notOpen = QStringLiteral("database is not open"); // the jobs' error while m_session is null
    std::unique_ptr<WalCheckpointer> m_checkpointer; // SQLite: its log's checkpoints; on the database thread
    std::atomic<qint64> m_writeBatches{0};
    std::atomic<qint64> m_writeJobs{0};
};

} // namespace dynaseal

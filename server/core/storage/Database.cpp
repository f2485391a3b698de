#include "server/core/storage/Database.h"

#include "server/core/storage/Migrations.h"
#include "server/core/storage/PostgresConnection.h"
#include "server/core/storage/WalCheckpointer.h"
#include "server/core/storage/WalWriteBuffer.h"

#include <QLoggingCategory>
#include <QMetaObject>
#include <QSqlDriver>
#include <QSqlError>
#include <QUrl>
#include <QUuid>
#include <algorithm>
#include <chrono>
#include <pthread.h>
#include <sqlite3.h>

Q_LOGGING_CATEGORY(lcDb, "dynaseal.db")

namespace dynaseal {
namespace {
// Most jobs one transaction takes: bounds commit latency under a flood of writes.
constexpr size_t kMaxBatch = 512;
// A transaction of writes nobody waits on (writeInBatch) waits this long for more (by default;
// --commit-window-ms sets it), or until this many are queued: every commit writes each page it
// touched to the WAL again, so a few larger commits write far fewer pages than many small ones.
// Any other job, or a reader in waitForWrites(), ends the wait at once.
constexpr auto kGroupCommitWindow = std::chrono::milliseconds(2);
constexpr size_t kLingerUntil = 96;

// Why opening failed, on one line: the database's own words (libpq's run over several lines)
// without the driver's "Unable to connect" after them.
QString openError(const QSqlDatabase &db)
{
    const QSqlError error = db.lastError();
    return (error.databaseText().isEmpty() ? error.text() : error.databaseText()).simplified();
}

// After a failed first connection to PostgreSQL: while it does not answer, or says it is starting,
// tries again every second for up to `wait`. Empty once connected, else why not, on one line.
QString connectOncePostgresIsUp(QSqlDatabase &db, const PostgresConnection &postgres, std::chrono::seconds wait)
{
    const auto giveUpAt = std::chrono::steady_clock::now() + wait;
    bool waiting = false;
    for (;;) {
        const QString why = openError(db);
        if (std::chrono::steady_clock::now() >= giveUpAt) {
            return waiting ? QStringLiteral("PostgreSQL did not take connections within %1 s; the last attempt: %2").arg(wait.count()).arg(why)
                           : why;
        }
        if (!postgres.mayStillComeUp()) {
            // It answers now. It may have come up since that attempt, so one more before giving up.
            if (db.open())
                break;
            return openError(db);
        }
        if (!waiting) {
            qCWarning(lcDb).noquote() << QStringLiteral("PostgreSQL does not take connections yet (%1); trying again every second for up to %2 s")
                                             .arg(why, QString::number(wait.count()));
            waiting = true;
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
        if (db.open())
            break;
    }
    if (waiting)
        qCInfo(lcDb) << "connected to PostgreSQL";
    return {};
}
} // namespace

Database::Database()
    : m_groupCommitWindow(kGroupCommitWindow)
{
}

Database::~Database()
{
    close();
}

bool Database::open(const QString &url, QString *error, const char *threadName, std::chrono::seconds waitForPostgres)
{
    m_postgres = url.startsWith(QLatin1String("postgres"));
    std::promise<QString> opened;
    auto openedFuture = opened.get_future();
    // The connection must be created on the thread that uses it, so the thread opens it first.
    m_thread = std::thread([this, url, &opened, threadName, waitForPostgres] {
        pthread_setname_np(pthread_self(), threadName); // as top -H and the bench's CPU per thread show it
        opened.set_value(openOnThread(url, threadName, waitForPostgres));
        threadMain();
    });
    const QString failure = openedFuture.get();
    if (!failure.isEmpty()) {
        *error = failure;
        close();
        return false;
    }
    return true;
}

QString Database::openOnThread(const QString &url, const char *threadName, std::chrono::seconds waitForPostgres)
{
    const QString connectionName = QStringLiteral("dynaseal-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSqlDatabase db;
    QString path; // SQLite's file
    std::optional<PostgresConnection> postgres;
    if (m_postgres) {
        // The name shows in pg_stat_activity.application_name.
        QString why;
        postgres = PostgresConnection::fromUrl(url, QStringLiteral("dynaseal-") + QLatin1String(threadName), &why);
        if (!postgres)
            return QStringLiteral("the database URL %1").arg(why);
        db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
        postgres->applyTo(db);
    } else {
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
        path = url.mid(int(qstrlen("sqlite:")));
        // Through WalWriteBuffer: a commit's log in a few writes instead of two per page.
        if (WalWriteBuffer::registerVfs()) {
            db.setDatabaseName(QStringLiteral("file:") + QString::fromLatin1(QUrl::toPercentEncoding(path, "/"))
                               + QStringLiteral("?vfs=") + QLatin1String(WalWriteBuffer::kVfsName));
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000;QSQLITE_OPEN_URI"));
        } else {
            db.setDatabaseName(path);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        }
    }
    m_connectionName = connectionName;
    if (!db.open()) {
        // The driver's text names the address and the database, never the password.
        const QString why = postgres ? connectOncePostgresIsUp(db, *postgres, waitForPostgres) : openError(db);
        if (!why.isEmpty())
            return QStringLiteral("cannot open database: ") + why;
    }
    m_session = std::make_unique<SqlSession>(db, m_postgres);
    try {
        if (!m_postgres) {
            // WAL: readers never block the writer; NORMAL sync survives a process crash.
            m_session->execRaw(QStringLiteral("PRAGMA journal_mode=WAL"));
            m_session->execRaw(QStringLiteral("PRAGMA synchronous=NORMAL"));
            m_session->execRaw(QStringLiteral("PRAGMA foreign_keys=ON"));
            // Checkpoints every 8,000 pages (32 MB of log) instead of SQLite's 1,000: the pages
            // every call rewrites (index nodes, rollups, spends) are copied to the file once per
            // checkpoint, so fewer checkpoints copy fewer pages a call. The database thread took
            // about 8 % less time a call at saturation. They run on a helper connection, so the
            // writer does not stop for them (docs/performance-log.md).
            const QVariant handle = m_session->connection().driver()->handle();
            if (handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0)
                m_checkpointer = std::make_unique<WalCheckpointer>(*static_cast<sqlite3 *const *>(handle.constData()), path);
        }
        Migrations::apply(*m_session);
    } catch (const DbError &e) {
        return e.message();
    }
    return {};
}

void Database::close()
{
    if (!m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void Database::enqueue(bool write, Job job)
{
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        const bool urgent = !job.canWait;
        if (m_queue.empty())
            m_queuedAt = std::chrono::steady_clock::now();
        m_queue.emplace_back(write, std::move(job));
        if (write)
            ++m_writesQueued;
        if (urgent)
            ++m_urgentQueued;
        // The thread waits for the first job, or, lingering, for a full batch or one that may not
        // wait: waking it for every job in between would only cost system calls.
        wake = m_queue.size() == 1 || m_queue.size() == kLingerUntil || (urgent && m_urgentQueued == 1);
    }
    if (wake)
        m_wake.notify_one();
}

void Database::setGroupCommitWindow(std::chrono::microseconds window)
{
    std::lock_guard lock(m_mutex);
    m_groupCommitWindow = window;
}

void Database::flush()
{
    // A write job: it commits with, and is delivered after, the writes queued before it.
    runBlocking<bool>([](SqlSession &) { return true; });
}

quint64 Database::writesQueued() const
{
    std::lock_guard lock(m_mutex);
    return m_writesQueued;
}

bool Database::waitForWrites(quint64 count, std::chrono::milliseconds timeout) const
{
    {
        std::unique_lock lock(m_finishedMutex);
        if (m_writesFinished >= count || m_closed)
            return m_writesFinished >= count;
    }
    {
        // Somebody waits now: writes lingering for the group-commit window go at once.
        std::lock_guard lock(m_mutex);
        ++m_readersWaiting;
    }
    m_wake.notify_one();
    bool done = false;
    {
        std::unique_lock lock(m_finishedMutex);
        m_finishedChanged.wait_for(lock, timeout, [this, count] { return m_writesFinished >= count || m_closed; });
        done = m_writesFinished >= count;
    }
    std::lock_guard lock(m_mutex);
    --m_readersWaiting;
    return done;
}

qint64 Database::queuedJobs() const
{
    std::lock_guard lock(m_mutex);
    return qint64(m_queue.size());
}

void Database::threadMain()
{
    for (;;) {
        std::deque<std::pair<bool, Job>> batch;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty() && m_stopping)
                break;
            if (m_urgentQueued == 0 && m_readersWaiting == 0 && m_queue.size() < kLingerUntil && !m_stopping)
                m_wake.wait_until(lock, m_queuedAt + m_groupCommitWindow, [this] {
                    return m_stopping || m_urgentQueued > 0 || m_readersWaiting > 0 || m_queue.size() >= kLingerUntil;
                });
            while (!m_queue.empty() && batch.size() < kMaxBatch) {
                if (!m_queue.front().second.canWait)
                    --m_urgentQueued;
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        runBatch(batch);
    }
    {
        std::lock_guard lock(m_finishedMutex);
        m_closed = true;
    }
    m_finishedChanged.notify_all();
    m_checkpointer.reset(); // before its writer's connection closes
    if (!m_connectionName.isEmpty()) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
            m_session.reset(); // its statements first, while the connection can still free them
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

void Database::reconnectIfLost()
{
    QString lost;
    if (m_session && !m_session->connectionLost(&lost))
        return;
    if (m_session) {
        qCWarning(lcDb).noquote() << QStringLiteral("the connection to PostgreSQL was lost (%1) - connecting again").arg(lost);
        dropLostConnection();
    }
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    db.close();
    if (!db.open()) {
        // The jobs fail with this until a later batch connects; those that must not be lost are
        // written again by their callers (a call's outcome, a callback's record).
        const QString why = QStringLiteral("the connection to PostgreSQL was lost and cannot be opened again: %1").arg(openError(db));
        if (why != m_notOpen)
            qCWarning(lcDb).noquote() << why << "- trying again with the next job";
        m_notOpen = why;
        return;
    }
    m_session = std::make_unique<SqlSession>(db, true);
    m_notOpen = QStringLiteral("database is not open");
    qCInfo(lcDb) << "connected to PostgreSQL again";
}

void Database::dropLostConnection()
{
    // Qt's driver frees each prepared statement as its query goes, with a DEALLOCATE that on a lost
    // connection only warns ("Unable to free statement"), once for every statement. So the old
    // connection is removed first, its driver with it, and the statements then go quietly; a copy
    // of its settings, under a new name, is what connects next.
    const QString lostName = m_connectionName;
    m_connectionName = QStringLiteral("dynaseal-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSqlDatabase::cloneDatabase(lostName, m_connectionName);
    std::unique_ptr<SqlSession> lost = std::move(m_session);
    lost->releaseConnection();
    QSqlDatabase::removeDatabase(lostName);
}

void Database::runBatch(std::deque<std::pair<bool, Job>> &batch)
{
    // A connection an earlier statement found gone, or none since PostgreSQL refused a new one:
    // this batch connects (again). Otherwise only libpq's status is read, no system call.
    if (m_postgres && !m_connectionName.isEmpty())
        reconnectIfLost();
    // Reads run first and alone; writes share one transaction.
    std::vector<Job *> writes;
    for (auto &[isWrite, job] : batch) {
        if (isWrite) {
            writes.push_back(&job);
            continue;
        }
        runRead(job);
        if (m_session)
            m_session->finishQueries();
        deliver(job);
    }
    if (writes.empty())
        return;

    if (!m_session) {
        for (Job *job : writes) {
            job->fail(m_notOpen);
            deliver(*job);
        }
        writesFinished(writes.size());
        return;
    }
    commitWrites(writes);
    writesFinished(writes.size());
    m_writeBatches.fetch_add(1, std::memory_order_relaxed);
    m_writeJobs.fetch_add(qint64(writes.size()), std::memory_order_relaxed);
    deliverAll(writes);
}

void Database::runRead(Job &job)
{
    // A read changes nothing, so one that failed because PostgreSQL ended the connection (a
    // restart, a failover, pg_terminate_backend) runs again on a new connection.
    for (int attempt = 1;; ++attempt) {
        try {
            if (!m_session)
                throw DbError(m_notOpen);
            job.run(*m_session);
        } catch (const DbError &e) {
            if (attempt == 1 && m_session && m_session->connectionLost()) {
                reconnectIfLost();
                continue;
            }
            job.fail(e.message());
        } catch (const std::exception &e) {
            job.fail(QString::fromUtf8(e.what()));
        }
        return;
    }
}

void Database::writesFinished(size_t count)
{
    {
        std::lock_guard lock(m_finishedMutex);
        m_writesFinished += count;
    }
    m_finishedChanged.notify_all();
}

void Database::commitWrites(const std::vector<Job *> &writes, bool reconnected)
{
    using Tx = SqlSession::Tx;
    if (!m_session) { // PostgreSQL refused a new connection during the one-by-one pass
        for (Job *job : writes)
            job->fail(m_notOpen);
        return;
    }
    SqlSession &session = *m_session;
    // No savepoint per job: SQLite copies each page a savepoint changes to a sub-journal (a file
    // once it outgrows 64 KB), which cost more than the jobs themselves. Failures are rare: when a
    // job fails, the whole batch rolls back and its jobs run again one by one, each alone in a
    // transaction, so the others' writes (and rollups) are kept exactly once.
    QString error;
    bool jobFailed = false; // a job threw: the batch rolls back, and its jobs run one by one
    bool failed = false;    // BEGIN, the deferred rows or COMMIT threw
    bool committing = false;
    session.beginBatch();
    // A batch with a job someone waits on (an admin change, a call's start) asks for its
    // transaction's id, so that a COMMIT cut off with the connection can be looked up. One of
    // outcomes and callback states only does not: those are written again by their callers anyway,
    // and the hot path pays nothing for it.
    const bool tracked = std::any_of(writes.begin(), writes.end(), [](const Job *job) { return !job->canWait; });
    try {
        if (tracked)
            session.beginWithId();
        else
            session.tx(Tx::Begin);
        for (Job *job : writes) {
            try {
                job->run(session);
                if (!session.inTransaction())
                    throw DbError(QStringLiteral("a write job ended the batch's transaction"));
                session.endJob();
            } catch (const std::exception &e) {
                jobFailed = true;
                error = QString::fromUtf8(e.what());
                break;
            }
        }
        if (!jobFailed) {
            session.flushDeferred();
            committing = true;
            session.tx(Tx::Commit);
        }
    } catch (const DbError &e) {
        failed = true;
        if (error.isEmpty())
            error = e.message();
    }
    if ((jobFailed || failed) && !session.connectionLost()) { // nothing to roll back on a connection that is gone
        try {
            session.tx(Tx::Rollback);
        } catch (const DbError &) {
        }
    }
    session.discardBatch();
    session.finishQueries();
    if (error.isEmpty())
        return;
    if (session.connectionLost()) {
        // PostgreSQL ended the connection under the batch. Before COMMIT was sent it rolled the
        // transaction back, so the batch runs again, once, on a new connection. A COMMIT may have
        // been carried out before the end: for a tracked batch the new connection asks PostgreSQL
        // what became of the transaction. Stored, the batch is done; rolled back, it runs again.
        // If that cannot be told (or the batch was not tracked), running the jobs again could
        // store them twice, so they fail, and whatever must not be lost is written again by its
        // caller, once.
        const SqlSession::TransactionId transaction = session.transactionId(); // the session goes with the reconnect
        reconnectIfLost();
        const QString outcome = committing ? lostCommitOutcome(transaction) : QString();
        if (outcome == QLatin1String("committed")) {
            qCWarning(lcDb) << "the connection to PostgreSQL ended as a batch of" << writes.size()
                            << "writes committed; PostgreSQL says it was stored";
            return;
        }
        if (reconnected || (committing && outcome != QLatin1String("aborted"))) {
            const QString why = !committing ? error
                : outcome == QLatin1String("aborted")
                    ? QStringLiteral("the connection to PostgreSQL ended as the batch committed, on its second run too, and PostgreSQL rolled it back: %1").arg(error)
                    : QStringLiteral("the connection to PostgreSQL ended as the batch committed, so its writes may or may not be stored: %1").arg(error);
            qCWarning(lcDb).noquote() << QStringLiteral("a batch of %1 writes failed:").arg(writes.size()) << why;
            for (Job *job : writes)
                job->fail(why);
            return;
        }
        commitWrites(writes, true); // fails them at once if PostgreSQL refused the new connection
        return;
    }
    if (writes.size() > 1) {
        if (!jobFailed)
            qCWarning(lcDb) << "a batch of" << writes.size() << "writes failed, running its jobs one by one:" << error;
        for (Job *job : writes)
            commitWrites({job});
        return;
    }
    if (!jobFailed)
        qCWarning(lcDb) << "transaction failed:" << error;
    writes.front()->fail(error);
}

QString Database::lostCommitOutcome(const SqlSession::TransactionId &transaction)
{
    // The old session's backend may not have noticed the end yet: until it has, its transaction
    // is still "in progress".
    for (int attempt = 0; m_session && transaction.id != 0 && attempt < 50; ++attempt) {
        try {
            const QString status = m_session->transactionStatus(transaction);
            if (status != QLatin1String("in progress"))
                return status;
        } catch (const DbError &e) {
            qCWarning(lcDb) << "could not ask PostgreSQL what became of a batch whose commit was cut off:" << e.message();
            return {};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return {};
}

void Database::deliver(Job &job)
{
    if (job.deliverOnDbThread) {
        job.deliver();
        return;
    }
    if (!job.context)
        return;
    QMetaObject::invokeMethod(job.context.data(), std::move(job.deliver), Qt::QueuedConnection);
}

void Database::deliverAll(const std::vector<Job *> &jobs)
{
    // One posted event per thread rather than per job: posting locks the thread's event queue and
    // may wake it, and a batch often holds dozens of results for the same few threads.
    struct Delivery
    {
        QPointer<QObject> context;
        std::function<void()> deliver;
    };
    std::vector<std::pair<QAbstractEventDispatcher *, std::vector<Delivery>>> byThread;
    for (Job *job : jobs) {
        if (job->deliverOnDbThread || !job->inbox) {
            deliver(*job);
            continue;
        }
        auto group = std::find_if(byThread.begin(), byThread.end(), [job](const auto &g) { return g.first == job->inbox.data(); });
        if (group == byThread.end())
            group = byThread.insert(byThread.end(), {job->inbox.data(), {}});
        group->second.push_back({job->context, std::move(job->deliver)});
    }
    for (auto &[inbox, deliveries] : byThread) {
        QMetaObject::invokeMethod(inbox, [deliveries = std::move(deliveries)] {
            // On the contexts' own thread, where they are deleted: the check cannot race.
            for (const Delivery &d : deliveries) {
                if (d.context)
                    d.deliver();
            }
        }, Qt::QueuedConnection);
    }
}

} // namespace dynaseal

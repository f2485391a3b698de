#include "server/core/storage/Database.h"

#include "server/core/storage/Migrations.h"

#include <QLoggingCategory>
#include <QMetaObject>
#include <QSqlError>
#include <QUrl>
#include <QUuid>

Q_LOGGING_CATEGORY(lcDb, "dynaseal.db")

namespace dynaseal {
namespace {
// Most jobs one transaction takes: bounds commit latency under a flood of writes.
constexpr size_t kMaxBatch = 512;
} // namespace

Database::Database() = default;

Database::~Database()
{
    close();
}

bool Database::open(const QString &url, QString *error)
{
    m_postgres = url.startsWith(QLatin1String("postgres"));
    std::promise<QString> opened;
    auto openedFuture = opened.get_future();
    // The connection must be created on the thread that uses it, so the thread opens it first.
    m_thread = std::thread([this, url, &opened] {
        opened.set_value(openOnThread(url));
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

QString Database::openOnThread(const QString &url)
{
    const QString connectionName = QStringLiteral("dynaseal-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSqlDatabase db;
    if (m_postgres) {
        const QUrl u(url);
        db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
        db.setHostName(u.host().isEmpty() ? QStringLiteral("localhost") : u.host());
        db.setPort(u.port(5432));
        db.setUserName(u.userName());
        db.setPassword(u.password());
        db.setDatabaseName(u.path().mid(1));
    } else {
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
        db.setDatabaseName(url.mid(int(qstrlen("sqlite:"))));
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    }
    if (!db.open()) {
        // The driver's text names host and database, never the password.
        return QStringLiteral("cannot open database: %1").arg(db.lastError().text());
    }
    m_session = std::make_unique<SqlSession>(db, m_postgres);
    try {
        if (!m_postgres) {
            // WAL: readers never block the writer; NORMAL sync survives a process crash.
            m_session->execRaw(QStringLiteral("PRAGMA journal_mode=WAL"));
            m_session->execRaw(QStringLiteral("PRAGMA synchronous=NORMAL"));
            m_session->execRaw(QStringLiteral("PRAGMA foreign_keys=ON"));
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
    {
        std::lock_guard lock(m_mutex);
        m_queue.emplace_back(write, std::move(job));
    }
    m_wake.notify_one();
}

void Database::flush()
{
    runBlocking<bool>([](SqlSession &) { return true; }, false);
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
            while (!m_queue.empty() && batch.size() < kMaxBatch) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        runBatch(batch);
    }
    if (m_session) {
        const QString name = m_session->connection().connectionName();
        m_session->connection().close();
        m_session.reset();
        QSqlDatabase::removeDatabase(name);
    }
}

void Database::runBatch(std::deque<std::pair<bool, Job>> &batch)
{
    // Reads run first and alone; writes share one transaction.
    std::vector<Job *> writes;
    for (auto &[isWrite, job] : batch) {
        if (isWrite) {
            writes.push_back(&job);
            continue;
        }
        try {
            if (!m_session)
                throw DbError(QStringLiteral("database is not open"));
            job.run(*m_session);
        } catch (const DbError &e) {
            job.fail(e.message());
        } catch (const std::exception &e) {
            job.fail(QString::fromUtf8(e.what()));
        }
        deliver(job);
    }
    if (writes.empty())
        return;

    if (!m_session) {
        for (Job *job : writes) {
            job->fail(QStringLiteral("database is not open"));
            deliver(*job);
        }
        return;
    }
    SqlSession &session = *m_session;
    QString commitError;
    try {
        session.execRaw(QStringLiteral("BEGIN"));
        for (Job *job : writes) {
            session.execRaw(QStringLiteral("SAVEPOINT job"));
            try {
                job->run(session);
                session.execRaw(QStringLiteral("RELEASE SAVEPOINT job"));
            } catch (const std::exception &e) {
                job->fail(QString::fromUtf8(e.what()));
                session.execRaw(QStringLiteral("ROLLBACK TO SAVEPOINT job"));
                session.execRaw(QStringLiteral("RELEASE SAVEPOINT job"));
            }
        }
        session.execRaw(QStringLiteral("COMMIT"));
    } catch (const DbError &e) {
        commitError = e.message();
        try {
            session.execRaw(QStringLiteral("ROLLBACK"));
        } catch (const DbError &) {
        }
    }
    if (!commitError.isEmpty())
        qCWarning(lcDb) << "transaction failed:" << commitError;
    for (Job *job : writes) {
        if (!commitError.isEmpty())
            job->fail(commitError);
        deliver(*job);
    }
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

} // namespace dynaseal

#include "server/core/RetentionPurge.h"

#include "server/core/storage/Database.h"
#include "server/core/storage/UsageStore.h"
#include "shared/Clock.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcRetention, "dynaseal.retention")

namespace dynaseal {

RetentionPurge::RetentionPurge(Database &db, const Clock &clock, RetentionPolicy policy, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_clock(clock)
    , m_policy(policy)
{
}

void RetentionPurge::run()
{
    if (m_running)
        return;
    m_running = true;
    m_chunks = 0;
    m_took.start();
    nextChunk();
}

void RetentionPurge::nextChunk()
{
    const qint64 now = m_clock.nowMs();
    const RetentionPolicy policy = m_policy;
    ++m_chunks;
    // The next chunk is queued only once this one has committed, behind whatever was queued
    // meanwhile.
    m_db.write<bool>(
        [now, policy](SqlSession &s) {
            return UsageStore::purge(s, now, policy.requestLogDays, policy.minuteRollupDays, policy.chunkRows);
        },
        this, [this](DbOutcome<bool> more) {
            if (!more.ok())
                qCWarning(lcRetention) << "cannot delete what is past retention:" << more.error;
            if (more.ok() && *more.value)
                return nextChunk();
            m_running = false;
            if (m_chunks > 1)
                qCInfo(lcRetention, "deleted what was past retention in %d chunks of up to %d rows a table, %lld ms",
                       m_chunks, m_policy.chunkRows, qint64(m_took.elapsed()));
            emit finished(m_chunks);
        });
}

} // namespace dynaseal

#pragma once
// Deletes the request log, delivered callbacks and key spend past retention, a bounded chunk per
// write job, until nothing is left to delete. One DELETE of everything would hold the database
// thread for as long as it takes (seconds for a million rows, after retention was shortened or
// a server was down), and every call's outcome would wait behind it; between chunks they go
// first.
#include <QElapsedTimer>
#include <QObject>

namespace dynaseal {

class Clock;
class Database;

struct RetentionPolicy
{
    int requestLogDays = 30;
    int minuteRollupDays = 7;
    int chunkRows = 2000; // rows of one table per write job (~20 ms of the database thread)
};

class RetentionPurge : public QObject
{
    Q_OBJECT
public:
    RetentionPurge(Database &db, const Clock &clock, RetentionPolicy policy, QObject *parent = nullptr);

    // Starts a purge; nothing if one is still going.
    void run();
    bool running() const { return m_running; }

signals:
    // The purge ended: nothing past retention is left, or a chunk failed (`chunks` it took).
    void finished(int chunks);

private:
    void nextChunk();

    Database &m_db;
    const Clock &m_clock;
    const RetentionPolicy m_policy;
    bool m_running = false;
    int m_chunks = 0;
    QElapsedTimer m_took; // for the log line of a purge that took several chunks
};

} // namespace dynaseal

#pragma once
// The serving threads' event loop on Linux: epoll instead of Qt 6.4's poll(), which hands the
// kernel every registered socket on each pass (see docs/performance-log.md, "the threads wait in epoll").

#include <QAbstractEventDispatcher>

#include <atomic>
#include <chrono>
#include <map>
#include <unordered_map>

struct epoll_event;

namespace dynaseal {

// Level-triggered, like Qt's: a ready socket keeps being reported until it is read. A loop run
// with ExcludeSocketNotifiers therefore does not sleep while one is ready (nothing here does that).
class EpollEventDispatcher : public QAbstractEventDispatcher
{
    Q_OBJECT

public:
    explicit EpollEventDispatcher(QObject *parent = nullptr); // see createIfAvailable()
    ~EpollEventDispatcher() override;

    // A new dispatcher for a thread not started yet, or nullptr where epoll is missing (not
    // Linux) or could not be set up: Qt's default dispatcher then applies.
    static QAbstractEventDispatcher *createIfAvailable();

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

private:
    using Clock = std::chrono::steady_clock;

    // The notifiers enabled on one descriptor, and the events epoll watches for them.
    struct Watch
    {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        quint32 events = 0;
    };

    struct Timer
    {
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        std::multimap<Clock::time_point, int>::iterator queued; // its due time is the key
        bool firing = false; // its event is being delivered: a nested loop does not fire it again
    };

    void applyWatch(int fd, Watch &watch);
    int activateSockets(const epoll_event *events, int count, bool notifiers);
    int activateTimers();
    int waitTimeoutMs() const;
    void schedule(int timerId, Timer &timer, Clock::time_point due);

    int m_epoll = -1;
    int m_wakeFd = -1; // an eventfd: wakeUp() from any thread ends the wait
    std::atomic<bool> m_wakeUpPending{false};
    std::atomic<bool> m_interrupted{false};
    std::unordered_map<int, Watch> m_watches;
    std::unordered_map<int, Timer> m_timers;
    std::multimap<Clock::time_point, int> m_timerQueue; // due time -> timer id
};

} // namespace dynaseal

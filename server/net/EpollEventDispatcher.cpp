#include "server/net/EpollEventDispatcher.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <vector>

#ifdef Q_OS_LINUX
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#endif

Q_LOGGING_CATEGORY(lcEventLoop, "dynaseal.eventloop")

namespace dynaseal {

#ifdef Q_OS_LINUX

namespace {

constexpr int kEventsPerWait = 256;

std::chrono::milliseconds asMs(qint64 ms)
{
    return std::chrono::milliseconds(ms);
}

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent) : QAbstractEventDispatcher(parent)
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_epoll < 0 || m_wakeFd < 0) {
        qCCritical(lcEventLoop, "epoll or eventfd could not be created (errno %d)", errno);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = m_wakeFd;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &ev) < 0)
        qCCritical(lcEventLoop, "the wake-up descriptor could not be watched (errno %d)", errno);
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    if (m_wakeFd >= 0)
        ::close(m_wakeFd);
    if (m_epoll >= 0)
        ::close(m_epoll);
}

QAbstractEventDispatcher *EpollEventDispatcher::createIfAvailable()
{
    auto *dispatcher = new EpollEventDispatcher;
    if (dispatcher->m_epoll >= 0 && dispatcher->m_wakeFd >= 0)
        return dispatcher;
    delete dispatcher;
    return nullptr;
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    // As Qt's own dispatcher: posted events first, then wait (unless told not to or interrupted),
    // then the sockets that became ready, then the timers that came due.
    m_interrupted.store(false, std::memory_order_relaxed);
    emit awake();
    QCoreApplication::sendPostedEvents();

    const bool canWait = flags.testFlag(QEventLoop::WaitForMoreEvents) && !m_interrupted.load(std::memory_order_relaxed);
    if (canWait)
        emit aboutToBlock();
    if (m_interrupted.load(std::memory_order_relaxed))
        return false;

    // An event posted meanwhile (by this thread or another) has written the eventfd, so the
    // wait below returns at once: no posted event waits for the next socket or timer.
    epoll_event events[kEventsPerWait];
    int count;
    do {
        count = ::epoll_wait(m_epoll, events, kEventsPerWait, canWait ? waitTimeoutMs() : 0);
    } while (count < 0 && errno == EINTR);
    if (count < 0) {
        qCWarning(lcEventLoop, "epoll_wait failed (errno %d)", errno);
        count = 0;
    }

    int handled = activateSockets(events, count, !flags.testFlag(QEventLoop::ExcludeSocketNotifiers));
    if (!flags.testFlag(QEventLoop::X11ExcludeTimers))
        handled += activateTimers();
    return handled > 0;
}

int EpollEventDispatcher::activateSockets(const epoll_event *events, int count, bool notifiers)
{
    int handled = 0;
    for (int i = 0; i < count; ++i) {
        const int fd = events[i].data.fd;
        const quint32 got = events[i].events;
        if (fd == m_wakeFd) {
            // Drain, then clear the flag (the other order can leave the flag set with the eventfd
            // empty, and no wakeUp() would write again). A wakeUp() in between skips its write, but
            // its event was posted before it: the next pass sends posted events before it waits.
            quint64 ignored;
            while (::read(m_wakeFd, &ignored, sizeof ignored) < 0 && errno == EINTR) {
            }
            m_wakeUpPending.store(false, std::memory_order_release);
            ++handled;
            continue;
        }
        if (!notifiers)
            continue; // still ready next time: epoll reports a level, not an edge
        // Looked up again for every notifier: an earlier handler may have disabled or deleted it.
        // A hang-up or an error wakes the readers and writers, as in Qt's dispatcher, so that they
        // see it in their next call.
        QEvent activation(QEvent::SockAct);
        const auto deliver = [&](QSocketNotifier *Watch::*slot) {
            const auto it = m_watches.find(fd);
            if (it == m_watches.end() || !(it->second.*slot))
                return;
            QCoreApplication::sendEvent(it->second.*slot, &activation);
            ++handled;
        };
        if (got & (EPOLLIN | EPOLLHUP | EPOLLERR))
            deliver(&Watch::read);
        if (got & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            deliver(&Watch::write);
        if (got & EPOLLPRI)
            deliver(&Watch::exception);
    }
    return handled;
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    Watch &watch = m_watches[fd];
    switch (notifier->type()) {
    case QSocketNotifier::Read: watch.read = notifier; break;
    case QSocketNotifier::Write: watch.write = notifier; break;
    case QSocketNotifier::Exception: watch.exception = notifier; break;
    }
    applyWatch(fd, watch);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    const auto it = m_watches.find(fd);
    if (it == m_watches.end())
        return;
    Watch &watch = it->second;
    for (QSocketNotifier **slot : {&watch.read, &watch.write, &watch.exception})
        if (*slot == notifier)
            *slot = nullptr;
    applyWatch(fd, watch);
}

void EpollEventDispatcher::applyWatch(int fd, Watch &watch)
{
    const quint32 wanted = (watch.read ? quint32(EPOLLIN) : 0u) | (watch.write ? quint32(EPOLLOUT) : 0u)
        | (watch.exception ? quint32(EPOLLPRI) : 0u);
    if (wanted == watch.events)
        return;
    epoll_event ev{};
    ev.events = wanted;
    ev.data.fd = fd;
    if (wanted == 0) {
        // Not watched at all: a hang-up on it must not wake the loop over and over. (A descriptor
        // already closed has left the epoll set by itself: ENOENT and EBADF are expected.)
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, &ev);
        m_watches.erase(fd);
        return;
    }
    int op = watch.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    int result = ::epoll_ctl(m_epoll, op, fd, &ev);
    if (result < 0 && (errno == EEXIST || errno == ENOENT)) {
        // The descriptor was closed and its number reused without a notifier change in between.
        op = errno == EEXIST ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        result = ::epoll_ctl(m_epoll, op, fd, &ev);
    }
    if (result < 0) {
        qCWarning(lcEventLoop, "socket %d cannot be watched (errno %d)", fd, errno);
        return;
    }
    watch.events = wanted;
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object)
{
    Timer &timer = m_timers[timerId];
    timer.intervalMs = std::max<qint64>(0, interval);
    timer.type = timerType;
    timer.object = object;
    timer.queued = m_timerQueue.end();
    schedule(timerId, timer, Clock::now() + asMs(timer.intervalMs));
}

void EpollEventDispatcher::schedule(int timerId, Timer &timer, Clock::time_point due)
{
    if (timer.queued != m_timerQueue.end())
        m_timerQueue.erase(timer.queued);
    timer.queued = m_timerQueue.emplace(due, timerId);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    m_timerQueue.erase(it->second.queued);
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->second.object == object) {
            m_timerQueue.erase(it->second.queued);
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> list;
    for (const auto &[id, timer] : m_timers)
        if (timer.object == object)
            list.append(TimerInfo(id, int(timer.intervalMs), timer.type));
    return list;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(it->second.queued->first - Clock::now()).count();
    return int(std::max<qint64>(0, left));
}

int EpollEventDispatcher::waitTimeoutMs() const
{
    if (m_timerQueue.empty())
        return -1;
    // Rounded up: waking a little early would only spin until the timer is due.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(m_timerQueue.begin()->first - Clock::now()).count();
    return int(std::clamp<qint64>(left, 0, std::numeric_limits<int>::max()));
}

int EpollEventDispatcher::activateTimers()
{
    if (m_timerQueue.empty())
        return 0;
    const auto now = Clock::now();
    // The timers due now, taken before any fires: a handler may add, kill or restart timers, and
    // a zero-interval timer fires once per pass, not in a loop.
    std::vector<int> due;
    for (auto it = m_timerQueue.begin(); it != m_timerQueue.end() && it->first <= now; ++it)
        due.push_back(it->second);
    int fired = 0;
    for (const int id : due) {
        auto it = m_timers.find(id);
        if (it == m_timers.end() || it->second.firing || it->second.queued->first > now)
            continue;
        Timer &timer = it->second;
        // Next due one interval after this one; a loop that fell behind skips the missed ones.
        auto next = timer.queued->first + asMs(timer.intervalMs);
        if (next <= now && timer.intervalMs > 0)
            next = now + asMs(timer.intervalMs);
        schedule(id, timer, timer.intervalMs > 0 ? next : now);
        timer.firing = true;
        QObject *const object = timer.object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        ++fired;
        it = m_timers.find(id); // the handler may have killed it (or another took its id)
        if (it != m_timers.end())
            it->second.firing = false;
    }
    return fired;
}

void EpollEventDispatcher::wakeUp()
{
    if (m_wakeUpPending.exchange(true, std::memory_order_acq_rel))
        return; // an unread wake-up is already there
    const quint64 one = 1;
    while (::write(m_wakeFd, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.store(true, std::memory_order_relaxed);
    wakeUp();
}

#else // no epoll: never created (createIfAvailable() returns nullptr), so nothing to do

EpollEventDispatcher::EpollEventDispatcher(QObject *parent) : QAbstractEventDispatcher(parent) {}
EpollEventDispatcher::~EpollEventDispatcher() = default;
QAbstractEventDispatcher *EpollEventDispatcher::createIfAvailable() { return nullptr; }
bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags) { return false; }
void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *) {}
void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *) {}
void EpollEventDispatcher::registerTimer(int, qint64, Qt::TimerType, QObject *) {}
bool EpollEventDispatcher::unregisterTimer(int) { return false; }
bool EpollEventDispatcher::unregisterTimers(QObject *) { return false; }
QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(QObject *) const { return {}; }
int EpollEventDispatcher::remainingTime(int) { return -1; }
void EpollEventDispatcher::wakeUp() {}
void EpollEventDispatcher::interrupt() {}

#endif

} // namespace dynaseal

// EpollEventDispatcher, which the serving threads run on: socket notifiers on socket pairs,
// timers, posted events from other threads, quitting a thread, and a hung-up socket that nobody
// watches (it must not keep the loop awake). The main thread runs on it here; TcpStreamTest and
// HttpClientTest run again on it too (`TcpStreamTest.epoll`, `HttpClientTest.epoll`).
#include "server/net/EpollEventDispatcher.h"
#include "tests/unit/EventLoopTestMain.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <cstring>
#include <memory>
#include <sys/socket.h>
#include <thread>
#include <vector>
#include <unistd.h>

using namespace dynaseal;

namespace {

// A connected pair of local stream sockets, closed on destruction.
struct SocketPair
{
    int ours = -1;
    int peer = -1;
    SocketPair()
    {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0) {
            ours = fds[0];
            peer = fds[1];
        }
    }
    ~SocketPair()
    {
        closePeer();
        if (ours >= 0)
            ::close(ours);
    }
    void closePeer()
    {
        if (peer >= 0)
            ::close(peer);
        peer = -1;
    }
    bool send(const char *text) const { return ::write(peer, text, strlen(text)) == ssize_t(strlen(text)); }
    QByteArray drain() const
    {
        QByteArray got;
        char buffer[256];
        ssize_t n;
        while ((n = ::read(ours, buffer, sizeof buffer)) > 0)
            got.append(buffer, qsizetype(n));
        return got;
    }
};

// Runs the loop for `ms` and counts its passes (awake() is emitted once per pass).
int passesDuring(int ms)
{
    QEventLoop loop;
    int passes = 0;
    QObject::connect(QAbstractEventDispatcher::instance(), &QAbstractEventDispatcher::awake, &loop, [&passes] { ++passes; });
    QTimer::singleShot(ms, Qt::PreciseTimer, &loop, &QEventLoop::quit);
    loop.exec();
    return passes;
}

} // namespace

class EpollEventDispatcherTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
    }

    void readNotifierFiresWhileDataWaits()
    {
        SocketPair pair;
        QVERIFY(pair.ours >= 0);
        QSocketNotifier notifier(pair.ours, QSocketNotifier::Read);
        QByteArray got;
        connect(&notifier, &QSocketNotifier::activated, this, [&] { got += pair.drain(); });
        QVERIFY(pair.send("one"));
        QTRY_COMPARE(got, QByteArray("one"));
        QVERIFY(pair.send("two"));
        QTRY_COMPARE(got, QByteArray("onetwo"));

        // Disabled: the data waits in the socket until the notifier is enabled again.
        notifier.setEnabled(false);
        QVERIFY(pair.send("three"));
        passesDuring(50);
        QCOMPARE(got, QByteArray("onetwo"));
        notifier.setEnabled(true);
        QTRY_COMPARE(got, QByteArray("onetwothree"));
    }

    void writeNotifierFiresWhenTheSocketTakesData()
    {
        SocketPair pair;
        QSocketNotifier notifier(pair.ours, QSocketNotifier::Write);
        QSignalSpy fired(&notifier, &QSocketNotifier::activated);
        QTRY_VERIFY(fired.count() > 0);
        notifier.setEnabled(false);
        fired.clear();
        passesDuring(30);
        QCOMPARE(fired.count(), 0);
    }

    void readAndWriteNotifiersShareADescriptor()
    {
        SocketPair pair;
        QSocketNotifier reader(pair.ours, QSocketNotifier::Read);
        QSocketNotifier writer(pair.ours, QSocketNotifier::Write);
        writer.setEnabled(false);
        QSignalSpy read(&reader, &QSocketNotifier::activated);
        QSignalSpy written(&writer, &QSocketNotifier::activated);
        connect(&reader, &QSocketNotifier::activated, this, [&] { pair.drain(); });
        QVERIFY(pair.send("x"));
        QTRY_VERIFY(read.count() > 0);
        QCOMPARE(written.count(), 0);
        writer.setEnabled(true); // the reader stays on with it
        QTRY_VERIFY(written.count() > 0);
        writer.setEnabled(false);
        const qsizetype before = read.count();
        QVERIFY(pair.send("y"));
        QTRY_VERIFY(read.count() > before);
    }

    // A closed peer makes a socket report a hang-up forever: once its reader is off, the loop must
    // not be woken by it again and again.
    void hungUpSocketWithoutReaderLetsTheLoopSleep()
    {
        SocketPair pair;
        QSocketNotifier notifier(pair.ours, QSocketNotifier::Read);
        bool endOfStream = false;
        connect(&notifier, &QSocketNotifier::activated, this, [&] {
            char byte;
            if (::read(pair.ours, &byte, 1) == 0) {
                endOfStream = true;
                notifier.setEnabled(false);
            }
        });
        pair.closePeer();
        QTRY_VERIFY(endOfStream);
        // Idle, a pass per timer at most; a loop woken by the hang-up makes tens of thousands.
        QVERIFY2(passesDuring(100) < 50, "the loop kept waking up");
    }

    void notifierDisabledByAnEarlierHandlerOfTheSamePassDoesNotFire()
    {
        SocketPair first;
        SocketPair second;
        QSocketNotifier a(first.ours, QSocketNotifier::Read);
        QSocketNotifier b(second.ours, QSocketNotifier::Read);
        int firedA = 0;
        int firedB = 0;
        // Whichever fires first turns the other off: both were ready in the same wait.
        connect(&a, &QSocketNotifier::activated, this, [&] { ++firedA; first.drain(); if (!firedB) b.setEnabled(false); });
        connect(&b, &QSocketNotifier::activated, this, [&] { ++firedB; second.drain(); if (!firedA) a.setEnabled(false); });
        QVERIFY(first.send("1"));
        QVERIFY(second.send("2"));
        QTRY_VERIFY(firedA + firedB > 0);
        passesDuring(30);
        QCOMPARE(firedA + firedB, 1);
        QCOMPARE(int(a.isEnabled()) + int(b.isEnabled()), 1);
    }

    void timersFireInTheOrderTheyComeDue()
    {
        QList<int> order;
        for (const int ms : {30, 0, 10, 20})
            QTimer::singleShot(ms, Qt::PreciseTimer, this, [&order, ms] { order.append(ms); });
        QTRY_COMPARE(order.size(), 4);
        QCOMPARE(order, (QList<int>{0, 10, 20, 30}));
    }

    void stoppedTimerNeverFires()
    {
        QTimer timer;
        timer.setSingleShot(true);
        QSignalSpy fired(&timer, &QTimer::timeout);
        timer.start(10);
        QVERIFY(timer.remainingTime() >= 0 && timer.remainingTime() <= 10);
        timer.stop();
        QCOMPARE(timer.remainingTime(), -1);
        passesDuring(40);
        QCOMPARE(fired.count(), 0);
    }

    void repeatingTimerKeepsFiringUntilStopped()
    {
        QTimer timer;
        int fired = 0;
        connect(&timer, &QTimer::timeout, this, [&] {
            if (++fired == 3)
                timer.stop();
        });
        timer.start(5);
        QTRY_COMPARE(fired, 3);
        passesDuring(30);
        QCOMPARE(fired, 3);
    }

    void timerRestartedFromItsOwnHandlerFiresAgain()
    {
        QTimer timer;
        timer.setSingleShot(true);
        int fired = 0;
        connect(&timer, &QTimer::timeout, this, [&] {
            if (++fired < 3)
                timer.start(1);
        });
        timer.start(1);
        QTRY_COMPARE(fired, 3);
    }

    void registeredTimersAreListedPerObject()
    {
        QObject owner;
        const int slow = owner.startTimer(10'000);
        const int fast = owner.startTimer(5'000);
        auto *dispatcher = QAbstractEventDispatcher::instance();
        const auto timers = dispatcher->registeredTimers(&owner);
        QCOMPARE(timers.size(), 2);
        for (const auto &t : timers)
            QVERIFY((t.timerId == slow && t.interval == 10'000) || (t.timerId == fast && t.interval == 5'000));
        QVERIFY(dispatcher->remainingTime(slow) > 5'000);
        owner.killTimer(slow);
        QCOMPARE(dispatcher->registeredTimers(&owner).size(), 1);
        QCOMPARE(dispatcher->remainingTime(slow), -1);
    }

    void eventPostedFromAnotherThreadWakesTheWait()
    {
        QEventLoop loop;
        bool timedOut = false;
        QTimer::singleShot(10'000, &loop, [&] { timedOut = true; loop.quit(); });
        std::thread poster([&loop] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            QMetaObject::invokeMethod(&loop, &QEventLoop::quit, Qt::QueuedConnection);
        });
        loop.exec(); // no timer but the guard is due before the post
        poster.join();
        QVERIFY(!timedOut);
    }

    // Many threads posting at once to a thread with no timers and no sockets: only wake-ups get
    // its posted events handled, so a wake-up lost in a race stalls it for good.
    void concurrentPostsAllWakeTheThread()
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        auto *target = new QObject;
        target->moveToThread(&thread);
        thread.start();
        std::atomic<int> handled{0};
        constexpr int kPosters = 4;
        constexpr int kPostsEach = 20'000;
        std::vector<std::thread> posters;
        for (int i = 0; i < kPosters; ++i)
            posters.emplace_back([&] {
                for (int n = 0; n < kPostsEach; ++n) {
                    QMetaObject::invokeMethod(target, [&handled] { ++handled; }, Qt::QueuedConnection);
                    if (n % 64 == 0)
                        std::this_thread::yield(); // let the target sleep now and then
                }
            });
        for (auto &p : posters)
            p.join();
        QTRY_COMPARE_WITH_TIMEOUT(handled.load(), kPosters * kPostsEach, 20'000);
        QMetaObject::invokeMethod(target, [target] { delete target; }, Qt::BlockingQueuedConnection);
        thread.quit();
        QVERIFY(thread.wait(5000));
    }

    void deleteLaterDeletes()
    {
        QPointer<QObject> doomed = new QObject;
        doomed->deleteLater();
        QTRY_VERIFY(doomed.isNull());
    }

    // A serving thread: its own EpollEventDispatcher, work posted to it, a timer moved onto it
    // with its object, and quit() ends its loop.
    void threadRunsOnItAndQuits()
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        auto *worker = new QObject;
        auto *timer = new QTimer(worker);
        std::atomic<int> ticks{0};
        std::atomic<bool> onItsThread{false};
        connect(timer, &QTimer::timeout, worker, [&] {
            onItsThread = QThread::currentThread() == &thread;
            ++ticks;
        });
        timer->start(5); // registered here, moved with the worker below
        worker->moveToThread(&thread);
        thread.start();
        QTRY_VERIFY(ticks.load() >= 2);
        QVERIFY(onItsThread.load());
        std::atomic<bool> ran{false};
        QMetaObject::invokeMethod(worker, [&ran] { ran = true; });
        QTRY_VERIFY(ran.load());
        QMetaObject::invokeMethod(worker, [worker] { delete worker; }, Qt::BlockingQueuedConnection);
        thread.quit();
        QVERIFY(thread.wait(5000));
    }
};

DYNASEAL_EPOLL_TEST_MAIN(EpollEventDispatcherTest)
#include "EpollEventDispatcherTest.moc"

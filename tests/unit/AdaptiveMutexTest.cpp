// AdaptiveMutex, the lock of the request path's shared state: it excludes (a plain counter
// guarded by it comes out exact from many threads), try_lock fails while another thread holds
// it, and it works with std::lock_guard and std::unique_lock.
#include "shared/AdaptiveMutex.h"

#include <QTest>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

using namespace dynaseal;

class AdaptiveMutexTest : public QObject
{
    Q_OBJECT
private slots:
    void excludes_data();
    void excludes();
    void tryLockFailsWhileHeld();
};

void AdaptiveMutexTest::excludes_data()
{
    QTest::addColumn<int>("threads");
    QTest::newRow("2 threads") << 2;
    QTest::newRow("8 threads, more than the cores") << 8;
}

void AdaptiveMutexTest::excludes()
{
    QFETCH(int, threads);
    constexpr int kRounds = 200'000;
    AdaptiveMutex mutex;
    // Two words updated apart: without exclusion, increments are lost and the pair drifts.
    qint64 count = 0;
    qint64 twice = 0;
    std::atomic<int> torn{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < kRounds; ++i) {
                std::lock_guard lock(mutex);
                if (twice != 2 * count)
                    ++torn;
                ++count;
                twice += 2;
            }
        });
    }
    for (std::thread &w : workers)
        w.join();
    QCOMPARE(torn.load(), 0);
    QCOMPARE(count, qint64(threads) * kRounds);
    QCOMPARE(twice, 2 * count);
}

void AdaptiveMutexTest::tryLockFailsWhileHeld()
{
    AdaptiveMutex mutex;
    std::unique_lock held(mutex);
    bool gotIt = true;
    std::thread([&] { gotIt = mutex.try_lock(); }).join();
    QVERIFY(!gotIt);
    held.unlock();
    std::thread([&] {
        gotIt = mutex.try_lock();
        if (gotIt)
            mutex.unlock();
    }).join();
    QVERIFY(gotIt);
}

QTEST_GUILESS_MAIN(AdaptiveMutexTest)
#include "AdaptiveMutexTest.moc"

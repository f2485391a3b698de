// Which CPU each serving thread is pinned to, for every setting of --pin-serving-threads, and the
// pinning itself: a thread pinned to a CPU it may use runs only there.
#include "server/http/ServingThreadCpus.h"

#include <QtTest>
#include <thread>
#include <unistd.h>

using namespace dynaseal;

using Cpus = QList<int>;
Q_DECLARE_METATYPE(std::optional<bool>)

class ServingThreadCpusTest : public QObject
{
    Q_OBJECT
private slots:
    void plan_data();
    void plan();
    void pinsTheCallingThreadOnly();
    void refusesACpuItMayNotUse();
    void aThreadAPinnedOneStartsCanBeUnpinned();
};

void ServingThreadCpusTest::plan_data()
{
    QTest::addColumn<Cpus>("allowed");
    QTest::addColumn<int>("threads");
    QTest::addColumn<std::optional<bool>>("pin");
    QTest::addColumn<Cpus>("expected");
    const std::optional<bool> autoPin;
    QTest::newRow("auto, one thread a CPU") << Cpus{0, 1} << 2 << autoPin << Cpus{0, 1};
    QTest::newRow("auto, the CPUs a cpuset left") << Cpus{2, 5, 7} << 3 << autoPin << Cpus{2, 5, 7};
    QTest::newRow("auto, fewer threads than CPUs") << Cpus{0, 1, 2, 3} << 2 << autoPin << Cpus{};
    QTest::newRow("auto, more threads than CPUs") << Cpus{0, 1} << 3 << autoPin << Cpus{};
    QTest::newRow("auto, one thread on one CPU") << Cpus{3} << 1 << autoPin << Cpus{};
    QTest::newRow("on, fewer threads than CPUs") << Cpus{0, 1, 2, 3} << 2 << std::optional(true) << Cpus{0, 1};
    QTest::newRow("on, more threads than CPUs") << Cpus{4, 6} << 5 << std::optional(true) << Cpus{4, 6, 4, 6, 4};
    QTest::newRow("on, one thread") << Cpus{3} << 1 << std::optional(true) << Cpus{3};
    QTest::newRow("on, CPUs unknown") << Cpus{} << 2 << std::optional(true) << Cpus{};
    QTest::newRow("off, one thread a CPU") << Cpus{0, 1} << 2 << std::optional(false) << Cpus{};
}

void ServingThreadCpusTest::plan()
{
    QFETCH(Cpus, allowed);
    QFETCH(int, threads);
    QFETCH(std::optional<bool>, pin);
    QFETCH(Cpus, expected);
    QCOMPARE(servingThreadCpus(allowed, threads, pin), expected);
}

void ServingThreadCpusTest::pinsTheCallingThreadOnly()
{
    const Cpus allowed = allowedCpus();
    if (allowed.size() < 2)
        QSKIP("needs two CPUs to tell pinned from not");
    const int cpu = allowed.last();
    bool pinned = false;
    QString error;
    Cpus seen;
    std::thread thread([&] {
        pinned = pinCurrentThread(cpu, &error);
        seen = allowedCpus(); // the calling thread's mask
    });
    thread.join();
    QVERIFY2(pinned, qPrintable(error));
    QCOMPARE(seen, Cpus{cpu});
    QCOMPARE(allowedCpus(), allowed); // this thread, and so the process's other threads, unchanged
}

void ServingThreadCpusTest::refusesACpuItMayNotUse()
{
    QString error;
    QVERIFY(!pinCurrentThread(-1, &error));
    QVERIFY(!error.isEmpty());
    // A CPU this machine does not have: the kernel refuses it, and the thread keeps its mask.
    const int missing = int(sysconf(_SC_NPROCESSORS_CONF));
    QVERIFY(missing > 0);
    const Cpus allowed = allowedCpus();
    bool pinned = true;
    error.clear();
    Cpus seen;
    std::thread thread([&] {
        pinned = pinCurrentThread(missing, &error);
        seen = allowedCpus();
    });
    thread.join();
    QVERIFY(!pinned);
    QVERIFY(!error.isEmpty());
    QCOMPARE(seen, allowed);
}

void ServingThreadCpusTest::aThreadAPinnedOneStartsCanBeUnpinned()
{
    const Cpus allowed = allowedCpus();
    if (allowed.size() < 2)
        QSKIP("needs two CPUs to tell pinned from not");
    bool pinned = false;
    QString error;
    Cpus inherited, unpinned;
    std::thread first([&] {
        pinned = pinCurrentThread(allowed.first(), &error);
        std::thread started([&] {
            inherited = allowedCpus();
            unpinCurrentThread();
            unpinned = allowedCpus();
        });
        started.join();
    });
    first.join();
    QVERIFY2(pinned, qPrintable(error));
    QCOMPARE(inherited, Cpus{allowed.first()});
    QCOMPARE(unpinned, allowed);
}

QTEST_GUILESS_MAIN(ServingThreadCpusTest)
#include "ServingThreadCpusTest.moc"

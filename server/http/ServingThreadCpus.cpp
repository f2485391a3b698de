#include "server/http/ServingThreadCpus.h"

#include <QtGlobal>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

namespace dynaseal {

QList<int> allowedCpus()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return {};
    QList<int> cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set))
            cpus.append(cpu);
    }
    return cpus;
}

QList<int> servingThreadCpus(const QList<int> &allowed, int threads, std::optional<bool> pin)
{
    const bool pinned = pin.value_or(threads >= 2 && threads == allowed.size());
    if (!pinned || allowed.isEmpty() || threads < 1)
        return {};
    QList<int> cpus;
    cpus.reserve(threads);
    for (int i = 0; i < threads; ++i)
        cpus.append(allowed[i % allowed.size()]);
    return cpus;
}

bool pinCurrentThread(int cpu, QString *error)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        *error = QStringLiteral("no such CPU");
        return false;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    const int result = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (result != 0) {
        *error = qt_error_string(result);
        return false;
    }
    return true;
}

void unpinCurrentThread()
{
    // The main thread's id is the process id.
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(getpid(), sizeof set, &set) == 0)
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

} // namespace dynaseal

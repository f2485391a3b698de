#pragma once
// Which CPU each serving thread is pinned to (--pin-serving-threads). A serving thread that stays
// on one core keeps its connections' state in that core's caches and is never moved by the
// scheduler, which on a virtual machine costs more than on bare metal (docs/performance-log.md).
#include <QList>
#include <QString>
#include <optional>

namespace dynaseal {

// The CPUs the calling thread may run on, in ascending order; empty if they cannot be read. At
// start-up, on the main thread, that is the process's affinity (as taskset or a cpuset set it).
QList<int> allowedCpus();

// The CPU for each of `threads` serving threads, or empty when they are not pinned.
// `pin` true: thread i on allowed[i % allowed.size()]. False: none. Unset (auto): pinned only
// when there are at least two serving threads and exactly one allowed CPU for each, the default
// of one serving thread per core on a machine of its own.
QList<int> servingThreadCpus(const QList<int> &allowed, int threads, std::optional<bool> pin);

// Pins the calling thread to `cpu`. False with the system's reason in *error.
bool pinCurrentThread(int cpu, QString *error);

// Lets the calling thread run on every CPU the main thread may (it is never pinned). A thread
// inherits the CPUs of the one that started it: a QThreadPool thread a serving thread starts on
// demand would stay on that thread's one core, so a pool task with work to do calls this first.
// (Qt's own host-name lookup threads, started the same way, keep that core: they mostly wait.)
void unpinCurrentThread();

} // namespace dynaseal

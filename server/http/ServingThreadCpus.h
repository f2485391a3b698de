#pragma once
// Which CPU each serving thread is pinned to (--pin-serving-threads). A serving thread that stays
// on one core keeps its connections' state in that core's caches and is never moved by the
// scheduler; on 2 cores shared with the load the gateway did 14 % more calls a second on average
// with its two serving threads pinned (docs/performance-log.md).
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

// Lets the calling thread run on every CPU the main thread may, which is never pinned. A thread
// inherits the CPUs of the one that started it: QThreadPool's, started on demand by a serving
// thread, would otherwise stay on that thread's one core.
void unpinCurrentThread();

} // namespace dynaseal

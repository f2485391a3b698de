#pragma once
// A mutex for short critical sections that several serving threads enter on every request
// (budgets, rate-limit windows, metrics): a thread that finds it held spins briefly before it
// sleeps. With std::mutex the second thread went to sleep in the kernel (futex) and had to be
// woken by a second system call, which on this kind of virtual machine costs far more than the
// few hundred nanoseconds the lock is held (bench/micro/admission_bench.cpp). glibc's adaptive
// mutex does the spinning; elsewhere it is a plain std::mutex. Meets the Lockable requirements,
// so std::lock_guard and std::unique_lock work with it.
#include <mutex>

#if defined(__GLIBC__)
#include <pthread.h>
#endif

namespace dynaseal {

#if defined(__GLIBC__) && defined(PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP)
class AdaptiveMutex
{
public:
    AdaptiveMutex() = default;
    AdaptiveMutex(const AdaptiveMutex &) = delete;
    AdaptiveMutex &operator=(const AdaptiveMutex &) = delete;
    ~AdaptiveMutex() { pthread_mutex_destroy(&m_mutex); }

    void lock() { pthread_mutex_lock(&m_mutex); }
    bool try_lock() { return pthread_mutex_trylock(&m_mutex) == 0; }
    void unlock() { pthread_mutex_unlock(&m_mutex); }

private:
    pthread_mutex_t m_mutex = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
};
#else
using AdaptiveMutex = std::mutex;
#endif

} // namespace dynaseal

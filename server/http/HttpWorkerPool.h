#pragma once
// The serving threads. Each runs its own event loop with its own HttpFrontend, upstream
// HttpClient and controllers (built by `setup` on that thread; ServerApp may add a callback
// dispatcher), so a request is served from first byte to callback hand-off on one thread; what
// the threads share (registry, ledger, limiters, metrics, database queue) is thread-safe.
#include "server/http/HttpServerConnection.h"
#include "server/net/HttpClient.h"

#include <QStringList>
#include <QThread>
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace dynaseal {

class HttpFrontend;

class HttpWorkerPool
{
public:
    // Builds a thread's controllers around its frontend and upstream client; returns any other
    // clients it made on the thread (callbacks), whose connections clientConnections() counts too.
    using Setup = std::function<QList<HttpClient *>(HttpFrontend &frontend, HttpClient &client)>;
    // Starts `threads` threads and runs `setup` on each, one after the other; returns when all
    // are ready. With `epoll` (and on Linux) the threads wait in an EpollEventDispatcher. Thread i
    // is pinned to cpus[i] when `cpus` has one for it (servingThreadCpus); one that cannot be
    // pinned runs where the scheduler puts it, and pinningErrors() says why.
    HttpWorkerPool(int threads, bool epoll, ConnectionLimits limits, HttpClientOptions clientOptions, const Setup &setup,
                   const QList<int> &cpus = {});
    // Closes every connection and stops the threads.
    ~HttpWorkerPool();

    int size() const { return int(m_workers.size()); }
    bool onEpoll() const { return m_epoll; } // the threads wait in an EpollEventDispatcher
    // The CPU each thread was pinned to, in thread order; -1 for one that was not.
    QList<int> pinnedCpus() const { return m_pinnedCpus; }
    QStringList pinningErrors() const { return m_pinningErrors; } // one line for each thread that could not be pinned
    // Gives an accepted connection to the next thread (round robin). Call from one thread.
    void handOff(qintptr descriptor, std::function<void()> closed);
    // Open connections of the serving threads' clients (upstreams, and callback receivers where
    // the threads send callbacks), sampled once a second.
    int clientConnections() const;

private:
    struct Worker
    {
        QThread thread;
        QObject *anchor = nullptr; // lives on `thread`; owns the frontend, client and sampler
        HttpFrontend *frontend = nullptr;
        std::atomic<int> clientsOpen{0};
    };
    std::vector<std::unique_ptr<Worker>> m_workers;
    size_t m_next = 0;
    bool m_epoll = false;
    QList<int> m_pinnedCpus;
    QStringList m_pinningErrors;
};

} // namespace dynaseal

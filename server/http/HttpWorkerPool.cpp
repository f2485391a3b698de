#include "server/http/HttpWorkerPool.h"

#include "server/http/HttpFrontend.h"
#include "server/http/ServingThreadCpus.h"
#include "server/net/EpollEventDispatcher.h"

#include <QTimer>

namespace dynaseal {

HttpWorkerPool::HttpWorkerPool(int threads, bool epoll, ConnectionLimits limits, HttpClientOptions clientOptions, const Setup &setup,
                               const QList<int> &cpus)
{
    for (int i = 0; i < std::max(1, threads); ++i) {
        auto worker = std::make_unique<Worker>();
        Worker *w = worker.get();
        w->thread.setObjectName(QStringLiteral("http-%1").arg(i));
        w->anchor = new QObject;
        w->anchor->moveToThread(&w->thread);
        if (QAbstractEventDispatcher *dispatcher = epoll ? EpollEventDispatcher::createIfAvailable() : nullptr) {
            w->thread.setEventDispatcher(dispatcher); // the thread owns it
            m_epoll = true;
        }
        w->thread.start();
        // Pinned, then built, on the worker's own thread, so every timer and socket belongs to its
        // event loop and its caches are warm from the first request.
        const int cpu = i < cpus.size() ? cpus[i] : -1;
        int pinnedTo = -1;
        QString pinningError;
        QMetaObject::invokeMethod(w->anchor, [w, limits, clientOptions, &setup, cpu, &pinnedTo, &pinningError] {
            if (cpu >= 0 && pinCurrentThread(cpu, &pinningError))
                pinnedTo = cpu;
            auto *client = new HttpClient(clientOptions, w->anchor);
            w->frontend = new HttpFrontend(limits, w->anchor);
            QList<HttpClient *> clients = setup(*w->frontend, *client);
            clients.prepend(client);
            auto *sampler = new QTimer(w->anchor);
            QObject::connect(sampler, &QTimer::timeout, w->anchor, [w, clients] {
                int open = 0;
                for (const HttpClient *c : clients)
                    open += c->openConnections();
                w->clientsOpen.store(open);
            });
            sampler->start(1000);
        }, Qt::BlockingQueuedConnection);
        m_pinnedCpus.append(pinnedTo);
        if (cpu >= 0 && pinnedTo < 0)
            m_pinningErrors.append(QStringLiteral("serving thread %1 could not be pinned to CPU %2 (%3); it runs unpinned")
                                       .arg(w->thread.objectName())
                                       .arg(cpu)
                                       .arg(pinningError));
        m_workers.push_back(std::move(worker));
    }
}

HttpWorkerPool::~HttpWorkerPool()
{
    for (auto &w : m_workers) {
        Worker *worker = w.get();
        // The frontend (connections, controllers, calls) goes before the client its calls use.
        QMetaObject::invokeMethod(worker->anchor, [worker] {
            delete worker->frontend;
            delete worker->anchor;
        }, Qt::BlockingQueuedConnection);
        w->thread.quit();
        w->thread.wait();
    }
}

void HttpWorkerPool::handOff(qintptr descriptor, std::function<void()> closed)
{
    HttpFrontend *frontend = m_workers[m_next]->frontend;
    m_next = (m_next + 1) % m_workers.size();
    QMetaObject::invokeMethod(frontend, [frontend, descriptor, closed = std::move(closed)]() mutable {
        frontend->adopt(descriptor, std::move(closed));
    }, Qt::QueuedConnection);
}

int HttpWorkerPool::clientConnections() const
{
    int total = 0;
    for (const auto &w : m_workers)
        total += w->clientsOpen.load();
    return total;
}

} // namespace dynaseal

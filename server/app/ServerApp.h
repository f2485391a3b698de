#pragma once
// The composition root: builds every service from the settings, recovers what an earlier run
// left unfinished, and serves until told to stop.
#include "server/core/KeyUsageTracker.h"
#include "server/core/LiveEvents.h"
#include "server/core/Metrics.h"
#include "server/core/Registry.h"
#include "server/core/ServerContext.h"
#include "server/core/Settings.h"
#include "server/core/TokenLedger.h"
#include "server/core/UpstreamHealth.h"
#include "server/core/policy/SlidingWindowLimiter.h"
#include "server/core/storage/Database.h"
#include "server/core/storage/InFlightJournal.h"

#include <QObject>
#include <QTimer>
#include <atomic>
#include <functional>
#include <memory>

namespace dynaseal {

class CallbackDispatcher;
class Clock;
class HttpClient;
class HttpListener;
class HttpWorkerPool;
class ProxyController;
class RetentionPurge;
class SecretBox;

class ServerApp : public QObject
{
    Q_OBJECT
public:
    ServerApp(Settings settings, const Clock &clock, QObject *parent = nullptr);
    ~ServerApp() override;

    // Opens storage, recovers, listens and prints "listening on http://HOST:PORT".
    bool start(QString *error);
    quint16 port() const { return m_port; }
    // Stops accepting, lets in-flight calls finish (up to `graceMs`), sends the callbacks
    // gathered for batches and waits for the answers to those in flight (up to kCallbackDrainMs
    // more, within the grace), then calls `done`.
    void shutdown(int graceMs, std::function<void()> done);

private:
    static constexpr int kCallbackDrainMs = 2000;
    bool loadMasterKey(QString *error);
    bool loadServerId(QString *error);
    bool bootstrapAdmin(QString *error);
    bool seedDemo(QString *error);
    void maintain();
    void flushKeyUsage();
    void refreshRegistry();
    void checkUpstreams();
    int activeCalls() const; // proxied calls in progress on all serving threads
    // Runs `run` with the main thread's callback dispatcher here, then with each serving
    // thread's on its thread, waiting for each.
    void forEachCallbackDispatcher(const std::function<void(CallbackDispatcher &)> &run);
    void releaseMemoryWhenIdle();

    Settings m_settings;
    const Clock &m_clock;
    std::unique_ptr<SecretBox> m_box;
    QString m_serverId; // from <data-dir>/server.id
    Database m_db;
    Database m_reads; // the same database, for the admin API's reads
    InFlightJournal m_journal;
    Registry m_registry;
    TokenLedger m_ledger;
    SlidingWindowLimiter m_limiter;
    KeyUsageTracker m_keyUsage;
    Metrics m_metrics;
    UpstreamHealth m_health{m_settings.upstreamEjectAfter};
    LiveEvents m_live;
    std::unique_ptr<HttpClient> m_http;
    std::unique_ptr<CallbackDispatcher> m_callbacks;
    std::unique_ptr<ServerContext> m_context;
    std::unique_ptr<HttpWorkerPool> m_workers;
    HttpListener *m_listener = nullptr;
    QList<ProxyController *> m_proxies; // one per serving thread, living there
    QList<CallbackDispatcher *> m_servingCallbacks; // one per serving thread, living there (--callbacks-from-serving-threads)
    std::atomic<int> m_callbackConnections{0};
    quint64 m_startedAtLastRelease = 0;
    std::unique_ptr<RetentionPurge> m_retention;
    QTimer m_maintenance;
    QTimer m_keyUsageFlush;
    QTimer m_healthChecks;
    QTimer m_registryRefresh;
    bool m_registryRefreshing = false;
    QTimer m_sampler; // reads gauges owned by this thread for /metrics, served on other threads
    quint16 m_port = 0;
};

} // namespace dynaseal

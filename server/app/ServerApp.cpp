#include "server/app/ServerApp.h"

#include "server/core/AdminInput.h"
#include "server/core/CallbackDispatcher.h"
#include "server/core/DynamicKeyMinter.h"
#include "server/core/RetentionPurge.h"
#include "server/core/storage/AdminStore.h"
#include "server/core/storage/CallbackStore.h"
#include "server/core/storage/RegistryLoader.h"
#include "server/core/storage/TenantStore.h"
#include "server/core/storage/UpstreamStore.h"
#include "server/core/storage/UsageStore.h"
#include "server/http/AdminController.h"
#include "server/http/DemoController.h"
#include "server/http/DynamicKeyController.h"
#include "server/http/EventsController.h"
#include "server/http/HealthController.h"
#include "server/http/HttpFrontend.h"
#include "server/http/HttpListener.h"
#include "server/http/HttpWorkerPool.h"
#include "server/http/ProxyController.h"
#include "server/http/ServingThreadCpus.h"
#include "server/net/EpollEventDispatcher.h"
#include "server/net/HttpClient.h"
#include "server/net/TlsClientContext.h"
#include "shared/Clock.h"
#include "shared/Crypto.h"
#include "shared/PasswordHash.h"
#include "shared/SecretBox.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QTextStream>
#include <QThread>
#include <jemalloc/jemalloc.h>
#include <string>

Q_LOGGING_CATEGORY(lcServer, "dynaseal.server")

namespace dynaseal {

ServerApp::ServerApp(Settings settings, const Clock &clock, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_clock(clock)
{
}

ServerApp::~ServerApp()
{
    m_maintenance.stop();
    m_retention.reset();
    delete m_listener;
    m_listener = nullptr;
    m_workers.reset(); // stop serving before the services it uses go away
    m_callbacks.reset();
    m_http.reset();
    m_reads.close();
    m_db.close();
}

namespace {

// Reads `path`, trimmed, or, when it does not exist yet, creates it (owner-only) with what `make`
// returns and a newline. False with `error` set when it can be neither read nor created.
bool readOrCreate(const QString &path, const std::function<QByteArray()> &make, QByteArray *content, QString *error)
{
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read %1").arg(file.fileName());
            return false;
        }
        *content = file.readAll().trimmed();
        return true;
    }
    const QByteArray made = make();
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(made + '\n') < 0 || !file.flush()) {
        *error = QStringLiteral("cannot create %1").arg(file.fileName());
        return false;
    }
    *content = made;
    return true;
}

} // namespace

bool ServerApp::loadMasterKey(QString *error)
{
    QByteArray key = m_settings.masterKey;
    if (key.isEmpty()) {
        // Kept outside the database: a copy of the database alone opens no secret.
        const QString path = QDir(m_settings.dataDir).filePath(QStringLiteral("master.key"));
        QByteArray hex;
        if (!readOrCreate(path, [] { return crypto::randomBytes(32).toHex(); }, &hex, error))
            return false;
        key = QByteArray::fromHex(hex);
        if (key.size() != 32) {
            *error = QStringLiteral("%1 does not hold a 32-byte hex key").arg(path);
            return false;
        }
    }
    m_box = std::make_unique<SecretBox>(key);
    return true;
}

bool ServerApp::loadServerId(QString *error)
{
    // Made once per data directory, like the journal it goes with: what marks the starts this
    // server writes to the database as its own to recover.
    const QString path = QDir(m_settings.dataDir).filePath(QStringLiteral("server.id"));
    QByteArray id;
    if (!readOrCreate(path, [] { return crypto::randomBytes(16).toHex(); }, &id, error))
        return false;
    if (id.size() != 32) {
        *error = QStringLiteral("%1 does not hold a 32-character server id").arg(path);
        return false;
    }
    m_serverId = QString::fromLatin1(id);
    return true;
}

bool ServerApp::bootstrapAdmin(QString *error)
{
    const qint64 now = m_clock.nowMs();
    const bool exists = m_db.runBlocking<bool>([](SqlSession &s) { return AdminStore::hasUser(s, QStringLiteral("admin")); }).value.value_or(false);
    if (exists)
        return true;
    QString password = m_settings.adminPassword;
    const bool generated = password.isEmpty();
    if (generated)
        password = crypto::randomToken(18);
    const QString hash = passwordhash::hash(password);
    auto created = m_db.runBlocking<bool>([hash, now](SqlSession &s) {
        AdminStore::createUser(s, QStringLiteral("admin"), hash, now);
        AdminStore::audit(s, now, QStringLiteral("system"), QStringLiteral("operator.create"), QStringLiteral("admin"));
        return true;
    });
    if (!created.ok()) {
        *error = created.error;
        return false;
    }
    if (generated) {
        // The one time this password exists outside its hash: shown to the operator, on stdout only.
        QTextStream(stdout) << "created operator 'admin' with password: " << password
                            << "\n  (shown once; set DYNASEAL_ADMIN_PASSWORD on first start to choose it)" << Qt::endl;
    }
    return true;
}

bool ServerApp::start(QString *error)
{
    if (!QDir().mkpath(m_settings.dataDir)) {
        *error = QStringLiteral("cannot create data directory %1").arg(m_settings.dataDir);
        return false;
    }
    QFile::setPermissions(m_settings.dataDir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    // First: its lock keeps a second server off this data directory before either touches it.
    if (!m_journal.open(QDir(m_settings.dataDir).filePath(QStringLiteral("in-flight.journal")), m_settings.inFlightJournalSlots, error))
        return false;
    if (!loadServerId(error) || !loadMasterKey(error))
        return false;
    if (!m_settings.isPostgres())
        QDir().mkpath(QFileInfo(m_settings.sqlitePath()).absolutePath());
    if (!m_db.open(m_settings.database, error, "database", std::chrono::seconds(m_settings.databaseWaitSecs)))
        return false;
    m_db.setGroupCommitWindow(std::chrono::milliseconds(m_settings.commitWindowMs));
    auto indexed = m_db.runBlocking<bool>([on = m_settings.requestEventIndex](SqlSession &s) {
        UsageStore::keepEventIndex(s, on);
        return true;
    });
    if (!indexed.ok()) {
        *error = indexed.error;
        return false;
    }
    // Opened after the writer has applied the migrations, so it finds them done.
    if (!m_reads.open(m_settings.database, error, "database-reads"))
        return false;
    if (!bootstrapAdmin(error))
        return false;

    // Requests an earlier run left in flight are billed their reservation and called back; the
    // callbacks it left unsent in their requests' rows are queued, due now.
    const qint64 now = m_clock.nowMs();
    const QList<RequestStart> journaled = m_journal.leftOver();
    int unsent = 0;
    auto recovered = m_db.runBlocking<QList<PendingCallback>>([now, journaled, serverId = m_serverId, &unsent](SqlSession &s) {
        QList<PendingCallback> interrupted = UsageStore::recoverInterrupted(s, now, journaled, serverId);
        QStringList ids;
        for (const RequestStart &r : journaled)
            ids.append(r.id);
        unsent = CallbackStore::queueUnsentInRows(s, ids, now);
        return interrupted;
    });
    if (!recovered.ok()) {
        *error = recovered.error;
        return false;
    }
    m_journal.clearLeftOver(); // only once their outcomes are committed
    if (!recovered.value->isEmpty())
        qCInfo(lcServer) << "recovered" << recovered.value->size() << "requests interrupted by the last stop";
    if (unsent > 0)
        qCInfo(lcServer) << "queued" << unsent << "callbacks the last run had not sent";
    const SecretBox &box = *m_box;
    TokenLedger &ledger = m_ledger;
    const qint64 nowSecs = m_clock.nowSecs();
    auto loaded = m_db.runBlocking<std::shared_ptr<const RegistrySnapshot>>([&box, &ledger, nowSecs](SqlSession &s) {
        UsageStore::loadLedger(s, ledger, nowSecs);
        return RegistryLoader::load(s, box);
    }, false);
    if (!loaded.ok()) {
        *error = loaded.error;
        return false;
    }
    m_registry.replace(*loaded.value);

    // One TLS context for every client (callbacks, each serving thread's upstreams): the trust
    // store is loaded once, now rather than on each thread's first https:// call (about 20 ms
    // each), and a session one thread got from a peer is resumed by the others.
    const auto tlsContext = std::make_shared<TlsClientContext>(m_settings.tlsCaCertificates);
    HttpClientOptions callbackOptions;
    callbackOptions.maxConnectionsPerHost = m_settings.upstreamMaxConnections;
    callbackOptions.pipelineDepth = m_settings.callbackPipelineDepth;
    callbackOptions.tlsContext = tlsContext;
    m_http = std::make_unique<HttpClient>(callbackOptions);
    CallbackPolicy policy;
    policy.retryBaseMs = m_settings.callbackRetryBaseMs;
    policy.retryMaxMs = m_settings.callbackRetryMaxMs;
    policy.batchWaitMs = m_settings.callbackBatchWaitMs;
    policy.timeoutMs = m_settings.callbackTimeoutMs;
    m_callbacks = std::make_unique<CallbackDispatcher>(m_db, m_journal, m_registry, *m_http, m_clock, m_metrics, policy);
    connect(m_callbacks.get(), &CallbackDispatcher::attempted, &m_live, &LiveEvents::callbackAttempted);
    m_callbacks->setSummariesWanted([this] { return m_live.hasListeners(); });
    m_context = std::make_unique<ServerContext>(ServerContext{m_settings, m_serverId, m_clock, m_db, m_reads, m_journal, *m_box, m_registry, m_ledger, m_limiter, m_keyUsage, m_metrics, m_health, m_live, *m_callbacks});

    ConnectionLimits limits;
    limits.maxBodyBytes = m_settings.maxBodyBytes;
    limits.idleTimeoutMs = m_settings.idleTimeoutSecs * 1000;
    const int workers = m_settings.workers > 0 ? m_settings.workers : std::max(1, QThread::idealThreadCount());
    HttpClientOptions upstreamOptions;
    // The cap is per host for the whole server: each thread's pool gets its share.
    upstreamOptions.maxConnectionsPerHost = std::max(1, (m_settings.upstreamMaxConnections + workers - 1) / workers);
    upstreamOptions.tlsContext = tlsContext;
    // First attempts of callbacks from the thread that served the call: the main thread, one
    // thread for all, caps callbacks at 70,000 to 90,000 a second whatever --workers is
    // (docs/performance-log.md). Each thread gets its share of the receivers' connection cap and of
    // the POSTs in flight. Retries, and callbacks already in the table, stay with the main
    // thread's dispatcher, the only one that polls the table. By default only from 4 serving
    // threads on: on 2 cores the gateway took about 8 % more CPU a call with them on the serving
    // threads, for the same instructions and system calls.
    const bool callbacksFromServingThreads = m_settings.callbacksFromServingThreads.value_or(workers >= 4);
    HttpClientOptions servingCallbackOptions = callbackOptions;
    servingCallbackOptions.maxConnectionsPerHost = upstreamOptions.maxConnectionsPerHost;
    CallbackPolicy servingPolicy = policy;
    servingPolicy.polls = false;
    servingPolicy.maxInFlight = std::max(4, (policy.maxInFlight + workers - 1) / workers);
    // Each serving thread on a core of its own when they are one per core (or with `on`): the
    // scheduler then never moves them between cores (docs/performance-log.md).
    const QList<int> cpus = servingThreadCpus(allowedCpus(), workers, m_settings.pinServingThreads);
    m_workers = std::make_unique<HttpWorkerPool>(workers, m_settings.epollEventLoop, limits, upstreamOptions, [=, this](HttpFrontend &frontend, HttpClient &http) {
        // Runs on each serving thread: its own controllers over the shared, thread-safe context.
        Router &router = frontend.router();
        (new AdminController(*m_context, http, &frontend))->registerRoutes(router);
        auto *proxy = new ProxyController(*m_context, http, &frontend);
        proxy->registerRoutes(router);
        QList<HttpClient *> callbackClients;
        if (callbacksFromServingThreads) {
            auto *client = new HttpClient(servingCallbackOptions, &frontend);
            auto *local = new CallbackDispatcher(m_db, m_journal, m_registry, *client, m_clock, m_metrics, servingPolicy, &frontend);
            connect(local, &CallbackDispatcher::attempted, &m_live, &LiveEvents::callbackAttempted);
            local->setSummariesWanted([this] { return m_live.hasListeners(); });
            CallbackDispatcher *main = m_callbacks.get();
            connect(proxy, &ProxyController::callbacksStored, local, [local, main](const QList<PendingCallback> &callbacks) {
                QList<PendingCallback> inTable;
                for (const PendingCallback &c : callbacks) {
                    if (c.journalSlot >= 0)
                        local->submit({c});
                    else
                        inTable.append(c); // polls take it 10 s on, while its first attempt may still wait
                }
                if (!inTable.isEmpty())
                    QMetaObject::invokeMethod(main, [main, inTable] { main->submit(inTable); }, Qt::QueuedConnection);
            });
            m_servingCallbacks.append(local);
            callbackClients.append(client);
        } else {
            connect(proxy, &ProxyController::callbacksStored, m_callbacks.get(), &CallbackDispatcher::submit);
        }
        m_proxies.append(proxy);
        (new DynamicKeyController(*m_context, &frontend))->registerRoutes(router);
        (new EventsController(*m_context, m_live, &frontend))->registerRoutes(router);
        (new HealthController(*m_context, &frontend))->registerRoutes(router);
        if (m_settings.demo)
            (new DemoController(*m_context, &frontend))->registerRoutes(router);
        return callbackClients;
    }, cpus);
    HttpWorkerPool *pool = m_workers.get();
    const bool mainOnEpoll = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()) != nullptr;
    qCInfo(lcServer, "serving on %d threads, waiting in %s; main thread in %s; callbacks first sent from %s", pool->size(),
           pool->onEpoll() ? "epoll" : "Qt's poll() loop", mainOnEpoll ? "epoll" : "Qt's poll() loop",
           m_servingCallbacks.isEmpty() ? "the main thread" : "the serving threads");
    for (const QString &error : pool->pinningErrors())
        qCWarning(lcServer).noquote() << error;
    if (m_settings.pinServingThreads.value_or(false) && cpus.isEmpty())
        qCWarning(lcServer) << "serving threads not pinned: the CPUs this server may use could not be read";
    QStringList pinned; // "0, 1", or "none, 1" if the first could not be pinned
    for (int cpu : pool->pinnedCpus())
        pinned.append(cpu >= 0 ? QString::number(cpu) : QStringLiteral("none"));
    if (!cpus.isEmpty())
        qCInfo(lcServer).noquote() << QStringLiteral("serving threads pinned to CPUs %1").arg(pinned.join(QStringLiteral(", ")));
    m_listener = new HttpListener(m_settings.maxConnections, [pool](qintptr descriptor, std::function<void()> closed) {
        pool->handOff(descriptor, std::move(closed));
    }, this);
    if (!m_listener->listen(m_settings.listenHost, m_settings.listenPort)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3").arg(m_settings.listenHost.toString()).arg(m_settings.listenPort).arg(m_listener->errorString());
        return false;
    }
    m_port = m_listener->serverPort();

    m_metrics.describe(QStringLiteral("dynaseal_proxy_requests_total"), QStringLiteral("counter"), QStringLiteral("Proxied requests by endpoint and outcome"));
    m_metrics.describe(QStringLiteral("dynaseal_proxy_refused_total"), QStringLiteral("counter"), QStringLiteral("Requests refused before forwarding, by error code"));
    m_metrics.describe(QStringLiteral("dynaseal_tokens_billed_total"), QStringLiteral("counter"), QStringLiteral("Tokens billed to tenants"));
    m_metrics.describe(QStringLiteral("dynaseal_proxy_duration_seconds"), QStringLiteral("histogram"), QStringLiteral("Time from accepting a proxied request to its end"));
    m_metrics.describe(QStringLiteral("dynaseal_streams_held_back_total"), QStringLiteral("counter"), QStringLiteral("Times a stream's upstream stopped being read until a slow device caught up"));
    m_metrics.describe(QStringLiteral("dynaseal_callbacks_delivered_total"), QStringLiteral("counter"), QStringLiteral("Callbacks the tenant acknowledged with 2xx"));
    m_metrics.describe(QStringLiteral("dynaseal_callbacks_failed_attempts_total"), QStringLiteral("counter"), QStringLiteral("Callback attempts that failed and will be retried"));
    m_metrics.describe(QStringLiteral("dynaseal_callback_posts_total"), QStringLiteral("counter"), QStringLiteral("HTTP POSTs sent to callback receivers (one callback each, or a batch)"));
    m_metrics.gauge(QStringLiteral("dynaseal_proxy_in_flight"), QStringLiteral("Proxied requests in progress"), [this] { return double(activeCalls()); });
    HttpListener *listener = m_listener;
    m_metrics.gauge(QStringLiteral("dynaseal_connections_open"), QStringLiteral("Open client connections"), [listener] { return double(listener->openConnections()); });
    m_metrics.gauge(QStringLiteral("dynaseal_http_workers"), QStringLiteral("Threads serving HTTP"), [pool] { return double(pool->size()); });
    m_metrics.gauge(QStringLiteral("dynaseal_in_flight_journal_used"), QStringLiteral("Slots of the in-flight journal in use (requests forwarded and not yet recorded, callbacks stored with them and not yet tried)"),
                    [this] { return double(m_journal.inUse()); });
    m_metrics.gauge(QStringLiteral("dynaseal_db_queue_length"), QStringLiteral("Database jobs waiting"), [this] { return double(m_db.queuedJobs()); });
    m_metrics.gauge(QStringLiteral("dynaseal_db_write_batches"), QStringLiteral("Write transactions run since start (group commit: several jobs each)"),
                    [this] { return double(m_db.writeBatches()); });
    m_metrics.gauge(QStringLiteral("dynaseal_db_write_jobs"), QStringLiteral("Write jobs run in those transactions since start"),
                    [this] { return double(m_db.writeJobs()); });
    // Sampled: the pools live on other threads (serving threads once a second; callbacks on this one).
    m_metrics.gauge(QStringLiteral("dynaseal_upstream_connections_open"), QStringLiteral("Open connections to upstreams and callback receivers"),
                    [this, pool] { return double(pool->clientConnections() + m_callbackConnections.load()); });

    if (m_settings.demo && !seedDemo(error))
        return false;

    m_callbacks->start();
    m_callbacks->submit(*recovered.value);
    RetentionPolicy retention;
    retention.requestLogDays = m_settings.requestLogRetentionDays;
    retention.minuteRollupDays = m_settings.minuteRollupRetentionDays;
    m_retention = std::make_unique<RetentionPurge>(m_db, m_clock, retention);
    connect(&m_maintenance, &QTimer::timeout, this, &ServerApp::maintain);
    m_maintenance.start(60'000);
    connect(&m_sampler, &QTimer::timeout, this, [this] {
        m_callbackConnections.store(m_http->openConnections());
        releaseMemoryWhenIdle();
    });
    m_sampler.start(1'000);
    connect(&m_keyUsageFlush, &QTimer::timeout, this, &ServerApp::flushKeyUsage);
    m_keyUsageFlush.start(5'000);
    if (m_settings.upstreamHealthIntervalSecs > 0) {
        connect(&m_healthChecks, &QTimer::timeout, this, &ServerApp::checkUpstreams);
        m_healthChecks.start(m_settings.upstreamHealthIntervalSecs * 1000);
    }
    if (m_settings.registryRefreshMs > 0) {
        connect(&m_registryRefresh, &QTimer::timeout, this, &ServerApp::refreshRegistry);
        m_registryRefresh.start(m_settings.registryRefreshMs);
    }

    const QString host = m_settings.listenHost.protocol() == QAbstractSocket::IPv6Protocol
        ? QStringLiteral("[%1]").arg(m_settings.listenHost.toString()) : m_settings.listenHost.toString();
    QTextStream(stdout) << "listening on http://" << host << ':' << m_port << Qt::endl;
    return true;
}

bool ServerApp::seedDemo(QString *error)
{
    const QString host = (m_settings.listenHost.isLoopback() || m_settings.listenHost == QHostAddress::Any || m_settings.listenHost == QHostAddress::AnyIPv4)
        ? QStringLiteral("127.0.0.1") : m_settings.listenHost.toString();
    const QString base = QStringLiteral("http://%1:%2").arg(host).arg(m_port);
    const SecretBox &box = *m_box;
    const qint64 now = m_clock.nowMs();
    // The demo's upstream and tenant follow the port of this run.
    auto seeded = m_db.runBlocking<std::shared_ptr<const RegistrySnapshot>>([&, base, now](SqlSession &s) {
        UpstreamInput upstream;
        upstream.name = QStringLiteral("demo-mock");
        upstream.baseUrl = QUrl(base + DemoController::mockPath());
        upstream.models = QStringList{QStringLiteral("demo-chat"), QStringLiteral("demo-embed")};
        QSqlQuery &u = s.exec(QStringLiteral("SELECT id FROM upstreams WHERE name = ?"), {*upstream.name});
        if (u.next()) {
            const QString id = u.value(0).toString();
            UpstreamStore::update(s, box, id, upstream, now);
        } else {
            upstream.apiKey = QStringLiteral("demo-upstream-key");
            UpstreamStore::create(s, box, upstream, now);
        }
        TenantInput tenant;
        tenant.name = QStringLiteral("Demo app");
        tenant.callbackUrl = base + DemoController::callbackPath();
        QSqlQuery &t = s.exec(QStringLiteral("SELECT id FROM tenants WHERE name = ? ORDER BY created_at LIMIT 1"), {*tenant.name});
        QString tenantId;
        if (t.next()) {
            tenantId = t.value(0).toString();
            TenantStore::update(s, tenantId, tenant, std::nullopt, now);
        } else {
            tenantId = TenantStore::create(s, box, tenant, TenantPolicy().toJson(), now).value(QLatin1String("id")).toString();
        }
        QSqlQuery &k = s.exec(QStringLiteral("SELECT 1 FROM tenant_keys WHERE tenant_id = ? AND revoked_at IS NULL AND alg = 'HS256'"), {tenantId});
        if (!k.next())
            TenantStore::issueKey(s, box, tenantId, now);
        return RegistryLoader::loadChanged(s, box);
    });
    if (!seeded.ok()) {
        *error = QStringLiteral("cannot seed the demo: %1").arg(seeded.error);
        return false;
    }
    m_registry.replace(*seeded.value);
    const RegistrySnapshot &registry = **seeded.value;
    for (const Tenant &tenant : registry.tenants) {
        if (tenant.name != QLatin1String("Demo app") || tenant.keys.isEmpty())
            continue;
        MintInput input;
        input.models = QStringList{QStringLiteral("demo-chat")};
        input.maxTokens = 2000;
        input.ttlSeconds = std::min<qint64>(3600, tenant.maxKeyLifetimeSecs.value_or(m_settings.maxKeyLifetimeSecs));
        const MintedKey key = DynamicKeyMinter::mint(tenant, tenant.keys.first(), input, m_clock.nowSecs());
        QTextStream(stdout)
            << "demo ready: tenant \"" << tenant.name << "\" (" << tenant.id << "), mock upstream serving demo-chat\n"
            << "try it (dynamic key valid 1 hour, budget 2000 tokens):\n\n"
            << "curl -sN " << base << "/v1/chat/completions -H 'Authorization: Bearer " << key.token
            << "' -H 'Content-Type: application/json' -d '{\"model\":\"demo-chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}'\n"
            << Qt::endl;
        return true;
    }
    *error = QStringLiteral("the demo tenant has no key");
    return false;
}

void ServerApp::releaseMemoryWhenIdle()
{
    quint64 started = 0;
    for (const ProxyController *proxy : m_proxies)
        started += proxy->startedCalls();
    const bool idle = activeCalls() == 0 && m_callbacks->inFlight() == 0;
    if (!idle || started == m_startedAtLastRelease)
        return;
    m_startedAtLastRelease = started;
    // The allocator keeps the pages a burst of streams freed (it would hand them back over the
    // next seconds), and the resident size stays near its peak meanwhile, which looks like a
    // leak; hand them back at once when the server is idle.
    static const std::string purgeAll = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
    mallctl(purgeAll.c_str(), nullptr, nullptr, nullptr, 0);
}

void ServerApp::forEachCallbackDispatcher(const std::function<void(CallbackDispatcher &)> &run)
{
    run(*m_callbacks);
    // Each serving thread's dispatcher is used on its thread only; its thread never waits for
    // this one, so waiting for it here cannot deadlock.
    for (CallbackDispatcher *local : std::as_const(m_servingCallbacks))
        QMetaObject::invokeMethod(local, [local, &run] { run(*local); }, Qt::BlockingQueuedConnection);
}

int ServerApp::activeCalls() const
{
    int total = 0;
    for (const ProxyController *proxy : m_proxies)
        total += proxy->activeCalls();
    return total;
}

void ServerApp::maintain()
{
    const qint64 now = m_clock.nowMs();
    m_ledger.pruneExpired(m_clock.nowSecs() - 60);
    m_limiter.prune(now);
    m_retention->run();
    m_db.write<bool>([now](SqlSession &s) {
        AdminStore::purgeExpiredSessions(s, now);
        return true;
    }, this, [](DbOutcome<bool> done) {
        if (!done.ok())
            qCWarning(lcServer) << "maintenance failed:" << done.error;
    });
}

void ServerApp::checkUpstreams()
{
    for (const Upstream &u : m_registry.current()->upstreams) {
        HttpRequest request;
        request.method = "GET";
        request.url = u.endpoint(QStringLiteral("/models"));
        request.headers = {{"Authorization", "Bearer " + u.apiKey}};
        request.connectTimeoutMs = request.firstByteTimeoutMs = request.idleTimeoutMs = 5'000;
        const QString id = u.id;
        // Any answer below 500 shows the upstream is up (a provider without /models answers 404).
        auto status = std::make_shared<int>(0);
        HttpResponseHandler handler;
        handler.onHead = [status](int code, const HttpHeaders &) { *status = code; };
        handler.onData = [](const QByteArray &) {};
        handler.onComplete = [this, id, status] {
            if (*status < 500)
                m_health.markSuccess(id);
            else
                m_health.markFailure(id, m_clock.nowMs());
        };
        handler.onError = [this, id](HttpClientError, const QString &) { m_health.markFailure(id, m_clock.nowMs()); };
        m_http->send(request, handler);
    }
}

void ServerApp::refreshRegistry()
{
    // Another server on the same database may have changed tenants, keys, upstreams or rules
    // (this server's own changes are loaded as they are made). One small read when nothing
    // changed; the whole registry when something did.
    if (m_registryRefreshing)
        return;
    m_registryRefreshing = true;
    const qint64 held = m_registry.current()->storedVersion;
    const SecretBox &box = *m_box;
    m_db.read<std::shared_ptr<const RegistrySnapshot>>(
        [held, &box](SqlSession &s) -> std::shared_ptr<const RegistrySnapshot> {
            if (RegistryLoader::storedVersion(s) == held)
                return nullptr;
            return RegistryLoader::load(s, box);
        },
        this, [this](DbOutcome<std::shared_ptr<const RegistrySnapshot>> outcome) {
            m_registryRefreshing = false;
            if (!outcome.ok()) {
                qCWarning(lcServer) << "cannot refresh the registry from the database:" << outcome.error;
                return;
            }
            if (*outcome.value && m_registry.replaceIfNewer(*outcome.value))
                qCInfo(lcServer) << "registry reloaded: changed in the database (version" << (*outcome.value)->storedVersion << ")";
        });
}

void ServerApp::flushKeyUsage()
{
    const QHash<QString, qint64> lastUsed = m_keyUsage.take();
    if (lastUsed.isEmpty())
        return;
    m_db.write<bool>([lastUsed](SqlSession &s) { TenantStore::touchKeys(s, lastUsed); return true; }, this, [](DbOutcome<bool>) {});
}

void ServerApp::shutdown(int graceMs, std::function<void()> done)
{
    if (m_listener)
        m_listener->close();
    auto deadline = std::make_shared<qint64>(m_clock.nowMs() + graceMs);
    auto callbacksDeadline = std::make_shared<qint64>(0);
    auto *poll = new QTimer(this);
    connect(poll, &QTimer::timeout, this, [this, poll, deadline, callbacksDeadline, done] {
        const qint64 now = m_clock.nowMs();
        if (activeCalls() > 0 && now < *deadline)
            return;
        // Callbacks gathered for a batch go now, and those in flight get a moment for their
        // answer: a clean stop then neither leaves them to the next start nor sends them twice.
        // A receiver that does not answer holds the stop for kCallbackDrainMs at most.
        // One more tick first: the callbacks of the last calls are still on their way here.
        if (*callbacksDeadline == 0) {
            *callbacksDeadline = std::min(*deadline, now + kCallbackDrainMs);
            if (now < *callbacksDeadline)
                return;
        }
        int posting = 0;
        forEachCallbackDispatcher([&posting](CallbackDispatcher &d) {
            d.sendGathered();
            posting += d.posting();
        });
        if (posting > 0 && now < *callbacksDeadline)
            return;
        poll->stop();
        poll->deleteLater();
        flushKeyUsage();
        forEachCallbackDispatcher([](CallbackDispatcher &d) { d.recordDelivered(); });
        m_db.flush();
        // The flushed jobs' completions free the journal slots of callbacks just recorded as
        // delivered; left queued, the next start would send those again. They wait in the event
        // queue of their dispatcher's thread: one more call there runs after them.
        QCoreApplication::sendPostedEvents();
        forEachCallbackDispatcher([](CallbackDispatcher &) {});
        done();
    });
    poll->start(50);
}

} // namespace dynaseal

#pragma once
// Server settings, resolved per key as: command-line flag > environment > config file > default.
#include <QHostAddress>
#include <QProcessEnvironment>
#include <QSslCertificate>
#include <QString>
#include <QStringList>
#include <optional>

namespace dynaseal {

struct Settings
{
    QHostAddress listenHost = QHostAddress::LocalHost;
    quint16 listenPort = 8000;
    QString dataDir;
    QString database;   // "sqlite:PATH" or "postgres://user:pass@host:port/db"
    int databaseWaitSecs = 60; // at start, how long a PostgreSQL that is not up yet is waited for
    QString configFile; // empty: none
    bool demo = false;
    QString adminPassword; // only from the environment, read on first start

    qint64 maxBodyBytes = 8 * 1024 * 1024;
    int maxConnections = 10'000;
    int idleTimeoutSecs = 75;
    int workers = 0; // serving threads; 0: one per core
    std::optional<bool> pinServingThreads; // each serving thread on a core of its own; unset: auto
    bool epollEventLoop = true; // serving and main threads wait in epoll (Linux); false: Qt's own poll() loop
    int upstreamMaxConnections = 4096; // open connections per upstream host, all serving threads together
    qint64 maxKeyLifetimeSecs = 86'400; // default cap for tenants that set none
    qint64 defaultMaxTokens = 4096;      // completion cap sent upstream when a device sets none
    int adminTokenTtlSecs = 12 * 3600;
    int upstreamConnectTimeoutMs = 10'000;
    int upstreamFirstByteTimeoutMs = 120'000;
    int upstreamIdleTimeoutMs = 120'000;
    int upstreamHealthIntervalSecs = 30; // active checks (GET <base_url>/models); 0: off
    int upstreamEjectAfter = 3;          // failures in a row that take an upstream out for 30 s; 0: never
    int callbackRetryBaseMs = 1'000;
    int callbackRetryMaxMs = 600'000;
    int callbackTimeoutMs = 10'000;
    int callbackBatchWaitMs = 20;
    int callbackPipelineDepth = 32; // first attempts to one receiver sharing a connection, written together; 1: none
    // First attempts of callbacks sent by the thread that served the call (true) or by the main
    // thread (false); unset ("auto"): from the serving threads when there are 4 or more.
    std::optional<bool> callbacksFromServingThreads;
    int requestLogRetentionDays = 30;
    int minuteRollupRetentionDays = 7;
    int registryRefreshMs = 2'000; // how often another server's registry changes are looked for; 0: never
    int inFlightJournalSlots = 16'384; // requests journaled at once; beyond it, or with 0, starts go to the database
    int commitWindowMs = 2; // longest a call's outcome waits for others to share its database transaction
    bool requestEventIndex = true; // the request log's index by event_id (made or dropped at start-up)
    // CA certificates trusted for outgoing HTTPS (upstreams, health checks, callback receivers)
    // besides the system's, read from the PEM file --tls-ca-file names.
    QList<QSslCertificate> tlsCaCertificates;
    QByteArray proxyMasterKey; // operator's key for the proxy: any model, for testing; empty: none
    QByteArray masterKey; // 32 bytes from DYNASEAL_MASTER_KEY (hex or base64); else a file in dataDir

    // Fills `out` or returns false with a plain-words reason. `--help` and `--version` are
    // handled by the caller before this.
    static bool resolve(const QStringList &arguments, const QProcessEnvironment &environment,
                        Settings *out, QString *error);
    // One line per setting: flag, environment variable, config key, default and meaning.
    static QString helpText();

    QString sqlitePath() const; // for "sqlite:" databases
    bool isPostgres() const { return database.startsWith(QLatin1String("postgres")); }
};

} // namespace dynaseal

#include "server/core/Settings.h"

#include "server/core/storage/PostgresConnection.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <functional>

namespace dynaseal {
namespace {

// One setting: the flag (also its config-file key), its environment variable, its default as
// text, a one-line meaning, and how to apply a value.
struct Definition
{
    const char *flag;
    const char *env;
    const char *defaultText;
    const char *meaning;
    std::function<bool(Settings &, const QString &, QString *)> apply;
};

bool toInt(const QString &text, qint64 min, qint64 max, qint64 *out)
{
    bool ok = false;
    const qint64 v = text.trimmed().toLongLong(&ok);
    if (!ok || v < min || v > max)
        return false;
    *out = v;
    return true;
}

template<typename T>
std::function<bool(Settings &, const QString &, QString *)> integer(T Settings::*field, qint64 min, qint64 max)
{
    return [field, min, max](Settings &s, const QString &v, QString *error) {
        qint64 n = 0;
        if (!toInt(v, min, max, &n)) {
            *error = QStringLiteral("must be an integer from %1 to %2").arg(min).arg(max);
            return false;
        }
        s.*field = static_cast<T>(n);
        return true;
    };
}

std::function<bool(Settings &, const QString &, QString *)> text(QString Settings::*field)
{
    return [field](Settings &s, const QString &v, QString *) {
        s.*field = v;
        return true;
    };
}

// "on" or "off" into `on`; with `autoToo`, also "auto", which gives std::nullopt.
bool parseOnOff(const QString &v, bool autoToo, std::optional<bool> *on, QString *error)
{
    if (autoToo && v == QLatin1String("auto")) {
        *on = std::nullopt;
        return true;
    }
    if (v != QLatin1String("on") && v != QLatin1String("off")) {
        *error = autoToo ? QStringLiteral("must be on, off or auto") : QStringLiteral("must be on or off");
        return false;
    }
    *on = v == QLatin1String("on");
    return true;
}

std::function<bool(Settings &, const QString &, QString *)> onOff(bool Settings::*field)
{
    return [field](Settings &s, const QString &v, QString *error) {
        std::optional<bool> on;
        if (!parseOnOff(v, false, &on, error))
            return false;
        s.*field = *on;
        return true;
    };
}

// on, off, or auto (unset).
std::function<bool(Settings &, const QString &, QString *)> onOffAuto(std::optional<bool> Settings::*field)
{
    return [field](Settings &s, const QString &v, QString *error) { return parseOnOff(v, true, &(s.*field), error); };
}

bool applyListen(Settings &s, const QString &v, QString *error)
{
    const int colon = v.lastIndexOf(QLatin1Char(':'));
    qint64 port = 0;
    QString host = v.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    const QHostAddress address(host == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : host);
    if (colon <= 0 || address.isNull() || !toInt(v.mid(colon + 1), 0, 65535, &port)) {
        *error = QStringLiteral("must be HOST:PORT with a numeric address, e.g. 127.0.0.1:8000 or [::1]:0");
        return false;
    }
    s.listenHost = address;
    s.listenPort = quint16(port);
    return true;
}

bool applyEventLoop(Settings &s, const QString &v, QString *error)
{
    if (v != QLatin1String("epoll") && v != QLatin1String("qt")) {
        *error = QStringLiteral("must be epoll or qt");
        return false;
    }
    s.epollEventLoop = v == QLatin1String("epoll");
    return true;
}

bool applyDatabase(Settings &s, const QString &v, QString *error)
{
    if (!v.startsWith(QLatin1String("sqlite:")) && !v.startsWith(QLatin1String("postgres://"))
        && !v.startsWith(QLatin1String("postgresql://"))) {
        *error = QStringLiteral("must start with sqlite: or postgres://");
        return false;
    }
    if (!v.startsWith(QLatin1String("sqlite:")) && !PostgresConnection::fromUrl(v, QString(), error))
        return false;
    s.database = v;
    return true;
}

bool applyTlsCaFile(Settings &s, const QString &v, QString *error)
{
    QFile file(v);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot be read: %1").arg(file.errorString());
        return false;
    }
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(file.read(1 << 20), QSsl::Pem);
    if (certificates.isEmpty()) {
        *error = QStringLiteral("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return false;
    }
    s.tlsCaCertificates = certificates;
    return true;
}

const QList<Definition> &definitions()
{
    static const QList<Definition> defs = {
        {"listen", "DYNASEAL_LISTEN", "127.0.0.1:8000", "where to serve; port 0 picks a free port", applyListen},
        {"data-dir", "DYNASEAL_DATA_DIR", "<user data dir>/dynaseal", "SQLite database and server secrets", text(&Settings::dataDir)},
        {"database", "DYNASEAL_DATABASE", "sqlite:<data-dir>/dynaseal.db", "sqlite:PATH or postgres://user:pass@host:port/db", applyDatabase},
        {"database-wait", "DYNASEAL_DATABASE_WAIT", "60", "seconds to wait at start for a PostgreSQL that does not answer yet, or says it is starting (started with the server, or restarting); one that answers and refuses (password, database name, pg_hba.conf) stops the start at once; 0 never waits", integer(&Settings::databaseWaitSecs, 0, 86'400)},
        {"max-body-bytes", "DYNASEAL_MAX_BODY_BYTES", "8388608", "largest request body; larger ones get 413 before they are read", integer(&Settings::maxBodyBytes, 1024, qint64(1) << 32)},
        {"max-connections", "DYNASEAL_MAX_CONNECTIONS", "10000", "open client connections at most; more are closed at once", integer(&Settings::maxConnections, 1, 1'000'000)},
        {"idle-timeout", "DYNASEAL_IDLE_TIMEOUT", "75", "seconds a client connection may sit idle, or take nothing of a response sent to it", integer(&Settings::idleTimeoutSecs, 1, 86'400)},
        {"workers", "DYNASEAL_WORKERS", "0", "threads serving HTTP; 0 starts one per core", integer(&Settings::workers, 0, 256)},
        {"pin-serving-threads", "DYNASEAL_PIN_SERVING_THREADS", "auto", "on: serving thread i runs only on the i-th CPU the server may use (round robin); off: the scheduler moves them; auto: on when there are two or more serving threads and as many CPUs, off otherwise", onOffAuto(&Settings::pinServingThreads)},
        {"event-loop", "DYNASEAL_EVENT_LOOP", "epoll", "how the serving threads and the main thread wait for their sockets: epoll (Linux; the kernel reports only the ready ones), or qt (Qt's own poll() over every socket, on each pass)", applyEventLoop},
        {"max-key-lifetime", "DYNASEAL_MAX_KEY_LIFETIME", "86400", "longest dynamic-key lifetime in seconds, for tenants that set none", integer(&Settings::maxKeyLifetimeSecs, 1, 10LL * 365 * 86'400)},
        {"default-max-tokens", "DYNASEAL_DEFAULT_MAX_TOKENS", "4096", "completion tokens asked of the upstream when a device sets no max_tokens (the key's budget may lower it)", integer(&Settings::defaultMaxTokens, 1, 10'000'000)},
        {"proxy-master-key", "DYNASEAL_PROXY_MASTER_KEY", "(none)", "operator key that may call the proxy with any model, for testing (at least 32 characters; every use is logged; prefer the environment or config file)",
         [](Settings &s, const QString &v, QString *error) {
             if (v.size() < 32) {
                 *error = QStringLiteral("must be at least 32 characters");
                 return false;
             }
             s.proxyMasterKey = v.toUtf8();
             return true;
         }},
        {"admin-token-ttl", "DYNASEAL_ADMIN_TOKEN_TTL", "43200", "seconds an admin login token stays valid", integer(&Settings::adminTokenTtlSecs, 60, 30 * 86'400)},
        {"upstream-connect-timeout-ms", "DYNASEAL_UPSTREAM_CONNECT_TIMEOUT_MS", "10000", "connecting to an upstream", integer(&Settings::upstreamConnectTimeoutMs, 10, 600'000)},
        {"upstream-first-byte-timeout-ms", "DYNASEAL_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", "120000", "waiting for an upstream's response headers", integer(&Settings::upstreamFirstByteTimeoutMs, 10, 3'600'000)},
        {"upstream-idle-timeout-ms", "DYNASEAL_UPSTREAM_IDLE_TIMEOUT_MS", "120000", "longest silence inside an upstream response", integer(&Settings::upstreamIdleTimeoutMs, 10, 3'600'000)},
        {"upstream-max-connections", "DYNASEAL_UPSTREAM_MAX_CONNECTIONS", "4096", "open connections per upstream host (and per callback receiver); calls beyond it wait their turn. Streams hold one each for their whole length", integer(&Settings::upstreamMaxConnections, 1, 1'000'000)},
        {"upstream-health-interval", "DYNASEAL_UPSTREAM_HEALTH_INTERVAL", "30", "seconds between active upstream health checks (GET <base_url>/models); 0 turns them off", integer(&Settings::upstreamHealthIntervalSecs, 0, 86'400)},
        {"upstream-eject-after", "DYNASEAL_UPSTREAM_EJECT_AFTER", "3", "failures in a row (calls or checks) that take an upstream out of rotation for 30 s; 0 never takes one out", integer(&Settings::upstreamEjectAfter, 0, 1000)},
        {"tls-ca-file", "DYNASEAL_TLS_CA_FILE", "(none)", "PEM file of CA certificates trusted for outgoing HTTPS (upstreams, their health checks, tenants' callback receivers) besides the system's, e.g. a private CA in front of a self-hosted model server", applyTlsCaFile},
        {"callback-retry-base-ms", "DYNASEAL_CALLBACK_RETRY_BASE_MS", "1000", "first retry delay of a failed callback; doubles each attempt", integer(&Settings::callbackRetryBaseMs, 1, 3'600'000)},
        {"callback-retry-max-ms", "DYNASEAL_CALLBACK_RETRY_MAX_MS", "600000", "longest delay between callback attempts", integer(&Settings::callbackRetryMaxMs, 1, 86'400'000)},
        {"callback-timeout-ms", "DYNASEAL_CALLBACK_TIMEOUT_MS", "10000", "how long a tenant's callback receiver may take to answer", integer(&Settings::callbackTimeoutMs, 10, 600'000)},
        {"callback-batch-wait-ms", "DYNASEAL_CALLBACK_BATCH_WAIT_MS", "20", "longest a callback waits for others to share its POST, for tenants whose callback_batch is above 1", integer(&Settings::callbackBatchWaitMs, 0, 60'000)},
        {"callback-pipeline-depth", "DYNASEAL_CALLBACK_PIPELINE_DEPTH", "32", "callback POSTs to one receiver that share a connection and go out in one send (HTTP/1.1 pipelining; retries always go alone); 1 sends each on a connection of its own", integer(&Settings::callbackPipelineDepth, 1, 1000)},
        {"callbacks-from-serving-threads", "DYNASEAL_CALLBACKS_FROM_SERVING_THREADS", "auto", "on: each serving thread sends the first attempt of the callbacks of the calls it served, so callbacks scale with --workers; off: every callback goes from the main thread (one thread sends some 70,000 to 90,000 a second); auto: on with 4 or more serving threads. Retries always go from the main thread", onOffAuto(&Settings::callbacksFromServingThreads)},
        {"request-log-retention-days", "DYNASEAL_REQUEST_LOG_RETENTION_DAYS", "30", "days the request log and delivered callbacks are kept", integer(&Settings::requestLogRetentionDays, 1, 36'500)},
        {"minute-rollup-retention-days", "DYNASEAL_MINUTE_ROLLUP_RETENTION_DAYS", "7", "days per-minute usage rollups are kept (hourly ones are kept)", integer(&Settings::minuteRollupRetentionDays, 1, 36'500)},
        {"registry-refresh-ms", "DYNASEAL_REGISTRY_REFRESH_MS", "2000", "how often to look for changes to tenants, keys, upstreams and rules made through another server on the same database (one small read; the registry is reloaded when it changed); 0 never looks", integer(&Settings::registryRefreshMs, 0, 3'600'000)},
        {"in-flight-journal-slots", "DYNASEAL_IN_FLIGHT_JOURNAL_SLOTS", "16384", "requests recorded at once in <data-dir>/in-flight.journal, so that a crash is billed without a database write before each request is forwarded; further requests (all of them with 0) write their start to the database first", integer(&Settings::inFlightJournalSlots, 0, 1 << 20)},
        {"request-event-index", "DYNASEAL_REQUEST_EVENT_INDEX", "on", "keep the request log indexed by event_id, for GET /admin/v1/requests?event_id=…; with many devices whose event ids come in no order it costs every call a page write (about 5 KB); off drops the index at start-up (on makes it again), and that filter then reads the whole time range", onOff(&Settings::requestEventIndex)},
        {"commit-window-ms", "DYNASEAL_COMMIT_WINDOW_MS", "2", "longest a call's outcome (and a callback's state) waits for others to share its database transaction; longer saves database work below full load, and shows them in the request log and calls back that much later", integer(&Settings::commitWindowMs, 0, 1000)},
    };
    return defs;
}

QString defaultDataDir()
{
    const QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return QDir(base.isEmpty() ? QDir::homePath() + QStringLiteral("/.local/share") : base).filePath(QStringLiteral("dynaseal"));
}

bool parseMasterKey(const QString &text, QByteArray *out)
{
    const QByteArray raw = text.trimmed().toLatin1();
    QByteArray key = QByteArray::fromHex(raw);
    if (raw.size() != 64 || key.size() != 32) {
        auto decoded = QByteArray::fromBase64Encoding(raw, QByteArray::AbortOnBase64DecodingErrors);
        key = decoded ? *decoded : QByteArray();
    }
    if (key.size() != 32)
        return false;
    *out = key;
    return true;
}

} // namespace

bool Settings::resolve(const QStringList &arguments, const QProcessEnvironment &environment,
                       Settings *out, QString *error)
{
    Settings s;
    QHash<QString, QString> flags;
    for (int i = 1; i < arguments.size(); ++i) {
        QString arg = arguments.at(i);
        if (arg == QLatin1String("--demo")) {
            s.demo = true;
            continue;
        }
        if (!arg.startsWith(QLatin1String("--"))) {
            *error = QStringLiteral("unexpected argument '%1' (see --help)").arg(arg);
            return false;
        }
        arg = arg.mid(2);
        QString value;
        const int eq = arg.indexOf(QLatin1Char('='));
        if (eq >= 0) {
            value = arg.mid(eq + 1);
            arg = arg.left(eq);
        }
        // Checked before looking for a value, so a mistyped last flag is not "missing a value".
        const bool known = arg == QLatin1String("config") || std::any_of(definitions().begin(), definitions().end(),
            [&](const Definition &d) { return arg == QLatin1String(d.flag); });
        if (!known) {
            *error = QStringLiteral("unknown option --%1 (see --help)").arg(arg);
            return false;
        }
        if (eq < 0) {
            if (i + 1 >= arguments.size()) {
                *error = QStringLiteral("--%1 needs a value").arg(arg);
                return false;
            }
            value = arguments.at(++i);
        }
        flags.insert(arg, value);
    }

    s.configFile = flags.value(QStringLiteral("config"), environment.value(QStringLiteral("DYNASEAL_CONFIG")));
    std::unique_ptr<QSettings> config;
    if (!s.configFile.isEmpty()) {
        if (!QFileInfo(s.configFile).isReadable()) {
            *error = QStringLiteral("config file %1 cannot be read").arg(s.configFile);
            return false;
        }
        config = std::make_unique<QSettings>(s.configFile, QSettings::IniFormat);
        if (config->status() != QSettings::NoError) {
            *error = QStringLiteral("config file %1 is not valid INI").arg(s.configFile);
            return false;
        }
    }

    for (const Definition &d : definitions()) {
        const QString flag = QLatin1String(d.flag);
        QString value;
        QString source;
        if (flags.contains(flag)) {
            value = flags.value(flag);
            source = QStringLiteral("--") + flag;
        } else if (environment.contains(QLatin1String(d.env))) {
            value = environment.value(QLatin1String(d.env));
            source = QLatin1String(d.env);
        } else if (config && config->contains(flag)) {
            value = config->value(flag).toString();
            source = s.configFile + QStringLiteral(": ") + flag;
        } else {
            continue; // default already in the struct, or derived below
        }
        QString why;
        if (!d.apply(s, value, &why)) {
            *error = QStringLiteral("%1 %2").arg(source, why);
            return false;
        }
    }

    if (s.dataDir.isEmpty())
        s.dataDir = defaultDataDir();
    s.dataDir = QDir(s.dataDir).absolutePath();
    if (s.database.isEmpty())
        s.database = QStringLiteral("sqlite:") + QDir(s.dataDir).filePath(QStringLiteral("dynaseal.db"));
    if (s.callbackRetryMaxMs < s.callbackRetryBaseMs)
        s.callbackRetryMaxMs = s.callbackRetryBaseMs;

    s.adminPassword = environment.value(QStringLiteral("DYNASEAL_ADMIN_PASSWORD"));
    const QString master = environment.value(QStringLiteral("DYNASEAL_MASTER_KEY"));
    if (!master.isEmpty() && !parseMasterKey(master, &s.masterKey)) {
        *error = QStringLiteral("DYNASEAL_MASTER_KEY must be 32 bytes, hex (64 digits) or base64");
        return false;
    }
    *out = s;
    return true;
}

QString Settings::helpText()
{
    QString text = QStringLiteral(
        "Usage: dynaseal-server [options]\n\n"
        "  --demo                seed a demo tenant and a built-in mock upstream; print a curl line\n"
        "  --config FILE         INI config file, keys named like the flags (env DYNASEAL_CONFIG)\n"
        "  --version             print the version and exit\n"
        "  --help                this text\n\n"
        "Settings (flag > environment > config file > default):\n");
    for (const Definition &d : definitions()) {
        text += QStringLiteral("  --%1 (%2, default %3)\n      %4\n")
                    .arg(QLatin1String(d.flag), QLatin1String(d.env), QLatin1String(d.defaultText), QLatin1String(d.meaning));
    }
    text += QStringLiteral(
        "\nEnvironment only:\n"
        "  DYNASEAL_ADMIN_PASSWORD  password of operator 'admin' on first start (else one is generated and printed once)\n"
        "  DYNASEAL_MASTER_KEY      32-byte key (hex or base64) that encrypts secrets at rest; else <data-dir>/master.key (0600)\n");
    return text;
}

QString Settings::sqlitePath() const
{
    return database.mid(int(qstrlen("sqlite:")));
}

} // namespace dynaseal

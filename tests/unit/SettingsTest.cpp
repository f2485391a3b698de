// Settings::resolve: flag > environment > config file > default, the flag forms, --listen
// parsing, option errors, the master key and the default database path.
#include "server/core/Settings.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal;

namespace {

struct Source
{
    const char *flag;
    const char *env;
    QString flagValue;
    QString envValue;
    QString configValue;
    QString defaultValue;
};

const QList<Source> &sources()
{
    static const QList<Source> list = {
        {"listen", "DYNASEAL_LISTEN", QStringLiteral("127.0.0.1:1111"), QStringLiteral("127.0.0.1:2222"),
         QStringLiteral("127.0.0.1:3333"), QStringLiteral("127.0.0.1:8000")},
        {"max-body-bytes", "DYNASEAL_MAX_BODY_BYTES", QStringLiteral("11111"), QStringLiteral("22222"),
         QStringLiteral("33333"), QStringLiteral("8388608")},
        {"callback-retry-base-ms", "DYNASEAL_CALLBACK_RETRY_BASE_MS", QStringLiteral("111"), QStringLiteral("222"),
         QStringLiteral("333"), QStringLiteral("1000")},
    };
    return list;
}

// The resolved value of a setting, as text comparable with what was given.
QString valueOf(const Settings &s, const QString &name)
{
    if (name == QLatin1String("listen")) {
        const QString host = s.listenHost.protocol() == QAbstractSocket::IPv6Protocol
            ? QStringLiteral("[%1]").arg(s.listenHost.toString())
            : s.listenHost.toString();
        return QStringLiteral("%1:%2").arg(host).arg(s.listenPort);
    }
    if (name == QLatin1String("max-body-bytes"))
        return QString::number(s.maxBodyBytes);
    if (name == QLatin1String("callback-retry-base-ms"))
        return QString::number(s.callbackRetryBaseMs);
    if (name == QLatin1String("callback-retry-max-ms"))
        return QString::number(s.callbackRetryMaxMs);
    if (name == QLatin1String("data-dir"))
        return s.dataDir;
    if (name == QLatin1String("database"))
        return s.database;
    if (name == QLatin1String("demo"))
        return s.demo ? QStringLiteral("true") : QStringLiteral("false");
    if (name == QLatin1String("default-max-tokens"))
        return QString::number(s.defaultMaxTokens);
    if (name == QLatin1String("event-loop"))
        return s.epollEventLoop ? QStringLiteral("epoll") : QStringLiteral("qt");
    if (name == QLatin1String("callbacks-from-serving-threads"))
        return s.callbacksFromServingThreads ? (*s.callbacksFromServingThreads ? QStringLiteral("on") : QStringLiteral("off")) : QStringLiteral("auto");
    if (name == QLatin1String("pin-serving-threads"))
        return s.pinServingThreads ? (*s.pinServingThreads ? QStringLiteral("on") : QStringLiteral("off")) : QStringLiteral("auto");
    if (name == QLatin1String("request-event-index"))
        return s.requestEventIndex ? QStringLiteral("on") : QStringLiteral("off");
    if (name == QLatin1String("database-wait"))
        return QString::number(s.databaseWaitSecs);
    return QStringLiteral("<unknown setting %1>").arg(name);
}

QProcessEnvironment environment(const QList<QPair<QString, QString>> &vars)
{
    QProcessEnvironment env; // empty: the test process's own variables play no part
    for (const auto &[name, value] : vars)
        env.insert(name, value);
    return env;
}

QStringList argv(const QStringList &args)
{
    return QStringList{QStringLiteral("dynaseal-server")} + args;
}

} // namespace

class SettingsTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void resolutionOrder_data();
    void resolutionOrder();
    void configFileFromEnvironment();
    void flagForms_data();
    void flagForms();
    void listen_data();
    void listen();
    void errors_data();
    void errors();
    void masterKey_data();
    void masterKey();
    void databaseDefault();
    void retryMaxNeverBelowBase();

private:
    QString writeConfig(const QString &name, const QString &text);
    QTemporaryDir m_dir;
};

void SettingsTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

QString SettingsTest::writeConfig(const QString &name, const QString &text)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(text.toUtf8());
    return path;
}

void SettingsTest::resolutionOrder_data()
{
    QTest::addColumn<int>("setting");
    QTest::addColumn<bool>("flag");
    QTest::addColumn<bool>("env");
    QTest::addColumn<bool>("config");
    QTest::addColumn<QString>("expected");

    for (int i = 0; i < sources().size(); ++i) {
        const Source &s = sources().at(i);
        QTest::addRow("%s: flag over env and config", s.flag) << i << true << true << true << s.flagValue;
        QTest::addRow("%s: flag over config", s.flag) << i << true << false << true << s.flagValue;
        QTest::addRow("%s: env over config", s.flag) << i << false << true << true << s.envValue;
        QTest::addRow("%s: env alone", s.flag) << i << false << true << false << s.envValue;
        QTest::addRow("%s: config over default", s.flag) << i << false << false << true << s.configValue;
        QTest::addRow("%s: default", s.flag) << i << false << false << false << s.defaultValue;
    }
}

void SettingsTest::resolutionOrder()
{
    QFETCH(int, setting);
    QFETCH(bool, flag);
    QFETCH(bool, env);
    QFETCH(bool, config);
    QFETCH(QString, expected);
    const Source &s = sources().at(setting);

    QStringList args{QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("data"))};
    QList<QPair<QString, QString>> vars;
    if (flag)
        args << QStringLiteral("--%1=%2").arg(QLatin1String(s.flag), s.flagValue);
    if (env)
        vars.append({QLatin1String(s.env), s.envValue});
    if (config) {
        // Every setting in the file, so the file can only lose where it should.
        QString text = QStringLiteral("; written by SettingsTest\n");
        for (const Source &other : sources())
            text += QStringLiteral("%1=%2\n").arg(QLatin1String(other.flag), other.configValue);
        const QString path = writeConfig(QStringLiteral("order.ini"), text);
        QVERIFY(!path.isEmpty());
        args << QStringLiteral("--config") << path;
    }

    Settings out;
    QString error;
    QVERIFY2(Settings::resolve(argv(args), environment(vars), &out, &error), qPrintable(error));
    QCOMPARE(valueOf(out, QLatin1String(s.flag)), expected);
}

void SettingsTest::configFileFromEnvironment()
{
    const QString fromEnv = writeConfig(QStringLiteral("env.ini"), QStringLiteral("max-body-bytes=4096\ndefault-max-tokens=77\n"));
    const QString fromFlag = writeConfig(QStringLiteral("flag.ini"), QStringLiteral("max-body-bytes=8192\n"));
    QVERIFY(!fromEnv.isEmpty() && !fromFlag.isEmpty());

    Settings out;
    QString error;
    QVERIFY2(Settings::resolve(argv({}), environment({{QStringLiteral("DYNASEAL_CONFIG"), fromEnv}}), &out, &error), qPrintable(error));
    QCOMPARE(out.configFile, fromEnv);
    QCOMPARE(out.maxBodyBytes, 4096);
    QCOMPARE(out.defaultMaxTokens, 77);

    // --config wins over DYNASEAL_CONFIG, and only that file is read.
    QVERIFY2(Settings::resolve(argv({QStringLiteral("--config=") + fromFlag}), environment({{QStringLiteral("DYNASEAL_CONFIG"), fromEnv}}),
                               &out, &error),
             qPrintable(error));
    QCOMPARE(out.configFile, fromFlag);
    QCOMPARE(out.maxBodyBytes, 8192);
    QCOMPARE(out.defaultMaxTokens, 4096);
}

void SettingsTest::flagForms_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("setting");
    QTest::addColumn<QString>("expected");

    QTest::newRow("--listen=value") << QStringList{QStringLiteral("--listen=127.0.0.1:1234")} << QStringLiteral("listen") << QStringLiteral("127.0.0.1:1234");
    QTest::newRow("--listen value") << QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:1234")} << QStringLiteral("listen") << QStringLiteral("127.0.0.1:1234");
    QTest::newRow("--max-body-bytes=value") << QStringList{QStringLiteral("--max-body-bytes=2048")} << QStringLiteral("max-body-bytes") << QStringLiteral("2048");
    QTest::newRow("--max-body-bytes value") << QStringList{QStringLiteral("--max-body-bytes"), QStringLiteral("2048")} << QStringLiteral("max-body-bytes") << QStringLiteral("2048");
    QTest::newRow("--callback-retry-base-ms=value") << QStringList{QStringLiteral("--callback-retry-base-ms=25")} << QStringLiteral("callback-retry-base-ms") << QStringLiteral("25");
    QTest::newRow("--callback-retry-base-ms value") << QStringList{QStringLiteral("--callback-retry-base-ms"), QStringLiteral("25")} << QStringLiteral("callback-retry-base-ms") << QStringLiteral("25");
    QTest::newRow("value with = inside") << QStringList{QStringLiteral("--database=sqlite:/tmp/a=b.db")} << QStringLiteral("database") << QStringLiteral("sqlite:/tmp/a=b.db");
    QTest::newRow("later flag wins") << QStringList{QStringLiteral("--max-body-bytes=2048"), QStringLiteral("--max-body-bytes"), QStringLiteral("4096")}
                                     << QStringLiteral("max-body-bytes") << QStringLiteral("4096");
    QTest::newRow("--demo among others") << QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--demo"), QStringLiteral("--max-body-bytes=2048")}
                                         << QStringLiteral("demo") << QStringLiteral("true");
    QTest::newRow("no --demo") << QStringList{} << QStringLiteral("demo") << QStringLiteral("false");
    QTest::newRow("event loop by default") << QStringList{} << QStringLiteral("event-loop") << QStringLiteral("epoll");
    QTest::newRow("--event-loop=qt") << QStringList{QStringLiteral("--event-loop=qt")} << QStringLiteral("event-loop") << QStringLiteral("qt");
    QTest::newRow("--event-loop epoll") << QStringList{QStringLiteral("--event-loop"), QStringLiteral("epoll")} << QStringLiteral("event-loop") << QStringLiteral("epoll");
    QTest::newRow("callbacks' threads by default") << QStringList{} << QStringLiteral("callbacks-from-serving-threads") << QStringLiteral("auto");
    QTest::newRow("--callbacks-from-serving-threads on") << QStringList{QStringLiteral("--callbacks-from-serving-threads=on")}
                                                         << QStringLiteral("callbacks-from-serving-threads") << QStringLiteral("on");
    QTest::newRow("--callbacks-from-serving-threads off") << QStringList{QStringLiteral("--callbacks-from-serving-threads"), QStringLiteral("off")}
                                                          << QStringLiteral("callbacks-from-serving-threads") << QStringLiteral("off");
    QTest::newRow("pinning by default") << QStringList{} << QStringLiteral("pin-serving-threads") << QStringLiteral("auto");
    QTest::newRow("--pin-serving-threads on") << QStringList{QStringLiteral("--pin-serving-threads"), QStringLiteral("on")}
                                              << QStringLiteral("pin-serving-threads") << QStringLiteral("on");
    QTest::newRow("--pin-serving-threads=off") << QStringList{QStringLiteral("--pin-serving-threads=off")} << QStringLiteral("pin-serving-threads")
                                               << QStringLiteral("off");
    QTest::newRow("event index by default") << QStringList{} << QStringLiteral("request-event-index") << QStringLiteral("on");
    QTest::newRow("--request-event-index off") << QStringList{QStringLiteral("--request-event-index"), QStringLiteral("off")}
                                               << QStringLiteral("request-event-index") << QStringLiteral("off");
    QTest::newRow("--request-event-index=on") << QStringList{QStringLiteral("--request-event-index=on")} << QStringLiteral("request-event-index") << QStringLiteral("on");
    QTest::newRow("database wait by default") << QStringList{} << QStringLiteral("database-wait") << QStringLiteral("60");
    QTest::newRow("--database-wait 0") << QStringList{QStringLiteral("--database-wait"), QStringLiteral("0")} << QStringLiteral("database-wait") << QStringLiteral("0");
}

void SettingsTest::flagForms()
{
    QFETCH(QStringList, args);
    QFETCH(QString, setting);
    QFETCH(QString, expected);
    Settings out;
    QString error;
    QVERIFY2(Settings::resolve(argv(args), environment({}), &out, &error), qPrintable(error));
    QCOMPARE(valueOf(out, setting), expected);
}

void SettingsTest::listen_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");

    QTest::newRow("loopback, any port") << QStringLiteral("127.0.0.1:0") << true << QStringLiteral("127.0.0.1") << 0;
    QTest::newRow("IPv6 loopback") << QStringLiteral("[::1]:8080") << true << QStringLiteral("::1") << 8080;
    QTest::newRow("localhost") << QStringLiteral("localhost:9") << true << QStringLiteral("127.0.0.1") << 9;
    QTest::newRow("all interfaces") << QStringLiteral("0.0.0.0:80") << true << QStringLiteral("0.0.0.0") << 80;
    QTest::newRow("IPv6 any") << QStringLiteral("[::]:65535") << true << QStringLiteral("::") << 65535;
    QTest::newRow("no port") << QStringLiteral("127.0.0.1") << false << QString() << 0;
    QTest::newRow("empty port") << QStringLiteral("127.0.0.1:") << false << QString() << 0;
    QTest::newRow("no host") << QStringLiteral(":8080") << false << QString() << 0;
    QTest::newRow("port 70000") << QStringLiteral("127.0.0.1:70000") << false << QString() << 0;
    QTest::newRow("negative port") << QStringLiteral("127.0.0.1:-1") << false << QString() << 0;
    QTest::newRow("port not a number") << QStringLiteral("127.0.0.1:http") << false << QString() << 0;
    QTest::newRow("hostname") << QStringLiteral("example.com:80") << false << QString() << 0;
    QTest::newRow("bad address") << QStringLiteral("127.0.0.256:80") << false << QString() << 0;
    QTest::newRow("IPv6 without port") << QStringLiteral("[::1]") << false << QString() << 0;
    QTest::newRow("empty") << QString() << false << QString() << 0;
}

void SettingsTest::listen()
{
    QFETCH(QString, value);
    QFETCH(bool, valid);
    QFETCH(QString, host);
    QFETCH(int, port);

    Settings out;
    QString error;
    const bool ok = Settings::resolve(argv({QStringLiteral("--listen"), value}), environment({}), &out, &error);
    QCOMPARE(ok, valid);
    if (!valid) {
        QVERIFY2(error.contains(QLatin1String("--listen")), qPrintable(error));
        return;
    }
    QCOMPARE(out.listenHost, QHostAddress(host));
    QCOMPARE(int(out.listenPort), port);
}

void SettingsTest::errors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("env"); // NAME=VALUE
    QTest::addColumn<QStringList>("mentions");

    const QString unknown = QStringLiteral("unknown option");
    QTest::newRow("unknown --flag=value") << QStringList{QStringLiteral("--bogus=1")} << QStringList{} << QStringList{unknown, QStringLiteral("--bogus")};
    QTest::newRow("unknown --flag value") << QStringList{QStringLiteral("--bogus"), QStringLiteral("1")} << QStringList{} << QStringList{unknown, QStringLiteral("--bogus")};
    QTest::newRow("unknown flag last") << QStringList{QStringLiteral("--listen=127.0.0.1:0"), QStringLiteral("--verbose")} << QStringList{}
                                       << QStringList{unknown, QStringLiteral("--verbose")};
    QTest::newRow("misspelt flag") << QStringList{QStringLiteral("--max-body-byte=2048")} << QStringList{} << QStringList{unknown, QStringLiteral("--max-body-byte")};
    QTest::newRow("single dash") << QStringList{QStringLiteral("-listen")} << QStringList{} << QStringList{QStringLiteral("-listen")};
    QTest::newRow("positional") << QStringList{QStringLiteral("serve")} << QStringList{} << QStringList{QStringLiteral("serve")};
    QTest::newRow("--listen without value") << QStringList{QStringLiteral("--listen")} << QStringList{} << QStringList{QStringLiteral("--listen"), QStringLiteral("needs a value")};
    QTest::newRow("--data-dir without value") << QStringList{QStringLiteral("--demo"), QStringLiteral("--data-dir")} << QStringList{}
                                              << QStringList{QStringLiteral("--data-dir"), QStringLiteral("needs a value")};
    QTest::newRow("--config without value") << QStringList{QStringLiteral("--config")} << QStringList{} << QStringList{QStringLiteral("--config"), QStringLiteral("needs a value")};
    QTest::newRow("flag not a number") << QStringList{QStringLiteral("--max-body-bytes=abc")} << QStringList{} << QStringList{QStringLiteral("--max-body-bytes")};
    QTest::newRow("flag below its minimum") << QStringList{QStringLiteral("--max-body-bytes=10")} << QStringList{} << QStringList{QStringLiteral("--max-body-bytes")};
    QTest::newRow("pipeline depth of 0") << QStringList{QStringLiteral("--callback-pipeline-depth=0")} << QStringList{} << QStringList{QStringLiteral("--callback-pipeline-depth")};
    QTest::newRow("database wait below 0") << QStringList{QStringLiteral("--database-wait=-1")} << QStringList{} << QStringList{QStringLiteral("--database-wait")};
    QTest::newRow("commit window above its maximum") << QStringList{QStringLiteral("--commit-window-ms=5000")} << QStringList{} << QStringList{QStringLiteral("--commit-window-ms")};
    QTest::newRow("unknown event loop") << QStringList{QStringLiteral("--event-loop=select")} << QStringList{}
                                        << QStringList{QStringLiteral("--event-loop"), QStringLiteral("epoll or qt")};
    QTest::newRow("pinning neither on, off nor auto") << QStringList{QStringLiteral("--pin-serving-threads=yes")} << QStringList{}
                                                      << QStringList{QStringLiteral("--pin-serving-threads"), QStringLiteral("on, off or auto")};
    QTest::newRow("callbacks' threads neither on, off nor auto") << QStringList{QStringLiteral("--callbacks-from-serving-threads=both")} << QStringList{}
                                                                 << QStringList{QStringLiteral("--callbacks-from-serving-threads"), QStringLiteral("on, off or auto")};
    QTest::newRow("event index neither on nor off") << QStringList{QStringLiteral("--request-event-index=yes")} << QStringList{}
                                                    << QStringList{QStringLiteral("--request-event-index"), QStringLiteral("on or off")};
    QTest::newRow("env not a number") << QStringList{} << QStringList{QStringLiteral("DYNASEAL_MAX_BODY_BYTES=abc")} << QStringList{QStringLiteral("DYNASEAL_MAX_BODY_BYTES")};
    QTest::newRow("env bad listen") << QStringList{} << QStringList{QStringLiteral("DYNASEAL_LISTEN=nowhere")} << QStringList{QStringLiteral("DYNASEAL_LISTEN")};
    QTest::newRow("bad database scheme") << QStringList{QStringLiteral("--database=mysql://x")} << QStringList{} << QStringList{QStringLiteral("--database")};
    QTest::newRow("database URL with a keyword libpq does not know")
        << QStringList{QStringLiteral("--database=postgres://u:p@db/dyn?sslmod=require")} << QStringList{}
        << QStringList{QStringLiteral("--database"), QStringLiteral("\"sslmod\"")};
    QTest::newRow("missing config file") << QStringList{QStringLiteral("--config=/nonexistent/dynaseal.ini")} << QStringList{}
                                         << QStringList{QStringLiteral("/nonexistent/dynaseal.ini")};
}

void SettingsTest::errors()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, env);
    QFETCH(QStringList, mentions);

    QList<QPair<QString, QString>> vars;
    for (const QString &v : env)
        vars.append({v.section(QLatin1Char('='), 0, 0), v.section(QLatin1Char('='), 1)});
    Settings out;
    QString error;
    QVERIFY(!Settings::resolve(argv(args), environment(vars), &out, &error));
    for (const QString &m : mentions)
        QVERIFY2(error.contains(m), qPrintable(QStringLiteral("\"%1\" does not mention \"%2\"").arg(error, m)));
}

void SettingsTest::masterKey_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("key");

    QByteArray key(32, Qt::Uninitialized);
    for (int i = 0; i < key.size(); ++i)
        key[i] = char(i * 7 + 3);
    const QString hex = QString::fromLatin1(key.toHex());
    const QString base64 = QString::fromLatin1(key.toBase64());
    QTest::newRow("unset") << QString() << true << QByteArray();
    QTest::newRow("hex") << hex << true << key;
    QTest::newRow("hex upper case") << hex.toUpper() << true << key;
    QTest::newRow("hex with surrounding space") << QStringLiteral("  %1\n").arg(hex) << true << key;
    QTest::newRow("base64") << base64 << true << key;
    QTest::newRow("hex 31 bytes") << hex.left(62) << false << QByteArray();
    QTest::newRow("hex 33 bytes") << hex + QStringLiteral("00") << false << QByteArray();
    QTest::newRow("base64 16 bytes") << QString::fromLatin1(key.left(16).toBase64()) << false << QByteArray();
    QTest::newRow("base64 48 bytes") << QString::fromLatin1(QByteArray(key + key.left(16)).toBase64()) << false << QByteArray();
    QTest::newRow("neither") << QStringLiteral("this is not a key at all!") << false << QByteArray();
}

void SettingsTest::masterKey()
{
    QFETCH(QString, value);
    QFETCH(bool, valid);
    QFETCH(QByteArray, key);

    QList<QPair<QString, QString>> vars;
    if (!value.isEmpty())
        vars.append({QStringLiteral("DYNASEAL_MASTER_KEY"), value});
    Settings out;
    QString error;
    const bool ok = Settings::resolve(argv({}), environment(vars), &out, &error);
    QCOMPARE(ok, valid);
    if (!valid) {
        QVERIFY2(error.contains(QLatin1String("DYNASEAL_MASTER_KEY")), qPrintable(error));
        QVERIFY2(!error.contains(value.trimmed()), "the error echoes the key");
        return;
    }
    QCOMPARE(out.masterKey, key);
}

void SettingsTest::databaseDefault()
{
    Settings out;
    QString error;
    const QString dataDir = m_dir.filePath(QStringLiteral("data"));

    QVERIFY2(Settings::resolve(argv({QStringLiteral("--data-dir"), dataDir}), environment({}), &out, &error), qPrintable(error));
    QCOMPARE(out.database, QStringLiteral("sqlite:%1/dynaseal.db").arg(dataDir));
    QCOMPARE(out.sqlitePath(), QStringLiteral("%1/dynaseal.db").arg(dataDir));
    QVERIFY(!out.isPostgres());

    QVERIFY2(Settings::resolve(argv({}), environment({{QStringLiteral("DYNASEAL_DATA_DIR"), dataDir}}), &out, &error), qPrintable(error));
    QCOMPARE(out.database, QStringLiteral("sqlite:%1/dynaseal.db").arg(dataDir));

    // A relative data dir is made absolute, so the database does not move with the working dir.
    QVERIFY2(Settings::resolve(argv({QStringLiteral("--data-dir=rel/dir")}), environment({}), &out, &error), qPrintable(error));
    QCOMPARE(out.dataDir, QDir::current().absoluteFilePath(QStringLiteral("rel/dir")));
    QCOMPARE(out.database, QStringLiteral("sqlite:%1/dynaseal.db").arg(out.dataDir));

    // With no data dir, the user's data directory.
    QVERIFY2(Settings::resolve(argv({}), environment({}), &out, &error), qPrintable(error));
    QVERIFY2(out.database.startsWith(QLatin1String("sqlite:/")), qPrintable(out.database));
    QVERIFY2(out.database.endsWith(QLatin1String("/dynaseal/dynaseal.db")), qPrintable(out.database));

    // An explicit database is kept as given.
    QVERIFY2(Settings::resolve(argv({QStringLiteral("--data-dir"), dataDir, QStringLiteral("--database=postgres://u:p@db:5432/dyn")}),
                               environment({}), &out, &error),
             qPrintable(error));
    QCOMPARE(out.database, QStringLiteral("postgres://u:p@db:5432/dyn"));
    QVERIFY(out.isPostgres());
}

void SettingsTest::retryMaxNeverBelowBase()
{
    Settings out;
    QString error;
    QVERIFY2(Settings::resolve(argv({QStringLiteral("--callback-retry-base-ms=5000"), QStringLiteral("--callback-retry-max-ms=100")}),
                               environment({}), &out, &error),
             qPrintable(error));
    QCOMPARE(out.callbackRetryBaseMs, 5000);
    QCOMPARE(out.callbackRetryMaxMs, 5000);
}

QTEST_GUILESS_MAIN(SettingsTest)
#include "SettingsTest.moc"

#pragma once
// Runs the real dynaseal-server binary for a test: on a free loopback port, with its own data
// directory and SQLite file, and a known admin password. Can stop it, kill it and start it again
// on the same data.
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>

namespace dynaseal::test {

class ServerProcess
{
public:
    static constexpr const char *kAdminPassword = "test-admin-password";

    explicit ServerProcess(QStringList extraArgs = {});
    ~ServerProcess();

    // Starts and waits for "listening on"; false (with output() telling why) on failure.
    bool start();
    void stop();  // SIGTERM, then wait
    // SIGTERM without waiting, for a test whose fakes must keep answering while the server
    // stops: wait for !isRunning(), then stop() to collect the output.
    void terminate();
    void kill();  // SIGKILL: a crash
    bool isRunning() const;

    quint16 port() const { return m_port; }
    qint64 pid() const; // 0 when not running
    QString origin() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    QString dataDir() const { return m_dataDir.path(); }
    QString databasePath() const { return m_dataDir.filePath(QStringLiteral("dynaseal.db")); }
    QByteArray output() const { return m_output; }
    // How the process ended, if it did ("exit code 1", "crashed", "failed to start: …"), else empty.
    QString exitSummary() const;
    QProcessEnvironment &environment() { return m_env; }
    QStringList &arguments() { return m_args; }
    // Runs the server on this database (--database, e.g. a PostgresTestDatabase's url()) instead
    // of databasePath()'s SQLite file; the data directory still holds the master key, so a
    // restart of the same ServerProcess reads the secrets back.
    void setDatabaseUrl(const QString &url) { m_databaseUrl = url; }
    QString databaseUrl() const { return m_databaseUrl; }

private:
    QTemporaryDir m_dataDir;
    QStringList m_args;
    QProcessEnvironment m_env;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
    quint16 m_port = 0;
    QString m_databaseUrl;
};

} // namespace dynaseal::test

#include "tests/support/ServerProcess.h"

#include "tests/support/TestHttp.h"

#include <QRegularExpression>
#include <csignal>

namespace dynaseal::test {

ServerProcess::ServerProcess(QStringList extraArgs) : m_args(std::move(extraArgs)), m_env(QProcessEnvironment::systemEnvironment())
{
    m_env.insert(QStringLiteral("DYNASEAL_ADMIN_PASSWORD"), QLatin1String(kAdminPassword));
    m_env.remove(QStringLiteral("DYNASEAL_LISTEN"));
    m_env.remove(QStringLiteral("DYNASEAL_DATABASE"));
    m_env.remove(QStringLiteral("DYNASEAL_CONFIG"));
    m_env.remove(QStringLiteral("DYNASEAL_PIN_SERVING_THREADS"));
}

ServerProcess::~ServerProcess()
{
    stop();
}

bool ServerProcess::start()
{
    stop();
    m_output.clear();
    m_port = 0;
    m_process = std::make_unique<QProcess>();
    m_process->setProcessEnvironment(m_env);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    QObject::connect(m_process.get(), &QProcess::readyRead, [this] { m_output += m_process->readAll(); });
    const QString binary = qEnvironmentVariable("DYNASEAL_SERVER_BIN");
    QStringList args{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"), m_dataDir.path()};
    if (!m_databaseUrl.isEmpty())
        args += {QStringLiteral("--database"), m_databaseUrl};
    args += m_args;
    m_process->start(binary, args);
    if (!m_process->waitForStarted(10'000))
        return false;
    static const QRegularExpression listening(QStringLiteral("listening on http://[^:]+:(\\d+)"));
    const bool up = waitFor([this] {
        const auto match = listening.match(QString::fromUtf8(m_output));
        if (match.hasMatch())
            m_port = quint16(match.captured(1).toUInt());
        return m_port != 0 || m_process->state() == QProcess::NotRunning;
    }, 20'000);
    return up && m_port != 0;
}

QString ServerProcess::exitSummary() const
{
    if (!m_process)
        return QStringLiteral("not started");
    if (m_process->error() == QProcess::FailedToStart)
        return QStringLiteral("failed to start: ") + m_process->errorString();
    if (m_process->state() != QProcess::NotRunning)
        return {};
    return m_process->exitStatus() == QProcess::CrashExit ? QStringLiteral("crashed") : QStringLiteral("exit code %1").arg(m_process->exitCode());
}

void ServerProcess::stop()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(15'000)) {
            m_process->kill();
            m_process->waitForFinished(5'000);
        }
    }
    m_output += m_process->readAll();
    m_process.reset();
}

void ServerProcess::kill()
{
    if (!m_process)
        return;
    ::kill(pid_t(m_process->processId()), SIGKILL);
    m_process->waitForFinished(5'000);
    m_output += m_process->readAll();
    m_process.reset();
}

void ServerProcess::terminate()
{
    if (m_process && m_process->state() != QProcess::NotRunning)
        m_process->terminate();
}

qint64 ServerProcess::pid() const
{
    return isRunning() ? m_process->processId() : 0;
}

bool ServerProcess::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

} // namespace dynaseal::test

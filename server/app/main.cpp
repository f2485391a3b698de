// dynaseal-server: parses settings, starts the server, stops it cleanly on SIGTERM/SIGINT.
#include "server/app/ServerApp.h"
#include "server/app/UnixSignalWatcher.h"
#include "server/core/Settings.h"
#include "server/net/EpollEventDispatcher.h"
#include "shared/Clock.h"

#include <QCoreApplication>
#include <QTextStream>
#include <sys/prctl.h>
#include <sys/resource.h>

int main(int argc, char *argv[])
{
    // The process holds decrypted keys: no core dumps, no ptrace by other users.
    const rlimit noCore{0, 0};
    setrlimit(RLIMIT_CORE, &noCore);
    prctl(PR_SET_DUMPABLE, 0);

    // Qt's own poll() event loop instead of glib's: glib writes its wake-up eventfd whenever a
    // socket starts or stops waiting to write and on every event posted between threads (about
    // 13 system calls per proxied request, measured with `bench/run.sh syscalls`); Qt's loop
    // wakes a thread once per batch of posted events and registers sockets without a system call.
    qputenv("QT_NO_GLIB", "1");
    // The settings are read before the application exists: the main thread (listener,
    // callbacks, maintenance) waits in epoll like the serving threads unless they say `qt`, and
    // its dispatcher must be installed first. Their errors are reported once --help and
    // --version have had their turn.
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    dynaseal::Settings settings;
    QString error;
    const bool settingsRead = dynaseal::Settings::resolve(args, QProcessEnvironment::systemEnvironment(), &settings, &error);
    if (QAbstractEventDispatcher *dispatcher = settingsRead && settings.epollEventLoop ? dynaseal::EpollEventDispatcher::createIfAvailable() : nullptr)
        QCoreApplication::setEventDispatcher(dispatcher);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("dynaseal"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DYNASEAL_VERSION));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-warning}warning %{endif}%{if-critical}error %{endif}%{category}: %{message}"));

    QTextStream out(stdout);
    QTextStream err(stderr);
    if (args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        out << dynaseal::Settings::helpText();
        return 0;
    }
    if (args.contains(QStringLiteral("--version"))) {
        out << "dynaseal-server " << DYNASEAL_VERSION << Qt::endl;
        return 0;
    }
    if (!settingsRead) {
        err << "dynaseal-server: " << error << Qt::endl;
        return 2;
    }

    dynaseal::ServerApp server(settings, dynaseal::Clock::system());
    if (!server.start(&error)) {
        err << "dynaseal-server: " << error << Qt::endl;
        return 1;
    }
    dynaseal::UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &dynaseal::UnixSignalWatcher::terminateRequested, &server, [&server](int) {
        server.shutdown(10'000, [] { QCoreApplication::quit(); });
    });
    return app.exec();
}

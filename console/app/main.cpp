// dynaseal-console: the operators' desktop console for a Dynaseal server (admin API over HTTP
// or HTTPS). Thin: parses the command line, sets up language and look, opens the main window.
#include "console/widgets/MainWindow.h"
#include "console/widgets/Theme.h"
#include "console/widgets/Translations.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>
#include <cstring>

using namespace dynaseal::console;

int main(int argc, char *argv[])
{
    // --version works without a display.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::printf("dynaseal-console %s\n", DYNASEAL_VERSION);
            return 0;
        }
    }

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Dynaseal"));
    QApplication::setApplicationName(QStringLiteral("dynaseal-console"));
    QApplication::setApplicationVersion(QStringLiteral(DYNASEAL_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("dynaseal-console"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Operators' console for a Dynaseal LLM gateway."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("version"), QStringLiteral("Print the version and exit.") });
    const QCommandLineOption server(QStringLiteral("server"),
        QStringLiteral("Server URL (else DYNASEAL_SERVER, else the last one used)."), QStringLiteral("url"));
    const QCommandLineOption token(QStringLiteral("token"),
        QStringLiteral("Admin token (else DYNASEAL_ADMIN_TOKEN, else the system keychain)."), QStringLiteral("token"));
    const QCommandLineOption screenshots(QStringLiteral("screenshot-dir"),
        QStringLiteral("Render every page to PNG files in DIR and exit."), QStringLiteral("dir"));
    const QCommandLineOption language(QStringLiteral("lang"),
        QStringLiteral("Interface language: en or zh_CN (default: the system's)."), QStringLiteral("language"));
    parser.addOptions({ server, token, screenshots, language });
    parser.process(app);

    Translations::install(app, parser.value(language));
    Theme::apply(app);

    MainWindow window;
    window.show();
    StartOptions options;
    if (parser.isSet(server))
        options.server = QUrl(parser.value(server));
    if (parser.isSet(token))
        options.token = parser.value(token).toLatin1();
    window.start(options);

    if (parser.isSet(screenshots)) {
        const QString dir = parser.value(screenshots);
        QTimer::singleShot(0, &window, [&window, dir] {
            window.captureScreenshots(dir, [](bool ok, const QString &why) {
                if (!ok)
                    std::fprintf(stderr, "screenshots failed: %s\n", qPrintable(why));
                QCoreApplication::exit(ok ? 0 : 1);
            });
        });
    }
    return app.exec();
}

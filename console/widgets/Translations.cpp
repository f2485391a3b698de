#include "console/widgets/Translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace dynaseal::console {

QStringList Translations::available()
{
    return { QStringLiteral("en"), QStringLiteral("zh_CN") };
}

QString Translations::install(QCoreApplication &app, const QString &language)
{
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    auto *console = new QTranslator(&app);
    // QTranslator::load(locale, …) tries "zh_CN", then "zh", then the bare name, as the locale's UI languages say.
    if (!console->load(locale, QStringLiteral("dynaseal_console"), QStringLiteral("_"), QStringLiteral(":/i18n"))) {
        delete console;
        return QStringLiteral("en");
    }
    app.installTranslator(console);
    QLocale::setDefault(locale);
    auto *qt = new QTranslator(&app);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        app.installTranslator(qt);
    else
        delete qt;
    return locale.name();
}

} // namespace dynaseal::console

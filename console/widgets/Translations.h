#pragma once
// Loads the console's translations (English, Simplified Chinese) and Qt's own, following the
// system language or an explicit choice (--lang zh_CN).
#include <QString>

class QCoreApplication;

namespace dynaseal::console {

class Translations
{
public:
    // `language` empty: the system's (QLocale). Returns the language actually loaded ("en", "zh_CN").
    static QString install(QCoreApplication &app, const QString &language = {});
    static QStringList available();
};

} // namespace dynaseal::console

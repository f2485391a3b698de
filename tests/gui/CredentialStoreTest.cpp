// Where credentials come from (explicit > environment > keychain), the remembered servers, and
// the keychain failing cleanly where there is none: an error in plain words, and the token
// never written anywhere in plain text instead.
#include "console/core/CredentialStore.h"

#include "console/core/ProfileStore.h"

#include <QDirIterator>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal::console;
using Source = Credentials::Source;

class CredentialStoreTest : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_config.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_config.path());
        QCoreApplication::setOrganizationName(QStringLiteral("DynasealTest"));
        QCoreApplication::setApplicationName(QStringLiteral("credential-store-test"));
        // No session bus: the keychain backends cannot be reached, as in CI and offscreen runs.
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    }

    void resolve_data()
    {
        QTest::addColumn<QString>("flagServer");
        QTest::addColumn<QByteArray>("flagToken");
        QTest::addColumn<QString>("envServer");
        QTest::addColumn<QString>("envToken");
        QTest::addColumn<QString>("profileServer");
        QTest::addColumn<QString>("server");
        QTest::addColumn<int>("serverSource");
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<int>("tokenSource");

        QTest::newRow("nothing") << "" << QByteArray() << ""
                                 << ""
                                 << ""
                                 << "" << int(Source::None) << QByteArray() << int(Source::None);
        QTest::newRow("flags win") << "http://flag:1" << QByteArray("dsa_flag") << "http://env:2"
                                   << "dsa_env"
                                   << "http://profile:3"
                                   << "http://flag:1" << int(Source::Explicit) << QByteArray("dsa_flag") << int(Source::Explicit);
        QTest::newRow("environment next") << "" << QByteArray() << "http://env:2"
                                          << "dsa_env"
                                          << "http://profile:3"
                                          << "http://env:2" << int(Source::Environment) << QByteArray("dsa_env")
                                          << int(Source::Environment);
        QTest::newRow("flag server, env token")
            << "http://flag:1" << QByteArray() << ""
            << "dsa_env"
            << ""
            << "http://flag:1" << int(Source::Explicit) << QByteArray("dsa_env") << int(Source::Environment);
        QTest::newRow("last profile, keychain later")
            << "" << QByteArray() << ""
            << ""
            << "http://profile:3"
            << "http://profile:3" << int(Source::Profile) << QByteArray() << int(Source::None);
        QTest::newRow("blank env ignored") << "" << QByteArray() << "  "
                                           << "  "
                                           << ""
                                           << "" << int(Source::None) << QByteArray() << int(Source::None);
    }
    void resolve()
    {
        QFETCH(QString, flagServer);
        QFETCH(QByteArray, flagToken);
        QFETCH(QString, envServer);
        QFETCH(QString, envToken);
        QFETCH(QString, profileServer);
        QFETCH(QString, server);
        QFETCH(int, serverSource);
        QFETCH(QByteArray, token);
        QFETCH(int, tokenSource);

        QProcessEnvironment env;
        if (!envServer.isEmpty())
            env.insert(QStringLiteral("DYNASEAL_SERVER"), envServer);
        if (!envToken.isEmpty())
            env.insert(QStringLiteral("DYNASEAL_ADMIN_TOKEN"), envToken);
        std::optional<ServerProfile> profile;
        if (!profileServer.isEmpty()) {
            profile = ServerProfile();
            profile->url = QUrl(profileServer);
        }
        const Credentials c = CredentialStore::resolve(QUrl(flagServer), flagToken, env, profile);
        QCOMPARE(c.server.toString(), server);
        QCOMPARE(int(c.serverSource), serverSource);
        QCOMPARE(c.token, token);
        QCOMPARE(int(c.tokenSource), tokenSource);
    }

    void profilesAreRememberedMostRecentFirst()
    {
        ProfileStore store;
        for (const char *url : { "http://a:1", "http://b:2", "http://a:1" }) {
            ServerProfile p;
            p.url = QUrl(QLatin1String(url));
            p.username = QStringLiteral("admin");
            store.remember(p);
            QTest::qWait(5); // distinct "last used" times
        }
        const QList<ServerProfile> all = store.load();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.first().url.toString(), QStringLiteral("http://a:1"));
        QCOMPARE(store.mostRecent()->url.toString(), QStringLiteral("http://a:1"));
        store.remove(all.first());
        QCOMPARE(store.load().size(), 1);
    }

    void keychainUnavailableFailsCleanly()
    {
        CredentialStore store;
        ServerProfile profile;
        profile.url = QUrl(QStringLiteral("http://127.0.0.1:8000"));
        profile.username = QStringLiteral("admin");
        profile.rememberSession = true;
        ProfileStore().remember(profile);
        const QByteArray secret = "dsa_secret-that-must-not-reach-a-file-0123456789";

        std::optional<QString> saveError;
        store.saveToken(profile, secret, this, [&](const QString &error) { saveError = error; });
        QTRY_VERIFY_WITH_TIMEOUT(saveError.has_value(), 20000);
        if (saveError->isEmpty()) {
            // A real keychain exists where this runs: the token went there; clean up.
            bool deleted = false;
            store.deleteToken(profile, this, [&](const QString &) { deleted = true; });
            QTRY_VERIFY_WITH_TIMEOUT(deleted, 20000);
            QSKIP("a system keychain is available here; the unavailable path cannot be exercised");
        }
        QVERIFY2(saveError->contains(QStringLiteral("keychain"), Qt::CaseInsensitive), qPrintable(*saveError));
        QVERIFY(saveError->contains(QStringLiteral("not saved")) || saveError->contains(QStringLiteral("refused")));

        std::optional<QPair<QByteArray, QString>> read;
        store.readToken(profile, this, [&](const QByteArray &token, const QString &error) { read = qMakePair(token, error); });
        QTRY_VERIFY_WITH_TIMEOUT(read.has_value(), 20000);
        QVERIFY(read->first.isEmpty());

        // No plain-text fallback: the token is in no file the console wrote.
        QSettings().sync();
        QDirIterator files(m_config.path(), QDir::Files, QDirIterator::Subdirectories);
        int checked = 0;
        while (files.hasNext()) {
            QFile f(files.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!f.readAll().contains(secret), qPrintable(f.fileName()));
            ++checked;
        }
        QVERIFY(checked > 0); // the profile was written, so there is something to look at
    }

private:
    QTemporaryDir m_config;
};

QTEST_GUILESS_MAIN(CredentialStoreTest)
#include "CredentialStoreTest.moc"

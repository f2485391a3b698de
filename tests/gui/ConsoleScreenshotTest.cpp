// The dynaseal-console binary itself: --version, and --screenshot-dir rendering every page of a
// console connected to a real server with some traffic, in English and in Chinese, so the look
// can be checked by eye (set DYNASEAL_SCREENSHOTS_DIR to keep the pictures).
#include "tests/support/Gateway.h"

#include <QDir>
#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal::test;

class ConsoleScreenshotTest : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QString why;
        QVERIFY2(m_gw.setUp(&why), qPrintable(why));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_gw.chat(m_gw.mint(), Gateway::chatBody(QStringLiteral("m1"), i == 2)).status, 200);
        QVERIFY(waitFor([&] { return m_gw.receiver.acknowledged().size() == 3; }));
    }

    void printsItsVersion()
    {
        QProcess console;
        console.start(QStringLiteral(DYNASEAL_CONSOLE_BIN), { QStringLiteral("--version") });
        QVERIFY(console.waitForFinished(20000));
        QCOMPARE(console.exitCode(), 0);
        QCOMPARE(console.readAllStandardOutput().trimmed(), QByteArray("dynaseal-console " DYNASEAL_VERSION));
    }

    void rendersEveryPage_data()
    {
        QTest::addColumn<QString>("language");
        QTest::newRow("English") << "en";
        QTest::newRow("Chinese") << "zh_CN";
    }
    void rendersEveryPage()
    {
        QFETCH(QString, language);
        QTemporaryDir scratch;
        QVERIFY(scratch.isValid());
        const QString keep = qEnvironmentVariable("DYNASEAL_SCREENSHOTS_DIR");
        const QString dir = keep.isEmpty() ? scratch.filePath(QStringLiteral("shots")) : QDir(keep).filePath(language);

        QProcess console;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), scratch.filePath(QStringLiteral("config")));
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        env.remove(QStringLiteral("DYNASEAL_SERVER"));
        env.remove(QStringLiteral("DYNASEAL_ADMIN_TOKEN"));
        console.setProcessEnvironment(env);
        console.setProcessChannelMode(QProcess::MergedChannels);
        console.start(QStringLiteral(DYNASEAL_CONSOLE_BIN),
            { QStringLiteral("--server"), m_gw.server.origin(), QStringLiteral("--token"), QString::fromLatin1(m_gw.adminToken),
                QStringLiteral("--screenshot-dir"), dir, QStringLiteral("--lang"), language });
        QVERIFY(console.waitForStarted());
        // Spin the event loop: the fake upstream and callback receiver live in this process.
        QVERIFY2(waitFor([&] { return console.state() == QProcess::NotRunning; }, 60000),
            "the console did not finish its screenshots");
        QVERIFY2(console.exitStatus() == QProcess::NormalExit && console.exitCode() == 0, console.readAll().constData());

        // Every page, the tenant editor's other tabs (access, limits, rewriting, keys), the connect dialog.
        QStringList expected = { QStringLiteral("01-dashboard.png"), QStringLiteral("02-tenants.png"),
            QStringLiteral("03-upstreams.png"), QStringLiteral("04-requests.png"), QStringLiteral("05-callbacks.png"),
            QStringLiteral("06-audit.png"), QStringLiteral("07-playground.png"), QStringLiteral("08-connect.png") };
        for (int tab = 1; tab <= 4; ++tab)
            expected.append(QStringLiteral("02-tenants-tab%1.png").arg(tab));
        expected.sort();
        QStringList written = QDir(dir).entryList({ QStringLiteral("*.png") }, QDir::Files);
        written.sort();
        QCOMPARE(written, expected);
        for (const QString &name : expected) {
            const QString file = QDir(dir).filePath(name);
            QVERIFY2(QFileInfo(file).size() > 15'000, qPrintable(name));
            const QImage image(file);
            QVERIFY2(!image.isNull(), qPrintable(name));
            QVERIFY(image.width() >= 400 && image.height() >= 300);
            // Something was drawn: a real page has many colours, a blank one a few.
            QSet<QRgb> colours;
            for (int y = 0; y < image.height(); y += 7) {
                for (int x = 0; x < image.width(); x += 7)
                    colours.insert(image.pixel(x, y));
            }
            QVERIFY2(colours.size() > 40, qPrintable(QStringLiteral("%1: %2 colours").arg(name).arg(colours.size())));
        }
    }

private:
    Gateway m_gw;
};

QTEST_GUILESS_MAIN(ConsoleScreenshotTest)
#include "ConsoleScreenshotTest.moc"

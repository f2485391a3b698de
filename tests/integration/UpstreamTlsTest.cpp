// HTTPS to upstreams and callback receivers: the peer's certificate must be signed by a CA of the
// system's trust store or of --tls-ca-file; an untrusted one fails the call with a clear 502 and
// bills nothing. A --tls-ca-file that cannot be used stops the server with the reason.
#include "tests/support/Gateway.h"
#include "tests/support/TestCertificate.h"

#include <QFile>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal::test;

class UpstreamTlsTest : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QByteArray &content)
    {
        QFile f(m_dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size())
            return {};
        return f.fileName();
    }

private slots:
    void initTestCase()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("no TLS backend");
        QVERIFY(m_dir.isValid());
    }

    void callsOverTls_data()
    {
        QTest::addColumn<QByteArray>("caFile"); // PEM for --tls-ca-file; empty: no such flag
        QTest::addColumn<bool>("trusted");
        const QByteArray test(kTestCertificate);
        const QByteArray other(kOtherCertificate);
        QTest::newRow("no CA file") << QByteArray() << false;
        QTest::newRow("the fakes' CA") << test << true;
        QTest::newRow("another CA for the same names") << other << false;
        QTest::newRow("another CA, then the fakes'") << other + test << true;
    }

    void callsOverTls()
    {
        QFETCH(QByteArray, caFile);
        QFETCH(bool, trusted);
        QStringList args{QStringLiteral("--upstream-health-interval"), QStringLiteral("0")};
        if (!caFile.isEmpty()) {
            const QString path = writeFile(QStringLiteral("%1.pem").arg(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('-')), caFile);
            QVERIFY(!path.isEmpty());
            args << QStringLiteral("--tls-ca-file") << path;
        }
        Gateway gw(args);
        gw.upstream.http().setTls(true);
        gw.receiver.http().setTls(true);
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        QVERIFY(gw.upstream.baseUrl().startsWith(QLatin1String("https://")));
        QVERIFY(gw.receiver.url().startsWith(QLatin1String("https://")));

        const HttpResult r = gw.chat(gw.mint(), Gateway::chatBody());
        if (!trusted) {
            // Refused before a byte of the request went out: nothing reached the upstream, and
            // nothing was billed.
            QCOMPARE(r.status, 502);
            const QJsonObject error = r.json().value(QLatin1String("error")).toObject();
            const QString message = error.value(QLatin1String("message")).toString();
            QVERIFY2(message.contains(QLatin1String("TLS handshake failed")) && message.contains(QLatin1String("certificate")), r.body.constData());
            QCOMPARE(gw.upstream.http().requests.size(), 0);
            QJsonObject logged;
            QVERIFY(waitFor([&] {
                const QJsonArray log = gw.requestLog();
                logged = log.isEmpty() ? QJsonObject() : log.at(0).toObject();
                return log.size() == 1 && logged.value(QLatin1String("status")).toString() == QLatin1String("error");
            }));
            QCOMPARE(logged.value(QLatin1String("total_tokens")).toInteger(-1), 0);
            return;
        }
        QVERIFY2(r.status == 200, r.body.constData());
        QCOMPARE(gw.upstream.http().requests.size(), 1);
        QCOMPARE(gw.upstream.http().requests.at(0).headers.value("authorization"), QByteArray("Bearer sk-upstream-test-key-0001"));
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        QVERIFY(CallbackReceiver::signatureValid(gw.receiver.deliveries().at(0), gw.callbackSecret));
        // The connection is kept: a second call does not shake hands again.
        QCOMPARE(gw.chat(gw.mint(), Gateway::chatBody()).status, 200);
        QCOMPARE(gw.upstream.http().acceptedConnections, 1);
    }

    void unusableCaFileStopsTheServer_data()
    {
        QTest::addColumn<QString>("file"); // a name in the test's directory, or an absolute path
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("reason");
        QTest::newRow("missing") << QStringLiteral("/nonexistent/ca.pem") << QByteArray() << QStringLiteral("cannot be read");
        QTest::newRow("empty") << QStringLiteral("empty.pem") << QByteArray() << QStringLiteral("no PEM certificate");
        QTest::newRow("a key, no certificate") << QStringLiteral("key.pem") << QByteArray(kTestKey) << QStringLiteral("no PEM certificate");
        QTest::newRow("DER, not PEM") << QStringLiteral("cert.der") << QSslCertificate(QByteArray(kTestCertificate)).toDer()
                                      << QStringLiteral("no PEM certificate");
    }

    void unusableCaFileStopsTheServer()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QString, reason);
        const QString path = file.startsWith(QLatin1Char('/')) ? file : writeFile(file, content);
        QVERIFY(!path.isEmpty());
        ServerProcess server({QStringLiteral("--tls-ca-file"), path});
        QVERIFY(!server.start());
        const QString output = QString::fromUtf8(server.output());
        QVERIFY2(output.contains(QLatin1String("--tls-ca-file")) && output.contains(reason), qPrintable(output));
    }
};

QTEST_GUILESS_MAIN(UpstreamTlsTest)
#include "UpstreamTlsTest.moc"

// HTTPS: a certificate the system does not trust is refused with its SHA-256 fingerprint at hand;
// once the operator trusts it, calls to that host go through, the choice is remembered, and a
// different certificate on the same host is refused again. The dialog shows the fingerprint.
#include "console/core/CertificateTrust.h"

#include "console/core/AdminClient.h"
#include "console/widgets/CertificateDialog.h"
#include "tests/support/TestHttp.h"

#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal::console;
using dynaseal::test::waitFor;

namespace {
// Self-signed for 127.0.0.1 (EC P-256, valid 100 years), made for this test only.
const char kCertA[] = "-----BEGIN CERTIFICATE-----\n"
                      "MIIBkDCCATagAwIBAgIUU7wfBgbV6Uk9NXWDsHcTLIy92CAwCgYIKoZIzj0EAwIw\n"
                      "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMzExMDgwNFoYDzIxMjYxMDMw\n"
                      "MTEwODA0WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
                      "PQMBBwNCAAQ/a0Eh5wjmxxSjg9MOnf3uRwmBArtOaq7h9Pe5NEb2ANMrNwOKDH2D\n"
                      "L/zP9DcfVrXePnvv4j+AvVClFxvZOCkoo2QwYjAdBgNVHQ4EFgQUxjKS8VoVe1WC\n"
                      "TOitHEPRY0nWNxUwHwYDVR0jBBgwFoAUxjKS8VoVe1WCTOitHEPRY0nWNxUwDwYD\n"
                      "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC\n"
                      "IQCfALjJXwG8p/2DQhMrSb7UDqHYHSpXky/ofxgqXLiaQwIgRGqxzuTegKDCweZ9\n"
                      "2pflU/7u9mO5F4fX2V6PcC8eP6M=\n"
                      "-----END CERTIFICATE-----\n";
const char kKeyA[] = "-----BEGIN PRIVATE KEY-----\n"
                     "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1Idb3s25pPi09HoT\n"
                     "OJcXVdRwL0Z3xdyHsWKqp7LcwWyhRANCAAQ/a0Eh5wjmxxSjg9MOnf3uRwmBArtO\n"
                     "aq7h9Pe5NEb2ANMrNwOKDH2DL/zP9DcfVrXePnvv4j+AvVClFxvZOCko\n"
                     "-----END PRIVATE KEY-----\n";
const char kCertB[] = "-----BEGIN CERTIFICATE-----\n"
                      "MIIBjzCCATagAwIBAgIUfaXUYgKiaB9Nm2JL/U7Xf0ZVaEowCgYIKoZIzj0EAwIw\n"
                      "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMzExMDgwNFoYDzIxMjYxMDMw\n"
                      "MTEwODA0WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
                      "PQMBBwNCAAQU7178GGtlShWiA/NS1m9gToFQEzTuTinLpb1SKVvJ1yD3AhRGfH2W\n"
                      "gjptU/sZqUeYwJNiiwhZBf+FxgCjfiESo2QwYjAdBgNVHQ4EFgQUXIaGU0wsuM3M\n"
                      "WGguxHJIHLY5kVYwHwYDVR0jBBgwFoAUXIaGU0wsuM3MWGguxHJIHLY5kVYwDwYD\n"
                      "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQC\n"
                      "IG/+KlKX/raru4VKgnz5hnme643GaapI8h2i38AuJTxOAiBGmddHjJZ1oCQGndoX\n"
                      "zuTEZ+jJyZQ5s3hToBb8jGFDaA==\n"
                      "-----END CERTIFICATE-----\n";
const char kKeyB[] = "-----BEGIN PRIVATE KEY-----\n"
                     "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHWzapAKbJ/bCSXhQ\n"
                     "NP7LYQzRTQ2lAuW2S2mMfALN39GhRANCAAQU7178GGtlShWiA/NS1m9gToFQEzTu\n"
                     "TinLpb1SKVvJ1yD3AhRGfH2WgjptU/sZqUeYwJNiiwhZBf+FxgCjfiES\n"
                     "-----END PRIVATE KEY-----\n";

// Answers every HTTPS request with {"data":[]}.
class TlsServer : public QObject
{
public:
    TlsServer()
    {
        connect(&m_server, &QSslServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                    if (!socket->readAll().contains("\r\n\r\n"))
                        return;
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: "
                                  "close\r\n\r\n{\"data\":[]}");
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    void use(const char *cert, const char *key)
    {
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setLocalCertificate(QSslCertificate(QByteArray(cert)));
        config.setPrivateKey(QSslKey(QByteArray(key), QSsl::Ec));
        m_server.setSslConfiguration(config);
    }
    QUrl url() const { return QUrl(QStringLiteral("https://127.0.0.1:%1").arg(m_server.serverPort())); }

private:
    QSslServer m_server;
};
} // namespace

class CertificateTrustTest : public QObject
{
    Q_OBJECT

    AdminReply call(AdminClient &client)
    {
        std::optional<AdminReply> reply;
        client.listTenants(this, [&](const AdminReply &r) { reply = r; });
        if (!waitFor([&] { return reply.has_value(); }, 15000))
            return {};
        return *reply;
    }

private slots:
    void initTestCase()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("no TLS backend");
        QVERIFY(m_config.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_config.path());
        QCoreApplication::setOrganizationName(QStringLiteral("DynasealTest"));
        QCoreApplication::setApplicationName(QStringLiteral("certificate-trust-test"));
    }

    void selfSignedNeedsAnExplicitChoice()
    {
        TlsServer server;
        server.use(kCertA, kKeyA);
        QVERIFY(server.listen());
        CertificateTrust trust;
        AdminClient client(&trust);
        client.setServer(server.url());
        client.setToken("dsa_test");

        // Refused: the system does not know this certificate.
        AdminReply refused = call(client);
        QVERIFY(refused.error);
        QCOMPARE(refused.error->code, QStringLiteral("untrusted_certificate"));
        const QSslCertificate presented = trust.lastRefused(server.url());
        QCOMPARE(presented, QSslCertificate(QByteArray(kCertA)));
        const QString fingerprint = CertificateTrust::fingerprint(presented);
        QCOMPARE(fingerprint.size(), 32 * 3 - 1); // "AB:CD:…", 32 bytes
        QVERIFY(!trust.lastErrors(server.url()).isEmpty());

        // The operator compared the fingerprint and trusts it: calls go through.
        trust.trust(server.url(), presented);
        AdminReply accepted = call(client);
        QVERIFY2(accepted.ok(), accepted.error ? qPrintable(accepted.error->text()) : "");
        QCOMPARE(accepted.status, 200);

        // Remembered for the next start.
        CertificateTrust later;
        QVERIFY(later.isTrusted(server.url(), QSslCertificate(QByteArray(kCertA))));
        QCOMPARE(later.trustedFingerprint(server.url()), fingerprint);

        // Another certificate on the same host is refused again; the old choice stays.
        server.use(kCertB, kKeyB);
        AdminReply replaced = call(client);
        QVERIFY(replaced.error);
        QCOMPARE(replaced.error->code, QStringLiteral("untrusted_certificate"));
        QCOMPARE(trust.lastRefused(server.url()), QSslCertificate(QByteArray(kCertB)));
        QCOMPARE(trust.trustedFingerprint(server.url()), fingerprint);

        trust.forget(server.url());
        QVERIFY(!trust.isTrusted(server.url(), QSslCertificate(QByteArray(kCertA))));
    }

    void dialogShowsTheFingerprint()
    {
        const QSslCertificate cert { QByteArray(kCertB) };
        const QUrl url(QStringLiteral("https://gw.example.com:8443"));
        CertificateDialog fresh(url, cert, { QSslError(QSslError::SelfSignedCertificate, cert) }, QString());
        auto *shown = fresh.findChild<QLineEdit *>(QStringLiteral("fingerprint"));
        QVERIFY(shown);
        QCOMPARE(shown->text(), CertificateTrust::fingerprint(cert));

        // A changed certificate gets a plain warning naming the old fingerprint.
        CertificateDialog changed(url, cert, {}, QStringLiteral("AA:BB"));
        bool warned = false;
        for (QLabel *l : changed.findChildren<QLabel *>())
            warned = warned || l->text().contains(QStringLiteral("AA:BB"));
        QVERIFY(warned);
    }

private:
    QTemporaryDir m_config;
};

QTEST_MAIN(CertificateTrustTest)
#include "CertificateTrustTest.moc"

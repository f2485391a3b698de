// The console's error mapping: the server's OpenAI-shaped errors and transport failures become
// plain words, with the field and rule line the server names, so the UI can put them in place.
#include "console/core/AdminError.h"

#include <QtTest>

using namespace dynaseal::console;

namespace {
QByteArray errorBody(const char *code, const QString &message)
{
    return QJsonDocument(QJsonObject { { QStringLiteral("error"),
                             QJsonObject { { QStringLiteral("message"), message },
                                 { QStringLiteral("type"), QStringLiteral("invalid_request_error") },
                                 { QStringLiteral("code"), QLatin1String(code) } } } })
        .toJson(QJsonDocument::Compact);
}
} // namespace

class AdminErrorTest : public QObject
{
    Q_OBJECT
private slots:
    void fromHttp_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("field");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("says"); // the summary contains this
        QTest::addColumn<bool>("authentication");
        QTest::addColumn<bool>("missingEndpoint");

        QTest::newRow("wrong password") << 401 << errorBody("invalid_credentials", QStringLiteral("wrong username or password"))
                                        << "invalid_credentials"
                                        << "" << 0 << "Wrong username or password" << true << false;
        QTest::newRow("expired token") << 401
                                       << errorBody("invalid_token",
                                              QStringLiteral("the admin token is invalid or expired: log in again"))
                                       << "invalid_token"
                                       << "" << 0 << "expired" << true << false;
        QTest::newRow("no token") << 401 << errorBody("missing_token", QStringLiteral("missing admin token")) << "missing_token"
                                  << "" << 0 << "not logged in" << true << false;
        QTest::newRow("unknown field") << 400
                                       << errorBody("unknown_field",
                                              QStringLiteral("unknown field \"allow\"; allowed: name, callback_url, token_quota"))
                                       << "unknown_field"
                                       << "allow" << 0 << "does not know the setting \"allow\"" << false << false;
        QTest::newRow("bad rule line") << 400
                                       << errorBody("invalid_rule",
                                              QStringLiteral("\"allow\" line 2 (\"ip:300.1.1.1\"): not an IP address or CIDR"))
                                       << "invalid_rule"
                                       << "allow" << 2 << "\"allow\" line 2" << false << false;
        QTest::newRow("bad field") << 400
                                   << errorBody(
                                          "invalid_field", QStringLiteral("\"callback_url\" must be an http:// or https:// URL"))
                                   << "invalid_field"
                                   << "callback_url" << 0 << "callback_url" << false << false;
        QTest::newRow("nested field") << 400
                                      << errorBody("invalid_field",
                                             QStringLiteral("\"param_fixed.max_tokens\" cannot be fixed: the gateway manages it"))
                                      << "invalid_field"
                                      << "param_fixed" << 0 << "cannot be fixed" << false << false;
        QTest::newRow("gone") << 404 << errorBody("not_found", QStringLiteral("no tenant with id \"tn_1\"")) << "not_found"
                              << "" << 0 << "no longer exists" << false << false;
        QTest::newRow("older server") << 404 << errorBody("unknown_url", QStringLiteral("no such endpoint")) << "unknown_url"
                                      << "" << 0 << "does not offer this function" << false << true;
        QTest::newRow("wrong method") << 405 << errorBody("method_not_allowed", QStringLiteral("use GET")) << "method_not_allowed"
                                      << "" << 0 << "does not offer this function" << false << true;
        QTest::newRow("name taken") << 409 << errorBody("conflict", QStringLiteral("an upstream named \"openai\" exists already"))
                                    << "conflict"
                                    << "" << 0 << "exists already" << false << false;
        QTest::newRow("too large") << 413 << errorBody("payload_too_large", QStringLiteral("body too large"))
                                   << "payload_too_large"
                                   << "" << 0 << "larger than the server accepts" << false << false;
        QTest::newRow("server error") << 500
                                      << errorBody("internal_error",
                                             QStringLiteral("the change could not be stored; nothing was changed"))
                                      << "internal_error"
                                      << "" << 0 << "internal problem" << false << false;
        QTest::newRow("proxy page") << 502 << QByteArray("<html><body>Bad Gateway</body></html>") << ""
                                    << "" << 0 << "not reachable behind its proxy" << false << false;
        QTest::newRow("not dynaseal") << 200 << QByteArray("<html>hello</html>") << ""
                                      << "" << 0 << "not a Dynaseal answer" << false << false;
    }
    void fromHttp()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, code);
        QFETCH(QString, field);
        QFETCH(int, line);
        QFETCH(QString, says);
        QFETCH(bool, authentication);
        QFETCH(bool, missingEndpoint);

        const AdminError e = AdminError::fromHttp(status, body, QStringLiteral("save the tenant"));
        QCOMPARE(e.status, status);
        QCOMPARE(e.code, code);
        QCOMPARE(e.field, field);
        QCOMPARE(e.line, line);
        QVERIFY2(e.summary.contains(says, Qt::CaseInsensitive), qPrintable(e.summary));
        QVERIFY2(!e.advice.isEmpty(), "every error says what to do");
        QCOMPARE(e.isAuthentication(), authentication);
        QCOMPARE(e.isMissingEndpoint(), missingEndpoint);
        QVERIFY(e.text().startsWith(e.summary));
        // Next to a field the server's own words are shown (they name the field and line).
        if (!field.isEmpty())
            QVERIFY2(e.fieldText().contains(QStringLiteral("\"%1").arg(field)), qPrintable(e.fieldText()));
    }

    void fromNetwork_data()
    {
        QTest::addColumn<int>("error");
        QTest::addColumn<QString>("says");
        QTest::addColumn<int>("kind");
        QTest::newRow("refused") << int(QNetworkReply::ConnectionRefusedError) << "127.0.0.1:8123"
                                 << int(AdminError::Kind::Network);
        QTest::newRow("no host") << int(QNetworkReply::HostNotFoundError) << "was not found" << int(AdminError::Kind::Network);
        QTest::newRow("timeout") << int(QNetworkReply::TimeoutError) << "did not answer in time"
                                 << int(AdminError::Kind::Network);
        QTest::newRow("transfer timeout") << int(QNetworkReply::OperationCanceledError) << "did not answer in time"
                                          << int(AdminError::Kind::Network);
        QTest::newRow("closed") << int(QNetworkReply::RemoteHostClosedError) << "closed the connection"
                                << int(AdminError::Kind::Network);
        QTest::newRow("tls") << int(QNetworkReply::SslHandshakeFailedError) << "secure connection"
                             << int(AdminError::Kind::Certificate);
        QTest::newRow("proxy") << int(QNetworkReply::ProxyConnectionRefusedError) << "proxy" << int(AdminError::Kind::Network);
    }
    void fromNetwork()
    {
        QFETCH(int, error);
        QFETCH(QString, says);
        QFETCH(int, kind);
        const AdminError e = AdminError::fromNetwork(
            QNetworkReply::NetworkError(error), QStringLiteral("detail"), QUrl(QStringLiteral("http://127.0.0.1:8123")));
        QVERIFY2(e.summary.contains(says, Qt::CaseInsensitive), qPrintable(e.summary));
        QVERIFY(!e.advice.isEmpty());
        QCOMPARE(int(e.kind), kind);
        QCOMPARE(e.status, 0);
    }

    void untrustedCertificate()
    {
        const AdminError e
            = AdminError::untrustedCertificate(QUrl(QStringLiteral("https://gw.example.com")), QStringLiteral("self-signed"));
        QCOMPARE(e.code, QStringLiteral("untrusted_certificate"));
        QCOMPARE(e.kind, AdminError::Kind::Certificate);
        QVERIFY(e.text().contains(QStringLiteral("SHA-256")));
    }
};

QTEST_GUILESS_MAIN(AdminErrorTest)
#include "AdminErrorTest.moc"

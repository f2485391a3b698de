// The tenant editor against a server that does not know the policy fields yet (an older
// dynaseal-server): it says so up front, sends only the changed field, and shows the 400
// unknown_field answer under that field and in the editor's banner, saving nothing.
#include "console/widgets/TenantEditor.h"

#include "console/core/AdminClient.h"
#include "console/widgets/FormField.h"
#include "console/widgets/MessageBar.h"
#include "tests/support/MiniHttpServer.h"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QtTest>

using namespace dynaseal::console;
using namespace dynaseal::test;

namespace {
const QJsonObject kTenant { { QStringLiteral("id"), QStringLiteral("tn_0123456789abcdef") },
    { QStringLiteral("name"), QStringLiteral("Old Server Co") },
    { QStringLiteral("callback_url"), QStringLiteral("https://backend.example.com/usage") },
    { QStringLiteral("token_quota"), QJsonValue(QJsonValue::Null) }, { QStringLiteral("tokens_used"), 12 },
    { QStringLiteral("max_key_lifetime_secs"), QJsonValue(QJsonValue::Null) },
    { QStringLiteral("created_at"), QStringLiteral("2026-11-23T09:26:23.614Z") },
    { QStringLiteral("updated_at"), QStringLiteral("2026-11-23T09:26:23.614Z") } };
} // namespace

class TenantEditorTest : public QObject
{
    Q_OBJECT
private slots:
    void olderServerRefusesPolicyFields_data()
    {
        QTest::addColumn<QString>("field"); // the API field
        QTest::addColumn<QString>("editor"); // its editor's object name
        QTest::addColumn<int>("tab");
        QTest::newRow("allow") << "allow"
                               << "allowEdit" << 1;
        QTest::newRow("deny") << "deny"
                              << "denyEdit" << 1;
        QTest::newRow("rate_limits") << "rate_limits"
                                     << "rateLimitsEdit" << 2;
    }
    void olderServerRefusesPolicyFields()
    {
        QFETCH(QString, field);
        QFETCH(QString, editor);
        QFETCH(int, tab);

        MiniHttpServer server;
        QVERIFY(server.listen());
        server.setHandler([&](const RecordedRequest &, QTcpSocket *socket) {
            const QString message
                = QStringLiteral("unknown field \"%1\"; allowed: name, callback_url, token_quota, max_key_lifetime_secs")
                      .arg(field);
            MiniHttpServer::respond(socket, 400,
                QJsonDocument(QJsonObject { { QStringLiteral("error"),
                                  QJsonObject { { QStringLiteral("message"), message },
                                      { QStringLiteral("type"), QStringLiteral("invalid_request_error") },
                                      { QStringLiteral("code"), QStringLiteral("unknown_field") } } } })
                    .toJson(QJsonDocument::Compact));
        });
        AdminClient client(nullptr);
        client.setServer(QUrl(server.origin()));
        client.setToken("dsa_test");
        TenantEditor tenantEditor(&client);
        tenantEditor.resize(900, 700);
        tenantEditor.show();
        tenantEditor.load(kTenant);

        // Told up front that this server reports no policies.
        auto *notice = tenantEditor.findChild<MessageBar *>(QStringLiteral("policyNotice"));
        QVERIFY(notice && !notice->text().isEmpty());

        tenantEditor.findChild<QTabWidget *>(QStringLiteral("tenantTabs"))->setCurrentIndex(tab);
        auto *edit = tenantEditor.findChild<QPlainTextEdit *>(editor);
        QVERIFY(edit);
        QTest::keyClicks(
            edit, field == QLatin1String("rate_limits") ? QStringLiteral("ingress:10/minute") : QStringLiteral("ip:10.0.0.0/8"));
        QTest::mouseClick(tenantEditor.findChild<QPushButton *>(QStringLiteral("saveTenantButton")), Qt::LeftButton);

        auto *error = tenantEditor.findChild<QLabel *>(QStringLiteral("error_") + field);
        QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), 10000);
        QVERIFY2(error->text().contains(QStringLiteral("does not accept this setting yet")), qPrintable(error->text()));
        QVERIFY2(error->text().contains(QStringLiteral("unknown field \"%1\"").arg(field)), qPrintable(error->text()));
        const QString banner = tenantEditor.messages()->text();
        QVERIFY2(banner.contains(QStringLiteral("does not know the setting \"%1\"").arg(field))
                && banner.contains(QStringLiteral("Nothing was saved")),
            qPrintable(banner));
        QCOMPARE(tenantEditor.findChild<QTabWidget *>(QStringLiteral("tenantTabs"))->currentIndex(), tab);

        // Only the changed field went to the server, with PATCH on the tenant (the other request
        // is the key list's GET).
        QList<RecordedRequest> patches;
        for (const RecordedRequest &r : server.requests) {
            if (r.method != "GET")
                patches.append(r);
        }
        QCOMPARE(patches.size(), 1);
        QCOMPARE(patches.first().method, QByteArray("PATCH"));
        QCOMPARE(patches.first().path, QByteArray("/admin/v1/tenants/tn_0123456789abcdef"));
        const QJsonObject sent = QJsonDocument::fromJson(patches.first().body).object();
        QCOMPARE(sent.keys(), QStringList { field });
        QVERIFY(tenantEditor.isDirty());
    }

    void jsonFieldsAreCheckedBeforeSending()
    {
        MiniHttpServer server;
        QVERIFY(server.listen());
        AdminClient client(nullptr);
        client.setServer(QUrl(server.origin()));
        TenantEditor tenantEditor(&client);
        tenantEditor.show();
        tenantEditor.load(kTenant);
        tenantEditor.findChild<QTabWidget *>(QStringLiteral("tenantTabs"))->setCurrentIndex(3);
        QTest::keyClicks(
            tenantEditor.findChild<QPlainTextEdit *>(QStringLiteral("paramFixedEdit")), QStringLiteral("{\"temperature\": }"));
        QTest::mouseClick(tenantEditor.findChild<QPushButton *>(QStringLiteral("saveTenantButton")), Qt::LeftButton);
        QVERIFY(tenantEditor.field(QStringLiteral("param_fixed"))->hasError());
        QVERIFY(tenantEditor.field(QStringLiteral("param_fixed"))->error().contains(QStringLiteral("not valid JSON")));
        QTest::qWait(200);
        for (const RecordedRequest &r : server.requests)
            QCOMPARE(r.method, QByteArray("GET")); // nothing was sent to be saved
    }
};

QTEST_MAIN(TenantEditorTest)
#include "TenantEditorTest.moc"

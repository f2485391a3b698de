// The real console window against a real server: log in through the connect dialog, create a
// tenant, issue a key (shown once) and revoke it (after a confirmation), have a bad rule refused
// with the server's message under the field, watch live traffic reach the dashboard, run the
// playground end to end, test an upstream, and lose the session.
#include "console/core/AdminClient.h"
#include "console/core/EventStream.h"
#include "console/core/LiveSeries.h"
#include "console/core/models/RequestsModel.h"
#include "console/core/models/TenantKeysModel.h"
#include "console/core/models/TenantsModel.h"
#include "console/widgets/ConnectDialog.h"
#include "console/widgets/DashboardPage.h"
#include "console/widgets/LiveChart.h"
#include "console/widgets/MainWindow.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/Pager.h"
#include "console/widgets/PlaygroundPage.h"
#include "console/widgets/RequestsPage.h"
#include "console/widgets/SecretDialog.h"
#include "console/widgets/TableView.h"
#include "console/widgets/TenantEditor.h"
#include "console/widgets/TenantKeysPanel.h"
#include "console/widgets/TenantsPage.h"
#include "console/widgets/Theme.h"
#include "console/widgets/UpstreamsPage.h"
#include "tests/support/Gateway.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal::console;
using namespace dynaseal::test;

class ConsoleWindowTest : public QObject
{
    Q_OBJECT

    template<class T> T *child(QObject *root, const char *name)
    {
        T *found = root->findChild<T *>(QLatin1String(name));
        if (!found)
            qWarning("no %s named %s", T::staticMetaObject.className(), name);
        return found;
    }
    void click(QWidget *button) { QTest::mouseClick(button, Qt::LeftButton); }
    QJsonObject tenant(const QString &id)
    {
        return m_gw.http.get(QStringLiteral("/admin/v1/tenants/") + id, m_gw.adminToken).json();
    }
    HttpResult mintWith(const QString &tenantKey)
    {
        return m_gw.http.send("POST", QStringLiteral("/v1/dynamic-keys"), R"({"model":"m1","max_tokens":100,"ttl_seconds":60})",
            { { "Authorization", "Bearer " + tenantKey.toLatin1() } });
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_config.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_config.path());
        QCoreApplication::setOrganizationName(QStringLiteral("DynasealTest"));
        QCoreApplication::setApplicationName(QStringLiteral("console-window-test"));
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        Theme::apply(*qApp);
        QString why;
        QVERIFY2(m_gw.setUp(&why), qPrintable(why));
        m_window = std::make_unique<MainWindow>();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QVERIFY(!m_window->isConnected());
    }

    void cleanupTestCase() { m_window.reset(); }

    void logsInThroughTheConnectDialog()
    {
        m_window->showConnectDialog();
        ConnectDialog *dialog = m_window->connectDialog();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        auto *server = child<QLineEdit>(dialog, "serverEdit");
        auto *user = child<QLineEdit>(dialog, "usernameEdit");
        auto *password = child<QLineEdit>(dialog, "passwordEdit");
        auto *message = child<QLabel>(dialog, "messageText");
        QVERIFY(server && user && password && message);
        server->clear();
        QTest::keyClicks(server, m_gw.server.origin());
        user->clear();
        QTest::keyClicks(user, QStringLiteral("admin"));

        // A wrong password is refused in plain words, and nothing connects.
        QTest::keyClicks(password, QStringLiteral("not-the-password"));
        click(child<QPushButton>(dialog, "connectButton"));
        QTRY_VERIFY_WITH_TIMEOUT(message->text().contains(QStringLiteral("Wrong username or password")), 15000);
        QVERIFY(!m_window->isConnected());

        // The right one, sent with Enter (the dialog's default button).
        password->clear();
        QTest::keyClicks(password, QLatin1String(ServerProcess::kAdminPassword));
        QTest::keyClick(password, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->isConnected(), 15000);
        QTRY_VERIFY(!m_window->connectDialog());
        QVERIFY(child<QLabel>(m_window.get(), "connectionStatus")->text().contains(m_gw.server.origin()));
        QVERIFY(m_window->client()->token().startsWith("dsa_"));
    }

    void createsATenant()
    {
        m_window->showPage(QStringLiteral("tenants"));
        auto *page = m_window->findChild<TenantsPage *>();
        QVERIFY(page);
        QTRY_VERIFY(page->model()->rowCount() == 1); // Gateway's "Acme"
        click(child<QPushButton>(page, "newTenantButton"));
        TenantEditor *editor = page->editor();
        QVERIFY(editor->isNew());
        QTest::keyClicks(child<QLineEdit>(editor, "nameEdit"), QStringLiteral("Console Co"));
        QTest::keyClicks(child<QLineEdit>(editor, "callbackUrlEdit"), m_gw.receiver.url());
        QTest::keyClicks(child<QLineEdit>(editor, "quotaEdit"), QStringLiteral("5000"));
        click(child<QPushButton>(editor, "saveTenantButton"));

        // The callback secret is shown once, in a dialog.
        SecretDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = m_window->findChild<SecretDialog *>()) != nullptr, 10000);
        QVERIFY2(dialog->secret().startsWith(QStringLiteral("whsec_")), qPrintable(dialog->secret()));
        click(child<QPushButton>(dialog, "closeButton"));
        QTRY_VERIFY(!m_window->findChild<SecretDialog *>());

        QString id;
        for (const QJsonValue &t : m_gw.http.get(QStringLiteral("/admin/v1/tenants"), m_gw.adminToken).data()) {
            if (t[QLatin1String("name")].toString() == QLatin1String("Console Co")) {
                id = t[QLatin1String("id")].toString();
                QCOMPARE(t[QLatin1String("token_quota")].toInteger(), 5000);
                QCOMPARE(t[QLatin1String("callback_url")].toString(), m_gw.receiver.url());
            }
        }
        QVERIFY(!id.isEmpty());
        QTRY_COMPARE(editor->tenantId(), id);
        QVERIFY(!editor->isNew());
        QTRY_COMPARE(page->model()->rowCount(), 2);
        m_tenantId = id;
    }

    void savesOnlyWhatChanged()
    {
        auto *page = m_window->findChild<TenantsPage *>();
        TenantEditor *editor = page->editor();
        QCOMPARE(editor->tenantId(), m_tenantId);
        auto *quota = child<QLineEdit>(editor, "quotaEdit");
        quota->selectAll();
        QTest::keyClicks(quota, QStringLiteral("6000"));
        QCOMPARE(editor->changes(), (QJsonObject { { QStringLiteral("token_quota"), 6000 } }));
        click(child<QPushButton>(editor, "saveTenantButton"));
        QTRY_VERIFY_WITH_TIMEOUT(!editor->isDirty(), 10000);
        QCOMPARE(tenant(m_tenantId).value("token_quota").toInteger(), 6000);
        QCOMPARE(tenant(m_tenantId).value("name").toString(), QStringLiteral("Console Co"));
    }

    void issuesAndRevokesAKey()
    {
        auto *page = m_window->findChild<TenantsPage *>();
        TenantEditor *editor = page->editor();
        TenantKeysPanel *keys = editor->keys();
        child<QTabWidget>(editor, "tenantTabs")->setCurrentWidget(keys);
        auto *issue = child<QPushButton>(keys, "issueKeyButton");
        QTRY_VERIFY(issue->isEnabled());
        click(issue);

        SecretDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = m_window->findChild<SecretDialog *>()) != nullptr, 10000);
        const QString key = dialog->secret();
        QVERIFY2(key.startsWith(QStringLiteral("dsk_")), qPrintable(key));
        QCOMPARE(mintWith(key).status, 200);
        click(child<QPushButton>(dialog, "closeButton"));
        QTRY_VERIFY(!m_window->findChild<SecretDialog *>());

        // Listed with its tail only: the key itself is never shown again.
        QTRY_COMPARE(keys->model()->rowCount(), 1);
        const QJsonObject listed = keys->model()->row(0);
        QVERIFY(listed.value("active").toBool());
        QVERIFY(!QJsonDocument(listed).toJson().contains(key.toLatin1()));
        QVERIFY(key.endsWith(listed.value("key_tail").toString().mid(1)));

        TableView *table = keys->table();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(table->model()->index(0, 0)).center());
        auto *revoke = child<QPushButton>(keys, "revokeKeyButton");
        QTRY_VERIFY(revoke->isEnabled());
        click(revoke);
        QMessageBox *confirm = nullptr;
        QTRY_VERIFY((confirm = m_window->findChild<QMessageBox *>(QStringLiteral("confirmRevoke"))) != nullptr);
        QVERIFY(confirm->text().contains(listed.value("id").toString()));
        click(child<QPushButton>(confirm, "confirmButton"));

        QTRY_VERIFY_WITH_TIMEOUT(keys->model()->rowCount() == 1 && !keys->model()->row(0).value("active").toBool(), 10000);
        QCOMPARE(mintWith(key).status, 401);
        QVERIFY(!revoke->isEnabled());
    }

    void refusesARuleWithASyntaxError()
    {
        auto *page = m_window->findChild<TenantsPage *>();
        TenantEditor *editor = page->editor();
        const QJsonObject before = tenant(m_tenantId);
        child<QTabWidget>(editor, "tenantTabs")->setCurrentIndex(1);
        auto *allow = child<QPlainTextEdit>(editor, "allowEdit");
        QTest::keyClicks(allow, QStringLiteral("ip:10.0.0.0/8"));
        QTest::keyClick(allow, Qt::Key_Return);
        QTest::keyClicks(allow, QStringLiteral("ip:not-an-address"));
        QCOMPARE(editor->changes().keys(), QStringList { QStringLiteral("allow") });
        click(child<QPushButton>(editor, "saveTenantButton"));

        // The server's 400 is shown under the field it names. A server that knows "allow" says
        // which line is wrong (invalid_rule); one that does not yet refuses the field
        // (unknown_field). Either way the message names "allow" and nothing is saved.
        auto *error = child<QLabel>(editor, "error_allow");
        QTRY_VERIFY_WITH_TIMEOUT(error->isVisible() && !error->text().isEmpty(), 10000);
        QVERIFY2(error->text().contains(QStringLiteral("\"allow\"")), qPrintable(error->text()));
        QVERIFY2(error->text().contains(QStringLiteral("line 2")) || error->text().contains(QStringLiteral("unknown field")),
            qPrintable(error->text()));
        QVERIFY(allow->property("invalid").toBool());
        QVERIFY(!child<MessageBar>(editor, "messageBar")->text().isEmpty());
        const QJsonObject after = tenant(m_tenantId);
        QCOMPARE(after.value("allow"), before.value("allow"));
        QCOMPARE(after.value("updated_at"), before.value("updated_at"));
        QVERIFY(editor->isDirty()); // the text stays for correcting

        // Editing the field clears its error; Revert returns to what the server has.
        QTest::keyClick(allow, Qt::Key_Backspace);
        QVERIFY(!error->isVisible());
        click(child<QPushButton>(editor, "revertTenantButton"));
        QVERIFY(!editor->isDirty());
        QVERIFY(allow->toPlainText().isEmpty());
    }

    void dashboardShowsLiveTraffic()
    {
        m_window->showPage(QStringLiteral("dashboard"));
        auto *dashboard = m_window->findChild<DashboardPage *>();
        QVERIFY(dashboard);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->eventStream()->state(), EventStream::State::Live, 10000);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_gw.chat(m_gw.mint(), Gateway::chatBody()).status, 200);
        LiveSeries *series = dashboard->series();
        QTRY_VERIFY_WITH_TIMEOUT(series->totals().requests >= 3, 10000);
        QVERIFY(series->hasTraffic());
        QCOMPARE(series->totals().tokens, 3 * 14.0);
        // …and the chart draws it.
        auto *chart = dashboard->findChild<LiveChart *>();
        const QList<QPointF> points = chart->line(0)->points();
        QVERIFY(std::any_of(points.begin(), points.end(), [](const QPointF &p) { return p.y() > 0; }));
        QCOMPARE(child<QWidget>(dashboard, "requestsCard")->findChild<QLabel *>(QStringLiteral("cardValue"))->text(),
            QStringLiteral("3"));

        // Filtering by a tenant without traffic reopens the stream with that filter.
        auto *tenantFilter = child<QComboBox>(dashboard, "tenantFilter");
        const int other = tenantFilter->findData(m_tenantId);
        QVERIFY(other > 0);
        tenantFilter->setFocus();
        while (tenantFilter->currentIndex() < other)
            QTest::keyClick(tenantFilter, Qt::Key_Down);
        QTRY_COMPARE(m_window->eventStream()->tenantFilter(), m_tenantId);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->eventStream()->state() == EventStream::State::Live && !series->hasTraffic(), 10000);
        tenantFilter->setCurrentIndex(0);
        QTest::keyClick(tenantFilter, Qt::Key_Up); // already first: re-applies "all"
        tenantFilter->setCurrentIndex(1);
        QTest::keyClick(tenantFilter, Qt::Key_Up);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->eventStream()->tenantFilter().isEmpty() && series->totals().requests >= 3, 10000);
    }

    void playgroundStreamsAndShowsTheCallback()
    {
        m_window->showPage(QStringLiteral("playground"));
        auto *page = m_window->findChild<PlaygroundPage *>();
        auto *tenantPicker = child<QComboBox>(page, "playTenant");
        QTRY_VERIFY(tenantPicker->findData(m_gw.tenantId) >= 0);
        tenantPicker->setCurrentIndex(tenantPicker->findData(m_gw.tenantId));
        child<QComboBox>(page, "playModel")->setCurrentText(QStringLiteral("m1"));
        const int deliveries = int(m_gw.receiver.deliveries().size());
        click(child<QPushButton>(page, "sendButton"));

        QTRY_VERIFY_WITH_TIMEOUT(!page->answer().isEmpty(), 15000);
        auto *callback = child<QLabel>(page, "callbackState");
        QTRY_VERIFY_WITH_TIMEOUT(callback->text().contains(QStringLiteral("Delivered")), 20000);
        QVERIFY(m_gw.receiver.deliveries().size() > deliveries);
        QVERIFY(child<QPlainTextEdit>(page, "callbackBody")->toPlainText().contains(QStringLiteral("\"event_id\"")));
        QVERIFY(page->curlSnippet().contains(QStringLiteral("Authorization: Bearer eyJ")));
        QVERIFY(page->curlSnippet().contains(m_gw.server.origin() + QStringLiteral("/v1/chat/completions")));
        QVERIFY(page->pythonSnippet().contains(QStringLiteral("from openai import OpenAI")));
        QVERIFY(page->pythonSnippet().contains(QStringLiteral("stream=True")));
        // The temporary tenant key was revoked: only Gateway's own key is still active.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                int active = 0;
                for (const QJsonValue &k :
                    m_gw.http.get(QStringLiteral("/admin/v1/tenants/%1/keys").arg(m_gw.tenantId), m_gw.adminToken).data())
                    active += k[QLatin1String("active")].toBool() ? 1 : 0;
                return active == 1;
            }(),
            10000);
    }

    void requestLogPagesOnByCursor()
    {
        // More requests than a page holds (100): "Next" shows the rest, each once, after the
        // cursor the first page gave, although 3 more calls came after the first page (an offset
        // would shift by them); "Previous" the first page again, with those 3 on top.
        QList<QPair<QByteArray, QByteArray>> calls;
        for (int i = 0; i < 101; ++i)
            calls.append({m_gw.mint(), Gateway::chatBody()});
        for (const HttpResult &r : m_gw.chatTogether(calls, 8))
            QCOMPARE(r.status, 200);
        // Every outcome stored, so that no row moves from the in-flight rows to the stored ones
        // (and its place in the order) between the pages.
        QTRY_COMPARE_WITH_TIMEOUT(
            m_gw.http.get(QStringLiteral("/admin/v1/requests?status=in_flight&limit=1"), m_gw.adminToken).json().value(QLatin1String("total")).toInteger(-1),
            0, 10000);
        const qint64 total = m_gw.http.get(QStringLiteral("/admin/v1/requests?limit=1"), m_gw.adminToken).json().value(QLatin1String("total")).toInteger();
        QVERIFY2(total > 100 && total < 200, qPrintable(QString::number(total)));

        m_window->showPage(QStringLiteral("requests"));
        auto *page = m_window->findChild<RequestsPage *>();
        QVERIFY(page);
        page->refresh();
        auto ids = [page] {
            QStringList out;
            for (int i = 0; i < page->model()->rowCount(); ++i)
                out.append(page->model()->row(i).value(QLatin1String("id")).toString());
            return out;
        };
        QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 100, 10000);
        const QStringList first = ids();
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_gw.chat(m_gw.mint(), Gateway::chatBody()).status, 200);
        click(child<QPushButton>(page, "nextPage"));
        QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), int(total - 100), 10000);
        const QStringList second = ids();
        for (const QString &id : second)
            QVERIFY2(!first.contains(id), qPrintable(id));
        QVERIFY(!child<QPushButton>(page, "nextPage")->isEnabled());
        click(child<QPushButton>(page, "previousPage"));
        QTRY_VERIFY_WITH_TIMEOUT(ids().mid(3) == first.mid(0, 97), 10000);
    }

    void upstreamKeyIsMaskedAndTestIsExplained()
    {
        m_window->showPage(QStringLiteral("upstreams"));
        auto *page = m_window->findChild<UpstreamsPage *>();
        auto *table = child<TableView>(page, "upstreamsTable");
        QTRY_VERIFY(table->model()->rowCount() == 1);
        table->selectRow(0);
        QTRY_COMPARE(table->selectedObject().value("api_key").toString(), QStringLiteral("…0001"));
        auto *apiKey = child<QLineEdit>(page, "apiKeyEdit");
        QCOMPARE(apiKey->echoMode(), QLineEdit::Password);
        QVERIFY(apiKey->text().isEmpty());
        QVERIFY(apiKey->placeholderText().contains(QStringLiteral("…0001")));

        click(child<QPushButton>(page, "testUpstreamButton"));
        MessageBar *result = page->testResult();
        QTRY_VERIFY_WITH_TIMEOUT(result->kind() != MessageBar::Kind::Info && !result->text().isEmpty(), 20000);
        if (result->kind() == MessageBar::Kind::Warning) // this server has no test endpoint yet
            QVERIFY2(result->text().contains(QStringLiteral("POST /admin/v1/upstreams/{id}/test")), qPrintable(result->text()));
        else // it has: the fake upstream answers
            QVERIFY2(result->kind() == MessageBar::Kind::Success, qPrintable(result->text()));
    }

    void keyboardSwitchesPages()
    {
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key_4, Qt::ControlModifier);
        QTRY_VERIFY(m_window->page(QStringLiteral("requests"))->isVisible());
        QTest::keyClick(m_window.get(), Qt::Key_1, Qt::ControlModifier);
        QTRY_VERIFY(m_window->page(QStringLiteral("dashboard"))->isVisible());
    }

    void pagesKeepTheirSplitterSizes()
    {
        // A page's list/detail splitter is saved under the page's id, and the next window opens
        // it at the same sizes.
        m_window->showPage(QStringLiteral("tenants"));
        Page *page = m_window->page(QStringLiteral("tenants"));
        auto *splitter = page->findChild<QSplitter *>();
        QVERIFY(splitter);
        const int total = splitter->sizes().value(0) + splitter->sizes().value(1);
        splitter->setSizes({ total / 4, total - total / 4 });
        const QByteArray state = splitter->saveState();
        page->saveState();
        QCOMPARE(QSettings().value(QStringLiteral("splitters/tenants")).toByteArray(), state);
        MainWindow next;
        auto *restored = next.page(QStringLiteral("tenants"))->findChild<QSplitter *>();
        QVERIFY(restored);
        QCOMPARE(restored->saveState(), state);
    }

    void lostSessionAsksToLogInAgain()
    {
        // A list on screen when the session is lost: the requests page, with a call in it.
        QCOMPARE(m_gw.chat(m_gw.mint(), Gateway::chatBody()).status, 200);
        m_window->showPage(QStringLiteral("requests"));
        auto *requests = m_window->findChild<RequestsPage *>();
        QVERIFY(requests);
        requests->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(requests->model()->rowCount() > 0, 10000);
        const QByteArray token = m_window->client()->token();
        QCOMPARE(
            m_gw.http.send("POST", QStringLiteral("/admin/v1/logout"), {}, { { "Authorization", "Bearer " + token } }).status,
            204);
        m_window->refreshCurrent();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->isConnected(), 10000);
        QTRY_VERIFY(m_window->connectDialog());
        QVERIFY2(m_window->banner()->text().contains(QStringLiteral("expired")), qPrintable(m_window->banner()->text()));
        QCOMPARE(m_window->eventStream()->state(), EventStream::State::Stopped);
        // The session's lists went with it (PagedListPage).
        QCOMPARE(requests->model()->rowCount(), 0);
        auto *pager = requests->findChild<Pager *>();
        QVERIFY(pager);
        QCOMPARE(pager->findChild<QLabel *>()->text(), QStringLiteral("No rows"));
    }

private:
    QTemporaryDir m_config;
    Gateway m_gw;
    std::unique_ptr<MainWindow> m_window;
    QString m_tenantId;
};

QTEST_MAIN(ConsoleWindowTest)
#include "ConsoleWindowTest.moc"

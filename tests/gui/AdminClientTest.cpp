// The console's client against a scripted HTTP server: answers and failures arrive as plain-words
// errors, a refused token ends the session, redirects are not followed, and the live event
// stream reads history and stats and reconnects on its own.
#include "console/core/AdminClient.h"

#include "console/core/EventStream.h"
#include "tests/support/MiniHttpServer.h"
#include "tests/support/TestHttp.h"

#include <QSignalSpy>
#include <QtTest>

using namespace dynaseal::console;
using namespace dynaseal::test;

namespace {
QByteArray errorBody(const char *code, const char *message)
{
    return QJsonDocument(QJsonObject { { QStringLiteral("error"),
                             QJsonObject { { QStringLiteral("message"), QLatin1String(message) },
                                 { QStringLiteral("type"), QStringLiteral("invalid_request_error") },
                                 { QStringLiteral("code"), QLatin1String(code) } } } })
        .toJson(QJsonDocument::Compact);
}
} // namespace

class AdminClientTest : public QObject
{
    Q_OBJECT
private slots:
    void mapsAnswers_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("code");
        QTest::addColumn<int>("kind");
        QTest::addColumn<bool>("expires");
        const QByteArray tokenRefused = errorBody("invalid_token", "the admin token is invalid or expired: log in again");
        const QByteArray unknownField = errorBody("unknown_field", "unknown field \"allow\"; allowed: name");
        QTest::newRow("ok") << 200 << QByteArray("{\"data\":[{\"id\":\"tn_1\"}]}") << true << "" << 0 << false;
        QTest::newRow("no content") << 204 << QByteArray() << true << "" << 0 << false;
        QTest::newRow("token refused") << 401 << tokenRefused << false << "invalid_token" << int(AdminError::Kind::Http) << true;
        QTest::newRow("unknown field") << 400 << unknownField << false << "unknown_field" << int(AdminError::Kind::Http) << false;
        QTest::newRow("not json") << 200 << QByteArray("<html>") << false << "" << int(AdminError::Kind::Protocol) << false;
        QTest::newRow("proxy error page") << 502 << QByteArray("<html>Bad Gateway</html>") << false << ""
                                          << int(AdminError::Kind::Protocol) << false;
        QTest::newRow("redirect") << 301 << QByteArray() << false << "" << int(AdminError::Kind::Protocol) << false;
    }
    void mapsAnswers()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(bool, ok);
        QFETCH(QString, code);
        QFETCH(int, kind);
        QFETCH(bool, expires);

        MiniHttpServer server;
        QVERIFY(server.listen());
        server.setHandler([&](const RecordedRequest &, QTcpSocket *socket) {
            MiniHttpServer::respond(socket, status, body, "application/json",
                status == 301 ? QList<QPair<QByteArray, QByteArray>> { { "Location", "https://elsewhere.example/" } }
                              : QList<QPair<QByteArray, QByteArray>> {});
        });
        AdminClient client(nullptr);
        client.setServer(QUrl(server.origin()));
        client.setToken("dsa_test");
        QSignalSpy expired(&client, &AdminClient::sessionExpired);
        std::optional<AdminReply> reply;
        client.listTenants(this, [&](const AdminReply &r) { reply = r; });
        QVERIFY(waitFor([&] { return reply.has_value(); }));
        QCOMPARE(reply->status, status);
        QCOMPARE(reply->ok(), ok);
        if (!ok) {
            QCOMPARE(reply->error->code, code);
            QCOMPARE(int(reply->error->kind), kind);
            QVERIFY(!reply->error->text().isEmpty());
        }
        QCOMPARE(expired.count(), expires ? 1 : 0);
        QCOMPARE(client.pending(), 0);
        // The admin token went along, and only to this server (the redirect was not followed).
        QCOMPARE(server.requests.size(), 1);
        QCOMPARE(server.requests.first().headers.value("authorization"), QByteArray("Bearer dsa_test"));
        QCOMPARE(server.requests.first().path, QByteArray("/admin/v1/tenants"));
    }

    void connectionRefusedIsPlainWords()
    {
        quint16 port;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            port = probe.serverPort();
        }
        AdminClient client(nullptr);
        client.setServer(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        std::optional<AdminReply> reply;
        client.checkSession(this, [&](const AdminReply &r) { reply = r; });
        QVERIFY(waitFor([&] { return reply.has_value(); }));
        QVERIFY(!reply->ok());
        QCOMPARE(reply->status, 0);
        QCOMPARE(reply->error->kind, AdminError::Kind::Network);
        QVERIFY2(reply->error->summary.contains(QString::number(port)), qPrintable(reply->error->summary));
    }

    void handlerSkippedWhenContextIsGone()
    {
        MiniHttpServer server;
        QVERIFY(server.listen());
        server.setHandler([](const RecordedRequest &, QTcpSocket *socket) { MiniHttpServer::respond(socket, 200, "{}"); });
        AdminClient client(nullptr);
        client.setServer(QUrl(server.origin()));
        bool called = false;
        auto *context = new QObject;
        client.listUpstreams(context, [&](const AdminReply &) { called = true; });
        delete context;
        QVERIFY(waitFor([&] { return client.pending() == 0; }));
        QVERIFY(!called);
    }

    void urlKeepsTheBasePath()
    {
        AdminClient client(nullptr);
        client.setServer(QUrl(QStringLiteral("https://gw.example.com/dynaseal/")));
        QCOMPARE(client.url(QStringLiteral("/admin/v1/tenants")).toString(),
            QStringLiteral("https://gw.example.com/dynaseal/admin/v1/tenants"));
    }

    void eventStreamReadsAndReconnects()
    {
        MiniHttpServer server;
        QVERIFY(server.listen());
        QList<QTcpSocket *> streams;
        server.setHandler([&](const RecordedRequest &, QTcpSocket *socket) {
            MiniHttpServer::beginChunked(socket, 200, "text/event-stream");
            // Split mid-event on purpose: the parser must wait for the blank line.
            MiniHttpServer::chunk(
                socket, "event: history\ndata: {\"points\":[{\"t\":1000,\"requests\":1},{\"t\":2000,\"requests\":0}]}\n");
            MiniHttpServer::chunk(socket, "\nevent: stats\ndata: {\"t\":3000,\"requests\":4,\"tokens\":56}\n\n");
            MiniHttpServer::chunk(socket, "event: request\ndata: {\"id\":\"req_1\",\"tenant_id\":\"tn_1\"}\n\n");
            streams.append(socket);
        });
        AdminClient client(nullptr);
        client.setServer(QUrl(server.origin()));
        client.setToken("dsa_test");
        EventStream stream(&client);
        QList<LiveSample> history;
        QList<LiveSample> stats;
        QList<QJsonObject> requests;
        connect(&stream, &EventStream::history, this, [&](const QList<LiveSample> &p) { history = p; });
        connect(&stream, &EventStream::stats, this, [&](const LiveSample &s) { stats.append(s); });
        connect(&stream, &EventStream::requestFinished, this, [&](const QJsonObject &r) { requests.append(r); });
        stream.start(QStringLiteral("tn_1"), QStringLiteral("m1"));
        QVERIFY(waitFor([&] { return stream.state() == EventStream::State::Live && stats.size() == 1 && requests.size() == 1; }));
        QCOMPARE(history.size(), 2);
        QCOMPARE(stats.first().tokens, 56.0);
        QCOMPARE(requests.first().value("id").toString(), QStringLiteral("req_1"));
        QCOMPARE(server.requests.first().path, QByteArray("/admin/v1/events?tenant_id=tn_1&model=m1"));

        // The server drops the connection: the stream waits a moment and comes back by itself.
        streams.first()->disconnectFromHost();
        QVERIFY(waitFor([&] { return stream.state() == EventStream::State::Waiting; }));
        QVERIFY(stream.retryInSeconds() >= 1);
        QVERIFY(waitFor([&] { return server.requests.size() == 2 && stream.state() == EventStream::State::Live; }, 8000));
        stream.stop();
        QCOMPARE(stream.state(), EventStream::State::Stopped);
    }

    void eventStreamStopsWhenRefused()
    {
        MiniHttpServer server;
        QVERIFY(server.listen());
        server.setHandler([](const RecordedRequest &, QTcpSocket *socket) {
            MiniHttpServer::respond(
                socket, 401, errorBody("invalid_token", "the admin token is invalid or expired: log in again"));
        });
        AdminClient client(nullptr);
        client.setServer(QUrl(server.origin()));
        client.setToken("dsa_old");
        EventStream stream(&client);
        QString detail;
        connect(&stream, &EventStream::stateChanged, this, [&](EventStream::State, const QString &d) { detail = d; });
        stream.start();
        QVERIFY(waitFor([&] { return stream.state() == EventStream::State::Refused; }));
        QVERIFY2(detail.contains(QStringLiteral("Log in again")), qPrintable(detail));
        QTest::qWait(1500); // no retry with a refused token
        QCOMPARE(server.requests.size(), 1);
    }

    void backoff_data()
    {
        QTest::addColumn<int>("attempt");
        QTest::addColumn<int>("delayMs");
        QTest::newRow("first") << 0 << 1000;
        QTest::newRow("second") << 1 << 2000;
        QTest::newRow("third") << 2 << 4000;
        QTest::newRow("fifth") << 4 << 15000;
        QTest::newRow("capped") << 40 << 30000;
    }
    void backoff()
    {
        QFETCH(int, attempt);
        QFETCH(int, delayMs);
        QCOMPARE(EventStream::backoffMs(attempt), delayMs);
    }
};

QTEST_GUILESS_MAIN(AdminClientTest)
#include "AdminClientTest.moc"

// The money invariants through the real server: a dynamic key's max_tokens and a tenant's
// token_quota are never overshot, even by concurrent requests or an upstream that over-reports;
// reservations settle to what was really used; spend survives restarts and crashes.
#include "tests/support/Gateway.h"
#include "tests/support/PrometheusText.h"
#include "tests/support/SqliteFile.h"

#include <QProcess>
#include <QtTest>
#include <memory>
#include <vector>

using namespace dynaseal::test;

namespace {

bool isOpenAiError(const HttpResult &r, const QString &code)
{
    const QJsonObject error = r.json().value(QLatin1String("error")).toObject();
    return error.value(QLatin1String("message")).isString() && !error.value(QLatin1String("message")).toString().isEmpty()
        && error.value(QLatin1String("type")).isString() && error.value(QLatin1String("code")).toString() == code;
}

// Restarts on the same data dir and points the gateway's client at the new port.
bool restart(Gateway &gw, bool crash)
{
    if (crash)
        gw.server.kill();
    else
        gw.server.stop();
    if (!gw.server.start())
        return false;
    gw.http.setOrigin(gw.server.origin());
    return true;
}

} // namespace

class AccountingTest : public QObject
{
    Q_OBJECT
private slots:
    void keyBudgetHoldsUnderConcurrency_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::addColumn<qint64>("overReport");
        QTest::newRow("honest upstream") << false << qint64(0);
        QTest::newRow("honest upstream, streamed") << true << qint64(0);
        QTest::newRow("over-reporting upstream") << false << qint64(1000);
        QTest::newRow("over-reporting upstream, streamed") << true << qint64(1000);
    }

    void keyBudgetHoldsUnderConcurrency()
    {
        QFETCH(bool, stream);
        QFETCH(qint64, overReport);
        constexpr qint64 budget = 600;
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        // Fills whatever completion cap it is given, so every request costs what it reserved.
        gw.upstream.behavior.completionTokens = 100'000;
        gw.upstream.behavior.overReport = overReport;
        gw.upstream.behavior.chunkDelayMs = stream ? 5 : 0;

        const QString eventId = QStringLiteral("evt-shared-budget");
        const QByteArray key = gw.mint({{QStringLiteral("max_tokens"), budget}, {QStringLiteral("event_id"), eventId}});
        const QByteArray body = Gateway::chatBody(QStringLiteral("m1"), stream, {{QStringLiteral("max_tokens"), 50}});
        QList<QPair<QByteArray, QByteArray>> calls;
        for (int i = 0; i < 40; ++i)
            calls.append({key, body});
        const QList<HttpResult> results = gw.chatTogether(calls);

        // What the upstream was allowed for each request, by request id.
        QHash<QByteArray, qint64> sentCap;
        for (const RecordedRequest &r : gw.upstream.http().requests)
            sentCap.insert(r.headers.value("x-request-id"), QJsonDocument::fromJson(r.body).object().value(QLatin1String("max_tokens")).toInteger(-1));

        int ok = 0;
        int refused = 0;
        qint64 deviceTotal = 0;
        for (const HttpResult &r : results) {
            if (r.status == 429) {
                ++refused;
                QVERIFY2(isOpenAiError(r, QStringLiteral("budget_exhausted")), r.body.constData());
                continue;
            }
            QCOMPARE(r.status, 200);
            ++ok;
            const QByteArray requestId = r.header("X-Request-Id");
            QVERIFY2(sentCap.contains(requestId), requestId.constData());
            QVERIFY(sentCap.value(requestId) >= 1 && sentCap.value(requestId) <= 50);
            const QJsonObject usage = r.usage();
            QVERIFY2(!usage.isEmpty(), r.body.left(300).constData());
            if (overReport == 0) {
                QVERIFY(usage.value(QLatin1String("completion_tokens")).toInteger() <= sentCap.value(requestId));
                deviceTotal += usage.value(QLatin1String("total_tokens")).toInteger();
            }
        }
        QVERIFY2(refused > 0, "40 requests of 59 tokens each cannot all fit a budget of 600");
        QVERIFY(ok > 0);
        QCOMPARE(ok + refused, 40);
        QCOMPARE(gw.upstream.http().requests.size(), ok); // refused requests were never forwarded
        QVERIFY2(deviceTotal <= budget, qPrintable(QString::number(deviceTotal)));

        // Billing as the tenant hears it and as the request log records it.
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == ok; }));
        qint64 calledBack = 0;
        for (const QJsonObject &c : gw.receiver.acknowledged()) {
            QCOMPARE(c.value(QLatin1String("event_id")).toString(), eventId);
            calledBack += c.value(QLatin1String("tokens")).toInteger();
        }
        QVERIFY2(calledBack <= budget, qPrintable(QString::number(calledBack)));
        QVERIFY(calledBack > 0);

        qint64 logged = 0;
        int rows = 0;
        for (const QJsonValue &v : gw.requestLog()) {
            const QJsonObject row = v.toObject();
            if (row.value(QLatin1String("event_id")).toString() != eventId)
                continue;
            ++rows;
            logged += row.value(QLatin1String("total_tokens")).toInteger();
            QVERIFY(row.value(QLatin1String("total_tokens")).toInteger() <= row.value(QLatin1String("reserved_tokens")).toInteger());
        }
        QCOMPARE(rows, ok);
        QCOMPARE(logged, calledBack);
        QCOMPARE(gw.tokensUsed(), calledBack);
        if (overReport == 0)
            QCOMPARE(calledBack, deviceTotal);
    }

    void tenantQuotaHoldsAcrossKeys()
    {
        constexpr qint64 quota = 700;
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why, quota), qPrintable(why));
        gw.upstream.behavior.completionTokens = 100'000;

        // Each key alone could afford its request: only the tenant's quota can refuse.
        const QByteArray body = Gateway::chatBody(QStringLiteral("m1"), false, {{QStringLiteral("max_tokens"), 50}});
        QList<QPair<QByteArray, QByteArray>> calls;
        for (int i = 0; i < 40; ++i)
            calls.append({gw.mint({{QStringLiteral("max_tokens"), 1000}}), body});
        const QList<HttpResult> results = gw.chatTogether(calls);

        int ok = 0;
        int refused = 0;
        for (const HttpResult &r : results) {
            if (r.status == 429) {
                ++refused;
                QVERIFY2(isOpenAiError(r, QStringLiteral("quota_exhausted")), r.body.constData());
            } else {
                QCOMPARE(r.status, 200);
                ++ok;
            }
        }
        QVERIFY(ok > 0);
        QVERIFY2(refused > 0, "40 requests of 59 tokens each cannot all fit a quota of 700");

        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == ok; }));
        qint64 calledBack = 0;
        for (const QJsonObject &c : gw.receiver.acknowledged()) {
            QVERIFY(c.value(QLatin1String("tokens")).toInteger() <= 59); // 9 prompt + at most the 50 asked for
            calledBack += c.value(QLatin1String("tokens")).toInteger();
        }
        const qint64 used = gw.tokensUsed();
        QVERIFY2(used <= quota, qPrintable(QString::number(used)));
        QCOMPARE(used, calledBack);
    }

    void settlesToActualUsage()
    {
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        // No max_tokens: the first request reserves the key's whole budget of 1000.
        const QByteArray key = gw.mint({{QStringLiteral("max_tokens"), 1000}});
        HttpResult first = gw.chat(key, Gateway::chatBody());
        QCOMPARE(first.status, 200);
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        QCOMPARE(gw.tokensUsed(), qint64(14));
        const QJsonObject row = gw.requestLog().at(0).toObject();
        QCOMPARE(row.value(QLatin1String("reserved_tokens")).toInteger(), qint64(1000));
        QCOMPARE(row.value(QLatin1String("total_tokens")).toInteger(), qint64(14));
        QCOMPARE(row.value(QLatin1String("usage_source")).toString(), QStringLiteral("upstream"));

        // Only possible if the 986 unused tokens went back to the key.
        HttpResult second = gw.chat(key, Gateway::chatBody());
        QCOMPARE(second.status, 200);
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 2; }));
        QCOMPARE(gw.tokensUsed(), qint64(28));
    }

    void budgetsSurviveRestart()
    {
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.upstream.behavior.completionTokens = 100'000;

        // Without max_tokens the request reserves the whole budget and the upstream fills it, so
        // what is left (the prompt bound's slack) cannot fit another request's prompt.
        const QByteArray key = gw.mint({{QStringLiteral("max_tokens"), 400}});
        HttpResult spend = gw.chat(key, Gateway::chatBody());
        QCOMPARE(spend.status, 200);
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        const qint64 used = gw.tokensUsed();
        QVERIFY(used > 300 && used <= 400);
        HttpResult before = gw.chat(key, Gateway::chatBody());
        QCOMPARE(before.status, 429);
        QCOMPARE(before.errorCode(), QStringLiteral("budget_exhausted"));

        QVERIFY2(restart(gw, false), gw.server.output().constData());
        QCOMPARE(gw.tokensUsed(), used);
        HttpResult after = gw.chat(key, Gateway::chatBody());
        QCOMPARE(after.status, 429);
        QVERIFY2(isOpenAiError(after, QStringLiteral("budget_exhausted")), after.body.constData());
        // A fresh key of the same size still works: the refusal is the old key's spend.
        QCOMPARE(gw.chat(gw.mint({{QStringLiteral("max_tokens"), 400}}), Gateway::chatBody()).status, 200);
    }

    void outcomeStoredOnceTheDatabaseTakesIt()
    {
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        // For a while the database refuses request rows (a full disk, a database restarting).
        QVERIFY(execOnSqliteFile(gw.server.databasePath(), QStringLiteral("CREATE TRIGGER refuse_requests BEFORE INSERT ON requests"
                                                                 " BEGIN SELECT RAISE(ABORT, 'the disk is full'); END")));
        HttpResult answered = gw.chat(gw.mint(), Gateway::chatBody());
        QCOMPARE(answered.status, 200); // the start was journaled: the device is served
        QVERIFY(waitFor([&] { return gw.server.output().contains("cannot record the outcome of request"); }));
        QCOMPARE(gw.receiver.deliveries().size(), 0); // no callback before its outcome is stored

        QVERIFY(execOnSqliteFile(gw.server.databasePath(), QStringLiteral("DROP TRIGGER refuse_requests")));
        // Tried again: stored once, with the real numbers, and called back.
        QVERIFY2(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }), gw.server.output().constData());
        QCOMPARE(gw.receiver.acknowledged().at(0).value(QLatin1String("tokens")).toInteger(), qint64(14));
        QCOMPARE(gw.tokensUsed(), qint64(14));
        const QJsonArray log = gw.requestLog();
        QCOMPARE(log.size(), 1);
        QCOMPARE(log.at(0).toObject().value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QVERIFY(waitFor([&] { return metricSample(gw.http.get(QStringLiteral("/metrics")).body, "dynaseal_in_flight_journal_used") == 0; }));
    }

    void secondServerOnTheSameDataDirRefused()
    {
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        // Two servers would each bill the other's calls in flight at their next start.
        QProcess second;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DYNASEAL_ADMIN_PASSWORD"), QString::fromLatin1(ServerProcess::kAdminPassword));
        second.setProcessEnvironment(env);
        second.start(qEnvironmentVariable("DYNASEAL_SERVER_BIN"),
                     {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"), gw.server.dataDir()});
        QVERIFY(second.waitForFinished(10'000));
        QVERIFY(second.exitCode() != 0);
        const QByteArray said = second.readAllStandardError() + second.readAllStandardOutput();
        QVERIFY2(said.contains("another dynaseal-server is using this data directory"), said.constData());
        QVERIFY2(!said.contains("listening on"), said.constData());
        // The first one serves on.
        QCOMPARE(gw.chat(gw.mint(), Gateway::chatBody()).status, 200);
    }

    void anotherServerLeavesItsCallsAlone()
    {
        // Two servers on one database (each with its own data directory, as with a shared
        // PostgreSQL): one starting up must not take the other's call, whose start is in the
        // database (journal off), for one interrupted by a crash.
        Gateway gw;
        gw.server.arguments() << QStringLiteral("--in-flight-journal-slots") << QStringLiteral("0");
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.upstream.behavior.chunkDelayMs = 1'000; // five chunks: the call lasts about five seconds

        TestHttp device(gw.server.origin());
        QNetworkReply *reply = device.start("POST", QStringLiteral("/v1/chat/completions"), Gateway::chatBody(QStringLiteral("m1"), true),
                                            TestHttp::bearer(gw.mint()));
        QVERIFY(waitFor([&] { return gw.upstream.http().requests.size() == 1; }));

        ServerProcess other;
        QVERIFY2(gw.startAnotherServer(other, &why), qPrintable(why)); // up: it has said "listening on"
        other.stop();
        QVERIFY2(!other.output().contains("recovered"), other.output().constData());

        // Still the first server's, still in flight: the other recovered nothing.
        const QJsonArray during = gw.requestLog();
        QCOMPARE(during.size(), 1);
        QCOMPARE(during.at(0).toObject().value(QLatin1String("status")).toString(), QStringLiteral("in_flight"));
        QCOMPARE(gw.tokensUsed(), qint64(0));

        // It ends as usual, billed what it used and called back once.
        QCOMPARE(TestHttp::wait(reply).status, 200);
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        QCOMPARE(gw.receiver.acknowledged().at(0).value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(gw.receiver.acknowledged().at(0).value(QLatin1String("tokens")).toInteger(), qint64(14));
        const QJsonArray log = gw.requestLog();
        QCOMPARE(log.size(), 1);
        QCOMPARE(log.at(0).toObject().value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(gw.tokensUsed(), qint64(14));
    }

    void crashBillsTheReservation_data()
    {
        QTest::addColumn<int>("journalSlots"); // -1: the default
        QTest::addColumn<int>("calls");
        QTest::addColumn<int>("startRows");    // starts written to the database instead of the journal
        QTest::newRow("journaled start") << -1 << 1 << 0;
        QTest::newRow("journal off: start in the database") << 0 << 1 << 1;
        QTest::newRow("journal full: the second start in the database") << 1 << 2 << 1;
    }

    void crashBillsTheReservation()
    {
        QFETCH(int, journalSlots);
        QFETCH(int, calls);
        QFETCH(int, startRows);
        Gateway gw;
        if (journalSlots >= 0)
            gw.server.arguments() << QStringLiteral("--in-flight-journal-slots") << QString::number(journalSlots);
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.upstream.behavior.hang = true;

        TestHttp device(gw.server.origin());
        QList<QByteArray> keys;
        std::vector<QNetworkReply *> replies;
        for (int i = 0; i < calls; ++i) {
            keys.append(gw.mint({{QStringLiteral("max_tokens"), 500}, {QStringLiteral("event_id"), QStringLiteral("evt-crash-%1").arg(i)}}));
            replies.push_back(device.start("POST", QStringLiteral("/v1/chat/completions"), Gateway::chatBody(), TestHttp::bearer(keys.last())));
            const int forwarded = i + 1;
            QVERIFY(waitFor([&] { return gw.upstream.http().requests.size() == forwarded; }));
        }
        QCOMPARE(gw.tokensUsed(), qint64(0));
        // Every call is listed in flight: from the journal, or from its database row when the
        // journal had no room for it.
        const QJsonArray before = gw.requestLog();
        QCOMPARE(before.size(), calls);
        for (const QJsonValue &row : before) {
            QCOMPARE(row.toObject().value(QLatin1String("status")).toString(), QStringLiteral("in_flight"));
            QCOMPARE(row.toObject().value(QLatin1String("reserved_tokens")).toInteger(), qint64(500));
        }
        QCOMPARE(metricSample(gw.http.get(QStringLiteral("/metrics")).body, "dynaseal_in_flight_journal_used"), double(calls - startRows));

        QVERIFY2(restart(gw, true), gw.server.output().constData());
        gw.upstream.behavior.hang = false;
        for (QNetworkReply *reply : replies)
            TestHttp::wait(reply, 5'000);

        const QJsonArray log = gw.requestLog();
        QCOMPARE(log.size(), calls);
        QStringList eventIds;
        for (const QJsonValue &value : log) {
            const QJsonObject row = value.toObject();
            QCOMPARE(row.value(QLatin1String("status")).toString(), QStringLiteral("interrupted"));
            QCOMPARE(row.value(QLatin1String("usage_source")).toString(), QStringLiteral("reserved"));
            QCOMPARE(row.value(QLatin1String("endpoint")).toString(), QStringLiteral("chat.completions"));
            QCOMPARE(row.value(QLatin1String("upstream_id")).toString(), gw.upstreamId);
            QCOMPARE(row.value(QLatin1String("reserved_tokens")).toInteger(), qint64(500)); // no max_tokens: the whole budget
            QCOMPARE(row.value(QLatin1String("total_tokens")).toInteger(), qint64(500));
            eventIds.append(row.value(QLatin1String("event_id")).toString());
        }
        eventIds.sort();
        for (int i = 0; i < calls; ++i)
            QCOMPARE(eventIds.value(i), QStringLiteral("evt-crash-%1").arg(i));
        QCOMPARE(gw.tokensUsed(), qint64(500) * calls);

        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == qsizetype(calls); }));
        QSet<QString> requestIds;
        for (const QJsonValue &row : log)
            requestIds.insert(row.toObject().value(QLatin1String("id")).toString());
        for (const QJsonObject &callback : gw.receiver.acknowledged()) {
            QCOMPARE(callback.value(QLatin1String("status")).toString(), QStringLiteral("interrupted"));
            QVERIFY(callback.value(QLatin1String("event_id")).toString().startsWith(QLatin1String("evt-crash-")));
            QVERIFY(requestIds.contains(callback.value(QLatin1String("request_id")).toString()));
            QCOMPARE(callback.value(QLatin1String("tokens")).toInteger(), qint64(500));
        }
        QVERIFY(CallbackReceiver::signatureValid(gw.receiver.deliveries().last(), gw.callbackSecret));

        // Each key's budget is spent too: nothing more fits.
        for (const QByteArray &key : keys) {
            HttpResult again = gw.chat(key, Gateway::chatBody());
            QCOMPARE(again.status, 429);
            QCOMPARE(again.errorCode(), QStringLiteral("budget_exhausted"));
        }

        // Billed once: a second restart finds nothing left to recover.
        QVERIFY2(restart(gw, true), gw.server.output().constData());
        QCOMPARE(gw.requestLog().size(), calls);
        QCOMPARE(gw.tokensUsed(), qint64(500) * calls);
    }
};

QTEST_GUILESS_MAIN(AccountingTest)
#include "AccountingTest.moc"

// Usage callbacks through the real server: the body and signature tenants rely on, retries with
// a stable delivery id, delivery across restarts, calls the device cut off, the operator's
// "retry now", callbacks of deleted tenants, and batches for tenants that ask for them.
#include "tests/support/Gateway.h"
#include "tests/support/PrometheusText.h"

#include <QDateTime>
#include <QSet>
#include <QtTest>

using namespace dynaseal::test;

namespace {

// Fast retries so failing receivers are retried within a test's time.
const QStringList kFastRetries{QStringLiteral("--callback-retry-base-ms"), QStringLiteral("100"),
                               QStringLiteral("--callback-retry-max-ms"), QStringLiteral("400")};

// The usage and text the device saw: the JSON body's, or gathered from the SSE events.
QJsonObject deviceUsage(const HttpResult &r, QString *content)
{
    if (!r.body.startsWith("data:")) {
        *content = r.json().value(QLatin1String("choices")).toArray().at(0).toObject().value(QLatin1String("message")).toObject().value(QLatin1String("content")).toString();
        return r.json().value(QLatin1String("usage")).toObject();
    }
    QJsonObject usage;
    content->clear();
    for (const QByteArray &line : r.body.split('\n')) {
        if (!line.startsWith("data: ") || line.trimmed() == "data: [DONE]")
            continue;
        const QJsonObject event = QJsonDocument::fromJson(line.mid(6)).object();
        if (event.value(QLatin1String("usage")).isObject())
            usage = event.value(QLatin1String("usage")).toObject();
        *content += event.value(QLatin1String("choices")).toArray().at(0).toObject().value(QLatin1String("delta")).toObject().value(QLatin1String("content")).toString();
    }
    return usage;
}

QJsonArray callbacks(Gateway &gw)
{
    return gw.http.get(QStringLiteral("/admin/v1/callbacks?limit=1000"), gw.adminToken).json().value(QLatin1String("items")).toArray();
}

// The stored callback for `requestId`, or {}.
QJsonObject callbackFor(Gateway &gw, const QString &requestId)
{
    for (const QJsonValue &v : callbacks(gw)) {
        if (v.toObject().value(QLatin1String("request_id")).toString() == requestId)
            return v.toObject();
    }
    return {};
}

QJsonArray requestLog(Gateway &gw)
{
    return gw.http.get(QStringLiteral("/admin/v1/requests?limit=1000"), gw.adminToken).json().value(QLatin1String("items")).toArray();
}

QSet<QByteArray> deliveryIds(const CallbackReceiver &receiver)
{
    QSet<QByteArray> ids;
    for (const RecordedRequest &r : receiver.deliveries())
        ids.insert(r.headers.value("x-dynaseal-delivery"));
    return ids;
}

} // namespace

class CallbackTest : public QObject
{
    Q_OBJECT
private slots:
    void bodyAndSignature_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::newRow("non-streamed") << false;
        QTest::newRow("streamed") << true;
    }

    void bodyAndSignature()
    {
        QFETCH(bool, stream);
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.upstream.behavior.promptTokens = 11;
        gw.upstream.behavior.completionTokens = 6;

        const QString eventId = QStringLiteral("evt-fields-%1").arg(stream);
        HttpResult r = gw.chat(gw.mint({{QStringLiteral("event_id"), eventId}}), Gateway::chatBody(QStringLiteral("m1"), stream));
        QCOMPARE(r.status, 200);
        QString content;
        const QJsonObject usage = deviceUsage(r, &content);
        QCOMPARE(usage.value(QLatin1String("total_tokens")).toInteger(), qint64(17));
        QCOMPARE(content, QStringLiteral("w0 w1 w2 w3 w4 w5"));
        const QByteArray requestId = r.header("X-Request-Id");
        QVERIFY(!requestId.isEmpty());

        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        QCOMPARE(gw.receiver.deliveries().size(), 1);
        const RecordedRequest delivery = gw.receiver.deliveries().at(0);
        const QJsonObject body = QJsonDocument::fromJson(delivery.body).object();

        QStringList keys = body.keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{QStringLiteral("content"), QStringLiteral("event_id"), QStringLiteral("model"), QStringLiteral("request_id"),
                                    QStringLiteral("status"), QStringLiteral("tenant_id"), QStringLiteral("tokens"), QStringLiteral("usage")}));
        QCOMPARE(body.value(QLatin1String("event_id")).toString(), eventId);
        QCOMPARE(body.value(QLatin1String("content")).toString(), content);
        QCOMPARE(body.value(QLatin1String("tokens")).toInteger(), qint64(17));
        const QJsonObject calledBack = body.value(QLatin1String("usage")).toObject();
        QCOMPARE(calledBack, (QJsonObject{{QStringLiteral("prompt_tokens"), 11}, {QStringLiteral("completion_tokens"), 6}, {QStringLiteral("total_tokens"), 17}}));
        QCOMPARE(calledBack, usage);
        QCOMPARE(body.value(QLatin1String("model")).toString(), QStringLiteral("m1"));
        QCOMPARE(body.value(QLatin1String("tenant_id")).toString(), gw.tenantId);
        QCOMPARE(body.value(QLatin1String("request_id")).toString(), QString::fromLatin1(requestId));
        QCOMPARE(body.value(QLatin1String("status")).toString(), QStringLiteral("ok"));

        QVERIFY(!delivery.headers.value("x-dynaseal-delivery").isEmpty());
        QVERIFY(CallbackReceiver::signatureValid(delivery, gw.callbackSecret));
        QVERIFY(!CallbackReceiver::signatureValid(delivery, QByteArray(gw.callbackSecret + "x")));
        const QByteArray signature = delivery.headers.value("x-dynaseal-signature");
        const qint64 t = signature.mid(2, signature.indexOf(',') - 2).toLongLong();
        QVERIFY2(qAbs(t - QDateTime::currentSecsSinceEpoch()) <= 60, signature.constData());
    }

    void sentFromTheThreadThatServedTheCall_data()
    {
        QTest::addColumn<QString>("setting");
        QTest::addColumn<int>("connections");
        QTest::newRow("on") << QStringLiteral("on") << 2;
        QTest::newRow("off") << QStringLiteral("off") << 1;
        QTest::newRow("auto, 2 threads") << QStringLiteral("auto") << 1;
    }

    void sentFromTheThreadThatServedTheCall()
    {
        // Two calls on two device connections, which the server hands to its two serving threads
        // in turn, one after the other. From the serving threads, each thread's callback goes
        // over a connection of its own; from the main thread, the second callback reuses the
        // connection of the first. The connections gauge counts them wherever they are, beside
        // the two threads' kept-alive upstream connections.
        QFETCH(QString, setting);
        QFETCH(int, connections);
        Gateway gw({QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--callbacks-from-serving-threads"), setting});
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        for (int i = 0; i < 2; ++i) {
            TestHttp device(gw.server.origin());
            QCOMPARE(device.send("POST", QStringLiteral("/v1/chat/completions"), Gateway::chatBody(), TestHttp::bearer(gw.mint())).status, 200);
            QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == i + 1; }));
        }
        QCOMPARE(deliveryIds(gw.receiver).size(), 2);
        QCOMPARE(gw.receiver.http().acceptedConnections, connections);
        const auto open = [&] { return metricSample(gw.http.get(QStringLiteral("/metrics")).body, "dynaseal_upstream_connections_open"); };
        QTRY_COMPARE_WITH_TIMEOUT(open(), 2.0 + connections, 10'000); // sampled once a second
    }

    void callbacksStoredTogetherGoTogether()
    {
        // The outcomes one transaction stores reach the serving thread together, and it hands
        // their callbacks to the main thread together: their first attempts go out in one
        // pipelined send, over the receiver's one kept-alive connection. A long commit window puts
        // the calls' outcomes in one transaction with the record of the first callback's delivery,
        // so the main thread is busy with that record's result just as the callbacks arrive.
        // Handed over one a call, they then left in several sends, and each send that found the
        // others unanswered (the receiver holds them here) opened a connection of its own.
        // Another write may end the window early: then each transaction may take a connection.
        Gateway gw({QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--callbacks-from-serving-threads"),
                    QStringLiteral("off"), QStringLiteral("--commit-window-ms"), QStringLiteral("1000")});
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        const QByteArray key = gw.mint({{QStringLiteral("max_tokens"), 100'000}}); // room for all the reservations at once
        QCOMPARE(gw.chat(key, Gateway::chatBody()).status, 200); // the key's first use, and the receiver's connection
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        QCOMPARE(gw.receiver.http().acceptedConnections, 1);
        const auto writeBatches = [&] { return metricSample(gw.http.get(QStringLiteral("/metrics")).body, "dynaseal_db_write_batches"); };
        const double batchesBefore = writeBatches();

        gw.receiver.hang = true;
        constexpr int kCalls = 8;
        const QList<HttpResult> answers = gw.chatTogether(QList<QPair<QByteArray, QByteArray>>(kCalls, {key, Gateway::chatBody()}));
        for (const HttpResult &r : answers)
            QCOMPARE(r.status, 200);
        QVERIFY(waitFor([&] { return gw.receiver.deliveries().size() == 1 + kCalls; }));
        QCOMPARE(deliveryIds(gw.receiver).size(), 1 + kCalls);
        const double batches = writeBatches() - batchesBefore;
        QVERIFY(batches >= 1);
        QVERIFY2(gw.receiver.http().acceptedConnections <= batches,
                 qPrintable(QStringLiteral("%1 connections for the callbacks of %2 write transactions").arg(gw.receiver.http().acceptedConnections).arg(batches)));
    }

    void retriesWithTheSameDeliveryId()
    {
        Gateway gw(kFastRetries);
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.receiver.failNext = 3;

        HttpResult r = gw.chat(gw.mint(), Gateway::chatBody());
        QCOMPARE(r.status, 200);
        const QString requestId = QString::fromLatin1(r.header("X-Request-Id"));
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        QVERIFY(waitFor([&] { return callbackFor(gw, requestId).value(QLatin1String("state")).toString() == QLatin1String("delivered"); }));

        const QList<RecordedRequest> deliveries = gw.receiver.deliveries();
        QCOMPARE(deliveries.size(), 4);
        QCOMPARE(deliveryIds(gw.receiver).size(), 1);
        for (const RecordedRequest &d : deliveries) {
            QVERIFY(CallbackReceiver::signatureValid(d, gw.callbackSecret));
            QCOMPARE(d.body, deliveries.first().body);
        }
        const QJsonObject stored = callbackFor(gw, requestId);
        QCOMPARE(stored.value(QLatin1String("id")).toString(), QString::fromLatin1(deliveries.first().headers.value("x-dynaseal-delivery")));
        QCOMPARE(stored.value(QLatin1String("attempts")).toInt(), 4);
        QCOMPARE(stored.value(QLatin1String("last_status")).toInt(), 200);
    }

    void receiverDownThenUp()
    {
        Gateway gw(kFastRetries);
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.receiver.status = 503;

        HttpResult r = gw.chat(gw.mint(), Gateway::chatBody());
        QCOMPARE(r.status, 200);
        const QString requestId = QString::fromLatin1(r.header("X-Request-Id"));
        QVERIFY(waitFor([&] { return gw.receiver.deliveries().size() >= 3; }));
        const QJsonObject pending = callbackFor(gw, requestId);
        QCOMPARE(pending.value(QLatin1String("state")).toString(), QStringLiteral("pending"));
        QCOMPARE(pending.value(QLatin1String("last_status")).toInt(), 503);
        QVERIFY(gw.receiver.acknowledged().isEmpty());

        gw.receiver.status = 200;
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        QVERIFY(waitFor([&] { return callbackFor(gw, requestId).value(QLatin1String("state")).toString() == QLatin1String("delivered"); }));
        QCOMPARE(deliveryIds(gw.receiver).size(), 1);
        QCOMPARE(gw.receiver.acknowledged().at(0).value(QLatin1String("request_id")).toString(), requestId);
    }

    void survivesRestart()
    {
        Gateway gw(kFastRetries);
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.receiver.status = 500;

        const QStringList events{QStringLiteral("evt-restart-a"), QStringLiteral("evt-restart-b")};
        for (const QString &eventId : events)
            QCOMPARE(gw.chat(gw.mint({{QStringLiteral("event_id"), eventId}}), Gateway::chatBody()).status, 200);
        QVERIFY(waitFor([&] { return deliveryIds(gw.receiver).size() == 2; }));
        const QSet<QByteArray> idsBefore = deliveryIds(gw.receiver);

        gw.server.stop();
        gw.receiver.status = 200;
        QVERIFY2(gw.server.start(), gw.server.output().constData());
        gw.http.setOrigin(gw.server.origin());

        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 2; }));
        QSet<QString> eventsDelivered;
        for (const QJsonObject &c : gw.receiver.acknowledged()) {
            eventsDelivered.insert(c.value(QLatin1String("event_id")).toString());
            QCOMPARE(c.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        }
        QCOMPARE(eventsDelivered, QSet<QString>(events.begin(), events.end()));
        // Each callback kept its delivery id across the restart.
        QCOMPARE(deliveryIds(gw.receiver), idsBefore);
        QVERIFY(waitFor([&] {
            const QJsonArray all = callbacks(gw);
            return all.size() == 2 && all.at(0).toObject().value(QLatin1String("state")) == QLatin1String("delivered")
                && all.at(1).toObject().value(QLatin1String("state")) == QLatin1String("delivered");
        }));
    }

    // The server stops while the first attempt waits for the receiver: the callback, still in
    // its request's row, is sent again at the next start, with the same id and body.
    void firstAttemptCutOffByAStop_data()
    {
        QTest::addColumn<bool>("crash");
        QTest::newRow("crash") << true;
        QTest::newRow("stop") << false;
    }

    void firstAttemptCutOffByAStop()
    {
        QFETCH(bool, crash);
        Gateway gw(kFastRetries);
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.receiver.hang = true;

        HttpResult r = gw.chat(gw.mint({{QStringLiteral("event_id"), QStringLiteral("evt-cut")}}), Gateway::chatBody());
        QCOMPARE(r.status, 200);
        const QString requestId = QString::fromLatin1(r.header("X-Request-Id"));
        QVERIFY(waitFor([&] { return gw.receiver.deliveries().size() == 1; }));
        const RecordedRequest first = gw.receiver.deliveries().at(0);
        QCOMPARE(callbackFor(gw, requestId).value(QLatin1String("state")).toString(), QStringLiteral("pending"));

        if (crash)
            gw.server.kill();
        else
            gw.server.stop();
        gw.receiver.hang = false;
        QVERIFY2(gw.server.start(), gw.server.output().constData());
        gw.http.setOrigin(gw.server.origin());

        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        const RecordedRequest again = gw.receiver.deliveries().last();
        QCOMPARE(again.headers.value("x-dynaseal-delivery"), first.headers.value("x-dynaseal-delivery"));
        QCOMPARE(again.body, first.body);
        QCOMPARE(gw.receiver.acknowledged().at(0).value(QLatin1String("status")).toString(), QStringLiteral("ok"));
        QVERIFY(waitFor([&] { return callbackFor(gw, requestId).value(QLatin1String("state")).toString() == QLatin1String("delivered"); }));
        QCOMPARE(callbacks(gw).size(), 1);
        // Billed once, as answered (not as interrupted).
        const QJsonArray log = requestLog(gw);
        QCOMPARE(log.size(), 1);
        QCOMPARE(log.at(0).toObject().value(QLatin1String("status")).toString(), QStringLiteral("ok"));
    }

    void clientCutOffMidStream()
    {
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.upstream.behavior.chunkDelayMs = 100;
        gw.upstream.behavior.completionTokens = 40;
        QStringList words;
        for (int i = 0; i < 40; ++i)
            words.append(QStringLiteral("w%1").arg(i));
        const QString full = words.join(QLatin1Char(' '));

        const QString eventId = QStringLiteral("evt-cut-off");
        TestHttp device(gw.server.origin());
        QNetworkReply *reply = device.start("POST", QStringLiteral("/v1/chat/completions"), Gateway::chatBody(QStringLiteral("m1"), true),
                                            TestHttp::bearer(gw.mint({{QStringLiteral("event_id"), eventId}})));
        bool gotData = false;
        connect(reply, &QNetworkReply::readyRead, reply, [reply, &gotData] {
            if (gotData)
                return;
            gotData = true;
            reply->abort(); // the device hangs up after the first chunk
        });
        QVERIFY(waitFor([&] { return gotData; }));

        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }));
        const QJsonObject c = gw.receiver.acknowledged().at(0);
        QCOMPARE(c.value(QLatin1String("status")).toString(), QStringLiteral("client_closed"));
        QCOMPARE(c.value(QLatin1String("event_id")).toString(), eventId);
        const QString partial = c.value(QLatin1String("content")).toString();
        QVERIFY(!partial.isEmpty());
        QVERIFY2(partial.size() < full.size() && full.startsWith(partial), qPrintable(partial));
        const qint64 tokens = c.value(QLatin1String("tokens")).toInteger();
        QCOMPARE(tokens, c.value(QLatin1String("usage")).toObject().value(QLatin1String("total_tokens")).toInteger());
        QVERIFY(tokens > 0);

        QVERIFY(waitFor([&] { return !requestLog(gw).isEmpty(); }));
        const QJsonObject row = requestLog(gw).at(0).toObject();
        QCOMPARE(row.value(QLatin1String("status")).toString(), QStringLiteral("client_closed"));
        QCOMPARE(row.value(QLatin1String("total_tokens")).toInteger(), tokens);
        QVERIFY(tokens <= row.value(QLatin1String("reserved_tokens")).toInteger());
        // The upstream call was cancelled, not left streaming to no one.
        QVERIFY(waitFor([&] { return gw.upstream.http().clientDisconnects >= 1; }));
        QCOMPARE(gw.upstream.streamsCompleted, 0);
    }

    void retryNow()
    {
        // A first retry a minute away: only the operator's "retry now" can deliver in time.
        Gateway gw({QStringLiteral("--callback-retry-base-ms"), QStringLiteral("60000")});
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.receiver.status = 500;

        HttpResult r = gw.chat(gw.mint(), Gateway::chatBody());
        QCOMPARE(r.status, 200);
        const QString requestId = QString::fromLatin1(r.header("X-Request-Id"));
        QVERIFY(waitFor([&] { return callbackFor(gw, requestId).value(QLatin1String("attempts")).toInt() == 1; }));
        const QJsonObject stuck = callbackFor(gw, requestId);
        QCOMPARE(stuck.value(QLatin1String("state")).toString(), QStringLiteral("pending"));
        const QString id = stuck.value(QLatin1String("id")).toString();

        gw.receiver.status = 200;
        HttpResult retry = gw.http.postRaw(QStringLiteral("/admin/v1/callbacks/%1/retry").arg(id), "{}", gw.adminToken);
        QCOMPARE(retry.status, 200);
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 1; }, 10'000));
        QVERIFY(waitFor([&] { return callbackFor(gw, requestId).value(QLatin1String("state")).toString() == QLatin1String("delivered"); }));
        QCOMPARE(callbackFor(gw, requestId).value(QLatin1String("attempts")).toInt(), 2);
        QCOMPARE(deliveryIds(gw.receiver), (QSet<QByteArray>{id.toLatin1()}));

        // Nothing to retry: unknown ids and delivered callbacks.
        for (const QString &other : {QStringLiteral("dlv_does_not_exist"), id}) {
            HttpResult refused = gw.http.postRaw(QStringLiteral("/admin/v1/callbacks/%1/retry").arg(other), "{}", gw.adminToken);
            QCOMPARE(refused.status, 404);
            QVERIFY(!refused.errorMessage().isEmpty());
        }
        QCOMPARE(callbackFor(gw, requestId).value(QLatin1String("state")).toString(), QStringLiteral("delivered"));
    }

    void batchedDelivery()
    {
        // A long wait: batches are cut by size (5, 5), the rest by the wait.
        Gateway gw({QStringLiteral("--callback-batch-wait-ms"), QStringLiteral("3000")});
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        HttpResult patched = gw.http.patch(QStringLiteral("/admin/v1/tenants/%1").arg(gw.tenantId), {{QStringLiteral("callback_batch"), 5}}, gw.adminToken);
        QCOMPARE(patched.status, 200);
        QCOMPARE(patched.json().value(QLatin1String("callback_batch")).toInt(), 5);

        QSet<QString> requestIds;
        for (int i = 0; i < 12; ++i) {
            HttpResult r = gw.chat(gw.mint(), Gateway::chatBody());
            QCOMPARE(r.status, 200);
            requestIds.insert(QString::fromLatin1(r.header("X-Request-Id")));
        }
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 12; }, 15'000));

        const QList<RecordedRequest> posts = gw.receiver.deliveries();
        QVERIFY2(posts.size() < 12, "callbacks were not batched");
        QSet<QString> calledBack;
        qsizetype largest = 0;
        for (const RecordedRequest &post : posts) {
            QVERIFY(CallbackReceiver::signatureValid(post, gw.callbackSecret));
            QVERIFY(post.headers.value("x-dynaseal-delivery").startsWith("dlb_"));
            const auto items = CallbackReceiver::callbacksIn(post);
            QCOMPARE(post.headers.value("x-dynaseal-batch").toInt(), int(items.size()));
            QVERIFY(items.size() >= 1 && items.size() <= 5);
            largest = std::max(largest, items.size());
            for (const auto &[deliveryId, body] : items) {
                QCOMPARE(body.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
                QCOMPARE(body.value(QLatin1String("tenant_id")).toString(), gw.tenantId);
                QCOMPARE(body.value(QLatin1String("tokens")).toInteger(), body.value(QLatin1String("usage")).toObject().value(QLatin1String("total_tokens")).toInteger());
                const QString requestId = body.value(QLatin1String("request_id")).toString();
                calledBack.insert(requestId);
                QVERIFY(waitFor([&] { return callbackFor(gw, requestId).value(QLatin1String("state")).toString() == QLatin1String("delivered"); }));
                QCOMPARE(callbackFor(gw, requestId).value(QLatin1String("id")).toString(), QString::fromLatin1(deliveryId));
            }
        }
        QCOMPARE(largest, qsizetype(5));
        QCOMPARE(calledBack, requestIds);
        QCOMPARE(metricSample(gw.http.get(QStringLiteral("/metrics")).body, "dynaseal_callback_posts_total"), double(posts.size()));
    }

    void failedBatchIsRetriedWhole()
    {
        Gateway gw(kFastRetries + QStringList{QStringLiteral("--callback-batch-wait-ms"), QStringLiteral("2000")});
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        QCOMPARE(gw.http.patch(QStringLiteral("/admin/v1/tenants/%1").arg(gw.tenantId), {{QStringLiteral("callback_batch"), 3}}, gw.adminToken).status, 200);
        gw.receiver.failNext = 1;

        for (int i = 0; i < 3; ++i)
            QCOMPARE(gw.chat(gw.mint(), Gateway::chatBody()).status, 200);
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 3; }, 15'000));

        // Every callback of the refused POST came again, with the same delivery id, and is
        // stored as delivered on its second attempt.
        QVERIFY(gw.receiver.deliveries().at(0).headers.contains("x-dynaseal-batch"));
        const auto refused = CallbackReceiver::callbacksIn(gw.receiver.deliveries().at(0));
        QVERIFY(!refused.isEmpty());
        QSet<QByteArray> acknowledgedIds;
        for (const RecordedRequest &post : gw.receiver.deliveries().mid(1)) {
            for (const auto &item : CallbackReceiver::callbacksIn(post))
                acknowledgedIds.insert(item.first);
        }
        for (const auto &[deliveryId, body] : refused) {
            QVERIFY(acknowledgedIds.contains(deliveryId));
            const QString requestId = body.value(QLatin1String("request_id")).toString();
            QVERIFY(waitFor([&] { return callbackFor(gw, requestId).value(QLatin1String("state")).toString() == QLatin1String("delivered"); }));
            QCOMPARE(callbackFor(gw, requestId).value(QLatin1String("attempts")).toInt(), 2);
        }
    }

    // A clean stop sends what is being gathered for a batch, and records its delivery: nothing
    // waits for the next start, and nothing is sent twice after it.
    void gatheredBatchIsSentOnStop()
    {
        Gateway gw({QStringLiteral("--callback-batch-wait-ms"), QStringLiteral("60000")});
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        QCOMPARE(gw.http.patch(QStringLiteral("/admin/v1/tenants/%1").arg(gw.tenantId), {{QStringLiteral("callback_batch"), 10}}, gw.adminToken).status, 200);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(gw.chat(gw.mint(), Gateway::chatBody()).status, 200);
        QTest::qWait(300);
        QVERIFY(gw.receiver.deliveries().isEmpty()); // still gathered: the wait is a minute

        gw.server.terminate(); // the receiver must go on answering meanwhile
        QVERIFY(waitFor([&] { return !gw.server.isRunning(); }, 15'000));
        gw.server.stop();
        QCOMPARE(gw.receiver.deliveries().size(), 1);
        QCOMPARE(CallbackReceiver::callbacksIn(gw.receiver.deliveries().at(0)).size(), 3);
        QCOMPARE(gw.receiver.acknowledged().size(), 3);

        QVERIFY2(gw.server.start(), gw.server.output().constData());
        gw.http.setOrigin(gw.server.origin());
        QVERIFY(waitFor([&] {
            const QJsonArray all = callbacks(gw);
            return all.size() == 3 && std::all_of(all.begin(), all.end(), [](const QJsonValue &c) {
                return c.toObject().value(QLatin1String("state")).toString() == QLatin1String("delivered");
            });
        }));
        QTest::qWait(500);
        QCOMPARE(gw.receiver.deliveries().size(), 1);
    }

    void deletedTenantIsAbandoned()
    {
        Gateway gw(kFastRetries);
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        gw.receiver.status = 500;

        HttpResult r = gw.chat(gw.mint(), Gateway::chatBody());
        QCOMPARE(r.status, 200);
        const QString requestId = QString::fromLatin1(r.header("X-Request-Id"));
        QVERIFY(waitFor([&] { return gw.receiver.deliveries().size() >= 1; }));
        QCOMPARE(gw.http.del(QStringLiteral("/admin/v1/tenants/%1").arg(gw.tenantId), gw.adminToken).status, 204);

        QVERIFY(waitFor([&] { return callbackFor(gw, requestId).value(QLatin1String("state")).toString() == QLatin1String("abandoned"); }));
        const qsizetype attempts = gw.receiver.deliveries().size();
        // Several retry periods (at most 400 ms each) later, nobody tried again.
        QTest::qWait(1500);
        QCOMPARE(gw.receiver.deliveries().size(), attempts);
        QCOMPARE(callbackFor(gw, requestId).value(QLatin1String("state")).toString(), QStringLiteral("abandoned"));
        QCOMPARE(gw.http.get(QStringLiteral("/admin/v1/callbacks?state=pending"), gw.adminToken).json().value(QLatin1String("total")).toInteger(), qint64(0));
    }
};

QTEST_GUILESS_MAIN(CallbackTest)
#include "CallbackTest.moc"

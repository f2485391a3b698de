// The console's live event stream: history on connect, request and callback events as they
// happen, per-second stats points, filtering, and authentication.
#include "tests/support/Gateway.h"

#include <QtTest>

using namespace dynaseal::test;

namespace {
// Reads SSE events from a reply as they arrive.
struct EventReader
{
    QByteArray buffer;
    QList<QPair<QString, QJsonObject>> events;

    void feed(const QByteArray &bytes)
    {
        buffer += bytes;
        qsizetype end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
            QString type;
            QJsonObject data;
            for (const QByteArray &line : buffer.left(end).split('\n')) {
                if (line.startsWith("event: "))
                    type = QString::fromUtf8(line.mid(7));
                else if (line.startsWith("data: "))
                    data = QJsonDocument::fromJson(line.mid(6)).object();
            }
            events.append({type, data});
            buffer.remove(0, end + 2);
        }
    }
    int count(const QString &type) const
    {
        return int(std::count_if(events.begin(), events.end(), [&](const auto &e) { return e.first == type; }));
    }
    QJsonObject last(const QString &type) const
    {
        for (auto it = events.rbegin(); it != events.rend(); ++it) {
            if (it->first == type)
                return it->second;
        }
        return {};
    }
};
} // namespace

class EventsTest : public QObject
{
    Q_OBJECT
private slots:
    void streamsWhatHappens()
    {
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));

        TestHttp watcher(gw.server.origin());
        EventReader all;
        QNetworkReply *stream = watcher.start("GET", QStringLiteral("/admin/v1/events"), {}, {{"Authorization", "Bearer " + gw.adminToken}});
        QObject::connect(stream, &QNetworkReply::readyRead, [&] { all.feed(stream->readAll()); });
        EventReader other;
        QNetworkReply *filtered = watcher.start("GET", QStringLiteral("/admin/v1/events?tenant_id=tn_nobody"), {}, {{"Authorization", "Bearer " + gw.adminToken}});
        QObject::connect(filtered, &QNetworkReply::readyRead, [&] { other.feed(filtered->readAll()); });

        QVERIFY(waitFor([&] { return all.count(QStringLiteral("history")) == 1 && other.count(QStringLiteral("history")) == 1; }));
        QCOMPARE(all.last(QStringLiteral("history")).value("points").toArray().size(), 900); // 15 minutes, one point a second

        QCOMPARE(gw.chat(gw.mint(), Gateway::chatBody()).status, 200);
        QVERIFY(waitFor([&] { return all.count(QStringLiteral("request")) == 1 && all.count(QStringLiteral("callback")) >= 1; }));
        const QJsonObject request = all.last(QStringLiteral("request"));
        QCOMPARE(request.value("tenant_id").toString(), gw.tenantId);
        QCOMPARE(request.value("status").toString(), QStringLiteral("ok"));
        QCOMPARE(request.value("total_tokens").toInt(), 14);
        QCOMPARE(all.last(QStringLiteral("callback")).value("ok").toBool(), true);

        // Within a couple of seconds a stats point carries the request.
        QVERIFY(waitFor([&] {
            for (const auto &e : all.events) {
                if (e.first == QLatin1String("stats") && e.second.value("requests").toInt() == 1 && e.second.value("tokens").toInt() == 14)
                    return true;
            }
            return false;
        }, 5000));
        // The stream filtered to another tenant saw stats ticks but none of this tenant's events.
        QVERIFY(waitFor([&] { return other.count(QStringLiteral("stats")) > 0; }, 5000));
        QCOMPARE(other.count(QStringLiteral("request")), 0);
        for (const auto &e : other.events) {
            if (e.first == QLatin1String("stats"))
                QCOMPARE(e.second.value("requests").toInt(), 0);
        }
        stream->abort();
        filtered->abort();
    }

    void refusesWithoutToken()
    {
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));
        QCOMPARE(gw.http.get(QStringLiteral("/admin/v1/events")).status, 401);
        QCOMPARE(gw.http.get(QStringLiteral("/admin/v1/events"), "dsa_not-a-token").status, 401);
    }
};

QTEST_GUILESS_MAIN(EventsTest)
#include "EventsTest.moc"

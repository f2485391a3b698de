// Several upstreams per model: picked by weight, failures retried on the next one as the tenant's
// "retries" allow, unhealthy upstreams taken out, and 503 at once when none is left.
#include "tests/support/Gateway.h"

#include <QTcpServer>
#include <QtTest>

using namespace dynaseal::test;

class UpstreamFailoverTest : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Gateway> m_gw;
    std::unique_ptr<FakeUpstream> m_second;
    QString m_secondId;

    QString addUpstream(const QString &name, const QString &baseUrl, const QJsonArray &models, int weight)
    {
        const HttpResult r = m_gw->http.post(QStringLiteral("/admin/v1/upstreams"),
                                             {{QStringLiteral("name"), name}, {QStringLiteral("base_url"), baseUrl},
                                              {QStringLiteral("api_key"), QStringLiteral("sk-second")}, {QStringLiteral("models"), models},
                                              {QStringLiteral("weight"), weight}},
                                             m_gw->adminToken);
        return r.json().value("id").toString();
    }
    void setRetries(int retries)
    {
        QCOMPARE(m_gw->http.patch(QStringLiteral("/admin/v1/tenants/%1").arg(m_gw->tenantId), {{QStringLiteral("retries"), retries}}, m_gw->adminToken).status, 200);
    }
    void setWeight(const QString &id, int weight)
    {
        QCOMPARE(m_gw->http.patch(QStringLiteral("/admin/v1/upstreams/%1").arg(id), {{QStringLiteral("weight"), weight}}, m_gw->adminToken).status, 200);
    }
    int chat(const QString &model = QStringLiteral("m1"))
    {
        return m_gw->chat(m_gw->mint({{QStringLiteral("model"), model}}), Gateway::chatBody(model, false, {{QStringLiteral("max_tokens"), 5}})).status;
    }

private slots:
    void initTestCase()
    {
        // Active checks off: only what calls see decides health here.
        m_gw = std::make_unique<Gateway>(QStringList{QStringLiteral("--upstream-health-interval"), QStringLiteral("0")});
        QString why;
        QVERIFY2(m_gw->setUp(&why), qPrintable(why));
        m_second = std::make_unique<FakeUpstream>();
        QVERIFY(m_second->listen());
        m_secondId = addUpstream(QStringLiteral("second"), m_second->baseUrl(), {QStringLiteral("m1")}, 1);
        QVERIFY(!m_secondId.isEmpty());
    }

    void weightsShareTheTraffic()
    {
        setWeight(m_gw->upstreamId, 1);
        setWeight(m_secondId, 9);
        const int firstBefore = int(m_gw->upstream.http().requests.size());
        const int secondBefore = int(m_second->http().requests.size());
        for (int i = 0; i < 60; ++i)
            QCOMPARE(chat(), 200);
        const int first = int(m_gw->upstream.http().requests.size()) - firstBefore;
        const int second = int(m_second->http().requests.size()) - secondBefore;
        QCOMPARE(first + second, 60);
        QVERIFY2(second > 3 * first, qPrintable(QStringLiteral("%1 vs %2").arg(second).arg(first))); // 9:1 expected
        setWeight(m_secondId, 1);
    }

    void failuresAreRetriedElsewhere()
    {
        setRetries(1);
        m_gw->upstream.behavior.status = 500; // the first upstream fails every call
        for (int i = 0; i < 10; ++i)
            QCOMPARE(chat(), 200); // either drawn first, or retried after the first failed
        m_gw->upstream.behavior.status = 200;
        // The request log names the upstream that answered.
        const QJsonArray items = m_gw->http.get(QStringLiteral("/admin/v1/requests?limit=10"), m_gw->adminToken).json().value("items").toArray();
        QCOMPARE(items.size(), 10);
        for (const QJsonValue &item : items)
            QCOMPARE(item.toObject().value("upstream_id").toString(), m_secondId);
    }

    void withoutRetriesFailuresReachTheDevice()
    {
        setRetries(0);
        FakeUpstream *failing = m_second.get();
        failing->behavior.status = 503;
        setWeight(m_gw->upstreamId, 1);
        setWeight(m_secondId, 1000); // almost always drawn first
        QCOMPARE(chat(), 503);
        failing->behavior.status = 200;
        setWeight(m_secondId, 1);
    }

    void testButtonMakesARealCall()
    {
        const int before = int(m_second->http().requests.size());
        const HttpResult ok = m_gw->http.post(QStringLiteral("/admin/v1/upstreams/%1/test").arg(m_secondId), {}, m_gw->adminToken);
        QCOMPARE(ok.status, 200);
        QCOMPARE(ok.json().value("ok").toBool(), true);
        QCOMPARE(ok.json().value("status").toInt(), 200);
        QCOMPARE(int(m_second->http().requests.size()), before + 1);
        const RecordedRequest &call = m_second->http().requests.last();
        QCOMPARE(call.method, QByteArray("GET"));
        QCOMPARE(call.path, QByteArray("/v1/models"));
        QCOMPARE(call.headers.value("authorization"), QByteArray("Bearer sk-second")); // the stored key
        m_second->behavior.status = 401;
        const HttpResult refused = m_gw->http.post(QStringLiteral("/admin/v1/upstreams/%1/test").arg(m_secondId), {}, m_gw->adminToken);
        QCOMPARE(refused.json().value("ok").toBool(), false);
        QCOMPARE(refused.json().value("status").toInt(), 401);
        m_second->behavior.status = 200;
        QCOMPARE(m_gw->http.post(QStringLiteral("/admin/v1/upstreams/up_none/test"), {}, m_gw->adminToken).status, 404);
        QCOMPARE(m_gw->http.post(QStringLiteral("/admin/v1/upstreams/%1/test").arg(m_secondId), {}).status, 401);
    }

    void unhealthyUpstreamsAreTakenOut()
    {
        // A model served only by an upstream that refuses connections: after three failures it is
        // out, and calls get 503 at once without trying it.
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const QString deadUrl = QStringLiteral("http://127.0.0.1:%1/v1").arg(closed.serverPort());
        closed.close();
        QVERIFY(!addUpstream(QStringLiteral("dead"), deadUrl, {QStringLiteral("m9")}, 1).isEmpty());
        setRetries(0);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(chat(QStringLiteral("m9")), 502);
        const HttpResult r = m_gw->chat(m_gw->mint({{QStringLiteral("model"), QStringLiteral("m9")}}), Gateway::chatBody(QStringLiteral("m9")));
        QCOMPARE(r.status, 503);
        QCOMPARE(r.errorCode(), QStringLiteral("no_healthy_upstream"));
    }
};

QTEST_GUILESS_MAIN(UpstreamFailoverTest)
#include "UpstreamFailoverTest.moc"

// The quickest end-to-end check: one non-streamed and one streamed call through the real server.
#include "tests/support/Gateway.h"

#include <QtTest>

using namespace dynaseal::test;

class SmokeTest : public QObject
{
    Q_OBJECT
private slots:
    void chatAndStream()
    {
        Gateway gw;
        QString why;
        QVERIFY2(gw.setUp(&why), qPrintable(why));

        HttpResult plain = gw.chat(gw.mint(), Gateway::chatBody());
        QCOMPARE(plain.status, 200);
        QCOMPARE(plain.json().value("usage").toObject().value("total_tokens").toInt(), 14);

        HttpResult streamed = gw.chat(gw.mint(), Gateway::chatBody(QStringLiteral("m1"), true));
        QCOMPARE(streamed.status, 200);
        QVERIFY(streamed.body.contains("data: [DONE]"));
        QVERIFY(waitFor([&] { return gw.receiver.acknowledged().size() == 2; }));
        for (const RecordedRequest &r : gw.receiver.deliveries())
            QVERIFY(CallbackReceiver::signatureValid(r, gw.callbackSecret));
    }
};

QTEST_GUILESS_MAIN(SmokeTest)
#include "SmokeTest.moc"

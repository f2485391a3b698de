// Reading the credential out of an Authorization header: the one reading every endpoint uses.
#include "server/core/BearerToken.h"

#include <QtTest>

using namespace dynaseal;

class BearerTokenTest : public QObject
{
    Q_OBJECT

private slots:
    void reads_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QByteArray>("token");
        QTest::newRow("plain") << QByteArray("Bearer abc.def") << QByteArray("abc.def");
        QTest::newRow("scheme in any case") << QByteArray("bEARER abc") << QByteArray("abc");
        QTest::newRow("spaces around") << QByteArray("  Bearer   abc  ") << QByteArray("abc");
        QTest::newRow("missing header") << QByteArray() << QByteArray();
        QTest::newRow("scheme only") << QByteArray("Bearer") << QByteArray();
        QTest::newRow("scheme and space only") << QByteArray("Bearer   ") << QByteArray();
        QTest::newRow("another scheme") << QByteArray("Basic YWxhZGRpbjpvcGVu") << QByteArray();
        QTest::newRow("no space after the scheme") << QByteArray("Bearerabc") << QByteArray();
        QTest::newRow("token without scheme") << QByteArray("abc.def.ghi") << QByteArray();
    }

    void reads()
    {
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, token);
        QCOMPARE(bearerToken(header), token);
    }
};

QTEST_GUILESS_MAIN(BearerTokenTest)
#include "BearerTokenTest.moc"

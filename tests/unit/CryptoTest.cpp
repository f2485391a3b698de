// Known-answer and edge-case tests for the OpenSSL wrappers in shared/Crypto.
#include "shared/Crypto.h"

#include <QRegularExpression>
#include <QSet>
#include <QtTest>

using namespace dynaseal;

class CryptoTest : public QObject
{
    Q_OBJECT

private slots:
    void sha256KnownAnswers_data();
    void sha256KnownAnswers();
    void hmacRfc4231_data();
    void hmacRfc4231();
    void hmacHexIsLowerCase();
    void constantTimeEquals_data();
    void constantTimeEquals();
    void base64UrlRoundTrip_data();
    void base64UrlRoundTrip();
    void base64UrlRejects_data();
    void base64UrlRejects();
    void base64UrlAllLengthsRoundTrip();
    void randomBytes_data();
    void randomBytes();
    void randomTokenAlphabet();
};

void CryptoTest::sha256KnownAnswers_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("hex");
    // FIPS 180-2 examples plus the empty message.
    QTest::newRow("empty") << QByteArray()
                           << QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    QTest::newRow("abc") << QByteArray("abc")
                         << QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTest::newRow("two blocks")
        << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        << QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    QTest::newRow("million a") << QByteArray(1'000'000, 'a')
                               << QByteArray("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

void CryptoTest::sha256KnownAnswers()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, hex);
    QCOMPARE(crypto::sha256(input).toHex(), hex);
}

void CryptoTest::hmacRfc4231_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("hex");
    QTest::newRow("case 1") << QByteArray(20, '\x0b') << QByteArray("Hi There")
                            << QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    QTest::newRow("case 2") << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
                            << QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    QTest::newRow("case 3") << QByteArray(20, '\xaa') << QByteArray(50, '\xdd')
                            << QByteArray("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    QTest::newRow("case 4") << QByteArray::fromHex("0102030405060708090a0b0c0d0e0f10111213141516171819")
                            << QByteArray(50, '\xcd')
                            << QByteArray("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    QTest::newRow("case 6: key longer than a block")
        << QByteArray(131, '\xaa') << QByteArray("Test Using Larger Than Block-Size Key - Hash Key First")
        << QByteArray("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    QTest::newRow("case 7: key and data longer than a block")
        << QByteArray(131, '\xaa')
        << QByteArray("This is a test using a larger than block-size key and a larger than block-size "
                      "data. The key needs to be hashed before being used by the HMAC algorithm.")
        << QByteArray("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    QTest::newRow("empty key and data")
        << QByteArray() << QByteArray()
        << QByteArray("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

void CryptoTest::hmacRfc4231()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, hex);
    QCOMPARE(crypto::hmacSha256(key, data).toHex(), hex);
    QCOMPARE(crypto::hmacSha256Hex(key, data), hex);
}

void CryptoTest::hmacHexIsLowerCase()
{
    const QByteArray hex = crypto::hmacSha256Hex("Jefe", "what do ya want for nothing?");
    QCOMPARE(hex.size(), 64);
    QCOMPARE(hex, hex.toLower());
}

void CryptoTest::constantTimeEquals_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("equal");
    QTest::newRow("same") << QByteArray("secret-value") << QByteArray("secret-value") << true;
    QTest::newRow("both empty") << QByteArray() << QByteArray() << true;
    QTest::newRow("first byte differs") << QByteArray("xecret-value") << QByteArray("secret-value") << false;
    QTest::newRow("last byte differs") << QByteArray("secret-valuf") << QByteArray("secret-value") << false;
    QTest::newRow("prefix is shorter") << QByteArray("secret") << QByteArray("secret-value") << false;
    QTest::newRow("prefix is longer") << QByteArray("secret-value") << QByteArray("secret") << false;
    QTest::newRow("one empty") << QByteArray() << QByteArray("x") << false;
    QTest::newRow("embedded NUL") << QByteArray("a\0b", 3) << QByteArray("a\0c", 3) << false;
    QTest::newRow("NUL equal") << QByteArray("a\0b", 3) << QByteArray("a\0b", 3) << true;
}

void CryptoTest::constantTimeEquals()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, equal);
    QCOMPARE(crypto::constantTimeEquals(a, b), equal);
    QCOMPARE(crypto::constantTimeEquals(b, a), equal);
}

void CryptoTest::base64UrlRoundTrip_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("text");
    // RFC 4648 section 10 vectors, without padding, plus the two url-specific characters.
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("f") << QByteArray("f") << QByteArray("Zg");
    QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8");
    QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
    QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg");
    QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE");
    QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
    QTest::newRow("dash and underscore") << QByteArray("\xfb\xff", 2) << QByteArray("-_8");
    QTest::newRow("all high bits") << QByteArray("\xff\xff\xff", 3) << QByteArray("____");
    QTest::newRow("zeros") << QByteArray(4, '\0') << QByteArray("AAAAAA");
}

void CryptoTest::base64UrlRoundTrip()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, text);
    QCOMPARE(crypto::base64UrlEncode(raw), text);
    QByteArray decoded("stale");
    QVERIFY(crypto::base64UrlDecode(text, &decoded));
    QCOMPARE(decoded, raw);
}

void CryptoTest::base64UrlRejects_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("padding ==") << QByteArray("Zg==");
    QTest::newRow("padding =") << QByteArray("Zm8=");
    QTest::newRow("lone padding") << QByteArray("=");
    QTest::newRow("padding in middle") << QByteArray("Zg==Zg");
    QTest::newRow("standard plus") << QByteArray("Zm9v+A");
    QTest::newRow("standard slash") << QByteArray("Zm9v/A");
    QTest::newRow("single char") << QByteArray("Z");
    QTest::newRow("five chars") << QByteArray("Zm9vY");
    QTest::newRow("leading space") << QByteArray(" Zm9v");
    QTest::newRow("trailing newline") << QByteArray("Zm9v\n");
    QTest::newRow("inner space") << QByteArray("Zm 9v");
    QTest::newRow("dot") << QByteArray("Zm9v.");
    QTest::newRow("NUL") << QByteArray("Zm9v\0", 5);
    QTest::newRow("non-ascii") << QByteArray("Zm\xc3\xa9");
    QTest::newRow("asterisk") << QByteArray("****");
    // Non-canonical: the unused low bits of the last character are set.
    QTest::newRow("non-canonical 2 chars") << QByteArray("Zh");
    QTest::newRow("non-canonical 3 chars") << QByteArray("Zm9");
}

void CryptoTest::base64UrlRejects()
{
    QFETCH(QByteArray, text);
    QByteArray out("stale");
    QVERIFY(!crypto::base64UrlDecode(text, &out));
    QVERIFY(out.isEmpty());
    QVERIFY(!crypto::base64UrlDecode(text, nullptr));
}

void CryptoTest::base64UrlAllLengthsRoundTrip()
{
    for (int n = 0; n < 70; ++n) {
        const QByteArray raw = crypto::randomBytes(n);
        const QByteArray text = crypto::base64UrlEncode(raw);
        QVERIFY2(!text.contains('=') && !text.contains('+') && !text.contains('/'), text.constData());
        QByteArray back;
        QVERIFY(crypto::base64UrlDecode(text, &back));
        QCOMPARE(back, raw);
    }
}

void CryptoTest::randomBytes_data()
{
    QTest::addColumn<int>("count");
    QTest::newRow("zero") << 0;
    QTest::newRow("negative") << -5;
    QTest::newRow("one") << 1;
    QTest::newRow("key") << 32;
    QTest::newRow("odd") << 33;
    QTest::newRow("large") << 4096;
}

void CryptoTest::randomBytes()
{
    QFETCH(int, count);
    const QByteArray a = crypto::randomBytes(count);
    QCOMPARE(a.size(), qMax(count, 0));
    if (count >= 16) {
        // 128 bits or more: a repeat or an all-zero buffer means the RNG is not being used.
        QVERIFY(a != crypto::randomBytes(count));
        QVERIFY(a != QByteArray(count, '\0'));
    }
}

void CryptoTest::randomTokenAlphabet()
{
    QSet<QString> seen;
    const QRegularExpression urlSafe(QStringLiteral("^[A-Za-z0-9_-]{43}$"));
    for (int i = 0; i < 200; ++i) {
        const QString token = crypto::randomToken(32);
        QVERIFY2(urlSafe.match(token).hasMatch(), qPrintable(token));
        seen.insert(token);
    }
    QCOMPARE(seen.size(), 200);
    QCOMPARE(crypto::randomToken(0), QString());
}

QTEST_APPLESS_MAIN(CryptoTest)
#include "CryptoTest.moc"

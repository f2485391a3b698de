// SecretBox: AES-256-GCM sealing bound to a context, and keyed lookup hashes.
#include "shared/SecretBox.h"

#include "shared/Crypto.h"

#include <QtTest>

using namespace dynaseal;

namespace {

// 00 01 02 ... 1f: the key the known-answer values below were computed with (Python
// `cryptography` AESGCM and hmac), so they pin the format, not just self-consistency.
QByteArray testKey()
{
    QByteArray key(32, Qt::Uninitialized);
    for (int i = 0; i < 32; ++i)
        key[i] = char(i);
    return key;
}

QByteArray decodeBlob(const QByteArray &sealed)
{
    QByteArray blob;
    if (!sealed.startsWith("v1:") || !crypto::base64UrlDecode(sealed.mid(3), &blob))
        return {};
    return blob;
}

} // namespace

class SecretBoxTest : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data();
    void roundTrip();
    void sealIsRandomized();
    void opensKnownCiphertext_data();
    void opensKnownCiphertext();
    void wrongContextFails_data();
    void wrongContextFails();
    void everyByteIsAuthenticated();
    void malformedInputFails_data();
    void malformedInputFails();
    void otherMasterKeyFails();
    void invalidMasterKey_data();
    void invalidMasterKey();
    void lookupHashKnownAnswer_data();
    void lookupHashKnownAnswer();
    void lookupHashDependsOnMasterKey();
};

void SecretBoxTest::roundTrip_data()
{
    QTest::addColumn<QByteArray>("plaintext");
    QTest::addColumn<QByteArray>("context");
    QTest::newRow("typical") << QByteArray("sk-upstream-abc123") << QByteArray("tenants.upstream_key:7");
    QTest::newRow("empty plaintext") << QByteArray() << QByteArray("ctx");
    QTest::newRow("empty context") << QByteArray("secret") << QByteArray();
    QTest::newRow("both empty") << QByteArray() << QByteArray();
    QTest::newRow("binary with NULs") << QByteArray("\0\1\2\0\xff", 5) << QByteArray("a\0b", 3);
    QTest::newRow("one block") << QByteArray(16, 'x') << QByteArray("c");
    QTest::newRow("large") << QByteArray(1 << 20, 'q') << QByteArray(300, 'c');
}

void SecretBoxTest::roundTrip()
{
    QFETCH(QByteArray, plaintext);
    QFETCH(QByteArray, context);
    const SecretBox box(testKey());
    QVERIFY(box.isValid());
    const QByteArray sealed = box.seal(plaintext, context);
    QVERIFY(sealed.startsWith("v1:"));
    QCOMPARE(decodeBlob(sealed).size(), 12 + plaintext.size() + 16);
    if (plaintext.size() >= 8)
        QVERIFY(!sealed.contains(plaintext.left(8)));
    const auto opened = box.open(sealed, context);
    QVERIFY(opened.has_value());
    QCOMPARE(*opened, plaintext);
}

void SecretBoxTest::sealIsRandomized()
{
    const SecretBox box(testKey());
    const QByteArray a = box.seal("same", "ctx");
    const QByteArray b = box.seal("same", "ctx");
    QVERIFY(a != b);
    // Different nonces, not just different tags.
    QVERIFY(decodeBlob(a).left(12) != decodeBlob(b).left(12));
}

void SecretBoxTest::opensKnownCiphertext_data()
{
    QTest::addColumn<QByteArray>("sealed");
    QTest::addColumn<QByteArray>("context");
    QTest::addColumn<QByteArray>("plaintext");
    // Produced by Python: AESGCM(key).encrypt(bytes(range(100, 112)), plaintext, context).
    QTest::newRow("with context")
        << QByteArray("v1:ZGVmZ2hpamtsbW5vPWutEguMN_MeCTqR4EUZlm-ub3zuQZIQxJ08ek0Kswwvdo9TGYniYwg")
        << QByteArray("tenants.upstream_key:7") << QByteArray("upstream key: sk-live-abc");
    QTest::newRow("empty") << QByteArray("v1:ZGVmZ2hpamtsbW5vYJvVD2rXbfZl8Ei6jF_XBg") << QByteArray()
                           << QByteArray();
}

void SecretBoxTest::opensKnownCiphertext()
{
    QFETCH(QByteArray, sealed);
    QFETCH(QByteArray, context);
    QFETCH(QByteArray, plaintext);
    const auto opened = SecretBox(testKey()).open(sealed, context);
    QVERIFY(opened.has_value());
    QCOMPARE(*opened, plaintext);
}

void SecretBoxTest::wrongContextFails_data()
{
    QTest::addColumn<QByteArray>("sealContext");
    QTest::addColumn<QByteArray>("openContext");
    QTest::newRow("other row") << QByteArray("tenants.key:7") << QByteArray("tenants.key:8");
    QTest::newRow("other column") << QByteArray("tenants.key:7") << QByteArray("tenants.secret:7");
    QTest::newRow("context dropped") << QByteArray("tenants.key:7") << QByteArray();
    QTest::newRow("context added") << QByteArray() << QByteArray("tenants.key:7");
    QTest::newRow("prefix") << QByteArray("tenants.key:7") << QByteArray("tenants.key:");
    QTest::newRow("trailing NUL") << QByteArray("ctx") << QByteArray("ctx\0", 4);
}

void SecretBoxTest::wrongContextFails()
{
    QFETCH(QByteArray, sealContext);
    QFETCH(QByteArray, openContext);
    const SecretBox box(testKey());
    const QByteArray sealed = box.seal("secret", sealContext);
    QVERIFY(box.open(sealed, sealContext).has_value());
    QVERIFY(!box.open(sealed, openContext).has_value());
}

void SecretBoxTest::everyByteIsAuthenticated()
{
    const SecretBox box(testKey());
    const QByteArray blob = decodeBlob(box.seal("a secret worth protecting", "ctx"));
    QVERIFY(!blob.isEmpty());
    // Nonce, ciphertext and tag: flipping any single bit anywhere must be detected.
    for (qsizetype i = 0; i < blob.size(); ++i) {
        for (int bit : { 0, 7 }) {
            QByteArray tampered = blob;
            tampered[i] = char(tampered[i] ^ (1 << bit));
            const QByteArray text = "v1:" + crypto::base64UrlEncode(tampered);
            QVERIFY2(!box.open(text, "ctx").has_value(), qPrintable(QString::number(i)));
        }
    }
    // Truncating or extending by a byte fails too.
    const QByteArray truncated = "v1:" + crypto::base64UrlEncode(blob.chopped(1));
    const QByteArray extended = "v1:" + crypto::base64UrlEncode(QByteArray(blob).append('x'));
    QVERIFY(!box.open(truncated, "ctx").has_value());
    QVERIFY(!box.open(extended, "ctx").has_value());
}

void SecretBoxTest::malformedInputFails_data()
{
    QTest::addColumn<QByteArray>("sealed");
    const QByteArray good = SecretBox(testKey()).seal("secret", "ctx");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("prefix only") << QByteArray("v1:");
    QTest::newRow("no prefix") << good.mid(3);
    QTest::newRow("other version") << QByteArray("v2:" + good.mid(3));
    QTest::newRow("upper-case prefix") << QByteArray("V1:" + good.mid(3));
    QTest::newRow("padding added") << QByteArray(good + "==");
    QTest::newRow("standard base64 chars") << QByteArray(good).replace('-', '+').replace('_', '/').append("+/");
    QTest::newRow("whitespace") << QByteArray(good + "\n");
    QTest::newRow("too short for nonce and tag")
        << QByteArray("v1:" + crypto::base64UrlEncode(QByteArray(27, 'a')));
    QTest::newRow("plaintext masquerading") << QByteArray("v1:secret");
}

void SecretBoxTest::malformedInputFails()
{
    QFETCH(QByteArray, sealed);
    QVERIFY(!SecretBox(testKey()).open(sealed, "ctx").has_value());
}

void SecretBoxTest::otherMasterKeyFails()
{
    const QByteArray sealed = SecretBox(testKey()).seal("secret", "ctx");
    QByteArray otherKey = testKey();
    otherKey[31] = char(otherKey[31] ^ 1);
    QVERIFY(!SecretBox(otherKey).open(sealed, "ctx").has_value());
}

void SecretBoxTest::invalidMasterKey_data()
{
    QTest::addColumn<int>("size");
    QTest::newRow("empty") << 0;
    QTest::newRow("AES-128 size") << 16;
    QTest::newRow("one short") << 31;
    QTest::newRow("one long") << 33;
    QTest::newRow("hex text of a key") << 64;
}

void SecretBoxTest::invalidMasterKey()
{
    QFETCH(int, size);
    const SecretBox box(QByteArray(size, 'k'));
    QVERIFY(!box.isValid());
    QVERIFY(box.seal("secret", "ctx").isEmpty());
    const QByteArray sealed = SecretBox(testKey()).seal("secret", "ctx");
    QVERIFY(!box.open(sealed, "ctx").has_value());
    QVERIFY(box.lookupHash("secret").isEmpty());
}

void SecretBoxTest::lookupHashKnownAnswer_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QByteArray>("hex");
    // HMAC-SHA256(HMAC-SHA256(key, "dynaseal lookup v1"), secret), computed in Python.
    QTest::newRow("api key") << QByteArray("sk-test-123")
                             << QByteArray("194c2ccfab501f93022d393a7d0e8e38604c25b9a8fd725596c23b7d90cb5c11");
    QTest::newRow("empty") << QByteArray()
                           << QByteArray("a8621d6110eb4302ddff3bc769d1990c6f602fd6dd4ebecdf91bf1527f761a7b");
}

void SecretBoxTest::lookupHashKnownAnswer()
{
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, hex);
    const SecretBox box(testKey());
    QCOMPARE(box.lookupHash(secret), hex);
    // Deterministic, and not a plain hash of the secret or an HMAC under the master key itself.
    QCOMPARE(box.lookupHash(secret), box.lookupHash(secret));
    QVERIFY(box.lookupHash(secret) != crypto::sha256(secret).toHex());
    QVERIFY(box.lookupHash(secret) != crypto::hmacSha256Hex(testKey(), secret));
}

void SecretBoxTest::lookupHashDependsOnMasterKey()
{
    QByteArray otherKey = testKey();
    otherKey[0] = 'x';
    QVERIFY(SecretBox(testKey()).lookupHash("s") != SecretBox(otherKey).lookupHash("s"));
    QVERIFY(SecretBox(testKey()).lookupHash("s") != SecretBox(testKey()).lookupHash("t"));
}

QTEST_APPLESS_MAIN(SecretBoxTest)
#include "SecretBoxTest.moc"

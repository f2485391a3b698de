// Known-answer and edge-case tests for the OpenSSL wrappers in shared/Crypto.
#include "shared/Crypto.h"

#include <QRegularExpression>
#include <QSet>
#include <QtTest>

#include <array>
#include <thread>
#include <vector>

using namespace dynaseal;

namespace {

// The RFC 4231 HMAC-SHA256 vectors (cases 1-4, 6, 7).
void addRfc4231Rows()
{
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
}

// The decoder as it was first written: Qt's decoder, then a re-encode that must give the input
// back (canonical form). Slow, but independent of the table-driven one under test.
bool referenceDecode(const QByteArray &text, QByteArray *out)
{
    if (text.size() % 4 == 1)
        return false;
    for (const char c : text) {
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    const auto result = QByteArray::fromBase64Encoding(text, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (result.decodingStatus != QByteArray::Base64DecodingStatus::Ok
        || result.decoded.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals) != text)
        return false;
    *out = result.decoded;
    return true;
}

} // namespace

class CryptoTest : public QObject
{
    Q_OBJECT

private slots:
    void sha256KnownAnswers_data();
    void sha256KnownAnswers();
    void hmacRfc4231_data();
    void hmacRfc4231();
    void hmacHexIsLowerCase();
    void hmacPreparedKey_data();
    void hmacPreparedKey();
    void hmacPreparedKeyVerify_data();
    void hmacPreparedKeyVerify();
    void hmacNullKey_data();
    void hmacNullKey();
    void hmacPreparedKeySharedAcrossThreads();
    void constantTimeEquals_data();
    void constantTimeEquals();
    void base64UrlRoundTrip_data();
    void base64UrlRoundTrip();
    void base64UrlRejects_data();
    void base64UrlRejects();
    void base64UrlAllLengthsRoundTrip();
    void base64UrlMatchesReference_data();
    void base64UrlMatchesReference();
    void randomBytes_data();
    void randomBytes();
    void randomTokenAlphabet();
    void idRandomBytes_data();
    void idRandomBytes();
    void idRandomBytesPerThread();
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
    addRfc4231Rows();
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

void CryptoTest::hmacPreparedKey_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("hex");
    addRfc4231Rows();
    QTest::newRow("key exactly one block") << QByteArray(64, 'k') << QByteArray("data") << QByteArray();
    QTest::newRow("key one byte over a block") << QByteArray(65, 'k') << QByteArray("data") << QByteArray();
    QTest::newRow("empty data") << QByteArray("dsk_key") << QByteArray() << QByteArray();
}

void CryptoTest::hmacPreparedKey()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, hex);
    // Rows without a published answer are checked against the one-shot function.
    const QByteArray expected = hex.isEmpty() ? crypto::hmacSha256(key, data).toHex() : hex;
    const crypto::HmacSha256Key prepared(key);
    QVERIFY(!prepared.isNull());
    QCOMPARE(prepared.mac(data).toHex(), expected);
    // The states are only read: the second MAC, and a copy's, are the same.
    QCOMPARE(prepared.mac(data).toHex(), expected);
    const crypto::HmacSha256Key copy = prepared;
    QCOMPARE(copy.mac(data).toHex(), expected);
}

void CryptoTest::hmacPreparedKeyVerify_data()
{
    QTest::addColumn<QByteArray>("mac");
    QTest::addColumn<bool>("valid");
    const QByteArray good = crypto::hmacSha256("dsk_key", "header.payload");
    QByteArray firstBit = good;
    firstBit[0] = char(firstBit[0] ^ 1);
    QByteArray lastBit = good;
    lastBit[31] = char(lastBit[31] ^ 0x80);
    QTest::newRow("correct") << good << true;
    QTest::newRow("first bit flipped") << firstBit << false;
    QTest::newRow("last bit flipped") << lastBit << false;
    QTest::newRow("truncated") << good.chopped(1) << false;
    QTest::newRow("extended") << QByteArray(good + '\0') << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("hex form") << good.toHex() << false;
    QTest::newRow("MAC under another key") << crypto::hmacSha256("dsk_kez", "header.payload") << false;
}

void CryptoTest::hmacPreparedKeyVerify()
{
    QFETCH(QByteArray, mac);
    QFETCH(bool, valid);
    QCOMPARE(crypto::HmacSha256Key("dsk_key").verify("header.payload", mac), valid);
}

void CryptoTest::hmacNullKey_data()
{
    QTest::addColumn<bool>("fromEmptyKey");
    QTest::newRow("default constructed") << false;
    QTest::newRow("empty key") << true;
}

void CryptoTest::hmacNullKey()
{
    QFETCH(bool, fromEmptyKey);
    const crypto::HmacSha256Key key = fromEmptyKey ? crypto::HmacSha256Key(QByteArrayView()) : crypto::HmacSha256Key();
    QVERIFY(key.isNull());
    QVERIFY(key.mac("data").isEmpty());
    // Even the correct MAC under the empty key, which anyone can compute, verifies nothing.
    QVERIFY(!key.verify("data", crypto::hmacSha256(QByteArray(), "data")));
    QVERIFY(!key.verify("data", QByteArray()));
}

void CryptoTest::hmacPreparedKeySharedAcrossThreads()
{
    // One prepared key used by several threads at once (as registry snapshots are) gives every
    // thread the right MACs.
    const crypto::HmacSha256Key key("dsk_shared");
    std::vector<QByteArray> inputs;
    std::vector<QByteArray> expected;
    for (int i = 0; i < 64; ++i) {
        inputs.push_back(QByteArray::number(i).repeated(i + 1));
        expected.push_back(crypto::hmacSha256("dsk_shared", inputs.back()));
    }
    std::vector<int> wrong(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 200; ++round) {
                for (size_t i = 0; i < inputs.size(); ++i) {
                    if (key.mac(inputs[i]) != expected[i] || !key.verify(inputs[i], expected[i]))
                        ++wrong[t];
                }
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QCOMPARE(wrong, std::vector<int>(4, 0));
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
    QTest::newRow("padding after a full group") << QByteArray("Zm9v=");
    QTest::newRow("padding completing a group") << QByteArray("Zm9vYg==");
    QTest::newRow("plus in the tail") << QByteArray("Zm9vY+");
    QTest::newRow("slash first") << QByteArray("/m9v");
    QTest::newRow("high byte in a group") << QByteArray("Zm\x80" "9");
    QTest::newRow("0xff in the tail") << QByteArray("Zm9vY\xff");
    QTest::newRow("NUL in the tail") << QByteArray("Zm9vY\0", 6);
    // Non-canonical: the unused low bits of the last character are set.
    QTest::newRow("non-canonical 2 chars") << QByteArray("Zh");
    QTest::newRow("non-canonical 3 chars") << QByteArray("Zm9");
    QTest::newRow("non-canonical 2 chars, lowest bit") << QByteArray("ZB");
    QTest::newRow("non-canonical 3 chars, lowest bit") << QByteArray("ZmB");
    QTest::newRow("non-canonical after a group, 4 bits") << QByteArray("Zm9vYh");
    QTest::newRow("non-canonical after a group, 2 bits") << QByteArray("Zm9vYmF");
    QTest::newRow("non-canonical: all unused bits") << QByteArray("Zm9vY_");
    QTest::newRow("non-canonical 43-char MAC") << QByteArray(42, 'A') + 'B';
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

void CryptoTest::base64UrlMatchesReference_data()
{
    // Every string of a few characters over the alphabet plus bytes just outside it.
    QTest::addColumn<int>("length");
    QTest::newRow("1 char") << 1;
    QTest::newRow("2 chars") << 2;
    QTest::newRow("3 chars") << 3;
}

void CryptoTest::base64UrlMatchesReference()
{
    QFETCH(int, length);
    const QByteArray chars = QByteArray("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        + QByteArray("=+/.@[`{\0\x7f\x80\xff \n", 14);
    QByteArray text(length, Qt::Uninitialized);
    const auto count = [&] { qsizetype n = 1; for (int i = 0; i < length; ++i) n *= chars.size(); return n; }();
    qsizetype accepted = 0;
    for (qsizetype index = 0; index < count; ++index) {
        for (qsizetype i = 0, rest = index; i < length; ++i, rest /= chars.size())
            text[i] = chars.at(rest % chars.size());
        QByteArray expected;
        QByteArray actual("stale");
        const bool expectOk = referenceDecode(text, &expected);
        const bool ok = crypto::base64UrlDecode(text, &actual);
        if (ok != expectOk || (ok && actual != expected))
            QFAIL(qPrintable(QStringLiteral("mismatch on \"%1\"").arg(QString::fromLatin1(text.toPercentEncoding()))));
        accepted += ok;
    }
    // 2 characters carry 1 byte (256 canonical forms), 3 carry 2 bytes (65536); 1 carries none.
    QCOMPARE(accepted, length == 1 ? 0 : length == 2 ? 256 : 65536);
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

void CryptoTest::idRandomBytes_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("draws");
    QTest::newRow("row id, across many refills") << 5 << 5000;
    QTest::newRow("exactly the pool") << 4096 << 3;
    QTest::newRow("larger than the pool") << 10'000 << 2;
    QTest::newRow("odd sizes straddling refills") << 4095 << 4;
}

void CryptoTest::idRandomBytes()
{
    QFETCH(int, count);
    QFETCH(int, draws);
    QSet<QByteArray> seen;
    std::array<int, 256> histogram{};
    qint64 total = 0;
    for (int i = 0; i < draws; ++i) {
        QByteArray out(count, '\0');
        crypto::idRandomBytes(out.data(), count);
        seen.insert(out);
        for (char c : out)
            ++histogram[uchar(c)];
        total += count;
    }
    // 40 bits per draw: 5000 draws repeat with a chance of about 1e-5; a buffer handed out
    // twice, or not refilled, repeats every time.
    QCOMPARE(seen.size(), draws);
    // Every byte value turns up in 25,000 bytes or more (a stuck or zeroed pool would not).
    if (total >= 20'000) {
        for (int v = 0; v < 256; ++v)
            QVERIFY2(histogram[v] > 0, qPrintable(QStringLiteral("byte %1 never drawn").arg(v)));
    }
}

void CryptoTest::idRandomBytesPerThread()
{
    // Each thread has its own pool: two threads never hand out the same bytes.
    auto draw = [] {
        QList<QByteArray> out;
        for (int i = 0; i < 2000; ++i) {
            QByteArray b(8, '\0');
            crypto::idRandomBytes(b.data(), 8);
            out.append(b);
        }
        return out;
    };
    QList<QByteArray> a;
    QList<QByteArray> b;
    std::thread first([&] { a = draw(); });
    std::thread second([&] { b = draw(); });
    first.join();
    second.join();
    QSet<QByteArray> all(a.begin(), a.end());
    all.unite(QSet<QByteArray>(b.begin(), b.end()));
    QCOMPARE(all.size(), 4000);
}

QTEST_APPLESS_MAIN(CryptoTest)
#include "CryptoTest.moc"

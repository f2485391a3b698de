// The usage callback: its body has exactly the SPEC's fields, its signature matches an
// independent HMAC (the openssl command), and retries back off exponentially up to the cap.
#include "server/core/CallbackBody.h"
#include "server/core/CallbackDispatcher.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QtTest>

using namespace dynaseal;

namespace {

QSet<QString> keys(const QJsonObject &o)
{
    const QStringList list = o.keys();
    return QSet<QString>(list.begin(), list.end());
}

// HMAC-SHA256 as hex, computed by the openssl binary; empty if it could not be run.
QByteArray opensslHmac(const QByteArray &secret, const QByteArray &data)
{
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (openssl.isEmpty())
        return {};
    QProcess p;
    p.start(openssl, {QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-hmac"), QString::fromUtf8(secret)});
    if (!p.waitForStarted(10'000))
        return {};
    p.write(data);
    p.closeWriteChannel();
    if (!p.waitForFinished(30'000) || p.exitCode() != 0)
        return {};
    // "HMAC-SHA2-256(stdin)= <hex>" (the label differs between versions).
    const QByteArray out = p.readAllStandardOutput().trimmed();
    return out.mid(out.lastIndexOf(' ') + 1);
}

} // namespace

class CallbackSigningTest : public QObject
{
    Q_OBJECT

private slots:
    void bodyFields_data();
    void bodyFields();
    void errorFieldOnlyWhenGiven();
    void loneSurrogateBecomesReplacementCharacter();
    void signatureMatchesOpenssl_data();
    void signatureMatchesOpenssl();
    void signatureDependsOnEveryInput();
    void backoff_data();
    void backoff();
    void backoffDoublesUpToTheCap();
};

void CallbackSigningTest::bodyFields_data()
{
    QTest::addColumn<QString>("content");
    QTest::addColumn<qint64>("prompt");
    QTest::addColumn<qint64>("completion");
    QTest::addColumn<QString>("status");

    QTest::newRow("ok") << QStringLiteral("Hello!") << 10LL << 32LL << QStringLiteral("ok");
    QTest::newRow("empty answer") << QString() << 7LL << 0LL << QStringLiteral("error");
    QTest::newRow("client closed") << QStringLiteral("partial") << 5LL << 3LL << QStringLiteral("client_closed");
    QTest::newRow("interrupted") << QStringLiteral("x") << 1LL << 1LL << QStringLiteral("interrupted");
    QTest::newRow("quotes, newlines, unicode") << QString::fromUtf8("line \"one\"\nline two \\ 世界 😀") << 3LL << 9LL << QStringLiteral("ok");
    QTest::newRow("large counts") << QStringLiteral("big") << 4'000'000'000LL << 5'000'000'000LL << QStringLiteral("ok");
    QTest::newRow("control characters") << QString::fromUtf8("tab\there\x01\x1f bell\x07 nul") + QChar(0) + QStringLiteral("end") << 1LL << 2LL << QStringLiteral("ok");
    QTest::newRow("html and slashes") << QStringLiteral("</script><b>&amp;</b> a/b") << 1LL << 1LL << QStringLiteral("ok");
    QTest::newRow("long answer") << QString(20'000, QLatin1Char('x')) + QString::fromUtf8("é") << 100LL << 5'000LL << QStringLiteral("ok");
}

void CallbackSigningTest::bodyFields()
{
    QFETCH(QString, content);
    QFETCH(qint64, prompt);
    QFETCH(qint64, completion);
    QFETCH(QString, status);

    const QByteArray raw = CallbackBody::build(QStringLiteral("ev-1"), content.toUtf8(), prompt, completion, QStringLiteral("m1"),
                                               QStringLiteral("tenant-1"), QStringLiteral("req-1"), status, QString());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(raw, &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QVERIFY(doc.isObject());
    const QJsonObject body = doc.object();

    const QSet<QString> spec{QStringLiteral("event_id"), QStringLiteral("content"), QStringLiteral("tokens"), QStringLiteral("usage"),
                             QStringLiteral("model"), QStringLiteral("tenant_id"), QStringLiteral("request_id"), QStringLiteral("status")};
    QCOMPARE(keys(body), spec);
    const QJsonObject usage = body.value(QLatin1String("usage")).toObject();
    QCOMPARE(keys(usage), (QSet<QString>{QStringLiteral("prompt_tokens"), QStringLiteral("completion_tokens"), QStringLiteral("total_tokens")}));

    QCOMPARE(body.value(QLatin1String("event_id")).toString(), QStringLiteral("ev-1"));
    QCOMPARE(body.value(QLatin1String("content")).toString(), content);
    QCOMPARE(body.value(QLatin1String("model")).toString(), QStringLiteral("m1"));
    QCOMPARE(body.value(QLatin1String("tenant_id")).toString(), QStringLiteral("tenant-1"));
    QCOMPARE(body.value(QLatin1String("request_id")).toString(), QStringLiteral("req-1"));
    QCOMPARE(body.value(QLatin1String("status")).toString(), status);
    QCOMPARE(usage.value(QLatin1String("prompt_tokens")).toInteger(-1), prompt);
    QCOMPARE(usage.value(QLatin1String("completion_tokens")).toInteger(-1), completion);
    QCOMPARE(usage.value(QLatin1String("total_tokens")).toInteger(-1), prompt + completion);
    // Numbers, not strings, and tokens == usage.total_tokens.
    QVERIFY(body.value(QLatin1String("tokens")).isDouble());
    QCOMPARE(body.value(QLatin1String("tokens")).toInteger(-1), usage.value(QLatin1String("total_tokens")).toInteger(-2));
}

void CallbackSigningTest::loneSurrogateBecomesReplacementCharacter()
{
    // A lone surrogate cannot be written as UTF-8: it arrives as U+FFFD, as the database stores it
    // (SqlSessionTest), and the body stays JSON. The event id is a QString read from the key's
    // claims, so it could hold one; the content is UTF-8 already (StreamAccountingTest).
    const QString eventId = QStringLiteral("a") + QChar(0xD800) + QStringLiteral("b");
    const QByteArray raw = CallbackBody::build(eventId, "text", 1, 1, QStringLiteral("m"), QStringLiteral("t"),
                                               QStringLiteral("r"), QStringLiteral("ok"), QString());
    QJsonParseError error;
    const QJsonObject body = QJsonDocument::fromJson(raw, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(body.value(QLatin1String("event_id")).toString(), QStringLiteral("a") + QChar(0xFFFD) + QStringLiteral("b"));
    QCOMPARE(body.value(QLatin1String("content")).toString(), QStringLiteral("text"));
    QCOMPARE(body.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
}

void CallbackSigningTest::errorFieldOnlyWhenGiven()
{
    const QByteArray raw = CallbackBody::build(QStringLiteral("ev"), QByteArrayView(), 1, 0, QStringLiteral("m"), QStringLiteral("t"),
                                               QStringLiteral("r"), QStringLiteral("error"), QStringLiteral("upstream answered 502"));
    const QJsonObject body = QJsonDocument::fromJson(raw).object();
    QCOMPARE(body.size(), 9);
    QCOMPARE(body.value(QLatin1String("error")).toString(), QStringLiteral("upstream answered 502"));
    QCOMPARE(body.value(QLatin1String("tokens")).toInteger(), 1);
}

void CallbackSigningTest::signatureMatchesOpenssl_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<qint64>("time");
    QTest::addColumn<QByteArray>("body");

    const QByteArray body = CallbackBody::build(QStringLiteral("ev-42"), "Hi 世界", 10, 32, QStringLiteral("m1"),
                                                QStringLiteral("tenant-1"), QStringLiteral("req-7"), QStringLiteral("ok"), QString());
    QTest::newRow("callback body") << QByteArray("whsec_5f2b1c0d9e8a7b6c") << 1'700'000'000LL << body;
    QTest::newRow("other time") << QByteArray("whsec_5f2b1c0d9e8a7b6c") << 1'800'000'123LL << body;
    QTest::newRow("empty body") << QByteArray("s3cr3t") << 1LL << QByteArray();
    QTest::newRow("long secret") << QByteArray(100, 'k') << 1'700'000'000LL << QByteArray("{\"a\":1}");
}

void CallbackSigningTest::signatureMatchesOpenssl()
{
    QFETCH(QByteArray, secret);
    QFETCH(qint64, time);
    QFETCH(QByteArray, body);

    const QByteArray header = CallbackBody::signature(secret, time, body);
    // The prepared key signs exactly the same; a null one falls back to the secret.
    QCOMPARE(CallbackBody::signature(crypto::HmacSha256Key(secret), secret, time, body), header);
    QCOMPARE(CallbackBody::signature(crypto::HmacSha256Key(), secret, time, body), header);
    const QRegularExpression shape(QStringLiteral("^t=(\\d+),v1=([0-9a-f]{64})$"));
    const auto match = shape.match(QString::fromLatin1(header));
    QVERIFY2(match.hasMatch(), header.constData());
    QCOMPARE(match.captured(1).toLongLong(), time);

    if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty())
        QSKIP("the openssl binary is not installed");
    const QByteArray expected = opensslHmac(secret, QByteArray::number(time) + '.' + body);
    QVERIFY2(!expected.isEmpty(), "openssl dgst failed");
    QCOMPARE(match.captured(2).toLatin1(), expected);
}

void CallbackSigningTest::signatureDependsOnEveryInput()
{
    const QByteArray body = "{\"event_id\":\"e\"}";
    const QByteArray base = CallbackBody::signature("secret", 100, body);
    QCOMPARE(CallbackBody::signature("secret", 100, body), base);
    const QSet<QByteArray> others{CallbackBody::signature("secreT", 100, body), CallbackBody::signature("secret", 101, body),
                                  CallbackBody::signature("secret", 100, body + ' ')};
    QCOMPARE(others.size(), 3);
    QVERIFY(!others.contains(base));
    // Only the v1 part: a changed time must change the MAC, not just the t= prefix.
    const auto mac = [](const QByteArray &h) { return h.mid(h.indexOf(",v1=")); };
    QVERIFY(mac(CallbackBody::signature("secret", 101, body)) != mac(base));
}

void CallbackSigningTest::backoff_data()
{
    QTest::addColumn<int>("base");
    QTest::addColumn<int>("max");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<qint64>("delay");

    QTest::newRow("defaults: 1 failure") << 1000 << 600'000 << 1 << 1000LL;
    QTest::newRow("defaults: 2 failures") << 1000 << 600'000 << 2 << 2000LL;
    QTest::newRow("defaults: 3 failures") << 1000 << 600'000 << 3 << 4000LL;
    QTest::newRow("defaults: 10 failures") << 1000 << 600'000 << 10 << 512'000LL;
    QTest::newRow("defaults: 11 failures, capped") << 1000 << 600'000 << 11 << 600'000LL;
    QTest::newRow("defaults: 40 failures, capped") << 1000 << 600'000 << 40 << 600'000LL;
    QTest::newRow("defaults: 1000 failures, capped") << 1000 << 600'000 << 1000 << 600'000LL;
    QTest::newRow("0 failures: the base") << 1000 << 600'000 << 0 << 1000LL;
    QTest::newRow("fast: 1") << 50 << 400 << 1 << 50LL;
    QTest::newRow("fast: 2") << 50 << 400 << 2 << 100LL;
    QTest::newRow("fast: 3") << 50 << 400 << 3 << 200LL;
    QTest::newRow("fast: 4 reaches the cap") << 50 << 400 << 4 << 400LL;
    QTest::newRow("fast: 5 capped") << 50 << 400 << 5 << 400LL;
    QTest::newRow("cap not a power of two") << 100 << 250 << 3 << 250LL;
    QTest::newRow("base equals cap") << 700 << 700 << 6 << 700LL;
    QTest::newRow("largest settings") << 3'600'000 << 86'400'000 << 31 << 86'400'000LL;
}

void CallbackSigningTest::backoff()
{
    QFETCH(int, base);
    QFETCH(int, max);
    QFETCH(int, attempts);
    QFETCH(qint64, delay);
    CallbackPolicy policy;
    policy.retryBaseMs = base;
    policy.retryMaxMs = max;
    QCOMPARE(CallbackDispatcher::backoffMs(attempts, policy), delay);
}

void CallbackSigningTest::backoffDoublesUpToTheCap()
{
    CallbackPolicy policy;
    policy.retryBaseMs = 3;
    policy.retryMaxMs = 1'000'000;
    qint64 expected = 3;
    for (int attempts = 1; attempts <= 64; ++attempts) {
        QCOMPARE(CallbackDispatcher::backoffMs(attempts, policy), std::min<qint64>(expected, policy.retryMaxMs));
        expected = std::min<qint64>(expected * 2, policy.retryMaxMs);
    }
}

QTEST_GUILESS_MAIN(CallbackSigningTest)
#include "CallbackSigningTest.moc"

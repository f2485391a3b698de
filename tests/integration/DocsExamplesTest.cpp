// Runs the examples the docs quote against the real server: keys minted by the Python and Node
// examples must be accepted for a real chat call, the callback-verification examples must
// accept a real delivered callback and refuse a tampered, wrongly keyed or stale one, and the
// request log's export must give every row once, in order.
#include "shared/Crypto.h"
#include "tests/support/Gateway.h"

#include <QDateTime>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal::test;

namespace {

struct ScriptRun
{
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return QStringLiteral("finished=%1 exit=%2 stdout=%3 stderr=%4")
            .arg(finished).arg(exitCode).arg(QString::fromUtf8(out.trimmed()), QString::fromUtf8(err.trimmed()));
    }
};

// The scripts talk to no one, so blocking the event loop while they run is harmless.
ScriptRun runScript(const QString &program, const QStringList &arguments)
{
    ScriptRun run;
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(10'000))
        return run;
    if (!process.waitForFinished(30'000)) {
        process.kill();
        process.waitForFinished();
    }
    run.finished = process.exitStatus() == QProcess::NormalExit && process.state() == QProcess::NotRunning;
    run.exitCode = run.finished ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QString example(const QString &name)
{
    return QStringLiteral(DYNASEAL_SOURCE_DIR "/docs/examples/") + name;
}

// A Python 3 that can import PyJWT: $DYNASEAL_PYTHON, then python3 on PATH, then /usr/bin/python3.
QString findPython()
{
    QStringList candidates{qEnvironmentVariable("DYNASEAL_PYTHON"), QStandardPaths::findExecutable(QStringLiteral("python3")),
                           QStringLiteral("/usr/bin/python3")};
    for (const QString &candidate : candidates) {
        if (!candidate.isEmpty() && runScript(candidate, {QStringLiteral("-c"), QStringLiteral("import jwt")}).exitCode == 0)
            return candidate;
    }
    return {};
}

QString findNode()
{
    for (const char *name : {"node", "nodejs"}) {
        const QString path = QStandardPaths::findExecutable(QLatin1String(name));
        if (!path.isEmpty())
            return path;
    }
    return {};
}

QJsonObject jwtPayload(const QByteArray &token)
{
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3)
        return {};
    const auto decoded = QByteArray::fromBase64Encoding(parts.at(1), QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    return decoded ? QJsonDocument::fromJson(*decoded).object() : QJsonObject();
}

} // namespace

class DocsExamplesTest : public QObject
{
    Q_OBJECT

private:
    // The interpreter for a row's language; empty for Node when it is not installed.
    QString interpreter(const QString &language) const { return language == QLatin1String("node") ? m_node : m_python; }

    Gateway m_gw;
    QString m_python;
    QString m_node;
    QTemporaryDir m_dir;
    RecordedRequest m_delivered; // one real callback, as the tenant received it
    RecordedRequest m_batch;     // a real batch of callbacks (callback_batch above 1)

private slots:
    void initTestCase()
    {
        QString why;
        QVERIFY2(m_gw.setUp(&why), qPrintable(why));
        QVERIFY(m_dir.isValid());
        m_python = findPython();
        QVERIFY2(!m_python.isEmpty(), "no python3 that can import jwt: install python3-jwt (bash scripts/deps.sh test) or set DYNASEAL_PYTHON");
        m_node = findNode();

        // A real callback to verify: one chat call, delivered and acknowledged.
        QCOMPARE(m_gw.chat(m_gw.mint(), Gateway::chatBody()).status, 200);
        QVERIFY(waitFor([&] { return !m_gw.receiver.acknowledged().isEmpty(); }));
        m_delivered = m_gw.receiver.deliveries().first();
        QVERIFY(CallbackReceiver::signatureValid(m_delivered, m_gw.callbackSecret));

        // And a real batch: the same checks must take it as it is.
        const QString tenant = QStringLiteral("/admin/v1/tenants/%1").arg(m_gw.tenantId);
        QCOMPARE(m_gw.http.patch(tenant, {{QStringLiteral("callback_batch"), 2}}, m_gw.adminToken).status, 200);
        const QList<QPair<QByteArray, QByteArray>> calls{{m_gw.mint(), Gateway::chatBody()}, {m_gw.mint(), Gateway::chatBody()}};
        for (const HttpResult &r : m_gw.chatTogether(calls, 2))
            QCOMPARE(r.status, 200);
        QVERIFY(waitFor([&] { return m_gw.receiver.acknowledged().size() == 3; }));
        m_batch = m_gw.receiver.deliveries().last();
        QVERIFY(m_batch.headers.contains("x-dynaseal-batch"));
        QVERIFY(CallbackReceiver::signatureValid(m_batch, m_gw.callbackSecret));
        QCOMPARE(m_gw.http.patch(tenant, {{QStringLiteral("callback_batch"), 1}}, m_gw.adminToken).status, 200);
    }

    void mintedKeyIsAccepted_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("script");
        QTest::newRow("python") << QStringLiteral("python") << QStringLiteral("mint_dynamic_key.py");
        QTest::newRow("node") << QStringLiteral("node") << QStringLiteral("mint-dynamic-key.mjs");
    }

    void mintedKeyIsAccepted()
    {
        QFETCH(QString, language);
        QFETCH(QString, script);
        const QString program = interpreter(language);
        if (program.isEmpty())
            QSKIP("node is not installed: the Node example was not run");

        const ScriptRun minted = runScript(program, {example(script), m_gw.tenantId, QString::fromLatin1(m_gw.tenantKey),
                                                     QStringLiteral("m1"), QStringLiteral("300")});
        QVERIFY2(minted.exitCode == 0, qPrintable(minted.describe()));
        const QByteArray token = minted.out.trimmed();

        // The claims the docs describe, in the Dynaseal format.
        const QJsonObject claims = jwtPayload(token);
        QCOMPARE(claims.value("api-key").toString(), m_gw.tenantId);
        QCOMPARE(claims.value("model").toString(), QStringLiteral("m1"));
        QCOMPARE(claims.value("max_tokens").toInteger(), 300);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QVERIFY(claims.value("expiring").toInteger() > now && claims.value("expiring").toInteger() <= now + 605);
        const QString eventId = claims.value("event_id").toString();
        QVERIFY(!eventId.isEmpty());

        // The server accepts it for the model it names, and only that one.
        const HttpResult chat = m_gw.chat(token, Gateway::chatBody(QStringLiteral("m1"), false, {{QStringLiteral("max_tokens"), 20}}));
        QVERIFY2(chat.status == 200, chat.body.constData());
        const HttpResult other = m_gw.chat(token, Gateway::chatBody(QStringLiteral("m2")));
        QCOMPARE(other.status, 403);
        QCOMPARE(other.errorCode(), QStringLiteral("model_not_allowed"));

        // The usage callback carries the example's event_id.
        QVERIFY(waitFor([&] {
            const QList<QJsonObject> acked = m_gw.receiver.acknowledged();
            return std::any_of(acked.begin(), acked.end(), [&](const QJsonObject &b) {
                return b.value("event_id").toString() == eventId && b.value("status").toString() == QLatin1String("ok");
            });
        }));
    }

    void verifyExample_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("script");
        QTest::addColumn<QString>("variant");
        QTest::addColumn<int>("expectedExit");
        const QList<QPair<QString, QString>> scripts{{QStringLiteral("python"), QStringLiteral("verify_callback.py")},
                                                     {QStringLiteral("node"), QStringLiteral("verify-callback.mjs")}};
        const QList<QPair<QString, int>> variants{{QStringLiteral("delivered"), 0},
                                                  {QStringLiteral("tampered body"), 1},
                                                  {QStringLiteral("wrong secret"), 1},
                                                  {QStringLiteral("stale timestamp"), 1},
                                                  {QStringLiteral("stale timestamp, --no-age-check"), 0},
                                                  {QStringLiteral("batch delivered"), 0},
                                                  {QStringLiteral("batch tampered"), 1}};
        for (const auto &[language, script] : scripts) {
            for (const auto &[variant, exitCode] : variants)
                QTest::addRow("%s: %s", qPrintable(language), qPrintable(variant)) << language << script << variant << exitCode;
        }
    }

    void verifyExample()
    {
        QFETCH(QString, language);
        QFETCH(QString, script);
        QFETCH(QString, variant);
        QFETCH(int, expectedExit);
        const QString program = interpreter(language);
        if (program.isEmpty())
            QSKIP("node is not installed: the Node example was not run");

        QByteArray secret = m_gw.callbackSecret;
        QByteArray body = m_delivered.body;
        QByteArray header = m_delivered.headers.value("x-dynaseal-signature");
        QStringList extra;
        if (variant.startsWith(QLatin1String("batch"))) {
            body = m_batch.body;
            header = m_batch.headers.value("x-dynaseal-signature");
            if (variant.endsWith(QLatin1String("tampered")))
                body.replace("\"tokens\":", "\"tokens\":9");
        } else if (variant == QLatin1String("tampered body")) {
            body.replace("\"tokens\":", "\"tokens\":9");
            QVERIFY(body != m_delivered.body);
        } else if (variant == QLatin1String("wrong secret")) {
            secret = "whsec_not-the-tenants-secret";
        } else if (variant.startsWith(QLatin1String("stale timestamp"))) {
            // Correctly signed, but ten minutes old: only the age check can refuse it.
            const QByteArray t = QByteArray::number(QDateTime::currentSecsSinceEpoch() - 600);
            header = "t=" + t + ",v1=" + dynaseal::crypto::hmacSha256Hex(secret, QByteArray(t + '.' + body));
            if (variant.endsWith(QLatin1String("--no-age-check")))
                extra << QStringLiteral("--no-age-check");
        }

        QFile file(m_dir.filePath(QStringLiteral("body.json")));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(body);
        file.close();

        const ScriptRun verified = runScript(program, QStringList{example(script), QString::fromLatin1(secret), QString::fromLatin1(header), file.fileName()} + extra);
        QVERIFY2(verified.finished && verified.exitCode == expectedExit, qPrintable(verified.describe()));
    }

    void exportExampleReadsTheWholeLog_data()
    {
        // The log holds the 3 calls of initTestCase and those of mintedKeyIsAccepted.
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("pageSize");
        QTest::newRow("a row a page") << QString() << 1;
        QTest::newRow("two a page") << QString() << 2;
        QTest::newRow("one page") << QString() << 1000;
        QTest::newRow("filtered") << QStringLiteral("status=ok&tenant_id=") + m_gw.tenantId << 2;
        QTest::newRow("nothing matches") << QStringLiteral("status=error") << 2;
    }

    void exportExampleReadsTheWholeLog()
    {
        QFETCH(QString, query);
        QFETCH(int, pageSize);
        const HttpResult whole = m_gw.http.get(QStringLiteral("/admin/v1/requests?limit=1000&") + query, m_gw.adminToken);
        QCOMPARE(whole.status, 200);
        QStringList expected;
        for (const QJsonValue &item : whole.json().value(QLatin1String("items")).toArray())
            expected.append(item.toObject().value(QLatin1String("id")).toString());
        QCOMPARE(expected.isEmpty(), query.startsWith(QLatin1String("status=error")));

        const ScriptRun exported = runScript(m_python, {example(QStringLiteral("export_requests.py")), m_gw.server.origin(),
                                                        QString::fromLatin1(m_gw.adminToken), query, QString::number(pageSize)});
        QVERIFY2(exported.exitCode == 0, qPrintable(exported.describe()));
        QStringList ids;
        for (const QByteArray &line : exported.out.split('\n')) {
            if (!line.isEmpty())
                ids.append(QJsonDocument::fromJson(line).object().value(QLatin1String("id")).toString());
        }
        QCOMPARE(ids, expected);
    }
};

QTEST_GUILESS_MAIN(DocsExamplesTest)
#include "DocsExamplesTest.moc"

// The operator's admin API against the real server: login, token checks, CRUD of upstreams,
// tenants and tenant keys, input validation that changes nothing, the audit log, secrets at
// rest and persistence across a restart.
#include "tests/support/Gateway.h"
#include "tests/support/SqliteFile.h"

#include <QDateTime>
#include <QDirIterator>
#include <QFile>
#include <QtTest>
#include <memory>

using namespace dynaseal::test;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers bearer(const QByteArray &token)
{
    if (token.isEmpty())
        return {};
    return {{QByteArrayLiteral("Authorization"), QByteArray(QByteArrayLiteral("Bearer ") + token)}};
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject with(QJsonObject o, const QString &key, const QJsonValue &value)
{
    o.insert(key, value);
    return o;
}

QJsonObject without(QJsonObject o, const QString &key)
{
    o.remove(key);
    return o;
}

// Empty if `r` carries an OpenAI-shaped error with the given status, else what is wrong.
QString errorProblem(const HttpResult &r, int status)
{
    if (r.status != status)
        return QStringLiteral("expected status %1, got %2: %3").arg(status).arg(r.status).arg(QString::fromUtf8(r.body));
    const QJsonObject error = r.json().value(QLatin1String("error")).toObject();
    for (const char *field : {"message", "type", "code"}) {
        if (!error.value(QLatin1String(field)).isString() || error.value(QLatin1String(field)).toString().isEmpty())
            return QStringLiteral("error.%1 missing in %2").arg(QLatin1String(field), QString::fromUtf8(r.body));
    }
    return {};
}

QJsonObject findById(const QJsonArray &list, const QString &id)
{
    for (const QJsonValue &v : list) {
        if (v.toObject().value(QLatin1String("id")).toString() == id)
            return v.toObject();
    }
    return {};
}

// Every byte of every file under `dir` (the SQLite database, its WAL and journal, anything else).
QList<QPair<QString, QByteArray>> filesUnder(const QString &dir)
{
    QList<QPair<QString, QByteArray>> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly))
            out.append({f.fileName(), f.readAll()});
    }
    return out;
}

// Whether the server's SQLite file has the index `name`.
bool hasIndex(const QString &databasePath, const QString &name)
{
    return scalarOfSqliteFile(databasePath, QStringLiteral("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?"), {name}).isValid();
}

const QByteArray kGarbageToken = "not-a-real-admin-token";

} // namespace

class AdminApiTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<Gateway> gw;

    HttpResult admin(const QByteArray &method, const QString &path, const QByteArray &body = {})
    {
        return gw->http.send(method, path, body, bearer(gw->adminToken));
    }
    HttpResult admin(const QByteArray &method, const QString &path, const QJsonObject &body)
    {
        return admin(method, path, compact(body));
    }
    QByteArray listBody(const QString &path) { return admin("GET", path).body; }

private slots:
    void initTestCase()
    {
        gw = std::make_unique<Gateway>();
        QString why;
        QVERIFY2(gw->setUp(&why), qPrintable(why));
    }

    void cleanupTestCase() { gw.reset(); }

    void login_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        const QString password = QLatin1String(ServerProcess::kAdminPassword);
        const QJsonObject ok{{QStringLiteral("username"), QStringLiteral("admin")}, {QStringLiteral("password"), password}};
        QTest::newRow("ok") << compact(ok) << 200 << QString();
        QTest::newRow("wrong password") << compact(with(ok, QStringLiteral("password"), QStringLiteral("guess-1234"))) << 401 << "invalid_credentials";
        QTest::newRow("empty password") << compact(with(ok, QStringLiteral("password"), QString())) << 401 << "invalid_credentials";
        QTest::newRow("unknown user") << compact(with(ok, QStringLiteral("username"), QStringLiteral("mallory"))) << 401 << "invalid_credentials";
        QTest::newRow("username case differs") << compact(with(ok, QStringLiteral("username"), QStringLiteral("ADMIN"))) << 401 << "invalid_credentials";
        QTest::newRow("not json") << QByteArray("username=admin&password=x") << 400 << QString();
        QTest::newRow("truncated json") << QByteArray(R"({"username":"admin","password":)") << 400 << QString();
        QTest::newRow("empty body") << QByteArray() << 400 << QString();
        QTest::newRow("array") << QByteArray(R"(["admin","x"])") << 400 << QString();
        QTest::newRow("string") << QByteArray(R"("admin")") << 400 << QString();
        QTest::newRow("missing username") << compact(without(ok, QStringLiteral("username"))) << 400 << QString();
        QTest::newRow("missing password") << compact(without(ok, QStringLiteral("password"))) << 400 << QString();
        QTest::newRow("username number") << compact(with(ok, QStringLiteral("username"), 7)) << 400 << QString();
        QTest::newRow("password number") << compact(with(ok, QStringLiteral("password"), 1234)) << 400 << QString();
        QTest::newRow("password null") << compact(with(ok, QStringLiteral("password"), QJsonValue())) << 400 << QString();
        QTest::newRow("empty object") << QByteArray("{}") << 400 << QString();
    }

    void login()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, code);
        const HttpResult r = gw->http.postRaw(QStringLiteral("/admin/v1/login"), body);
        if (status == 200) {
            QCOMPARE(r.status, 200);
            const QString token = r.json().value(QLatin1String("token")).toString();
            QVERIFY(token.size() >= 20);
            const QDateTime expires = QDateTime::fromString(r.json().value(QLatin1String("expires_at")).toString(), Qt::ISODateWithMs);
            QVERIFY2(expires.isValid(), r.body.constData());
            QVERIFY(expires > QDateTime::currentDateTimeUtc());
            // The fresh token works.
            QCOMPARE(gw->http.get(QStringLiteral("/admin/v1/upstreams"), token.toLatin1()).status, 200);
            return;
        }
        const QString problem = errorProblem(r, status);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(!r.json().contains(QLatin1String("token")));
        if (!code.isEmpty())
            QCOMPARE(r.errorCode(), code);
        QVERIFY2(!r.body.contains("guess-1234"), "the error must not echo the password");
    }

    void requiresToken_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QString>("code");

        const QString up = QStringLiteral("/admin/v1/upstreams/") + gw->upstreamId;
        const QString tenant = QStringLiteral("/admin/v1/tenants/") + gw->tenantId;
        const QString key = tenant + QStringLiteral("/keys/") + gw->tenantKeyId;
        const QByteArray upstreamBody = compact({{QStringLiteral("name"), QStringLiteral("sneaky")}, {QStringLiteral("base_url"), QStringLiteral("http://127.0.0.1:9/v1")},
                                                 {QStringLiteral("api_key"), QStringLiteral("sk-sneaky")}, {QStringLiteral("models"), QJsonArray{QStringLiteral("x")}}});
        const QByteArray tenantBody = compact({{QStringLiteral("name"), QStringLiteral("sneaky")}, {QStringLiteral("callback_url"), QStringLiteral("http://127.0.0.1:9/cb")}});
        const struct
        {
            const char *name;
            QByteArray method;
            QString path;
            QByteArray body;
        } endpoints[] = {
            {"logout", "POST", QStringLiteral("/admin/v1/logout"), {}},
            {"list upstreams", "GET", QStringLiteral("/admin/v1/upstreams"), {}},
            {"create upstream", "POST", QStringLiteral("/admin/v1/upstreams"), upstreamBody},
            {"create upstream, malformed body", "POST", QStringLiteral("/admin/v1/upstreams"), "{not json"},
            {"get upstream", "GET", up, {}},
            {"patch upstream", "PATCH", up, R"({"models":["x"]})"},
            {"patch upstream, bad field", "PATCH", up, R"({"nope":1})"},
            {"delete upstream", "DELETE", up, {}},
            {"list tenants", "GET", QStringLiteral("/admin/v1/tenants"), {}},
            {"create tenant", "POST", QStringLiteral("/admin/v1/tenants"), tenantBody},
            {"create tenant, malformed body", "POST", QStringLiteral("/admin/v1/tenants"), "[]"},
            {"get tenant", "GET", tenant, {}},
            {"patch tenant", "PATCH", tenant, R"({"token_quota":1})"},
            {"delete tenant", "DELETE", tenant, {}},
            {"list keys", "GET", tenant + QStringLiteral("/keys"), {}},
            {"issue key", "POST", tenant + QStringLiteral("/keys"), "{}"},
            {"issue key, bad body", "POST", tenant + QStringLiteral("/keys"), R"({"alg":"none"})"},
            {"revoke key", "DELETE", key, {}},
            {"requests", "GET", QStringLiteral("/admin/v1/requests"), {}},
            {"requests, bad query", "GET", QStringLiteral("/admin/v1/requests?limit=0"), {}},
            {"usage", "GET", QStringLiteral("/admin/v1/usage"), {}},
            {"callbacks", "GET", QStringLiteral("/admin/v1/callbacks"), {}},
            {"retry callback", "POST", QStringLiteral("/admin/v1/callbacks/cb_x/retry"), {}},
            {"audit", "GET", QStringLiteral("/admin/v1/audit"), {}},
        };
        for (const auto &e : endpoints) {
            QTest::addRow("%s, no token", e.name) << e.method << e.path << e.body << QByteArray() << "missing_token";
            QTest::addRow("%s, garbage token", e.name) << e.method << e.path << e.body << kGarbageToken << "invalid_token";
            QTest::addRow("%s, well-formed unknown token", e.name) << e.method << e.path << e.body
                                                                    << QByteArray("dsa_0123456789abcdefghijklmnopqrstuvwxyz0123") << "invalid_token";
        }
    }

    void requiresToken()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, token);
        QFETCH(QString, code);
        const QByteArray upstreamsBefore = listBody(QStringLiteral("/admin/v1/upstreams"));
        const QByteArray tenantsBefore = listBody(QStringLiteral("/admin/v1/tenants"));
        const QByteArray keysBefore = listBody(QStringLiteral("/admin/v1/tenants/%1/keys").arg(gw->tenantId));

        const HttpResult r = gw->http.send(method, path, body, bearer(token));
        const QString problem = errorProblem(r, 401);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(r.errorCode(), code);

        // Refused means refused: nothing changed, and the operator's own token still works.
        QCOMPARE(listBody(QStringLiteral("/admin/v1/upstreams")), upstreamsBefore);
        QCOMPARE(listBody(QStringLiteral("/admin/v1/tenants")), tenantsBefore);
        QCOMPARE(listBody(QStringLiteral("/admin/v1/tenants/%1/keys").arg(gw->tenantId)), keysBefore);
    }

    void logoutInvalidatesToken()
    {
        const HttpResult login = gw->http.loginAsAdmin();
        QCOMPARE(login.status, 200);
        const QByteArray token = login.token();
        QCOMPARE(gw->http.get(QStringLiteral("/admin/v1/tenants"), token).status, 200);

        QCOMPARE(gw->http.send("POST", QStringLiteral("/admin/v1/logout"), {}, bearer(token)).status, 204);
        const HttpResult after = gw->http.get(QStringLiteral("/admin/v1/tenants"), token);
        const QString problem = errorProblem(after, 401);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(after.errorCode(), QStringLiteral("invalid_token"));
        // Logging out twice is refused like any dead token; other sessions live on.
        QCOMPARE(gw->http.send("POST", QStringLiteral("/admin/v1/logout"), {}, bearer(token)).status, 401);
        QCOMPARE(gw->http.get(QStringLiteral("/admin/v1/tenants"), gw->adminToken).status, 200);
    }

    void upstreamCrud()
    {
        const QString key = QStringLiteral("sk-crud-secret-value-ABCD1234");
        const QJsonObject create{{QStringLiteral("name"), QStringLiteral("crud-up")},
                                 {QStringLiteral("base_url"), QStringLiteral("https://api.example.com/v1")},
                                 {QStringLiteral("api_key"), key},
                                 {QStringLiteral("models"), QJsonArray{QStringLiteral("gpt-a"), QStringLiteral("gpt-b")}}};
        const HttpResult created = admin("POST", QStringLiteral("/admin/v1/upstreams"), create);
        QCOMPARE(created.status, 201);
        const QString id = created.json().value(QLatin1String("id")).toString();
        QVERIFY(!id.isEmpty());
        QCOMPARE(created.json().value(QLatin1String("name")).toString(), QStringLiteral("crud-up"));
        QCOMPARE(created.json().value(QLatin1String("base_url")).toString(), QStringLiteral("https://api.example.com/v1"));
        QCOMPARE(created.json().value(QLatin1String("models")).toArray(), (QJsonArray{QStringLiteral("gpt-a"), QStringLiteral("gpt-b")}));
        QCOMPARE(created.json().value(QLatin1String("api_key")).toString(), QStringLiteral("…1234"));
        QVERIFY(!created.body.contains(key.toLatin1()));

        const HttpResult list = admin("GET", QStringLiteral("/admin/v1/upstreams"));
        QCOMPARE(list.status, 200);
        QCOMPARE(findById(list.data(), id).value(QLatin1String("name")).toString(), QStringLiteral("crud-up"));
        QVERIFY(!findById(list.data(), gw->upstreamId).isEmpty());
        QVERIFY(!list.body.contains(key.toLatin1()));
        QVERIFY(!list.body.contains("sk-upstream-test-key-0001"));

        const HttpResult got = admin("GET", QStringLiteral("/admin/v1/upstreams/") + id);
        QCOMPARE(got.status, 200);
        QCOMPARE(got.json().value(QLatin1String("api_key")).toString(), QStringLiteral("…1234"));
        QVERIFY(!got.body.contains(key.toLatin1()));

        // Rotate the key: only the new tail shows.
        const HttpResult rotated = admin("PATCH", QStringLiteral("/admin/v1/upstreams/") + id, QJsonObject{{QStringLiteral("api_key"), QStringLiteral("sk-rotated-key-WXYZ")}});
        QCOMPARE(rotated.status, 200);
        QCOMPARE(rotated.json().value(QLatin1String("api_key")).toString(), QStringLiteral("…WXYZ"));
        QVERIFY(!rotated.body.contains("sk-rotated-key-WXYZ"));
        QCOMPARE(rotated.json().value(QLatin1String("name")).toString(), QStringLiteral("crud-up")); // untouched fields stay

        const HttpResult remodelled = admin("PATCH", QStringLiteral("/admin/v1/upstreams/") + id, QJsonObject{{QStringLiteral("models"), QJsonArray{QStringLiteral("gpt-c")}}});
        QCOMPARE(remodelled.status, 200);
        QCOMPARE(remodelled.json().value(QLatin1String("models")).toArray(), QJsonArray{QStringLiteral("gpt-c")});
        QCOMPARE(admin("GET", QStringLiteral("/admin/v1/upstreams/") + id).json().value(QLatin1String("models")).toArray(), QJsonArray{QStringLiteral("gpt-c")});
        QCOMPARE(admin("GET", QStringLiteral("/admin/v1/upstreams/") + id).json().value(QLatin1String("api_key")).toString(), QStringLiteral("…WXYZ"));

        // Names are unique, on create and on rename.
        HttpResult dup = admin("POST", QStringLiteral("/admin/v1/upstreams"), with(create, QStringLiteral("name"), QStringLiteral("fake")));
        QString problem = errorProblem(dup, 409);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        dup = admin("PATCH", QStringLiteral("/admin/v1/upstreams/") + id, QJsonObject{{QStringLiteral("name"), QStringLiteral("fake")}});
        problem = errorProblem(dup, 409);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(admin("GET", QStringLiteral("/admin/v1/upstreams/") + id).json().value(QLatin1String("name")).toString(), QStringLiteral("crud-up"));

        // Unknown ids.
        for (const QByteArray &method : {QByteArray("GET"), QByteArray("PATCH"), QByteArray("DELETE")}) {
            const HttpResult r = admin(method, QStringLiteral("/admin/v1/upstreams/up_does_not_exist"), method == "PATCH" ? QByteArray(R"({"models":["x"]})") : QByteArray());
            problem = errorProblem(r, 404);
            QVERIFY2(problem.isEmpty(), qPrintable(QString(QString::fromLatin1(method) + QStringLiteral(": ") + problem)));
        }

        const HttpResult deleted = admin("DELETE", QStringLiteral("/admin/v1/upstreams/") + id);
        QCOMPARE(deleted.status, 204);
        QVERIFY(deleted.body.isEmpty());
        QCOMPARE(admin("GET", QStringLiteral("/admin/v1/upstreams/") + id).status, 404);
        QVERIFY(findById(admin("GET", QStringLiteral("/admin/v1/upstreams")).data(), id).isEmpty());
        QCOMPARE(admin("DELETE", QStringLiteral("/admin/v1/upstreams/") + id).status, 404);
    }

    void upstreamBadInput_data()
    {
        QTest::addColumn<bool>("patch");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("code");
        const QJsonObject ok{{QStringLiteral("name"), QStringLiteral("bad-input-up")},
                             {QStringLiteral("base_url"), QStringLiteral("http://127.0.0.1:9/v1")},
                             {QStringLiteral("api_key"), QStringLiteral("sk-bad-input")},
                             {QStringLiteral("models"), QJsonArray{QStringLiteral("x")}}};
        const QString any; // only the status and the shape are pinned
        QTest::newRow("missing name") << false << compact(without(ok, QStringLiteral("name"))) << any;
        QTest::newRow("missing base_url") << false << compact(without(ok, QStringLiteral("base_url"))) << any;
        QTest::newRow("missing api_key") << false << compact(without(ok, QStringLiteral("api_key"))) << any;
        QTest::newRow("missing models") << false << compact(without(ok, QStringLiteral("models"))) << any;
        QTest::newRow("empty name") << false << compact(with(ok, QStringLiteral("name"), QStringLiteral("  "))) << any;
        QTest::newRow("name not string") << false << compact(with(ok, QStringLiteral("name"), 42)) << any;
        QTest::newRow("empty api_key") << false << compact(with(ok, QStringLiteral("api_key"), QString())) << any;
        QTest::newRow("api_key not string") << false << compact(with(ok, QStringLiteral("api_key"), QJsonArray{QStringLiteral("k")})) << any;
        QTest::newRow("ftp url") << false << compact(with(ok, QStringLiteral("base_url"), QStringLiteral("ftp://127.0.0.1/v1"))) << any;
        QTest::newRow("no scheme") << false << compact(with(ok, QStringLiteral("base_url"), QStringLiteral("127.0.0.1:9/v1"))) << any;
        QTest::newRow("not a url") << false << compact(with(ok, QStringLiteral("base_url"), QStringLiteral("just words"))) << any;
        QTest::newRow("url with credentials") << false << compact(with(ok, QStringLiteral("base_url"), QStringLiteral("http://user:pw@127.0.0.1:9/v1"))) << any;
        QTest::newRow("url with query") << false << compact(with(ok, QStringLiteral("base_url"), QStringLiteral("http://127.0.0.1:9/v1?key=1"))) << any;
        QTest::newRow("url not string") << false << compact(with(ok, QStringLiteral("base_url"), 80)) << any;
        QTest::newRow("empty models") << false << compact(with(ok, QStringLiteral("models"), QJsonArray{})) << any;
        QTest::newRow("models not strings") << false << compact(with(ok, QStringLiteral("models"), QJsonArray{1, 2})) << any;
        QTest::newRow("models with empty name") << false << compact(with(ok, QStringLiteral("models"), QJsonArray{QStringLiteral("x"), QString()})) << any;
        QTest::newRow("models a string") << false << compact(with(ok, QStringLiteral("models"), QStringLiteral("x"))) << any;
        QTest::newRow("unknown field") << false << compact(with(ok, QStringLiteral("apikey"), QStringLiteral("typo"))) << "unknown_field";
        QTest::newRow("not json") << false << QByteArray("name=bad-input-up") << any;
        QTest::newRow("array") << false << QByteArray(R"([{"name":"bad-input-up"}])") << any;
        QTest::newRow("empty body") << false << QByteArray() << any;

        QTest::newRow("patch: empty models") << true << compact({{QStringLiteral("models"), QJsonArray{}}}) << any;
        QTest::newRow("patch: ftp url") << true << compact({{QStringLiteral("base_url"), QStringLiteral("ftp://x/v1")}}) << any;
        QTest::newRow("patch: url with credentials") << true << compact({{QStringLiteral("base_url"), QStringLiteral("https://a:b@x/v1")}}) << any;
        QTest::newRow("patch: empty api_key") << true << compact({{QStringLiteral("api_key"), QString()}}) << any;
        QTest::newRow("patch: name null") << true << compact({{QStringLiteral("name"), QJsonValue()}}) << any;
        QTest::newRow("patch: unknown field") << true << compact({{QStringLiteral("models"), QJsonArray{QStringLiteral("z")}}, {QStringLiteral("id"), QStringLiteral("up_x")}})
                                              << "unknown_field";
        QTest::newRow("patch: valid field with a bad one") << true
                                                           << compact({{QStringLiteral("models"), QJsonArray{QStringLiteral("z")}}, {QStringLiteral("base_url"), QStringLiteral("nope")}})
                                                           << any;
        QTest::newRow("patch: not json") << true << QByteArray("{") << any;
    }

    void upstreamBadInput()
    {
        QFETCH(bool, patch);
        QFETCH(QByteArray, body);
        QFETCH(QString, code);
        const QByteArray before = listBody(QStringLiteral("/admin/v1/upstreams"));
        QVERIFY(before.contains(gw->upstreamId.toLatin1()));

        const HttpResult r = patch ? admin("PATCH", QStringLiteral("/admin/v1/upstreams/") + gw->upstreamId, body)
                                   : admin("POST", QStringLiteral("/admin/v1/upstreams"), body);
        const QString problem = errorProblem(r, 400);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        if (!code.isEmpty())
            QCOMPARE(r.errorCode(), code);
        QCOMPARE(listBody(QStringLiteral("/admin/v1/upstreams")), before);
    }

    void tenantCrud()
    {
        const QString callback = QStringLiteral("https://tenant.example.com/hooks/usage");
        const HttpResult created = admin("POST", QStringLiteral("/admin/v1/tenants"),
                                         QJsonObject{{QStringLiteral("name"), QStringLiteral("Globex")}, {QStringLiteral("callback_url"), callback}});
        QCOMPARE(created.status, 201);
        const QJsonObject t = created.json();
        const QString id = t.value(QLatin1String("id")).toString();
        const QString secret = t.value(QLatin1String("callback_secret")).toString();
        QVERIFY(!id.isEmpty());
        QVERIFY(secret.size() >= 16);
        QCOMPARE(t.value(QLatin1String("name")).toString(), QStringLiteral("Globex"));
        QCOMPARE(t.value(QLatin1String("callback_url")).toString(), callback);
        QVERIFY(t.value(QLatin1String("token_quota")).isNull());
        QVERIFY(t.value(QLatin1String("tokens_used")).isDouble());
        QCOMPARE(t.value(QLatin1String("tokens_used")).toInteger(), 0);

        // The callback secret is shown once: never on reads.
        const HttpResult got = admin("GET", QStringLiteral("/admin/v1/tenants/") + id);
        QCOMPARE(got.status, 200);
        QVERIFY(!got.json().contains(QLatin1String("callback_secret")));
        QVERIFY(!got.body.contains(secret.toLatin1()));
        QCOMPARE(got.json().value(QLatin1String("tokens_used")).toInteger(-1), 0);
        const HttpResult list = admin("GET", QStringLiteral("/admin/v1/tenants"));
        QCOMPARE(list.status, 200);
        QCOMPARE(findById(list.data(), id).value(QLatin1String("name")).toString(), QStringLiteral("Globex"));
        QVERIFY(!list.body.contains(secret.toLatin1()));
        QVERIFY(!list.body.contains(gw->callbackSecret));
        for (const QJsonValue &v : list.data())
            QVERIFY(!v.toObject().contains(QLatin1String("callback_secret")));

        // A quota given at creation.
        const HttpResult quota = admin("POST", QStringLiteral("/admin/v1/tenants"),
                                       QJsonObject{{QStringLiteral("name"), QStringLiteral("Initech")}, {QStringLiteral("callback_url"), callback},
                                                   {QStringLiteral("token_quota"), 5000}});
        QCOMPARE(quota.status, 201);
        QCOMPARE(quota.json().value(QLatin1String("token_quota")).toInteger(), 5000);
        const QString quotaId = quota.json().value(QLatin1String("id")).toString();
        QVERIFY(quota.json().value(QLatin1String("callback_secret")).toString() != secret);

        // Patch name and quota, then lift the quota with null.
        HttpResult patched = admin("PATCH", QStringLiteral("/admin/v1/tenants/") + id,
                                   QJsonObject{{QStringLiteral("name"), QStringLiteral("Globex Corp")}, {QStringLiteral("token_quota"), 12345}});
        QCOMPARE(patched.status, 200);
        QCOMPARE(patched.json().value(QLatin1String("name")).toString(), QStringLiteral("Globex Corp"));
        QCOMPARE(patched.json().value(QLatin1String("token_quota")).toInteger(), 12345);
        QCOMPARE(patched.json().value(QLatin1String("callback_url")).toString(), callback);
        QVERIFY(!patched.json().contains(QLatin1String("callback_secret")));
        patched = admin("PATCH", QStringLiteral("/admin/v1/tenants/") + id,
                        QJsonObject{{QStringLiteral("token_quota"), QJsonValue()}, {QStringLiteral("callback_url"), QStringLiteral("http://127.0.0.1:9/other")}});
        QCOMPARE(patched.status, 200);
        QVERIFY(patched.json().value(QLatin1String("token_quota")).isNull());
        QCOMPARE(patched.json().value(QLatin1String("name")).toString(), QStringLiteral("Globex Corp"));
        const QJsonObject reread = admin("GET", QStringLiteral("/admin/v1/tenants/") + id).json();
        QVERIFY(reread.value(QLatin1String("token_quota")).isNull());
        QCOMPARE(reread.value(QLatin1String("callback_url")).toString(), QStringLiteral("http://127.0.0.1:9/other"));

        // Unknown ids.
        for (const QByteArray &method : {QByteArray("GET"), QByteArray("PATCH"), QByteArray("DELETE")}) {
            const HttpResult r = admin(method, QStringLiteral("/admin/v1/tenants/tn_does_not_exist"), method == "PATCH" ? QByteArray(R"({"name":"x"})") : QByteArray());
            const QString problem = errorProblem(r, 404);
            QVERIFY2(problem.isEmpty(), qPrintable(QString(QString::fromLatin1(method) + QStringLiteral(": ") + problem)));
        }

        for (const QString &victim : {id, quotaId}) {
            QCOMPARE(admin("DELETE", QStringLiteral("/admin/v1/tenants/") + victim).status, 204);
            QCOMPARE(admin("GET", QStringLiteral("/admin/v1/tenants/") + victim).status, 404);
            QCOMPARE(admin("DELETE", QStringLiteral("/admin/v1/tenants/") + victim).status, 404);
        }
        const HttpResult after = admin("GET", QStringLiteral("/admin/v1/tenants"));
        QVERIFY(findById(after.data(), id).isEmpty());
        QVERIFY(!findById(after.data(), gw->tenantId).isEmpty());
    }

    void tenantBadInput_data()
    {
        QTest::addColumn<bool>("patch");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("code");
        const QJsonObject ok{{QStringLiteral("name"), QStringLiteral("Bad Input Inc")},
                             {QStringLiteral("callback_url"), QStringLiteral("https://bad.example.com/cb")},
                             {QStringLiteral("token_quota"), 100}};
        const QString any;
        QTest::newRow("missing name") << false << compact(without(ok, QStringLiteral("name"))) << any;
        QTest::newRow("empty name") << false << compact(with(ok, QStringLiteral("name"), QString())) << any;
        QTest::newRow("name not string") << false << compact(with(ok, QStringLiteral("name"), true)) << any;
        QTest::newRow("missing callback_url") << false << compact(without(ok, QStringLiteral("callback_url"))) << any;
        QTest::newRow("callback_url null") << false << compact(with(ok, QStringLiteral("callback_url"), QJsonValue())) << any;
        QTest::newRow("callback_url ftp") << false << compact(with(ok, QStringLiteral("callback_url"), QStringLiteral("ftp://bad.example.com/cb"))) << any;
        QTest::newRow("callback_url not a url") << false << compact(with(ok, QStringLiteral("callback_url"), QStringLiteral("call me maybe"))) << any;
        QTest::newRow("callback_url with credentials") << false << compact(with(ok, QStringLiteral("callback_url"), QStringLiteral("https://u:p@bad.example.com/cb"))) << any;
        QTest::newRow("callback_url number") << false << compact(with(ok, QStringLiteral("callback_url"), 443)) << any;
        QTest::newRow("negative quota") << false << compact(with(ok, QStringLiteral("token_quota"), -1)) << any;
        QTest::newRow("fractional quota") << false << compact(with(ok, QStringLiteral("token_quota"), 10.5)) << any;
        QTest::newRow("string quota") << false << compact(with(ok, QStringLiteral("token_quota"), QStringLiteral("100"))) << any;
        QTest::newRow("boolean quota") << false << compact(with(ok, QStringLiteral("token_quota"), true)) << any;
        QTest::newRow("huge quota") << false << compact(with(ok, QStringLiteral("token_quota"), 1e300)) << any;
        QTest::newRow("unknown field") << false << compact(with(ok, QStringLiteral("quota"), 100)) << "unknown_field";
        QTest::newRow("callback_secret not settable") << false << compact(with(ok, QStringLiteral("callback_secret"), QStringLiteral("mine"))) << "unknown_field";
        QTest::newRow("tokens_used not settable") << false << compact(with(ok, QStringLiteral("tokens_used"), 0)) << "unknown_field";
        QTest::newRow("not json") << false << QByteArray("<tenant/>") << any;
        QTest::newRow("array") << false << QByteArray("[]") << any;

        QTest::newRow("patch: negative quota") << true << compact({{QStringLiteral("token_quota"), -5}}) << any;
        QTest::newRow("patch: fractional quota") << true << compact({{QStringLiteral("token_quota"), 0.25}}) << any;
        QTest::newRow("patch: string quota") << true << compact({{QStringLiteral("token_quota"), QStringLiteral("lots")}}) << any;
        QTest::newRow("patch: bad url") << true << compact({{QStringLiteral("callback_url"), QStringLiteral("file:///etc/passwd")}}) << any;
        QTest::newRow("patch: empty name") << true << compact({{QStringLiteral("name"), QStringLiteral(" ")}}) << any;
        QTest::newRow("patch: tokens_used") << true << compact({{QStringLiteral("tokens_used"), 0}}) << "unknown_field";
        QTest::newRow("patch: good name with bad quota") << true << compact({{QStringLiteral("name"), QStringLiteral("Renamed")}, {QStringLiteral("token_quota"), -1}}) << any;
    }

    void tenantBadInput()
    {
        QFETCH(bool, patch);
        QFETCH(QByteArray, body);
        QFETCH(QString, code);
        const QByteArray before = listBody(QStringLiteral("/admin/v1/tenants"));
        QVERIFY(before.contains(gw->tenantId.toLatin1()));

        const HttpResult r = patch ? admin("PATCH", QStringLiteral("/admin/v1/tenants/") + gw->tenantId, body)
                                   : admin("POST", QStringLiteral("/admin/v1/tenants"), body);
        const QString problem = errorProblem(r, 400);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        if (!code.isEmpty())
            QCOMPARE(r.errorCode(), code);
        QCOMPARE(listBody(QStringLiteral("/admin/v1/tenants")), before);
    }

    void listBadQuery_data()
    {
        // Bad paging parameters of the lists get 400 invalid_value naming the parameter.
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("param");
        auto cursor = [](const char *text) { return QString::fromLatin1(QByteArray(text).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)); };
        for (const char *list : {"requests", "callbacks"}) {
            const QString path = QStringLiteral("/admin/v1/%1?").arg(QLatin1String(list));
            QTest::addRow("%s: limit 0", list) << path + QStringLiteral("limit=0") << QStringLiteral("limit");
            QTest::addRow("%s: limit 1001", list) << path + QStringLiteral("limit=1001") << QStringLiteral("limit");
            QTest::addRow("%s: limit not a number", list) << path + QStringLiteral("limit=ten") << QStringLiteral("limit");
            QTest::addRow("%s: negative offset", list) << path + QStringLiteral("offset=-1") << QStringLiteral("offset");
            QTest::addRow("%s: since not a time", list) << path + QStringLiteral("since=yesterday") << QStringLiteral("since");
            QTest::addRow("%s: cursor not base64url", list) << path + QStringLiteral("cursor=a*b") << QStringLiteral("cursor");
            QTest::addRow("%s: cursor of two parts", list) << path + QStringLiteral("cursor=") + cursor("s\nreq_1") << QStringLiteral("cursor");
            QTest::addRow("%s: cursor of another section", list) << path + QStringLiteral("cursor=") + cursor("x\n1\nreq_1") << QStringLiteral("cursor");
            QTest::addRow("%s: cursor without an id", list) << path + QStringLiteral("cursor=") + cursor("s\n1\n") << QStringLiteral("cursor");
            QTest::addRow("%s: cursor and offset", list) << path + QStringLiteral("offset=0&cursor=") + cursor("s\n1\nreq_1") << QStringLiteral("cursor");
        }
        const QString requests = QStringLiteral("/admin/v1/requests?cursor=");
        QTest::newRow("requests: a time that is not a number") << requests + cursor("s\nreq_1\nreq_1") << QStringLiteral("cursor");
        QTest::newRow("requests: a negative time") << requests + cursor("j\n-5\nreq_1") << QStringLiteral("cursor");
        QTest::newRow("requests: the callbacks' section") << requests + cursor("f\n1\ndlv_1") << QStringLiteral("cursor");
        QTest::newRow("callbacks: the request log's section") << QStringLiteral("/admin/v1/callbacks?cursor=") + cursor("j\n1\nreq_1") << QStringLiteral("cursor");
        QTest::newRow("callbacks: a first attempt's time not a number") << QStringLiteral("/admin/v1/callbacks?cursor=") + cursor("f\nreq_1\ndlv_1")
                                                                      << QStringLiteral("cursor");
    }

    void listBadQuery()
    {
        QFETCH(QString, query);
        QFETCH(QString, param);
        const HttpResult r = admin("GET", query);
        const QString problem = errorProblem(r, 400);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_value"));
        QVERIFY2(r.errorMessage().contains(QLatin1Char('"') + param + QLatin1Char('"')), qPrintable(r.errorMessage()));
    }

    void tenantKeys()
    {
        const QString keysPath = QStringLiteral("/admin/v1/tenants/%1/keys").arg(gw->tenantId);
        const HttpResult issued = admin("POST", keysPath, QByteArray("{}"));
        QCOMPARE(issued.status, 201);
        const QString keyId = issued.json().value(QLatin1String("id")).toString();
        const QByteArray key = issued.json().value(QLatin1String("key")).toString().toLatin1();
        QVERIFY(!keyId.isEmpty());
        QVERIFY(key.size() >= 32);
        QVERIFY(key != gw->tenantKey);

        // Listing never shows a key again: only its id, algorithm, tail and dates.
        const HttpResult list = admin("GET", keysPath);
        QCOMPARE(list.status, 200);
        QVERIFY(!list.body.contains(key));
        QVERIFY(!list.body.contains(gw->tenantKey));
        const QJsonObject listed = findById(list.data(), keyId);
        QStringList fields = listed.keys();
        fields.sort();
        QCOMPARE(fields, (QStringList{QStringLiteral("active"), QStringLiteral("alg"), QStringLiteral("created_at"), QStringLiteral("id"),
                                      QStringLiteral("key_tail"), QStringLiteral("last_used_at"), QStringLiteral("revoked_at")}));
        QCOMPARE(listed.value(QLatin1String("alg")).toString(), QStringLiteral("HS256"));
        QCOMPARE(listed.value(QLatin1String("key_tail")).toString(), QString(QStringLiteral("…") + QString::fromLatin1(key.right(4))));
        QCOMPARE(listed.value(QLatin1String("active")).toBool(), true);
        QVERIFY(listed.value(QLatin1String("revoked_at")).isNull());
        QVERIFY(!findById(list.data(), gw->tenantKeyId).isEmpty());

        // A dynamic key signed with the new tenant key works; one minted now is kept for after the revoke.
        QCOMPARE(gw->chat(gw->mint({}, key), Gateway::chatBody()).status, 200);
        const QByteArray minted = gw->mint({}, key);
        const QByteArray mintedWithKid = gw->mint({}, key, {{QStringLiteral("kid"), keyId}});

        const HttpResult revoked = admin("DELETE", keysPath + QStringLiteral("/") + keyId);
        QCOMPARE(revoked.status, 204);
        // At once: the very next request with a key signed by it is refused.
        for (const QByteArray &dynamicKey : {minted, mintedWithKid, gw->mint({}, key)}) {
            const HttpResult refused = gw->chat(dynamicKey, Gateway::chatBody());
            const QString problem = errorProblem(refused, 401);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
        // The tenant's other key is untouched.
        QCOMPARE(gw->chat(gw->mint(), Gateway::chatBody()).status, 200);

        const QJsonObject after = findById(admin("GET", keysPath).data(), keyId);
        QCOMPARE(after.value(QLatin1String("active")).toBool(), false);
        QVERIFY(QDateTime::fromString(after.value(QLatin1String("revoked_at")).toString(), Qt::ISODateWithMs).isValid());

        // Revoking twice, or a key of the wrong tenant, or an unknown one: 404.
        QString problem = errorProblem(admin("DELETE", keysPath + QStringLiteral("/") + keyId), 404);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = errorProblem(admin("DELETE", keysPath + QStringLiteral("/tk_does_not_exist")), 404);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = errorProblem(admin("DELETE", QStringLiteral("/admin/v1/tenants/tn_other/keys/") + gw->tenantKeyId), 404);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(gw->chat(gw->mint(), Gateway::chatBody()).status, 200);

        // Issuing or listing for an unknown tenant: 404. A body other than {} is refused.
        problem = errorProblem(admin("POST", QStringLiteral("/admin/v1/tenants/tn_does_not_exist/keys"), QByteArray("{}")), 404);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = errorProblem(admin("GET", QStringLiteral("/admin/v1/tenants/tn_does_not_exist/keys")), 404);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const QByteArray keysBefore = listBody(keysPath);
        for (const QByteArray &body : {QByteArray(R"({"alg":"none"})"), QByteArray(R"({"key":"my-own-key"})"), QByteArray("[]")}) {
            problem = errorProblem(admin("POST", keysPath, body), 400);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
        QCOMPARE(listBody(keysPath), keysBefore);
    }

    void auditLog()
    {
        const QString upstreamKey = QStringLiteral("sk-audit-upstream-secret-5150");
        const QString rotatedKey = QStringLiteral("sk-audit-rotated-secret-8086");
        const HttpResult up = admin("POST", QStringLiteral("/admin/v1/upstreams"),
                                    QJsonObject{{QStringLiteral("name"), QStringLiteral("audited")}, {QStringLiteral("base_url"), QStringLiteral("http://127.0.0.1:9/v1")},
                                                {QStringLiteral("api_key"), upstreamKey}, {QStringLiteral("models"), QJsonArray{QStringLiteral("a1")}}});
        QCOMPARE(up.status, 201);
        const QString upId = up.json().value(QLatin1String("id")).toString();
        QCOMPARE(admin("PATCH", QStringLiteral("/admin/v1/upstreams/") + upId, QJsonObject{{QStringLiteral("api_key"), rotatedKey}}).status, 200);
        const HttpResult tenant = admin("POST", QStringLiteral("/admin/v1/tenants"),
                                        QJsonObject{{QStringLiteral("name"), QStringLiteral("Audited Ltd")}, {QStringLiteral("callback_url"), QStringLiteral("http://127.0.0.1:9/cb")}});
        QCOMPARE(tenant.status, 201);
        const QString tenantId = tenant.json().value(QLatin1String("id")).toString();
        const QByteArray callbackSecret = tenant.json().value(QLatin1String("callback_secret")).toString().toLatin1();
        const HttpResult key = admin("POST", QStringLiteral("/admin/v1/tenants/%1/keys").arg(tenantId), QByteArray("{}"));
        QCOMPARE(key.status, 201);
        const QString keyId = key.json().value(QLatin1String("id")).toString();
        const QByteArray keySecret = key.json().value(QLatin1String("key")).toString().toLatin1();
        QCOMPARE(admin("DELETE", QStringLiteral("/admin/v1/tenants/%1/keys/%2").arg(tenantId, keyId)).status, 204);
        QCOMPARE(admin("DELETE", QStringLiteral("/admin/v1/upstreams/") + upId).status, 204);

        // The time window applies: nothing before 2000, everything up to now.
        QCOMPARE(admin("GET", QStringLiteral("/admin/v1/audit?until=2000-01-01T00:00:00Z")).json().value("data").toArray().size(), 0);
        QVERIFY(admin("GET", QStringLiteral("/admin/v1/audit?since=2000-01-01T00:00:00Z")).json().value("data").toArray().size() > 0);
        QCOMPARE(admin("GET", QStringLiteral("/admin/v1/callbacks?since=2999-01-01T00:00:00Z")).json().value("total").toInt(), 0);
        const HttpResult audit = admin("GET", QStringLiteral("/admin/v1/audit?limit=1000"));
        QCOMPARE(audit.status, 200);
        const QJsonArray entries = audit.data();
        auto has = [&](const QString &action, const QString &target) {
            for (const QJsonValue &v : entries) {
                const QJsonObject e = v.toObject();
                if (e.value(QLatin1String("action")).toString() == action && e.value(QLatin1String("target")).toString() == target)
                    return e.value(QLatin1String("actor")).toString() == QLatin1String("admin")
                        && QDateTime::fromString(e.value(QLatin1String("at")).toString(), Qt::ISODateWithMs).isValid();
            }
            return false;
        };
        QVERIFY2(has(QStringLiteral("upstream.create"), upId), audit.body.constData());
        QVERIFY2(has(QStringLiteral("upstream.update"), upId), audit.body.constData());
        QVERIFY2(has(QStringLiteral("upstream.delete"), upId), audit.body.constData());
        QVERIFY2(has(QStringLiteral("tenant.create"), tenantId), audit.body.constData());
        QVERIFY2(has(QStringLiteral("tenant_key.issue"), keyId), audit.body.constData());
        QVERIFY2(has(QStringLiteral("tenant_key.revoke"), keyId), audit.body.constData());
        // The Gateway's own seeding is there too.
        QVERIFY(has(QStringLiteral("tenant.create"), gw->tenantId));
        QVERIFY(has(QStringLiteral("tenant_key.issue"), gw->tenantKeyId));

        for (const QByteArray &secret : {upstreamKey.toLatin1(), rotatedKey.toLatin1(), callbackSecret, keySecret, gw->tenantKey, gw->callbackSecret,
                                         QByteArray("sk-upstream-test-key-0001"), gw->adminToken, QByteArray(ServerProcess::kAdminPassword)})
            QVERIFY2(!audit.body.contains(secret), secret.constData());
    }

    void secretsAtRest()
    {
        Gateway local;
        QString why;
        QVERIFY2(local.setUp(&why), qPrintable(why));
        const QByteArray upstreamKey = "sk-AtRest-Distinctive-Upstream-Q7X2";
        const HttpResult up = local.http.post(QStringLiteral("/admin/v1/upstreams"),
                                              {{QStringLiteral("name"), QStringLiteral("at-rest-upstream")}, {QStringLiteral("base_url"), QStringLiteral("http://127.0.0.1:9/v1")},
                                               {QStringLiteral("api_key"), QString::fromLatin1(upstreamKey)}, {QStringLiteral("models"), QJsonArray{QStringLiteral("r1")}}},
                                              local.adminToken);
        QCOMPARE(up.status, 201);
        const HttpResult second = local.http.post(QStringLiteral("/admin/v1/tenants/%1/keys").arg(local.tenantId), {}, local.adminToken);
        QCOMPARE(second.status, 201);
        const QByteArray secondKey = second.json().value(QLatin1String("key")).toString().toLatin1();

        // Use every secret once, so any logging or caching on the way has a chance to leak it.
        QCOMPARE(local.chat(local.mint(), Gateway::chatBody()).status, 200);
        QCOMPARE(local.upstream.http().requests.last().headers.value("authorization"), QByteArray("Bearer sk-upstream-test-key-0001"));
        QVERIFY(waitFor([&] { return local.receiver.acknowledged().size() == 1; }));
        QCOMPARE(local.chat(local.mint({}, secondKey), Gateway::chatBody()).status, 200);
        const HttpResult minted = local.http.send("POST", QStringLiteral("/v1/dynamic-keys"),
                                                  compact({{QStringLiteral("model"), QStringLiteral("m1")}, {QStringLiteral("max_tokens"), 50}, {QStringLiteral("ttl_seconds"), 60}}),
                                                  bearer(secondKey));
        QCOMPARE(minted.status, 200);
        // Failed attempts with secrets in odd places must not be logged either.
        local.chat(local.mint({}, QByteArray("wrong-" + secondKey)), Gateway::chatBody());
        local.http.send("POST", QStringLiteral("/v1/dynamic-keys"), QByteArray("{}"), bearer(QByteArray(upstreamKey + "-not-a-tenant-key")));
        local.http.loginAsAdmin(QString::fromLatin1(upstreamKey));

        local.server.stop();
        const QList<QPair<QString, QByteArray>> files = filesUnder(local.server.dataDir());
        QVERIFY(!files.isEmpty());
        bool sawDatabase = false;
        QByteArray everything;
        for (const auto &[name, bytes] : files) {
            sawDatabase = sawDatabase || name == local.server.databasePath();
            everything += bytes;
        }
        QVERIFY(sawDatabase);
        // Positive control: the data is there in readable form, only the secrets are not.
        QVERIFY(everything.contains("at-rest-upstream"));
        QVERIFY(everything.contains(local.tenantId.toLatin1()));

        const QByteArray output = local.server.output();
        const QList<QByteArray> secrets{upstreamKey, QByteArray("sk-upstream-test-key-0001"), local.tenantKey, secondKey,
                                        local.callbackSecret, local.adminToken, minted.token(),
                                        QByteArray(ServerProcess::kAdminPassword)};
        for (const QByteArray &secret : secrets) {
            QVERIFY(secret.size() >= 16);
            for (const auto &[name, bytes] : files)
                QVERIFY2(!bytes.contains(secret), qPrintable(QStringLiteral("%1 holds a secret in plaintext").arg(name)));
            QVERIFY2(!output.contains(secret), "the server's output holds a secret");
        }
        // The tenant key must not leak partially either (e.g. its body without the prefix).
        QVERIFY(!everything.contains(local.tenantKey.mid(4)));
        QVERIFY(!output.contains(local.tenantKey.mid(4)));
    }

    void requestEventIndexFollowsItsSetting()
    {
        // --request-event-index off drops the request log's index by event id at start-up, and on
        // (the default) makes it again; the event filter answers the same either way.
        Gateway local({QStringLiteral("--request-event-index"), QStringLiteral("off")});
        QString why;
        QVERIFY2(local.setUp(&why), qPrintable(why));
        for (const char *event : {"evt-index-a", "evt-index-a", "evt-index-b"})
            QCOMPARE(local.chat(local.mint({{QStringLiteral("event_id"), QLatin1String(event)}}), Gateway::chatBody()).status, 200);
        QVERIFY(waitFor([&] { return local.requestLog().size() == 3; }));
        auto eventTotals = [&] {
            QList<qint64> totals;
            for (const char *event : {"evt-index-a", "evt-index-b", "evt-index-none"})
                totals.append(local.http.get(QStringLiteral("/admin/v1/requests?event_id=%1").arg(QLatin1String(event)), local.adminToken)
                                  .json().value(QLatin1String("total")).toInteger(-1));
            return totals;
        };
        const QList<qint64> expected{2, 1, 0};
        QCOMPARE(eventTotals(), expected);
        QVERIFY(!hasIndex(local.server.databasePath(), QStringLiteral("requests_event")));
        QVERIFY(hasIndex(local.server.databasePath(), QStringLiteral("requests_time"))); // the probe sees indexes

        for (const bool on : {true, false}) {
            local.server.stop();
            local.server.arguments() = on ? QStringList{} : QStringList{QStringLiteral("--request-event-index=off")};
            QVERIFY2(local.server.start(), local.server.output().constData());
            local.http.setOrigin(local.server.origin());
            const HttpResult login = local.http.loginAsAdmin();
            QCOMPARE(login.status, 200);
            local.adminToken = login.token();
            QCOMPARE(hasIndex(local.server.databasePath(), QStringLiteral("requests_event")), on);
            QCOMPARE(eventTotals(), expected);
        }
    }

    void survivesRestart()
    {
        Gateway local;
        QString why;
        QVERIFY2(local.setUp(&why), qPrintable(why));
        const QByteArray minted = local.mint({{QStringLiteral("max_tokens"), 100}});
        QCOMPARE(local.chat(minted, Gateway::chatBody()).status, 200);
        // A second tenant key, revoked: it must stay revoked across the restart.
        const HttpResult second = local.http.post(QStringLiteral("/admin/v1/tenants/%1/keys").arg(local.tenantId), {}, local.adminToken);
        QCOMPARE(second.status, 201);
        const QByteArray revokedKey = second.json().value(QLatin1String("key")).toString().toLatin1();
        QCOMPARE(local.http.del(QStringLiteral("/admin/v1/tenants/%1/keys/%2").arg(local.tenantId, second.json().value(QLatin1String("id")).toString()),
                                local.adminToken).status, 204);
        QVERIFY(waitFor([&] { return local.receiver.acknowledged().size() == 1; }));

        local.server.stop();
        QVERIFY(!local.server.isRunning());
        QVERIFY2(local.server.start(), local.server.output().constData());
        local.http.setOrigin(local.server.origin());

        const HttpResult login = local.http.loginAsAdmin();
        QCOMPARE(login.status, 200);
        const QByteArray token = login.token();
        const HttpResult tenants = local.http.get(QStringLiteral("/admin/v1/tenants"), token);
        QCOMPARE(tenants.status, 200);
        const QJsonObject tenant = findById(tenants.data(), local.tenantId);
        QCOMPARE(tenant.value(QLatin1String("name")).toString(), QStringLiteral("Acme"));
        QCOMPARE(tenant.value(QLatin1String("tokens_used")).toInteger(), 14);
        QCOMPARE(findById(local.http.get(QStringLiteral("/admin/v1/upstreams"), token).data(), local.upstreamId).value(QLatin1String("api_key")).toString(),
                 QStringLiteral("…0001"));

        // The key minted before the restart still works, and so does the stored upstream key.
        const HttpResult again = local.chat(minted, Gateway::chatBody());
        QCOMPARE(again.status, 200);
        QCOMPARE(local.upstream.http().requests.last().headers.value("authorization"), QByteArray("Bearer sk-upstream-test-key-0001"));
        QCOMPARE(local.chat(local.mint(), Gateway::chatBody()).status, 200);
        QCOMPARE(local.chat(local.mint({}, revokedKey), Gateway::chatBody()).status, 401);
        QVERIFY(waitFor([&] { return local.receiver.acknowledged().size() == 3; }));
        for (const RecordedRequest &r : local.receiver.deliveries())
            QVERIFY(CallbackReceiver::signatureValid(r, local.callbackSecret));
    }
};

QTEST_GUILESS_MAIN(AdminApiTest)
#include "AdminApiTest.moc"

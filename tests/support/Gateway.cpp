#include "tests/support/Gateway.h"

#include "shared/Crypto.h"
#include "shared/Jwt.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <memory>
#include <vector>

namespace dynaseal::test {

bool Gateway::setUp(QString *why, std::optional<qint64> tokenQuota)
{
    if (!upstream.listen() || !receiver.listen()) {
        *why = QStringLiteral("cannot listen for the fakes");
        return false;
    }
    if (!server.start()) {
        *why = QStringLiteral("server did not start (%1): ").arg(server.exitSummary()) + QString::fromUtf8(server.output());
        return false;
    }
    http.setOrigin(server.origin());
    const HttpResult login = http.loginAsAdmin();
    adminToken = login.token();
    if (login.status != 200 || adminToken.isEmpty()) {
        *why = QStringLiteral("login failed: %1 %2").arg(login.status).arg(QString::fromUtf8(login.body));
        return false;
    }
    HttpResult up = http.post(QStringLiteral("/admin/v1/upstreams"),
                              {{QStringLiteral("name"), QStringLiteral("fake")}, {QStringLiteral("base_url"), upstream.baseUrl()},
                               {QStringLiteral("api_key"), QStringLiteral("sk-upstream-test-key-0001")},
                               {QStringLiteral("models"), QJsonArray{QStringLiteral("m1"), QStringLiteral("m2")}}},
                              adminToken);
    upstreamId = up.json().value(QLatin1String("id")).toString();
    QJsonObject tenant{{QStringLiteral("name"), QStringLiteral("Acme")}, {QStringLiteral("callback_url"), receiver.url()}};
    if (tokenQuota)
        tenant.insert(QStringLiteral("token_quota"), *tokenQuota);
    HttpResult t = http.post(QStringLiteral("/admin/v1/tenants"), tenant, adminToken);
    tenantId = t.json().value(QLatin1String("id")).toString();
    callbackSecret = t.json().value(QLatin1String("callback_secret")).toString().toLatin1();
    HttpResult k = http.post(QStringLiteral("/admin/v1/tenants/%1/keys").arg(tenantId), {}, adminToken);
    tenantKeyId = k.json().value(QLatin1String("id")).toString();
    tenantKey = k.json().value(QLatin1String("key")).toString().toLatin1();
    if (up.status != 201 || t.status != 201 || k.status != 201 || tenantKey.isEmpty()) {
        *why = QStringLiteral("seeding failed: upstream %1, tenant %2, key %3").arg(up.status).arg(t.status).arg(k.status);
        return false;
    }
    return true;
}

bool Gateway::startAnotherServer(ServerProcess &other, QString *why) const
{
    const QString masterKey = QStringLiteral("master.key");
    if (!QFile::copy(QDir(server.dataDir()).filePath(masterKey), QDir(other.dataDir()).filePath(masterKey))) {
        *why = QStringLiteral("cannot copy the master key");
        return false;
    }
    other.setDatabaseUrl(server.databaseUrl().isEmpty() ? QStringLiteral("sqlite:") + server.databasePath() : server.databaseUrl());
    if (!other.start()) {
        *why = QStringLiteral("the other server did not start (%1): ").arg(other.exitSummary()) + QString::fromUtf8(other.output());
        return false;
    }
    return true;
}

QByteArray Gateway::mint(const QJsonObject &claims, const QByteArray &secret, const QJsonObject &header) const
{
    QJsonObject payload{{QStringLiteral("api-key"), tenantId},
                        {QStringLiteral("model"), QStringLiteral("m1")},
                        {QStringLiteral("max_tokens"), 1000},
                        {QStringLiteral("expiring"), QDateTime::currentSecsSinceEpoch() + 600},
                        {QStringLiteral("event_id"), QString(QStringLiteral("evt-") + crypto::randomToken(6))}};
    for (auto it = claims.begin(); it != claims.end(); ++it) {
        if (it.value().isNull())
            payload.remove(it.key());
        else
            payload.insert(it.key(), it.value());
    }
    return jwt::signHs256(header, payload, secret.isEmpty() ? tenantKey : secret);
}

QByteArray Gateway::chatBody(const QString &model, bool stream, const QJsonObject &extra, const QString &content)
{
    QJsonObject body{{QStringLiteral("model"), model},
                     {QStringLiteral("messages"), QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), content}}}}};
    if (stream)
        body.insert(QStringLiteral("stream"), true);
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body.insert(it.key(), it.value());
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

HttpResult Gateway::chat(const QByteArray &dynamicKey, const QByteArray &body, const QString &path)
{
    return http.send("POST", path, body, TestHttp::bearer(dynamicKey));
}

QList<HttpResult> Gateway::chatTogether(const QList<QPair<QByteArray, QByteArray>> &calls, int clients)
{
    std::vector<std::unique_ptr<TestHttp>> connections;
    for (int i = 0; i < clients; ++i)
        connections.push_back(std::make_unique<TestHttp>(server.origin()));
    QList<QNetworkReply *> replies;
    for (int i = 0; i < calls.size(); ++i)
        replies.append(connections.at(size_t(i % clients))->start("POST", QStringLiteral("/v1/chat/completions"), calls.at(i).second,
                                                                  TestHttp::bearer(calls.at(i).first)));
    QList<HttpResult> results;
    for (QNetworkReply *reply : replies)
        results.append(TestHttp::wait(reply, 30'000));
    return results;
}

QJsonArray Gateway::requestLog()
{
    return http.get(QStringLiteral("/admin/v1/requests?limit=1000"), adminToken).json().value(QLatin1String("items")).toArray();
}

qint64 Gateway::tokensUsed()
{
    return http.get(QStringLiteral("/admin/v1/tenants/%1").arg(tenantId), adminToken).json().value(QLatin1String("tokens_used")).toInteger(-1);
}

} // namespace dynaseal::test

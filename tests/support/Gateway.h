#pragma once
// Everything most integration tests need, set up in one call: the real server, a fake upstream
// serving models "m1" and "m2", a callback receiver, an admin token, and a tenant with one key.
#include "tests/support/CallbackReceiver.h"
#include "tests/support/FakeUpstream.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttp.h"

#include <QJsonArray>
#include <QJsonObject>
#include <optional>

namespace dynaseal::test {

class Gateway
{
public:
    explicit Gateway(QStringList serverArgs = {}) : server(std::move(serverArgs)) {}

    // Starts everything and creates the upstream, tenant and key. False with a reason in *why.
    bool setUp(QString *why, std::optional<qint64> tokenQuota = std::nullopt);

    // A Dynaseal-format dynamic key for the tenant, HS256 over the tenant key. `claims` override
    // the defaults (model "m1", max_tokens 1000, expiring in 10 minutes, a fresh event_id); a
    // claim set to null is removed.
    QByteArray mint(const QJsonObject &claims = {}, const QByteArray &secret = {}, const QJsonObject &header = {}) const;
    static QByteArray chatBody(const QString &model = QStringLiteral("m1"), bool stream = false,
                               const QJsonObject &extra = {}, const QString &content = QStringLiteral("hello"));
    HttpResult chat(const QByteArray &dynamicKey, const QByteArray &body, const QString &path = QStringLiteral("/v1/chat/completions"));
    // Sends every (dynamic key, chat body) at once and waits for all answers, in the order given:
    // for budgets under concurrency. QNetworkAccessManager opens at most 6 connections per host,
    // so the calls are spread over `clients` clients to really be in flight together.
    QList<HttpResult> chatTogether(const QList<QPair<QByteArray, QByteArray>> &calls, int clients = 8);
    // The request log, newest first (test servers hold far fewer than 1000 rows).
    QJsonArray requestLog();
    // The tenant's tokens_used as the admin API reports it, or -1.
    qint64 tokensUsed();
    // Starts `other` as a second server on this one's database (its master key copied into the
    // other's data directory, which stays its own). False with a reason in *why.
    bool startAnotherServer(ServerProcess &other, QString *why) const;

    ServerProcess server;
    FakeUpstream upstream;
    CallbackReceiver receiver;
    TestHttp http;
    QByteArray adminToken;
    QString upstreamId;
    QString tenantId;
    QString tenantKeyId;
    QByteArray tenantKey;
    QByteArray callbackSecret;
};

} // namespace dynaseal::test

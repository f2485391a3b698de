#pragma once
// A blocking HTTP client for tests over QNetworkAccessManager: it spins the event loop while it
// waits, so fakes living in the test process keep serving.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace dynaseal::test {

struct HttpResult
{
    int status = 0; // 0: no HTTP answer (see error)
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;

    QByteArray header(const QByteArray &name) const;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QJsonArray data() const { return json().value(QLatin1String("data")).toArray(); }
    // The OpenAI error's "code", or empty.
    QString errorCode() const { return json().value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString(); }
    QString errorMessage() const { return json().value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString(); }
    // The answer's "token" (a login's session token, a minted dynamic key), or empty.
    QByteArray token() const { return json().value(QLatin1String("token")).toString().toLatin1(); }
    // The usage the device saw: the JSON body's, or that of the last SSE event carrying one.
    QJsonObject usage() const;
};

class TestHttp
{
public:
    explicit TestHttp(QString origin = {}) : m_origin(std::move(origin)) {}
    void setOrigin(const QString &origin) { m_origin = origin; }

    HttpResult send(const QByteArray &method, const QString &path, const QByteArray &body = {},
                    const QList<QPair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 20'000);
    HttpResult get(const QString &path, const QByteArray &bearer = {});
    HttpResult post(const QString &path, const QJsonObject &body, const QByteArray &bearer = {});
    HttpResult postRaw(const QString &path, const QByteArray &body, const QByteArray &bearer = {});
    HttpResult patch(const QString &path, const QJsonObject &body, const QByteArray &bearer = {});
    HttpResult del(const QString &path, const QByteArray &bearer = {});
    // POST /admin/v1/login as "admin" with `password`, by default the test servers' own
    // (ServerProcess::kAdminPassword); the session token is the answer's token().
    HttpResult loginAsAdmin(const QString &password = {});

    // Starts a request and returns at once (the reply is parented to this client's manager).
    QNetworkReply *start(const QByteArray &method, const QString &path, const QByteArray &body,
                         const QList<QPair<QByteArray, QByteArray>> &headers = {});
    static HttpResult wait(QNetworkReply *reply, int timeoutMs = 20'000);
    // An Authorization header for `start` and `send`.
    static QList<QPair<QByteArray, QByteArray>> bearer(const QByteArray &token) { return {{"Authorization", "Bearer " + token}}; }

    QNetworkAccessManager &manager() { return m_nam; }

private:
    QString m_origin;
    QNetworkAccessManager m_nam;
};

// Spins the event loop until `predicate` holds or `timeoutMs` passes; returns the predicate.
bool waitFor(const std::function<bool()> &predicate, int timeoutMs = 10'000);

} // namespace dynaseal::test

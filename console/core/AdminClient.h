#pragma once
// The console's asynchronous client for the admin API (and the two tenant-side calls the
// playground needs). Every call returns at once; the handler runs later on the GUI thread, and
// not at all if its context object is gone. Failures arrive as AdminError in plain words.
#include "console/core/AdminError.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QUrlQuery>

#include <functional>
#include <optional>

namespace dynaseal::console {

class CertificateTrust;

struct AdminReply
{
    int status = 0;
    QJsonObject object;
    std::optional<AdminError> error;

    bool ok() const { return !error.has_value(); }
    // The list of a list answer: "data" (short lists) or "items" (paged ones).
    QJsonArray list() const;
    qint64 total() const { return object.value(QLatin1String("total")).toInteger(list().size()); }
    // False when a long list counted its rows only up to the server's limit: there are more.
    bool totalExact() const { return object.value(QLatin1String("total_exact")).toBool(true); }
    // Where the next page of a list that pages by cursor starts, empty on its last page; nothing
    // from a list that pages by offset only (or a server from before cursors).
    std::optional<QString> nextCursor() const
    {
        if (!object.contains(QLatin1String("next_cursor")))
            return std::nullopt;
        return object.value(QLatin1String("next_cursor")).toString();
    }
};

// A page of a paged list: `limit` rows after `cursor` (a "next_cursor" the list gave, read in
// constant time) or, without one, after `offset` rows (which the server reads past).
struct PageRequest
{
    int limit = 100;
    int offset = 0;
    QString cursor;
};

using AdminHandler = std::function<void(const AdminReply &)>;

// Filters of GET /admin/v1/requests.
struct RequestQuery
{
    QString tenantId;
    QString model;
    QString status;
    QDateTime since;
    QDateTime until;
    PageRequest page;
};

// Filters of GET /admin/v1/usage.
struct UsageQuery
{
    bool hourly = false;
    QDateTime since;
    QDateTime until;
    QString tenantId;
    QString model;
};

class AdminClient : public QObject
{
    Q_OBJECT
public:
    explicit AdminClient(CertificateTrust *trust, QObject *parent = nullptr);

    void setServer(const QUrl &base);
    QUrl server() const { return m_base; }
    void setToken(const QByteArray &token) { m_token = token; }
    QByteArray token() const { return m_token; }
    void setUsername(const QString &name) { m_username = name; }
    QString username() const { return m_username; }
    bool hasSession() const { return !m_base.isEmpty() && !m_token.isEmpty(); }
    int pending() const { return m_pending; }

    QNetworkAccessManager *network() { return &m_nam; }
    CertificateTrust *trust() const { return m_trust; }
    // The absolute URL of a server path ("/admin/v1/tenants"), below the base URL's own path.
    QUrl url(const QString &path, const QUrlQuery &query = {}) const;
    // A request to `path` carrying `bearer` (the admin token when empty).
    QNetworkRequest request(const QString &path, const QUrlQuery &query = {}, const QByteArray &bearer = {}) const;

    // Raw call. `body` null: no body. `operation` names the action in error messages.
    void call(const QByteArray &verb, const QString &path, const QUrlQuery &query, const std::optional<QJsonObject> &body,
        const QString &operation, QObject *context, AdminHandler done, int timeoutMs = 30'000, const QByteArray &bearer = {});

    // Login: on success the token is kept for the following calls.
    void login(const QString &username, const QString &password, QObject *context, AdminHandler done);
    void logout(QObject *context, AdminHandler done);
    // Checks the token with the cheapest authenticated read.
    void checkSession(QObject *context, AdminHandler done);

    void listUpstreams(QObject *context, AdminHandler done);
    void createUpstream(const QJsonObject &fields, QObject *context, AdminHandler done);
    void updateUpstream(const QString &id, const QJsonObject &fields, QObject *context, AdminHandler done);
    void deleteUpstream(const QString &id, QObject *context, AdminHandler done);
    // POST /admin/v1/upstreams/{id}/test: {"ok","status","latency_ms","models","error"}.
    void testUpstream(const QString &id, QObject *context, AdminHandler done);

    void listTenants(QObject *context, AdminHandler done);
    void getTenant(const QString &id, QObject *context, AdminHandler done);
    void createTenant(const QJsonObject &fields, QObject *context, AdminHandler done);
    void updateTenant(const QString &id, const QJsonObject &fields, QObject *context, AdminHandler done);
    void deleteTenant(const QString &id, QObject *context, AdminHandler done);
    void listKeys(const QString &tenantId, QObject *context, AdminHandler done);
    void issueKey(const QString &tenantId, QObject *context, AdminHandler done);
    void revokeKey(const QString &tenantId, const QString &keyId, QObject *context, AdminHandler done);

    void listRequests(const RequestQuery &q, QObject *context, AdminHandler done);
    void usage(const UsageQuery &q, QObject *context, AdminHandler done);
    void listCallbacks(const QString &state, const QString &tenantId, const PageRequest &page, QObject *context, AdminHandler done);
    void retryCallback(const QString &id, QObject *context, AdminHandler done);
    void audit(const QDateTime &since, int limit, int offset, QObject *context, AdminHandler done);

    // POST /v1/dynamic-keys, authenticated with a tenant key (not the admin token).
    void mintDynamicKey(const QByteArray &tenantKey, const QJsonObject &body, QObject *context, AdminHandler done);

    // Unix seconds, the time format every server version accepts.
    static QString timeParam(const QDateTime &t) { return QString::number(t.toSecsSinceEpoch()); }

signals:
    // An admin call was refused because the token expired or was logged out.
    void sessionExpired(const AdminError &error);
    void pendingChanged(int pending);

private:
    static QString segment(const QString &id);
    // "limit", then "cursor" or "offset" (the server takes one of them).
    static QUrlQuery pageQuery(const PageRequest &page);
    void finish(QNetworkReply *reply, const QString &operation, QPointer<QObject> context, bool hasContext, AdminHandler done);

    QNetworkAccessManager m_nam;
    CertificateTrust *m_trust;
    QUrl m_base;
    QByteArray m_token;
    QString m_username;
    int m_pending = 0;
};

} // namespace dynaseal::console

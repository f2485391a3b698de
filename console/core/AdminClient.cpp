#include "console/core/AdminClient.h"

#include "console/core/CertificateTrust.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>

Q_LOGGING_CATEGORY(lcAdminClient, "dynaseal.console.client")

namespace dynaseal::console {

QJsonArray AdminReply::list() const
{
    if (object.contains(QLatin1String("data")))
        return object.value(QLatin1String("data")).toArray();
    return object.value(QLatin1String("items")).toArray();
}

AdminClient::AdminClient(CertificateTrust *trust, QObject *parent)
    : QObject(parent)
    , m_trust(trust)
{
    // Redirects would silently drop the Authorization header or send it elsewhere.
    m_nam.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

void AdminClient::setServer(const QUrl &base)
{
    QUrl clean = base.adjusted(QUrl::StripTrailingSlash | QUrl::RemoveQuery | QUrl::RemoveFragment);
    m_base = clean;
}

QString AdminClient::segment(const QString &id)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(id));
}

QUrlQuery AdminClient::pageQuery(const PageRequest &page)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QString::number(page.limit));
    if (page.cursor.isEmpty())
        q.addQueryItem(QStringLiteral("offset"), QString::number(page.offset));
    else
        q.addQueryItem(QStringLiteral("cursor"), page.cursor);
    return q;
}

QUrl AdminClient::url(const QString &path, const QUrlQuery &query) const
{
    QUrl u = m_base;
    u.setPath(m_base.path(QUrl::FullyEncoded) + path, QUrl::TolerantMode);
    if (!query.isEmpty())
        u.setQuery(query);
    return u;
}

QNetworkRequest AdminClient::request(const QString &path, const QUrlQuery &query, const QByteArray &bearer) const
{
    QNetworkRequest r(url(path, query));
    const QByteArray credential = bearer.isEmpty() ? m_token : bearer;
    if (!credential.isEmpty())
        r.setRawHeader("Authorization", "Bearer " + credential);
    r.setRawHeader("Accept", "application/json");
    r.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("dynaseal-console/" DYNASEAL_VERSION));
    r.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    return r;
}

void AdminClient::call(const QByteArray &verb, const QString &path, const QUrlQuery &query,
    const std::optional<QJsonObject> &body, const QString &operation, QObject *context, AdminHandler done, int timeoutMs,
    const QByteArray &bearer)
{
    QNetworkRequest r = request(path, query, bearer);
    r.setTransferTimeout(timeoutMs);
    QByteArray payload;
    if (body) {
        payload = QJsonDocument(*body).toJson(QJsonDocument::Compact);
        r.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    }
    QNetworkReply *reply = body ? m_nam.sendCustomRequest(r, verb, payload) : m_nam.sendCustomRequest(r, verb);
    if (m_trust)
        m_trust->watch(reply);
    ++m_pending;
    emit pendingChanged(m_pending);
    QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    connect(reply, &QNetworkReply::finished, this,
        [this, reply, operation, guard, hasContext, done] { finish(reply, operation, guard, hasContext, done); });
}

void AdminClient::finish(
    QNetworkReply *reply, const QString &operation, QPointer<QObject> context, bool hasContext, AdminHandler done)
{
    reply->deleteLater();
    --m_pending;
    emit pendingChanged(m_pending);

    AdminReply result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    if (result.status == 0) {
        const QUrl u = reply->url();
        if (reply->error() == QNetworkReply::SslHandshakeFailedError && m_trust && !m_trust->lastRefused(u).isNull()) {
            QStringList why;
            for (const QSslError &e : m_trust->lastErrors(u))
                why.append(e.errorString());
            result.error = AdminError::untrustedCertificate(u, why.join(QStringLiteral("; ")));
        } else {
            result.error = AdminError::fromNetwork(reply->error(), reply->errorString(), u);
        }
        qCInfo(lcAdminClient) << reply->operation() << u.path() << "failed:" << reply->errorString();
    } else if (result.status >= 300) {
        if (result.status >= 300 && result.status < 400) {
            result.error
                = AdminError::protocol(tr("The server redirected the request (HTTP %1) to %2.")
                                           .arg(result.status)
                                           .arg(reply->header(QNetworkRequest::LocationHeader).toUrl().toDisplayString()),
                    tr("Use the final address as the server URL (often https:// instead of http://)."));
        } else {
            result.error = AdminError::fromHttp(result.status, body, operation);
        }
        result.object = QJsonDocument::fromJson(body).object();
    } else if (!body.trimmed().isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError || !doc.isObject())
            result.error = AdminError::protocol(
                tr("The server's answer is not valid JSON."), tr("Check that the URL points at a Dynaseal server."));
        else
            result.object = doc.object();
    }

    // A refused token ends the session for every page; the login call reports its own errors.
    if (result.error && result.status == 401 && result.error->code == QLatin1String("invalid_token")
        && reply->url().path().contains(QLatin1String("/admin/v1/")))
        emit sessionExpired(*result.error);

    if (hasContext && !context)
        return;
    if (done)
        done(result);
}

void AdminClient::login(const QString &username, const QString &password, QObject *context, AdminHandler done)
{
    // The login call must not carry an old token: it is about to be replaced.
    m_token.clear();
    call("POST", QStringLiteral("/admin/v1/login"), {},
        QJsonObject { { QStringLiteral("username"), username }, { QStringLiteral("password"), password } }, tr("log in"), context,
        [this, username, done](const AdminReply &r) {
            if (r.ok()) {
                m_token = r.object.value(QLatin1String("token")).toString().toLatin1();
                m_username = username;
                if (m_token.isEmpty()) {
                    AdminReply bad = r;
                    bad.error = AdminError::protocol(
                        tr("The server's login answer has no token."), tr("Check that the URL points at a Dynaseal server."));
                    return done(bad);
                }
            }
            done(r);
        });
}

void AdminClient::logout(QObject *context, AdminHandler done)
{
    call("POST", QStringLiteral("/admin/v1/logout"), {}, std::nullopt, tr("log out"), context, [this, done](const AdminReply &r) {
        m_token.clear();
        if (done)
            done(r);
    });
}

void AdminClient::checkSession(QObject *context, AdminHandler done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QStringLiteral("1"));
    call(
        "GET", QStringLiteral("/admin/v1/audit"), q, std::nullopt, tr("check the admin token"), context, std::move(done), 15'000);
}

void AdminClient::listUpstreams(QObject *context, AdminHandler done)
{
    call("GET", QStringLiteral("/admin/v1/upstreams"), {}, std::nullopt, tr("load the upstreams"), context, std::move(done));
}

void AdminClient::createUpstream(const QJsonObject &fields, QObject *context, AdminHandler done)
{
    call("POST", QStringLiteral("/admin/v1/upstreams"), {}, fields, tr("add the upstream"), context, std::move(done));
}

void AdminClient::updateUpstream(const QString &id, const QJsonObject &fields, QObject *context, AdminHandler done)
{
    call("PATCH", QStringLiteral("/admin/v1/upstreams/") + segment(id), {}, fields, tr("save the upstream"), context,
        std::move(done));
}

void AdminClient::deleteUpstream(const QString &id, QObject *context, AdminHandler done)
{
    call("DELETE", QStringLiteral("/admin/v1/upstreams/") + segment(id), {}, std::nullopt, tr("remove the upstream"), context,
        std::move(done));
}

void AdminClient::testUpstream(const QString &id, QObject *context, AdminHandler done)
{
    call("POST", QString(QStringLiteral("/admin/v1/upstreams/") + segment(id) + QStringLiteral("/test")), {}, QJsonObject(),
        tr("test the upstream"), context, std::move(done), 90'000);
}

void AdminClient::listTenants(QObject *context, AdminHandler done)
{
    call("GET", QStringLiteral("/admin/v1/tenants"), {}, std::nullopt, tr("load the tenants"), context, std::move(done));
}

void AdminClient::getTenant(const QString &id, QObject *context, AdminHandler done)
{
    call("GET", QStringLiteral("/admin/v1/tenants/") + segment(id), {}, std::nullopt, tr("load the tenant"), context,
        std::move(done));
}

void AdminClient::createTenant(const QJsonObject &fields, QObject *context, AdminHandler done)
{
    call("POST", QStringLiteral("/admin/v1/tenants"), {}, fields, tr("create the tenant"), context, std::move(done));
}

void AdminClient::updateTenant(const QString &id, const QJsonObject &fields, QObject *context, AdminHandler done)
{
    call(
        "PATCH", QStringLiteral("/admin/v1/tenants/") + segment(id), {}, fields, tr("save the tenant"), context, std::move(done));
}

void AdminClient::deleteTenant(const QString &id, QObject *context, AdminHandler done)
{
    call("DELETE", QStringLiteral("/admin/v1/tenants/") + segment(id), {}, std::nullopt, tr("delete the tenant"), context,
        std::move(done));
}

void AdminClient::listKeys(const QString &tenantId, QObject *context, AdminHandler done)
{
    call("GET", QString(QStringLiteral("/admin/v1/tenants/") + segment(tenantId) + QStringLiteral("/keys")), {}, std::nullopt,
        tr("load the tenant keys"), context, std::move(done));
}

void AdminClient::issueKey(const QString &tenantId, QObject *context, AdminHandler done)
{
    call("POST", QString(QStringLiteral("/admin/v1/tenants/") + segment(tenantId) + QStringLiteral("/keys")), {}, QJsonObject(),
        tr("issue a tenant key"), context, std::move(done));
}

void AdminClient::revokeKey(const QString &tenantId, const QString &keyId, QObject *context, AdminHandler done)
{
    call("DELETE", QString(QStringLiteral("/admin/v1/tenants/") + segment(tenantId) + QStringLiteral("/keys/") + segment(keyId)),
        {}, std::nullopt, tr("revoke the tenant key"), context, std::move(done));
}

void AdminClient::listRequests(const RequestQuery &f, QObject *context, AdminHandler done)
{
    QUrlQuery q = pageQuery(f.page);
    if (!f.tenantId.isEmpty())
        q.addQueryItem(QStringLiteral("tenant_id"), f.tenantId);
    if (!f.model.isEmpty())
        q.addQueryItem(QStringLiteral("model"), f.model);
    if (!f.status.isEmpty())
        q.addQueryItem(QStringLiteral("status"), f.status);
    if (f.since.isValid())
        q.addQueryItem(QStringLiteral("since"), timeParam(f.since));
    if (f.until.isValid())
        q.addQueryItem(QStringLiteral("until"), timeParam(f.until));
    call("GET", QStringLiteral("/admin/v1/requests"), q, std::nullopt, tr("load the request log"), context, std::move(done));
}

void AdminClient::usage(const UsageQuery &f, QObject *context, AdminHandler done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("granularity"), f.hourly ? QStringLiteral("hour") : QStringLiteral("minute"));
    if (f.since.isValid())
        q.addQueryItem(QStringLiteral("since"), timeParam(f.since));
    if (f.until.isValid())
        q.addQueryItem(QStringLiteral("until"), timeParam(f.until));
    if (!f.tenantId.isEmpty())
        q.addQueryItem(QStringLiteral("tenant_id"), f.tenantId);
    if (!f.model.isEmpty())
        q.addQueryItem(QStringLiteral("model"), f.model);
    call("GET", QStringLiteral("/admin/v1/usage"), q, std::nullopt, tr("load the usage"), context, std::move(done));
}

void AdminClient::listCallbacks(
    const QString &state, const QString &tenantId, const PageRequest &page, QObject *context, AdminHandler done)
{
    QUrlQuery q = pageQuery(page);
    if (!state.isEmpty())
        q.addQueryItem(QStringLiteral("state"), state);
    if (!tenantId.isEmpty())
        q.addQueryItem(QStringLiteral("tenant_id"), tenantId);
    call("GET", QStringLiteral("/admin/v1/callbacks"), q, std::nullopt, tr("load the callbacks"), context, std::move(done));
}

void AdminClient::retryCallback(const QString &id, QObject *context, AdminHandler done)
{
    call("POST", QString(QStringLiteral("/admin/v1/callbacks/") + segment(id) + QStringLiteral("/retry")), {}, QJsonObject(),
        tr("retry the callback"), context, std::move(done));
}

void AdminClient::audit(const QDateTime &since, int limit, int offset, QObject *context, AdminHandler done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    q.addQueryItem(QStringLiteral("offset"), QString::number(offset));
    if (since.isValid())
        q.addQueryItem(QStringLiteral("since"), timeParam(since));
    call("GET", QStringLiteral("/admin/v1/audit"), q, std::nullopt, tr("load the audit log"), context, std::move(done));
}

void AdminClient::mintDynamicKey(const QByteArray &tenantKey, const QJsonObject &body, QObject *context, AdminHandler done)
{
    call("POST", QStringLiteral("/v1/dynamic-keys"), {}, body, tr("mint a dynamic key"), context, std::move(done), 30'000,
        tenantKey);
}

} // namespace dynaseal::console

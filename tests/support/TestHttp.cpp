#include "tests/support/TestHttp.h"

#include "tests/support/ServerProcess.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QThread>
#include <QTimer>

namespace dynaseal::test {

QByteArray HttpResult::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

QJsonObject HttpResult::usage() const
{
    if (!body.startsWith("data:"))
        return json().value(QLatin1String("usage")).toObject();
    QJsonObject usage;
    for (const QByteArray &line : body.split('\n')) {
        if (!line.startsWith("data: ") || line.trimmed() == "data: [DONE]")
            continue;
        const QJsonObject event = QJsonDocument::fromJson(line.mid(6)).object();
        if (event.value(QLatin1String("usage")).isObject())
            usage = event.value(QLatin1String("usage")).toObject();
    }
    return usage;
}

QNetworkReply *TestHttp::start(const QByteArray &method, const QString &path, const QByteArray &body,
                               const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request(QUrl(m_origin + path));
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (!body.isEmpty() || method == "POST" || method == "PATCH")
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    return m_nam.sendCustomRequest(request, method, body);
}

HttpResult TestHttp::wait(QNetworkReply *reply, int timeoutMs)
{
    if (!reply->isFinished()) {
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    HttpResult result;
    if (!reply->isFinished()) {
        reply->abort();
        result.error = QNetworkReply::TimeoutError;
    } else {
        result.error = reply->error();
    }
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    result.headers = reply->rawHeaderPairs();
    reply->deleteLater();
    return result;
}

HttpResult TestHttp::send(const QByteArray &method, const QString &path, const QByteArray &body,
                          const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs)
{
    return wait(start(method, path, body, headers), timeoutMs);
}

static QList<QPair<QByteArray, QByteArray>> auth(const QByteArray &bearer)
{
    if (bearer.isEmpty())
        return {};
    return {{"Authorization", "Bearer " + bearer}};
}

HttpResult TestHttp::get(const QString &path, const QByteArray &bearer) { return send("GET", path, {}, auth(bearer)); }
HttpResult TestHttp::post(const QString &path, const QJsonObject &body, const QByteArray &bearer)
{
    return send("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), auth(bearer));
}
HttpResult TestHttp::loginAsAdmin(const QString &password)
{
    return post(QStringLiteral("/admin/v1/login"), {{QStringLiteral("username"), QStringLiteral("admin")},
                                                     {QStringLiteral("password"), password.isEmpty() ? QString::fromLatin1(ServerProcess::kAdminPassword) : password}});
}
HttpResult TestHttp::postRaw(const QString &path, const QByteArray &body, const QByteArray &bearer) { return send("POST", path, body, auth(bearer)); }
HttpResult TestHttp::patch(const QString &path, const QJsonObject &body, const QByteArray &bearer)
{
    return send("PATCH", path, QJsonDocument(body).toJson(QJsonDocument::Compact), auth(bearer));
}
HttpResult TestHttp::del(const QString &path, const QByteArray &bearer) { return send("DELETE", path, {}, auth(bearer)); }

bool waitFor(const std::function<bool()> &predicate, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!predicate()) {
        if (deadline.hasExpired())
            return predicate();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

} // namespace dynaseal::test

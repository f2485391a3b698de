#include "server/http/HttpFrontend.h"

#include <QHttpServerRequest>

namespace dynaseal {

HttpFrontend::HttpFrontend(QObject *parent) : QAbstractHttpServer(parent) {}

bool HttpFrontend::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto ex = std::make_shared<HttpExchange>();
    switch (request.method()) {
    case QHttpServerRequest::Method::Get: ex->method = "GET"; break;
    case QHttpServerRequest::Method::Post: ex->method = "POST"; break;
    case QHttpServerRequest::Method::Put: ex->method = "PUT"; break;
    case QHttpServerRequest::Method::Delete: ex->method = "DELETE"; break;
    case QHttpServerRequest::Method::Patch: ex->method = "PATCH"; break;
    case QHttpServerRequest::Method::Head: ex->method = "HEAD"; break;
    case QHttpServerRequest::Method::Options: ex->method = "OPTIONS"; break;
    default: ex->method = "OTHER"; break;
    }
    const QUrl url = request.url();
    ex->path = url.path();
    ex->query = QUrlQuery(url);
    const auto headers = request.headers();
    ex->headers.reserve(headers.size());
    for (const auto &h : headers) {
        const QByteArray name = h.first.toLower();
        ex->headers.append({name, h.second});
        if (name == "connection" && h.second.toLower().contains("close"))
            ex->closeAfterResponse = true;
    }
    ex->body = request.body();
    ex->remoteAddress = request.remoteAddress();
    ex->socket = socket;
    m_router.dispatch(ex);
    return true;
}

void HttpFrontend::missingHandler(const QHttpServerRequest &, QTcpSocket *) {}

} // namespace dynaseal

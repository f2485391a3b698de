#include "server/http/HttpReply.h"

#include "server/http/HttpServerConnection.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace dynaseal {
namespace {

QByteArray head(const HttpExchange &ex, int status, const QByteArray &contentType, const HttpReply::Headers &extra)
{
    QByteArray out;
    out.reserve(256);
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + HttpReply::reason(status) + "\r\n";
    if (!contentType.isEmpty())
        out += "Content-Type: " + contentType + "\r\n";
    for (const auto &h : extra)
        out += h.first + ": " + h.second + "\r\n";
    if (ex.closeAfterResponse)
        out += "Connection: close\r\n";
    return out;
}

void done(HttpExchange &ex)
{
    if (ex.connection)
        ex.connection->responseFinished(ex.closeAfterResponse);
    else if (ex.closeAfterResponse && ex.stream)
        ex.stream->closeAfterWrites();
}

} // namespace

bool HttpReply::connected(const HttpExchange &ex)
{
    return ex.stream && ex.stream->isOpen();
}

bool HttpReply::send(HttpExchange &ex, int status, const QByteArray &contentType, const QByteArray &body, const Headers &extra)
{
    if (!connected(ex))
        return false;
    QByteArray out = head(ex, status, contentType, extra);
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n";
    ex.stream->write(QList<QByteArray>{out, body}); // the body behind the head, not copied
    done(ex);
    return true;
}

bool HttpReply::json(HttpExchange &ex, int status, const QJsonValue &value, const Headers &extra)
{
    const QByteArray body = value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                                            : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    return send(ex, status, "application/json", body, extra);
}

bool HttpReply::error(HttpExchange &ex, const ApiError &error, const Headers &extra)
{
    Headers headers = extra;
    if (error.retryAfterSecs > 0)
        headers.append({"Retry-After", QByteArray::number(error.retryAfterSecs)});
    return send(ex, error.status, "application/json", error.toJson(), headers);
}

bool HttpReply::beginChunked(HttpExchange &ex, int status, const QByteArray &contentType, const Headers &extra)
{
    if (!connected(ex))
        return false;
    QByteArray out = head(ex, status, contentType, extra);
    out += "Transfer-Encoding: chunked\r\n\r\n";
    ex.stream->write(out);
    return true;
}

bool HttpReply::chunk(HttpExchange &ex, const QByteArray &data)
{
    if (data.isEmpty())
        return connected(ex);
    if (!connected(ex))
        return false;
    // Copied with its framing into one buffer: a chunk is one event of a stream, a few hundred
    // bytes. Pieces would save that small copy and add the list's allocation.
    QByteArray out;
    out.reserve(data.size() + 16);
    out += QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
    ex.stream->write(out);
    return true;
}

bool HttpReply::endChunked(HttpExchange &ex)
{
    if (!connected(ex))
        return false;
    ex.stream->write("0\r\n\r\n");
    done(ex);
    return true;
}

const char *HttpReply::reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status < 400 ? "OK" : "Error";
    }
}

} // namespace dynaseal

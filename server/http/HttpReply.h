#pragma once
// Writes HTTP/1.1 responses straight to the connection, checking first that the client is still
// there (it may leave before a late answer), and tells the connection when a response is complete.
#include "server/core/ApiError.h"
#include "server/http/HttpExchange.h"

#include <QJsonValue>

namespace dynaseal {

class HttpReply
{
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    // False if the client is gone (nothing was written).
    static bool send(HttpExchange &ex, int status, const QByteArray &contentType, const QByteArray &body,
                     const Headers &extra = {});
    static bool json(HttpExchange &ex, int status, const QJsonValue &value, const Headers &extra = {});
    static bool error(HttpExchange &ex, const ApiError &error, const Headers &extra = {});

    // Streaming with chunked transfer encoding.
    static bool beginChunked(HttpExchange &ex, int status, const QByteArray &contentType, const Headers &extra = {});
    static bool chunk(HttpExchange &ex, const QByteArray &data);
    static bool endChunked(HttpExchange &ex);

    static bool connected(const HttpExchange &ex);
    static const char *reason(int status);
};

} // namespace dynaseal

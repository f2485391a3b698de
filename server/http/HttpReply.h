#pragma once
// Writes HTTP/1.1 responses straight to the connection. This is the one adapter over the
// transport: QtHttpServer 6.4's responder is bypassed because it keeps a raw socket pointer
// (use-after-free when a client leaves before a late answer) and its writers change in Qt 6.8.
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

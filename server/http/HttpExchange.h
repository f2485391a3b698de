#pragma once
// One parsed request as the handlers see it, plus the connection to answer on. The stream may
// vanish at any time (the client hangs up): every write goes through HttpReply, which checks it.
#include "server/core/BearerToken.h"
#include "server/net/TcpStream.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QPointer>
#include <QUrlQuery>
#include <memory>

namespace dynaseal {

class HttpServerConnection;

struct HttpExchange
{
    QByteArray method; // "GET", "POST", ...
    QString path;
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    QHostAddress remoteAddress;
    QPointer<TcpStream> stream;
    QPointer<HttpServerConnection> connection; // told when the response is complete
    bool closeAfterResponse = false;

    QByteArray header(const QByteArray &lowerCaseName) const
    {
        for (const auto &h : headers) {
            if (h.first == lowerCaseName)
                return h.second;
        }
        return {};
    }
    // The token after "Bearer " in Authorization, or empty.
    QByteArray bearerToken() const { return dynaseal::bearerToken(header("authorization")); }
};

using HttpExchangePtr = std::shared_ptr<HttpExchange>;

} // namespace dynaseal

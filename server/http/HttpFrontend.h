#pragma once
// The thin HTTP layer over QtHttpServer: takes each parsed request, copies it into an
// HttpExchange and hands it to the router. Answers are written by HttpReply.
#include "server/http/Router.h"

#include <QAbstractHttpServer>

namespace dynaseal {

class HttpFrontend : public QAbstractHttpServer
{
    Q_OBJECT
public:
    explicit HttpFrontend(QObject *parent = nullptr);
    Router &router() { return m_router; }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    Router m_router;
};

} // namespace dynaseal

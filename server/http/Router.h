#pragma once
// Method + path patterns ("/admin/v1/tenants/{id}/keys") to handlers. Unknown paths get 404 and
// known paths with another method 405, both OpenAI-shaped.
#include "server/http/HttpExchange.h"

#include <QHash>
#include <QStringList>
#include <functional>

namespace dynaseal {

using PathParams = QHash<QString, QString>;
using Handler = std::function<void(const HttpExchangePtr &, const PathParams &)>;

class Router
{
public:
    void add(const QByteArray &method, const QString &pattern, Handler handler);
    // Runs the matching handler or answers 404/405.
    void dispatch(const HttpExchangePtr &ex) const;

private:
    struct Route
    {
        QByteArray method;
        QStringList segments;
        Handler handler;
    };
    static bool match(const Route &route, const QStringList &segments, PathParams *params);
    QList<Route> m_routes;
    // Routes without a parameter by their path, for the path as sent: such a request (every
    // proxied call) finds its handler with one hash instead of a split of the path and a compare
    // with each route. Only a route that no earlier route of its method would also take.
    QHash<QString, QList<qsizetype>> m_exact;
};

} // namespace dynaseal

#include "server/http/Router.h"

#include "server/http/HttpReply.h"

namespace dynaseal {

void Router::add(const QByteArray &method, const QString &pattern, Handler handler)
{
    m_routes.append(Route{method, pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts), std::move(handler)});
}

bool Router::match(const Route &route, const QStringList &segments, PathParams *params)
{
    if (route.segments.size() != segments.size())
        return false;
    for (int i = 0; i < segments.size(); ++i) {
        const QString &want = route.segments.at(i);
        if (want.startsWith(QLatin1Char('{')) && want.endsWith(QLatin1Char('}'))) {
            if (segments.at(i).isEmpty())
                return false;
            params->insert(want.mid(1, want.size() - 2), segments.at(i));
        } else if (want != segments.at(i)) {
            return false;
        }
    }
    return true;
}

void Router::dispatch(const HttpExchangePtr &ex) const
{
    const QStringList segments = ex->path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    bool pathKnown = false;
    for (const Route &route : m_routes) {
        PathParams params;
        if (!match(route, segments, &params))
            continue;
        pathKnown = true;
        if (route.method == ex->method) {
            route.handler(ex, params);
            return;
        }
    }
    if (pathKnown) {
        ApiError e = ApiError::badRequest(QStringLiteral("method %1 is not allowed on %2").arg(QString::fromLatin1(ex->method), ex->path),
                                          QStringLiteral("method_not_allowed"));
        e.status = 405;
        HttpReply::error(*ex, e);
        return;
    }
    HttpReply::error(*ex, ApiError::notFound(QStringLiteral("no such endpoint: %1 %2").arg(QString::fromLatin1(ex->method), ex->path.left(200)),
                                             QStringLiteral("unknown_url")));
}

} // namespace dynaseal

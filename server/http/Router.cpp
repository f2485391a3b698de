#include "server/http/Router.h"

#include "server/http/HttpReply.h"

#include <algorithm>

namespace dynaseal {

void Router::add(const QByteArray &method, const QString &pattern, Handler handler)
{
    Route route{method, pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts), std::move(handler)};
    const bool hasParameter = std::any_of(route.segments.cbegin(), route.segments.cend(),
                                          [](const QString &s) { return s.startsWith(QLatin1Char('{')); });
    const bool takenEarlier = std::any_of(m_routes.cbegin(), m_routes.cend(), [&route](const Route &earlier) {
        PathParams ignored;
        return earlier.method == route.method && match(earlier, route.segments, &ignored);
    });
    if (!hasParameter && !takenEarlier)
        m_exact[QLatin1Char('/') + route.segments.join(QLatin1Char('/'))].append(m_routes.size());
    m_routes.append(std::move(route));
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
    if (const auto exact = m_exact.constFind(ex->path); exact != m_exact.constEnd()) {
        for (const qsizetype i : *exact) {
            const Route &route = m_routes.at(i);
            if (route.method == ex->method) {
                static const PathParams none;
                route.handler(ex, none);
                return;
            }
        }
    }
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

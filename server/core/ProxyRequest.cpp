#include "server/core/ProxyRequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <cmath>

namespace dynaseal {
namespace {

ApiError invalid(const QString &param, const QString &what)
{
    ApiError e = ApiError::badRequest(QStringLiteral("\"%1\" %2").arg(param, what), QStringLiteral("invalid_value"));
    return e;
}

// Positive whole number, or absent/null. False on anything else.
bool optionalCount(const QJsonObject &body, const char *field, qint64 max, std::optional<qint64> *out)
{
    const QJsonValue v = body.value(QLatin1String(field));
    if (v.isUndefined() || v.isNull())
        return true;
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 1 || d != std::floor(d) || d > double(max))
        return false;
    *out = qint64(d);
    return true;
}

} // namespace

std::variant<ProxyRequest, ApiError> ProxyRequest::parse(ProxyEndpoint endpoint, const QByteArray &rawBody)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(rawBody, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return ApiError::badRequest(QStringLiteral("the request body is not valid JSON: %1 at offset %2")
                                        .arg(parseError.errorString()).arg(parseError.offset),
                                    QStringLiteral("invalid_json"));
    if (!doc.isObject())
        return ApiError::badRequest(QStringLiteral("the request body must be a JSON object"), QStringLiteral("invalid_json"));

    ProxyRequest r;
    r.endpoint = endpoint;
    r.body = doc.object();
    const QJsonValue model = r.body.value(QLatin1String("model"));
    if (!model.isString() || model.toString().isEmpty())
        return invalid(QStringLiteral("model"), QStringLiteral("is required and must be a non-empty string"));
    r.model = model.toString();

    switch (endpoint) {
    case ProxyEndpoint::ChatCompletions:
        if (!r.body.value(QLatin1String("messages")).isArray() || r.body.value(QLatin1String("messages")).toArray().isEmpty())
            return invalid(QStringLiteral("messages"), QStringLiteral("is required and must be a non-empty list"));
        break;
    case ProxyEndpoint::Completions: {
        const QJsonValue prompt = r.body.value(QLatin1String("prompt"));
        if (!prompt.isString() && !prompt.isArray())
            return invalid(QStringLiteral("prompt"), QStringLiteral("is required and must be a string or a list"));
        break;
    }
    case ProxyEndpoint::Embeddings: {
        const QJsonValue input = r.body.value(QLatin1String("input"));
        if (!input.isString() && !input.isArray())
            return invalid(QStringLiteral("input"), QStringLiteral("is required and must be a string or a list"));
        break;
    }
    }

    const QJsonValue stream = r.body.value(QLatin1String("stream"));
    if (!stream.isUndefined() && !stream.isNull() && !stream.isBool())
        return invalid(QStringLiteral("stream"), QStringLiteral("must be true or false"));
    r.stream = stream.toBool(false) && endpoint != ProxyEndpoint::Embeddings;

    std::optional<qint64> maxTokens;
    if (!optionalCount(r.body, "max_tokens", qint64(9e15), &maxTokens))
        return invalid(QStringLiteral("max_tokens"), QStringLiteral("must be a positive integer"));
    std::optional<qint64> maxCompletionTokens;
    if (!optionalCount(r.body, "max_completion_tokens", qint64(9e15), &maxCompletionTokens))
        return invalid(QStringLiteral("max_completion_tokens"), QStringLiteral("must be a positive integer"));
    r.usesMaxCompletionTokens = maxCompletionTokens.has_value();
    // With both, the smaller is what the device can live with.
    r.maxTokens = maxCompletionTokens && maxTokens ? std::min(*maxTokens, *maxCompletionTokens)
                                                   : maxCompletionTokens ? maxCompletionTokens : maxTokens;
    std::optional<qint64> n;
    if (!optionalCount(r.body, "n", 128, &n))
        return invalid(QStringLiteral("n"), QStringLiteral("must be an integer from 1 to 128"));
    std::optional<qint64> bestOf;
    if (!optionalCount(r.body, "best_of", 128, &bestOf))
        return invalid(QStringLiteral("best_of"), QStringLiteral("must be an integer from 1 to 128"));
    r.choices = std::max(n.value_or(1), bestOf.value_or(1));
    r.prompt = tokens::promptSize(r.body);
    return r;
}

void ProxyRequest::rewrite(const RequestRewrite &rewrite)
{
    if (rewrite.isEmpty())
        return;
    rewrite.apply(body);
    model = body.value(QLatin1String("model")).toString(model);
    prompt = tokens::promptSize(body);
}

QByteArray ProxyRequest::upstreamBody(qint64 completionAllowed) const
{
    QJsonObject out = body;
    if (hasCompletion()) {
        out.insert(usesMaxCompletionTokens ? QStringLiteral("max_completion_tokens") : QStringLiteral("max_tokens"), completionAllowed);
        // A device that sent both fields must not get past the cap through the one an upstream
        // happens to honour.
        if (usesMaxCompletionTokens && out.contains(QLatin1String("max_tokens")) && !out.value(QLatin1String("max_tokens")).isNull())
            out.insert(QStringLiteral("max_tokens"), completionAllowed);
        if (stream) {
            QJsonObject options = out.value(QLatin1String("stream_options")).toObject();
            options.insert(QStringLiteral("include_usage"), true);
            out.insert(QStringLiteral("stream_options"), options);
        }
    }
    return QJsonDocument(out).toJson(QJsonDocument::Compact);
}

QString ProxyRequest::upstreamPath() const
{
    switch (endpoint) {
    case ProxyEndpoint::ChatCompletions: return QStringLiteral("/chat/completions");
    case ProxyEndpoint::Completions: return QStringLiteral("/completions");
    case ProxyEndpoint::Embeddings: return QStringLiteral("/embeddings");
    }
    return {};
}

QString ProxyRequest::endpointName() const
{
    switch (endpoint) {
    case ProxyEndpoint::ChatCompletions: return QStringLiteral("chat.completions");
    case ProxyEndpoint::Completions: return QStringLiteral("completions");
    case ProxyEndpoint::Embeddings: return QStringLiteral("embeddings");
    }
    return {};
}

} // namespace dynaseal

#include "server/core/ProxyRequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <cmath>
#include <limits>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void writeString(JsonWriter &json, const QString &text)
{
    // toUtf8 turns a lone surrogate into "?", so the writer always gets valid UTF-8.
    const QByteArray utf8 = text.toUtf8();
    json.String(utf8.constData(), rapidjson::SizeType(utf8.size()));
}

void writeValue(JsonWriter &json, const QJsonValue &v);

void writeObject(JsonWriter &json, const QJsonObject &object)
{
    json.StartObject();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        writeString(json, it.key());
        writeValue(json, it.value());
    }
    json.EndObject();
}

void writeValue(JsonWriter &json, const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        json.Null();
        break;
    case QJsonValue::Bool:
        json.Bool(v.toBool());
        break;
    case QJsonValue::Double: {
        // Whole numbers as integers, as QJsonDocument writes them (a token count stays "50").
        const qint64 whole = v.toInteger(std::numeric_limits<qint64>::min());
        if (whole != std::numeric_limits<qint64>::min() || v.toDouble() == double(whole))
            json.Int64(whole);
        else
            json.Double(v.toDouble());
        break;
    }
    case QJsonValue::String:
        writeString(json, v.toString());
        break;
    case QJsonValue::Array: {
        json.StartArray();
        const QJsonArray array = v.toArray();
        for (const QJsonValue &item : array)
            writeValue(json, item);
        json.EndArray();
        break;
    }
    case QJsonValue::Object:
        writeObject(json, v.toObject());
        break;
    }
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
    // Written from the checked body with RapidJSON, the changed members replaced as they come:
    // copying the object and serialising it with QJsonDocument was ~5 % of a request's
    // instructions. Written from `body`, not spliced into the raw bytes, so the upstream sees
    // exactly the members the checks saw (a raw body may repeat a key).
    const QString capField = usesMaxCompletionTokens ? QStringLiteral("max_completion_tokens") : QStringLiteral("max_tokens");
    const bool capped = hasCompletion();
    const bool askUsage = capped && stream;
    rapidjson::StringBuffer out;
    JsonWriter json(out);
    // The device's stream options, with the usage asked for.
    auto withUsage = [](QJsonObject options) {
        options.insert(QStringLiteral("include_usage"), true);
        return options;
    };
    bool capWritten = false;
    bool optionsWritten = false;
    json.StartObject();
    for (auto it = body.constBegin(); it != body.constEnd(); ++it) {
        const QString key = it.key();
        writeString(json, key);
        if (capped && key == capField) {
            json.Int64(completionAllowed);
            capWritten = true;
        } else if (capped && usesMaxCompletionTokens && key == QLatin1String("max_tokens") && !it.value().isNull()) {
            // A device that sent both fields must not get past the cap through the one an
            // upstream happens to honour.
            json.Int64(completionAllowed);
        } else if (askUsage && key == QLatin1String("stream_options")) {
            writeObject(json, withUsage(it.value().toObject()));
            optionsWritten = true;
        } else {
            writeValue(json, it.value());
        }
    }
    if (capped && !capWritten) {
        writeString(json, capField);
        json.Int64(completionAllowed);
    }
    if (askUsage && !optionsWritten) {
        json.Key("stream_options");
        writeObject(json, withUsage(QJsonObject()));
    }
    json.EndObject();
    return QByteArray(out.GetString(), qsizetype(out.GetSize()));
}

QString ProxyRequest::upstreamPath(ProxyEndpoint endpoint)
{
    switch (endpoint) {
    case ProxyEndpoint::ChatCompletions: return QStringLiteral("/chat/completions");
    case ProxyEndpoint::Completions: return QStringLiteral("/completions");
    case ProxyEndpoint::Embeddings: return QStringLiteral("/embeddings");
    }
    return {};
}

QStringList ProxyRequest::upstreamPaths()
{
    return {upstreamPath(ProxyEndpoint::ChatCompletions), upstreamPath(ProxyEndpoint::Completions),
            upstreamPath(ProxyEndpoint::Embeddings)};
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

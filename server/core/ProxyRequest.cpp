#include "server/core/ProxyRequest.h"

#include "server/core/JsonByteArrayStream.h"
#include "server/core/JsonMembers.h"
#include "server/core/JsonValueSpans.h"

#include <QJsonDocument>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <string_view>
#include <vector>

namespace dynaseal {
namespace {

using json::isText;
using json::member;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Numbers read exactly as written. The parser recurses per level, but DepthLimit stops it at
// ProxyRequest::kMaxDepth. UTF-8 is checked before, over the whole body at once: RapidJSON's own
// check goes byte by byte and turns off its 16-byte string scan, and took two thirds of the
// instructions of a call with a 32 KB prompt.
constexpr unsigned kParseFlags = rapidjson::kParseFullPrecisionFlag;

ApiError invalid(const QString &param, const QString &what)
{
    return ApiError::badRequest(QStringLiteral("\"%1\" %2").arg(param, what), QStringLiteral("invalid_value"));
}

ApiError invalidJson(const QString &what)
{
    return ApiError::badRequest(what, QStringLiteral("invalid_json"));
}

// Passes the parser's events on to the document, refusing to nest deeper than
// ProxyRequest::kMaxDepth: the checks and the writers walk the body recursively. With
// `checkEscapes`, also refuses a string whose escapes (backslash, u, four hex digits) decode to
// invalid UTF-8 (a lone low surrogate), which a check of the raw bytes cannot see.
class DepthLimit
{
public:
    DepthLimit(rapidjson::Document &document, bool checkEscapes) : m_document(document), m_checkEscapes(checkEscapes) {}
    bool tooDeep() const { return m_tooDeep; }
    bool badEscape() const { return m_badEscape; }

    bool Null() { return m_document.Null(); }
    bool Bool(bool b) { return m_document.Bool(b); }
    bool Int(int i) { return m_document.Int(i); }
    bool Uint(unsigned i) { return m_document.Uint(i); }
    bool Int64(int64_t i) { return m_document.Int64(i); }
    bool Uint64(uint64_t i) { return m_document.Uint64(i); }
    bool Double(double d) { return m_document.Double(d); }
    bool RawNumber(const char *s, rapidjson::SizeType n, bool copy) { return m_document.RawNumber(s, n, copy); }
    bool String(const char *s, rapidjson::SizeType n, bool copy) { return validText(s, n) && m_document.String(s, n, copy); }
    bool Key(const char *s, rapidjson::SizeType n, bool copy) { return validText(s, n) && m_document.Key(s, n, copy); }
    bool StartObject() { return enter() && m_document.StartObject(); }
    bool EndObject(rapidjson::SizeType members) { --m_depth; return m_document.EndObject(members); }
    bool StartArray() { return enter() && m_document.StartArray(); }
    bool EndArray(rapidjson::SizeType items) { --m_depth; return m_document.EndArray(items); }

private:
    bool enter()
    {
        m_tooDeep = ++m_depth > ProxyRequest::kMaxDepth;
        return !m_tooDeep;
    }
    bool validText(const char *s, rapidjson::SizeType n)
    {
        m_badEscape = m_checkEscapes && !QByteArrayView(s, qsizetype(n)).isValidUtf8();
        return !m_badEscape;
    }
    rapidjson::Document &m_document;
    const bool m_checkEscapes;
    int m_depth = 0;
    bool m_tooDeep = false;
    bool m_badEscape = false;
};

std::string_view nameOf(const rapidjson::Value::Member &m)
{
    return {m.name.GetString(), m.name.GetStringLength()};
}

// A key some object in `value` has twice, if any.
std::optional<std::string_view> repeatedKey(const rapidjson::Value &value)
{
    if (value.IsArray()) {
        for (const rapidjson::Value &item : value.GetArray()) {
            if (auto key = repeatedKey(item))
                return key;
        }
        return std::nullopt;
    }
    if (!value.IsObject())
        return std::nullopt;
    const auto object = value.GetObject();
    if (object.MemberCount() <= 16) { // pairwise: no allocation for the objects requests are made of
        for (auto a = object.begin(); a != object.end(); ++a) {
            for (auto b = a + 1; b != object.end(); ++b) {
                if (nameOf(*a) == nameOf(*b))
                    return nameOf(*a);
            }
        }
    } else {
        std::vector<std::string_view> names;
        names.reserve(object.MemberCount());
        for (const auto &m : object)
            names.push_back(nameOf(m));
        std::sort(names.begin(), names.end());
        if (const auto it = std::adjacent_find(names.begin(), names.end()); it != names.end())
            return *it;
    }
    for (const auto &m : object) {
        if (auto key = repeatedKey(m.value))
            return key;
    }
    return std::nullopt;
}

// Whether the text has a backslash followed by "u": memchr finds the backslashes, where
// QByteArray::contains took 13 instructions a byte.
bool hasUnicodeEscape(const QByteArray &raw)
{
    return std::string_view(raw.constData(), size_t(raw.size())).find("\\u") != std::string_view::npos;
}

std::variant<std::unique_ptr<RequestBody>, ApiError> parseBody(const QByteArray &raw)
{
    // Qt's check runs 16 bytes at a time over ASCII.
    if (!QByteArrayView(raw).isValidUtf8())
        return invalidJson(QStringLiteral("the request body is not valid UTF-8"));
    // One pool chunk holds a copy of the text and the body's values (about its text again at most).
    auto body = std::make_unique<RequestBody>(size_t(raw.size()) * 2 + 256);
    // Parsed in place, in that copy: strings are unescaped where they stand (scanned 16 bytes at a
    // time) and the document points at them, where a copying parse wrote each string twice, to
    // its stack and then to the pool. The copy ends with a NUL, where the stream stops.
    auto *inPlace = static_cast<char *>(body->pool.Malloc(size_t(raw.size()) + 1));
    std::memcpy(inPlace, raw.constData(), size_t(raw.size()));
    inPlace[raw.size()] = '\0';
    rapidjson::ParseResult result;
    bool tooDeep = false;
    bool badEscape = false;
    auto parse = [&](rapidjson::Document &document) {
        rapidjson::InsituStringStream stream(inPlace);
        rapidjson::Reader reader;
        DepthLimit limit(document, hasUnicodeEscape(raw));
        result = reader.Parse<kParseFlags | rapidjson::kParseInsituFlag>(stream, limit);
        tooDeep = limit.tooDeep();
        badEscape = limit.badEscape();
        // The reader takes a NUL byte for the end of the text: anything after one is not read.
        if (!result.IsError() && stream.Tell() != size_t(raw.size()))
            result.Set(rapidjson::kParseErrorDocumentRootNotSingular, stream.Tell());
        return !result.IsError();
    };
    body->json.Populate(parse);
    if (tooDeep)
        return invalidJson(QStringLiteral("the request body nests deeper than %1 levels").arg(ProxyRequest::kMaxDepth));
    if (badEscape)
        return invalidJson(QStringLiteral("the request body is not valid JSON: a \\u escape that is not a whole character (a lone surrogate) at offset %1")
                               .arg(result.Offset()));
    if (result.IsError())
        return invalidJson(QStringLiteral("the request body is not valid JSON: %1 at offset %2")
                               .arg(QString::fromUtf8(rapidjson::GetParseError_En(result.Code()))).arg(result.Offset()));
    if (!body->json.IsObject())
        return invalidJson(QStringLiteral("the request body must be a JSON object"));
    body->text = raw;
    body->memberValues = json::memberValueSpans(raw);
    if (body->memberValues.size() != body->json.MemberCount())
        body->memberValues.clear(); // not expected; then every value is written out again
    if (const auto key = repeatedKey(body->json))
        return invalidJson(QStringLiteral("the request body repeats the key \"%1\" in one object; send each key once")
                               .arg(QString::fromUtf8(key->data(), qsizetype(std::min<size_t>(key->size(), 100)))));
    return body;
}

// Positive whole number, or absent/null. False on anything else.
bool optionalCount(const rapidjson::Value &body, const char *field, qint64 max, std::optional<qint64> *out)
{
    const rapidjson::Value *v = member(body, field);
    if (!v || v->IsNull())
        return true;
    if (!v->IsNumber())
        return false;
    const double d = v->GetDouble();
    if (d < 1 || d != std::floor(d) || d > double(max))
        return false;
    *out = qint64(d);
    return true;
}

QString string(const rapidjson::Value &v)
{
    return QString::fromUtf8(v.GetString(), qsizetype(v.GetStringLength()));
}

QByteArray written(const rapidjson::Value &value)
{
    rapidjson::StringBuffer out;
    JsonWriter json(out);
    value.Accept(json);
    return QByteArray(out.GetString(), qsizetype(out.GetSize()));
}

} // namespace

std::variant<ProxyRequest, ApiError> ProxyRequest::parse(ProxyEndpoint endpoint, const QByteArray &rawBody)
{
    auto parsedBody = parseBody(rawBody);
    if (auto *error = std::get_if<ApiError>(&parsedBody))
        return *error;

    ProxyRequest r;
    r.endpoint = endpoint;
    r.body = std::get<std::unique_ptr<RequestBody>>(std::move(parsedBody));
    const rapidjson::Value &body = r.body->json;
    const rapidjson::Value *model = member(body, "model");
    if (!model || !model->IsString() || model->GetStringLength() == 0)
        return invalid(QStringLiteral("model"), QStringLiteral("is required and must be a non-empty string"));
    r.model = string(*model);

    switch (endpoint) {
    case ProxyEndpoint::ChatCompletions: {
        const rapidjson::Value *messages = member(body, "messages");
        if (!messages || !messages->IsArray() || messages->Empty())
            return invalid(QStringLiteral("messages"), QStringLiteral("is required and must be a non-empty list"));
        break;
    }
    case ProxyEndpoint::Completions: {
        const rapidjson::Value *prompt = member(body, "prompt");
        if (!prompt || !(prompt->IsString() || prompt->IsArray()))
            return invalid(QStringLiteral("prompt"), QStringLiteral("is required and must be a string or a list"));
        break;
    }
    case ProxyEndpoint::Embeddings: {
        const rapidjson::Value *input = member(body, "input");
        if (!input || !(input->IsString() || input->IsArray()))
            return invalid(QStringLiteral("input"), QStringLiteral("is required and must be a string or a list"));
        break;
    }
    }

    const rapidjson::Value *stream = member(body, "stream");
    if (stream && !stream->IsNull() && !stream->IsBool())
        return invalid(QStringLiteral("stream"), QStringLiteral("must be true or false"));
    r.stream = stream && stream->IsTrue() && endpoint != ProxyEndpoint::Embeddings;

    std::optional<qint64> maxTokens;
    if (!optionalCount(body, "max_tokens", qint64(9e15), &maxTokens))
        return invalid(QStringLiteral("max_tokens"), QStringLiteral("must be a positive integer"));
    std::optional<qint64> maxCompletionTokens;
    if (!optionalCount(body, "max_completion_tokens", qint64(9e15), &maxCompletionTokens))
        return invalid(QStringLiteral("max_completion_tokens"), QStringLiteral("must be a positive integer"));
    r.usesMaxCompletionTokens = maxCompletionTokens.has_value();
    // With both, the smaller is what the device can live with.
    r.maxTokens = maxCompletionTokens && maxTokens ? std::min(*maxTokens, *maxCompletionTokens)
                                                   : maxCompletionTokens ? maxCompletionTokens : maxTokens;
    std::optional<qint64> n;
    if (!optionalCount(body, "n", 128, &n))
        return invalid(QStringLiteral("n"), QStringLiteral("must be an integer from 1 to 128"));
    std::optional<qint64> bestOf;
    if (!optionalCount(body, "best_of", 128, &bestOf))
        return invalid(QStringLiteral("best_of"), QStringLiteral("must be an integer from 1 to 128"));
    r.choices = std::max(n.value_or(1), bestOf.value_or(1));
    r.prompt = tokens::promptSize(body);
    return r;
}

std::optional<ApiError> ProxyRequest::rewrite(const RequestRewrite &rewrite)
{
    if (rewrite.isEmpty())
        return std::nullopt;
    // Through Qt's JSON, where the tenant's rules are written; read back as any device body is, so
    // that what is sent is what the reservation measures.
    QJsonObject object = bodyObject();
    rewrite.apply(object);
    auto parsedBody = parseBody(QJsonDocument(object).toJson(QJsonDocument::Compact));
    if (auto *error = std::get_if<ApiError>(&parsedBody))
        return ApiError::badRequest(QStringLiteral("the tenant's rewrite rules made a body that cannot be sent: %1").arg(error->message),
                                    QStringLiteral("invalid_rewrite"));
    body = std::get<std::unique_ptr<RequestBody>>(std::move(parsedBody));
    if (const rapidjson::Value *m = member(body->json, "model"); m && m->IsString())
        model = string(*m);
    prompt = tokens::promptSize(body->json);
    return std::nullopt;
}

void ProxyRequest::removeMember(const QString &name)
{
    rapidjson::Document &document = body->json;
    const auto it = json::findMember(document, QByteArrayView(name.toUtf8()));
    if (it == document.MemberEnd())
        return;
    if (!body->memberValues.empty())
        body->memberValues.erase(body->memberValues.begin() + (it - document.MemberBegin()));
    document.EraseMember(it); // EraseMember keeps the order of the others (RemoveMember moves the last)
    prompt = tokens::promptSize(document);
}

QJsonObject ProxyRequest::bodyObject() const
{
    return QJsonDocument::fromJson(written(body->json)).object();
}

QByteArray ProxyRequest::upstreamBody(qint64 completionAllowed) const
{
    // The checked document's members, those the gateway changes written anew, the others' values
    // copied from the text they were parsed from (each one value, checked as parsed): the
    // upstream sees exactly the members the checks saw, with each value as the device wrote it.
    const std::string_view capField = usesMaxCompletionTokens ? "max_completion_tokens" : "max_tokens";
    const bool capped = hasCompletion();
    const bool askUsage = capped && stream;
    // Room for the device's text, the cap and the stream options; it grows if that is not enough.
    json::JsonByteArrayStream out(body->text.size() + 96);
    rapidjson::Writer<json::JsonByteArrayStream> json(out);
    // The device's stream options, with the usage asked for.
    auto writeOptionsWithUsage = [&json](const rapidjson::Value *options) {
        json.StartObject();
        if (options && options->IsObject()) {
            for (const auto &m : options->GetObject()) {
                if (isText(m.name, "include_usage"))
                    continue;
                json.Key(m.name.GetString(), m.name.GetStringLength());
                m.value.Accept(json);
            }
        }
        json.Key("include_usage");
        json.Bool(true);
        json.EndObject();
    };
    bool capWritten = false;
    bool optionsWritten = false;
    const bool copyValues = !body->memberValues.empty();
    auto value = body->memberValues.cbegin();
    json.StartObject();
    for (const auto &m : body->json.GetObject()) {
        const dynaseal::json::ValueSpan span = copyValues ? *value++ : dynaseal::json::ValueSpan();
        const std::string_view name = nameOf(m);
        json.Key(name.data(), rapidjson::SizeType(name.size()));
        if (capped && name == capField) {
            json.Int64(completionAllowed);
            capWritten = true;
        } else if (capped && usesMaxCompletionTokens && name == "max_tokens" && !m.value.IsNull()) {
            // A device that sent both fields must not get past the cap through the one an
            // upstream happens to honour.
            json.Int64(completionAllowed);
        } else if (askUsage && name == "stream_options") {
            writeOptionsWithUsage(&m.value);
            optionsWritten = true;
        } else if (copyValues) {
            // The writer puts the colon before a value; the value itself is copied whole
            // (RawValue would copy it a byte at a time).
            json.RawValue("", 0, m.value.GetType());
            std::memcpy(out.Push(size_t(span.length)), body->text.constData() + span.offset, size_t(span.length));
        } else {
            m.value.Accept(json);
        }
    }
    if (capped && !capWritten) {
        json.Key(capField.data(), rapidjson::SizeType(capField.size()));
        json.Int64(completionAllowed);
    }
    if (askUsage && !optionsWritten) {
        json.Key("stream_options");
        writeOptionsWithUsage(nullptr);
    }
    json.EndObject();
    return out.take();
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
    return endpointNameOf(endpoint);
}

QString ProxyRequest::endpointNameOf(ProxyEndpoint endpoint)
{
    switch (endpoint) {
    case ProxyEndpoint::ChatCompletions: return QStringLiteral("chat.completions");
    case ProxyEndpoint::Completions: return QStringLiteral("completions");
    case ProxyEndpoint::Embeddings: return QStringLiteral("embeddings");
    }
    return {};
}

} // namespace dynaseal

#pragma once
// A device's OpenAI request as the gateway needs it: validated, measured for the reservation, and
// rewritten for the upstream (completion cap, usage asked for when streaming).
#include "server/core/ApiError.h"
#include "server/core/JsonValueSpans.h"
#include "server/core/TokenEstimator.h"
#include "server/core/policy/RequestRewrite.h"

#include <QByteArray>
#include <QJsonObject>
#include <memory>
#include <optional>
#include <rapidjson/document.h>
#include <variant>
#include <vector>

namespace dynaseal {

enum class ProxyEndpoint { ChatCompletions, Completions, Embeddings };

// The device's body as parsed: UTF-8 as sent, members in the order sent, numbers as written.
// RapidJSON rather than QJsonDocument: parsing into QJsonObject, looking members up by Latin-1
// name and converting every string back to UTF-8 for the upstream was ~13 % of a proxied call's
// instructions. On the heap with a pool sized to the body, so that a small body is one allocation
// and moving a request moves a pointer. The pool also holds the copy of the text the document
// was parsed in, and its strings point into it.
struct RequestBody
{
    explicit RequestBody(size_t poolChunk) : pool(poolChunk), json(&pool, 256) {}
    rapidjson::MemoryPoolAllocator<> pool;
    rapidjson::Document json; // an object

    // The text parsed, and where each top-level member's value stands in it, in the members'
    // order (empty if not known): the upstream's body copies the values it does not change from
    // there. Writing them out again escaped every character of a conversation.
    QByteArray text;
    std::vector<json::ValueSpan> memberValues;
};

struct ProxyRequest
{
    ProxyEndpoint endpoint = ProxyEndpoint::ChatCompletions;
    std::unique_ptr<RequestBody> body;
    QString model;
    bool stream = false;
    std::optional<qint64> maxTokens; // what the device asked for, if anything
    bool usesMaxCompletionTokens = false;
    qint64 choices = 1;
    tokens::PromptSize prompt;

    // Refuses what is not one JSON object of valid UTF-8, nests deeper than kMaxDepth, or repeats
    // a key in any object: a repeated key would let the checks read one value and the upstream
    // another (parsers differ on which one counts).
    static std::variant<ProxyRequest, ApiError> parse(ProxyEndpoint endpoint, const QByteArray &rawBody);
    static constexpr int kMaxDepth = 512;

    // Applies the tenant's mapping, fixed values and template; the model and prompt size follow.
    // Fails only if the rewritten body cannot be read back (then nothing may be forwarded).
    std::optional<ApiError> rewrite(const RequestRewrite &rewrite);
    // Drops a top-level member (the tenant's secret, when it travels in the body).
    void removeMember(const QString &name);
    // The body as Qt JSON: for the tenant's rewrite rules, and for tests.
    QJsonObject bodyObject() const;

    bool hasCompletion() const { return endpoint != ProxyEndpoint::Embeddings; }
    // The body sent upstream: the device's, with the completion capped at `completionAllowed`
    // and, when streaming, stream_options.include_usage set so the last chunk carries usage.
    QByteArray upstreamBody(qint64 completionAllowed) const;
    // "/chat/completions", "/completions" or "/embeddings", appended to the upstream's base URL.
    QString upstreamPath() const { return upstreamPath(endpoint); }
    static QString upstreamPath(ProxyEndpoint endpoint);
    static QStringList upstreamPaths(); // upstreamPath() of every endpoint
    QString endpointName() const; // "chat.completions", ...
    static QString endpointNameOf(ProxyEndpoint endpoint);
};

} // namespace dynaseal

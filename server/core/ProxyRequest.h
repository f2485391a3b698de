#pragma once
// A device's OpenAI request as the gateway needs it: validated, measured for the reservation, and
// rewritten for the upstream (completion cap, usage asked for when streaming).
#include "server/core/ApiError.h"
#include "server/core/policy/RequestRewrite.h"
#include "shared/TokenEstimator.h"

#include <QJsonObject>
#include <optional>
#include <variant>

namespace dynaseal {

enum class ProxyEndpoint { ChatCompletions, Completions, Embeddings };

struct ProxyRequest
{
    ProxyEndpoint endpoint = ProxyEndpoint::ChatCompletions;
    QJsonObject body;
    QString model;
    bool stream = false;
    std::optional<qint64> maxTokens; // what the device asked for, if anything
    bool usesMaxCompletionTokens = false;
    qint64 choices = 1;
    tokens::PromptSize prompt;

    static std::variant<ProxyRequest, ApiError> parse(ProxyEndpoint endpoint, const QByteArray &rawBody);

    // Applies the tenant's mapping, fixed values and template; the model and prompt size follow.
    void rewrite(const RequestRewrite &rewrite);

    bool hasCompletion() const { return endpoint != ProxyEndpoint::Embeddings; }
    // The body sent upstream: the device's, with the completion capped at `completionAllowed`
    // and, when streaming, stream_options.include_usage set so the last chunk carries usage.
    QByteArray upstreamBody(qint64 completionAllowed) const;
    // "/chat/completions", "/completions" or "/embeddings", appended to the upstream's base URL.
    QString upstreamPath() const { return upstreamPath(endpoint); }
    static QString upstreamPath(ProxyEndpoint endpoint);
    static QStringList upstreamPaths(); // upstreamPath() of every endpoint
    QString endpointName() const; // "chat.completions", ...
};

} // namespace dynaseal

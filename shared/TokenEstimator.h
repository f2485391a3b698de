#pragma once
// Token counts the gateway needs before (upper bounds, for reservations) and without (estimates,
// for billing when an upstream reports no usage) a tokenizer.
#include <QByteArray>
#include <QJsonObject>

namespace dynaseal::tokens {

// Documented estimate: one token per 4 bytes of UTF-8, rounded up (OpenAI's rule of thumb).
qint64 estimate(qint64 utf8Bytes);

struct PromptSize
{
    // Never below what a byte-level BPE tokenizer can count: a token covers at least one byte,
    // and the raw JSON body is at least as long as the text it carries. Images add a fixed
    // allowance each, since their cost does not show in the body's length.
    qint64 upperBound = 0;
    // What is billed for the prompt when the upstream reports no usage.
    qint64 estimate = 0;
};

// `rawBody` is the request body as received; `body` the same, parsed. Handles chat `messages`
// (string or content parts), completion `prompt` (string or list) and embeddings `input`.
PromptSize promptSize(const QByteArray &rawBody, const QJsonObject &body);

// Allowances and overheads, exposed so docs and tests name the same numbers.
constexpr qint64 kImageUpperBound = 2000;
constexpr qint64 kImageEstimate = 765;
constexpr qint64 kMessageOverheadEstimate = 4;
constexpr qint64 kRequestOverheadUpperBound = 16;
constexpr qint64 kRequestOverheadEstimate = 3;

} // namespace dynaseal::tokens

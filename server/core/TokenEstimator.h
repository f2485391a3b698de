#pragma once
// Token counts the gateway needs before (upper bounds, for reservations) and without (estimates,
// for billing when an upstream reports no usage) a tokenizer.
#include <QtGlobal>
#include <rapidjson/document.h>

namespace dynaseal::tokens {

// Documented estimate: one token per 4 bytes of UTF-8, rounded up (OpenAI's rule of thumb).
qint64 estimate(qint64 utf8Bytes);

struct PromptSize
{
    // What a byte-level BPE tokenizer (GPT, DeepSeek, Qwen, Llama 3...) can count at most: a token
    // covers at least one byte, so the UTF-8 bytes of every string in the messages (or prompt or
    // input) bound their tokens; tool, function and response-format definitions count with their
    // JSON bytes plus an allowance for the text a chat template wraps them in; each message adds
    // the template's role markers; each image a fixed allowance.
    qint64 upperBound = 0;
    // What is billed for the prompt when the upstream reports no usage.
    qint64 estimate = 0;
};

// Handles chat `messages` (string or content parts, tool calls), completion `prompt` (string,
// list, or token ids) and embeddings `input`. `body` is the request's JSON object, read as the
// upstream will receive it (definitions count with the bytes they are written in).
PromptSize promptSize(const rapidjson::Value &body);

// Allowances and overheads, exposed so docs and tests name the same numbers.
constexpr qint64 kImageUpperBound = 2000;
constexpr qint64 kImageEstimate = 765;
constexpr qint64 kMessageOverheadUpperBound = 8;
constexpr qint64 kMessageOverheadEstimate = 4;
constexpr qint64 kToolsOverheadUpperBound = 256;
constexpr qint64 kRequestOverheadUpperBound = 32;
constexpr qint64 kRequestOverheadEstimate = 3;

} // namespace dynaseal::tokens

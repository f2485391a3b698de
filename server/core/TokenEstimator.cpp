#include "server/core/TokenEstimator.h"

#include "server/core/JsonMembers.h"

#include <rapidjson/writer.h>

namespace dynaseal::tokens {
namespace {

struct Tally
{
    qint64 textBytes = 0;       // strings the model reads
    qint64 contentBytes = 0;    // of which message content / prompt / input (for the estimate)
    qint64 images = 0;
    qint64 messages = 0;
    qint64 definitionBytes = 0; // tools, functions, response format
};

using json::isText;

// Counts what a Writer writes, without keeping it: a definition's size as JSON.
struct ByteCounter
{
    using Ch = char;
    qint64 bytes = 0;
    void Put(char) { ++bytes; }
    void Flush() {}
};

qint64 jsonBytes(const rapidjson::Value &value)
{
    ByteCounter counter;
    rapidjson::Writer<ByteCounter> writer(counter);
    value.Accept(writer);
    return counter.bytes;
}

// Every string leaf counts its UTF-8 bytes; numbers (token ids) count one each; image parts
// count as images. Keys and JSON punctuation are not read by the model as text.
void addValue(const rapidjson::Value &value, Tally &tally, bool isContent)
{
    if (value.IsString()) {
        const qint64 bytes = value.GetStringLength();
        tally.textBytes += bytes;
        if (isContent)
            tally.contentBytes += bytes;
    } else if (value.IsNumber()) {
        tally.textBytes += 1;
        if (isContent)
            tally.contentBytes += 4;
    } else if (value.IsArray()) {
        for (const rapidjson::Value &item : value.GetArray())
            addValue(item, tally, isContent);
    } else if (value.IsObject()) {
        const auto type = value.FindMember("type");
        if (type != value.MemberEnd() && (isText(type->value, "image_url") || isText(type->value, "input_image"))) {
            ++tally.images;
            return;
        }
        for (const auto &member : value.GetObject()) {
            if (!isText(member.name, "type"))
                addValue(member.value, tally, isContent);
        }
    }
}

} // namespace

qint64 estimate(qint64 utf8Bytes)
{
    return (utf8Bytes + 3) / 4;
}

PromptSize promptSize(const rapidjson::Value &body)
{
    auto member = [&body](const char *name) { return json::member(body, name); };
    Tally tally;
    if (const rapidjson::Value *messages = member("messages"); messages && messages->IsArray()) {
        for (const rapidjson::Value &message : messages->GetArray()) {
            ++tally.messages;
            if (!message.IsObject())
                continue;
            for (const auto &field : message.GetObject()) {
                if (!isText(field.name, "role")) // the role is part of the per-message markers
                    addValue(field.value, tally, isText(field.name, "content"));
            }
        }
    }
    for (const char *name : {"prompt", "input"}) {
        if (const rapidjson::Value *text = member(name))
            addValue(*text, tally, true);
    }
    for (const char *name : {"tools", "functions", "response_format", "tool_choice"}) {
        const rapidjson::Value *definition = member(name);
        if (definition && (definition->IsArray() || definition->IsObject()))
            tally.definitionBytes += jsonBytes(*definition);
        else if (definition && definition->IsString())
            tally.definitionBytes += definition->GetStringLength();
    }

    PromptSize size;
    size.upperBound = tally.textBytes + tally.messages * kMessageOverheadUpperBound + kRequestOverheadUpperBound
        + tally.images * kImageUpperBound + (tally.definitionBytes ? tally.definitionBytes + kToolsOverheadUpperBound : 0);
    size.estimate = estimate(tally.contentBytes + tally.definitionBytes) + tally.messages * kMessageOverheadEstimate
        + kRequestOverheadEstimate + tally.images * kImageEstimate;
    return size;
}

} // namespace dynaseal::tokens

#include "shared/TokenEstimator.h"

#include <QJsonArray>
#include <QJsonDocument>

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

// Every string leaf counts its UTF-8 bytes; numbers (token ids) count one each; image parts
// count as images. Keys and JSON punctuation are not read by the model as text.
void addValue(const QJsonValue &value, Tally &tally, bool isContent)
{
    if (value.isString()) {
        const qint64 bytes = value.toString().toUtf8().size();
        tally.textBytes += bytes;
        if (isContent)
            tally.contentBytes += bytes;
    } else if (value.isDouble()) {
        tally.textBytes += 1;
        if (isContent)
            tally.contentBytes += 4;
    } else if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            addValue(item, tally, isContent);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        const QString type = object.value(QLatin1String("type")).toString();
        if (type == QLatin1String("image_url") || type == QLatin1String("input_image")) {
            ++tally.images;
            return;
        }
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() != QLatin1String("type"))
                addValue(it.value(), tally, isContent);
        }
    }
}

} // namespace

qint64 estimate(qint64 utf8Bytes)
{
    return (utf8Bytes + 3) / 4;
}

PromptSize promptSize(const QJsonObject &body)
{
    Tally tally;
    const QJsonValue messages = body.value(QLatin1String("messages"));
    if (messages.isArray()) {
        for (const QJsonValue &message : messages.toArray()) {
            ++tally.messages;
            const QJsonObject m = message.toObject();
            for (auto it = m.begin(); it != m.end(); ++it) {
                if (it.key() != QLatin1String("role")) // the role is part of the per-message markers
                    addValue(it.value(), tally, it.key() == QLatin1String("content"));
            }
        }
    }
    addValue(body.value(QLatin1String("prompt")), tally, true);
    addValue(body.value(QLatin1String("input")), tally, true);
    for (const char *field : {"tools", "functions", "response_format", "tool_choice"}) {
        const QJsonValue v = body.value(QLatin1String(field));
        if (v.isArray())
            tally.definitionBytes += QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact).size();
        else if (v.isObject())
            tally.definitionBytes += QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact).size();
        else if (v.isString())
            tally.definitionBytes += v.toString().toUtf8().size();
    }

    PromptSize size;
    size.upperBound = tally.textBytes + tally.messages * kMessageOverheadUpperBound + kRequestOverheadUpperBound
        + tally.images * kImageUpperBound + (tally.definitionBytes ? tally.definitionBytes + kToolsOverheadUpperBound : 0);
    size.estimate = estimate(tally.contentBytes + tally.definitionBytes) + tally.messages * kMessageOverheadEstimate
        + kRequestOverheadEstimate + tally.images * kImageEstimate;
    return size;
}

} // namespace dynaseal::tokens

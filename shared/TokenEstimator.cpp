#include "shared/TokenEstimator.h"

#include <QJsonArray>

namespace dynaseal::tokens {
namespace {

struct Tally
{
    qint64 textBytes = 0;
    qint64 images = 0;
    qint64 messages = 0;
};

void addValue(const QJsonValue &value, Tally &tally)
{
    if (value.isString()) {
        tally.textBytes += value.toString().toUtf8().size();
    } else if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            addValue(item, tally);
    } else if (value.isObject()) {
        // Content parts: {"type":"text","text":...} or {"type":"image_url",...}.
        const QJsonObject part = value.toObject();
        const QString type = part.value(QLatin1String("type")).toString();
        if (type == QLatin1String("image_url") || type == QLatin1String("input_image"))
            ++tally.images;
        else
            addValue(part.value(QLatin1String("text")), tally);
    } else if (value.isDouble()) {
        tally.textBytes += 1; // token ids given directly: at most one token each, counted as a byte
    }
}

} // namespace

qint64 estimate(qint64 utf8Bytes)
{
    return (utf8Bytes + 3) / 4;
}

PromptSize promptSize(const QByteArray &rawBody, const QJsonObject &body)
{
    Tally tally;
    const QJsonValue messages = body.value(QLatin1String("messages"));
    if (messages.isArray()) {
        for (const QJsonValue &message : messages.toArray()) {
            ++tally.messages;
            addValue(message.toObject().value(QLatin1String("content")), tally);
        }
    }
    addValue(body.value(QLatin1String("prompt")), tally);
    addValue(body.value(QLatin1String("input")), tally);

    PromptSize size;
    size.upperBound = rawBody.size() + kRequestOverheadUpperBound + tally.images * kImageUpperBound;
    size.estimate = estimate(tally.textBytes) + tally.messages * kMessageOverheadEstimate
        + kRequestOverheadEstimate + tally.images * kImageEstimate;
    return size;
}

} // namespace dynaseal::tokens

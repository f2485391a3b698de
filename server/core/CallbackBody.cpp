#include "server/core/CallbackBody.h"

#include "shared/Crypto.h"

#include <QStringEncoder>
#include <QVarLengthArray>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace dynaseal {

QByteArray CallbackBody::build(const QString &eventId, QByteArrayView content, qint64 promptTokens,
                               qint64 completionTokens, const QString &model, const QString &tenantId,
                               const QString &requestId, const QString &status, const QString &error)
{
    // Written straight out with RapidJSON: building a QJsonObject and serialising it took ~10 %
    // of a serving thread's CPU under load. Keys in the order QJsonDocument wrote them.
    const qint64 total = promptTokens + completionTokens;
    rapidjson::StringBuffer out;
    out.Reserve(size_t(192 + content.size() * 5 / 4 + error.size() * 3 / 2));
    rapidjson::Writer<rapidjson::StringBuffer> json(out);
    // Each value as UTF-8 into one buffer, not a QByteArray each. A lone surrogate becomes U+FFFD,
    // as SqlSession::run stores it (a request's row), so the writer always gets valid UTF-8 and a
    // tenant finds the event id it was called back with in the admin API.
    QStringEncoder utf8(QStringEncoder::Utf8, QStringConverter::Flag::Stateless);
    QVarLengthArray<char, 256> text;
    auto string = [&json, &utf8, &text](const char *key, const QString &value) {
        json.Key(key);
        text.resize(utf8.requiredSpace(value.size()));
        const char *end = utf8.appendToBuffer(text.data(), value);
        json.String(text.data(), rapidjson::SizeType(end - text.data()));
    };
    json.StartObject();
    json.Key("content");
    json.String(content.isEmpty() ? "" : content.data(), rapidjson::SizeType(content.size())); // never a null pointer
    if (!error.isEmpty())
        string("error", error);
    string("event_id", eventId);
    string("model", model);
    string("request_id", requestId);
    string("status", status);
    string("tenant_id", tenantId);
    json.Key("tokens");
    json.Int64(total);
    json.Key("usage");
    json.StartObject();
    json.Key("completion_tokens");
    json.Int64(completionTokens);
    json.Key("prompt_tokens");
    json.Int64(promptTokens);
    json.Key("total_tokens");
    json.Int64(total);
    json.EndObject();
    json.EndObject();
    return QByteArray(out.GetString(), qsizetype(out.GetSize()));
}

QByteArray CallbackBody::signature(const crypto::HmacSha256Key &key, const QByteArray &secret, qint64 unixSeconds,
                                   const QByteArray &body)
{
    if (key.isNull())
        return signature(secret, unixSeconds, body);
    const QByteArray t = QByteArray::number(unixSeconds);
    return "t=" + t + ",v1=" + key.mac(QByteArray(t + '.' + body)).toHex();
}

QByteArray CallbackBody::signature(const QByteArray &secret, qint64 unixSeconds, const QByteArray &body)
{
    const QByteArray t = QByteArray::number(unixSeconds);
    const QByteArray signedPayload = t + '.' + body;
    return "t=" + t + ",v1=" + crypto::hmacSha256Hex(secret, signedPayload);
}

} // namespace dynaseal

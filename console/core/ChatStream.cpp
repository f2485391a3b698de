#include "console/core/ChatStream.h"

#include "console/core/AdminClient.h"
#include "console/core/AdminError.h"
#include "console/core/CertificateTrust.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>

namespace dynaseal::console {

ChatStream::ChatStream(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

void ChatStream::start(const QByteArray &dynamicKey, const QJsonObject &body)
{
    cancel();
    m_text.clear();
    m_usage = {};
    m_sawDone = false;
    m_parser.reset();
    QNetworkRequest r = m_client->request(QStringLiteral("/v1/chat/completions"), {}, dynamicKey);
    r.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    r.setRawHeader("Accept", "text/event-stream");
    r.setTransferTimeout(120'000);
    m_clock.start();
    m_reply = m_client->network()->post(r, QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (m_client->trust())
        m_client->trust()->watch(m_reply);
    connect(m_reply, &QNetworkReply::readyRead, this, &ChatStream::onData);
    connect(m_reply, &QNetworkReply::finished, this, &ChatStream::onFinished);
}

void ChatStream::cancel()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
}

void ChatStream::onData()
{
    if (m_reply)
        consume(m_reply);
}

void ChatStream::consume(QNetworkReply *reply)
{
    // Error bodies and non-streamed answers are read whole when the reply finishes.
    if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200
        || !reply->header(QNetworkRequest::ContentTypeHeader).toString().startsWith(QLatin1String("text/event-stream")))
        return;
    for (const SseEvent &e : m_parser.feed(reply->readAll())) {
        if (e.data.trimmed() == "[DONE]") {
            m_sawDone = true;
            continue;
        }
        const QJsonObject chunk = QJsonDocument::fromJson(e.data).object();
        if (chunk.value(QLatin1String("usage")).isObject())
            m_usage = chunk.value(QLatin1String("usage")).toObject();
        for (const QJsonValue &choice : chunk.value(QLatin1String("choices")).toArray()) {
            const QString piece
                = choice.toObject().value(QLatin1String("delta")).toObject().value(QLatin1String("content")).toString();
            if (!piece.isEmpty()) {
                m_text += piece;
                emit delta(piece);
            }
        }
    }
}

void ChatStream::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    m_reply = nullptr;
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0) {
        emit failed(AdminError::fromNetwork(reply->error(), reply->errorString(), reply->url()).text());
        return;
    }
    if (status != 200) {
        emit failed(AdminError::fromHttp(status, reply->readAll(), tr("send the chat")).text());
        return;
    }
    consume(reply);
    const qint64 elapsed = m_clock.elapsed();
    if (!m_sawDone && m_text.isEmpty()) {
        // A server that ignored "stream": one JSON answer.
        const QJsonObject whole = QJsonDocument::fromJson(reply->readAll()).object();
        const QJsonObject message
            = whole.value(QLatin1String("choices")).toArray().first().toObject().value(QLatin1String("message")).toObject();
        const QString content = message.value(QLatin1String("content")).toString();
        if (!content.isEmpty()) {
            m_text = content;
            emit delta(content);
        }
        m_usage = whole.value(QLatin1String("usage")).toObject();
    }
    emit finished(m_usage, elapsed);
}

} // namespace dynaseal::console

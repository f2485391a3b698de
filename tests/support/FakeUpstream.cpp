#include "tests/support/FakeUpstream.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTimer>

namespace dynaseal::test {

FakeUpstream::FakeUpstream(QObject *parent) : QObject(parent)
{
    m_http.setHandler([this](const RecordedRequest &r, QTcpSocket *s) { handle(r, s); });
}

QList<QJsonObject> FakeUpstream::bodies() const
{
    QList<QJsonObject> out;
    for (const RecordedRequest &r : m_http.requests)
        out.append(QJsonDocument::fromJson(r.body).object());
    return out;
}

qint64 FakeUpstream::unsentOfLastStream() const
{
    return m_lastStream ? m_lastStream->bytesToWrite() : 0;
}

bool FakeUpstream::lastStreamOpen() const
{
    return m_lastStream && m_lastStream->state() == QAbstractSocket::ConnectedState;
}

QJsonObject FakeUpstream::lastBody() const
{
    return m_http.requests.isEmpty() ? QJsonObject() : QJsonDocument::fromJson(m_http.requests.last().body).object();
}

void FakeUpstream::handle(const RecordedRequest &request, QTcpSocket *socket)
{
    const UpstreamBehavior b = behavior;
    if (b.hang)
        return;
    if (b.status != 200) {
        MiniHttpServer::respond(socket, b.status, b.errorBody);
        return;
    }
    const QJsonObject body = QJsonDocument::fromJson(request.body).object();
    const QString model = body.value(QLatin1String("model")).toString();
    if (request.path.endsWith("/embeddings")) {
        QJsonObject reply{{QStringLiteral("object"), QStringLiteral("list")},
                          {QStringLiteral("data"), QJsonArray{QJsonObject{{QStringLiteral("embedding"), QJsonArray{0.5, 0.25}}, {QStringLiteral("index"), 0}}}},
                          {QStringLiteral("model"), model}};
        if (b.reportUsage)
            reply.insert(QStringLiteral("usage"), QJsonObject{{QStringLiteral("prompt_tokens"), b.promptTokens}, {QStringLiteral("total_tokens"), b.promptTokens}});
        MiniHttpServer::respond(socket, 200, QJsonDocument(reply).toJson(QJsonDocument::Compact));
        return;
    }
    const qint64 cap = body.value(QLatin1String("max_tokens")).toInteger(body.value(QLatin1String("max_completion_tokens")).toInteger(1 << 30));
    const qint64 completion = std::min(b.completionTokens, cap);
    const QJsonObject usage{{QStringLiteral("prompt_tokens"), b.promptTokens},
                            {QStringLiteral("completion_tokens"), completion + b.overReport},
                            {QStringLiteral("total_tokens"), b.promptTokens + completion + b.overReport}};
    QStringList words;
    for (qint64 i = 0; i < completion; ++i)
        words.append(QStringLiteral("w%1").arg(i));

    if (!body.value(QLatin1String("stream")).toBool()) {
        QJsonObject reply{{QStringLiteral("id"), QStringLiteral("chatcmpl-fake")},
                          {QStringLiteral("object"), QStringLiteral("chat.completion")},
                          {QStringLiteral("model"), model},
                          {QStringLiteral("choices"), QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                                              {QStringLiteral("message"), QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                                                                                                                      {QStringLiteral("content"), words.join(QLatin1Char(' '))}}},
                                                                              {QStringLiteral("finish_reason"), QStringLiteral("stop")}}}}};
        if (b.reportUsage)
            reply.insert(QStringLiteral("usage"), usage);
        if (b.chunkPadding > 0)
            reply.insert(QStringLiteral("padding"), QString(b.chunkPadding, QLatin1Char('x')));
        MiniHttpServer::respond(socket, 200, QJsonDocument(reply).toJson(QJsonDocument::Compact));
        return;
    }

    const bool includeUsage = b.reportUsage && body.value(QLatin1String("stream_options")).toObject().value(QLatin1String("include_usage")).toBool();
    QList<QByteArray> events;
    for (int i = 0; i < words.size(); ++i) {
        QJsonObject chunk{{QStringLiteral("object"), QStringLiteral("chat.completion.chunk")}, {QStringLiteral("model"), model},
                                {QStringLiteral("choices"), QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                                                    {QStringLiteral("delta"), QJsonObject{{QStringLiteral("content"), QString((i ? QStringLiteral(" ") : QString()) + words.at(i))}}}}}}};
        if (b.chunkPadding > 0)
            chunk.insert(QStringLiteral("padding"), QString(b.chunkPadding, QLatin1Char('x')));
        events.append("data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\n\n");
    }
    if (includeUsage)
        events.append("data: " + QJsonDocument(QJsonObject{{QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                                                           {QStringLiteral("choices"), QJsonArray{}}, {QStringLiteral("usage"), usage}}).toJson(QJsonDocument::Compact) + "\n\n");
    events.append("data: [DONE]\n\n");

    MiniHttpServer::beginChunked(socket, 200, "text/event-stream");
    m_lastStream = socket;
    QPointer<QTcpSocket> guard(socket);
    auto next = std::make_shared<int>(0);
    auto step = std::make_shared<std::function<void()>>();
    *step = [this, guard, events, next, step, b] {
        if (!guard || guard->state() != QAbstractSocket::ConnectedState)
            return;
        if (b.breakAfterChunks >= 0 && *next >= b.breakAfterChunks) {
            guard->disconnectFromHost();
            return;
        }
        if (*next >= events.size()) {
            MiniHttpServer::endChunked(guard);
            ++streamsCompleted;
            return;
        }
        MiniHttpServer::chunk(guard, events.at((*next)++));
        QTimer::singleShot(b.chunkDelayMs, this, *step);
    };
    (*step)();
}

} // namespace dynaseal::test

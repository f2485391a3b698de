#pragma once
// An OpenAI-compatible upstream for tests: answers chat, completions and embeddings, streams
// when asked, honours max_tokens, and can be told to fail, hang, omit usage or break off.
#include "tests/support/MiniHttpServer.h"

#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>

namespace dynaseal::test {

struct UpstreamBehavior
{
    int status = 200;              // non-200: answer this status with errorBody
    QByteArray errorBody = R"({"error":{"message":"upstream says no","type":"invalid_request_error","code":"bad"}})";
    bool reportUsage = true;       // false: never send usage
    qint64 promptTokens = 9;
    qint64 completionTokens = 5;   // reported; capped at the request's max_tokens
    int chunkDelayMs = 0;          // between streamed chunks
    bool hang = false;             // accept the request, never answer
    int breakAfterChunks = -1;     // >= 0: close the connection after this many chunks
    qint64 overReport = 0;         // added to reported completion tokens (a misbehaving upstream)
    int chunkPadding = 0;          // bytes of filler in each streamed chunk, or in the whole answer (a "padding" field)
};

class FakeUpstream : public QObject
{
    Q_OBJECT
public:
    explicit FakeUpstream(QObject *parent = nullptr);
    bool listen() { return m_http.listen(); }
    QString baseUrl() const { return m_http.origin() + QStringLiteral("/v1"); }
    MiniHttpServer &http() { return m_http; }

    UpstreamBehavior behavior;
    QList<QJsonObject> bodies() const; // every request body received, parsed
    QJsonObject lastBody() const;
    int streamsCompleted = 0;
    // Of the last stream, what its socket has not handed to the kernel yet: how far the gateway
    // holds it back.
    qint64 unsentOfLastStream() const;
    bool lastStreamOpen() const;

private:
    void handle(const RecordedRequest &request, QTcpSocket *socket);
    MiniHttpServer m_http;
    QPointer<QTcpSocket> m_lastStream;
};

} // namespace dynaseal::test

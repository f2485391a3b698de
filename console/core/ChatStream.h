#pragma once
// One streamed chat completion for the playground, sent the way a device would: with a dynamic
// key, "stream": true, and the answer read as Server-Sent Events while it arrives.
#include "console/core/SseParser.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

class QNetworkReply;

namespace dynaseal::console {

class AdminClient;

class ChatStream : public QObject
{
    Q_OBJECT
public:
    explicit ChatStream(AdminClient *client, QObject *parent = nullptr);

    void start(const QByteArray &dynamicKey, const QJsonObject &body);
    void cancel();
    bool isRunning() const { return m_reply != nullptr; }
    QString text() const { return m_text; }
    QJsonObject usage() const { return m_usage; }

signals:
    void delta(const QString &text);
    // Done normally: `usage` is the upstream's usage chunk (may be empty).
    void finished(const QJsonObject &usage, qint64 elapsedMs);
    void failed(const QString &message);

private:
    void onData();
    void onFinished();
    void consume(QNetworkReply *reply);

    AdminClient *m_client;
    QPointer<QNetworkReply> m_reply;
    SseParser m_parser;
    QString m_text;
    QJsonObject m_usage;
    QElapsedTimer m_clock;
    bool m_sawDone = false;
};

} // namespace dynaseal::console

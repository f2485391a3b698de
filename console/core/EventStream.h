#pragma once
// The live event stream, GET /admin/v1/events: 15 minutes of history on connect, then a stats
// point every second and request and callback events as they happen. Reconnects on its own
// with a growing delay (1 s … 30 s) and stops only when the token is refused.
#include "console/core/AdminError.h"
#include "console/core/LiveSeries.h"
#include "console/core/SseParser.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkReply;

namespace dynaseal::console {

class AdminClient;

class EventStream : public QObject
{
    Q_OBJECT
public:
    enum class State { Stopped, Connecting, Live, Waiting, Refused };
    Q_ENUM(State)

    explicit EventStream(AdminClient *client, QObject *parent = nullptr);
    ~EventStream() override;

    // Opens (or reopens) the stream for these filters; empty means all.
    void start(const QString &tenantId = {}, const QString &model = {});
    void stop();
    void setFilter(const QString &tenantId, const QString &model);

    State state() const { return m_state; }
    QString tenantFilter() const { return m_tenantId; }
    QString modelFilter() const { return m_model; }
    int retryInSeconds() const;
    // The delay before attempt `attempt` (0-based) after a failure.
    static int backoffMs(int attempt);

signals:
    void stateChanged(dynaseal::console::EventStream::State state, const QString &detail);
    void history(const QList<dynaseal::console::LiveSample> &points);
    void stats(const dynaseal::console::LiveSample &point);
    void requestFinished(const QJsonObject &request);
    void callbackAttempted(const QJsonObject &callback);

private:
    void open();
    void onData();
    void onFinished();
    void setState(State state, const QString &detail = {});
    void scheduleRetry(const QString &why);

    AdminClient *m_client;
    QPointer<QNetworkReply> m_reply;
    SseParser m_parser;
    QTimer m_retry;
    QString m_tenantId;
    QString m_model;
    State m_state = State::Stopped;
    int m_failures = 0;
};

} // namespace dynaseal::console

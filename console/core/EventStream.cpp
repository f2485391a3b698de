#include "console/core/EventStream.h"

#include "console/core/AdminClient.h"
#include "console/core/CertificateTrust.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QRandomGenerator>

namespace dynaseal::console {
namespace {
// The server sends a stats point every second: this much silence means the connection is dead.
constexpr int kIdleTimeoutMs = 15'000;
} // namespace

EventStream::EventStream(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &EventStream::open);
}

EventStream::~EventStream()
{
    stop();
}

int EventStream::backoffMs(int attempt)
{
    static const int steps[] = { 1000, 2000, 4000, 8000, 15000, 30000 };
    return steps[std::clamp(attempt, 0, int(std::size(steps)) - 1)];
}

int EventStream::retryInSeconds() const
{
    return m_retry.isActive() ? (m_retry.remainingTime() + 999) / 1000 : 0;
}

void EventStream::start(const QString &tenantId, const QString &model)
{
    m_tenantId = tenantId;
    m_model = model;
    m_failures = 0;
    open();
}

void EventStream::setFilter(const QString &tenantId, const QString &model)
{
    if (tenantId == m_tenantId && model == m_model && m_state != State::Stopped)
        return;
    start(tenantId, model);
}

void EventStream::stop()
{
    m_retry.stop();
    if (m_reply) {
        QNetworkReply *reply = m_reply;
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
    setState(State::Stopped);
}

void EventStream::setState(State state, const QString &detail)
{
    if (state == m_state && detail.isEmpty())
        return;
    m_state = state;
    emit stateChanged(state, detail);
}

void EventStream::open()
{
    m_retry.stop();
    if (m_reply) {
        QNetworkReply *old = m_reply;
        m_reply = nullptr;
        old->disconnect(this);
        old->abort();
        old->deleteLater();
    }
    if (!m_client->hasSession()) {
        setState(State::Stopped);
        return;
    }
    QUrlQuery q;
    if (!m_tenantId.isEmpty())
        q.addQueryItem(QStringLiteral("tenant_id"), m_tenantId);
    if (!m_model.isEmpty())
        q.addQueryItem(QStringLiteral("model"), m_model);
    QNetworkRequest r = m_client->request(QStringLiteral("/admin/v1/events"), q);
    r.setRawHeader("Accept", "text/event-stream");
    r.setRawHeader("Cache-Control", "no-cache");
    r.setTransferTimeout(kIdleTimeoutMs);
    m_parser.reset();
    m_reply = m_client->network()->get(r);
    if (m_client->trust())
        m_client->trust()->watch(m_reply);
    connect(m_reply, &QNetworkReply::readyRead, this, &EventStream::onData);
    connect(m_reply, &QNetworkReply::finished, this, &EventStream::onFinished);
    setState(State::Connecting);
}

void EventStream::onData()
{
    if (!m_reply)
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return; // the error body is read when the reply finishes
    for (const SseEvent &e : m_parser.feed(m_reply->readAll())) {
        const QJsonObject data = QJsonDocument::fromJson(e.data).object();
        if (e.type == QLatin1String("history")) {
            QList<LiveSample> points;
            for (const QJsonValue &p : data.value(QLatin1String("points")).toArray())
                points.append(LiveSample::fromJson(p.toObject()));
            m_failures = 0;
            setState(State::Live);
            emit history(points);
        } else if (e.type == QLatin1String("stats")) {
            emit stats(LiveSample::fromJson(data));
        } else if (e.type == QLatin1String("request")) {
            emit requestFinished(data);
        } else if (e.type == QLatin1String("callback")) {
            emit callbackAttempted(data);
        }
    }
}

void EventStream::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    m_reply = nullptr;
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 401) {
        const AdminError e = AdminError::fromHttp(status, reply->readAll());
        setState(State::Refused, e.text());
        return;
    }
    if (status == 404) {
        setState(
            State::Refused, tr("This server has no live event stream (GET /admin/v1/events); upgrade it to see live graphs."));
        return;
    }
    QString why;
    if (status == 0)
        why = AdminError::fromNetwork(reply->error(), reply->errorString(), reply->url()).summary;
    else if (status != 200)
        why = AdminError::fromHttp(status, reply->readAll()).summary;
    else
        why = tr("The live stream ended.");
    scheduleRetry(why);
}

void EventStream::scheduleRetry(const QString &why)
{
    const int delay = backoffMs(m_failures++);
    // A little jitter so many consoles do not reconnect in step after a server restart.
    const int jitter = int(QRandomGenerator::global()->bounded(delay / 5 + 1));
    m_retry.start(delay + jitter);
    setState(State::Waiting, why);
}

} // namespace dynaseal::console

#pragma once
// Stands in for a tenant's backend: records callbacks, checks their signatures, and can fail or
// hang on purpose to exercise retries and crashes.
#include "tests/support/MiniHttpServer.h"

#include <QJsonObject>

namespace dynaseal::test {

class CallbackReceiver : public QObject
{
    Q_OBJECT
public:
    explicit CallbackReceiver(QObject *parent = nullptr);
    bool listen() { return m_http.listen(); }
    QString url() const { return m_http.origin() + QStringLiteral("/callbacks"); }
    MiniHttpServer &http() { return m_http; }

    int failNext = 0;  // answer 500 to this many more deliveries
    int status = 200;  // then this
    bool hang = false; // record deliveries, never answer them

    QList<RecordedRequest> deliveries() const { return m_http.requests; }
    QList<QJsonObject> bodies() const;
    // Callbacks answered 2xx, one per distinct delivery id (X-Dynaseal-Delivery, or each
    // item's delivery_id in a batch), in the order they first arrived.
    QList<QJsonObject> acknowledged() const;
    // The (delivery id, callback) pairs one POST carried: one, or a batch's items.
    static QList<QPair<QByteArray, QJsonObject>> callbacksIn(const RecordedRequest &request);
    // True if `request`'s X-Dynaseal-Signature is HMAC-SHA256(secret, "<t>.<body>").
    static bool signatureValid(const RecordedRequest &request, const QByteArray &secret);

private:
    MiniHttpServer m_http;
    QHash<QByteArray, QJsonObject> m_acknowledged;
    QList<QByteArray> m_order;
};

} // namespace dynaseal::test

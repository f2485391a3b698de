#include "tests/support/CallbackReceiver.h"

#include "shared/Crypto.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace dynaseal::test {

CallbackReceiver::CallbackReceiver(QObject *parent) : QObject(parent)
{
    m_http.setHandler([this](const RecordedRequest &r, QTcpSocket *s) {
        if (hang)
            return;
        if (failNext > 0) {
            --failNext;
            MiniHttpServer::respond(s, 500, R"({"ok":false})");
            return;
        }
        if (status >= 200 && status < 300) {
            for (const auto &[id, body] : callbacksIn(r)) {
                if (!m_acknowledged.contains(id))
                    m_order.append(id);
                m_acknowledged.insert(id, body);
            }
        }
        MiniHttpServer::respond(s, status, R"({"ok":true})");
    });
}

QList<QPair<QByteArray, QJsonObject>> CallbackReceiver::callbacksIn(const RecordedRequest &r)
{
    const QJsonObject body = QJsonDocument::fromJson(r.body).object();
    if (!r.headers.contains("x-dynaseal-batch"))
        return {{r.headers.value("x-dynaseal-delivery"), body}};
    QList<QPair<QByteArray, QJsonObject>> out;
    for (const QJsonValue &item : body.value(QLatin1String("callbacks")).toArray())
        out.append({item.toObject().value(QLatin1String("delivery_id")).toString().toLatin1(), item.toObject().value(QLatin1String("callback")).toObject()});
    return out;
}

QList<QJsonObject> CallbackReceiver::bodies() const
{
    QList<QJsonObject> out;
    for (const RecordedRequest &r : m_http.requests)
        out.append(QJsonDocument::fromJson(r.body).object());
    return out;
}

QList<QJsonObject> CallbackReceiver::acknowledged() const
{
    QList<QJsonObject> out;
    for (const QByteArray &id : m_order)
        out.append(m_acknowledged.value(id));
    return out;
}

bool CallbackReceiver::signatureValid(const RecordedRequest &request, const QByteArray &secret)
{
    const QByteArray header = request.headers.value("x-dynaseal-signature");
    const qsizetype comma = header.indexOf(',');
    if (!header.startsWith("t=") || comma < 0 || header.mid(comma + 1, 3) != "v1=")
        return false;
    const QByteArray t = header.mid(2, comma - 2);
    const QByteArray payload = t + '.' + request.body;
    return crypto::constantTimeEquals(crypto::hmacSha256Hex(secret, payload), header.mid(comma + 4));
}

} // namespace dynaseal::test

#pragma once
// A tiny HTTP/1.1 server for test fakes (the upstream, the tenant's callback receiver): parses
// requests with Content-Length bodies and lets the fake answer, stream or hang on its own terms.
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <functional>

namespace dynaseal::test {

struct RecordedRequest
{
    QByteArray method;
    QByteArray path;
    QHash<QByteArray, QByteArray> headers; // lower-cased names
    QByteArray body;
};

class MiniHttpServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(const RecordedRequest &, QTcpSocket *)>;
    explicit MiniHttpServer(QObject *parent = nullptr);
    ~MiniHttpServer() override;

    bool listen();
    // Serves HTTPS with the test certificate (tests/support/TestCertificate.h) from now on.
    void setTls(bool on) { m_server.tls = on; }
    quint16 port() const { return m_server.serverPort(); }
    QString origin() const
    {
        return QStringLiteral("%1://127.0.0.1:%2").arg(m_server.tls ? QStringLiteral("https") : QStringLiteral("http")).arg(port());
    }
    void setHandler(Handler handler) { m_handler = std::move(handler); }

    QList<RecordedRequest> requests;
    int acceptedConnections = 0;
    int clientDisconnects = 0; // connections the peer closed

    static void respond(QTcpSocket *socket, int status, const QByteArray &body,
                        const QByteArray &contentType = "application/json", const QList<QPair<QByteArray, QByteArray>> &extra = {});
    static void beginChunked(QTcpSocket *socket, int status, const QByteArray &contentType);
    static void chunk(QTcpSocket *socket, const QByteArray &data);
    static void endChunked(QTcpSocket *socket);

signals:
    void requestReceived();

private:
    void onReadyRead(QTcpSocket *socket);
    // Accepts plain connections, or TLS ones that encrypt before their first read.
    class Listener : public QTcpServer
    {
    public:
        bool tls = false;

    protected:
        void incomingConnection(qintptr descriptor) override;
    };
    Listener m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    Handler m_handler;
};

} // namespace dynaseal::test

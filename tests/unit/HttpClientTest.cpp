// HttpClient against an in-process fake upstream: framing, pooling, limits, timeouts, retry,
// cancellation, re-entrant handlers and TLS.
#include "server/net/HttpClient.h"
#include "server/net/TlsClientContext.h"
#include "tests/support/TestCertificate.h"
#include "tests/unit/EventLoopTestMain.h"

#include <QPointer>
#include <QScopeGuard>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QUrlQuery>
#include <QtTest>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

using namespace dynaseal;

namespace {


QByteArray headerValue(const HttpHeaders &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (key == name)
            return value;
    }
    return {};
}

QByteArray chunk(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

// A client that trusts the test certificate, besides the system's CAs.
HttpClientOptions trustingTestCertificate(HttpClientOptions options = {})
{
    options.extraCaCertificates = {QSslCertificate(QByteArray(test::kTestCertificate))};
    return options;
}

HttpRequest makeRequest(const QByteArray &method, const QUrl &url, const QByteArray &body = {})
{
    HttpRequest request;
    request.method = method;
    request.url = url;
    request.body = body;
    return request;
}

// The fake upstream; what it does is chosen by the request path:
//   /echo               200 with the request body; what it saw comes back in X-Got-* headers
//   /slow?delay=ms      200 "slow" after a delay
//   /chunked?n=&delay=  chunked body "piece0;piece1;..." one piece per delay
//   /stream             chunked body, "tick;" every 20 ms until the client goes away
//   /stall              chunked: head and one piece, then silence
//   /close              200 with Connection: close, then closes
//   /drop               closes without answering
//   /stale              answers the first request of a connection, closes on later ones
//   /first-only         answers the first request of a connection, then closes it gracefully
//                       (later requests on it go unanswered)
//   /linger             answers, then closes the idle connection 50 ms later
//   /eof                body without length in two pieces, ended by closing
//   /garbage            not HTTP at all
//   /early-hints        a 103 interim response before the 200
//   /head               Content-Length: 5, body only if the method is not HEAD
//   /empty              204 No Content
class FakeServer : public QTcpServer
{
    Q_OBJECT
public:
    explicit FakeServer(bool tls = false, QByteArray certificate = test::kTestCertificate, QByteArray key = test::kTestKey)
        : m_tls(tls), m_certificate(std::move(certificate)), m_key(std::move(key))
    {
        listen(QHostAddress::LocalHost, 0);
    }

    QUrl url(const QString &pathAndQuery) const
    {
        return QUrl(QStringLiteral("%1://127.0.0.1:%2%3")
                        .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"))
                        .arg(serverPort())
                        .arg(pathAndQuery));
    }

    int accepted = 0;     // connections accepted
    int open = 0;         // connections open now
    int maxOpen = 0;      // most connections open at once
    int clientClosed = 0; // connections closed by the client (not by us)
    // Of the last /big response, what the socket has not handed to the kernel yet.
    qint64 unsentOfBig() const
    {
        if (!m_big)
            return 0;
        const auto *ssl = qobject_cast<const QSslSocket *>(m_big.data());
        return m_big->bytesToWrite() + (ssl ? ssl->encryptedBytesToWrite() : 0);
    }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    struct Peer
    {
        QByteArray buffer;
        int requests = 0;
        bool closingHere = false;
    };

    void onReadyRead(QTcpSocket *socket);
    void respond(QTcpSocket *socket, int requestOnConnection, const QByteArray &method,
                 const QByteArray &target, const HttpHeaders &headers, const QByteArray &body);
    void closeHere(QTcpSocket *socket, bool graceful);

    QHash<QTcpSocket *, Peer> m_peers;
    bool m_tls;
    QByteArray m_certificate;
    QByteArray m_key;
    QPointer<QTcpSocket> m_big;
};

// An HTTPS server written on OpenSSL alone, on a thread of its own, as real servers are: one
// context for all its connections, so that a client may resume a session. Answers every request
// with "ok" and closes the connection; counts its handshakes and those that resumed a session.
// With `lateTickets`, it keeps the connection instead, and 100 ms after each answer sends the
// client a new session ticket, as a TLS 1.3 server may at any time.
class OpenSslServer
{
public:
    explicit OpenSslServer(bool lateTickets = false) : m_lateTickets(lateTickets)
    {
        m_context = SSL_CTX_new(TLS_server_method());
        BIO *certificate = BIO_new_mem_buf(test::kTestCertificate, -1);
        BIO *key = BIO_new_mem_buf(test::kTestKey, -1);
        X509 *x509 = PEM_read_bio_X509(certificate, nullptr, nullptr, nullptr);
        EVP_PKEY *pkey = PEM_read_bio_PrivateKey(key, nullptr, nullptr, nullptr);
        SSL_CTX_use_certificate(m_context, x509);
        SSL_CTX_use_PrivateKey(m_context, pkey);
        X509_free(x509);
        EVP_PKEY_free(pkey);
        BIO_free(certificate);
        BIO_free(key);
        m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        ::bind(m_listener, reinterpret_cast<sockaddr *>(&address), sizeof address);
        ::listen(m_listener, 16);
        ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~OpenSslServer()
    {
        m_stopping = true;
        ::shutdown(m_listener, SHUT_RDWR); // wakes accept()
        ::shutdown(m_connection.load(), SHUT_RDWR); // and a read on a kept connection
        m_thread.join();
        ::close(m_listener);
        SSL_CTX_free(m_context);
    }
    QUrl url() const { return QUrl(QStringLiteral("https://127.0.0.1:%1/").arg(m_port)); }
    std::atomic<int> handshakes{0};
    std::atomic<int> resumed{0};

private:
    void serve()
    {
        // A write to a client that is gone fails instead of raising SIGPIPE (QtTest catches it
        // as a crash); blocked on this thread only.
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
        while (!m_stopping) {
            const int fd = ::accept(m_listener, nullptr, nullptr);
            if (fd < 0)
                return;
            m_connection = fd;
            SSL *connection = SSL_new(m_context);
            SSL_set_fd(connection, fd);
            if (SSL_accept(connection) == 1) {
                ++handshakes;
                if (SSL_session_reused(connection))
                    ++resumed;
                answer(connection);
                SSL_shutdown(connection);
            }
            SSL_free(connection);
            m_connection = -1;
            ::close(fd);
        }
    }

    // Each request (a head without a body) with "ok": one, or all of them with lateTickets.
    void answer(SSL *connection)
    {
        QByteArray received;
        char buffer[4096];
        for (;;) {
            while (!received.contains("\r\n\r\n")) {
                const int n = SSL_read(connection, buffer, sizeof buffer);
                if (n <= 0)
                    return;
                received.append(buffer, n);
            }
            received.remove(0, received.indexOf("\r\n\r\n") + 4);
            const QByteArray ok = m_lateTickets ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                                : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
            SSL_write(connection, ok.constData(), int(ok.size()));
            if (!m_lateTickets)
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            SSL_new_session_ticket(connection);
            SSL_do_handshake(connection); // sends it
        }
    }

    const bool m_lateTickets;
    std::atomic<int> m_connection{-1};
    SSL_CTX *m_context = nullptr;
    int m_listener = -1;
    quint16 m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

// "0123456789" repeated: a body whose every byte says where it belongs.
QByteArray bigBody(qint64 size)
{
    QByteArray out(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i)
        out[i] = char('0' + i % 10);
    return out;
}

void FakeServer::incomingConnection(qintptr descriptor)
{
    QTcpSocket *socket = nullptr;
    if (m_tls) {
        auto *ssl = new QSslSocket(this);
        ssl->setSocketDescriptor(descriptor);
        ssl->setLocalCertificate(QSslCertificate(m_certificate));
        ssl->setPrivateKey(QSslKey(m_key, QSsl::Ec));
        ssl->setPeerVerifyMode(QSslSocket::VerifyNone);
        ssl->startServerEncryption();
        socket = ssl;
    } else {
        socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
    }
    ++accepted;
    maxOpen = std::max(maxOpen, ++open);
    m_peers.insert(socket, {});
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
        --open;
        if (!m_peers.value(socket).closingHere)
            ++clientClosed;
        m_peers.remove(socket);
        socket->deleteLater();
    });
}

void FakeServer::onReadyRead(QTcpSocket *socket)
{
    m_peers[socket].buffer += socket->readAll();
    // Several requests may be buffered; answering may close the socket (and forget the peer).
    while (m_peers.contains(socket)) {
        Peer &peer = m_peers[socket];
        const qsizetype end = peer.buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> lines = peer.buffer.left(end).split('\n');
        const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
        HttpHeaders headers;
        qsizetype length = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            const QByteArray name = lines[i].left(colon).trimmed().toLower();
            const QByteArray value = lines[i].mid(colon + 1).trimmed();
            if (name == "content-length")
                length = value.toLongLong();
            headers.append({name, value});
        }
        if (peer.buffer.size() < end + 4 + length)
            return;
        const QByteArray body = peer.buffer.mid(end + 4, length);
        peer.buffer.remove(0, end + 4 + length);
        respond(socket, ++peer.requests, requestLine.value(0), requestLine.value(1), headers, body);
    }
}

void FakeServer::respond(QTcpSocket *socket, int requestOnConnection, const QByteArray &method,
                         const QByteArray &target, const HttpHeaders &headers,
                         const QByteArray &body)
{
    const QUrl url(QString::fromLatin1(target));
    const QString path = url.path();
    const QUrlQuery query(url);
    const auto ok = [](const QByteArray &content) -> QByteArray {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(content.size())
            + "\r\n\r\n" + content;
    };
    static const QByteArray chunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

    if (path == u"/echo") {
        int lengths = 0;
        for (const auto &header : headers)
            lengths += header.first == "content-length";
        socket->write("HTTP/1.1 200 OK\r\nX-Reply: Yes\r\nX-Got-Method: " + method
                      + "\r\nX-Got-Target: " + target
                      + "\r\nX-Got-Host: " + headerValue(headers, "host")
                      + "\r\nX-Got-Connection: " + headerValue(headers, "connection")
                      + "\r\nX-Got-Content-Length: " + headerValue(headers, "content-length")
                      + "\r\nX-Got-Content-Length-Count: " + QByteArray::number(lengths)
                      + "\r\nX-Got-Auth: " + headerValue(headers, "authorization")
                      + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n"
                      + body);
    } else if (path == u"/big") {
        m_big = socket;
        socket->write(ok(bigBody(query.queryItemValue(QStringLiteral("bytes")).toLongLong())));
    } else if (path == u"/slow") {
        QTimer::singleShot(query.queryItemValue(QStringLiteral("delay")).toInt(), socket,
                           [socket, ok] { socket->write(ok("slow")); });
    } else if (path == u"/chunked") {
        const int pieces = query.queryItemValue(QStringLiteral("n")).toInt();
        const int delay = query.queryItemValue(QStringLiteral("delay")).toInt();
        socket->write(chunkedHead);
        for (int i = 0; i < pieces; ++i) {
            QTimer::singleShot(delay * (i + 1), socket, [socket, i, pieces] {
                socket->write(chunk("piece" + QByteArray::number(i) + ';'));
                if (i == pieces - 1)
                    socket->write("0\r\n\r\n");
            });
        }
    } else if (path == u"/stream") {
        socket->write(chunkedHead);
        auto *timer = new QTimer(socket);
        connect(timer, &QTimer::timeout, socket, [socket] { socket->write(chunk("tick;")); });
        timer->start(20);
    } else if (path == u"/stall") {
        socket->write(chunkedHead + chunk("first;"));
    } else if (path == u"/close") {
        socket->write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\ndone");
        closeHere(socket, true);
    } else if (path == u"/drop") {
        closeHere(socket, false);
    } else if (path == u"/stale") {
        if (requestOnConnection == 1)
            socket->write(ok("fresh"));
        else
            closeHere(socket, false); // as if our keep-alive timer fired just now
    } else if (path == u"/first-only") {
        if (requestOnConnection == 1) {
            socket->write(ok("first"));
            closeHere(socket, true);
        }
    } else if (path == u"/linger") {
        socket->write(ok("linger"));
        QTimer::singleShot(50, socket, [this, socket] { closeHere(socket, true); });
    } else if (path == u"/eof") {
        socket->write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart1");
        QTimer::singleShot(30, socket, [this, socket] {
            socket->write("part2");
            closeHere(socket, true);
        });
    } else if (path == u"/garbage") {
        socket->write("SPAM SPAM SPAM\r\n\r\n");
    } else if (path == u"/early-hints") {
        socket->write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
                      "HTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 2\r\n\r\nok");
    } else if (path == u"/head") {
        socket->write(QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
                      + (method == "HEAD" ? QByteArray() : QByteArray("hello")));
    } else if (path == u"/empty") {
        socket->write("HTTP/1.1 204 No Content\r\n\r\n");
    } else {
        socket->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    }
}

void FakeServer::closeHere(QTcpSocket *socket, bool graceful)
{
    m_peers[socket].closingHere = true;
    if (graceful)
        socket->disconnectFromHost(); // after what was written
    else
        socket->abort();
}

// Records one call's callbacks and flags any that break the contract's order.
struct Recorder
{
    int status = 0;
    HttpHeaders headers;
    QByteArray body;
    QList<QByteArray> pieces;
    int heads = 0;
    int completes = 0;
    int errors = 0;
    HttpClientError error = HttpClientError::ProtocolError;
    QString message;
    bool outOfOrder = false;

    bool finished() const { return completes + errors > 0; }
    int callbacks() const { return heads + int(pieces.size()) + completes + errors; }

    HttpResponseHandler handler()
    {
        return {
            .onHead =
                [this](int s, const HttpHeaders &h) {
                    outOfOrder |= finished() || heads > 0;
                    ++heads;
                    status = s;
                    headers = h;
                },
            .onData =
                [this](const QByteArray &data) {
                    outOfOrder |= finished() || heads == 0;
                    pieces.append(data);
                    body += data;
                },
            .onComplete =
                [this] {
                    outOfOrder |= finished() || heads == 0;
                    ++completes;
                },
            .onError =
                [this](HttpClientError e, const QString &m) {
                    outOfOrder |= finished();
                    ++errors;
                    error = e;
                    message = m;
                },
        };
    }
};

// A GET that an OpenSslServer answers "ok": empty, or what went wrong.
QString getOk(HttpClient &client, const QUrl &url)
{
    Recorder rec;
    client.send(makeRequest("GET", url), rec.handler());
    if (!QTest::qWaitFor([&] { return rec.finished(); }, 5000))
        return QStringLiteral("no answer");
    if (rec.errors != 0)
        return rec.message;
    return rec.body == "ok" ? QString() : QStringLiteral("answered \"%1\"").arg(QString::fromLatin1(rec.body));
}

} // namespace

class HttpClientTest : public QObject
{
    Q_OBJECT

private slots:
    void exchange_data();
    void exchange();
    void bodilessResponses_data();
    void bodilessResponses();
    void responseHeadersSelected_data();
    void responseHeadersSelected();
    void interimResponseSkipped();
    void chunkedStreaming();
    void bodyEndsAtClose();
    void connectionCloseNotPooled();
    void keepAliveReuse();
    void manyParallelCalls();
    void connectionLimitQueues();
    void connectRefused();
    void invalidRequests_data();
    void invalidRequests();
    void oneClientManyUrls();
    void timeouts_data();
    void timeouts();
    void failures_data();
    void failures();
    void staleConnectionRetried_data();
    void staleConnectionRetried();
    void pipelinedCallsShareOneConnection();
    void pipelinedRestGoesAgain_data();
    void pipelinedRestGoesAgain();
    void pipelinedMemberCancelledInFlight();
    void idleClosedByServerDropped();
    void keepAliveExpiry();
    void reusedConnectionTimesEachPhase_data();
    void reusedConnectionTimesEachPhase();
    void maxIdlePerHost();
    void cancelFromOnData_data();
    void cancelFromOnData();
    void cancelFromOnHead();
    void cancelBeforeStart();
    void cancelQueued();
    void destroyInsideCallback_data();
    void destroyInsideCallback();
    void destroyWithCallsInFlight();
    void tls();
    void extraCaCertificates_data();
    void extraCaCertificates();
    void certificateForAnotherName();
    void newConnectionsResumeTheSession();
    void clientsSharingAContextShareSessions();
    void lateSessionTicketKeepsTheConnection();
    void pauseReading_data();
    void pauseReading();
};

void HttpClientTest::exchange_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("target");
    QTest::addColumn<HttpHeaders>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("tls");

    // More than the kernel takes at once: the rest waits in the stream's buffer (record by
    // record over TLS) until the server, on this same thread, has read some.
    QByteArray big(16 << 20, Qt::Uninitialized);
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char('a' + i % 26);
    for (const bool tls : {false, true}) {
        const char *over = tls ? " over TLS" : "";
        QTest::addRow("GET with query%s", over) << QByteArray("GET") << QStringLiteral("/echo?x=1&y=a%20b")
                                                << HttpHeaders() << QByteArray() << tls;
        QTest::addRow("POST with headers%s", over)
            << QByteArray("POST") << QStringLiteral("/echo")
            << HttpHeaders{{"Authorization", "Bearer sk-test"}, {"Content-Type", "application/json"}}
            << QByteArray(R"({"model":"m","stream":false})") << tls;
        QTest::addRow("PUT 16 MiB%s", over) << QByteArray("PUT") << QStringLiteral("/echo") << HttpHeaders() << big << tls;
        // Framing headers are the client's: the caller's copies must not reach the wire.
        QTest::addRow("caller framing headers dropped%s", over)
            << QByteArray("POST") << QStringLiteral("/echo")
            << HttpHeaders{{"Content-Length", "999"}, {"Connection", "close"}, {"Host", "evil"}}
            << QByteArray("abc") << tls;
    }
}

void HttpClientTest::exchange()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, target);
    QFETCH(HttpHeaders, headers);
    QFETCH(QByteArray, body);
    QFETCH(bool, tls);

    FakeServer server(tls);
    QVERIFY(server.isListening());
    Recorder rec;
    HttpClient client(trustingTestCertificate());
    HttpRequest request = makeRequest(method, server.url(target), body);
    request.headers = headers;
    const quint64 id = client.send(request, rec.handler());
    QVERIFY(id != 0);
    QCOMPARE(rec.callbacks(), 0); // never from inside send()

    QTRY_VERIFY(rec.finished());
    QCOMPARE(rec.errors, 0);
    QVERIFY(!rec.outOfOrder);
    QCOMPARE(rec.heads, 1);
    QCOMPARE(rec.status, 200);
    QCOMPARE(rec.body.size(), body.size());
    QCOMPARE(rec.body, body);
    for (const auto &header : std::as_const(rec.headers))
        QCOMPARE(header.first, header.first.toLower());
    QCOMPARE(headerValue(rec.headers, "x-reply"), QByteArray("Yes"));
    QCOMPARE(headerValue(rec.headers, "x-got-method"), method);
    QCOMPARE(headerValue(rec.headers, "x-got-target"), target.toLatin1());
    QCOMPARE(headerValue(rec.headers, "x-got-host"),
             "127.0.0.1:" + QByteArray::number(server.serverPort()));
    QCOMPARE(headerValue(rec.headers, "x-got-connection"), QByteArray("keep-alive"));
    QCOMPARE(headerValue(rec.headers, "x-got-content-length"), QByteArray::number(body.size()));
    QCOMPARE(headerValue(rec.headers, "x-got-content-length-count"), QByteArray("1"));
    const QByteArray auth = headerValue(headers, "Authorization");
    QCOMPARE(headerValue(rec.headers, "x-got-auth"), auth);
    QCOMPARE(client.openConnections(), 1);
    QCOMPARE(client.idleConnections(), 1);
}

void HttpClientTest::bodilessResponses_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("target");
    QTest::addColumn<int>("status");

    QTest::newRow("HEAD with Content-Length") << QByteArray("HEAD") << QStringLiteral("/head") << 200;
    QTest::newRow("204 No Content") << QByteArray("GET") << QStringLiteral("/empty") << 204;
}

void HttpClientTest::bodilessResponses()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, target);
    QFETCH(int, status);

    FakeServer server;
    Recorder first;
    Recorder second;
    HttpClient client;
    client.send(makeRequest(method, server.url(target)), first.handler());
    QTRY_VERIFY(first.finished());
    QCOMPARE(first.completes, 1);
    QCOMPARE(first.status, status);
    QVERIFY(first.body.isEmpty());

    // The stream stays in step: the next call on the same connection reads its own response.
    client.send(makeRequest("GET", server.url(QStringLiteral("/head"))), second.handler());
    QTRY_VERIFY(second.finished());
    QCOMPARE(second.completes, 1);
    QCOMPARE(second.body, QByteArray("hello"));
    QCOMPARE(server.accepted, 1);
}

void HttpClientTest::responseHeadersSelected_data()
{
    QTest::addColumn<std::optional<QList<QByteArray>>>("wanted");
    QTest::addColumn<QList<QByteArray>>("reported"); // names, in the response's order
    const QList<QByteArray> all{"x-reply", "x-got-method", "x-got-target", "x-got-host", "x-got-connection",
                                "x-got-content-length", "x-got-content-length-count", "x-got-auth", "content-length"};
    QTest::newRow("unset: every header") << std::optional<QList<QByteArray>>() << all;
    QTest::newRow("empty: none") << std::optional<QList<QByteArray>>(QList<QByteArray>()) << QList<QByteArray>();
    QTest::newRow("named, matched whatever the case")
        << std::optional<QList<QByteArray>>(QList<QByteArray>{"x-got-method", "content-length", "x-missing"})
        << QList<QByteArray>{"x-got-method", "content-length"};
}

void HttpClientTest::responseHeadersSelected()
{
    QFETCH(std::optional<QList<QByteArray>>, wanted);
    QFETCH(QList<QByteArray>, reported);
    FakeServer server;
    HttpClient client;
    // Twice on one connection: the buffers a skipped header leaves behind do not leak into the next.
    for (int round = 0; round < 2; ++round) {
        Recorder rec;
        HttpRequest request = makeRequest("POST", server.url(QStringLiteral("/echo")), "body");
        request.responseHeaders = wanted;
        client.send(request, rec.handler());
        QTRY_VERIFY(rec.finished());
        QCOMPARE(rec.status, 200);
        QCOMPARE(rec.body, QByteArray("body"));
        QList<QByteArray> names;
        for (const auto &header : std::as_const(rec.headers))
            names.append(header.first);
        QCOMPARE(names, reported);
        if (names.contains("x-got-method"))
            QCOMPARE(headerValue(rec.headers, "x-got-method"), QByteArray("POST"));
        if (names.contains("content-length"))
            QCOMPARE(headerValue(rec.headers, "content-length"), QByteArray("4"));
    }
    QCOMPARE(client.openConnections(), 1);
}

void HttpClientTest::interimResponseSkipped()
{
    FakeServer server;
    Recorder rec;
    HttpClient client;
    client.send(makeRequest("GET", server.url(QStringLiteral("/early-hints"))), rec.handler());
    QTRY_VERIFY(rec.finished());
    QCOMPARE(rec.completes, 1);
    QCOMPARE(rec.heads, 1);
    QCOMPARE(rec.status, 200);
    QCOMPARE(headerValue(rec.headers, "x-final"), QByteArray("1"));
    QCOMPARE(rec.body, QByteArray("ok"));
    QCOMPARE(client.idleConnections(), 1);
}

void HttpClientTest::chunkedStreaming()
{
    FakeServer server;
    Recorder rec;
    HttpClient client;
    client.send(makeRequest("GET", server.url(QStringLiteral("/chunked?n=4&delay=50"))),
                rec.handler());
    QTRY_VERIFY(rec.finished());
    QCOMPARE(rec.completes, 1);
    QVERIFY(!rec.outOfOrder);
    QVERIFY2(rec.pieces.size() > 1, "body should be streamed in several pieces");
    QCOMPARE(rec.body, QByteArray("piece0;piece1;piece2;piece3;"));
    QCOMPARE(headerValue(rec.headers, "transfer-encoding"), QByteArray("chunked"));
    QCOMPARE(client.idleConnections(), 1);
}

void HttpClientTest::bodyEndsAtClose()
{
    FakeServer server;
    Recorder rec;
    HttpClient client;
    client.send(makeRequest("GET", server.url(QStringLiteral("/eof"))), rec.handler());
    QTRY_VERIFY(rec.finished());
    QCOMPARE(rec.errors, 0);
    QCOMPARE(rec.completes, 1);
    QCOMPARE(rec.body, QByteArray("part1part2"));
    QCOMPARE(client.idleConnections(), 0);
    QCOMPARE(client.openConnections(), 0);
}

void HttpClientTest::connectionCloseNotPooled()
{
    FakeServer server;
    Recorder first;
    Recorder second;
    HttpClient client;
    client.send(makeRequest("GET", server.url(QStringLiteral("/close"))), first.handler());
    QTRY_VERIFY(first.finished());
    QCOMPARE(first.completes, 1);
    QCOMPARE(first.body, QByteArray("done"));
    QCOMPARE(client.openConnections(), 0);

    client.send(makeRequest("GET", server.url(QStringLiteral("/echo"))), second.handler());
    QTRY_VERIFY(second.finished());
    QCOMPARE(second.completes, 1);
    QCOMPARE(server.accepted, 2);
}

void HttpClientTest::keepAliveReuse()
{
    FakeServer server;
    int done = 0;
    int failed = 0;
    HttpClient client;
    // Each call is sent from the previous one's onComplete: re-entrant use of the client.
    std::function<void()> next = [&] {
        HttpResponseHandler handler;
        handler.onComplete = [&] {
            if (++done < 20)
                next();
        };
        handler.onError = [&](HttpClientError, const QString &) { ++failed; };
        client.send(makeRequest("POST", server.url(QStringLiteral("/echo")),
                                "call " + QByteArray::number(done)),
                    handler);
    };
    next();
    QTRY_COMPARE(done + failed, 20);
    QCOMPARE(failed, 0);
    QCOMPARE(server.accepted, 1);
    QCOMPARE(client.openConnections(), 1);
    QCOMPARE(client.idleConnections(), 1);
}

void HttpClientTest::manyParallelCalls()
{
    FakeServer server;
    constexpr int Calls = 40;
    std::vector<Recorder> recs(Calls);
    HttpClient client;
    for (Recorder &rec : recs)
        client.send(makeRequest("GET", server.url(QStringLiteral("/slow?delay=300"))), rec.handler());
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(recs.begin(), recs.end(),
                                         [](const Recorder &r) { return r.finished(); }),
                             10000);
    for (const Recorder &rec : recs) {
        QCOMPARE(rec.completes, 1);
        QCOMPARE(rec.body, QByteArray("slow"));
    }
    // No 6-per-host cap: every call had its own connection.
    QVERIFY2(server.maxOpen > 6, qPrintable(QString::number(server.maxOpen)));
    QCOMPARE(server.accepted, Calls);
    QCOMPARE(client.idleConnections(), Calls);
}

void HttpClientTest::connectionLimitQueues()
{
    FakeServer server;
    constexpr int Calls = 10;
    std::vector<Recorder> recs(Calls);
    int mostOpen = 0;
    HttpClient client({.maxConnectionsPerHost = 2});
    for (Recorder &rec : recs) {
        HttpResponseHandler handler = rec.handler();
        handler.onHead = [&, inner = handler.onHead](int status, const HttpHeaders &headers) {
            mostOpen = std::max(mostOpen, client.openConnections());
            inner(status, headers);
        };
        client.send(makeRequest("GET", server.url(QStringLiteral("/slow?delay=100"))), handler);
    }
    QTRY_COMPARE(client.queuedCalls(), Calls - 2);
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(recs.begin(), recs.end(),
                                         [](const Recorder &r) { return r.finished(); }),
                             10000);
    for (const Recorder &rec : recs)
        QCOMPARE(rec.completes, 1);
    QVERIFY(server.maxOpen <= 2);
    QVERIFY(server.accepted <= 2);
    QVERIFY(mostOpen <= 2);
    QCOMPARE(client.queuedCalls(), 0);
}

void HttpClientTest::connectRefused()
{
    quint16 port = 0;
    {
        QTcpServer probe; // a port that was just free and is closed again
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    Recorder rec;
    HttpClient client;
    client.send(makeRequest("GET", QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port))),
                rec.handler());
    QTRY_VERIFY(rec.finished());
    QCOMPARE(rec.errors, 1);
    QCOMPARE(rec.heads, 0);
    QCOMPARE(rec.error, HttpClientError::ConnectFailed);
    QVERIFY(!rec.message.isEmpty());
    QCOMPARE(client.openConnections(), 0);
}

void HttpClientTest::invalidRequests_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<HttpHeaders>("headers");
    QTest::addColumn<HttpClientError>("error");

    const QUrl ok(QStringLiteral("http://127.0.0.1:1/"));
    QTest::newRow("ftp scheme") << QUrl(QStringLiteral("ftp://127.0.0.1/")) << HttpHeaders()
                                << HttpClientError::ConnectFailed;
    QTest::newRow("no host") << QUrl(QStringLiteral("http:///path")) << HttpHeaders()
                             << HttpClientError::ConnectFailed;
    QTest::newRow("CRLF in value") << ok << HttpHeaders{{"X-A", "1\r\nX-Injected: 1"}}
                                   << HttpClientError::ProtocolError;
    QTest::newRow("space in name") << ok << HttpHeaders{{"X A", "1"}}
                                   << HttpClientError::ProtocolError;
}

void HttpClientTest::invalidRequests()
{
    QFETCH(QUrl, url);
    QFETCH(HttpHeaders, headers);
    QFETCH(HttpClientError, error);

    Recorder rec;
    HttpClient client;
    HttpRequest request = makeRequest("GET", url);
    request.headers = headers;
    client.send(request, rec.handler());
    QCOMPARE(rec.callbacks(), 0);
    QTRY_VERIFY(rec.finished());
    QCOMPARE(rec.errors, 1);
    QCOMPARE(rec.error, error);
    QCOMPARE(client.openConnections(), 0);
}

void HttpClientTest::oneClientManyUrls()
{
    // A client keeps what it parsed of each URL: every call still gets its own request line and
    // Host header, and a URL no call may use is refused every time.
    FakeServer server;
    QVERIFY(server.isListening());
    HttpClient client;
    QUrl byName = server.url(QStringLiteral("/echo?by=name"));
    byName.setHost(QStringLiteral("localhost"));
    const QByteArray port = QByteArray::number(server.serverPort());
    const QList<std::pair<QUrl, QByteArray>> calls{
        {server.url(QStringLiteral("/echo")), "/echo"},
        {server.url(QStringLiteral("/echo?x=1")), "/echo?x=1"},
        {server.url(QStringLiteral("/echo?y=a%20b")), "/echo?y=a%20b"},
        {QUrl(QStringLiteral("ftp://127.0.0.1/")), QByteArray()},
        {server.url(QStringLiteral("/echo")), "/echo"},
        {byName, "/echo?by=name"},
        {QUrl(QStringLiteral("ftp://127.0.0.1/")), QByteArray()},
    };
    for (const auto &[url, target] : calls) {
        Recorder rec;
        client.send(makeRequest("GET", url), rec.handler());
        QTRY_VERIFY(rec.finished());
        if (target.isNull()) {
            QCOMPARE(rec.error, HttpClientError::ConnectFailed);
            continue;
        }
        QCOMPARE(rec.errors, 0);
        QCOMPARE(headerValue(rec.headers, "x-got-target"), target);
        QCOMPARE(headerValue(rec.headers, "x-got-host"), (url.host() == u"localhost" ? "localhost:" : "127.0.0.1:") + port);
    }
}

void HttpClientTest::timeouts_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<int>("firstByteMs");
    QTest::addColumn<int>("idleMs");
    QTest::addColumn<int>("heads");

    QTest::newRow("first byte") << QStringLiteral("/slow?delay=5000") << 200 << 10000 << 0;
    QTest::newRow("idle between chunks") << QStringLiteral("/stall") << 10000 << 200 << 1;
}

void HttpClientTest::timeouts()
{
    QFETCH(QString, target);
    QFETCH(int, firstByteMs);
    QFETCH(int, idleMs);
    QFETCH(int, heads);

    FakeServer server;
    Recorder rec;
    HttpClient client;
    HttpRequest request = makeRequest("GET", server.url(target));
    request.firstByteTimeoutMs = firstByteMs;
    request.idleTimeoutMs = idleMs;
    client.send(request, rec.handler());
    QTRY_VERIFY_WITH_TIMEOUT(rec.finished(), 3000);
    QCOMPARE(rec.errors, 1);
    QCOMPARE(rec.error, HttpClientError::Timeout);
    QCOMPARE(rec.heads, heads);
    QCOMPARE(client.openConnections(), 0);
    QTRY_COMPARE(server.clientClosed, 1); // the timed-out connection is closed, not pooled
}

void HttpClientTest::failures_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<HttpClientError>("error");
    QTest::addColumn<bool>("tls");

    for (const bool tls : {false, true}) {
        const char *over = tls ? " over TLS" : "";
        QTest::addRow("garbage%s", over) << QStringLiteral("/garbage") << HttpClientError::ProtocolError << tls;
        // A fresh connection closed before any answer is not retried.
        QTest::addRow("closed without answer%s", over) << QStringLiteral("/drop") << HttpClientError::ConnectionClosed << tls;
    }
}

void HttpClientTest::failures()
{
    QFETCH(QString, target);
    QFETCH(HttpClientError, error);
    QFETCH(bool, tls);

    FakeServer server(tls);
    Recorder rec;
    HttpClient client(trustingTestCertificate());
    client.send(makeRequest("GET", server.url(target)), rec.handler());
    QTRY_VERIFY(rec.finished());
    QCOMPARE(rec.errors, 1);
    QCOMPARE(rec.error, error);
    QCOMPARE(rec.heads, 0);
    QVERIFY(!rec.message.contains(QLatin1String("SPAM")));
    QCOMPARE(server.accepted, 1);
    QCOMPARE(client.openConnections(), 0);
}

void HttpClientTest::staleConnectionRetried_data()
{
    QTest::addColumn<bool>("tls");
    QTest::newRow("plain") << false;
    QTest::newRow("tls") << true;
}

void HttpClientTest::staleConnectionRetried()
{
    QFETCH(bool, tls);
    FakeServer server(tls);
    Recorder first;
    Recorder second;
    HttpClient client(trustingTestCertificate());
    client.send(makeRequest("POST", server.url(QStringLiteral("/stale")), "x"), first.handler());
    QTRY_VERIFY(first.finished());
    QCOMPARE(first.body, QByteArray("fresh"));
    QCOMPARE(client.idleConnections(), 1);

    // The server closes the reused connection on receiving the request; the client retries
    // on a new connection and the caller never sees the failure.
    client.send(makeRequest("POST", server.url(QStringLiteral("/stale")), "y"), second.handler());
    QTRY_VERIFY(second.finished());
    QCOMPARE(second.errors, 0);
    QCOMPARE(second.heads, 1);
    QCOMPARE(second.body, QByteArray("fresh"));
    QCOMPARE(server.accepted, 2);
}

void HttpClientTest::pipelinedCallsShareOneConnection()
{
    // Sent in one pass of the event loop, pipelined calls to one host go out together on one
    // connection; each hears of its own response only, in the order they were sent. Calls not
    // marked pipelined would have taken a connection each.
    FakeServer server;
    HttpClient client;
    std::vector<Recorder> recorders(6);
    QList<int> completed;
    for (int i = 0; i < 6; ++i) {
        HttpRequest request = makeRequest("POST", server.url(QStringLiteral("/echo")), "body" + QByteArray::number(i));
        request.pipelined = true;
        HttpResponseHandler handler = recorders[size_t(i)].handler();
        handler.onComplete = [&completed, i, inner = handler.onComplete] {
            completed.append(i);
            inner();
        };
        client.send(request, handler);
    }
    QTRY_COMPARE(completed.size(), 6);
    QCOMPARE(completed, (QList<int>{0, 1, 2, 3, 4, 5}));
    for (int i = 0; i < 6; ++i) {
        const Recorder &r = recorders[size_t(i)];
        QVERIFY(!r.outOfOrder);
        QCOMPARE(r.heads, 1);
        QCOMPARE(r.completes, 1);
        QCOMPARE(r.errors, 0);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, "body" + QByteArray::number(i));
        QCOMPARE(headerValue(r.headers, "x-got-content-length"), QByteArray::number(r.body.size()));
    }
    QCOMPARE(server.accepted, 1);
    QCOMPARE(client.idleConnections(), 1); // kept for the next calls
}

void HttpClientTest::pipelinedRestGoesAgain_data()
{
    QTest::addColumn<QStringList>("paths");
    QTest::addColumn<QList<QByteArray>>("bodies"); // of each call; empty where it fails
    QTest::addColumn<int>("accepted");             // connections the server saw

    // The second answer says Connection: close: the last two go again on a new connection.
    QTest::newRow("closes after the second answer")
        << QStringList{QStringLiteral("/echo"), QStringLiteral("/close"), QStringLiteral("/echo"), QStringLiteral("/echo")}
        << QList<QByteArray>{"0", "done", "2", "3"} << 2;
    // The server answers one request per connection and closes it: each pass gets one answer,
    // and the rest go again until all are answered.
    QTest::newRow("closes after each first answer")
        << QStringList{QStringLiteral("/first-only"), QStringLiteral("/first-only"), QStringLiteral("/first-only")}
        << QList<QByteArray>{"first", "first", "first"} << 3;
    // Nothing answered on a fresh connection: the requests may have been processed, so they fail.
    QTest::newRow("drops before any answer")
        << QStringList{QStringLiteral("/drop"), QStringLiteral("/echo")} << QList<QByteArray>{{}, {}} << 1;
}

void HttpClientTest::pipelinedRestGoesAgain()
{
    QFETCH(QStringList, paths);
    QFETCH(QList<QByteArray>, bodies);
    QFETCH(int, accepted);

    FakeServer server;
    HttpClient client;
    std::vector<Recorder> recorders(size_t(paths.size()));
    for (qsizetype i = 0; i < paths.size(); ++i) {
        HttpRequest request = makeRequest("POST", server.url(paths[i]), QByteArray::number(i));
        request.pipelined = true;
        client.send(request, recorders[size_t(i)].handler());
    }
    QTRY_VERIFY(std::all_of(recorders.begin(), recorders.end(), [](const Recorder &r) { return r.finished(); }));
    for (qsizetype i = 0; i < paths.size(); ++i) {
        const Recorder &r = recorders[size_t(i)];
        QVERIFY(!r.outOfOrder);
        if (bodies[i].isEmpty()) {
            QCOMPARE(r.errors, 1);
            QCOMPARE(r.error, HttpClientError::ConnectionClosed);
        } else {
            QCOMPARE(r.errors, 0);
            QCOMPARE(r.completes, 1);
            QCOMPARE(r.body, bodies[i]);
        }
    }
    QCOMPARE(server.accepted, accepted);
}

void HttpClientTest::pipelinedMemberCancelledInFlight()
{
    // The first call's handler cancels the second while both ride one connection: the second
    // hears nothing more, the third still gets its own answer.
    FakeServer server;
    HttpClient client;
    Recorder first;
    Recorder second;
    Recorder third;
    quint64 secondId = 0;
    HttpResponseHandler handler = first.handler();
    handler.onComplete = [&, inner = handler.onComplete] {
        client.cancel(secondId);
        inner();
    };
    HttpRequest request = makeRequest("POST", server.url(QStringLiteral("/echo")), "a");
    request.pipelined = true;
    client.send(request, handler);
    request.body = "b";
    secondId = client.send(request, second.handler());
    request.body = "c";
    client.send(request, third.handler());
    QTRY_VERIFY(third.finished());
    QCOMPARE(first.body, QByteArray("a"));
    QCOMPARE(second.callbacks(), 0);
    QCOMPARE(third.completes, 1);
    QCOMPARE(third.body, QByteArray("c"));
    QCOMPARE(server.accepted, 1);
}

void HttpClientTest::idleClosedByServerDropped()
{
    FakeServer server;
    Recorder first;
    Recorder second;
    int idleAtComplete = -1;
    HttpClient client;
    HttpResponseHandler handler = first.handler();
    handler.onComplete = [&, inner = handler.onComplete] {
        idleAtComplete = client.idleConnections(); // pooled before onComplete runs
        inner();
    };
    client.send(makeRequest("GET", server.url(QStringLiteral("/linger"))), handler);
    QTRY_VERIFY(first.finished());
    QCOMPARE(idleAtComplete, 1);
    QTRY_COMPARE(client.idleConnections(), 0); // noticed the close while idle
    QCOMPARE(client.openConnections(), 0);

    client.send(makeRequest("GET", server.url(QStringLiteral("/echo"))), second.handler());
    QTRY_VERIFY(second.finished());
    QCOMPARE(second.completes, 1);
    QCOMPARE(server.accepted, 2);
}

void HttpClientTest::keepAliveExpiry()
{
    FakeServer server;
    Recorder rec;
    int idleAtComplete = -1;
    HttpClient client({.keepAliveIdleMs = 100});
    HttpResponseHandler handler = rec.handler();
    handler.onComplete = [&, inner = handler.onComplete] {
        idleAtComplete = client.idleConnections();
        inner();
    };
    client.send(makeRequest("GET", server.url(QStringLiteral("/echo"))), handler);
    QTRY_VERIFY(rec.finished());
    QCOMPARE(idleAtComplete, 1);
    QTRY_COMPARE(client.openConnections(), 0);
    QTRY_COMPARE(server.clientClosed, 1);
}

void HttpClientTest::reusedConnectionTimesEachPhase_data()
{
    // A parked connection's timer is still armed for its keep-alive when the next call reuses it:
    // the call's own timeouts must hold, whichever comes first.
    QTest::addColumn<int>("keepAliveMs");
    QTest::addColumn<QString>("target");
    QTest::addColumn<int>("firstByteMs");
    QTest::addColumn<bool>("timesOut");
    QTest::newRow("keep-alive due mid-call does not end it") << 150 << QStringLiteral("/slow?delay=400") << 2000 << false;
    QTest::newRow("first-byte due before the keep-alive") << 20000 << QStringLiteral("/slow?delay=10000") << 200 << true;
}

void HttpClientTest::reusedConnectionTimesEachPhase()
{
    QFETCH(int, keepAliveMs);
    QFETCH(QString, target);
    QFETCH(int, firstByteMs);
    QFETCH(bool, timesOut);
    FakeServer server;
    HttpClient client({.keepAliveIdleMs = keepAliveMs});
    Recorder first;
    client.send(makeRequest("GET", server.url(QStringLiteral("/echo"))), first.handler());
    QTRY_VERIFY(first.finished());
    QCOMPARE(client.idleConnections(), 1);

    Recorder second;
    HttpRequest request = makeRequest("GET", server.url(target));
    request.firstByteTimeoutMs = firstByteMs;
    client.send(request, second.handler());
    QTRY_VERIFY_WITH_TIMEOUT(second.finished(), 5000);
    QCOMPARE(server.accepted, 1); // the same connection
    QCOMPARE(second.errors, timesOut ? 1 : 0);
    QCOMPARE(second.completes, timesOut ? 0 : 1);
    if (timesOut)
        QCOMPARE(second.error, HttpClientError::Timeout);
}

void HttpClientTest::maxIdlePerHost()
{
    FakeServer server;
    std::vector<Recorder> recs(5);
    HttpClient client({.maxIdlePerHost = 2});
    for (Recorder &rec : recs)
        client.send(makeRequest("GET", server.url(QStringLiteral("/slow?delay=100"))), rec.handler());
    QTRY_VERIFY(std::all_of(recs.begin(), recs.end(), [](const Recorder &r) { return r.finished(); }));
    QCOMPARE(server.accepted, 5);
    QCOMPARE(client.idleConnections(), 2);
    QCOMPARE(client.openConnections(), 2);
    QTRY_COMPARE(server.clientClosed, 3);
}

void HttpClientTest::cancelFromOnData_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<int>("cancelAtPiece");

    QTest::newRow("mid-stream") << QStringLiteral("/stream") << 2;
    // The last body bytes and the end of the response arrive in the same read.
    QTest::newRow("last piece") << QStringLiteral("/echo") << 1;
}

void HttpClientTest::cancelFromOnData()
{
    QFETCH(QString, target);
    QFETCH(int, cancelAtPiece);

    FakeServer server;
    Recorder rec;
    HttpClient client;
    quint64 id = 0;
    HttpResponseHandler handler = rec.handler();
    handler.onData = [&, inner = handler.onData](const QByteArray &data) {
        inner(data);
        if (rec.pieces.size() == cancelAtPiece)
            client.cancel(id); // from inside the callback
    };
    id = client.send(makeRequest("POST", server.url(target), "body"), handler);
    QTRY_COMPARE(rec.pieces.size(), cancelAtPiece);
    QTRY_COMPARE(server.clientClosed, 1);
    QTest::qWait(100); // /stream keeps ticking; nothing may reach the handler
    QCOMPARE(rec.pieces.size(), cancelAtPiece);
    QCOMPARE(rec.completes + rec.errors, 0);
    QCOMPARE(client.openConnections(), 0);
    QCOMPARE(client.idleConnections(), 0);
    client.cancel(id); // finished ids are ignored
}

void HttpClientTest::cancelFromOnHead()
{
    FakeServer server;
    Recorder rec;
    HttpClient client;
    quint64 id = 0;
    HttpResponseHandler handler = rec.handler();
    handler.onHead = [&, inner = handler.onHead](int status, const HttpHeaders &headers) {
        inner(status, headers);
        client.cancel(id);
    };
    // The head and the first piece come in one write: the piece must not be delivered.
    id = client.send(makeRequest("GET", server.url(QStringLiteral("/stall"))), handler);
    QTRY_COMPARE(rec.heads, 1);
    QTRY_COMPARE(server.clientClosed, 1);
    QTest::qWait(50);
    QCOMPARE(rec.callbacks(), 1);
    QCOMPARE(client.openConnections(), 0);
}

void HttpClientTest::cancelBeforeStart()
{
    FakeServer server;
    Recorder rec;
    HttpClient client;
    const quint64 id = client.send(makeRequest("GET", server.url(QStringLiteral("/echo"))),
                                   rec.handler());
    client.cancel(id);
    client.cancel(0);
    client.cancel(id + 1000);
    QTest::qWait(100);
    QCOMPARE(rec.callbacks(), 0);
    QCOMPARE(server.accepted, 0);
    QCOMPARE(client.openConnections(), 0);
}

void HttpClientTest::cancelQueued()
{
    FakeServer server;
    Recorder running;
    Recorder waiting;
    Recorder after;
    HttpClient client({.maxConnectionsPerHost = 1});
    client.send(makeRequest("GET", server.url(QStringLiteral("/slow?delay=200"))), running.handler());
    const quint64 queued = client.send(makeRequest("GET", server.url(QStringLiteral("/echo"))),
                                       waiting.handler());
    client.send(makeRequest("GET", server.url(QStringLiteral("/echo"))), after.handler());
    QTRY_COMPARE(client.queuedCalls(), 2);
    client.cancel(queued);
    QCOMPARE(client.queuedCalls(), 1);
    QTRY_VERIFY(running.finished() && after.finished());
    QCOMPARE(running.completes, 1);
    QCOMPARE(after.completes, 1);
    QCOMPARE(waiting.callbacks(), 0);
    QCOMPARE(server.accepted, 1);
}

void HttpClientTest::destroyInsideCallback_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("when");

    QTest::newRow("onHead") << QStringLiteral("/stall") << QStringLiteral("head");
    QTest::newRow("onData") << QStringLiteral("/stream") << QStringLiteral("data");
    QTest::newRow("onComplete") << QStringLiteral("/echo") << QStringLiteral("complete");
    QTest::newRow("onError") << QStringLiteral("/garbage") << QStringLiteral("error");
}

void HttpClientTest::destroyInsideCallback()
{
    QFETCH(QString, target);
    QFETCH(QString, when);

    FakeServer server;
    Recorder other;
    int calls = 0;
    QPointer<HttpClient> client = new HttpClient;
    const auto destroy = [&](const QString &what) {
        ++calls;
        if (what == when)
            delete client.data();
    };
    client->send(makeRequest("GET", server.url(target)),
                 {.onHead = [&](int, const HttpHeaders &) { destroy(QStringLiteral("head")); },
                  .onData = [&](const QByteArray &) { destroy(QStringLiteral("data")); },
                  .onComplete = [&] { destroy(QStringLiteral("complete")); },
                  .onError = [&](HttpClientError, const QString &) { destroy(QStringLiteral("error")); }});
    // A second call in flight on its own connection goes silently with the client.
    client->send(makeRequest("GET", server.url(QStringLiteral("/slow?delay=100"))), other.handler());
    QTRY_VERIFY(client.isNull());
    const int callsAtDestruction = calls;
    QTRY_COMPARE(server.open, 0);
    QTest::qWait(150);
    QCOMPARE(calls, callsAtDestruction);
    QCOMPARE(other.callbacks(), 0);
}

void HttpClientTest::destroyWithCallsInFlight()
{
    FakeServer server;
    std::vector<Recorder> recs(6);
    auto client = std::make_unique<HttpClient>(HttpClientOptions{.maxConnectionsPerHost = 5});
    for (Recorder &rec : recs)
        client->send(makeRequest("GET", server.url(QStringLiteral("/slow?delay=200"))), rec.handler());
    QTRY_COMPARE(server.accepted, 5);
    QCOMPARE(client->queuedCalls(), 1);
    client.reset();
    QTRY_COMPARE(server.clientClosed, 5);
    QTest::qWait(300); // past the server's answers
    for (const Recorder &rec : recs)
        QCOMPARE(rec.callbacks(), 0);
}

void HttpClientTest::pauseReading_data()
{
    QTest::addColumn<bool>("tls");
    QTest::newRow("plain") << false;
    QTest::newRow("tls") << true;
}

void HttpClientTest::pauseReading()
{
    // A caller that cannot pass the body on as fast as it comes stops reading: the server is held
    // back by TCP, the idle timeout does not count the pause, and the body arrives whole after.
    QFETCH(bool, tls);
    if (tls && !QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    constexpr qint64 kSize = 32 * 1024 * 1024;
    FakeServer server(tls);
    HttpClient client(trustingTestCertificate());
    Recorder rec;
    quint64 id = 0;
    bool paused = false;
    HttpResponseHandler handler = rec.handler();
    handler.onData = [&, record = handler.onData](const QByteArray &data) {
        record(data);
        if (!paused) {
            paused = true;
            client.setReading(id, false);
        }
    };
    HttpRequest request = makeRequest("GET", server.url(QStringLiteral("/big?bytes=%1").arg(kSize)));
    request.idleTimeoutMs = 200;
    id = client.send(request, handler);
    QTRY_VERIFY_WITH_TIMEOUT(paused, 10'000);
    QTest::qWait(800); // four idle timeouts
    QVERIFY2(!rec.finished(), qPrintable(rec.message));
    const qint64 heldBack = server.unsentOfBig();
    QVERIFY2(heldBack > kSize / 2, qPrintable(QStringLiteral("only %1 bytes held back").arg(heldBack)));

    client.setReading(id, true);
    QTRY_VERIFY_WITH_TIMEOUT(rec.finished(), 30'000);
    QCOMPARE(rec.errors, 0);
    QCOMPARE(rec.completes, 1);
    QCOMPARE(rec.body.size(), kSize);
    QVERIFY(rec.body == bigBody(kSize));
    QCOMPARE(client.idleConnections(), 1);
}

void HttpClientTest::tls()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    FakeServer server(true);
    QVERIFY(server.isListening());
    {
        // The self-signed certificate is not in the trust store: peer verification fails.
        Recorder rec;
        HttpClient client;
        client.send(makeRequest("GET", server.url(QStringLiteral("/echo"))), rec.handler());
        QTRY_VERIFY(rec.finished());
        QCOMPARE(rec.errors, 1);
        QCOMPARE(rec.error, HttpClientError::TlsFailed);
        QCOMPARE(client.openConnections(), 0);
    }
    {
        // Trusted through the client's options.
        const int acceptedBefore = server.accepted;
        Recorder first;
        Recorder second;
        HttpClient client(trustingTestCertificate());
        client.send(makeRequest("POST", server.url(QStringLiteral("/echo")), "over tls"),
                    first.handler());
        QTRY_VERIFY(first.finished());
        QCOMPARE(first.errors, 0);
        QCOMPARE(first.body, QByteArray("over tls"));
        client.send(makeRequest("GET", server.url(QStringLiteral("/chunked?n=3&delay=20"))),
                    second.handler());
        QTRY_VERIFY(second.finished());
        QCOMPARE(second.body, QByteArray("piece0;piece1;piece2;"));
        QCOMPARE(server.accepted, acceptedBefore + 1);
    }
}

void HttpClientTest::extraCaCertificates_data()
{
    QTest::addColumn<QList<QByteArray>>("trusted"); // PEM, besides the system's
    QTest::addColumn<bool>("connects");
    const QByteArray test(test::kTestCertificate);
    const QByteArray other(test::kOtherCertificate);
    QTest::newRow("none") << QList<QByteArray>{} << false;
    QTest::newRow("the server's") << QList<QByteArray>{test} << true;
    QTest::newRow("another for the same name") << QList<QByteArray>{other} << false;
    QTest::newRow("another and the server's") << QList<QByteArray>{other, test} << true;
}

void HttpClientTest::extraCaCertificates()
{
    // Certificates given to the client are trusted by it alone: the default configuration stays
    // as it was (the server passes --tls-ca-file this way).
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    QFETCH(QList<QByteArray>, trusted);
    QFETCH(bool, connects);
    FakeServer server(true);
    QVERIFY(server.isListening());
    HttpClientOptions options;
    for (const QByteArray &pem : trusted)
        options.extraCaCertificates.append(QSslCertificate(pem));
    HttpClient client(options);
    Recorder rec;
    client.send(makeRequest("POST", server.url(QStringLiteral("/echo")), "over tls"), rec.handler());
    QTRY_VERIFY(rec.finished());
    if (connects) {
        QCOMPARE(rec.errors, 0);
        QCOMPARE(rec.body, QByteArray("over tls"));
    } else {
        QCOMPARE(rec.errors, 1);
        QCOMPARE(rec.error, HttpClientError::TlsFailed);
    }
    QVERIFY(!QSslConfiguration::defaultConfiguration().caCertificates().contains(QSslCertificate(QByteArray(test::kTestCertificate))));
}

void HttpClientTest::certificateForAnotherName()
{
    // Trusted, but issued for "wrong.example": not good for 127.0.0.1.
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    FakeServer server(true, test::kWrongNameCertificate, test::kWrongNameKey);
    HttpClientOptions options;
    options.extraCaCertificates = {QSslCertificate(QByteArray(test::kWrongNameCertificate))};
    HttpClient client(options);
    Recorder rec;
    client.send(makeRequest("GET", server.url(QStringLiteral("/echo"))), rec.handler());
    QTRY_VERIFY(rec.finished());
    QCOMPARE(rec.errors, 1);
    QCOMPARE(rec.error, HttpClientError::TlsFailed);
    QVERIFY2(rec.message.contains(QLatin1String("mismatch")), qPrintable(rec.message));
    QCOMPARE(client.openConnections(), 0);
}

void HttpClientTest::newConnectionsResumeTheSession()
{
    // The server closes each connection after its answer, so every call opens a new one: after
    // the first full handshake, the others resume the session the server gave.
    OpenSslServer server;
    HttpClient client(trustingTestCertificate());
    for (int i = 0; i < 3; ++i) {
        const QString failed = getOk(client, server.url());
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }
    QCOMPARE(server.handshakes.load(), 3);
    QCOMPARE(server.resumed.load(), 2);
}

void HttpClientTest::clientsSharingAContextShareSessions()
{
    // As the server's clients do (one per serving thread, one for callbacks): given one TLS
    // context, a client on another thread resumes the session the first client got, so only the
    // very first connection does a full handshake.
    OpenSslServer server;
    HttpClientOptions options = trustingTestCertificate();
    options.tlsContext = std::make_shared<TlsClientContext>(options.extraCaCertificates);
    {
        HttpClient first(options);
        const QString failed = getOk(first, server.url());
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }
    QString failedThere;
    std::unique_ptr<QThread> thread(QThread::create([&] {
        HttpClient second(options);
        for (int i = 0; i < 2; ++i)
            failedThere += getOk(second, server.url());
    }));
    thread->start();
    QVERIFY(thread->wait(10'000));
    QVERIFY2(failedThere.isEmpty(), qPrintable(failedThere));
    QCOMPARE(server.handshakes.load(), 3);
    QCOMPARE(server.resumed.load(), 2);
}

void HttpClientTest::lateSessionTicketKeepsTheConnection()
{
    // A ticket that reaches a connection idle in the pool is TLS's own business, not an answer
    // nobody asked for: the connection stays, and the next call goes over it.
    OpenSslServer server(/*lateTickets=*/true);
    HttpClient client(trustingTestCertificate());
    for (int i = 0; i < 3; ++i) {
        const QString failed = getOk(client, server.url());
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        QTest::qWait(300); // the ticket arrives while the connection is idle
        QCOMPARE(client.idleConnections(), 1);
    }
    QCOMPARE(server.handshakes.load(), 1);
}

DYNASEAL_EVENT_LOOP_TEST_MAIN(HttpClientTest)
#include "HttpClientTest.moc"

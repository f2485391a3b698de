#include "server/net/HttpClient.h"

#include "server/net/HttpConnection.h"
#include "server/net/TlsClientContext.h"

#include <QPointer>
#include <QSet>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace dynaseal {

namespace {

struct Call
{
    quint64 id = 0;
    HttpResponseHandler handler;
    HttpConnection::Target target;
    HttpConnection::Exchange exchange;
    int connectTimeoutMs = 0;
    QList<QByteArray> wire;               // the request's pieces (HttpConnection::open); kept only while a retry is possible
    HttpConnection *connection = nullptr; // while connecting or in flight
    bool queued = false;
    bool retried = false;
    bool pipelined = false;  // HttpRequest::pipelined
    std::vector<quint64> members; // a carrier of pipelined calls: theirs, in order; its wire is theirs together
    int answered = 0;             // a carrier: members answered on its current connection
    // A request that cannot be sent still fails from the event loop, like any other call.
    std::optional<HttpClientError> invalid;
    QString invalidMessage;
};

// The connections and waiting calls of one scheme://host:port.
struct Pool
{
    HttpConnection::Target target;
    QList<HttpConnection *> idle;  // most recently used last: reuse is LIFO, trimming oldest first
    QSet<HttpConnection *> active; // connecting or carrying a call
    std::deque<quint64> queue;     // calls waiting for a connection, FIFO

    qsizetype open() const { return idle.size() + active.size(); }
};

// RFC 9110 tchar: letters, digits and !#$%&'*+-.^_`|~ (a table: this runs for every header of
// every call).
constexpr auto kTokenChars = [] {
    std::array<bool, 256> table{};
    for (int c = '0'; c <= '9'; ++c)
        table[size_t(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        table[size_t(c)] = table[size_t(c - 'a' + 'A')] = true;
    for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
        table[uchar(c)] = true;
    return table;
}();

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (const char ch : text) {
        if (!kTokenChars[uchar(ch)])
            return false;
    }
    return true;
}

bool isFieldValue(QByteArrayView text)
{
    // CR, LF or NUL would let a value end the header early and smuggle in other lines.
    for (const char ch : text) {
        if (ch == '\r' || ch == '\n' || ch == '\0')
            return false;
    }
    return true;
}

// Framing headers belong to the client; a second copy from the caller would confuse the peer.
bool isFramingHeader(const QByteArray &name)
{
    for (const QByteArrayView own : {QByteArrayView("host"), QByteArrayView("content-length"),
                                     QByteArrayView("connection"), QByteArrayView("transfer-encoding")}) {
        if (sameHeaderName(name, own))
            return true;
    }
    return false;
}

} // namespace

class HttpClient::Private final : public HttpConnectionListener
{
public:
    Private(HttpClient *q, const HttpClientOptions &options);
    ~Private();
    Q_DISABLE_COPY_MOVE(Private)

    // What a URL gives a call: where to connect, and the request line's target and Host header.
    struct ParsedUrl
    {
        HttpConnection::Target target;
        QByteArray requestTarget; // path and query, percent-encoded
        QByteArray hostHeader;
    };
    // Parsed once per URL and kept: a proxied call's URL repeats, and QUrl took ~5k instructions
    // a call to give its pieces. Null for a URL no call may use.
    const ParsedUrl *parsed(const QUrl &url);

    void prepare(Call &call, const HttpRequest &request);
    void scheduleStart();
    void startPending();
    void dispatch(Call *call);
    void dispatchPipelined(std::vector<std::shared_ptr<Call>> &group);
    void setCarrierWire(Call *carrier);
    Call *currentMember(const Call &carrier) const;
    void cancel(quint64 callId);

    Pool *poolFor(const HttpConnection::Target &target);
    Pool *poolOf(const HttpConnection *connection) const;
    void openFor(Pool *pool, Call *call);
    void assign(Call *call, HttpConnection *connection);
    void release(Pool *pool, HttpConnection *connection);
    void pump(Pool *pool);
    std::shared_ptr<Call> takeQueued(Pool *pool);
    void dispose(HttpConnection *connection);

    void connectionHead(HttpConnection *connection, quint64 callId, int status,
                        const HttpHeaders &headers) override;
    void connectionData(HttpConnection *connection, quint64 callId, const QByteArray &data) override;
    void connectionResponseEnd(HttpConnection *connection, quint64 callId) override;
    void connectionComplete(HttpConnection *connection, quint64 callId, bool reusable) override;
    void connectionFailed(HttpConnection *connection, quint64 callId, HttpClientError error,
                          const QString &message) override;
    void connectionDropped(HttpConnection *connection) override;
    // A connection carrying pipelined calls failed: sends the unanswered ones again, or fails them.
    void carrierFailed(Pool *pool, const std::shared_ptr<Call> &carrier, bool unanswered, bool reused,
                       HttpClientError error, const QString &message);

    HttpClient *const q;
    HttpClientOptions options;
    std::shared_ptr<TlsClientContext> tlsContext; // for https:// connections
    quint64 lastId = 0;
    // shared_ptr: a dispatch holds its call alive even if the handler cancels it meanwhile.
    QHash<quint64, std::shared_ptr<Call>> calls;
    QHash<QString, Pool *> pools;
    QHash<QUrl, ParsedUrl> parsedUrls;
    std::vector<quint64> pending; // sent but not started yet
    bool startScheduled = false;
};

HttpClient::Private::Private(HttpClient *q, const HttpClientOptions &options)
    : q(q), options(options), tlsContext(options.tlsContext)
{
    this->options.maxConnectionsPerHost = std::max(1, options.maxConnectionsPerHost);
    this->options.pipelineDepth = std::max(1, options.pipelineDepth);
}

HttpClient::Private::~Private()
{
    for (Pool *pool : std::as_const(pools)) {
        for (HttpConnection *connection : std::as_const(pool->idle))
            dispose(connection);
        for (HttpConnection *connection : std::as_const(pool->active))
            dispose(connection);
        delete pool;
    }
}

const HttpClient::Private::ParsedUrl *HttpClient::Private::parsed(const QUrl &url)
{
    const auto it = parsedUrls.constFind(url);
    if (it != parsedUrls.constEnd())
        return &it.value();
    const QString scheme = url.scheme();
    const bool tls = scheme == u"https";
    if (!url.isValid() || (!tls && scheme != u"http") || url.host().isEmpty())
        return nullptr;
    if (parsedUrls.size() >= 1024) // upstreams and callback URLs change rarely; a bound keeps old ones from piling up
        parsedUrls.clear();
    ParsedUrl p;
    p.target.tls = tls;
    if (tls) {
        if (!tlsContext) // made on the first https:// URL: loading the trust store takes a few ms
            tlsContext = std::make_shared<TlsClientContext>(options.extraCaCertificates);
        p.target.tlsContext = tlsContext;
    }
    p.target.host = url.host(QUrl::FullyEncoded);
    p.target.port = quint16(url.port(tls ? 443 : 80));
    p.target.poolKey = scheme + u"://" + p.target.host + u':' + QString::number(p.target.port);
    p.requestTarget = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (!p.requestTarget.startsWith('/'))
        p.requestTarget.prepend('/');
    p.hostHeader = p.target.host.toLatin1(); // ASCII after FullyEncoded
    if (p.hostHeader.contains(':'))
        p.hostHeader = '[' + p.hostHeader + ']'; // IPv6 literal
    if (url.port() != -1)
        p.hostHeader += ':' + QByteArray::number(url.port());
    return &parsedUrls.insert(url, std::move(p)).value();
}

void HttpClient::Private::prepare(Call &call, const HttpRequest &request)
{
    const ParsedUrl *url = parsed(request.url);
    if (!url) {
        call.invalid = HttpClientError::ConnectFailed;
        call.invalidMessage = QStringLiteral("invalid URL");
        return;
    }
    if (!isToken(request.method)) {
        call.invalid = HttpClientError::ProtocolError;
        call.invalidMessage = QStringLiteral("invalid request method");
        return;
    }
    qsizetype headerBytes = 0;
    for (const auto &[name, value] : request.headers) {
        if (!isToken(name) || !isFieldValue(value)) {
            call.invalid = HttpClientError::ProtocolError;
            call.invalidMessage = QStringLiteral("invalid request header");
            return;
        }
        if (!isFramingHeader(name))
            headerBytes += 2 + name.size() + 2 + value.size();
    }

    call.target = url->target;
    call.pipelined = request.pipelined;
    call.connectTimeoutMs = request.connectTimeoutMs;
    call.exchange.callId = call.id;
    call.exchange.headRequest = request.method == "HEAD";
    call.exchange.firstByteTimeoutMs = request.firstByteTimeoutMs;
    call.exchange.idleTimeoutMs = request.idleTimeoutMs;
    call.exchange.responseHeaders = request.responseHeaders;
    const QByteArray &target = url->requestTarget;
    const QByteArray &host = url->hostHeader;

    // The head in one buffer of the exact size, filled with memcpy (appending piece by piece cost
    // a dozen reallocation checks per call); the body goes behind it as it is, shared, not copied.
    const QByteArray contentLength = QByteArray::number(request.body.size());
    static constexpr QByteArrayView kVersion(" HTTP/1.1\r\nHost: ");
    static constexpr QByteArrayView kLength("\r\nContent-Length: ");
    static constexpr QByteArrayView kEnd("\r\nConnection: keep-alive\r\n\r\n");
    const qsizetype size = request.method.size() + 1 + target.size() + kVersion.size() + host.size() + headerBytes
        + kLength.size() + contentLength.size() + kEnd.size();
    QByteArray head(size, Qt::Uninitialized);
    char *out = head.data();
    const auto put = [&out](QByteArrayView piece) {
        memcpy(out, piece.data(), size_t(piece.size()));
        out += piece.size();
    };
    put(request.method);
    put(" ");
    put(target);
    put(kVersion);
    put(host);
    for (const auto &[name, value] : request.headers) {
        if (isFramingHeader(name))
            continue;
        put("\r\n");
        put(name);
        put(": ");
        put(value);
    }
    put(kLength);
    put(contentLength);
    put(kEnd);
    Q_ASSERT(out == head.constData() + head.size());
    // Built at its size: growing the list from one piece to two reallocated it on every call.
    call.wire = request.body.isEmpty() ? QList<QByteArray>{std::move(head)} : QList<QByteArray>{std::move(head), request.body};
}

void HttpClient::Private::scheduleStart()
{
    // One posted event starts every call sent during the same event-loop pass.
    if (startScheduled)
        return;
    startScheduled = true;
    QMetaObject::invokeMethod(q, [this] { startPending(); }, Qt::QueuedConnection);
}

void HttpClient::Private::startPending()
{
    startScheduled = false;
    std::vector<quint64> batch;
    batch.swap(pending);
    // Pipelined calls to one host, gathered to go together; the groups keep the calls' order.
    std::vector<std::vector<std::shared_ptr<Call>>> groups;
    QHash<QString, size_t> openGroup; // pool key -> index in groups of the one still taking calls
    const QPointer<HttpClient> alive(q);
    for (const quint64 id : batch) {
        const auto it = calls.constFind(id);
        if (it == calls.cend())
            continue; // cancelled before it started
        const std::shared_ptr<Call> call = it.value();
        if (!call->invalid && call->pipelined) {
            auto group = openGroup.find(call->target.poolKey);
            // Answers come in order: a deeper pipeline makes the last wait for more of the others.
            if (group == openGroup.end() || groups[*group].size() >= size_t(options.pipelineDepth)) {
                group = openGroup.insert(call->target.poolKey, groups.size());
                groups.push_back({});
            }
            groups[*group].push_back(call);
            continue;
        }
        if (!call->invalid) {
            dispatch(call.get());
            continue;
        }
        calls.erase(it);
        if (call->handler.onError)
            call->handler.onError(*call->invalid, call->invalidMessage);
        if (!alive)
            return; // the handler destroyed the client
    }
    for (auto &group : groups)
        dispatchPipelined(group);
}

void HttpClient::Private::dispatchPipelined(std::vector<std::shared_ptr<Call>> &group)
{
    if (group.size() == 1) {
        dispatch(group.front().get());
        return;
    }
    // A carrier call takes the group through the pool like any call; its members keep their ids
    // and handlers, and hear of their own response only.
    auto carrier = std::make_shared<Call>();
    carrier->id = ++lastId;
    const Call &first = *group.front();
    carrier->target = first.target;
    carrier->connectTimeoutMs = first.connectTimeoutMs;
    carrier->exchange = first.exchange;
    carrier->exchange.callId = carrier->id;
    for (const auto &member : group)
        carrier->members.push_back(member->id);
    setCarrierWire(carrier.get());
    calls.insert(carrier->id, carrier);
    dispatch(carrier.get());
}

void HttpClient::Private::setCarrierWire(Call *carrier)
{
    // Members cancelled meanwhile are left out; each member keeps its own wire for a resend.
    std::erase_if(carrier->members, [this](quint64 id) { return !calls.contains(id); });
    carrier->wire = {};
    carrier->wire.reserve(qsizetype(carrier->members.size()) * 2); // a head and a body each
    for (const quint64 id : carrier->members)
        carrier->wire += calls.value(id)->wire;
    carrier->exchange.responses = int(carrier->members.size());
    carrier->answered = 0;
}

Call *HttpClient::Private::currentMember(const Call &carrier) const
{
    if (carrier.answered >= int(carrier.members.size()))
        return nullptr;
    return calls.value(carrier.members[size_t(carrier.answered)]).get(); // null if it was cancelled
}

void HttpClient::Private::dispatch(Call *call)
{
    Pool *pool = poolFor(call->target);
    while (!pool->idle.isEmpty()) {
        HttpConnection *connection = pool->idle.takeLast();
        if (connection->isUsable()) {
            pool->active.insert(connection);
            assign(call, connection);
            return;
        }
        dispose(connection); // closed while idle and not noticed yet
    }
    if (pool->open() < options.maxConnectionsPerHost) {
        openFor(pool, call);
        return;
    }
    call->queued = true;
    pool->queue.push_back(call->id);
}

void HttpClient::Private::cancel(quint64 callId)
{
    const auto it = calls.find(callId);
    if (it == calls.end())
        return;
    const std::shared_ptr<Call> call = it.value();
    calls.erase(it);
    if (call->pipelined && !call->connection && !call->queued) {
        // Pending, or riding in a carrier: its answer, if it comes, is read and dropped.
        return;
    }
    if (call->connection) {
        Pool *pool = poolOf(call->connection);
        pool->active.remove(call->connection);
        dispose(call->connection);
        pump(pool);
    } else if (call->queued) {
        auto &queue = pools.value(call->target.poolKey)->queue;
        queue.erase(std::find(queue.begin(), queue.end(), callId));
    }
    // Neither: still pending; startPending() skips ids it no longer knows.
}

Pool *HttpClient::Private::poolFor(const HttpConnection::Target &target)
{
    Pool *&pool = pools[target.poolKey];
    if (!pool) {
        pool = new Pool;
        pool->target = target;
    }
    return pool;
}

Pool *HttpClient::Private::poolOf(const HttpConnection *connection) const
{
    return pools.value(connection->target().poolKey);
}

void HttpClient::Private::openFor(Pool *pool, Call *call)
{
    auto *connection = new HttpConnection(pool->target, this);
    pool->active.insert(connection);
    call->connection = connection;
    call->queued = false;
    connection->open(call->connectTimeoutMs, call->exchange, call->wire);
    // A fresh connection is never retried, so the copy of the request is not needed any more.
    call->wire = {};
}

void HttpClient::Private::assign(Call *call, HttpConnection *connection)
{
    call->connection = connection;
    call->queued = false;
    connection->send(call->exchange, call->wire);
}

void HttpClient::Private::release(Pool *pool, HttpConnection *connection)
{
    // The oldest waiting call takes it at once; otherwise it is kept warm.
    if (const std::shared_ptr<Call> next = takeQueued(pool)) {
        pool->active.insert(connection);
        assign(next.get(), connection);
        return;
    }
    if (options.maxIdlePerHost <= 0) {
        dispose(connection);
        return;
    }
    while (pool->idle.size() >= options.maxIdlePerHost)
        dispose(pool->idle.takeFirst());
    connection->park(options.keepAliveIdleMs);
    pool->idle.append(connection);
}

void HttpClient::Private::pump(Pool *pool)
{
    while (pool->open() < options.maxConnectionsPerHost) {
        const std::shared_ptr<Call> next = takeQueued(pool);
        if (!next)
            return;
        openFor(pool, next.get());
    }
}

std::shared_ptr<Call> HttpClient::Private::takeQueued(Pool *pool)
{
    while (!pool->queue.empty()) {
        const quint64 id = pool->queue.front();
        pool->queue.pop_front();
        if (std::shared_ptr<Call> call = calls.value(id))
            return call;
    }
    return {};
}

void HttpClient::Private::dispose(HttpConnection *connection)
{
    connection->shutdown();
    // If its own code is below us on the stack (we are inside one of its callbacks), deleting it
    // now would pull the object from under that code.
    if (connection->inDispatch())
        connection->deleteLater();
    else
        delete connection;
}

void HttpClient::Private::connectionHead(HttpConnection *, quint64 callId, int status,
                                         const HttpHeaders &headers)
{
    const std::shared_ptr<Call> carrierOrCall = calls.value(callId);
    if (!carrierOrCall)
        return;
    Call *call = carrierOrCall.get();
    if (!call->members.empty()) {
        call = currentMember(*call);
        if (!call)
            return;
    } else {
        call->wire = {}; // the response started: no retry any more
    }
    if (call->handler.onHead)
        call->handler.onHead(status, headers);
}

void HttpClient::Private::connectionData(HttpConnection *, quint64 callId, const QByteArray &data)
{
    const std::shared_ptr<Call> carrierOrCall = calls.value(callId);
    Call *call = carrierOrCall && !carrierOrCall->members.empty() ? currentMember(*carrierOrCall) : carrierOrCall.get();
    if (call && call->handler.onData)
        call->handler.onData(data);
}

void HttpClient::Private::connectionResponseEnd(HttpConnection *, quint64 callId)
{
    const std::shared_ptr<Call> carrier = calls.value(callId);
    if (!carrier || carrier->members.empty())
        return;
    const quint64 memberId = carrier->members[size_t(carrier->answered++)];
    const std::shared_ptr<Call> member = calls.take(memberId);
    if (member && member->handler.onComplete)
        member->handler.onComplete();
}

void HttpClient::Private::connectionComplete(HttpConnection *connection, quint64 callId,
                                             bool reusable)
{
    std::shared_ptr<Call> call = calls.take(callId);
    if (call && !call->members.empty())
        call = calls.take(call->members.back()); // a carrier: its last member was answered last
    Pool *pool = poolOf(connection);
    pool->active.remove(connection);
    if (reusable) {
        release(pool, connection);
    } else {
        dispose(connection);
        pump(pool);
    }
    // Last: the handler may send, cancel or even destroy the client.
    if (call && call->handler.onComplete)
        call->handler.onComplete();
}

void HttpClient::Private::connectionFailed(HttpConnection *connection, quint64 callId,
                                           HttpClientError error, const QString &message)
{
    // A reused keep-alive connection that dies before any response byte was most likely closed
    // by the server while idle, just as we sent: the request was not processed.
    const bool unanswered = error == HttpClientError::ConnectionClosed && !connection->responseStarted();
    const bool reused = connection->isReused();
    const bool stale = unanswered && reused;
    Pool *pool = poolOf(connection);
    pool->active.remove(connection);
    dispose(connection);

    const auto it = calls.find(callId);
    if (it == calls.end()) {
        pump(pool);
        return;
    }
    const std::shared_ptr<Call> call = it.value();
    if (!call->members.empty()) {
        carrierFailed(pool, call, unanswered, reused, error, message);
        return;
    }
    if (stale && !call->retried && !call->wire.isEmpty()) {
        call->retried = true;
        openFor(pool, call.get()); // the slot just freed; a fresh connection, not another idle one
        return;
    }
    calls.erase(it);
    pump(pool);
    if (call->handler.onError)
        call->handler.onError(error, message);
}

void HttpClient::Private::carrierFailed(Pool *pool, const std::shared_ptr<Call> &carrier, bool unanswered, bool reused,
                                        HttpClientError error, const QString &message)
{
    // The members not answered yet. If the peer closed before the next response began, after
    // answering some (it stops taking requests on a connection at some count) or on a reused
    // connection (closed while idle, as we sent), they were not processed: they go again on a
    // fresh connection. Answers made progress, so this ends; without any, only once.
    carrier->members.erase(carrier->members.begin(), carrier->members.begin() + carrier->answered);
    const bool progressed = carrier->answered > 0;
    if (unanswered && (progressed || (reused && !carrier->retried))) {
        if (!progressed)
            carrier->retried = true;
        setCarrierWire(carrier.get());
        if (!carrier->members.empty()) {
            openFor(pool, carrier.get());
            return;
        }
    }
    calls.remove(carrier->id);
    pump(pool);
    const QPointer<HttpClient> alive(q);
    for (const quint64 id : carrier->members) {
        const std::shared_ptr<Call> member = calls.take(id);
        if (member && member->handler.onError)
            member->handler.onError(error, message);
        if (!alive)
            return; // the handler destroyed the client
    }
}

void HttpClient::Private::connectionDropped(HttpConnection *connection)
{
    Pool *pool = poolOf(connection);
    pool->idle.removeOne(connection);
    pool->active.remove(connection);
    dispose(connection);
    pump(pool);
}

HttpClient::HttpClient(HttpClientOptions options, QObject *parent)
    : QObject(parent), d(new Private(this, options))
{
}

HttpClient::~HttpClient()
{
    // Closes every connection without a callback; queued and pending calls just vanish.
    delete d;
}

quint64 HttpClient::send(HttpRequest request, HttpResponseHandler handler)
{
    auto call = std::make_shared<Call>();
    call->id = ++d->lastId;
    call->handler = std::move(handler);
    d->prepare(*call, request);
    d->calls.insert(call->id, call);
    d->pending.push_back(call->id);
    d->scheduleStart();
    return call->id;
}

void HttpClient::cancel(quint64 callId)
{
    d->cancel(callId);
}

void HttpClient::setReading(quint64 callId, bool on)
{
    const std::shared_ptr<Call> call = d->calls.value(callId);
    if (call && call->connection)
        call->connection->setReading(on);
}

int HttpClient::openConnections() const
{
    qsizetype count = 0;
    for (const Pool *pool : std::as_const(d->pools))
        count += pool->open();
    return int(count);
}

int HttpClient::idleConnections() const
{
    qsizetype count = 0;
    for (const Pool *pool : std::as_const(d->pools))
        count += pool->idle.size();
    return int(count);
}

int HttpClient::queuedCalls() const
{
    std::size_t count = 0;
    for (const Pool *pool : std::as_const(d->pools))
        count += pool->queue.size();
    return int(count);
}

} // namespace dynaseal

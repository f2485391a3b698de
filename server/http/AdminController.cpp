#include "server/http/AdminController.h"

#include "server/core/AdminInput.h"
#include "server/core/CallbackDispatcher.h"
#include "server/core/TokenLedger.h"
#include "server/core/policy/TenantPolicy.h"
#include "server/core/storage/AdminStore.h"
#include "server/core/storage/CallbackStore.h"
#include "server/core/storage/Database.h"
#include "server/core/storage/InFlightJournal.h"
#include "server/core/storage/RegistryLoader.h"
#include "server/core/storage/RowIds.h"
#include "server/core/storage/TenantStore.h"
#include "server/core/storage/UpstreamStore.h"
#include "server/core/storage/UsageStore.h"
#include "server/http/HttpReply.h"
#include "server/http/ServingThreadCpus.h"
#include "server/net/HttpClient.h"
#include "shared/Clock.h"
#include "shared/Crypto.h"
#include "shared/PasswordHash.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QThreadPool>

namespace dynaseal {
namespace {

// The body as a JSON object; an empty body counts as {} where `emptyIsObject`.
std::variant<QJsonObject, ApiError> bodyObject(const HttpExchange &ex, bool emptyIsObject = false)
{
    if (emptyIsObject && ex.body.trimmed().isEmpty())
        return QJsonObject();
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(ex.body, &error);
    if (error.error != QJsonParseError::NoError)
        return ApiError::badRequest(QStringLiteral("the request body is not valid JSON: %1 at offset %2").arg(error.errorString()).arg(error.offset),
                                    QStringLiteral("invalid_json"));
    if (!doc.isObject())
        return ApiError::badRequest(QStringLiteral("the request body must be a JSON object"), QStringLiteral("invalid_json"));
    return doc.object();
}

// Paging and time-window query parameters shared by the list endpoints.
struct ListQuery
{
    int limit = 100;
    int offset = 0;
    qint64 sinceMs = 0;
    qint64 untilMs = 0;
};

bool parseTime(const QString &text, qint64 *ms)
{
    bool isNumber = false;
    const qint64 seconds = text.toLongLong(&isNumber);
    if (isNumber) {
        *ms = seconds * 1000;
        return seconds >= 0;
    }
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        return false;
    *ms = t.toMSecsSinceEpoch();
    return true;
}

std::variant<ListQuery, ApiError> listQuery(const HttpExchange &ex, qint64 defaultSinceMs)
{
    ListQuery q;
    q.sinceMs = defaultSinceMs;
    const QUrlQuery &query = ex.query;
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        q.limit = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || q.limit < 1 || q.limit > 1000)
            return ApiError::badRequest(QStringLiteral("\"limit\" must be an integer from 1 to 1000"), QStringLiteral("invalid_value"));
    }
    if (query.hasQueryItem(QStringLiteral("offset"))) {
        bool ok = false;
        q.offset = query.queryItemValue(QStringLiteral("offset")).toInt(&ok);
        if (!ok || q.offset < 0)
            return ApiError::badRequest(QStringLiteral("\"offset\" must be a non-negative integer"), QStringLiteral("invalid_value"));
    }
    for (auto [name, field] : {std::pair{"since", &q.sinceMs}, std::pair{"until", &q.untilMs}}) {
        const QString key = QLatin1String(name);
        if (query.hasQueryItem(key) && !parseTime(query.queryItemValue(key, QUrl::FullyDecoded), field))
            return ApiError::badRequest(QStringLiteral("\"%1\" must be ISO 8601 or Unix seconds").arg(key), QStringLiteral("invalid_value"));
    }
    return q;
}

// The "cursor" of a list that pages by one: none (the first page) if absent or empty, else a
// "next_cursor" the list gave, instead of an "offset".
std::variant<rows::ListCursor, ApiError> cursorParam(const HttpExchange &ex, QLatin1StringView sections, QLatin1StringView timeSections)
{
    const QString text = ex.query.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded);
    if (text.isEmpty())
        return rows::ListCursor();
    if (ex.query.hasQueryItem(QStringLiteral("offset")))
        return ApiError::badRequest(QStringLiteral("\"cursor\" and \"offset\" cannot be used together: the cursor says where the page starts"),
                                    QStringLiteral("invalid_value"));
    const std::optional<rows::ListCursor> cursor = rows::ListCursor::parse(text, sections, timeSections);
    if (!cursor)
        return ApiError::badRequest(QStringLiteral("\"cursor\" must be a \"next_cursor\" this list returned"), QStringLiteral("invalid_value"));
    return *cursor;
}

AdminResult notFound(const QString &what, const QString &id)
{
    return AdminResult::fail(ApiError::notFound(QStringLiteral("no %1 with id \"%2\"").arg(what, id.left(64))));
}

// The hash of the request's admin token, or nothing when it sent none (then it was answered).
std::optional<QByteArray> adminTokenHash(HttpExchange &ex)
{
    const QByteArray token = ex.bearerToken();
    if (token.isEmpty()) {
        HttpReply::error(ex, ApiError::unauthorized(QStringLiteral("missing admin token: log in at POST /admin/v1/login and send \"Authorization: Bearer <token>\""),
                                                    QStringLiteral("missing_token")));
        return std::nullopt;
    }
    return crypto::sha256(token);
}

AdminResult invalidToken()
{
    return AdminResult::fail(ApiError::unauthorized(QStringLiteral("the admin token is invalid or expired: log in again"), QStringLiteral("invalid_token")));
}

void answer(HttpExchange &ex, const AdminResult &r)
{
    if (r.error)
        HttpReply::error(ex, *r.error);
    else if (r.status == 204)
        HttpReply::send(ex, 204, QByteArray(), QByteArray());
    else
        HttpReply::json(ex, r.status, r.body);
}

} // namespace

AdminController::AdminController(ServerContext &context, HttpClient &http, QObject *parent)
    : QObject(parent), m_ctx(context), m_http(http)
{
}

void AdminController::testUpstream(const HttpExchangePtr &ex, const QString &id)
{
    const QByteArray hash = crypto::sha256(ex->bearerToken());
    const qint64 now = m_ctx.clock.nowMs();
    m_ctx.db.read<bool>([hash, now](SqlSession &s) { return AdminStore::authenticate(s, hash, now).has_value(); }, this,
                        [this, ex, id](DbOutcome<bool> ok) {
        if (!ok.ok() || !*ok.value)
            return void(HttpReply::error(*ex, ApiError::unauthorized(QStringLiteral("the admin token is missing, invalid or expired: log in again"), QStringLiteral("invalid_token"))));
        const auto registry = m_ctx.registry.current();
        const auto found = std::find_if(registry->upstreams.begin(), registry->upstreams.end(), [&](const Upstream &u) { return u.id == id; });
        if (found == registry->upstreams.end())
            return void(HttpReply::error(*ex, ApiError::notFound(QStringLiteral("no upstream with id \"%1\"").arg(id.left(64)))));
        HttpRequest request;
        request.method = "GET";
        request.url = found->endpoint(QStringLiteral("/models"));
        request.headers = {{"Authorization", "Bearer " + found->apiKey}};
        request.connectTimeoutMs = request.firstByteTimeoutMs = request.idleTimeoutMs = 10'000;
        struct State
        {
            int status = 0;
            QByteArray body;
            qint64 startedMs = 0;
        };
        auto state = std::make_shared<State>();
        state->startedMs = m_ctx.clock.nowMs();
        auto answer = [this, ex, state](const QString &error) {
            QJsonArray models;
            for (const QJsonValue &m : QJsonDocument::fromJson(state->body).object().value(QLatin1String("data")).toArray())
                models.append(m.toObject().value(QLatin1String("id")));
            const bool ok = error.isEmpty() && state->status >= 200 && state->status < 300;
            HttpReply::json(*ex, 200, QJsonObject{{QStringLiteral("ok"), ok},
                                                  {QStringLiteral("status"), state->status},
                                                  {QStringLiteral("latency_ms"), m_ctx.clock.nowMs() - state->startedMs},
                                                  {QStringLiteral("models"), models},
                                                  {QStringLiteral("error"), ok ? QString() : error.isEmpty() ? QStringLiteral("the upstream answered HTTP %1").arg(state->status) : error}});
        };
        HttpResponseHandler handler;
        handler.onHead = [state](int status, const HttpHeaders &) { state->status = status; };
        handler.onData = [state](const QByteArray &data) {
            if (state->body.size() < (1 << 20))
                state->body += data;
        };
        handler.onComplete = [answer] { answer(QString()); };
        handler.onError = [answer](HttpClientError, const QString &message) { answer(message); };
        m_http.send(request, handler);
    });
}

void AdminController::run(const HttpExchangePtr &ex, Work work)
{
    const auto tokenHash = adminTokenHash(*ex);
    if (!tokenHash)
        return;
    const qint64 now = m_ctx.clock.nowMs();
    const SecretBox &box = m_ctx.box;
    struct Answer
    {
        AdminResult result;
        std::shared_ptr<const RegistrySnapshot> snapshot;
    };
    m_ctx.db.write<Answer>(
        [tokenHash = *tokenHash, now, work, &box](SqlSession &s) {
            const auto actor = AdminStore::authenticate(s, tokenHash, now);
            if (!actor)
                return Answer{invalidToken(), nullptr};
            Answer answer{work(s, *actor), nullptr};
            if (answer.result.registryChanged && !answer.result.error)
                answer.snapshot = RegistryLoader::loadChanged(s, box);
            return answer;
        },
        this, [this, ex](DbOutcome<Answer> outcome) {
            if (!outcome.ok()) {
                HttpReply::error(*ex, ApiError::internal(QStringLiteral("the change could not be stored; nothing was changed")));
                return;
            }
            if (outcome.value->snapshot)
                m_ctx.registry.replaceIfNotOlder(outcome.value->snapshot);
            answer(*ex, outcome.value->result);
        });
}

void AdminController::runRead(const HttpExchangePtr &ex, Work work)
{
    const auto tokenHash = adminTokenHash(*ex);
    if (!tokenHash)
        return;
    const qint64 now = m_ctx.clock.nowMs();
    const Database &writer = m_ctx.db;
    const quint64 writesBefore = writer.writesQueued();
    m_ctx.reads.read<AdminResult>(
        [tokenHash = *tokenHash, now, work, &writer, writesBefore](SqlSession &s) {
            // An admin change is queued before its answer, a call's outcome as its answer goes out:
            // after this wait the read sees them, as it did when reads queued behind the writes. A
            // writer stuck that long reports its own errors; the read then shows what is committed.
            writer.waitForWrites(writesBefore, std::chrono::seconds(5));
            const auto actor = AdminStore::authenticate(s, tokenHash, now);
            return actor ? work(s, *actor) : invalidToken();
        },
        this, [ex](DbOutcome<AdminResult> outcome) {
            if (!outcome.ok())
                return void(HttpReply::error(*ex, ApiError::internal(QStringLiteral("the list could not be read"))));
            answer(*ex, *outcome.value);
        });
}

void AdminController::login(const HttpExchangePtr &ex)
{
    auto parsed = bodyObject(*ex);
    if (auto *e = std::get_if<ApiError>(&parsed))
        return void(HttpReply::error(*ex, *e));
    const QJsonObject body = std::get<QJsonObject>(parsed);
    const QJsonValue username = body.value(QLatin1String("username"));
    const QJsonValue password = body.value(QLatin1String("password"));
    if (!username.isString() || !password.isString() || username.toString().isEmpty())
        return void(HttpReply::error(*ex, ApiError::badRequest(QStringLiteral("send {\"username\": string, \"password\": string}"), QStringLiteral("invalid_value"))));

    const QString user = username.toString();
    m_ctx.db.read<std::optional<QString>>(
        [user](SqlSession &s) { return AdminStore::passwordHash(s, user); }, this,
        [this, ex, user, password = password.toString()](DbOutcome<std::optional<QString>> stored) {
            if (!stored.ok())
                return void(HttpReply::error(*ex, ApiError::internal()));
            const std::optional<QString> known = *stored.value;
            QPointer<AdminController> self(this);
            // scrypt takes ~100 ms on purpose: off the serving and database threads.
            QThreadPool::globalInstance()->start([self, ex, user, password, known] {
                unpinCurrentThread(); // a pool thread a pinned serving thread started has its one core
                // An unknown user costs the same scrypt run as a wrong password: no user
                // enumeration by timing. The decoy is made here too, once, not on a serving thread.
                static const QString decoy = passwordhash::hash(crypto::randomToken(16));
                const bool ok = passwordhash::verify(password, known.value_or(decoy)) && known.has_value();
                QMetaObject::invokeMethod(self.data(), [self, ex, user, ok] {
                    if (!self)
                        return;
                    if (!ok)
                        return void(HttpReply::error(*ex, ApiError::unauthorized(QStringLiteral("wrong username or password"), QStringLiteral("invalid_credentials"))));
                    const QByteArray token = QByteArrayLiteral("dsa_") + crypto::randomToken(32).toLatin1();
                    const qint64 now = self->m_ctx.clock.nowMs();
                    const qint64 expires = now + qint64(self->m_ctx.settings.adminTokenTtlSecs) * 1000;
                    self->m_ctx.db.write<bool>(
                        [user, hash = crypto::sha256(token), now, expires](SqlSession &s) {
                            AdminStore::purgeExpiredSessions(s, now);
                            AdminStore::createSession(s, user, hash, expires);
                            AdminStore::audit(s, now, user, QStringLiteral("login"), user);
                            return true;
                        },
                        self.data(), [ex, token, expires](DbOutcome<bool> stored) {
                            if (!stored.ok())
                                return void(HttpReply::error(*ex, ApiError::internal()));
                            HttpReply::json(*ex, 200, QJsonObject{{QStringLiteral("token"), QString::fromLatin1(token)},
                                                                  {QStringLiteral("expires_at"), rows::isoTime(expires)}});
                        });
                }, Qt::QueuedConnection);
            });
        });
}

void AdminController::logout(const HttpExchangePtr &ex)
{
    const QByteArray tokenHash = crypto::sha256(ex->bearerToken());
    run(ex, [tokenHash](SqlSession &s, const QString &) {
        AdminStore::deleteSession(s, tokenHash);
        return AdminResult::ok({}, 204);
    });
}

void AdminController::registerRoutes(Router &router)
{
    const SecretBox &box = m_ctx.box;
    const Clock &clock = m_ctx.clock;
    auto now = [&clock] { return clock.nowMs(); };
    // Bad input is reported only to an authenticated operator: without a valid token every
    // admin call is a 401, whatever its body or query.
    auto refuse = [this](const HttpExchangePtr &ex, const ApiError &error) {
        runRead(ex, [error](SqlSession &, const QString &) { return AdminResult::fail(error); });
    };

    router.add("POST", QStringLiteral("/admin/v1/login"), [this](const HttpExchangePtr &ex, const PathParams &) { login(ex); });
    router.add("POST", QStringLiteral("/admin/v1/logout"), [this](const HttpExchangePtr &ex, const PathParams &) { logout(ex); });

    // Upstreams
    router.add("GET", QStringLiteral("/admin/v1/upstreams"), [this](const HttpExchangePtr &ex, const PathParams &) {
        runRead(ex, [](SqlSession &s, const QString &) { return AdminResult::ok(QJsonObject{{QStringLiteral("data"), UpstreamStore::list(s)}}); });
    });
    router.add("POST", QStringLiteral("/admin/v1/upstreams"), [this, refuse, &box, now](const HttpExchangePtr &ex, const PathParams &) {
        auto body = bodyObject(*ex);
        if (auto *e = std::get_if<ApiError>(&body))
            return void(refuse(ex, *e));
        auto input = UpstreamInput::parse(std::get<QJsonObject>(body), true);
        if (auto *e = std::get_if<ApiError>(&input))
            return void(refuse(ex, *e));
        run(ex, [in = std::get<UpstreamInput>(input), &box, t = now()](SqlSession &s, const QString &actor) {
            if (UpstreamStore::nameTaken(s, *in.name))
                return AdminResult::fail(ApiError::conflict(QStringLiteral("an upstream named \"%1\" exists already").arg(*in.name)));
            const QJsonObject created = UpstreamStore::create(s, box, in, t);
            AdminStore::audit(s, t, actor, QStringLiteral("upstream.create"), created.value(QLatin1String("id")).toString(),
                              QJsonObject{{QStringLiteral("name"), *in.name}, {QStringLiteral("base_url"), in.baseUrl->toString()}});
            return AdminResult::ok(created, 201, true);
        });
    });
    router.add("POST", QStringLiteral("/admin/v1/upstreams/{id}/test"), [this](const HttpExchangePtr &ex, const PathParams &p) {
        testUpstream(ex, p.value(QStringLiteral("id")));
    });
    router.add("GET", QStringLiteral("/admin/v1/upstreams/{id}"), [this](const HttpExchangePtr &ex, const PathParams &p) {
        runRead(ex, [id = p.value(QStringLiteral("id"))](SqlSession &s, const QString &) {
            auto u = UpstreamStore::get(s, id);
            return u ? AdminResult::ok(*u) : notFound(QStringLiteral("upstream"), id);
        });
    });
    router.add("PATCH", QStringLiteral("/admin/v1/upstreams/{id}"), [this, refuse, &box, now](const HttpExchangePtr &ex, const PathParams &p) {
        auto body = bodyObject(*ex);
        if (auto *e = std::get_if<ApiError>(&body))
            return void(refuse(ex, *e));
        auto input = UpstreamInput::parse(std::get<QJsonObject>(body), false);
        if (auto *e = std::get_if<ApiError>(&input))
            return void(refuse(ex, *e));
        run(ex, [id = p.value(QStringLiteral("id")), in = std::get<UpstreamInput>(input), &box, t = now()](SqlSession &s, const QString &actor) {
            if (in.name && UpstreamStore::nameTaken(s, *in.name, id))
                return AdminResult::fail(ApiError::conflict(QStringLiteral("an upstream named \"%1\" exists already").arg(*in.name)));
            auto u = UpstreamStore::update(s, box, id, in, t);
            if (!u)
                return notFound(QStringLiteral("upstream"), id);
            QJsonObject detail;
            if (in.apiKey)
                detail.insert(QStringLiteral("api_key"), QStringLiteral("rotated"));
            if (in.models)
                detail.insert(QStringLiteral("models"), QJsonArray::fromStringList(*in.models));
            AdminStore::audit(s, t, actor, QStringLiteral("upstream.update"), id, detail);
            return AdminResult::ok(*u, 200, true);
        });
    });
    router.add("DELETE", QStringLiteral("/admin/v1/upstreams/{id}"), [this, now](const HttpExchangePtr &ex, const PathParams &p) {
        run(ex, [id = p.value(QStringLiteral("id")), t = now()](SqlSession &s, const QString &actor) {
            if (!UpstreamStore::remove(s, id))
                return notFound(QStringLiteral("upstream"), id);
            AdminStore::audit(s, t, actor, QStringLiteral("upstream.delete"), id);
            return AdminResult::ok({}, 204, true);
        });
    });

    // Tenants
    router.add("GET", QStringLiteral("/admin/v1/tenants"), [this](const HttpExchangePtr &ex, const PathParams &) {
        runRead(ex, [](SqlSession &s, const QString &) { return AdminResult::ok(QJsonObject{{QStringLiteral("data"), TenantStore::list(s)}}); });
    });
    router.add("POST", QStringLiteral("/admin/v1/tenants"), [this, refuse, &box, now](const HttpExchangePtr &ex, const PathParams &) {
        auto body = bodyObject(*ex);
        if (auto *e = std::get_if<ApiError>(&body))
            return void(refuse(ex, *e));
        auto input = TenantInput::parse(std::get<QJsonObject>(body), true);
        if (auto *e = std::get_if<ApiError>(&input))
            return void(refuse(ex, *e));
        run(ex, [in = std::get<TenantInput>(input), &box, t = now()](SqlSession &s, const QString &actor) {
            auto policy = TenantPolicy::merge(TenantPolicy(), in.policyFields);
            if (auto *e = std::get_if<ApiError>(&policy))
                return AdminResult::fail(*e);
            const QJsonObject created = TenantStore::create(s, box, in, std::get<TenantPolicy>(policy).toJson(), t);
            AdminStore::audit(s, t, actor, QStringLiteral("tenant.create"), created.value(QLatin1String("id")).toString(),
                              QJsonObject{{QStringLiteral("name"), *in.name}});
            return AdminResult::ok(created, 201, true);
        });
    });
    router.add("GET", QStringLiteral("/admin/v1/tenants/{id}"), [this](const HttpExchangePtr &ex, const PathParams &p) {
        runRead(ex, [id = p.value(QStringLiteral("id"))](SqlSession &s, const QString &) {
            auto t = TenantStore::get(s, id);
            return t ? AdminResult::ok(*t) : notFound(QStringLiteral("tenant"), id);
        });
    });
    router.add("PATCH", QStringLiteral("/admin/v1/tenants/{id}"), [this, refuse, now](const HttpExchangePtr &ex, const PathParams &p) {
        auto body = bodyObject(*ex);
        if (auto *e = std::get_if<ApiError>(&body))
            return void(refuse(ex, *e));
        const QJsonObject fields = std::get<QJsonObject>(body);
        auto input = TenantInput::parse(fields, false);
        if (auto *e = std::get_if<ApiError>(&input))
            return void(refuse(ex, *e));
        run(ex, [id = p.value(QStringLiteral("id")), in = std::get<TenantInput>(input), fields, t = now()](SqlSession &s, const QString &actor) {
            std::optional<QJsonObject> policyJson;
            if (!in.policyFields.isEmpty()) {
                // Policy fields are judged together with what is stored (e.g. auth "regex" needs a regex).
                const auto stored = TenantStore::policy(s, id);
                if (!stored)
                    return notFound(QStringLiteral("tenant"), id);
                auto base = TenantPolicy::fromJson(*stored);
                auto merged = TenantPolicy::merge(std::holds_alternative<TenantPolicy>(base) ? std::get<TenantPolicy>(base) : TenantPolicy(),
                                                  in.policyFields);
                if (auto *e = std::get_if<ApiError>(&merged))
                    return AdminResult::fail(*e);
                policyJson = std::get<TenantPolicy>(merged).toJson();
            }
            auto updated = TenantStore::update(s, id, in, policyJson, t);
            if (!updated)
                return notFound(QStringLiteral("tenant"), id);
            AdminStore::audit(s, t, actor, QStringLiteral("tenant.update"), id, fields);
            return AdminResult::ok(*updated, 200, true);
        });
    });
    router.add("DELETE", QStringLiteral("/admin/v1/tenants/{id}"), [this, now](const HttpExchangePtr &ex, const PathParams &p) {
        run(ex, [id = p.value(QStringLiteral("id")), t = now()](SqlSession &s, const QString &actor) {
            if (!TenantStore::remove(s, id))
                return notFound(QStringLiteral("tenant"), id);
            AdminStore::audit(s, t, actor, QStringLiteral("tenant.delete"), id);
            return AdminResult::ok({}, 204, true);
        });
    });

    // Tokens used, and calls and tokens per hour since local midnight (or ?since=).
    router.add("GET", QStringLiteral("/admin/v1/tenants/{id}/usage"), [this, refuse, now](const HttpExchangePtr &ex, const PathParams &p) {
        const qint64 t = now();
        const qint64 midnight = QDateTime::fromMSecsSinceEpoch(t).date().startOfDay().toMSecsSinceEpoch();
        auto q = listQuery(*ex, midnight);
        if (auto *e = std::get_if<ApiError>(&q))
            return void(refuse(ex, *e));
        const ListQuery lq = std::get<ListQuery>(q);
        runRead(ex, [id = p.value(QStringLiteral("id")), lq, t](SqlSession &s, const QString &) {
            auto tenant = TenantStore::get(s, id);
            if (!tenant)
                return notFound(QStringLiteral("tenant"), id);
            return AdminResult::ok(QJsonObject{{QStringLiteral("tenant_id"), id},
                                               {QStringLiteral("tokens_used"), tenant->value(QLatin1String("tokens_used"))},
                                               {QStringLiteral("token_quota"), tenant->value(QLatin1String("token_quota"))},
                                               {QStringLiteral("since"), rows::isoTime(lq.sinceMs)},
                                               {QStringLiteral("hourly"), UsageStore::series(s, QStringLiteral("hour"), id, QString(), lq.sinceMs,
                                                                                             lq.untilMs > 0 ? lq.untilMs : t + 1)}});
        });
    });

    // Tenant keys
    router.add("GET", QStringLiteral("/admin/v1/tenants/{id}/keys"), [this](const HttpExchangePtr &ex, const PathParams &p) {
        runRead(ex, [id = p.value(QStringLiteral("id"))](SqlSession &s, const QString &) {
            auto keys = TenantStore::listKeys(s, id);
            return keys ? AdminResult::ok(QJsonObject{{QStringLiteral("data"), *keys}}) : notFound(QStringLiteral("tenant"), id);
        });
    });
    router.add("POST", QStringLiteral("/admin/v1/tenants/{id}/keys"), [this, refuse, &box, now](const HttpExchangePtr &ex, const PathParams &p) {
        auto body = bodyObject(*ex, true);
        if (auto *e = std::get_if<ApiError>(&body))
            return void(refuse(ex, *e));
        auto input = TenantKeyInput::parse(std::get<QJsonObject>(body));
        if (auto *e = std::get_if<ApiError>(&input))
            return void(refuse(ex, *e));
        run(ex, [id = p.value(QStringLiteral("id")), in = std::get<TenantKeyInput>(input), &box, t = now()](SqlSession &s, const QString &actor) {
            auto key = in.alg == QLatin1String("HS256") ? TenantStore::issueKey(s, box, id, t)
                                                         : TenantStore::registerPublicKey(s, id, in.alg, in.publicKeyPem, t);
            if (!key)
                return notFound(QStringLiteral("tenant"), id);
            AdminStore::audit(s, t, actor, QStringLiteral("tenant_key.issue"), key->value(QLatin1String("id")).toString(),
                              QJsonObject{{QStringLiteral("tenant_id"), id}, {QStringLiteral("alg"), in.alg}});
            return AdminResult::ok(*key, 201, true);
        });
    });
    router.add("DELETE", QStringLiteral("/admin/v1/tenants/{id}/keys/{key_id}"), [this, now](const HttpExchangePtr &ex, const PathParams &p) {
        run(ex, [id = p.value(QStringLiteral("id")), keyId = p.value(QStringLiteral("key_id")), t = now()](SqlSession &s, const QString &actor) {
            if (!TenantStore::revokeKey(s, id, keyId, t))
                return AdminResult::fail(ApiError::notFound(QStringLiteral("tenant \"%1\" has no active key \"%2\"").arg(id.left(64), keyId.left(64))));
            AdminStore::audit(s, t, actor, QStringLiteral("tenant_key.revoke"), keyId, QJsonObject{{QStringLiteral("tenant_id"), id}});
            return AdminResult::ok({}, 204, true);
        });
    });

    // Request log, usage, callbacks, audit
    router.add("GET", QStringLiteral("/admin/v1/requests"), [this, refuse, now](const HttpExchangePtr &ex, const PathParams &) {
        auto q = listQuery(*ex, 0);
        if (auto *e = std::get_if<ApiError>(&q))
            return void(refuse(ex, *e));
        const auto cursor = cursorParam(*ex, QLatin1StringView("js"), QLatin1StringView("js"));
        if (auto *e = std::get_if<ApiError>(&cursor))
            return void(refuse(ex, *e));
        RequestLogFilter f;
        const ListQuery lq = std::get<ListQuery>(q);
        f.cursor = std::get<rows::ListCursor>(cursor);
        f.limit = lq.limit;
        f.offset = lq.offset;
        f.sinceMs = lq.sinceMs;
        f.untilMs = lq.untilMs;
        f.tenantId = ex->query.queryItemValue(QStringLiteral("tenant_id"), QUrl::FullyDecoded);
        f.model = ex->query.queryItemValue(QStringLiteral("model"), QUrl::FullyDecoded);
        f.status = ex->query.queryItemValue(QStringLiteral("status"), QUrl::FullyDecoded);
        f.eventId = ex->query.queryItemValue(QStringLiteral("event_id"), QUrl::FullyDecoded);
        const InFlightJournal &journal = m_ctx.journal;
        runRead(ex, [f, &journal](SqlSession &s, const QString &) { return AdminResult::ok(UsageStore::requestLog(s, f, journal.current())); });
    });
    router.add("GET", QStringLiteral("/admin/v1/usage"), [this, refuse, now](const HttpExchangePtr &ex, const PathParams &) {
        const QString granularity = ex->query.queryItemValue(QStringLiteral("granularity"));
        if (!granularity.isEmpty() && granularity != QLatin1String("minute") && granularity != QLatin1String("hour"))
            return void(refuse(ex, ApiError::badRequest(QStringLiteral("\"granularity\" must be minute or hour"), QStringLiteral("invalid_value"))));
        const bool hourly = granularity == QLatin1String("hour");
        const qint64 t = now();
        auto q = listQuery(*ex, t - (hourly ? 24 * 3'600'000LL : 3'600'000LL));
        if (auto *e = std::get_if<ApiError>(&q))
            return void(refuse(ex, *e));
        ListQuery lq = std::get<ListQuery>(q);
        const qint64 until = lq.untilMs > 0 ? lq.untilMs : t + 1;
        const QString tenant = ex->query.queryItemValue(QStringLiteral("tenant_id"), QUrl::FullyDecoded);
        const QString model = ex->query.queryItemValue(QStringLiteral("model"), QUrl::FullyDecoded);
        runRead(ex, [hourly, lq, until, tenant, model](SqlSession &s, const QString &) {
            return AdminResult::ok(QJsonObject{{QStringLiteral("granularity"), hourly ? QStringLiteral("hour") : QStringLiteral("minute")},
                                               {QStringLiteral("data"), UsageStore::series(s, hourly ? QStringLiteral("hour") : QStringLiteral("minute"),
                                                                                           tenant, model, lq.sinceMs, until)}});
        });
    });
    router.add("GET", QStringLiteral("/admin/v1/callbacks"), [this, refuse](const HttpExchangePtr &ex, const PathParams &) {
        auto q = listQuery(*ex, 0);
        if (auto *e = std::get_if<ApiError>(&q))
            return void(refuse(ex, *e));
        const ListQuery lq = std::get<ListQuery>(q);
        CallbackListFilter f;
        f.state = ex->query.queryItemValue(QStringLiteral("state"));
        if (!f.state.isEmpty() && !QStringList{QStringLiteral("pending"), QStringLiteral("delivered"), QStringLiteral("abandoned")}.contains(f.state))
            return void(refuse(ex, ApiError::badRequest(QStringLiteral("\"state\" must be pending, delivered or abandoned"), QStringLiteral("invalid_value"))));
        const auto cursor = cursorParam(*ex, QLatin1StringView("fs"), QLatin1StringView("f"));
        if (auto *e = std::get_if<ApiError>(&cursor))
            return void(refuse(ex, *e));
        f.cursor = std::get<rows::ListCursor>(cursor);
        f.tenantId = ex->query.queryItemValue(QStringLiteral("tenant_id"), QUrl::FullyDecoded);
        f.sinceMs = lq.sinceMs;
        f.untilMs = lq.untilMs;
        f.limit = lq.limit;
        f.offset = lq.offset;
        const InFlightJournal &journal = m_ctx.journal;
        runRead(ex, [f, &journal](SqlSession &s, const QString &) { return AdminResult::ok(CallbackStore::list(s, f, journal.current())); });
    });
    router.add("POST", QStringLiteral("/admin/v1/callbacks/{id}/retry"), [this, now](const HttpExchangePtr &ex, const PathParams &p) {
        run(ex, [id = p.value(QStringLiteral("id")), t = now()](SqlSession &s, const QString &actor) {
            if (!CallbackStore::retryNow(s, id, t))
                return AdminResult::fail(ApiError::notFound(QStringLiteral("no callback to retry with id \"%1\" (unknown, delivered, or on its first attempt)").arg(id.left(64))));
            AdminStore::audit(s, t, actor, QStringLiteral("callback.retry"), id);
            return AdminResult::ok(QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("state"), QStringLiteral("pending")}});
        });
    });
    router.add("GET", QStringLiteral("/admin/v1/audit"), [this, refuse](const HttpExchangePtr &ex, const PathParams &) {
        auto q = listQuery(*ex, 0);
        if (auto *e = std::get_if<ApiError>(&q))
            return void(refuse(ex, *e));
        const ListQuery lq = std::get<ListQuery>(q);
        runRead(ex, [lq](SqlSession &s, const QString &) { return AdminResult::ok(QJsonObject{{QStringLiteral("data"), AdminStore::auditLog(s, lq.sinceMs, lq.untilMs, lq.limit, lq.offset)}}); });
    });
}

} // namespace dynaseal

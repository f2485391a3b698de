// The per-request work of a serving thread before and after the upstream call, on 1 and 2
// threads at once: does state the workers share (token ledger, rate limiter, metrics) let them
// run side by side? The end-to-end proxy load cannot show it on a 2-core machine where wrk and
// the upstream take their share of the same cores (docs/performance.md, "Scale"); this can.
//
//   build-bench/admission_bench [--benchmark_min_time=1]
//
// One iteration: parse and check the device's body, verify its dynamic key (each thread has its
// own verifier and cache, as each worker does), read the current registry snapshot, admission
// and request-rate limits, reserve the budget and hold tokens against a token-rate limit, write
// the upstream body, then settle the budget and the limits and count the outcome in the metrics.
// Every thread uses the same key and tenant, the worst case for the shared locks; the
// *_KeyPerThread variants give each thread its own key of the one tenant, as devices have.
// items_per_second is for all threads together: with nothing serialising them, 2 threads give
// about twice 1 thread's.
#include "server/core/DynamicKeyVerifier.h"
#include "server/core/Metrics.h"
#include "server/core/ProxyMetrics.h"
#include "server/core/ProxyRequest.h"
#include "server/core/Registry.h"
#include "server/core/TokenLedger.h"
#include "server/core/UsageRecord.h"
#include "server/core/policy/PolicyGate.h"
#include "server/core/policy/SlidingWindowLimiter.h"
#include "server/core/policy/TenantPolicy.h"
#include "shared/Clock.h"
#include "shared/Crypto.h"
#include "shared/Jwt.h"

#include <QJsonArray>
#include <QJsonObject>
#include <benchmark/benchmark.h>

using namespace dynaseal;

namespace {

constexpr qint64 kNowMs = 1'700'000'000'000;

// What the serving threads share in the server (ServerContext), set up once.
struct Shared
{
    ManualClock clock{kNowMs};
    RegistrySnapshot registry;
    Registry live; // holds a copy of `registry`, read once per request as the server does
    TokenLedger ledger;
    SlidingWindowLimiter limiter;
    Metrics metrics;
    QByteArray token;
    QList<QByteArray> threadTokens; // one key per thread: same tenant, different event ids
    QByteArray body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":50})";
    QString error; // set if the setup failed

    Shared()
    {
        const QByteArray secret = QByteArrayLiteral("dsk_") + crypto::randomToken(32).toLatin1();
        Tenant tenant;
        tenant.id = QStringLiteral("acme");
        tenant.name = tenant.id;
        tenant.callbackUrl = QStringLiteral("http://127.0.0.1:9/cb");
        TenantKey key;
        key.id = QStringLiteral("acme-key");
        key.alg = QStringLiteral("HS256");
        key.secret = secret;
        key.hmacKey = crypto::HmacSha256Key(secret);
        tenant.keys.append(key);
        // Limits far above what the benchmark reaches: each one is counted, none refuses.
        auto policy = TenantPolicy::merge(TenantPolicy{}, QJsonObject{{QStringLiteral("rate_limits"),
                                                                      QJsonArray{QStringLiteral("ingress:1000000000/minute"),
                                                                                 QStringLiteral("secret:1000000000/minute"),
                                                                                 QStringLiteral("tokens:1000000000000/minute")}}});
        if (auto *e = std::get_if<ApiError>(&policy)) {
            error = e->message;
            return;
        }
        tenant.policy = std::make_shared<const TenantPolicy>(std::get<TenantPolicy>(policy));
        registry.tenants.insert(tenant.id, tenant);
        live.replace(std::make_shared<const RegistrySnapshot>(registry));
        const auto mint = [&](const QString &eventId) {
            return jwt::signHs256(QJsonObject{},
                                  QJsonObject{{QStringLiteral("api-key"), QStringLiteral("acme")},
                                              {QStringLiteral("model"), QStringLiteral("gpt-4o-mini")},
                                              {QStringLiteral("max_tokens"), 9e15},
                                              {QStringLiteral("expiring"), kNowMs / 1000 + 600},
                                              {QStringLiteral("event_id"), eventId}},
                                  secret);
        };
        token = mint(QStringLiteral("bench-event"));
        for (int t = 0; t < 64; ++t)
            threadTokens.append(mint(QStringLiteral("bench-device-%1").arg(t)));
    }
};

Shared &shared()
{
    static Shared s; // initialised once, whichever thread comes first
    return s;
}

enum Part { Whole, OwnWorkOnly, SharedStateOnly };

void admission(benchmark::State &state, Part part, bool keyPerThread = false)
{
    Shared &s = shared();
    if (!s.error.isEmpty()) {
        state.SkipWithError(qPrintable(s.error));
        return;
    }
    const QByteArray &token = keyPerThread ? s.threadTokens.at(state.thread_index() % s.threadTokens.size()) : s.token;
    const DynamicKeyVerifier verifier(s.clock, 86'400); // one per worker, cache on
    const Tenant &tenant = *s.registry.tenant(QStringLiteral("acme"));
    const RequestFacts facts{QHostAddress(QHostAddress::LocalHost), token, kNowMs};
    ProxyMetrics metrics(s.metrics); // one per serving thread, as each has its own
    auto parsed = ProxyRequest::parse(ProxyEndpoint::ChatCompletions, s.body);
    auto verified = verifier.verify(token, s.registry);
    if (!std::holds_alternative<ProxyRequest>(parsed) || !std::holds_alternative<VerifiedKey>(verified)) {
        state.SkipWithError("the benchmark request does not pass");
        return;
    }
    for (auto _ : state) {
        if (part != SharedStateOnly) {
            parsed = ProxyRequest::parse(ProxyEndpoint::ChatCompletions, s.body);
            verified = verifier.verify(token, s.registry);
        }
        if (part != OwnWorkOnly)
            benchmark::DoNotOptimize(s.live.current().get());
        const ProxyRequest &request = std::get<ProxyRequest>(parsed);
        const VerifiedKey &key = std::get<VerifiedKey>(verified);
        if (part == OwnWorkOnly) {
            benchmark::DoNotOptimize(request.upstreamBody(50).constData());
            continue;
        }
        PolicyGate gate(s.limiter);
        if (PolicyGate::admit(tenant, facts) || PolicyGate::checkModel(tenant, request.model)
            || gate.countRequest(tenant, key.keyHash, kNowMs)) {
            state.SkipWithError("the benchmark request was refused");
            return;
        }
        ReserveRequest reserve;
        reserve.keyHash = key.keyHash;
        reserve.tenantId = key.tenantId;
        reserve.keyLimit = key.maxTokens;
        reserve.keyExpiresAtSecs = key.expiresAtSecs;
        reserve.promptUpperBound = request.prompt.upperBound;
        reserve.requestedCompletion = request.maxTokens;
        reserve.choices = request.choices;
        LedgerRefusal why{};
        const auto grant = s.ledger.reserve(reserve, &why);
        auto holds = grant ? gate.holdTokens(tenant, grant->reserved, kNowMs) : std::variant<QList<TokenHold>, ApiError>();
        if (!grant || !std::holds_alternative<QList<TokenHold>>(holds)) {
            state.SkipWithError("the benchmark request was refused its tokens");
            return;
        }
        if (part == Whole)
            benchmark::DoNotOptimize(request.upstreamBody(grant->completionAllowed).constData());

        // The answer: 9 + 3 tokens, as from the bench's fake upstream.
        const qint64 billed = s.ledger.settle(key.keyHash, key.tenantId, grant->reserved, 12);
        gate.settleTokens(std::get<QList<TokenHold>>(holds), billed);
        metrics.finished(request.endpoint, RequestStatus::Ok, billed, 0.001);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_RequestAdmission(benchmark::State &state)
{
    admission(state, Whole);
}
BENCHMARK(BM_RequestAdmission)->Threads(1)->Threads(2)->UseRealTime();

// The parts: what each thread does on its own data (parse, verify, upstream body)...
void BM_RequestAdmission_OwnWork(benchmark::State &state)
{
    admission(state, OwnWorkOnly);
}
BENCHMARK(BM_RequestAdmission_OwnWork)->Threads(1)->Threads(2)->UseRealTime();

// ...and what goes through the shared state (limits, ledger, metrics).
void BM_RequestAdmission_SharedState(benchmark::State &state)
{
    admission(state, SharedStateOnly);
}
BENCHMARK(BM_RequestAdmission_SharedState)->Threads(1)->Threads(2)->UseRealTime();

// The same with a key per thread: what the threads then share is the tenant's (its quota, its
// request and token windows) and the metrics.
void BM_RequestAdmission_KeyPerThread(benchmark::State &state)
{
    admission(state, Whole, true);
}
BENCHMARK(BM_RequestAdmission_KeyPerThread)->Threads(1)->Threads(2)->UseRealTime();

void BM_RequestAdmission_SharedState_KeyPerThread(benchmark::State &state)
{
    admission(state, SharedStateOnly, true);
}
BENCHMARK(BM_RequestAdmission_SharedState_KeyPerThread)->Threads(1)->Threads(2)->UseRealTime();

} // namespace

BENCHMARK_MAIN();

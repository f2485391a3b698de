// Micro-benchmarks of the per-request key check, single thread. The product's goal: at least
// 300,000 dynamic-key verifications per second on one core.
//
//   build-bench/verify_bench [--benchmark_min_time=1]
//
// BM_DynamicKeyVerify is the whole check the proxy runs for a key it has not seen (decode,
// signature, claims, key hash), with the verifier's cache off; _Cached is a key presented again;
// the others take the full check apart so a regression shows where it went.
#include "server/core/DynamicKeyVerifier.h"
#include "shared/Clock.h"
#include "shared/Crypto.h"
#include "shared/Jwt.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <benchmark/benchmark.h>

using namespace dynaseal;

namespace {

constexpr qint64 kNowMs = 1'700'000'000'000;

// A tenant key shaped like the ones the server issues ("dsk_" + 32 random bytes, base64url).
const QByteArray &tenantSecret()
{
    static const QByteArray secret = QByteArrayLiteral("dsk_") + crypto::randomToken(32).toLatin1();
    return secret;
}

// A registry of `tenants` tenants with `keys` HS256 keys each; the benchmarked one is "acme",
// whose last key signs. With two keys and no "kid" in the token, verification tries the other
// key first, as it does for a tenant in the middle of a key rotation.
RegistrySnapshot makeRegistry(int tenants, int keys = 1)
{
    RegistrySnapshot r;
    for (int i = 0; i < tenants; ++i) {
        Tenant t;
        t.id = i == 0 ? QStringLiteral("acme") : QStringLiteral("tenant-%1").arg(i);
        t.name = t.id;
        t.callbackUrl = QStringLiteral("http://127.0.0.1:9/cb");
        for (int k = 0; k < keys; ++k) {
            TenantKey key;
            key.id = QStringLiteral("%1-key-%2").arg(t.id).arg(k);
            key.alg = QStringLiteral("HS256");
            key.secret = (i == 0 && k == keys - 1) ? tenantSecret() : QByteArrayLiteral("dsk_") + crypto::randomToken(32).toLatin1();
            key.hmacKey = crypto::HmacSha256Key(key.secret); // as RegistryLoader prepares it
            t.keys.append(key);
        }
        r.tenants.insert(t.id, t);
    }
    return r;
}

// A Dynaseal-format dynamic key as a tenant's backend mints it; `eventId` makes each one unique.
QByteArray dynamicKey(const QString &eventId = QStringLiteral("a5c1f0e2-7d4b-4f3e-9c1a-2b8e6d0f4a11"))
{
    const QJsonObject payload{{QStringLiteral("api-key"), QStringLiteral("acme")},
                              {QStringLiteral("model"), QStringLiteral("gpt-4o-mini")},
                              {QStringLiteral("max_tokens"), 100000},
                              {QStringLiteral("expiring"), kNowMs / 1000 + 600},
                              {QStringLiteral("event_id"), eventId}};
    return jwt::signHs256(QJsonObject{}, payload, tenantSecret());
}

// The full check every time: the verifier's cache is off (capacity 0), so each call decodes,
// verifies the HMAC, reads the claims and hashes the key, as for a key seen for the first time.
void verifyAgainst(benchmark::State &state, int tenants, int keys)
{
    const ManualClock clock(kNowMs);
    const DynamicKeyVerifier verifier(clock, 86'400, 0);
    const RegistrySnapshot registry = makeRegistry(tenants, keys);
    const QByteArray token = dynamicKey();
    if (!std::holds_alternative<VerifiedKey>(verifier.verify(token, registry))) {
        state.SkipWithError("the benchmark key does not verify");
        return;
    }
    for (auto _ : state) {
        auto result = verifier.verify(token, registry);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetLabel("uncached, target >= 300000 items/s");
}

// The common case: one tenant, one active key.
void BM_DynamicKeyVerify(benchmark::State &state)
{
    verifyAgainst(state, 1, 1);
}
BENCHMARK(BM_DynamicKeyVerify);

void BM_DynamicKeyVerify_1000Tenants(benchmark::State &state)
{
    verifyAgainst(state, 1000, 1);
}
BENCHMARK(BM_DynamicKeyVerify_1000Tenants);

// Two active keys and no "kid": two HMACs per check.
void BM_DynamicKeyVerify_TwoKeysNoKid(benchmark::State &state)
{
    verifyAgainst(state, 1, 2);
}
BENCHMARK(BM_DynamicKeyVerify_TwoKeysNoKid);

// Uncached, and every token has another header than the one before (two signers taking turns:
// one names its key with "kid", one does not), so jwt::decode's last-header memo never helps.
void BM_DynamicKeyVerify_AlternatingHeaders(benchmark::State &state)
{
    const ManualClock clock(kNowMs);
    const DynamicKeyVerifier verifier(clock, 86'400, 0);
    const RegistrySnapshot registry = makeRegistry(1, 1);
    const QJsonObject payload = QJsonDocument::fromJson(QByteArray::fromBase64(dynamicKey().split('.').at(1),
                                                                               QByteArray::Base64UrlEncoding)).object();
    const QByteArray tokens[] = {dynamicKey(),
                                 jwt::signHs256(QJsonObject{{QStringLiteral("kid"), QStringLiteral("acme-key-0")}}, payload, tenantSecret())};
    for (const QByteArray &token : tokens) {
        if (!std::holds_alternative<VerifiedKey>(verifier.verify(token, registry))) {
            state.SkipWithError("a benchmark key does not verify");
            return;
        }
    }
    int next = 0;
    for (auto _ : state) {
        auto result = verifier.verify(tokens[next], registry);
        benchmark::DoNotOptimize(result);
        next ^= 1;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DynamicKeyVerify_AlternatingHeaders);

// A device sending the same dynamic key again, with the verifier's cache on (as in the server):
// a lookup of the exact bytes plus the clock checks.
void BM_DynamicKeyVerify_Cached(benchmark::State &state)
{
    const ManualClock clock(kNowMs);
    const DynamicKeyVerifier verifier(clock, 86'400);
    const RegistrySnapshot registry = makeRegistry(1, 1);
    const QByteArray token = dynamicKey();
    if (!std::holds_alternative<VerifiedKey>(verifier.verify(token, registry))) {
        state.SkipWithError("the benchmark key does not verify");
        return;
    }
    for (auto _ : state) {
        auto result = verifier.verify(token, registry);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DynamicKeyVerify_Cached);

// Cache on, but every key is new to it: more distinct keys than the cache holds, in a cycle, so
// each call is a miss plus the full check plus storing (and evicting) an entry.
void BM_DynamicKeyVerify_CacheMiss(benchmark::State &state)
{
    static const QList<QByteArray> tokens = [] {
        QList<QByteArray> list;
        for (int i = 0; i < 2 * DynamicKeyVerifier::kDefaultCacheCapacity + 1; ++i)
            list.append(dynamicKey(QStringLiteral("event-%1").arg(i)));
        return list;
    }();
    const ManualClock clock(kNowMs);
    const DynamicKeyVerifier verifier(clock, 86'400);
    const RegistrySnapshot registry = makeRegistry(1, 1);
    qsizetype next = 0;
    for (auto _ : state) {
        auto result = verifier.verify(tokens.at(next), registry);
        benchmark::DoNotOptimize(result);
        next = next + 1 == tokens.size() ? 0 : next + 1;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DynamicKeyVerify_CacheMiss);

// A tampered key is refused after the same work: the cost of a flood of forged keys.
void BM_DynamicKeyVerify_BadSignature(benchmark::State &state)
{
    const ManualClock clock(kNowMs);
    const DynamicKeyVerifier verifier(clock, 86'400); // refusals are never cached
    const RegistrySnapshot registry = makeRegistry(1, 1);
    QByteArray token = dynamicKey();
    token[token.size() - 2] = token.at(token.size() - 2) == 'A' ? 'B' : 'A';
    for (auto _ : state) {
        auto result = verifier.verify(token, registry);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DynamicKeyVerify_BadSignature);

void BM_JwtDecode(benchmark::State &state)
{
    const QByteArray token = dynamicKey();
    for (auto _ : state) {
        JwtParts parts;
        QString why;
        benchmark::DoNotOptimize(jwt::decode(token, &parts, &why));
        benchmark::DoNotOptimize(parts);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwtDecode);

void BM_JwtVerifyHs256(benchmark::State &state)
{
    JwtParts parts;
    QString why;
    if (!jwt::decode(dynamicKey(), &parts, &why) || !jwt::verifyHs256(parts, tenantSecret())) {
        state.SkipWithError("the benchmark key does not verify");
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(jwt::verifyHs256(parts, tenantSecret()));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwtVerifyHs256);

void BM_HmacSha256(benchmark::State &state)
{
    const QByteArray input = dynamicKey().first(dynamicKey().lastIndexOf('.'));
    for (auto _ : state)
        benchmark::DoNotOptimize(crypto::hmacSha256(tenantSecret(), input));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HmacSha256);

// The same MAC with the key prepared once, as the registry holds HS256 keys.
void BM_HmacSha256Prepared(benchmark::State &state)
{
    const QByteArray input = dynamicKey().first(dynamicKey().lastIndexOf('.'));
    const crypto::HmacSha256Key key(tenantSecret());
    for (auto _ : state)
        benchmark::DoNotOptimize(key.mac(input));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HmacSha256Prepared);

void BM_Sha256KeyHash(benchmark::State &state)
{
    const QByteArray input = dynamicKey().first(dynamicKey().lastIndexOf('.'));
    for (auto _ : state)
        benchmark::DoNotOptimize(QString::fromLatin1(crypto::sha256(input).toHex()));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256KeyHash);

} // namespace

BENCHMARK_MAIN();

// A device's body on one thread: parsed and checked (ProxyRequest::parse), then the upstream's
// body written from it (upstreamBody). A one-word chat, and a conversation of about 32 KB shaped
// as run.sh's PROMPT_BYTES=32768 (a system message, then user and assistant turns of ~700 bytes):
// the size of an agent's context, where the body's text, not the request's fixed costs, is the
// work.
//
//   build-bench/request_body_bench [--benchmark_min_time=1]
//
// bytes_per_second is of the device's body.
#include "server/core/ProxyRequest.h"

#include <benchmark/benchmark.h>

using namespace dynaseal;

namespace {

QByteArray greeting()
{
    return R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":50})";
}

QByteArray conversation(qsizetype bytes)
{
    QByteArray turn;
    while (turn.size() < 700)
        turn += "The quarterly report shows revenue grew in every region, with the strongest gains in services; costs rose more slowly than planned. ";
    turn.truncate(700);
    QByteArray body = R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant for a travel app. Answer briefly."})";
    for (int i = 0; body.size() < bytes; ++i)
        body += R"(,{"role":")" + QByteArray(i % 2 ? "assistant" : "user") + R"(","content":")" + turn + " (turn " + QByteArray::number(i) + R"x()"})x";
    return body + R"(],"max_tokens":50})";
}

void run(benchmark::State &state, const QByteArray &body)
{
    for (auto _ : state) {
        auto parsed = ProxyRequest::parse(ProxyEndpoint::ChatCompletions, body);
        auto *request = std::get_if<ProxyRequest>(&parsed);
        if (!request) {
            state.SkipWithError("the body was refused");
            return;
        }
        QByteArray upstream = request->upstreamBody(50);
        benchmark::DoNotOptimize(upstream.constData());
    }
    state.SetBytesProcessed(qint64(state.iterations()) * body.size());
}

void BM_RequestBody_Greeting(benchmark::State &state)
{
    run(state, greeting());
}
BENCHMARK(BM_RequestBody_Greeting);

void BM_RequestBody_Conversation32K(benchmark::State &state)
{
    run(state, conversation(32768));
}
BENCHMARK(BM_RequestBody_Conversation32K);

} // namespace

BENCHMARK_MAIN();

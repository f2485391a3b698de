#!/usr/bin/env bash
# Dynaseal benchmark harness: one command, everything on 127.0.0.1, everything stopped at the end.
#
#   bench/run.sh [PART...] [--smoke]
#
# PARTs (default: micro proxy stream):
#   micro    Google Benchmark of dynamic-key verification (goal: >= 300,000/s on one core), of a
#            request's shared state on 1 and 2 threads, and of a device's body parsed and written
#   proxy    wrk, non-streaming POST, against the fake upstream directly, nginx proxy_pass,
#            Portkey 1.15.2 and the gateway, in the same run; table + ratios
#   stream   N concurrent streams through the gateway twice (does memory return to idle?) and
#            through nginx for reference; every stream checked chunk by chunk; billing and
#            callback delivery checked through the admin API
#   scale    the proxy load, then GET /v1/models (key check and routing, no upstream and no
#            database), through the gateway restarted with --workers 1, 2, ... up to the core
#            count: does throughput grow with serving threads?
#   profile  perf record of the gateway under the proxy load; top symbols (not in the default)
#   callgrind  the gateway under valgrind --tool=callgrind, 10 connections for 2*SECS; inclusive
#            instruction counts per function (not in the default; not with proxy/stream/profile)
#   syscalls strace -c of the gateway under the proxy load: system calls per billed request, by
#            call (not in the default; counts do not have the run-to-run noise of req/s)
#   lists    the admin lists (request log, callbacks) on the log a load leaves: the proxy load for
#            SECS unless proxy ran, then each list page three times, timed; a page half way down
#            by offset and by cursor; the whole log read by cursor (not in the default)
#   --smoke  everything for about a second each with tiny N; exit 0 only if every part ran and
#            every stream was whole
#
# At the end, one table of the goals the parts measured (docs/performance.md): each goal, met or
# not, and what was measured.
#
# Environment: SECS (8) CONNS (50) wrk duration/connections; ROUNDS (1: proxy runs direct, nginx and
# the gateway that many times in all, back to back, and prints the median ratio); STREAMS (2000) CHUNKS (50)
# STREAM_SECS (5) SETTLE (5) STREAM_RUNS (2, through the gateway) for stream; PROMPT_BYTES (0: the
# POST's body is a one-word chat; N: a conversation of about N bytes, for proxy, scale, profile,
# callgrind and syscalls); KEYS (1: every call with one dynamic key; N: N keys, each call with the
# next, as devices with keys of their own); TENANTS (1: every key of one tenant; N: N tenants, as
# many companies' apps, the keys dealt out among them in turn, at least one each);
# BENCH_BUILD_DIR (<repo>/build-bench);
# BENCH_STATE_DIR (${TMPDIR:-/tmp}/dynaseal-bench: Portkey install, logs); BENCH_PORT_BASE (19100,
# uses 10 ports from it); DYNASEAL_SERVER_BIN (use this server instead of building one);
# BENCH_NO_BUILD=1 (use what is built); SKIP_PORTKEY=1; BENCH_KEEP=1 (keep the gateway's data dir);
# GATEWAY_LISTEN_BACKLOG=N (experiment: preload a shim that makes the gateway listen with backlog N);
# BENCH_MALLOC_STATS=1 (stream: glibc heap in use vs held after each run, malloc_trim at the end; the
# server allocates with jemalloc, so only for a build without it);
# GATEWAY_ARGS (extra flags for dynaseal-server, e.g. "--workers 1");
# UPSTREAM_TLS=1 (the fake upstream is called over HTTPS: directly, through nginx proxy_pass, Portkey
# and the gateway, which trusts the run's certificate through --tls-ca-file; the gateway's streams
# reach the SSE upstream through nginx over HTTPS);
# BENCH_DATABASE=postgres (the gateway keeps its data in PostgreSQL instead of SQLite: a local
# cluster made ready by scripts/test-postgres.sh, a fresh database for each start of the gateway,
# dropped at the end; proxy then also prints PostgreSQL's CPU per request).
# GATEWAY_CPUS=LIST (taskset's form, e.g. 4-7): the gateway alone on these CPUs, and everything
# else (wrk, nginx, Portkey, the stream tools, the micro-benchmarks) on the others, or on LOAD_CPUS
# if set: on a machine with cores to spare, the load generator and the upstream then do not take
# turns with the gateway. nginx's reference hop runs on the load's CPUs too, so in this mode read
# the gateway's latency added over direct and its scaling rather than the ratio to nginx. The scale
# part goes up to the gateway's CPU count.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${BENCH_BUILD_DIR:-$repo/build-bench}
state=${BENCH_STATE_DIR:-${TMPDIR:-/tmp}/dynaseal-bench}
base=${BENCH_PORT_BASE:-19100}
UPSTREAM_PORT=$base            # nginx: fixed chat completion
PROXY_PORT=$((base + 1))       # nginx proxy_pass -> UPSTREAM_PORT
PORTKEY_PORT=$((base + 2))     # Portkey -> UPSTREAM_PORT
SINK_PORT=$((base + 3))        # nginx: callback receiver
SSE_PROXY_PORT=$((base + 4))   # nginx proxy_pass, unbuffered -> SSE_PORT
SSE_PORT=$((base + 5))         # sse_upstream
GATEWAY_PORT=$((base + 6))     # dynaseal-server
UPSTREAM_TLS_PORT=$((base + 7)) # nginx: the fixed chat completion over HTTPS
PROXY_TLS_PORT=$((base + 8))    # nginx proxy_pass -> UPSTREAM_TLS_PORT
SSE_TLS_PORT=$((base + 9))      # nginx over HTTPS, unbuffered -> SSE_PORT
# UPSTREAM_TLS=1: direct, nginx, Portkey and the gateway call the fake upstream over HTTPS.
if [ "${UPSTREAM_TLS:-0}" = 1 ]; then
  UPSTREAM_URL=https://127.0.0.1:$UPSTREAM_TLS_PORT NGINX_URL=http://127.0.0.1:$PROXY_TLS_PORT
  SSE_URL=https://127.0.0.1:$SSE_TLS_PORT
else
  UPSTREAM_URL=http://127.0.0.1:$UPSTREAM_PORT NGINX_URL=http://127.0.0.1:$PROXY_PORT
  SSE_URL=http://127.0.0.1:$SSE_PORT
fi

parts=()
smoke=0
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    micro|proxy|stream|scale|profile|callgrind|syscalls|lists) parts+=("$arg") ;;
    all) parts+=(micro proxy stream) ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#parts[@]} -eq 0 ] && parts=(micro proxy stream)
want() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }
if want callgrind && { want proxy || want stream || want profile || want scale || want syscalls || want lists; }; then
  echo "run.sh: callgrind runs the gateway under valgrind: run it on its own (or with micro)" >&2; exit 2
fi

if [ $smoke = 1 ]; then
  PACED_RATES=${PACED_RATES:-2000}
  SECS=${SECS:-1} STREAMS=${STREAMS:-20} CHUNKS=${CHUNKS:-5} STREAM_SECS=${STREAM_SECS:-1} SETTLE=${SETTLE:-1}
fi
PACED_RATES=${PACED_RATES:-2000 8000}
SECS=${SECS:-8} CONNS=${CONNS:-50} STREAMS=${STREAMS:-2000} CHUNKS=${CHUNKS:-50} STREAM_SECS=${STREAM_SECS:-5} SETTLE=${SETTLE:-5}
ADMIN_PASSWORD=bench-admin-password-1
BODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":50}'
# PROMPT_BYTES=N: a conversation of about N bytes instead (a system message, then user and
# assistant turns of ~700 bytes each), the size of an agent's context rather than a greeting.
if [ "${PROMPT_BYTES:-0}" -gt 0 ]; then
  turn='The quarterly report shows revenue grew in every region, with the strongest gains in services; costs rose more slowly than planned. '
  turn="$turn$turn$turn$turn$turn"; turn=${turn:0:700}
  BODY='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant for a travel app. Answer briefly."}'
  i=0
  while [ ${#BODY} -lt "$PROMPT_BYTES" ]; do
    role=user; [ $((i % 2)) = 1 ] && role=assistant
    BODY="$BODY,{\"role\":\"$role\",\"content\":\"$turn (turn $i)\"}"
    i=$((i + 1))
  done
  BODY="$BODY],\"max_tokens\":50}"
fi

# GATEWAY_CPUS: this shell, and so all it starts, moves to the load's CPUs; start_gateway puts the
# gateway on its own.
gateway_pin=()
machine_cores=$(nproc)
gateway_cores=$machine_cores
cpu_numbers() { local part; for part in ${1//,/ }; do if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi; done; }
if [ -n "${GATEWAY_CPUS:-}" ]; then
  command -v taskset >/dev/null || { echo "run.sh: GATEWAY_CPUS needs taskset (util-linux)" >&2; exit 2; }
  gateway_cores=$(taskset -c "$GATEWAY_CPUS" nproc 2>/dev/null) || { echo "run.sh: GATEWAY_CPUS=$GATEWAY_CPUS is not a list of this machine's CPUs" >&2; exit 2; }
  if [ -z "${LOAD_CPUS:-}" ]; then
    LOAD_CPUS=$(comm -23 <(cpu_numbers "$(taskset -pc $$ | sed 's/.*: //')" | sort) <(cpu_numbers "$GATEWAY_CPUS" | sort) | sort -n | paste -sd, -)
    [ -n "$LOAD_CPUS" ] || { echo "run.sh: GATEWAY_CPUS=$GATEWAY_CPUS leaves no CPU for the load: set LOAD_CPUS" >&2; exit 2; }
  fi
  taskset -pc "$LOAD_CPUS" $$ >/dev/null 2>&1 || { echo "run.sh: LOAD_CPUS=$LOAD_CPUS is not a list of this machine's CPUs" >&2; exit 2; }
  gateway_pin=(taskset -c "$GATEWAY_CPUS")
fi

mkdir -p "$state"
started_at=$(date +%s)
failures=()
# The goals the parts measure, "goal|measured|met", printed as one table at the end.
goals=()
goal() { goals+=("$1|$2|$3"); }
yes_if() { awk "BEGIN { exit !($1) }" && echo yes || echo no; } # an awk condition
median_of() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
p99_added() { echo "$1 $2" | awk '{ printf "%+.2f", $3 - $10 }'; } # GATEWAY DIRECT: wrk_run lines
fail() { failures+=("$*"); echo "FAIL: $*" >&2; }
say() { printf '\n== %s ==\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------
# Cleanup: every process this script started, by its pid.
pids=()
gw_pid='' gw_data=''
cleanup() {
  set +e
  if [ -n "$gw_pid" ] && kill -0 "$gw_pid" 2>/dev/null; then
    kill -TERM "$gw_pid"
    for _ in $(seq 100); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$gw_pid" 2>/dev/null
  fi
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  if [ -f "$state/nginx.pid" ]; then kill -TERM "$(cat "$state/nginx.pid")" 2>/dev/null; rm -f "$state/nginx.pid"; fi
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  if [ -n "$gw_data" ] && [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$gw_data"; fi
  drop_bench_databases
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Thousands of streams need thousands of descriptors (client, gateway and upstream sides).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---------------------------------------------------------------------------------------------
install_missing() {
  local pkgs=()
  need nginx || pkgs+=(nginx-light)
  need wrk || pkgs+=(wrk)
  need jq || pkgs+=(jq)
  need curl || pkgs+=(curl)
  need openssl || pkgs+=(openssl)
  want micro && [ ! -f /usr/include/benchmark/benchmark.h ] && pkgs+=(libbenchmark-dev)
  want profile && ! need perf && pkgs+=(linux-perf)
  want syscalls && ! need strace && pkgs+=(strace)
  want callgrind && ! need valgrind && pkgs+=(valgrind)
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "installing: ${pkgs[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
  fi
  if want proxy && [ "${SKIP_PORTKEY:-0}" != 1 ] && [ ! -d "$state/node_modules/@portkey-ai/gateway" ]; then
    echo "installing @portkey-ai/gateway@1.15.2 into $state"
    (cd "$state" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --silent @portkey-ai/gateway@1.15.2 >/dev/null)
  fi
}

build_tools() {
  [ "${BENCH_NO_BUILD:-0}" = 1 ] && return 0
  local targets=(sse_upstream stream_load verify_bench admission_bench request_body_bench listen_backlog_shim)
  [ -z "${DYNASEAL_SERVER_BIN:-}" ] && targets+=(dynaseal-server)
  if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
    local gen=(); need ninja && gen=(-G Ninja)
    cmake -S "$here" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  echo "building (Release) in $build: ${targets[*]}"
  cmake --build "$build" --target "${targets[@]}" 2>&1 | grep -E 'error|FAILED' || true
  local t; for t in sse_upstream stream_load verify_bench admission_bench request_body_bench; do [ -x "$build/$t" ] || { echo "build failed: $t" >&2; exit 1; }; done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_http() { # URL [curl args...]: until it answers 2xx, at most ~10 s (WAIT_TRIES / 10)
  local url=$1; shift
  for _ in $(seq "${WAIT_TRIES:-100}"); do curl -sf -o /dev/null --max-time 1 "$@" "$url" && return 0; sleep 0.1; done
  return 1
}

start_nginx() {
  local p
  for p in $UPSTREAM_PORT $PROXY_PORT $SINK_PORT $SSE_PROXY_PORT $UPSTREAM_TLS_PORT $PROXY_TLS_PORT $SSE_TLS_PORT; do
    port_busy "$p" && { echo "port $p is in use: set BENCH_PORT_BASE to a free range" >&2; exit 1; }
  done
  mkdir -p "$state/nginx-body" "$state/nginx-proxy"
  # The HTTPS upstream's certificate, for 127.0.0.1; the gateway trusts it through --tls-ca-file.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$state/bench-tls.key" -out "$state/bench-tls.pem" 2>/dev/null \
    || { echo "making the bench's TLS certificate failed (openssl)" >&2; exit 1; }
  sed -e "s#@STATE@#$state#g" -e "s#@NOFILE@#$(ulimit -n)#g" -e "s#@UPSTREAM_PORT@#$UPSTREAM_PORT#g" \
      -e "s#@PROXY_PORT@#$PROXY_PORT#g" -e "s#@SINK_PORT@#$SINK_PORT#g" -e "s#@SSE_PROXY_PORT@#$SSE_PROXY_PORT#g" \
      -e "s#@SSE_PORT@#$SSE_PORT#g" -e "s#@UPSTREAM_TLS_PORT@#$UPSTREAM_TLS_PORT#g" -e "s#@PROXY_TLS_PORT@#$PROXY_TLS_PORT#g" \
      -e "s#@SSE_TLS_PORT@#$SSE_TLS_PORT#g" \
      "$here/nginx.conf" > "$state/nginx.conf"
  nginx -p "$state" -e "$state/nginx-error.log" -c "$state/nginx.conf"
  wait_http "http://127.0.0.1:$UPSTREAM_PORT/v1/chat/completions" -XPOST -d '{}' || { echo "nginx did not start (see $state/nginx-error.log)" >&2; exit 1; }
}

nginx_worker_pid() { pgrep -P "$(cat "$state/nginx.pid")" | head -1; }

start_portkey() {
  port_busy "$PORTKEY_PORT" && { echo "port $PORTKEY_PORT is in use: set BENCH_PORT_BASE" >&2; exit 1; }
  (cd "$state" && NODE_ENV=production NODE_EXTRA_CA_CERTS="$state/bench-tls.pem" exec node node_modules/@portkey-ai/gateway/build/start-server.js --port="$PORTKEY_PORT" --headless >"$state/portkey.log" 2>&1) &
  pids+=($!)
  wait_http "http://127.0.0.1:$PORTKEY_PORT/v1/chat/completions" -XPOST -H 'x-portkey-provider: openai' \
    -H "x-portkey-custom-host: $UPSTREAM_URL/v1" -H 'Authorization: Bearer sk-none' \
    -H 'content-type: application/json' -d "$BODY"
}

start_sse_upstream() {
  port_busy "$SSE_PORT" && { echo "port $SSE_PORT is in use: set BENCH_PORT_BASE" >&2; exit 1; }
  "$build/sse_upstream" --port "$SSE_PORT" --chunks "$CHUNKS" --seconds "$STREAM_SECS" >"$state/sse_upstream.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$SSE_PORT/v1/chat/completions" -XPOST -d '{"model":"x"}'
}

# ---------------------------------------------------------------------------------------------
# The gateway: fresh data dir, admin password set, seeded through the admin API.
GW=''
admin_token='' dyn_key=''
keys_file="$state/dynamic-keys.txt"
device_keys=$(( ${KEYS:-1} > ${TENANTS:-1} ? ${KEYS:-1} : ${TENANTS:-1} ))
if [ "$device_keys" -gt 1 ]; then export KEYS_FILE=$keys_file; else unset KEYS_FILE; fi
tenant_ids=()
api() { # METHOD PATH [JSON]: admin call, prints the body; fails on non-2xx
  local method=$1 path=$2 data=${3:-}
  curl -sS --fail-with-body --max-time 30 -X "$method" "$GW$path" -H "Authorization: Bearer $admin_token" \
       -H 'Content-Type: application/json' ${data:+-d "$data"}
}

# BENCH_DATABASE=postgres: a fresh PostgreSQL database for each start of the gateway, as each
# gets a fresh data directory. The test role of scripts/test-postgres.sh may create databases.
pg_server_url='' pg_databases=() database_args=''
make_bench_database() { # sets database_args
  database_args=''
  [ "${BENCH_DATABASE:-sqlite}" = postgres ] || return 0
  need psql || { echo "BENCH_DATABASE=postgres needs PostgreSQL (apt-get install postgresql)" >&2; exit 1; }
  [ -n "$pg_server_url" ] || pg_server_url=$(bash "$repo/scripts/test-postgres.sh")
  local name="dynaseal_bench_$$_${#pg_databases[@]}"
  psql -X -q -v ON_ERROR_STOP=1 "$pg_server_url" -c "CREATE DATABASE $name" >&2 || exit 1
  pg_databases+=("$name")
  database_args="--database ${pg_server_url%/*}/$name"
}
drop_bench_databases() {
  local name
  for name in "${pg_databases[@]}"; do
    [ "${BENCH_KEEP:-0}" = 1 ] || psql -X -q "$pg_server_url" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1
  done
}

start_gateway() {
  local bin=${DYNASEAL_SERVER_BIN:-$build/dynaseal/server/dynaseal-server}
  port_busy "$GATEWAY_PORT" && { echo "port $GATEWAY_PORT is in use: set BENCH_PORT_BASE" >&2; exit 1; }
  gw_data=$(mktemp -d "$state/gateway-data.XXXXXX")
  make_bench_database
  local preload=()
  # Experiment: a deeper listen queue for the unchanged server (see tools/listen_backlog_shim.c).
  [ -n "${GATEWAY_LISTEN_BACKLOG:-}" ] && preload=(LD_PRELOAD="$build/liblisten_backlog_shim.so" LISTEN_BACKLOG="$GATEWAY_LISTEN_BACKLOG")
  local wrapper=() tries=100 tls_args=()
  # Only when asked for: a server from before --tls-ca-file still runs the plain parts.
  [ "${UPSTREAM_TLS:-0}" = 1 ] && tls_args=(--tls-ca-file "$state/bench-tls.pem")
  if want callgrind; then
    rm -f "$state"/callgrind.out*
    wrapper=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$state/callgrind.out")
    tries=600
  fi
  env "${preload[@]}" DYNASEAL_ADMIN_PASSWORD=$ADMIN_PASSWORD ${gateway_pin[@]+"${gateway_pin[@]}"} "${wrapper[@]}" "$bin" --listen "127.0.0.1:$GATEWAY_PORT" --data-dir "$gw_data" \
    ${GATEWAY_WORKERS:+--workers "$GATEWAY_WORKERS"} $database_args ${tls_args[@]+"${tls_args[@]}"} ${GATEWAY_ARGS:-} \
    >"$state/gateway.log" 2>&1 &
  gw_pid=$!
  GW="http://127.0.0.1:$GATEWAY_PORT"
  WAIT_TRIES=$tries wait_http "$GW/health/readiness" || { echo "the gateway did not start:" >&2; tail -20 "$state/gateway.log" >&2; exit 1; }
  # Checked once it answers: until then the process may still be env or taskset.
  if [ -n "${GATEWAY_CPUS:-}" ]; then
    local on; on=$(taskset -pc "$gw_pid" | sed 's/.*: //')
    [ "$(cpu_numbers "$on" | sort -n)" = "$(cpu_numbers "$GATEWAY_CPUS" | sort -n)" ] || fail "the gateway runs on CPUs $on, not on GATEWAY_CPUS=$GATEWAY_CPUS"
  fi

  admin_token=$(curl -sS --fail-with-body -X POST "$GW/admin/v1/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | jq -r .token)
  api POST /admin/v1/upstreams "{\"name\":\"fake-nginx\",\"base_url\":\"$UPSTREAM_URL/v1\",\"api_key\":\"sk-bench-upstream-0001\",\"models\":[\"gpt-4o-mini\"]}" >/dev/null
  api POST /admin/v1/upstreams "{\"name\":\"fake-sse\",\"base_url\":\"$SSE_URL/v1\",\"api_key\":\"sk-bench-upstream-0002\",\"models\":[\"bench-stream\"]}" >/dev/null
  local tenant_key tenant_keys=() t name # tenant_id and tenant_ids stay global: proxy_batched changes the tenants
  # Every check on, as in production: a token quota, and rate limits of all three kinds (the
  # tenant's requests, each caller's secret, tokens), set far above what a run reaches so that each
  # is counted and none refuses. TENANTS=N: N such tenants, each with a key of its own; the first
  # ("bench") is the one the parts that use a single key call with.
  tenant_ids=() tenant_keys=()
  for ((t = 0; t < (${TENANTS:-1} > 1 ? ${TENANTS:-1} : 1); t++)); do
    name=bench; [ "$t" = 0 ] || name=bench-$t
    tenant_ids+=("$(api POST /admin/v1/tenants "{\"name\":\"$name\",\"callback_url\":\"http://127.0.0.1:$SINK_PORT/callback\",\"token_quota\":9000000000000000,\"rate_limits\":[\"ingress:1000000000/minute\",\"secret:1000000000/minute\",\"tokens:1000000000000/minute\"],\"callback_batch\":${CALLBACK_BATCH:-1}}" | jq -r .id)")
    [ -n "${tenant_ids[t]}" ] && [ "${tenant_ids[t]}" != null ] || { echo "creating the bench tenant $name failed" >&2; exit 1; }
    tenant_keys+=("$(api POST "/admin/v1/tenants/${tenant_ids[t]}/keys" '{}' | jq -r .key)")
    [ -n "${tenant_keys[t]}" ] && [ "${tenant_keys[t]}" != null ] || { echo "creating a key for the bench tenant $name failed" >&2; exit 1; }
  done
  tenant_id=${tenant_ids[0]} tenant_key=${tenant_keys[0]}
  # The tenant's backend mints one dynamic key with a budget no run can exhaust.
  dyn_key=$(curl -sS --fail-with-body -X POST "$GW/v1/dynamic-keys" -H "Authorization: Bearer $tenant_key" -H 'Content-Type: application/json' \
    -d '{"models":["gpt-4o-mini","bench-stream"],"max_tokens":9000000000000000,"ttl_seconds":3600,"event_id":"bench"}' | jq -r .token)
  [ -n "$dyn_key" ] && [ "$dyn_key" != null ] || { echo "seeding the gateway failed" >&2; exit 1; }
  # KEYS=N: N dynamic keys, one per device (each its own event_id, so each its own token), minted
  # in one curl session; post.lua sends each call with the next one, so every key's first calls
  # miss the gateway's caches. The event ids are spread over their range (k * 2654435761 mod 2^32)
  # as real devices' ids are: in call order they would fill the event index page by page. With
  # TENANTS=N, key k is minted by tenant k mod N.
  rm -f "$keys_file"
  if [ "$device_keys" -gt 1 ]; then
    local k
    for ((k = 0; k < device_keys; k++)); do
      [ "$k" = 0 ] || echo next
      printf 'url = "%s/v1/dynamic-keys"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\n' "$GW" "${tenant_keys[k % ${#tenant_keys[@]}]}"
      printf 'data = "{\\"models\\":[\\"gpt-4o-mini\\",\\"bench-stream\\"],\\"max_tokens\\":9000000000000000,\\"ttl_seconds\\":3600,\\"event_id\\":\\"device-%08x\\"}"\n' "$(( (k * 2654435761) % 4294967296 ))"
    done >"$state/mint-keys.curl"
    curl -sS -K "$state/mint-keys.curl" | jq -r .token >"$keys_file"
    rm -f "$state/mint-keys.curl" # it holds the tenant keys
    [ "$(sort -u "$keys_file" | grep -c '^ey')" = "$device_keys" ] || { echo "minting $device_keys dynamic keys failed" >&2; exit 1; }
  fi
  curl -sf -o /dev/null -XPOST "$GW/v1/chat/completions" -H "Authorization: Bearer $dyn_key" -H 'Content-Type: application/json' -d "$BODY" \
    || { echo "a first call through the gateway failed:" >&2; curl -sS -XPOST "$GW/v1/chat/completions" -H "Authorization: Bearer $dyn_key" -d "$BODY" >&2; exit 1; }
  echo "gateway pid $gw_pid on $GW${GATEWAY_LISTEN_BACKLOG:+ (listen backlog raised to $GATEWAY_LISTEN_BACKLOG by LD_PRELOAD)} (data $gw_data, log $state/gateway.log)"
  # How it serves (threads, event loop, where callbacks go, the CPUs its serving threads are
  # pinned to), as it logged at start: runs compared side by side should say the same here.
  sed -n 's/.*dynaseal\.server: \(serving .*\)/  \1/p' "$state/gateway.log"
}

total_of() { api GET "$1" | jq -r .total; }
# Requests to MODEL that ended ok, from the hourly usage rollups, which each outcome's transaction
# adds to: exact at any size, where a list's total counts only up to 10,000 rows.
ok_of() { api GET "/admin/v1/usage?granularity=hour&model=$1" | jq '[.data[] | .requests - .errors] | add // 0'; }
# ok_of MODEL once it has reached WANTED, or after about 5 s: a device has its answer's last byte
# just before the call's outcome is queued for the database.
ok_reaching() { # MODEL WANTED
  local ok
  for _ in $(seq 50); do ok=$(ok_of "$1"); [ "$ok" -ge "$2" ] && break; sleep 0.1; done
  echo "$ok"
}

# Waits until no callback is pending; prints the seconds it took, or fails after LIMIT seconds.
callbacks_drained() {
  local limit=$1 t0 pending
  t0=$(date +%s.%N)
  for _ in $(seq $((limit * 4))); do
    pending=$(total_of '/admin/v1/callbacks?state=pending&limit=1')
    if [ "$pending" = 0 ]; then awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; return 0; fi
    sleep 0.25
  done
  echo "still $pending pending after ${limit}s"
  return 1
}

# ---------------------------------------------------------------------------------------------
# wrk: one line "rps p50_ms p99_ms non2xx errors requests"
wrk_run() { # URL SECS [env assignments for post.lua...]; prints "req/s p50 p99 non-2xx errors requests p90"
  local url=$1 secs=$2; shift 2
  env BODY="$BODY" "$@" wrk -t1 -c"${WRK_CONNS:-$CONNS}" -d"${secs}s" --timeout 10s --latency -s "$here/post.lua" "$url" 2>&1 |
    awk 'function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /m$/) return v*60000; if (v ~ /s$/) return v*1000; return v }
         /^ +50%/ {p50 = ms($2)} /^ +90%/ {p90 = ms($2)} /^ +99%/ {p99 = ms($2)} /Requests\/sec/ {rps = $2} /Non-2xx/ {bad = $NF}
         /requests in/ {n = $1} /Socket errors/ {gsub(/,/, ""); err = $4 + $6 + $8 + $10}
         END {printf "%s %s %s %d %d %d %s\n", (rps == "" ? 0 : rps), (p50 == "" ? -1 : p50), (p99 == "" ? -1 : p99), bad, err, n, (p90 == "" ? -1 : p90)}'
}

# CPU ticks (utime+stime) of every process named postgres, summed: the cluster's own CPU when the
# gateway runs on it (BENCH_DATABASE=postgres), which shares the machine's cores.
postgres_ticks() { local p; for p in $(pgrep -x postgres); do awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null; done | awk '{ s += $1 } END { print s + 0 }'; }
# CPU ticks (utime+stime) of each thread of PID: "tid ticks name" lines.
thread_ticks() { local t; for t in /proc/"$1"/task/*; do awk -v t="${t##*/}" -v n="$(tr ' ' _ < "$t/comm" 2>/dev/null)" '{ sub(/^.*\) /, ""); print t, $12 + $13, n }' "$t/stat" 2>/dev/null; done; }
# Context switches of all threads of PID: "voluntary involuntary".
ctx_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt/ { v += $2 } /^nonvoluntary_ctxt/ { n += $2 } END { print v + 0, n + 0 }'; }
# Prints each busy thread's share of one core between two thread_ticks snapshots over SECONDS.
thread_cpu() { # BEFORE AFTER SECONDS MAIN_TID
  awk -v secs="$3" -v main="$4" -v hz="$(getconf CLK_TCK)" 'NR == FNR { b[$1] = $2; next }
    { d = ($2 - b[$1]) / hz / secs * 100; all += d; if (d >= 1) printf "%s%s %.0f%%", (n++ ? ", " : ""), ($1 == main ? "main" : $3 " " $1), d }
    END { printf " (total %.0f%%)\n", all }' <(echo "$1") <(echo "$2")
}
# Gateway CPU per request between two thread_ticks snapshots, over REQUESTS: "X us (serving Y,
# database Z, main W)". The main thread sends the callbacks.
cpu_per_request() { # BEFORE AFTER REQUESTS MAIN_TID
  awk -v n="$3" -v main="$4" -v hz="$(getconf CLK_TCK)" 'NR == FNR { b[$1] = $2; next }
    { us = ($2 - b[$1]) / hz * 1e6 / (n > 0 ? n : 1); all += us
      if ($1 == main) m += us; else if ($3 ~ /^http-/) w += us; else if ($3 == "database") d += us }
    END { printf "%.0f us (serving %.0f, database %.0f, main %.0f)", all, w, d, m }' <(echo "$1") <(echo "$2")
}

declare -A R
bench_target() { # NAME URL [env...]: warm up, then measure
  local name=$1 url=$2; shift 2
  [ $smoke = 1 ] || wrk_run "$url" 2 "$@" >/dev/null
  R[$name]=$(wrk_run "$url" "$SECS" "$@")
  printf '  %-22s %s\n' "$name" "${R[$name]}"
}

run_proxy() {
  say "proxy: non-streaming POST, wrk -t1 -c$CONNS -d${SECS}s, same body for every target"
  local names=(direct nginx)
  bench_target direct "$UPSTREAM_URL/v1/chat/completions"
  bench_target nginx "$NGINX_URL/v1/chat/completions"
  if [ "${SKIP_PORTKEY:-0}" != 1 ]; then
    bench_target portkey "http://127.0.0.1:$PORTKEY_PORT/v1/chat/completions" \
      HDR="x-portkey-provider: openai|x-portkey-custom-host: $UPSTREAM_URL/v1"
    names+=(portkey)
  fi
  local ok_before ticks_before ticks_after t0 t1
  ok_before=$(ok_of gpt-4o-mini)
  [ $smoke = 1 ] || wrk_run "$GW/v1/chat/completions" 2 AUTH="Bearer $dyn_key" >/dev/null
  local db_before db_after io_before io_after
  local cs_before cs_after
  db_before=$(db_batches); io_before=$(written_bytes "$gw_pid"); cs_before=$(ctx_switches "$gw_pid")
  local pg_before=0 pg_after=0
  if [ "${BENCH_DATABASE:-sqlite}" = postgres ]; then pg_before=$(postgres_ticks); fi
  ticks_before=$(thread_ticks "$gw_pid"); t0=$(date +%s.%N)
  R[gateway]=$(wrk_run "$GW/v1/chat/completions" "$SECS" AUTH="Bearer $dyn_key")
  ticks_after=$(thread_ticks "$gw_pid"); t1=$(date +%s.%N)
  if [ "${BENCH_DATABASE:-sqlite}" = postgres ]; then pg_after=$(postgres_ticks); fi
  db_after=$(db_batches); io_after=$(written_bytes "$gw_pid"); cs_after=$(ctx_switches "$gw_pid")
  printf '  %-22s %s\n' gateway "${R[gateway]}"
  local gw_cpu; gw_cpu=$(thread_cpu "$ticks_before" "$ticks_after" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$gw_pid")
  names+=(gateway)

  # Billing of the gateway run: every answered request is billed ok (counted from the usage rollups).
  local served ok_after drained
  served=$(echo "${R[gateway]}" | awk '{print $6 - $4}')
  ok_after=$(ok_reaching gpt-4o-mini $((ok_before + served)))
  drained=$(callbacks_drained 120) || fail "proxy: callbacks not delivered: $drained"

  printf '\n%-16s %12s %10s %10s %10s %9s %7s\n' target req/s p50_ms p90_ms p99_ms non-2xx errors
  local n
  for n in "${names[@]}"; do
    echo "${R[$n]}" | awk -v n="$n" '{printf "%-16s %12.0f %10.2f %10.2f %10.2f %9d %7d\n", n, $1, $2, $7, $3, $4, $5}'
  done
  echo
  awk -v g="${R[gateway]}" -v x="${R[nginx]}" -v p="${R[portkey]:-}" -v d="${R[direct]}" 'BEGIN {
    split(g, G, " "); split(x, X, " "); split(d, D, " ")
    printf "gateway/nginx req/s   %.3f\n", G[1] / X[1]
    if (p != "") { split(p, P, " "); printf "gateway/portkey req/s %.2f\n", G[1] / P[1] }
    printf "p99 added over direct: nginx %+.2f ms", X[3] - D[3]
    if (p != "") printf ", portkey %+.2f ms", P[3] - D[3]
    printf ", gateway %+.2f ms\n", G[3] - D[3]
    printf "p50 added over direct: nginx %+.2f ms", X[2] - D[2]
    if (p != "") printf ", portkey %+.2f ms", P[2] - D[2]
    printf ", gateway %+.2f ms\n", G[2] - D[2] }'
  echo "gateway CPU by thread during its run (% of one core): $gw_cpu"
  echo "$gw_cpu ${R[gateway]}" | awk '{ t = $0; sub(/.*total /, "", t); t += 0; split($0, a, ") "); split(a[2], g, " ")
    if (g[1] > 0) printf "gateway CPU per request: %.0f us (all its threads together)\n", t / 100 / g[1] * 1e6 }'
  if [ "${BENCH_DATABASE:-sqlite}" = postgres ]; then
    echo "$pg_before $pg_after ${R[gateway]}" | awk '{ if ($8 > 0) printf "PostgreSQL CPU per request: %.0f us (all its processes: the gateway'"'"'s sessions, WAL writer, checkpointer)\n", ($2 - $1) / 100 / $8 * 1e6 }'
  fi
  echo "$io_before $io_after ${R[gateway]}" | awk '{ split($0, a, " "); if (a[8] > 0) printf "gateway wrote %.1f KB per request (sockets and database, /proc/PID/io wchar)\n", (a[2] - a[1]) / 1024 / a[8] }'
  echo "$cs_before $cs_after ${R[gateway]}" | awk '{ if ($10 > 0) printf "gateway context switches per request: %.2f voluntary (a thread waited), %.2f involuntary (preempted)\n", ($3 - $1) / $10, ($4 - $2) / $10 }'
  echo "$db_before $db_after" | awk '{ b = $3 - $1; j = $4 - $2; if (b > 0) printf "gateway database: %d write transactions for %d jobs during the run (%.1f jobs each)\n", b, j, j / b }'
  echo "gateway billed $((ok_after - ok_before)) ok requests for $served 2xx answers wrk counted (wrk cuts off calls in flight at the end); callbacks all delivered ${drained}s after the run"
  [ "$(echo "${R[gateway]}" | awk '{print $4}')" = 0 ] || fail "proxy: the gateway answered non-2xx"
  [ $((ok_after - ok_before)) -ge "$served" ] || fail "proxy: fewer requests billed ok ($((ok_after - ok_before))) than answered ($served)"
  proxy_ratios=$(echo "${R[gateway]} ${R[nginx]}" | awk '{ printf "%.3f", $1 / $8 }')
  proxy_rates=$(echo "${R[gateway]}" | awk '{ printf "%.0f", $1 }')
  proxy_gateway_p99s=$(echo "${R[gateway]}" | awk '{ print $3 }')
  proxy_direct_p99s=$(echo "${R[direct]}" | awk '{ print $3 }')
  if [ "${ROUNDS:-1}" -gt 1 ] && [ $smoke = 0 ]; then proxy_rounds; fi
  # The p99 added at full load: each round's gateway against the lowest p99 direct gave in any
  # round. A single direct run's p99 can jump (29.9 ms at a p90 of 0.29 ms, seen on 2026-12-07),
  # and subtracting that would flatter the gateway.
  local direct_p99 p proxy_added=""
  direct_p99=$(echo "$proxy_direct_p99s" | tr ' ' '\n' | awk '$1 >= 0' | sort -g | head -1) # wrk_run's -1: no p99
  [ -n "$direct_p99" ] || fail "proxy: no run of direct gave a p99 ($proxy_direct_p99s)"
  for p in $proxy_gateway_p99s; do proxy_added+="${proxy_added:+ }$(awk -v g="$p" -v d="$direct_p99" 'BEGIN { printf "%+.2f", g - d }')"; done
  # Each goal at full load from the median of the rounds, as single runs move with the host.
  local median; median=$(echo "$proxy_ratios" | median_of)
  goal "req/s >= 0.5 x nginx proxy_pass" "$median (median of $proxy_ratios)" "$(yes_if "$median >= 0.5")"
  if [ -n "${R[portkey]:-}" ]; then
    local rate vs_portkey; rate=$(echo "$proxy_rates" | median_of)
    vs_portkey=$(echo "$rate ${R[portkey]}" | awk '{ printf "%.1f", $1 / $2 }')
    goal "req/s >= 15 x Portkey" "${vs_portkey}x (gateway's median of $proxy_rates req/s, Portkey $(echo "${R[portkey]}" | awk '{ printf "%.0f", $1 }'))" \
      "$(yes_if "$vs_portkey >= 15")"
  fi
  local added; added=$(echo "$proxy_added" | median_of | awk '{ printf "%+.2f", $1 }')
  goal "p99 added <= 3 ms, $CONNS connections at full load" "$added ms (median of $proxy_added; direct's p99 $direct_p99 ms, the lowest of $proxy_direct_p99s)" "$(yes_if "$added <= 3")"
  goal "every answered call billed, every callback delivered" "$((ok_after - ok_before)) billed ok for $served answers; callbacks delivered ${drained}s after" \
    "$(yes_if "$((ok_after - ok_before)) >= $served && \"$drained\" ~ /^[0-9.]+\$/")"
  [ "${BATCHED:-100}" -gt 1 ] && [ "${CALLBACK_BATCH:-1}" = 1 ] && proxy_batched
  [ $smoke = 1 ] || proxy_one_connection
  proxy_paced
}

# The latency at a steady load below every target's capacity: CONNS connections that together
# offer RATE calls per second (random waits between calls). At full load (above) the latency of
# a closed loop is CONNS / throughput, so it measures throughput again; here it is what a call
# pays when the gateway keeps up.
proxy_paced() {
  local rate d x g pace before after
  for rate in $PACED_RATES; do
    pace=$(awk -v c="$CONNS" -v r="$rate" 'BEGIN { printf "%.3f", c / r * 1000 }')
    d=$(wrk_run "$UPSTREAM_URL/v1/chat/completions" "$SECS" PACE_MS="$pace")
    x=$(wrk_run "$NGINX_URL/v1/chat/completions" "$SECS" PACE_MS="$pace")
    before=$(thread_ticks "$gw_pid")
    g=$(wrk_run "$GW/v1/chat/completions" "$SECS" AUTH="Bearer $dyn_key" PACE_MS="$pace")
    after=$(thread_ticks "$gw_pid")
    echo "$rate $d $x $g" | awk '{ printf "paced, %d connections offering %d req/s (got %.0f / %.0f / %.0f): direct p50 %.2f p90 %.2f p99 %.2f ms; added over direct at p50/p90/p99: nginx %+.2f/%+.2f/%+.2f ms, gateway %+.2f/%+.2f/%+.2f ms\n",
      '"$CONNS"', $1, $2, $9, $16, $3, $8, $4, $10 - $3, $15 - $8, $11 - $4, $17 - $3, $22 - $8, $18 - $4 }'
    echo "  gateway CPU per request at $rate req/s: $(cpu_per_request "$before" "$after" "$(echo "$g" | awk '{print $6}')" "$gw_pid")"
    local added; added=$(p99_added "$g" "$d")
    goal "p99 added <= 3 ms, $CONNS connections paced at $rate req/s" "$added ms" "$(yes_if "$added <= 3")"
    [ "$(echo "$g" | awk '{print $4}')" = 0 ] || fail "proxy: the gateway answered non-2xx at $rate req/s"
  done
}

# The latency a call pays at one connection, where nothing queues: what the hop itself adds.
proxy_one_connection() {
  local d x g before after
  d=$(WRK_CONNS=1 wrk_run "$UPSTREAM_URL/v1/chat/completions" 3)
  x=$(WRK_CONNS=1 wrk_run "$NGINX_URL/v1/chat/completions" 3)
  before=$(thread_ticks "$gw_pid")
  g=$(WRK_CONNS=1 wrk_run "$GW/v1/chat/completions" 3 AUTH="Bearer $dyn_key")
  after=$(thread_ticks "$gw_pid")
  echo "$d $x $g" | awk '{ printf "one connection (wrk -c1 3s): direct p50 %.2f p99 %.2f ms; added over direct at p50/p99: nginx %+.2f/%+.2f ms, gateway %+.2f/%+.2f ms (%.0f req/s)\n", $2, $3, $9 - $2, $10 - $3, $16 - $2, $17 - $3, $15 }'
  echo "  gateway CPU per request at one connection: $(cpu_per_request "$before" "$after" "$(echo "$g" | awk '{print $6}')" "$gw_pid")"
  local added; added=$(p99_added "$g" "$d")
  goal "p99 added <= 3 ms, one connection" "$added ms" "$(yes_if "$added <= 3")"
  [ "$(echo "$g" | awk '{print $4}')" = 0 ] || fail "proxy: the gateway answered non-2xx at one connection"
}

# ROUNDS > 1: direct, nginx and the gateway again, back to back, ROUNDS - 1 more times; the ratio
# of each round and their median (a shared machine moves single runs by ±15 %).
proxy_rounds() {
  local r line_d line_n line_g ratios=$proxy_ratios
  for r in $(seq 2 "$ROUNDS"); do
    line_d=$(wrk_run "$UPSTREAM_URL/v1/chat/completions" "$SECS")
    line_n=$(wrk_run "$NGINX_URL/v1/chat/completions" "$SECS")
    line_g=$(wrk_run "$GW/v1/chat/completions" "$SECS" AUTH="Bearer $dyn_key")
    printf '  round %-2s nginx %8.0f req/s, gateway %8.0f req/s, p99 %6.2f ms (direct %.2f ms)\n' "$r" "${line_n%% *}" "${line_g%% *}" \
      "$(echo "$line_g" | awk '{print $3}')" "$(echo "$line_d" | awk '{print $3}')"
    [ "$(echo "$line_g" | awk '{print $4}')" = 0 ] || fail "proxy: the gateway answered non-2xx in round $r"
    [ "$(echo "$line_d" | awk '{print $4}')" = 0 ] || fail "proxy: the fake upstream answered non-2xx in round $r"
    ratios+=" $(echo "$line_g $line_n" | awk '{ printf "%.3f", $1 / $8 }')"
    proxy_rates+=" $(echo "$line_g" | awk '{ printf "%.0f", $1 }')"
    proxy_gateway_p99s+=" $(echo "$line_g" | awk '{ print $3 }')"
    proxy_direct_p99s+=" $(echo "$line_d" | awk '{ print $3 }')"
  done
  proxy_ratios=$ratios
  echo "gateway/nginx by round: $ratios; median $(echo "$ratios" | median_of)"
  callbacks_drained 120 >/dev/null || fail "proxy: callbacks not delivered after the rounds"
}

callback_posts() { # "POSTs callbacks" delivered since the gateway started
  curl -sf --max-time 5 "$GW/metrics" | awk '/^dynaseal_callback_posts_total / { p = $2 } /^dynaseal_callbacks_delivered_total / { d = $2 } END { print p + 0, d + 0 }'
}

# The same load with the bench tenant's callbacks batched (callback_batch BATCHED, default 100),
# nginx and the gateway back to back, ROUNDS times: what a tenant that takes batches saves.
proxy_batched() {
  local r t line_n line_g ratios="" before after t0 t1 ok_before ok_after posts_before
  posts_before=$(callback_posts)
  for t in "${tenant_ids[@]}"; do api PATCH "/admin/v1/tenants/$t" "{\"callback_batch\":${BATCHED:-100}}" >/dev/null; done
  ok_before=$(ok_of gpt-4o-mini)
  [ $smoke = 1 ] || wrk_run "$GW/v1/chat/completions" 2 AUTH="Bearer $dyn_key" >/dev/null
  for r in $(seq 1 "${ROUNDS:-1}"); do
    line_n=$(wrk_run "$NGINX_URL/v1/chat/completions" "$SECS")
    before=$(thread_ticks "$gw_pid"); t0=$(date +%s.%N)
    line_g=$(wrk_run "$GW/v1/chat/completions" "$SECS" AUTH="Bearer $dyn_key")
    after=$(thread_ticks "$gw_pid"); t1=$(date +%s.%N)
    printf '  batched callbacks, round %-2s nginx %8.0f req/s, gateway %8.0f req/s (p50 %.2f p90 %.2f p99 %.2f ms); gateway CPU %s\n' "$r" "${line_n%% *}" "${line_g%% *}" \
      "$(echo "$line_g" | awk '{print $2}')" "$(echo "$line_g" | awk '{print $7}')" "$(echo "$line_g" | awk '{print $3}')" \
      "$(thread_cpu "$before" "$after" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$gw_pid")"
    [ "$(echo "$line_g" | awk '{print $4}')" = 0 ] || fail "proxy: the gateway answered non-2xx with batched callbacks"
    ratios+="$([ -n "$ratios" ] && echo ' ')$(echo "$line_g $line_n" | awk '{ printf "%.3f", $1 / $8 }')"
  done
  local drained; drained=$(callbacks_drained 120) || fail "proxy: batched callbacks not delivered: $drained"
  ok_after=$(ok_of gpt-4o-mini)
  echo "gateway/nginx with callback_batch ${BATCHED:-100}: $ratios; median $(echo "$ratios" | median_of); $((ok_after - ok_before)) billed ok, callbacks all delivered ${drained}s after"
  echo "$posts_before $(callback_posts)" | awk '{ p = $3 - $1; d = $4 - $2; if (p > 0) printf "  %d callbacks in %d POSTs: %.1f per POST\n", d, p, d / p }'
  for t in "${tenant_ids[@]}"; do api PATCH "/admin/v1/tenants/$t" '{"callback_batch":1}' >/dev/null; done
}

# ---------------------------------------------------------------------------------------------
# The kernel's count of connections dropped because a listen queue was full (this netns).
listen_overflows() { awk '/^TcpExt:/ { if (!h) { split($0, H); h = 1 } else { split($0, V); for (i in H) if (H[i] == "ListenOverflows") print V[i] } }' /proc/net/netstat; }

# The gateway's own gauges, one line.
written_bytes() { awk '/^wchar:/ { print $2 }' "/proc/$1/io"; }

db_batches() { # "batches jobs": write transactions and write jobs since the gateway started
  curl -sf --max-time 5 "$GW/metrics" | awk '/^dynaseal_db_write_batches / { b = $2 } /^dynaseal_db_write_jobs / { j = $2 } END { print b + 0, j + 0 }'
}

gateway_gauges() {
  curl -sf --max-time 5 "$GW/metrics" | awk '/^dynaseal_(connections_open|upstream_connections_open|proxy_in_flight|db_queue_length) / {
    sub(/^dynaseal_/, "", $1); printf "%s=%s ", $1, $2 } END { print "" }'
}

# BENCH_MALLOC_STATS=1: glibc's view of the gateway's heap (gdb calls malloc_stats() in it, which
# prints to the gateway's stderr): bytes the allocator holds from the system vs bytes in use.
malloc_stats() {
  gdb -p "$gw_pid" -batch -ex 'call (void) malloc_stats()' >/dev/null 2>&1 || { echo "gdb failed"; return; }
  grep -A2 'Total (incl. mmap)' "$state/gateway.log" | tail -2 | awk '{ printf "%s %s %.1f MB; ", $1, $2, $NF / 1048576 }'
  echo "VmRSS $(awk '/VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$gw_pid/status")"
}

stream_run() { # LABEL URL PID [stream_load args...]: prints stream_load's output, returns its status
  local label=$1 url=$2 pid=$3; shift 3
  "$build/stream_load" --url "$url" --streams "$STREAMS" --chunks "$CHUNKS" --pid "$pid" --settle "$SETTLE" \
    --timeout $((STREAM_SECS * 4 + 60)) --label "$label" "$@"
}

run_stream() {
  say "stream: $STREAMS concurrent streams, $CHUNKS chunks over ${STREAM_SECS}s each"
  local run out status ok ok_before whole drained overflows results=() streams_met=yes streams_seen=""
  for run in $(seq "${STREAM_RUNS:-2}"); do
    overflows=$(listen_overflows)
    ok_before=$(ok_of bench-stream)
    out=$(stream_run "gateway-run$run" "$GW/v1/chat/completions" "$gw_pid" --header "Authorization: Bearer $dyn_key") && status=0 || status=$?
    echo "$out" | grep -v '^RESULT'
    results+=("$(echo "$out" | grep '^RESULT')")
    [ $status = 0 ] || fail "stream: gateway run $run: not every stream was whole"
    whole=$(echo "$out" | sed -n 's/^RESULT.* whole=\([0-9]*\).*/\1/p')
    ok=$(( $(ok_reaching bench-stream $((ok_before + STREAMS))) - ok_before ))
    drained=$(callbacks_drained 60) || fail "stream: run $run: callbacks not delivered: $drained"
    echo "gateway-run$run: billed ok in this run: $ok ($STREAMS streams, $whole whole); callbacks pending 0 after ${drained}s"
    echo "gateway-run$run: listen-queue overflows during the run: $(( $(listen_overflows) - overflows )); gauges now: $(gateway_gauges)"
    [ "$ok" = "$STREAMS" ] || fail "stream: run $run: $ok streamed requests billed ok, expected $STREAMS"
    streams_seen+="${streams_seen:+; }run $run: $whole/$STREAMS whole, $ok billed"
    { [ $status = 0 ] && [ "$ok" = "$STREAMS" ] && [[ $drained =~ ^[0-9.]+$ ]]; } || streams_met=no
    [ "${BENCH_MALLOC_STATS:-0}" = 1 ] && echo "gateway-run$run: malloc: $(malloc_stats)"
  done
  if [ "${BENCH_MALLOC_STATS:-0}" = 1 ]; then
    gdb -p "$gw_pid" -batch -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1
    echo "gateway after malloc_trim(0): VmRSS $(awk '/VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$gw_pid/status")"
  fi
  local worker; worker=$(nginx_worker_pid)
  overflows=$(listen_overflows)
  out=$(stream_run nginx "http://127.0.0.1:$SSE_PROXY_PORT/v1/chat/completions" "$worker" --include-usage) && status=0 || status=$?
  echo "$out" | grep -v '^RESULT'
  results+=("$(echo "$out" | grep '^RESULT')")
  [ $status = 0 ] || fail "stream: nginx reference: not every stream was whole"
  echo "nginx: listen-queue overflows during the run: $(( $(listen_overflows) - overflows ))"

  goal "$STREAMS streams whole, billed, called back" "$streams_seen" "$streams_met"
  # Memory: the peak of every gateway run under 300 MB, and no growth from run to run once idle.
  local memory
  memory=$(printf '%s\n' "${results[@]}" | grep 'label=gateway' | tr ' ' '\n' | awk -F= '
    $1 == "rss_before_kb" && !before { before = $2 } $1 == "rss_peak_kb" { if ($2 > peak) peak = $2 }
    $1 == "rss_after_kb" { if (!first) first = $2; last = $2; after = after (after ? " / " : "") sprintf("%.1f", $2 / 1024) }
    END { printf "%s|%s\n", sprintf("peak %.1f MB; 5 s after each run %s MB (%.1f before)", peak / 1024, after, before / 1024),
          (peak > 0 && peak < 300 * 1024 && last - first < 10 * 1024) ? "yes" : "no" }')
  goal "memory < 300 MB and back to idle (< 10 MB growth between runs)" "${memory%|*}" "${memory##*|}"

  printf '\n%-14s %8s %7s %8s %14s %14s %12s %12s %12s\n' run whole failed wall_s first_p50_ms first_p99_ms rss_before rss_peak rss_after
  local r
  for r in "${results[@]}"; do
    echo "$r" | tr ' ' '\n' | awk -F= '{v[$1] = $2} END {
      printf "%-14s %8s %7s %8s %14s %14s %10.1fMB %10.1fMB %10.1fMB\n", v["label"], v["whole"], v["failed"], v["wall_s"],
        v["first_chunk_p50_ms"], v["first_chunk_p99_ms"], v["rss_before_kb"] / 1024, v["rss_peak_kb"] / 1024, v["rss_after_kb"] / 1024 }'
  done
}

# ---------------------------------------------------------------------------------------------
run_micro() {
  say "micro: dynamic-key verification, one thread (goal >= 300,000/s)"
  local args=(--benchmark_counters_tabular=false)
  [ $smoke = 1 ] && args+=(--benchmark_min_time=0.05)
  local verify per_s
  verify=$("$build/verify_bench" "${args[@]}" 2>&1) || fail "micro: verify_bench failed"
  echo "$verify" | grep -v '^\*\*\*WARNING'
  per_s=$(echo "$verify" | awk '/^BM_DynamicKeyVerify / { for (i = 1; i <= NF; i++) if ($i ~ /^items_per_second=/) {
    v = $i; sub(/^items_per_second=/, "", v); m = v ~ /M\/s$/ ? 1e6 : v ~ /k\/s$/ ? 1e3 : 1; sub(/[kM]?\/s$/, "", v); print v * m } }')
  [ -n "$per_s" ] && goal "HS256 key verification >= 300,000/s, one core" "$(printf '%.0f/s' "$per_s")" "$(yes_if "$per_s >= 300000")"
  say "micro: a request's own work and the state the serving threads share, on 1 and 2 threads"
  # Its 2-thread figures move with the host from one second to the next: three repetitions, and
  # their median and spread (cv) instead of one sample.
  local repeat=(--benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
  [ $smoke = 1 ] && repeat=()
  "$build/admission_bench" "${args[@]}" ${repeat[@]+"${repeat[@]}"} 2>&1 | grep -v '^\*\*\*WARNING' || fail "micro: admission_bench failed"
  say "micro: a device's body parsed and checked, and the upstream's written from it (a greeting, a 32 KB conversation)"
  "$build/request_body_bench" "${args[@]}" 2>&1 | grep -v '^\*\*\*WARNING' || fail "micro: request_body_bench failed"
}

run_profile() {
  say "profile: perf record of the gateway under wrk -c$CONNS for ${SECS}s"
  need perf || { fail "profile: perf is not installed (apt-get install linux-perf)"; return; }
  local data="$state/perf-gateway.data"
  (sleep 1; env BODY="$BODY" AUTH="Bearer $dyn_key" wrk -t1 -c"$CONNS" -d"$((SECS + 1))s" -s "$here/post.lua" "$GW/v1/chat/completions" >/dev/null) &
  local load=$!
  perf record -q -F 499 --call-graph dwarf,16384 -p "$gw_pid" -o "$data" -- sleep "$SECS" >/dev/null 2>&1 || fail "profile: perf record failed"
  wait "$load"
  set +o pipefail # head closes the pipes early
  echo "-- self time, by library and symbol (top 30); data: $data"
  perf report -i "$data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -30
  echo "-- inclusive time by symbol (top 40)"
  perf report -i "$data" --children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -40
  echo "-- samples by thread (main = $gw_pid; the other busy one is the database thread)"
  perf script -i "$data" -F tid 2>/dev/null | sort | uniq -c | sort -rn | head -5
  echo "-- self time by library"
  perf report -i "$data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -12
  set -o pipefail
}

run_scale() {
  local rounds=${ROUNDS:-1}; [ $smoke = 1 ] && rounds=1
  say "scale: the proxy load (wrk -t1 -c$CONNS -d${SECS}s) through the gateway with 1 to $gateway_cores serving threads, $rounds round(s)"
  local w r line results=()
  # Rounds outside, worker counts inside: each round compares the counts within a minute of
  # each other, so a change in the host's load shows as a round apart rather than as scaling.
  for r in $(seq 1 "$rounds"); do
    for w in $(seq 1 "$gateway_cores"); do
      kill "$gw_pid" 2>/dev/null; wait "$gw_pid" 2>/dev/null || true
      [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$gw_data"
      GATEWAY_WORKERS=$w start_gateway >/dev/null
      [ $smoke = 1 ] || wrk_run "$GW/v1/chat/completions" 2 AUTH="Bearer $dyn_key" >/dev/null
      local before after t0 t1
      before=$(thread_ticks "$gw_pid"); t0=$(date +%s.%N)
      line=$(wrk_run "$GW/v1/chat/completions" "$SECS" AUTH="Bearer $dyn_key")
      after=$(thread_ticks "$gw_pid"); t1=$(date +%s.%N)
      local models; models=$(wrk_run "$GW/v1/models" "$SECS" AUTH="Bearer $dyn_key" METHOD=GET)
      # CPU per call: flat from 1 to N workers means the threads do not slow each other down,
      # even where the host has no spare core to show it as req/s.
      local per_call; per_call=$(cpu_per_request "$before" "$after" "$(echo "$line" | awk '{print $6}')" "$gw_pid")
      results+=("$w $r $line $models ${per_call%% *}")
      printf '  round %s, workers %-3s %s; CPU %s; per call %s\n' "$r" "$w" "$line" "$(thread_cpu "$before" "$after" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$gw_pid")" "$per_call"
      printf '  round %s, workers %-3s GET /v1/models: %s\n' "$r" "$w" "$models"
      [ "$(echo "$line" | awk '{print $4}')" = 0 ] || fail "scale: the gateway answered non-2xx with $w workers"
    done
  done
  # Fields: workers, round, then wrk_run's seven for chat (3-9) and for /v1/models (10-16), then
  # the gateway's CPU per chat call in microseconds (17).
  printf '\n%-8s %12s %8s %8s %7s %8s   %14s %8s %7s   %s\n' workers chat_req/s p50_ms p99_ms vs_1 us/call models_req/s p99_ms vs_1 "(medians over rounds; per round chat/models vs 1)"
  printf '%s\n' "${results[@]}" | awk '
    function median(list,   n, v, i, j, t) { n = split(list, v, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
      return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
    { w = $1; r = $2; chat[w] = chat[w] " " $3; p50[w] = p50[w] " " $4; p99[w] = p99[w] " " $5
      models[w] = models[w] " " $10; mp99[w] = mp99[w] " " $12; c[w, r] = $3; m[w, r] = $10; cpu[w] = cpu[w] " " $17
      if (w > maxw) maxw = w; if (r > maxr) maxr = r }
    END { for (w = 1; w <= maxw; w++) {
        per = ""; for (r = 1; r <= maxr; r++) per = per sprintf(" %.2f/%.2f", c[w, r] / c[1, r], m[w, r] / m[1, r])
        printf "%-8s %12.0f %8.2f %8.2f %6.2fx %8.0f   %14.0f %8.2f %6.2fx  %s\n", w, median(chat[w]), median(p50[w]), median(p99[w]),
          median(chat[w]) / median(chat[1]), median(cpu[w]), median(models[w]), median(mp99[w]), median(models[w]) / median(models[1]), per } }'
  # Met when the most serving threads give at least half of linear growth: 1.5x from 1 to 2.
  if [ "$gateway_cores" -gt 1 ]; then
    local one most growth
    one=$(printf '%s\n' "${results[@]}" | awk '$1 == 1 { print $3 }' | median_of)
    most=$(printf '%s\n' "${results[@]}" | awk -v top="$gateway_cores" '$1 == top { print $3 }' | median_of)
    growth=$(awk -v a="$most" -v b="$one" 'BEGIN { printf "%.2f", a / b }')
    goal "throughput grows with serving threads (>= half of linear)" "chat ${growth}x from 1 to $gateway_cores" "$(yes_if "$growth >= 1 + 0.5 * ($gateway_cores - 1)")"
  fi
}

run_callgrind() {
  say "callgrind: the gateway under valgrind, wrk -c10 for $((SECS * 2))s (instruction counts, not time)"
  env BODY="$BODY" AUTH="Bearer $dyn_key" wrk -t1 -c10 -d2s -s "$here/post.lua" "$GW/v1/chat/completions" >/dev/null # warm-up
  callgrind_control -i on "$gw_pid" >/dev/null
  local n; n=$(env BODY="$BODY" AUTH="Bearer $dyn_key" wrk -t1 -c10 -d"$((SECS * 2))s" -s "$here/post.lua" "$GW/v1/chat/completions" | awk '/requests in/ { print $1 }')
  sleep 3 # callbacks of the last requests inside the window
  callgrind_control -i off "$gw_pid" >/dev/null
  callgrind_control -d "$gw_pid" >/dev/null
  local out; out=$(ls -t "$state"/callgrind.out* | head -1)
  echo "$n requests measured; data: $out (callgrind_annotate --inclusive=yes $out)"
  set +o pipefail
  callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | grep -E 'PROGRAM TOTALS|dynaseal::|QIODevice::read\(|sqlite3_step|sqlite3_prepare|QJsonDocument|hmacSha256|malloc|_int_free' \
    | grep -vE '_M_manager|_Function_base' | head -45 | sed -E 's/\(std::_Any_data.*//' | cut -c1-160
  set -o pipefail
}

run_syscalls() {
  say "syscalls: strace -c of the gateway under wrk -c$CONNS for ${SECS}s, per billed request"
  need strace || { fail "syscalls: strace is not installed"; return; }
  [ $smoke = 1 ] || wrk_run "$GW/v1/chat/completions" 2 AUTH="Bearer $dyn_key" >/dev/null
  callbacks_drained 60 >/dev/null || true
  local out="$state/strace.txt" before after n db0 db1 tx
  before=$(ok_of gpt-4o-mini); db0=$(db_batches)
  # strace slows the gateway several times over: the counts per request or transaction are what matter.
  (sleep 0.5; env BODY="$BODY" AUTH="Bearer $dyn_key" wrk -t1 -c"$CONNS" -d"${SECS}s" -s "$here/post.lua" "$GW/v1/chat/completions" >/dev/null) &
  local load=$!
  timeout -s INT "$((SECS + 2))" strace -c -f -p "$gw_pid" -o "$out" >/dev/null 2>&1 || true
  wait "$load"
  db1=$(db_batches)
  callbacks_drained 60 >/dev/null || fail "syscalls: callbacks not delivered"
  after=$(ok_of gpt-4o-mini)
  n=$((after - before))
  [ "$n" -gt 0 ] || { fail "syscalls: no request was billed"; return; }
  tx=$(echo "$db0 $db1" | awk '{ print $3 - $1 }')
  echo "$n requests billed ok during the trace (strace -c -f; $out), in $tx write transactions ($(echo "$db0 $db1" | awk '{ if ($3 > $1) printf "%.1f", ($4 - $2) / ($3 - $1); else printf "-" }') jobs each)"
  # The database's calls (pwrite64, pread64, fcntl, fdatasync) come per transaction, and strace's
  # slowdown changes how many calls a transaction takes: compare those per transaction too.
  awk -v n="$n" -v tx="$tx" '$1 ~ /^[0-9.]+$/ && NF >= 5 { calls = $4; name = $NF; if (name == "total") { total = calls; next }
                   printf "  %-16s %8.2f per request %8.1f per transaction\n", name, calls / n, (tx > 0 ? calls / tx : 0) }
                 END { printf "  %-16s %8.2f per request %8.1f per transaction\n", "all", total / n, (tx > 0 ? total / tx : 0) }' "$out" | sort -k2 -rn | head -16
}

run_lists() {
  say "lists: admin list pages (limit=50) on the request log a load left, three calls each"
  want proxy || wrk_run "$GW/v1/chat/completions" "$SECS" AUTH="Bearer $dyn_key" >/dev/null
  callbacks_drained 60 >/dev/null || true
  echo "stored: $(ok_of gpt-4o-mini) requests ok"
  local since q r out times total
  since=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
  printf '%-40s %-24s %s\n' list "seconds per call" "total (exact)"
  # Each list, then the parameters that follow its limit.
  for q in "requests" "requests&tenant_id=$tenant_id" "requests&model=gpt-4o-mini" "requests&since=$since" \
           "callbacks" "callbacks&tenant_id=$tenant_id" "callbacks&since=$since" "callbacks&state=delivered"; do
    times=""
    for r in 1 2 3; do
      out=$(curl -sS --fail-with-body --max-time 60 -o "$state/list.json" -w '%{time_total}' \
              "$GW/admin/v1/${q%%&*}?limit=50${q#"${q%%&*}"}" -H "Authorization: Bearer $admin_token") || { fail "lists: $q failed"; break; }
      times="$times $out"
    done
    total=$(jq -r '"\(.total) (\(.total_exact))"' "$state/list.json")
    printf '%-40s %-24s %s\n' "${q/$tenant_id/<tenant>}" "$times" "$total"
  done
  # Half way down the log, by offset and by the cursor the page before it gave.
  local stored half cursor
  stored=$(ok_of gpt-4o-mini)
  half=$(( stored / 2 > 50 ? stored / 2 : 50 ))
  cursor=$(curl -sS --max-time 60 "$GW/admin/v1/requests?limit=50&offset=$((half - 50))" -H "Authorization: Bearer $admin_token" | jq -r '.next_cursor // empty')
  [ -n "$cursor" ] || { fail "lists: no next_cursor at offset $((half - 50))"; return; }
  for q in "offset=$half" "cursor=$cursor"; do
    times=""
    for r in 1 2 3; do
      out=$(curl -sS --fail-with-body --max-time 60 -o "$state/list.json" -w '%{time_total}' \
              "$GW/admin/v1/requests?limit=50&$q" -H "Authorization: Bearer $admin_token") || { fail "lists: $q failed"; break; }
      times="$times $out"
    done
    printf '%-40s %-24s %s\n' "requests, ${q%%=*} $half" "$times" "first $(jq -r '.items[0].id' "$state/list.json")"
  done
  # The whole log, as an export reads it: 1,000 a page, each after the cursor of the one before.
  local pages=0 rows=0 n answered=0
  cursor=""
  while :; do
    out=$(curl -sS --fail-with-body --max-time 60 -o "$state/list.json" -w '%{time_total}' "$GW/admin/v1/requests?limit=1000&cursor=$cursor" \
      -H "Authorization: Bearer $admin_token") || { fail "lists: export page $pages failed"; break; }
    answered=$(awk -v a="$answered" -v b="$out" 'BEGIN { print a + b }')
    read -r n cursor < <(jq -r '"\(.items | length) \(.next_cursor // "")"' "$state/list.json")
    pages=$((pages + 1)); rows=$((rows + n))
    [ -n "$cursor" ] || break
  done
  echo "whole log by cursor, 1,000 a page: $rows rows in $pages pages, answered in $(awk -v a="$answered" 'BEGIN { printf "%.1f", a }') s in all"
  [ "$rows" -ge "$stored" ] || fail "lists: the export read $rows rows of $stored"
}

# ---------------------------------------------------------------------------------------------
echo "dynaseal bench: parts ${parts[*]}$([ $smoke = 1 ] && echo ' (smoke)'); gateway on ${BENCH_DATABASE:-sqlite}; $machine_cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${GATEWAY_CPUS:-}" ] && echo "the gateway on CPUs $GATEWAY_CPUS ($gateway_cores), everything else on CPUs $LOAD_CPUS ($(nproc))"
install_missing
build_tools

# The micro-benchmarks first, before the peers start: a Node process warming up beside them
# once cost the key check a quarter of its rate.
want micro && run_micro

if want proxy || want stream || want scale || want profile || want callgrind || want syscalls || want lists; then
  start_nginx
  want proxy && [ "${SKIP_PORTKEY:-0}" != 1 ] && { start_portkey || { fail "Portkey did not start (see $state/portkey.log)"; SKIP_PORTKEY=1; }; }
  want stream && start_sse_upstream
  start_gateway
fi

want proxy && run_proxy
want stream && run_stream
want scale && run_scale
want profile && run_profile
want callgrind && run_callgrind
want syscalls && run_syscalls
want lists && run_lists

if [ ${#goals[@]} -gt 0 ]; then
  say "goals$([ $smoke = 1 ] && echo ' (smoke: runs too short to measure anything)')"
  printf '%s\n' "goal|measured|met" "${goals[@]}" | awk -F'|' '{ printf "%-66s %-5s %s\n", $1, $3, $2 }'
fi

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); took $(( $(date +%s) - started_at )) s"
if [ ${#failures[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failures[@]}"
  exit 1
fi
echo "bench: all parts ran$(want stream && echo ', every stream whole')"

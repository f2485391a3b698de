#!/usr/bin/env bash
# shellcheck disable=SC2015,SC2016  # "a && b || fail" is meant; dpkg-query formats are literal
# Builds the .deb packages and installs them into a clean Debian 12 root (debootstrap + chroot),
# then checks the installed programs there: the server starts as the dynaseal user with the
# packaged config, answers /health/readiness and takes the admin password from
# /etc/dynaseal/dynaseal.env; the demo serves the curl call it prints; the console prints its
# version offscreen; the unit passes systemd-analyze; an upgrade keeps a changed config; purge
# removes the data. Last, the root is booted with systemd-nspawn: the enabled service must start
# under its sandbox, log its generated password to the journal and serve the demo (skipped where
# the host cannot boot it).
#
# Usage (as root): packaging/linux/test-deb.sh [BUILD_DIR]     (default: ./build)
# The clean root is made once and cached in $DYNASEAL_DEBOOTSTRAP_CACHE
# (default /var/cache/dynaseal-debootstrap), with the downloaded packages beside it; mirror:
# $DYNASEAL_DEBIAN_MIRROR (default http://deb.debian.org/debian). Logs: BUILD_DIR/test-deb-logs.
# Exits 77 (skipped) when not root.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath -m "${1:-$repo/build}")
cache=${DYNASEAL_DEBOOTSTRAP_CACHE:-/var/cache/dynaseal-debootstrap}
mirror=${DYNASEAL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
started=$SECONDS
checks=0

say() { printf '[%3ds] %s\n' $((SECONDS - started)) "$*"; }
ok() { checks=$((checks + 1)); say "ok: $*"; }
fail() { say "FAIL: $*"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: test-deb.sh needs root (debootstrap, chroot, mounts)"
  exit 77
fi
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

missing=()
for tool in debootstrap:debootstrap dpkg-shlibdeps:dpkg-dev curl:curl systemd-analyze:systemd systemd-nspawn:systemd-container; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- 1. the packages --------------------------------------------------------------------------
[ -f "$build/CMakeCache.txt" ] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(dynaseal-server)
console=no
if [[ "$(cmake --build "$build" --target help 2>/dev/null)" == *dynaseal-console* ]]; then
  targets+=(dynaseal-console)
  console=yes
fi
say "building ${targets[*]} in $build"
cmake --build "$build" --target "${targets[@]}" >/dev/null
rm -f "$build"/packages/*.deb
(cd "$build" && cpack -G DEB) >"$build/packages-deb.log" 2>&1 || { cat "$build/packages-deb.log"; fail "cpack -G DEB"; }
server_deb=$(ls "$build"/packages/dynaseal-server_*.deb)
console_deb=$(ls "$build"/packages/dynaseal-console_*.deb 2>/dev/null || true)
version=$(dpkg-deb -f "$server_deb" Version)
version=${version%-*}
ok "built $(basename "$server_deb")${console_deb:+ and $(basename "$console_deb")}"
if [ "$console" = no ]; then
  say "no dynaseal-console target in this build: the console package is not tested"
fi

# ---- 2. a clean Debian 12 root ----------------------------------------------------------------
base=$cache/$suite-minbase
mkdir -p "$cache/archives/partial"
if [ ! -x "$base/usr/bin/apt-get" ]; then
  say "creating the base root in $base (once; later runs reuse it)"
  rm -rf "$base.new"
  debootstrap --variant=minbase "$suite" "$base.new" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log"; fail "debootstrap"; }
  cat >"$base.new/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF
  rm -rf "$base.new/var/cache/apt/archives"/*.deb
  mv "$base.new" "$base"
  ok "base root created"
fi

root=$(mktemp -d /var/tmp/dynaseal-deb-root.XXXXXX)
logs=$build/test-deb-logs   # apt, server and console output, kept for a look after a failure
rm -rf "$logs" && mkdir -p "$logs"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${nspawn_pid:-}" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill "$nspawn_pid"; sleep 1; kill "$nspawn_pid" 2>/dev/null || true; wait "$nspawn_pid" 2>/dev/null || true
  fi
  for mnt in var/cache/apt/archives dev proc; do
    mountpoint -q "$root/$mnt" 2>/dev/null && umount -l "$root/$mnt"
  done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
cp -a "$base/." "$root/"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind "$cache/archives" "$root/var/cache/apt/archives"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# A throwaway root: dpkg need not fsync every file it unpacks.
echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/dynaseal-test-unsafe-io"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
ok "fresh root from the cached base in $root"

# ---- 3. install -------------------------------------------------------------------------------
mkdir -p "$root/tmp/debs"
cp "$server_deb" ${console_deb:+"$console_deb"} "$root/tmp/debs/"
# Package lists older than a day are refreshed (into the cached base too, for the next run).
if [ -z "$(find "$cache/lists.stamp" -mmin -1440 2>/dev/null)" ]; then
  say "apt-get update"
  in_root apt-get update -qq >/dev/null || fail "apt-get update in the root"
  rm -rf "$base/var/lib/apt/lists"
  cp -a "$root/var/lib/apt/lists" "$base/var/lib/apt/lists"
  touch "$cache/lists.stamp"
fi
# As the README says: the admin password goes into the secrets file before installing.
install -d -m 0755 "$root/etc/dynaseal"
printf '# chosen before installing\nDYNASEAL_ADMIN_PASSWORD=installed-pass-123\n' >"$root/etc/dynaseal/dynaseal.env"
chmod 0600 "$root/etc/dynaseal/dynaseal.env"
say "apt-get install ./$(basename "$server_deb")${console_deb:+ ./$(basename "$console_deb")}"
in_root sh -c 'cd /tmp/debs && apt-get install -y -q --no-install-recommends ./*.deb' >"$logs/apt.log" 2>&1 ||
  { tail -30 "$logs/apt.log"; fail "apt-get install"; }
in_root dpkg-query -W -f='${Status}\n' dynaseal-server | grep -q 'install ok installed' || fail "dynaseal-server not installed"
ok "installed with their dependencies from $mirror"

# ---- 4. what the server package put in place --------------------------------------------------
got=$(in_root dynaseal-server --version)
[ "$got" = "dynaseal-server $version" ] || fail "--version printed '$got', expected 'dynaseal-server $version'"
ok "dynaseal-server --version: $got"

IFS=: read -r _ _ uid _ _ home shell < <(in_root getent passwd dynaseal) || fail "no user dynaseal"
[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/dynaseal ] && [ "$shell" = /usr/sbin/nologin ] ||
  fail "user dynaseal: uid $uid, home $home, shell $shell"
ok "system user dynaseal (uid $uid, no login)"

mode() { in_root stat -c '%a %U:%G' "$1"; }  # names as the root knows them
[ "$(mode /var/lib/dynaseal)" = "700 dynaseal:dynaseal" ] || fail "/var/lib/dynaseal is $(mode /var/lib/dynaseal)"
[ "$(mode /etc/dynaseal)" = "750 root:dynaseal" ] || fail "/etc/dynaseal is $(mode /etc/dynaseal)"
[ "$(mode /etc/dynaseal/dynaseal.conf)" = "640 root:dynaseal" ] || fail "dynaseal.conf is $(mode /etc/dynaseal/dynaseal.conf)"
[ "$(mode /etc/dynaseal/dynaseal.env)" = "600 root:root" ] || fail "dynaseal.env is $(mode /etc/dynaseal/dynaseal.env)"
grep -q '^DYNASEAL_ADMIN_PASSWORD=installed-pass-123$' "$root/etc/dynaseal/dynaseal.env" ||
  fail "the install replaced the existing dynaseal.env"
ok "data 0700 dynaseal, config 0640 root:dynaseal, the existing secrets file kept (0600 root)"
in_root dpkg-query -W -f='${Conffiles}\n' dynaseal-server | grep -q '^ /etc/dynaseal/dynaseal.conf ' ||
  fail "dynaseal.conf is not a conffile"
[ -f "$root/usr/lib/systemd/system/dynaseal-server.service" ] || fail "no systemd unit"
ok "dynaseal.conf is a conffile; unit in /usr/lib/systemd/system"

# The unit, checked by systemd on the host (the root has no systemd): any complaint fails, and
# so does an exposure level above 2.0 (of 10) in `systemd-analyze security`. ExecStart is pointed
# at the installed binary, as verify checks that it exists.
if command -v systemd-analyze >/dev/null; then
  unitdir=$root/tmp/unit
  mkdir -p "$unitdir"
  sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$root/usr/lib/systemd/system/dynaseal-server.service" \
    >"$unitdir/dynaseal-server.service"
  out=$(systemd-analyze verify "$unitdir/dynaseal-server.service" 2>&1) || true
  [ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify complained"; }
  exposure=$(systemd-analyze security --offline=yes --threshold=20 "$unitdir/dynaseal-server.service" 2>&1) ||
    { echo "$exposure"; fail "systemd-analyze security: exposure above 2"; }
  ok "systemd-analyze verify: no complaint; $(grep -o 'Overall exposure level.*' <<<"$exposure" | sed 's/ *$//')"
else
  say "systemd-analyze not found: the unit is not verified"
fi

# ---- 5. the installed server, as the service runs it ------------------------------------------
# Starts dynaseal-server in the root as user dynaseal with the unit's umask, output in $logs/$1.log; sets url, server_pid.
start_server() {
  local log=$1; shift
  chroot "$root" setpriv --reuid=dynaseal --regid=dynaseal --init-groups \
    env -i PATH=/usr/bin:/bin HOME=/var/lib/dynaseal QT_ENABLE_REGEXP_JIT=0 \
    sh -c 'umask 0077 && exec env "$@"' sh "$@" \
    >"$logs/$log.log" 2>&1 &
  pids+=($!)
  local pid=$!
  for _ in $(seq 100); do
    grep -q '^listening on http://' "$logs/$log.log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$logs/$log.log"; fail "server exited"; }
    sleep 0.1
  done
  url=$(sed -n 's|^listening on \(http://.*\)$|\1|p' "$logs/$log.log")
  [ -n "$url" ] || { cat "$logs/$log.log"; fail "server did not start"; }
  server_pid=$pid
}
stop_server() {
  kill -TERM "$server_pid"
  local status=0
  wait "$server_pid" || status=$?
  [ "$status" -eq 0 ] || fail "server exited with $status on SIGTERM"
}

# The variables of dynaseal.env, as EnvironmentFile= passes them.
mapfile -t service_env < <(grep -E '^[A-Z_]+=' "$root/etc/dynaseal/dynaseal.env")
start_server service "${service_env[@]}" \
  dynaseal-server --config /etc/dynaseal/dynaseal.conf --data-dir /var/lib/dynaseal --listen 127.0.0.1:0
ready=$(curl -s -w ' %{http_code}' "$url/health/readiness")
[[ "$ready" == *'"ready"'*' 200' ]] || fail "readiness answered: $ready"
ok "installed server runs as dynaseal with the packaged config; readiness: $ready"
login=$(curl -s -w ' %{http_code}' "$url/admin/v1/login" -d '{"username":"admin","password":"installed-pass-123"}')
[[ "$login" == *'"token"'*' 200' ]] || fail "admin login answered: $login"
ok "operator admin created with DYNASEAL_ADMIN_PASSWORD from /etc/dynaseal/dynaseal.env"
stop_server
[ "$(mode /var/lib/dynaseal/master.key)" = "600 dynaseal:dynaseal" ] || fail "master.key is $(mode /var/lib/dynaseal/master.key)"
[ "$(mode /var/lib/dynaseal/dynaseal.db)" = "600 dynaseal:dynaseal" ] || fail "no database owned by dynaseal"
ok "stopped cleanly on SIGTERM; database and master.key (0600) in /var/lib/dynaseal"

# ---- 6. the demo ------------------------------------------------------------------------------
start_server demo dynaseal-server --demo --listen 127.0.0.1:0 --data-dir /tmp/demo-data
call=$(grep -m1 '^curl ' "$logs/demo.log") || { cat "$logs/demo.log"; fail "demo printed no curl line"; }
answer=$(eval "$call --max-time 30")
[[ "$answer" == *'data: [DONE]'* ]] || fail "the demo's curl call answered: $answer"
ok "demo: the printed curl call streams an answer ending in [DONE]"
for _ in $(seq 100); do
  grep -q '^demo callback received: .*signature=valid' "$logs/demo.log" && break
  sleep 0.1
done
grep '^demo callback received: .*signature=valid' "$logs/demo.log" >/dev/null ||
  { cat "$logs/demo.log"; fail "no signed demo callback"; }
ok "demo: $(grep -m1 '^demo callback received' "$logs/demo.log")"
stop_server

# ---- 7. the console ---------------------------------------------------------------------------
if [ -n "$console_deb" ]; then
  got=$(in_root env QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp dynaseal-console --version 2>"$logs/console.err") ||
    { cat "$logs/console.err"; fail "dynaseal-console --version failed"; }
  [ "$got" = "dynaseal-console $version" ] || fail "console --version printed '$got', expected 'dynaseal-console $version'"
  ok "QT_QPA_PLATFORM=offscreen dynaseal-console --version: $got"
  [ -f "$root/usr/share/applications/dynaseal-console.desktop" ] &&
    [ -f "$root/usr/share/icons/hicolor/256x256/apps/dynaseal.png" ] &&
    [ -f "$root/usr/share/icons/hicolor/scalable/apps/dynaseal.svg" ] || fail "console desktop entry or icons missing"
  ok "console desktop entry and icons installed"
else
  say "skipped: the console package was not built"
fi

# ---- 8. upgrade keeps a changed config; purge removes the data ---------------------------------
echo 'idle-timeout = 30' >>"$root/etc/dynaseal/dynaseal.conf"
in_root dpkg -i "/tmp/debs/$(basename "$server_deb")" >"$logs/upgrade.log" 2>&1 ||
  { cat "$logs/upgrade.log"; fail "reinstalling the server package"; }
grep -q '^idle-timeout = 30$' "$root/etc/dynaseal/dynaseal.conf" || fail "the upgrade replaced the changed config"
[ "$(mode /etc/dynaseal/dynaseal.conf)" = "640 root:dynaseal" ] || fail "after upgrade dynaseal.conf is $(mode /etc/dynaseal/dynaseal.conf)"
[ -f "$root/var/lib/dynaseal/master.key" ] || fail "the upgrade lost the data"
ok "upgrade (dpkg -i over the installed package) keeps the changed config and the data"

in_root apt-get remove -y -q dynaseal-server >"$logs/remove.log" 2>&1 || { cat "$logs/remove.log"; fail "remove"; }
[ -f "$root/var/lib/dynaseal/master.key" ] && [ -f "$root/etc/dynaseal/dynaseal.conf" ] || fail "remove deleted the data or config"
ok "remove keeps data and config"
in_root apt-get purge -y -q dynaseal-server >"$logs/purge.log" 2>&1 || { cat "$logs/purge.log"; fail "purge"; }
[ ! -e "$root/var/lib/dynaseal" ] && [ ! -e "$root/etc/dynaseal" ] || fail "purge left /var/lib/dynaseal or /etc/dynaseal"
in_root getent passwd dynaseal >/dev/null || fail "purge removed the system user"
ok "purge removes /var/lib/dynaseal and /etc/dynaseal (the system user stays)"

# ---- 9. the service under systemd -------------------------------------------------------------
# Installed again, now with systemd in the root: the postinst enables the unit, and the root is
# booted with systemd-nspawn, so the service runs as packaged, sandbox and all. Where the root
# cannot be booted (no systemd-nspawn, or a host that does not let it boot) this part is skipped.
in_root apt-get install -y -q --no-install-recommends systemd systemd-sysv \
  "/tmp/debs/$(basename "$server_deb")" >"$logs/reinstall.log" 2>&1 ||
  { cat "$logs/reinstall.log"; fail "installing again after purge, with systemd"; }
[ "$(mode /etc/dynaseal/dynaseal.env)" = "600 root:root" ] || fail "new dynaseal.env is $(mode /etc/dynaseal/dynaseal.env)"
grep -q '^#DYNASEAL_ADMIN_PASSWORD=$' "$root/etc/dynaseal/dynaseal.env" || fail "new dynaseal.env is not the template"
ok "a fresh install creates dynaseal.env (0600 root) from the commented template"
[ -L "$root/etc/systemd/system/multi-user.target.wants/dynaseal-server.service" ] || fail "the unit is not enabled"
ok "the unit is enabled at install"

if ! command -v systemd-nspawn >/dev/null; then
  say "skipped: the service under systemd (no systemd-nspawn: apt-get install systemd-container)"
else
  # A free port, and the demo, so that the service's own log holds a curl call to make.
  port=$(( 20000 + RANDOM % 20000 ))
  while curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/"; do port=$(( 20000 + RANDOM % 20000 )); done
  echo "listen = 127.0.0.1:$port" >>"$root/etc/dynaseal/dynaseal.conf"
  mkdir -p "$root/etc/systemd/system/dynaseal-server.service.d" "$root/var/log/journal"
  printf '[Service]\nExecStart=\nExecStart=/usr/bin/dynaseal-server --config /etc/dynaseal/dynaseal.conf --data-dir /var/lib/dynaseal --demo\n' \
    >"$root/etc/systemd/system/dynaseal-server.service.d/demo.conf"
  for mnt in var/cache/apt/archives dev proc; do umount "$root/$mnt"; done
  mkfifo "$logs/nspawn.stdin"
  sleep 600 >"$logs/nspawn.stdin" &
  pids+=($!)
  systemd-nspawn -q -D "$root" -b --console=pipe --register=no --keep-unit <"$logs/nspawn.stdin" >"$logs/nspawn.log" 2>&1 &
  nspawn_pid=$!
  journal() { journalctl -q -D "$root/var/log/journal" --no-pager "$@" 2>/dev/null || true; }
  for _ in $(seq 300); do
    curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/health/readiness" && break
    kill -0 "$nspawn_pid" 2>/dev/null || break
    sleep 0.2
  done
  if ! ready=$(curl -s -w ' %{http_code}' -m 2 "http://127.0.0.1:$port/health/readiness"); then
    if [ -z "$(journal -b -t systemd)" ]; then
      say "skipped: the service under systemd (this host does not boot the root with systemd-nspawn)"
    else
      journal -b -u dynaseal-server | tail -30
      fail "the container booted but dynaseal-server does not answer"
    fi
  else
    [[ "$ready" == *'"ready"'*' 200' ]] || fail "readiness under systemd answered: $ready"
    ok "booted with systemd-nspawn: the enabled service starts; readiness: $ready"
    # The journal has the service's pid inside the container; /proc's NSpid maps it to ours.
    svc_pid=$(journal -b -u dynaseal-server -o json --output-fields=_PID | sed -n 's/.*"_PID":"\([0-9]*\)".*/\1/p' | tail -1)
    host_pid=
    for candidate in $(pgrep -x dynaseal-server); do
      [ "$(awk '/^NSpid:/ { print NF - 1 ":" $NF }' "/proc/$candidate/status" 2>/dev/null)" = "2:$svc_pid" ] &&
        host_pid=$candidate
    done
    [ -n "$host_pid" ] || fail "the service's process (pid $svc_pid in the container) is not found"
    status=$(grep -E '^(Uid|NoNewPrivs|Seccomp|CapEff|CapBnd):' "/proc/$host_pid/status" | tr -s '\t ' ' ')
    grep -q "^Uid: $(in_root id -u dynaseal) " <<<"$status" && grep -q '^NoNewPrivs: 1' <<<"$status" &&
      grep -q '^Seccomp: 2' <<<"$status" && grep -q '^CapEff: 0000000000000000' <<<"$status" ||
      fail "the service's process is not sandboxed as the unit says: $status"
    ok "the service runs as dynaseal, no new privileges, seccomp filter, no capabilities"
    password=$(journal -b -u dynaseal-server | sed -n "s/.*created operator 'admin' with password: \([^ ]*\).*/\1/p" | head -1)
    [ -n "$password" ] || { journal -b -u dynaseal-server | tail -20; fail "no generated password in the journal"; }
    login=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/admin/v1/login" -d "{\"username\":\"admin\",\"password\":\"$password\"}")
    [[ "$login" == *'"token"'*' 200' ]] || fail "login with the journal's password answered: $login"
    ok "without DYNASEAL_ADMIN_PASSWORD, the generated password is in the journal (journalctl -u dynaseal-server) and works"
    call=$(journal -b -u dynaseal-server -o cat | grep -m1 '^curl ') || fail "the demo printed no curl line to the journal"
    answer=$(eval "$call --max-time 30")
    [[ "$answer" == *'data: [DONE]'* ]] || fail "the demo's curl call under systemd answered: $answer"
    for _ in $(seq 100); do
      journal -b -u dynaseal-server -o cat | grep -q '^demo callback received: .*signature=valid' && break
      sleep 0.1
    done
    journal -b -u dynaseal-server -o cat | grep -q '^demo callback received: .*signature=valid' ||
      fail "no signed demo callback under systemd"
    ok "under the sandbox the demo streams its answer and delivers its signed callback"
  fi
  kill "$nspawn_pid"   # SIGTERM: the container shuts down, the service stops with it
  for _ in $(seq 150); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$nspawn_pid" 2>/dev/null; then kill "$nspawn_pid"; fi
  wait "$nspawn_pid" 2>/dev/null || true
  nspawn_pid=
fi

say "all $checks checks passed in $((SECONDS - started)) s"

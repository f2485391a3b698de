#!/usr/bin/env bash
# Installs the Debian 12 packages Dynaseal needs that are missing. Usage: deps.sh build|test
set -euo pipefail
build=(build-essential cmake ninja-build pkg-config curl
       qt6-base-dev libqt6sql6-sqlite libqt6sql6-psql
       libssl-dev libhttp-parser-dev rapidjson-dev libsqlite3-dev libpq-dev libjemalloc-dev
       qt6-charts-dev libqt6opengl6-dev qtkeychain-qt6-dev qt6-l10n-tools qt6-tools-dev qt6-tools-dev-tools   # the console
       libqt6svg6 fonts-dejavu-core fonts-wqy-microhei   # its SVG icons, and glyphs for its Chinese UI
       dpkg-dev)   # dpkg-shlibdeps: library dependencies of the .deb packages (cpack -G DEB)
test=(python3 python3-jwt nodejs postgresql   # postgresql: PostgresTest runs the server on it
      nginx-light wrk jq)                        # BenchSmoke: bench/run.sh with tiny loads
want=("${build[@]}")
[ "${1:-build}" = test ] && want+=("${test[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

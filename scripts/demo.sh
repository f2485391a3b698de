#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and starts the server in demo mode
# (embedded SQLite, built-in mock upstream, a printed curl line with a fresh dynamic key).
# Extra arguments go to dynaseal-server, e.g. --listen 127.0.0.1:9000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
bash scripts/build.sh
exec ./build/server/dynaseal-server --demo --data-dir "${DYNASEAL_DATA_DIR:-$PWD/build/demo-data}" "$@"

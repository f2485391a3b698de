#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
# PostgresTest runs the server on PostgreSQL: a local cluster unless a URL is given. On CI it must
# not be skipped, so a failed setup stops here.
if [ -z "${DYNASEAL_TEST_POSTGRES_URL:-}" ]; then
  if url=$(bash scripts/test-postgres.sh); then
    export DYNASEAL_TEST_POSTGRES_URL="$url"
  elif [ "${CI:-}" = true ]; then
    echo "cannot set up PostgreSQL for the tests" >&2
    exit 1
  else
    echo "warning: no PostgreSQL for the tests; PostgresTest will be skipped" >&2
  fi
fi
bash scripts/build.sh
cd build
ctest --output-on-failure --parallel 2 --timeout 600

#!/usr/bin/env bash
# Makes sure a local PostgreSQL cluster runs and holds the test role and database, then prints the
# URL the integration tests take from DYNASEAL_TEST_POSTGRES_URL. Safe to run again.
# Usage: export DYNASEAL_TEST_POSTGRES_URL="$(bash scripts/test-postgres.sh)"
set -euo pipefail
role=dynaseal_test
database=dynaseal_test
# A throwaway password for a cluster that listens on loopback only; the role may only create
# databases (each test makes its own and drops it).
password=dynaseal-test-only

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
# PostgreSQL's processes and superuser are the system user postgres (peer login on the socket);
# from / so it can enter its working directory.
as_postgres() {
  if [ -z "$sudo" ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && sudo -u postgres -- "$@"); fi
}
# "version name port" of a running cluster (whatever its port), else of the first one.
pick() {
  pg_lsclusters --no-header | awk '$4 ~ /^online/ { print $1, $2, $3; found = 1; exit }
                                   NR == 1 { first = $1 " " $2 " " $3 }
                                   END { if (!found && first != "") print first }'
}

cluster=$(pick)
if [ -z "$cluster" ]; then
  version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  echo "creating PostgreSQL cluster $version/main" >&2
  $sudo pg_createcluster "$version" main >&2
  cluster=$(pick)
fi
read -r version name port <<<"$cluster"
if ! pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1 == v && $2 == n && $4 ~ /^online/ { ok = 1 } END { exit !ok }'; then
  echo "starting PostgreSQL cluster $version/$name on port $port" >&2
  $sudo pg_ctlcluster "$version" "$name" start >&2
fi

as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres \
  -v role="$role" -v database="$database" -v password="$password" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" LOGIN CREATEDB PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') \gexec
SQL

# The tests log in over TCP with the password, as the server does: check that works here.
if ! (cd / && PGPASSWORD="$password" psql -X -q -h 127.0.0.1 -p "$port" -U "$role" -d "$database" -c 'SELECT 1' >/dev/null); then
  echo "cannot log in to PostgreSQL as $role on 127.0.0.1:$port with a password (see pg_hba.conf)" >&2
  exit 1
fi
echo "postgres://$role:$password@127.0.0.1:$port/$database"

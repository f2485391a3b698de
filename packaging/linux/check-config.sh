#!/usr/bin/env bash
# Checks that the packaged dynaseal.conf lists every setting of `dynaseal-server --help`, once,
# commented out with the default the server prints, and nothing else.
# Usage: check-config.sh DYNASEAL_SERVER_BIN dynaseal.conf
set -euo pipefail
server=$1 conf=$2

# "  --idle-timeout (DYNASEAL_IDLE_TIMEOUT, default 75)" -> "idle-timeout 75"; "(none)" -> ""
help=$("$server" --help | sed -n 's/^  --\([a-z0-9-]*\) (DYNASEAL_[A-Z0-9_]*, default \(.*\))$/\1 \2/p' |
  sed 's/ (none)$/ /' | sort)
# "#idle-timeout = 75" -> "idle-timeout 75", "#proxy-master-key =" -> "proxy-master-key "
listed=$(sed -n 's/^#\([a-z0-9-]*\) =[[:space:]]*\(.*\)$/\1 \2/p' "$conf" | sort)
active=$(grep -Ev '^[[:space:]]*([#;]|$)' "$conf" || true)

fail=0
if [ -z "$help" ]; then
  echo "no settings found in '$server --help'"; fail=1
fi
if [ -n "$active" ]; then
  echo "settings that are not commented out:"; echo "$active"; fail=1
fi
# The two derived defaults are printed as placeholders; the conffile names the service's paths.
norm() { sed -e 's|^data-dir .*|data-dir *|' -e 's|^database .*|database *|'; }
if ! difference=$(diff <(norm <<<"$help") <(norm <<<"$listed")); then
  echo "$conf differs from --help ('<' --help, '>' the file):"; echo "$difference"; fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "$conf lists all $(wc -l <<<"$help") settings with their defaults"

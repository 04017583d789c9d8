#!/usr/bin/env bash
# API fuzz run driven by the OpenAPI file: schemathesis (from PyPI) against a fresh
# `motcua demo` on loopback, signed in as the demo admin (the widest access).
#
#   tests/api-fuzz/run.sh [MAX_SECONDS]      (default 300; stops by itself)
#
# Checks: no 5xx on any input (not_a_server_error), and a refused request (4xx) changes
# nothing (hooks.py reads the audit log around each call). After the run the server must
# still answer, stop cleanly on SIGTERM, and its file must pass redb's integrity check and
# the audit-chain check. Left out: operations that would end the run's own session
# (logout, password changes and resets) and those that reach outside the machine or its
# devices (printer choice, LAN/USB device search, scanner registration, USB backup).
# Env: MOTCUA_BIN (default target/release/motcua), ST_VENV (where schemathesis is installed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
max=${1:-300}
bin=${MOTCUA_BIN:-$root/target/release/motcua}
venv=${ST_VENV:-$HOME/.cache/motcua-schemathesis}
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi
[ -x "$bin" ] || { echo "no motcua binary at $bin (cargo build --release)" >&2; exit 2; }

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
MOTCUA_LOG=warn "$bin" demo --data "$data" --listen "127.0.0.1:$port" >"$data/demo.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 200); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -fs "$base/healthz" >/dev/null || { cat "$data/demo.log"; echo "demo did not start" >&2; exit 1; }
token=$(curl -fs -X POST "$base/api/v1/session" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

report="$root/tests/api-fuzz/report"
rm -rf "$report"
set +e
MOTCUA_BASE="$base" MOTCUA_TOKEN="$token" PYTHONPATH="$here" SCHEMATHESIS_HOOKS=hooks \
  "$venv/bin/st" run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,rejected_requests_change_nothing \
  --phases examples,coverage,fuzzing \
  --max-time "$max" --max-examples 60 --seed 20261202 --workers 1 \
  --request-timeout 30 --suppress-health-check all --warnings off \
  --exclude-path /api/v1/session --exclude-path /api/v1/me/password \
  --exclude-path-regex '^/api/v1/users/\{username\}/reset-password$' \
  --exclude-path /api/v1/printer --exclude-path /api/v1/backups/usb \
  --exclude-path /api/v1/scanners/lan --exclude-path /api/v1/scanners/usb \
  --exclude-path /api/v1/devices/usb \
  --exclude-by 'method == "POST" and path == "/api/v1/scanners"' \
  --report junit --report-dir "$report" --no-color
st=$?
set -e
# The server is still up, then stops cleanly; its file and audit chain are sound.
curl -fs "$base/healthz" >/dev/null || { echo "the server stopped answering during the run" >&2; exit 1; }
kill -TERM "$pid"
wait "$pid"
code=$?
[ "$code" -eq 0 ] || { echo "motcua exited with $code on SIGTERM" >&2; exit 1; }
"$bin" audit verify --data "$data"
exit "$st"

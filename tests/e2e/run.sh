#!/usr/bin/env bash
# Real-browser end-to-end test of motcua (kiosk → printer → counter → TV board).
# Installs what it needs (Node deps, system Chromium), builds motcua if needed, runs
# the node:test suite. Screenshots and logs land in tests/e2e/artifacts/.
#
# Env: MOTCUA_BIN        binary to test (default: $CARGO_TARGET_DIR/debug/motcua, or target/debug/motcua)
#      CARGO_TARGET_DIR  where cargo builds (as the caller uses it)
#      CHROMIUM          browser (default /usr/bin/chromium)
# Usage: tests/e2e/run.sh            (from anywhere)
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$E2E_DIR/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
DEFAULT_BIN="$TARGET_DIR/debug/motcua"
export MOTCUA_BIN="${MOTCUA_BIN:-$DEFAULT_BIN}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# 1. Node dependencies (playwright-core only; it never downloads a browser).
command -v node >/dev/null || { echo "e2e: node is required (Node 20+)" >&2; exit 1; }
if [[ ! -d "$E2E_DIR/node_modules/playwright-core" ]]; then
  echo "e2e: npm ci"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund)
fi

# 2. The system Chromium (npx playwright install cannot download browsers here).
if [[ ! -x "$CHROMIUM" ]]; then
  if [[ "$CHROMIUM" != /usr/bin/chromium ]]; then
    echo "e2e: CHROMIUM=$CHROMIUM does not exist" >&2; exit 1
  fi
  echo "e2e: installing chromium with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
"$CHROMIUM" --version 2>/dev/null || true

# 3. The motcua binary: built when missing (or, at the default path, older than the sources).
needs_build=0
if [[ ! -x "$MOTCUA_BIN" ]]; then
  needs_build=1
elif [[ "$MOTCUA_BIN" == "$DEFAULT_BIN" ]] &&
     [[ -n "$(cd "$REPO" && find src assets Cargo.toml Cargo.lock -newer "$MOTCUA_BIN" -print -quit 2>/dev/null)" ]]; then
  needs_build=1
fi
if [[ $needs_build -eq 1 ]]; then
  echo "e2e: cargo build (target dir $TARGET_DIR)"
  (cd "$REPO" && cargo build)
fi
[[ -x "$MOTCUA_BIN" ]] || { echo "e2e: $MOTCUA_BIN still missing after cargo build" >&2; exit 1; }

# 4. Run. The file is named explicitly: Node 20's `node --test DIR` only picks up
#    *.test.mjs-style names, and would report zero tests for queue.e2e.mjs.
cd "$REPO"
exec node --test --test-timeout=180000 tests/e2e/queue.e2e.mjs

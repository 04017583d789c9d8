#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and stops by itself.
#
#   fuzz/run.sh [SECONDS_PER_TARGET]     (default 45: 9 targets ≈ 7 min, plus the build)
#
# Needs cargo-fuzz (installed here when missing). With a nightly toolchain the targets are
# built with AddressSanitizer; on stable only, without a sanitizer (`-s none`): Rust's own
# checks still catch panics, overflows in debug assertions and out-of-bounds access.
# Corpora grow in fuzz/corpus/<target> (not committed), starting from fuzz/seeds/<target>;
# a crash leaves its input in fuzz/artifacts/<target>/ and fails the run. Every finding
# becomes a regression test beside the parser it broke.
set -euo pipefail
cd "$(dirname "$0")"
per=${1:-45}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  tc=(+nightly); san=()
else
  tc=(); san=(--sanitizer none)
fi
cargo "${tc[@]}" fuzz build -O "${san[@]}"
# Run the built binaries directly: `cargo fuzz run` would rebuild whenever a source changed.
triple=$(rustc -vV | sed -n 's/^host: //p')
bindir="${CARGO_TARGET_DIR:-$PWD/target}/$triple/release"
failed=()
for t in $(cargo "${tc[@]}" fuzz list); do
  mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
  echo "== $t (${per}s)"
  log="corpus/$t.log"
  if ! "$bindir/$t" "corpus/$t" "seeds/$t" -artifact_prefix="artifacts/$t/" \
      -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$log" 2>&1; then
    failed+=("$t")
    grep -E '(==[0-9]+==|SUMMARY|panicked|Test unit written|Error)' "$log" | head -20 >&2 || true
  fi
  grep -E 'stat::(number_of_executed_units|new_units_added)' "$log" | tr -s ' ' | paste -sd' ' || true
done
if ((${#failed[@]})); then
  echo "fuzz: crashes in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: every target ran ${per}s without a crash"

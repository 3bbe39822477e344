#!/usr/bin/env bash
# Bounded fuzzing run of every target in fuzz/ (default 60 s each); fails on
# the first crash. Needs cargo-fuzz (installed when missing); the machine's
# stable toolchain is used with RUSTC_BOOTSTRAP=1 for the sanitizer flags.
# Usage: scripts/fuzz.sh [seconds-per-target]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
export RUSTC_BOOTSTRAP=1
for t in url handshake_response server_stream wire_reader; do
  echo "== fuzz $t for ${secs}s"
  mkdir -p "corpus/$t"
  log=$(mktemp)
  status=0
  cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|panicked|ERROR|SUMMARY" "$log" || true
  if [ "$status" -ne 0 ]; then tail -40 "$log"; rm -f "$log"; exit "$status"; fi
  rm -f "$log"
done

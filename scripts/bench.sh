#!/usr/bin/env bash
# The benchmark command: builds every contender and writes BENCHMARKS.md.
#
#   bash scripts/bench.sh            # full run: 5 runs of the target scenarios, 3 of the rest, ~22 min
#   bash scripts/bench.sh --quick    # smoke test: one run, fewer iterations (~3 min)
#
# 1. installs the Debian packages it needs when missing;
# 2. builds the release library and the project's echo server / fault proxy;
# 3. builds one driver per contender (benches/build.sh): ours, the original
#    (from ../shared/seed, compiled into a temporary directory), websocketpp,
#    Boost.Beast, and a raw client that measures the echo server's ceiling;
# 4. runs every scenario (benches/run.py) into bench-out/results.json;
# 5. renders BENCHMARKS.md (benches/report.py) and prints its tables.
# With --quick the figures go to bench-out/results-quick.json and
# bench-out/BENCHMARKS-quick.md, so a smoke test never replaces the report.
# Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUT="$ROOT/bench-out"
quick=()
report="$ROOT/BENCHMARKS.md"
results="$OUT/results.json"
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick); report="$OUT/BENCHMARKS-quick.md"; results="$OUT/results-quick.json" ;;
    *) echo "usage: scripts/bench.sh [--quick]" >&2; exit 2 ;;
  esac
done
start=$(date +%s)
stage() { echo; echo "== $* ($(( $(date +%s) - start )) s)"; }

stage "dependencies"
bash scripts/deps.sh libwebsockets-dev libwebsocketpp-dev libboost-dev libasio-dev libspdlog-dev libfmt-dev libssl-dev cmake g++

stage "cargo build --release (library, echo server, fault proxy)"
cargo build --release --lib -p mywsclient 2>&1
cargo build --release -p mywsclient-tools 2>&1
mkdir -p "$OUT/bin"
# Private copies: the shared target dir may be rebuilt while the benchmark runs.
cp -f target/release/mywsclient-echo-server target/release/mywsclient-fault-proxy "$OUT/bin/"

stage "drivers"
bash benches/build.sh

stage "run"
cmd="bash scripts/bench.sh${quick:+ ${quick[*]}}"
python3 benches/run.py "${quick[@]}" --bin "$OUT/bin" --out "$results" --command "$cmd"

stage "report"
python3 benches/report.py --results "$results" --out "$report"
# The tables, on the terminal too.
echo
sed -n '/^| |/,/^$/p; /^## Targets/,/^$/p; /^| target/,/^$/p' "$report"
stage "done: $report"

#!/usr/bin/env bash
# Builds one driver binary per contender from benches/driver/ into
# bench-out/bin/ (driver-ours, driver-original, driver-websocketpp,
# driver-beast, driver-raw): the harness, then the scenarios over a client
# with the contender's adapter (driver/<contender>.cpp), or for raw
# driver/raw.cpp. Needs the release library
# (target/release/libmywsclient.so) and the Debian packages listed in
# scripts/bench.sh. The original is compiled from ../shared/seed (relative to
# the repository root; MYWSCLIENT_SEED_DIR overrides) through a temporary
# copy made for plain ws:// (conn_info.ssl_connection = 0); nothing of it is
# written into the repository.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${BENCH_OUT:-$ROOT/bench-out}"
SEED="${MYWSCLIENT_SEED_DIR:-$ROOT/../shared/seed}"
CXX="${CXX:-g++}"
CXXFLAGS=(-O2 -DNDEBUG -std=c++17 -pthread -Wall -Wno-deprecated-declarations)
mkdir -p "$OUT/bin" "$OUT/lib"
DRIVER="$ROOT/benches/driver"
HARNESS=("$DRIVER/harness.cpp" "$DRIVER/main.cpp")
# The scenarios over a client (client.h), the same for every contender but raw.
SCENARIOS=("$DRIVER/scenarios.cpp" "$DRIVER/connect.cpp" "$DRIVER/collector.cpp" "$DRIVER/sockets.cpp"
           "$DRIVER/proxy.cpp" "$DRIVER/echo.cpp" "$DRIVER/lifecycle.cpp" "$DRIVER/faults.cpp" "$DRIVER/many.cpp")

# Rebuilds a driver only when one of its inputs is newer (BENCH_REBUILD=1 forces).
DEPS=()
build() {  # name, then compiler arguments (the contender's sources among them)
  local name="$1"; shift
  local bin="$OUT/bin/driver-$name" dep
  if [ -z "${BENCH_REBUILD:-}" ] && [ -x "$bin" ]; then
    local stale=0
    for dep in "$DRIVER"/* "$0" "${DEPS[@]}"; do
      [ "$dep" -nt "$bin" ] && stale=1
    done
    if [ "$stale" = 0 ]; then
      echo "  driver-$name (up to date)"
      return
    fi
  fi
  echo "  driver-$name"
  "$CXX" "${CXXFLAGS[@]}" "${HARNESS[@]}" "$@" -o "$bin"
}

# ours: the C++ wrapper over the C ABI, against a private copy of the shared
# library (the shared cargo target dir may be rebuilt while benchmarks run).
if [ -f "$ROOT/include/MyWSClient.h" ] && [ -f "$ROOT/include/mywsclient/mywsclient.h" ] \
   && [ -f "$ROOT/target/release/libmywsclient.so" ]; then
  cp -f "$ROOT/target/release/libmywsclient.so" "$OUT/lib/libmywsclient.so"
  soname="$(objdump -p "$OUT/lib/libmywsclient.so" 2>/dev/null | awk '$1 == "SONAME" {print $2}')"
  if [ -n "$soname" ] && [ "$soname" != libmywsclient.so ]; then
    ln -sf libmywsclient.so "$OUT/lib/$soname"
  fi
  extra=()
  # The shared I/O mode (many clients on a few threads), once the C API offers it.
  rm -f "$OUT/bin/ours-shared-io"
  if grep -q "setSharedIo(" "$ROOT/include/MyWSClient.h"; then
    extra+=(-DBENCH_HAVE_SHARED_IO)
    touch "$OUT/bin/ours-shared-io"  # tells benches/run.py to run the shared-I/O rows
  fi
  DEPS=("$ROOT/include/MyWSClient.h" "$ROOT/include/mywsclient/mywsclient.h" "$ROOT"/include/mywsclient/cxx/*.h)
  build ours -I"$ROOT/include" "${extra[@]}" "${SCENARIOS[@]}" "$DRIVER/ours.cpp" -L"$OUT/lib" -Wl,-rpath,"$OUT/lib" -lmywsclient
else
  echo "  driver-ours: SKIPPED (include/MyWSClient.h, include/mywsclient/mywsclient.h or target/release/libmywsclient.so missing)" >&2
fi

# the original, from a temporary plain-ws:// copy of the seed
if [ -f "$SEED/MyWSClient.cpp" ]; then
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  cp "$SEED/MyWSClient.h" "$SEED/MyWSClient.cpp" "$TMP/"
  chmod u+w "$TMP"/*
  python3 - "$TMP/MyWSClient.cpp" <<'EOF'
import re, sys
p = sys.argv[1]
s = open(p).read()
s2, n = re.subn(r"conn_info\.ssl_connection\s*=[^;]*;", "conn_info.ssl_connection = 0;", s)
if n != 1:
    sys.exit("the seed's conn_info.ssl_connection assignment was not found exactly once")
open(p, "w").write(s2)
EOF
  DEPS=("$SEED/MyWSClient.h" "$SEED/MyWSClient.cpp")
  build original -Wno-reorder -I"$TMP" "${SCENARIOS[@]}" "$DRIVER/original.cpp" "$TMP/MyWSClient.cpp" -lwebsockets -lfmt
else
  echo "  driver-original: SKIPPED (no seed at $SEED)" >&2
fi

DEPS=("$ROOT/benches/peers/websocketpp/MyWSClient.h" "$ROOT/benches/peers/endpoint.h")
build websocketpp -I"$ROOT/benches/peers/websocketpp" "${SCENARIOS[@]}" "$DRIVER/websocketpp.cpp"
DEPS=("$ROOT/benches/peers/beast/MyWSClient.h" "$ROOT/benches/peers/endpoint.h")
build beast -I"$ROOT/benches/peers/beast" "${SCENARIOS[@]}" "$DRIVER/beast.cpp" -lssl -lcrypto
DEPS=()
build raw "$DRIVER/raw.cpp"

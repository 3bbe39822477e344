#!/usr/bin/env bash
# Runs the C++ tests (tests/cpp, ctest label "cpp"), called by scripts/test.sh:
#   1. a build without sanitizers: the original-API program against the echo
#      server, a libwebsockets server and a self-signed wss:// server (with
#      and without MYWSCLIENT_TLS_INSECURE=1); the threaded wrapper tests; the
#      installed package used by a separate find_package() project (shared
#      and static); the demo under valgrind;
#   2. the same test programs under ThreadSanitizer;
#   3. and under AddressSanitizer + UndefinedBehaviorSanitizer.
# Build directories: build/cpp-plain, build/cpp-thread, build/cpp-asan (only the C++
# test targets are built there; cargo's target directory is shared).
# Usage: scripts/cpp-tests.sh [normal] [thread] [address]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage() { echo; echo "== cpp-tests: $* ($(( $(date +%s) - start )) s)"; }

bash scripts/deps.sh

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(normal thread address)

for v in "${variants[@]}"; do
  case "$v" in
    normal)  dir=build/cpp-plain;  sanitize="" ;;
    thread)  dir=build/cpp-thread; sanitize=thread ;;
    address) dir=build/cpp-asan;   sanitize=address ;;
    *) echo "unknown variant $v (normal, thread, address)"; exit 2 ;;
  esac
  stage "$v: configure and build ($dir)"
  mkdir -p "$dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYWSCLIENT_SANITIZE="$sanitize" >"$dir/configure.log" 2>&1 \
    || { cat "$dir/configure.log"; exit 1; }
  cmake --build "$dir" --target mywsclient_cpp_tests -j 2
  stage "$v: ctest"
  ctest --test-dir "$dir/tests/cpp" --output-on-failure -j 2
done
stage "all C++ tests passed"

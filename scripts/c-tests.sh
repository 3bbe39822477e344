#!/usr/bin/env bash
# Builds the library with CMake (which drives cargo) and runs the C tests
# (tests/c, ctest label "c"):
#   1. address: every C test under AddressSanitizer + UndefinedBehaviorSanitizer
#      with LeakSanitizer on (build/c-asan). The test programs are
#      instrumented; the Rust library's allocations go through the same
#      allocator, so its leaks show too. Includes the ABI export check and the
#      installed-package test.
#   2. thread: the threading tests (label "threads") under ThreadSanitizer
#      (build/c-thread), with tests/c/tsan.supp for the uninstrumented library.
#
#   bash scripts/c-tests.sh                    # both passes
#   bash scripts/c-tests.sh address            # one pass: address, thread or plain
#   MYWSCLIENT_CTEST_ARGS="-R c_echo" bash scripts/c-tests.sh address
#
# Installs cmake (Debian package) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage() { echo; echo "== c-tests: $* ($(( $(date +%s) - start )) s)"; }

if ! command -v cmake >/dev/null 2>&1; then
  stage "installing cmake"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends cmake >/dev/null
fi

passes=("$@")
[ ${#passes[@]} -gt 0 ] || passes=(address thread)
jobs="${MYWSCLIENT_JOBS:-2}"
# shellcheck disable=SC2206
extra=(${MYWSCLIENT_CTEST_ARGS:-})

for p in "${passes[@]}"; do
  case "$p" in
    address) dir=build/c-asan;   sanitize=address; select=(-L c) ;;
    thread)  dir=build/c-thread; sanitize=thread;  select=(-L threads) ;;
    plain)   dir=build/c-plain;  sanitize="";      select=(-L c) ;;
    *) echo "unknown pass $p (address, thread, plain)" >&2; exit 2 ;;
  esac
  stage "$p: configure and build ($dir)"
  mkdir -p "$dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DMYWSCLIENT_SANITIZE="$sanitize" >"$dir/configure.log" 2>&1 \
    || { cat "$dir/configure.log"; exit 1; }
  cmake --build "$dir" --target mywsclient_c_tests -j "$jobs"
  stage "$p: ctest"
  ctest --test-dir "$dir/tests/c" --output-on-failure -j "$jobs" "${select[@]}" "${extra[@]}"
done
stage "all C tests passed"

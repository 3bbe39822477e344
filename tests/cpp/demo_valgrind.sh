#!/usr/bin/env bash
# The demo, built against the installed package, under valgrind (ctest
# cpp_demo_valgrind): no errors, no definite leaks, and the demo itself must
# succeed (every message, including those queued during the outage, echoed).
# Usage: demo_valgrind.sh BUILD_DIR DEMO_SOURCE_DIR WORK_DIR ECHO_SERVER
set -euo pipefail
build=$1 demo=$2 work=$3 echo_server=$4

prefix=$(mktemp -d /tmp/mywsclient-prefix-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
cmake -S "$demo" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMYWSCLIENT_DEMO_ECHO_SERVER="$echo_server" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j 2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

status=0
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
         --track-origins=yes --log-file="$work/valgrind.log" "$work/build/cpp-demo" || status=$?
echo "--- valgrind summary"
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable" "$work/valgrind.log" || true
if [ "$status" -ne 0 ]; then
  cat "$work/valgrind.log"
  echo "FAIL: cpp-demo under valgrind exited with $status"
  exit 1
fi
echo "PASS cpp_demo_valgrind"

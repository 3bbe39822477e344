#!/usr/bin/env bash
# The installed package, as a user meets it (ctest cpp_package):
#   1. cmake --install the top-level build into a temporary prefix;
#   2. configure and build tests/cpp/consumer against it with
#      find_package(MyWSClient): once as is (MyWSClient::MyWSClient = shared),
#      once with -DMYWSCLIENT_STATIC=ON (MyWSClient::MyWSClient = static);
#      each also builds consumer_static (MyWSClient::MyWSClient_static);
#   3. check what each binary links, and run each against the echo server
#      (through original_api_harness, case "plain").
# Usage: package_test.sh BUILD_DIR CONSUMER_DIR ORIGINAL_API_SOURCE HARNESS WORK_DIR
set -euo pipefail
build=$1 consumer=$2 source=$3 harness=$4 work=$5

prefix=$(mktemp -d /tmp/mywsclient-prefix-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
rm -rf "$work"
mkdir -p "$work"

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in include/MyWSClient.h include/mywsclient/mywsclient.h; do
  [ -f "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
# Every header of mywsclient/cxx/ that the installed MyWSClient.h includes.
cxx=$(grep -o '^#include "mywsclient/cxx/[a-z_]*\.h"' "$prefix/include/MyWSClient.h" | cut -d'"' -f2)
[ -n "$cxx" ] || { echo "FAIL: the installed MyWSClient.h includes no mywsclient/cxx/ header"; exit 1; }
for f in $cxx; do
  [ -f "$prefix/include/$f" ] || { echo "FAIL: include/$f not installed"; exit 1; }
done
config=$(find "$prefix" -name MyWSClientConfig.cmake | sed -n 1p)
[ -n "$config" ] || { echo "FAIL: MyWSClientConfig.cmake not installed"; exit 1; }
echo "installed: $(cd "$prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"

links_mywsclient() { ldd "$1" | grep 'libmywsclient\.so' >/dev/null; }

for mode in shared static; do
  static=OFF
  [ "$mode" = static ] && static=ON
  out="$work/$mode"
  echo "== consumer project, MYWSCLIENT_STATIC=$static"
  cmake -S "$consumer" -B "$out" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
        -DMYWSCLIENT_STATIC=$static -DORIGINAL_API_CLIENT_SOURCE="$source" >"$out.configure.log" 2>&1 \
    || { cat "$out.configure.log"; exit 1; }
  cmake --build "$out" -j 2 >"$out.build.log" 2>&1 || { cat "$out.build.log"; exit 1; }

  if [ "$mode" = shared ]; then
    links_mywsclient "$out/consumer" || { echo "FAIL: consumer does not link libmywsclient.so"; ldd "$out/consumer"; exit 1; }
    ldd "$out/consumer" | grep 'libmywsclient' | grep "$prefix" >/dev/null \
      || { echo "FAIL: consumer does not use the installed library"; ldd "$out/consumer"; exit 1; }
  else
    ! links_mywsclient "$out/consumer" || { echo "FAIL: static consumer links libmywsclient.so"; exit 1; }
  fi
  ! links_mywsclient "$out/consumer_static" || { echo "FAIL: consumer_static links libmywsclient.so"; exit 1; }

  for bin in consumer consumer_static; do
    echo "== run $mode/$bin against the echo server"
    "$harness" plain "$out/$bin"
  done
done
echo "PASS cpp_package"

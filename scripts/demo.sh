#!/usr/bin/env bash
# Builds and runs the C++ demo, the way a user would:
#   1. installs cmake and a C++ compiler when missing (Debian packages);
#   2. builds the Rust library and the test servers with cargo;
#   3. builds the CMake package and installs it into build/prefix;
#   4. builds cpp-demo/ against the installed package (find_package);
#   5. runs it: without arguments, a timeline with the project's own echo
#      server (connect, echoes, server killed, sends queued, server back,
#      reconnect, queued messages delivered); with a URL, it echoes a few
#      messages there.
# Usage: scripts/demo.sh [ws://host:port/path | wss://...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v c++ >/dev/null || need+=(g++)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first"; exit 1; }

echo "== cargo build --release (library and echo server)"
cargo build --release --lib -p mywsclient -p mywsclient-tools

echo "== cmake: build and install the package into build/prefix"
cmake -S . -B build/package -DCMAKE_BUILD_TYPE=Release -DMYWSCLIENT_BUILD_TESTS=OFF >/dev/null
cmake --build build/package -j 2 >/dev/null
cmake --install build/package --prefix build/prefix >/dev/null

echo "== cmake: build cpp-demo against the installed package"
target_dir=${CARGO_TARGET_DIR:-$root/target}
cmake -S cpp-demo -B build/cpp-demo -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$root/build/prefix" \
      -DMYWSCLIENT_DEMO_ECHO_SERVER="$target_dir/release/mywsclient-echo-server" >/dev/null
cmake --build build/cpp-demo -j 2 >/dev/null

echo "== build/cpp-demo/cpp-demo $*"
echo
exec build/cpp-demo/cpp-demo "$@"

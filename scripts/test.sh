#!/usr/bin/env bash
# Runs every test of the project (the one command of the README and of CI):
#   1. Rust unit + integration tests (real servers on loopback), clippy,
#      the API docs (broken intra-doc links fail);
#   2. C and C++ tests under CMake/ctest with sanitizers (scripts/c-tests.sh,
#      scripts/cpp-tests.sh);
#   3. the Autobahn|Testsuite conformance gate (scripts/autobahn.sh);
#   4. the command-line client mywsc end to end (scripts/cli-tests.sh);
#   5. with CI=true, the packaging round trips (scripts/package-tests.sh).
# Installs what it needs first (Debian packages via apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage() { echo; echo "== $* ($(( $(date +%s) - start )) s)"; }

stage "dependencies"
bash scripts/deps.sh

# The hand-written C/C++ sources against .clang-format (not the generated
# C header).
stage "clang-format"
git ls-files -- 'tests/c/*.[ch]' 'tests/cpp/*.[ch]' 'tests/cpp/*.cpp' include/MyWSClient.h 'include/mywsclient/cxx/*.h' \
    'cpp-demo/*.cpp' 'benches/*.cpp' 'benches/*.h' 'tests/autobahn/*.c' \
    'cli/*.cpp' 'cli/*.h' 'tests/consumers/*.cpp' 'tests/consumers/*.c' |
  xargs clang-format --dry-run --Werror

# The same two invocations the CMake build makes, so nothing is built twice.
stage "cargo build (release: library, then test servers)"
cargo build --release --lib 2>&1
cargo build --release -p mywsclient-tools 2>&1

stage "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings 2>&1

# The API documentation, private items included (intra-doc links checked).
stage "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --document-private-items -p mywsclient 2>&1

stage "cargo test"
# Packet-loss tests need a network namespace: as root here they must run,
# not skip (elsewhere they skip with a printed reason unless this is 1).
if [ "$(id -u)" -eq 0 ]; then export MYWSCLIENT_REQUIRE_NETNS="${MYWSCLIENT_REQUIRE_NETNS:-1}"; fi
cargo test --workspace --all-targets 2>&1

for s in c-tests cpp-tests autobahn cli-tests; do
  if [ -f "scripts/$s.sh" ]; then
    stage "$s"
    bash "scripts/$s.sh"
  fi
done

# The packaging round trips (Conan, .deb, FetchContent) in CI only: they
# install a .deb into /usr and take minutes. --reuse-cargo: on the library
# built above instead of a fresh cargo build per consumer (see the README).
if [ "${CI:-}" = "true" ] && [ -f scripts/package-tests.sh ]; then
  stage "package-tests"
  bash scripts/package-tests.sh --reuse-cargo
fi

stage "all tests passed"

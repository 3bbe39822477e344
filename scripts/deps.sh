#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, when missing.
# Usage: scripts/deps.sh [extra packages...]
set -euo pipefail
need=()
# Proxies for tests/proxy.rs (issue 10): tinyproxy (HTTP CONNECT with Basic
# auth; the -bin package has no service that starts itself), microsocks (SOCKS5).
set -- "$@" tinyproxy-bin microsocks
# Packet-loss tests (tests/netloss.rs) and the soak (scripts/soak.sh):
# iptables and ip inside a private network namespace.
set -- "$@" iptables iproute2
for p in cmake g++ pkg-config valgrind libwebsockets-dev clang-format "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

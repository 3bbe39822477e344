#!/usr/bin/env bash
# Round trips of the ways a user gets mywsclient (README "Install"), each
# ending with a consumer program echoing through the project's echo server:
#
#   fetchcontent  tests/consumers/fetchcontent (FetchContent_Declare with
#                 SOURCE_DIR) and tests/consumers/subdirectory
#                 (add_subdirectory): built, run (shared and static), and
#                 checked to treat mywsclient as a subproject: cargo's target
#                 directory in the consumer's build tree, the consumer's build
#                 type untouched, no tests, CLI or CPack of ours, and nothing
#                 of ours in the consumer's `cmake --install`
#   deb           `cmake --build <dir> --target package` (CPack): the .deb and
#                 .tar.gz contents; dpkg -i; a consumer with plain
#                 find_package(MyWSClient) and one with pkg-config (no prefix
#                 hints), run; mywsc from /usr/bin; dpkg -r and --purge, and
#                 every file the package had is gone
#   conan         Conan 2 (pip, in a venv under build/) with a fresh
#                 CONAN_HOME: `conan create .` shared and static, each with
#                 test_package echoing through the echo server
#
#   bash scripts/package-tests.sh                     # all three
#   bash scripts/package-tests.sh fetchcontent deb    # some
#   bash scripts/package-tests.sh --reuse-cargo       # what CI runs (below)
#
# By default each consumer builds the library from scratch (a fresh cargo
# target directory: FetchContent's in its build tree, Conan's shared by the
# shared and static packages), as a user's first build does: ~7 min per
# fresh cargo build on 2 busy cores. --reuse-cargo points them at the
# repository's cargo target directory (target/, built first) instead, so only
# the CMake, Conan and packaging work is repeated; where the FetchContent
# consumer's own cargo directory would be is then checked by a configure.
#
# The deb stage installs into /usr as root (dpkg) and removes the package
# again, also when it fails. Work files: build/package-tests/.
set -euo pipefail
# (A grep that ends a pipeline reads all its input, never -q: with pipefail,
# the writer would die of SIGPIPE and fail the check.)
cd "$(dirname "$0")/.."
root=$PWD
source scripts/test-lib.sh

reuse_cargo=""
stages=()
for a in "$@"; do
  case "$a" in --reuse-cargo) reuse_cargo=1 ;; *) stages+=("$a") ;; esac
done
[ ${#stages[@]} -gt 0 ] || stages=(fetchcontent deb conan)
for s in "${stages[@]}"; do
  case "$s" in fetchcontent | deb | conan) ;; *) echo "unknown stage $s (fetchcontent, deb, conan)" >&2; exit 2 ;; esac
done

work=$root/build/package-tests
mkdir -p "$work"
jobs=${MYWSCLIENT_JOBS:-2}
deb_installed=""
conan_home=""
cleanup() {
  echo_server_stop
  if [ -n "$deb_installed" ]; then
    echo "== removing the package mywsclient (cleanup)"
    dpkg --purge mywsclient >/dev/null 2>&1 || true
  fi
  [ -z "$conan_home" ] || rm -rf "$conan_home"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
declare -A took
timed() { # timed NAME: records the seconds since the last call
  local now
  now=$(date +%s)
  took[$1]=$((now - ${_timed_last:-$_testlib_start}))
  _timed_last=$now
}

log_step "dependencies"
bash scripts/deps.sh dpkg-dev python3-venv
# The echo server (tools crate), in the repository's own cargo target directory.
root_target=${CARGO_TARGET_DIR:-$root/target}
cargo build --release -p mywsclient-tools 2>&1 | tail -1
[ -z "$reuse_cargo" ] || cargo build --release --lib 2>&1 | tail -1
server="$root_target/release/mywsclient-echo-server"
echo_server_start "$server"
url="ws://127.0.0.1:$ECHO_PORT/"
echo "echo server on $url"
timed setup

# ------------------------------------------------------------------ FetchContent / add_subdirectory
stage_fetchcontent() {
  local b=$work/fetchcontent s=$work/subdirectory prefix
  local own_cargo_dir=$b/_deps/mywsclient-build/cargo-target cargo_dir reuse=()
  rm -rf "$b" "$s"
  if [ -n "$reuse_cargo" ]; then
    log_step "fetchcontent: where cargo would build (configure only)"
    cmake -S tests/consumers/fetchcontent -B "$b" -DMYWSCLIENT_SOURCE_DIR="$root" >"$work/fetchcontent.configure.log" 2>&1 ||
      { cat "$work/fetchcontent.configure.log"; fail "fetchcontent: configure"; }
    grep -qxF "MYWSCLIENT_CARGO_TARGET_DIR:PATH=$own_cargo_dir" "$b/CMakeCache.txt" ||
      fail "fetchcontent: cargo's target directory is not $own_cargo_dir: $(grep MYWSCLIENT_CARGO_TARGET_DIR "$b/CMakeCache.txt")"
    rm -rf "$b"
    cargo_dir=$root_target
    reuse=(-DMYWSCLIENT_CARGO_TARGET_DIR="$cargo_dir")
  else
    cargo_dir=$own_cargo_dir
  fi
  log_step "fetchcontent: configure and build tests/consumers/fetchcontent"
  cmake -S tests/consumers/fetchcontent -B "$b" -DMYWSCLIENT_SOURCE_DIR="$root" "${reuse[@]}" \
    >"$work/fetchcontent.configure.log" 2>&1 || { cat "$work/fetchcontent.configure.log"; fail "fetchcontent: configure"; }
  cmake --build "$b" -j "$jobs" >"$work/fetchcontent.build.log" 2>&1 ||
    { tail -50 "$work/fetchcontent.build.log"; fail "fetchcontent: build"; }
  "$b/echo_consumer" "$url" 20 || fail "fetchcontent: echo_consumer"
  "$b/version_c" || fail "fetchcontent: version_c"
  ldd "$b/echo_consumer" | grep "$b/_deps/mywsclient-build/mywsclient-lib/libmywsclient.so" >/dev/null ||
    fail "fetchcontent: echo_consumer does not use the library of its own build tree: $(ldd "$b/echo_consumer")"

  log_step "fetchcontent: mywsclient behaved as a subproject"
  [ -f "$cargo_dir/release/libmywsclient.so" ] || fail "fetchcontent: cargo's target directory is not $cargo_dir"
  grep -q '^CMAKE_BUILD_TYPE:STRING=$' "$b/CMakeCache.txt" || fail "fetchcontent: the consumer's CMAKE_BUILD_TYPE was set"
  grep -q '^MYWSCLIENT_BUILD_TESTS:BOOL=OFF' "$b/CMakeCache.txt" || fail "fetchcontent: our tests are on"
  grep -q '^MYWSCLIENT_BUILD_CLI:BOOL=OFF' "$b/CMakeCache.txt" || fail "fetchcontent: our CLI is on"
  [ ! -e "$b/CPackConfig.cmake" ] || fail "fetchcontent: our CPack configuration leaked into the consumer"
  prefix=$(mktemp -d /tmp/mywsclient-fc-prefix-XXXXXX)
  cmake --install "$b" --prefix "$prefix" >/dev/null
  local installed
  installed=$(cd "$prefix" && find . -type f -o -type l | sort | tr '\n' ' ')
  rm -rf "$prefix"
  [ "$installed" = "./bin/echo_consumer ./bin/version_c " ] ||
    fail "fetchcontent: the consumer's install carries more than its own files: $installed"
  echo "subproject checks: ok (cargo target $cargo_dir; install: $installed)"

  log_step "subdirectory: configure and build tests/consumers/subdirectory (install rules asked for)"
  # Reuses the first consumer's cargo build (MYWSCLIENT_CARGO_TARGET_DIR), and
  # asks for our install rules (MYWSCLIENT_INSTALL=ON) to check that it works.
  cmake -S tests/consumers/subdirectory -B "$s" -DMYWSCLIENT_SOURCE_DIR="$root" -DCMAKE_BUILD_TYPE=Release \
    -DMYWSCLIENT_CARGO_TARGET_DIR="$cargo_dir" -DMYWSCLIENT_INSTALL=ON >"$work/subdirectory.configure.log" 2>&1 ||
    { cat "$work/subdirectory.configure.log"; fail "subdirectory: configure"; }
  cmake --build "$s" -j "$jobs" >"$work/subdirectory.build.log" 2>&1 ||
    { tail -50 "$work/subdirectory.build.log"; fail "subdirectory: build"; }
  "$s/echo_consumer" "$url" 20 || fail "subdirectory: echo_consumer"
  "$s/echo_consumer_static" "$url" 20 || fail "subdirectory: echo_consumer_static"
  ! ldd "$s/echo_consumer_static" | grep libmywsclient >/dev/null || fail "subdirectory: echo_consumer_static links libmywsclient.so"
  prefix=$(mktemp -d /tmp/mywsclient-sd-prefix-XXXXXX)
  cmake --install "$s" --prefix "$prefix" >/dev/null
  [ -f "$prefix/include/MyWSClient.h" ] && [ -f "$prefix/include/mywsclient/cxx/types.h" ] &&
    [ -f "$prefix/bin/echo_consumer" ] ||
    { rm -rf "$prefix"; fail "subdirectory: MYWSCLIENT_INSTALL=ON did not install the package"; }
  rm -rf "$prefix"
  timed fetchcontent
}

# ------------------------------------------------------------------ .deb
stage_deb() {
  local b=$work/deb
  log_step "deb: cmake --build --target package"
  if dpkg-query -W -f='${Status}' mywsclient 2>/dev/null | grep "install ok installed" >/dev/null; then
    echo "the package mywsclient is installed already (an earlier run?): purging it first"
    dpkg --purge mywsclient
  fi
  for f in /usr/lib/*/libmywsclient* /usr/lib/libmywsclient* /usr/include/MyWSClient.h /usr/bin/mywsc; do
    [ ! -e "$f" ] || fail "deb: $f exists outside the package: refusing to install over it"
  done
  rm -rf "$b"
  cmake -S . -B "$b" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DMYWSCLIENT_BUILD_TESTS=OFF \
    >"$work/deb.configure.log" 2>&1 || { cat "$work/deb.configure.log"; fail "deb: configure"; }
  cmake --build "$b" --target package -j "$jobs" >"$work/deb.build.log" 2>&1 ||
    { tail -50 "$work/deb.build.log"; fail "deb: cmake --build --target package"; }
  local deb tgz
  deb=$(ls "$b"/mywsclient_*.deb)
  tgz=$(ls "$b"/mywsclient-*.tar.gz)
  echo "built $(basename "$deb") and $(basename "$tgz")"

  log_step "deb: contents"
  dpkg-deb -f "$deb"
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst | grep ldconfig >/dev/null || fail "deb: postinst does not run ldconfig"
  # Paths (and link targets): the fields after permissions, owner, size, date, time.
  dpkg-deb -c "$deb" | awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' >"$work/deb.contents"
  cat "$work/deb.contents"
  local multiarch soversion
  multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
  soversion=$(sed -n 's/^version *= *"\([0-9]*\)\.\([0-9]*\)\..*/\1.\2/p' Cargo.toml | sed -n 1p)
  local version
  version=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | sed -n 1p)
  for want in \
    "./usr/lib/$multiarch/libmywsclient.so.$version" \
    "./usr/lib/$multiarch/libmywsclient.so.$soversion -> libmywsclient.so.$version" \
    "./usr/lib/$multiarch/libmywsclient.so -> libmywsclient.so.$soversion" \
    "./usr/lib/$multiarch/libmywsclient.a" \
    "./usr/include/MyWSClient.h" \
    "./usr/include/mywsclient/mywsclient.h" \
    "./usr/lib/$multiarch/cmake/MyWSClient/MyWSClientConfig.cmake" \
    "./usr/lib/$multiarch/cmake/MyWSClient/MyWSClientConfigVersion.cmake" \
    "./usr/lib/$multiarch/pkgconfig/mywsclient.pc" \
    "./usr/bin/mywsc" \
    "./usr/share/man/man1/mywsc.1.gz" \
    "./usr/share/doc/mywsclient/copyright"; do
    grep -qxF -- "$want" "$work/deb.contents" || fail "deb: missing $want"
  done
  # The definitions MyWSClient.h includes: every include/mywsclient/cxx/*.h.
  for want in include/mywsclient/cxx/*.h; do
    grep -qxF -- "./usr/$want" "$work/deb.contents" || fail "deb: missing ./usr/$want"
  done
  dpkg-deb -f "$deb" Depends | grep libc6 >/dev/null || fail "deb: no Depends from dpkg-shlibdeps"
  dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep shlibs >/dev/null || fail "deb: no shlibs file"
  local real
  real=$(objdump -p "$b/mywsclient-lib/libmywsclient.so.$version" | awk '/SONAME/ {print $2}')
  [ "$real" = "libmywsclient.so.$soversion" ] || fail "deb: the library's SONAME is $real"
  # The .tar.gz holds the same files (under its own top directory, no /usr).
  tar -tzf "$tgz" | sed 's|^[^/]*/||' | grep -v '/$' | grep -v '^$' | sort >"$work/tgz.contents"
  grep -v '/$' "$work/deb.contents" | awk '{print $1}' | sed 's|^\./usr/||' | grep -v '^$' | sort >"$work/deb.files"
  diff -u "$work/deb.files" "$work/tgz.contents" || fail "deb: the .tar.gz and the .deb hold different files"

  log_step "deb: dpkg -i"
  dpkg -i "$deb"
  deb_installed=1
  dpkg -L mywsclient | sort >"$work/deb.installed"
  ldconfig -p | grep "libmywsclient.so.$soversion " >/dev/null || fail "deb: ldconfig does not know libmywsclient.so.$soversion"

  log_step "deb: consumer with find_package(MyWSClient), no hints"
  local c=$work/deb-consumer
  rm -rf "$c"
  (unset CMAKE_PREFIX_PATH PKG_CONFIG_PATH
    cmake -S tests/consumers/installed -B "$c" -DCMAKE_BUILD_TYPE=Release >"$work/deb-consumer.configure.log" 2>&1) ||
    { cat "$work/deb-consumer.configure.log"; fail "deb: find_package(MyWSClient) consumer: configure"; }
  grep "MyWSClient $version from /usr/lib/$multiarch/cmake/MyWSClient" "$work/deb-consumer.configure.log" ||
    fail "deb: find_package did not find the installed package"
  cmake --build "$c" -j "$jobs" >"$work/deb-consumer.build.log" 2>&1 ||
    { tail -50 "$work/deb-consumer.build.log"; fail "deb: find_package(MyWSClient) consumer: build"; }
  # (/lib is /usr/lib on a merged-/usr system)
  ldd "$c/echo_consumer" | grep -E "libmywsclient.so.$soversion => (/usr)?/lib/$multiarch/libmywsclient.so.$soversion" >/dev/null ||
    fail "deb: echo_consumer does not load the installed library: $(ldd "$c/echo_consumer")"
  "$c/echo_consumer" "$url" 20 || fail "deb: echo_consumer (find_package)"
  "$c/echo_consumer_static" "$url" 20 || fail "deb: echo_consumer_static (find_package)"
  "$c/version_c" || fail "deb: version_c (find_package)"

  log_step "deb: consumer with pkg-config, no hints"
  local flags
  flags=$(env -u PKG_CONFIG_PATH pkg-config --cflags --libs mywsclient) || fail "deb: pkg-config does not find mywsclient"
  echo "pkg-config --cflags --libs mywsclient: $flags"
  # shellcheck disable=SC2086
  c++ -std=c++17 -O2 -o "$c/echo_consumer_pc" tests/consumers/echo_consumer.cpp $flags -pthread ||
    fail "deb: pkg-config C++ build"
  # shellcheck disable=SC2086
  cc -O2 -o "$c/version_c_pc" tests/consumers/version_c.c $flags || fail "deb: pkg-config C build"
  "$c/echo_consumer_pc" "$url" 20 || fail "deb: echo_consumer (pkg-config)"
  "$c/version_c_pc" || fail "deb: version_c (pkg-config)"

  log_step "deb: mywsc from /usr/bin"
  local out
  out=$(printf 'from the package\n' | timeout 60 /usr/bin/mywsc --quiet --count 1 "$url") || fail "deb: mywsc failed"
  [ "$out" = "from the package" ] || fail "deb: mywsc printed '$out'"
  /usr/bin/mywsc --version

  log_step "deb: dpkg -r, dpkg --purge: nothing left"
  dpkg -r mywsclient
  dpkg --purge mywsclient
  deb_installed=""
  ! dpkg-query -W -f='${Status}' mywsclient 2>/dev/null | grep "installed" >/dev/null || fail "deb: still installed"
  local left=0 path
  while read -r path; do
    if [ -L "$path" ] || { [ -e "$path" ] && [ ! -d "$path" ]; }; then
      echo "left behind: $path"
      left=1
    elif [ -d "$path" ] && [ -z "$(ls -A "$path")" ] && [ -z "$(dpkg -S "$path" 2>/dev/null)" ]; then
      # An empty directory no other package owns should have gone too;
      # shared ones (/usr, /usr/lib, ...) stay.
      echo "left behind: $path/"
      left=1
    fi
  done <"$work/deb.installed"
  for d in "/usr/lib/$multiarch/cmake/MyWSClient" /usr/include/mywsclient /usr/share/doc/mywsclient; do
    [ ! -e "$d" ] || { echo "left behind: $d"; left=1; }
  done
  [ "$left" -eq 0 ] || fail "deb: files left after dpkg --purge"
  ! ldconfig -p | grep libmywsclient >/dev/null || fail "deb: ldconfig still lists libmywsclient"
  echo "removed: all $(wc -l <"$work/deb.installed") paths of the package are gone (or shared directories)"
  timed deb
}

# ------------------------------------------------------------------ Conan
stage_conan() {
  local venv=$root/build/conan/venv
  log_step "conan: Conan 2 from pip ($venv)"
  if [ ! -x "$venv/bin/conan" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'conan>=2.0,<3'
  fi
  "$venv/bin/conan" --version
  conan_home=$(mktemp -d /tmp/mywsclient-conan-home-XXXXXX)
  export CONAN_HOME=$conan_home
  "$venv/bin/conan" profile detect --force >/dev/null 2>&1
  # The recipe has no dependencies: no remote is needed (nor reachable).
  "$venv/bin/conan" remote remove conancenter >/dev/null 2>&1 || true
  # Both variants share one cargo target directory (the first builds it from
  # scratch, the second reuses it; --reuse-cargo: the repository's);
  # no CMakeUserPresets.json in the tree.
  local cargo_dir=$work/conan-cargo-target
  if [ -n "$reuse_cargo" ]; then
    cargo_dir=$root_target
  else
    rm -rf "$cargo_dir"
  fi
  local conf=(-c "user.mywsclient:cargo_target_dir=$cargo_dir" -c "tools.cmake.cmaketoolchain:user_presets=")
  for shared in True False; do
    log_step "conan: conan create . -o mywsclient/*:shared=$shared (test_package echoes through $url)"
    MYWSCLIENT_TEST_URL=$url "$venv/bin/conan" create . -o "mywsclient/*:shared=$shared" "${conf[@]}" \
      >"$work/conan-$shared.log" 2>&1 || { tail -80 "$work/conan-$shared.log"; fail "conan create (shared=$shared)"; }
    grep -E "OK 20 echoes" "$work/conan-$shared.log" | sed -n 1,2p
    [ "$(grep -c "OK 20 echoes" "$work/conan-$shared.log")" -ge 2 ] ||
      { tail -40 "$work/conan-$shared.log"; fail "conan (shared=$shared): the test_package echoes did not run"; }
  done
  "$venv/bin/conan" list 'mywsclient/*:*' | sed -n 1,30p
  rm -rf "$conan_home"
  [ -n "$reuse_cargo" ] || rm -rf "$cargo_dir"
  conan_home=""
  timed conan
}

for s in "${stages[@]}"; do
  "stage_$s"
done
echo_server_stop

log_step "package tests passed"
for s in setup "${stages[@]}"; do
  echo "  $s: ${took[$s]} s"
done

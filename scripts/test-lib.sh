# Shell helpers shared by the test scripts (source it; bash only):
#   echo_server_start BIN [ADDR]   start mywsclient-echo-server on ADDR
#                                  (default 127.0.0.1:0); sets ECHO_PORT, ECHO_PID
#   echo_server_stop               stop it (closes its stdin, then SIGTERM)
#   wait_for_file_line FILE REGEX SECONDS
#                                  wait until a line of FILE matches (bounded)
#   log_step TEXT                  "== TEXT (N s)" with the seconds since sourcing
#   run_clean CMD...               exec CMD with every fd above 2 closed (use it
#                                  in a background subshell: `(run_clean cmd) &`),
#                                  so that it holds no pipe or fifo end of ours
#                                  and EOF reaches whoever waits for it
# The echo server exits when its standard input closes, so a test that dies
# never leaks it; every wait here is bounded.

_testlib_start=$(date +%s)
ECHO_PORT=""
ECHO_PID=""
_echo_fd=""
_echo_dir=""

log_step() {
  echo
  echo "== $* ($(($(date +%s) - _testlib_start)) s)"
}

# wait_for_file_line FILE REGEX SECONDS: 0 when a line of FILE matches the
# extended REGEX within SECONDS, 1 otherwise.
wait_for_file_line() {
  local file=$1 re=$2 secs=$3 i
  for ((i = 0; i < secs * 20; i++)); do
    [ -f "$file" ] && grep -Eq -- "$re" "$file" && return 0
    sleep 0.05
  done
  return 1
}

run_clean() {
  local fd
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  exec "$@"
}

echo_server_start() {
  local bin=$1 addr=${2:-127.0.0.1:0}
  [ -x "$bin" ] || { echo "echo server not found: $bin" >&2; return 1; }
  [ -z "$ECHO_PID" ] || echo_server_stop
  [ -n "$_echo_dir" ] || _echo_dir=$(mktemp -d /tmp/mywsclient-echo-XXXXXX)
  rm -f "$_echo_dir/stdin" "$_echo_dir/out"
  mkfifo "$_echo_dir/stdin"
  (run_clean "$bin" --addr "$addr") <"$_echo_dir/stdin" >"$_echo_dir/out" 2>&1 &
  ECHO_PID=$!
  exec {_echo_fd}>"$_echo_dir/stdin" # held open: the server runs until we close it
  if ! wait_for_file_line "$_echo_dir/out" '^LISTENING [0-9]+$' 30; then
    echo "the echo server did not start:" >&2
    cat "$_echo_dir/out" >&2
    echo_server_stop
    return 1
  fi
  ECHO_PORT=$(sed -n 's/^LISTENING \([0-9][0-9]*\)$/\1/p' "$_echo_dir/out" | sed -n 1p)
}

echo_server_stop() {
  if [ -n "$_echo_fd" ]; then
    exec {_echo_fd}>&-
    _echo_fd=""
  fi
  if [ -n "$ECHO_PID" ]; then
    kill -TERM "$ECHO_PID" 2>/dev/null || true
    wait "$ECHO_PID" 2>/dev/null || true
    ECHO_PID=""
  fi
  if [ -n "$_echo_dir" ]; then
    rm -rf "$_echo_dir"
    _echo_dir=""
  fi
}

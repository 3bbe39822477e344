#!/usr/bin/env bash
# End-to-end tests of the command-line client mywsc (ctest cli_mywsc):
#   usage    --help lists every flag and the man page documents each one;
#            --version; bad flags, values and a missing URL exit 2
#   echo     lines in, echoes out (text; binary as hex and to --binary-file);
#            end of input: the queue drains, late replies arrive (--linger),
#            exit 0; --json events are JSON lines; a refused line exits 1
#   once     --once against a closed port: an error event, exit 1
#   restart  the echo server killed and restarted on the same port: mywsc
#            reports close and reconnect, and the lines read during the outage
#            arrive, in order, after it reconnects
#   signal   SIGTERM while connected: exit 143
# Usage: mywsc_test.sh MYWSC ECHO_SERVER MAN_PAGE
# Every process started here is stopped here; every wait is bounded.
set -euo pipefail
mywsc=$1 server=$2 man=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/test-lib.sh
source "$here/../../scripts/test-lib.sh"

work=$(mktemp -d /tmp/mywsc-test-XXXXXX)
client_pid=""
client_fd=""
cleanup() {
  if [ -n "$client_fd" ]; then exec {client_fd}>&-; fi
  if [ -n "$client_pid" ]; then
    kill -KILL "$client_pid" 2>/dev/null || true
    wait "$client_pid" 2>/dev/null || true
  fi
  echo_server_stop
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  for f in "$work"/*.out "$work"/*.err; do
    [ -f "$f" ] && { echo "--- $f"; tail -30 "$f"; }
  done
  exit 1
}
# run NAME [mywsc args...] < input: runs mywsc (bounded), output in $work/NAME.{out,err}; sets rc
# (so never on the right of a pipe: feed it with < <(...)).
run() {
  local name=$1
  shift
  rc=0
  timeout -k 5 60 "$mywsc" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "$2: exit status $rc, expected $1"; }

# ------------------------------------------------------------------ usage
log_step "usage"
run help --help
expect_rc 0 "--help"
flags=$(grep -oE -- '--[a-z][a-z-]+' "$work/help.out" | sort -u)
[ "$(echo "$flags" | wc -l)" -ge 25 ] || fail "--help lists too few flags: $flags"
for f in $flags; do
  grep -qF -- "$(echo "$f" | sed 's/-/\\-/g')" "$man" || fail "the man page does not document $f"
done
run version --version
expect_rc 0 "--version"
grep -Eq '^mywsc [0-9]+\.[0-9]+\.[0-9]+ \(mywsclient ' "$work/version.out" || fail "--version: $(cat "$work/version.out")"
run nourl </dev/null
expect_rc 2 "no URL"
run badflag --no-such-flag ws://127.0.0.1:9/
expect_rc 2 "unknown flag"
run badvalue --heartbeat 3x ws://127.0.0.1:9/
expect_rc 2 "bad duration"
grep -q "bad duration" "$work/badvalue.err" || fail "bad duration not explained"
run badcert --cert only.pem ws://127.0.0.1:9/
expect_rc 2 "--cert without --key"
echo "usage: ok"

# ------------------------------------------------------------------ echo
log_step "echo"
echo_server_start "$server"
url="ws://127.0.0.1:$ECHO_PORT/"

run count --count 2 "$url" < <(printf 'hello\nwörld\n')
expect_rc 0 "--count 2"
[ "$(cat "$work/count.out")" = "$(printf 'hello\nwörld')" ] || fail "--count: got $(cat "$work/count.out")"
grep -q "^mywsc: open $url" "$work/count.err" || fail "no open event"

# End of input: everything is written, replies arrive, exit 0. --linger is
# generous so that the replies' timing never decides the result.
seq 1 200 | sed 's/^/line /' >"$work/lines.txt"
run eof --linger 5s "$url" <"$work/lines.txt"
expect_rc 0 "end of input"
cmp -s "$work/lines.txt" "$work/eof.out" || fail "end of input: echoes differ from the input"
grep -q "^mywsc: eof" "$work/eof.err" || fail "no eof event"
grep -q "^mywsc: exit 0: 200 sent, 200 received" "$work/eof.err" || fail "exit event: $(tail -1 "$work/eof.err")"

run hex --send-binary --count 1 "$url" < <(printf 'AB\n')
expect_rc 0 "--send-binary"
[ "$(cat "$work/hex.out")" = "4142" ] || fail "binary as hex: got $(cat "$work/hex.out")"
run binfile --send-binary --count 2 --binary-file "$work/bin.data" "$url" < <(printf 'AB\nCD\n')
expect_rc 0 "--binary-file"
[ "$(cat "$work/bin.data")" = "ABCD" ] || fail "--binary-file: got $(cat "$work/bin.data")"
[ ! -s "$work/binfile.out" ] || fail "--binary-file: stdout not empty"

run json --json --count 2 --heartbeat 2s,2s --backoff 50ms,1s,2,0.5 --queue-limit 1M,100 \
  --max-message-size 1M --header 'X-Test: 1' --subprotocol ws --connect-timeout 5s --log-level warn "$url" < <(printf 'a\nb\n')
expect_rc 0 "--json"
python3 - "$work/json.err" <<'EOF' || fail "--json: stderr is not JSON lines with open and exit events"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
names = [e["event"] for e in events]
opens = [e for e in events if e["event"] == "open"]
assert len(opens) == 1 and opens[0]["subprotocol"] == "" and opens[0]["url"].startswith("ws://"), opens
assert "close" in names, names  # (no "eof" when --count ends it first)
assert names[-1] == "exit" and events[-1]["status"] == 0 and events[-1]["received"] == 2, events[-1]
assert all(isinstance(e["t"], float) for e in events)
EOF

run refused --max-message-size 50 --linger 5s "$url" < <(printf 'short\n%s\nlast\n' "$(head -c 100 /dev/zero | tr '\0' x)")
expect_rc 1 "a line over --max-message-size"
grep -q "line 2 not sent" "$work/refused.err" || fail "the refused line is not reported"
[ "$(cat "$work/refused.out")" = "$(printf 'short\nlast')" ] || fail "refused: the other lines: $(cat "$work/refused.out")"
echo "echo: ok"

# ------------------------------------------------------------------ once
log_step "once"
dead=$ECHO_PORT
echo_server_stop # nothing listens on $dead now
run once --once "ws://127.0.0.1:$dead/" </dev/null
expect_rc 1 "--once against a closed port"
grep -q "^mywsc: error" "$work/once.err" || fail "--once: no error event"
echo "once: ok"

# ------------------------------------------------------------------ restart
log_step "restart"
echo_server_start "$server"
port=$ECHO_PORT
mkfifo "$work/in"
(run_clean "$mywsc" --backoff 50ms,500ms --linger 2s "ws://127.0.0.1:$port/") <"$work/in" >"$work/restart.out" 2>"$work/restart.err" &
client_pid=$!
exec {client_fd}>"$work/in"
echo "before" >&"$client_fd"
wait_for_file_line "$work/restart.out" '^before$' 30 || fail "restart: no echo before the outage"
echo_server_stop
wait_for_file_line "$work/restart.err" '^mywsc: reconnecting in' 30 || fail "restart: no reconnect event after the server died"
grep -Eq '^mywsc: (closed|error)' "$work/restart.err" || fail "restart: no close or error event"
for i in 1 2 3 4 5; do echo "during $i" >&"$client_fd"; done
echo_server_start "$server" "127.0.0.1:$port"
[ "$ECHO_PORT" = "$port" ] || fail "restart: the server came back on $ECHO_PORT, not $port"
wait_for_file_line "$work/restart.out" '^during 5$' 60 || fail "restart: the lines sent during the outage did not arrive"
[ "$(cat "$work/restart.out")" = "$(printf 'before\nduring 1\nduring 2\nduring 3\nduring 4\nduring 5')" ] \
  || fail "restart: wrong order or duplicates: $(cat "$work/restart.out")"
[ "$(grep -c '^mywsc: open' "$work/restart.err")" -ge 2 ] || fail "restart: fewer than two open events"
exec {client_fd}>&-
client_fd=""
rc=0
for _ in $(seq 600); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$client_pid" 2>/dev/null && fail "restart: mywsc did not exit within 30 s of the end of its input"
wait "$client_pid" || rc=$?
client_pid=""
expect_rc 0 "restart: end of input"
grep -q "^mywsc: exit 0: 6 sent, 6 received, 0 not sent" "$work/restart.err" || fail "restart: exit event: $(tail -1 "$work/restart.err")"
echo "restart: ok"

# ------------------------------------------------------------------ signal
log_step "signal"
rm -f "$work/in"
mkfifo "$work/in"
(run_clean "$mywsc" "ws://127.0.0.1:$port/") <"$work/in" >"$work/signal.out" 2>"$work/signal.err" &
client_pid=$!
exec {client_fd}>"$work/in"
wait_for_file_line "$work/signal.err" '^mywsc: open' 30 || fail "signal: not connected"
kill -TERM "$client_pid"
rc=0
for _ in $(seq 200); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$client_pid" 2>/dev/null && fail "signal: mywsc did not exit within 10 s of SIGTERM"
wait "$client_pid" || rc=$?
client_pid=""
expect_rc 143 "SIGTERM"
echo "signal: ok"

echo_server_stop
echo "PASS cli_mywsc"

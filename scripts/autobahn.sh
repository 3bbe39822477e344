#!/usr/bin/env bash
# Autobahn|Testsuite conformance gate (issue 5): the fuzzingserver on 127.0.0.1
# drives tests/autobahn/echo_client.c, a C program on our C ABI.
#
#   1. a Python 2.7 virtualenv with wstest (autobahntestsuite is Python 2 code),
#      made once and cached under .autobahn/ (git-ignored): pyenv's 2.7.18,
#      virtualenv>=20.21,<20.22 (the last line that makes Python 2 environments)
#      in a small Python 3 venv, the pinned dependency set installed --no-deps;
#   2. cargo build --release --lib, then the echo client with gcc (rpath);
#   3. the fuzzingserver on a free loopback port (tests/autobahn/fuzzingserver.py),
#      the echo client, the server stopped (always, by a trap);
#   4. the per-group summary of OUTDIR/index.json and the list of non-OK cases.
# Exits non-zero if any case is FAILED or UNIMPLEMENTED (all groups, 12.* and
# 13.* -- permessage-deflate -- included), if a case has no result, or if the
# client did not finish cleanly.
#
# Usage: scripts/autobahn.sh
# Environment: AUTOBAHN_OUTDIR (reports; default .autobahn/reports),
#   AUTOBAHN_VERBOSE=1 (the client logs every event), PYENV_ROOT,
#   AUTOBAHN_CASES (comma-separated case patterns instead of all, e.g.
#   '12.*,13.1.*'; for development: the gate is the full set).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CACHE="$ROOT/.autobahn"
OUTDIR="${AUTOBAHN_OUTDIR:-$CACHE/reports}"
AGENT=mywsclient
WSTEST_VERSION=25.10.1
PY2_VERSION=2.7.18
VIRTUALENV_SPEC='virtualenv>=20.21,<20.22'
CLIENT_TIMEOUT_S=3600 # anti-hang bound for the whole client run (12.* and 13.* are slow)

t_start=$EPOCHREALTIME
t_stage=$t_start
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
timing() {
  echo "autobahn: $1 took $(since "$t_stage") s"
  t_stage=$EPOCHREALTIME
}
die() {
  echo "autobahn: $*" >&2
  exit 1
}

mkdir -p "$CACHE"

# ---- 1. the Python 2.7 environment (cached) --------------------------------
# The shared pin list beside the repository (CI: a fresh clone with shared/
# next to it), else the copy committed here.
REQ="$ROOT/../shared/autobahn/requirements-py27.txt"
[ -f "$REQ" ] || REQ="$ROOT/tests/autobahn/requirements-py27.txt"
[ -f "$REQ" ] || die "no requirements-py27.txt found"

if command -v pyenv >/dev/null 2>&1; then
  PYENV_DIR=$(pyenv root)
else
  PYENV_DIR="${PYENV_ROOT:-$HOME/.pyenv}"
fi
PY2="$PYENV_DIR/versions/$PY2_VERSION/bin/python2.7"
VENV3="$CACHE/venv3"
PY27ENV="$CACHE/py27"
STAMP="$PY27ENV/.mywsclient-stamp"
stamp=$( { cat "$REQ"; echo "$WSTEST_VERSION $PY2 $VIRTUALENV_SPEC"; } | sha256sum | cut -d' ' -f1)

setup_env() {
  if [ ! -x "$PY2" ]; then
    local pyenv_bin
    pyenv_bin=$(command -v pyenv || echo "$PYENV_DIR/bin/pyenv")
    [ -x "$pyenv_bin" ] || die "no Python $PY2_VERSION at $PY2 and no pyenv to install it"
    echo "autobahn: installing Python $PY2_VERSION with pyenv (slow, once)"
    PYENV_ROOT="$PYENV_DIR" "$pyenv_bin" install -s "$PY2_VERSION"
    [ -x "$PY2" ] || die "pyenv did not install $PY2"
  fi
  echo "autobahn: creating the Python 2.7 environment in $PY27ENV (once)"
  rm -rf "$VENV3" "$PY27ENV"
  python3 -m venv "$VENV3"
  "$VENV3/bin/pip" install -q --disable-pip-version-check "$VIRTUALENV_SPEC"
  "$VENV3/bin/virtualenv" -q -p "$PY2" "$PY27ENV"
  local pip=("$PY27ENV/bin/pip" install -q --disable-pip-version-check --no-python-version-warning --no-deps)
  "${pip[@]}" -r "$REQ"
  "${pip[@]}" "autobahntestsuite==$WSTEST_VERSION"
  "$PY27ENV/bin/python" -c 'import autobahntestsuite.wstest, wsaccel' ||
    die "the Python 2.7 environment does not import wstest"
  echo "$stamp" >"$STAMP"
}

# One run at a time per checkout: runs share the cache, the library copy and
# the report directory.
exec 9>"$CACHE/run.lock"
flock -w 900 9 || die "timed out waiting for $CACHE/run.lock (another run)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$stamp" ] || [ ! -x "$PY27ENV/bin/python" ]; then
  setup_env
fi
timing "python 2.7 environment"

# ---- 2. the library and the echo client -------------------------------------
cargo build --release --lib 2>&1
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
# The client runs against a copy of the library, under its soname (cargo
# writes only libmywsclient.so), so a rebuild of the shared target dir during
# the run cannot change it.
SO="$TARGET_DIR/release/libmywsclient.so"
soname=$(readelf -d "$SO" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
LIBDIR="$CACHE/lib"
rm -rf "$LIBDIR"
mkdir -p "$LIBDIR"
cp "$SO" "$LIBDIR/libmywsclient.so"
[ -z "$soname" ] || [ "$soname" = libmywsclient.so ] || ln -s libmywsclient.so "$LIBDIR/$soname"
CLIENT="$CACHE/echo_client"
gcc -std=c11 -O2 -g -Wall -Wextra -Werror -pthread -I "$ROOT/include" \
  "$ROOT/tests/autobahn/echo_client.c" -o "$CLIENT" \
  -L "$LIBDIR" -Wl,-rpath,"$LIBDIR" -lmywsclient
timing "build (library + echo client)"

# ---- 3. the fuzzingserver and the client ------------------------------------
server_pid=""
client_pid=""
# Signals interrupt `wait` (not a foreground command), so an interrupted run
# stops the client and the server at once.
stop_client() {
  [ -n "$client_pid" ] || return 0
  kill -TERM "$client_pid" 2>/dev/null || true
  wait "$client_pid" 2>/dev/null || true
  client_pid=""
}
stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do # up to 5 s, then SIGKILL
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap 'stop_client; stop_server' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$OUTDIR"
rm -f "$OUTDIR/index.html" "$OUTDIR/index.json" "$OUTDIR/${AGENT}"_case_*
SPEC="$CACHE/spec.json"
SERVER_LOG="$CACHE/fuzzingserver.log"
# Port 0: the kernel picks a free port; fuzzingserver.py prints it.
python3 - "$ROOT/tests/autobahn/spec.json" "$SPEC" "$OUTDIR" <<'EOF'
import json, os, sys
template, spec_path, outdir = sys.argv[1:4]
with open(template) as f:
    spec = json.load(f)
spec["url"] = spec["url"].replace("@PORT@", "0")
spec["outdir"] = outdir
cases = os.environ.get("AUTOBAHN_CASES", "").strip()
if cases:
    spec["cases"] = [c.strip() for c in cases.split(",") if c.strip()]
with open(spec_path, "w") as f:
    json.dump(spec, f, indent=2)
EOF
(cd "$CACHE" && exec "$PY27ENV/bin/python" -u "$ROOT/tests/autobahn/fuzzingserver.py" \
  -m fuzzingserver -s "$SPEC" -u 0) </dev/null >"$SERVER_LOG" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 300); do # up to 30 s
  port=$(sed -n 's/^LISTENING \([0-9][0-9]*\)$/\1/p' "$SERVER_LOG")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  cat "$SERVER_LOG" >&2
  die "the fuzzingserver did not start"
fi
expected=$(sed -n 's/^Ok, will run \([0-9][0-9]*\) test cases.*/\1/p' "$SERVER_LOG")
echo "autobahn: fuzzingserver (wstest $WSTEST_VERSION) on 127.0.0.1:$port, ${expected:-?} cases"
timing "fuzzingserver start"

client_rc=0
timeout --kill-after=10 "$CLIENT_TIMEOUT_S" "$CLIENT" "$port" "$AGENT" </dev/null &
client_pid=$!
wait "$client_pid" || client_rc=$?
client_pid=""
timing "echo client (all cases)"
stop_server

# ---- 4. the report ----------------------------------------------------------
report_rc=0
python3 - "$OUTDIR" "$AGENT" "${expected:-0}" <<'EOF' || report_rc=$?
import json, os, re, sys

outdir, agent, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
BEHAVIORS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
BAD = {"FAILED", "UNIMPLEMENTED"}

try:
    with open(os.path.join(outdir, "index.json")) as f:
        cases = json.load(f).get(agent, {})
except (OSError, ValueError) as e:
    print("autobahn: no usable report: %s" % e)
    sys.exit(1)

def plain(text):
    """Report text without its HTML tags, on one line."""
    return " ".join(re.sub(r"<[^>]*>", "", str(text)).split())

def case_key(cid):
    return tuple(int(p) for p in cid.split("."))

groups = {}
for cid, res in cases.items():
    groups.setdefault(case_key(cid)[0], []).append(res["behavior"])
others = sorted({b for bs in groups.values() for b in bs} - set(BEHAVIORS))
columns = BEHAVIORS + others

print()
print("Autobahn summary (agent %s, %d cases; report %s/index.html)" % (agent, len(cases), outdir))
header = "%-6s %6s" % ("group", "cases") + "".join(" %14s" % c for c in columns)
print(header)
print("-" * len(header))
def row(name, behaviors):
    return "%-6s %6d" % (name, len(behaviors)) + "".join(" %14d" % behaviors.count(c) for c in columns)
for g in sorted(groups):
    print(row(str(g), groups[g]))
print("-" * len(header))
print(row("all", [b for bs in groups.values() for b in bs]))

non_ok = sorted((cid for cid, r in cases.items() if r["behavior"] != "OK" or r["behaviorClose"] != "OK"),
                key=case_key)
print()
print("Non-OK cases (%d):" % len(non_ok))
for cid in non_ok:
    r = cases[cid]
    line = "  %-9s %-14s close: %-14s" % (cid, r["behavior"], r["behaviorClose"])
    detail = {}
    try:
        with open(os.path.join(outdir, r["reportfile"])) as f:
            detail = json.load(f)
    except (OSError, ValueError, KeyError):
        pass
    print(line + " " + plain(detail.get("description", ""))[:90])
    if r["behavior"] in BAD or r["behavior"] not in BEHAVIORS:
        for k in ("expectation", "result", "resultClose"):
            if k in detail:
                print("      %s: %s" % (k, plain(detail[k])[:300]))
        if "expected" in detail:
            print("      expected: %s" % str(detail["expected"])[:300])
            print("      received: %s" % str(detail["received"])[:300])

bad = [cid for cid, r in cases.items() if r["behavior"] in BAD or r["behavior"] not in BEHAVIORS]
print()
status = 0
if bad:
    print("autobahn: FAIL: %d case(s) FAILED/UNIMPLEMENTED: %s" % (len(bad), " ".join(sorted(bad, key=case_key))))
    status = 1
if len(cases) < expected:
    print("autobahn: FAIL: %d case(s) have no result (%d of %d)" % (expected - len(cases), len(cases), expected))
    status = 1
sys.exit(status)
EOF
timing "report"

echo "autobahn: total $(since "$t_start") s"
if [ "$client_rc" -ne 0 ]; then
  echo "autobahn: FAIL: the echo client exited with status $client_rc" >&2
  exit 1
fi
[ "$report_rc" -eq 0 ] || exit 1
echo "autobahn: PASS (no FAILED or UNIMPLEMENTED case)"

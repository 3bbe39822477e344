# Python 2.7: runs `wstest` (autobahntestsuite) with its WebSocket listener on
# 127.0.0.1 only. wstest passes interface '' (all addresses) to autobahn's
# listenWS; we replace the fuzzing module's reference with one that forces
# loopback. With port 0 in the spec URL the kernel picks a free port; the
# actual port is then printed as the line "LISTENING <port>" (flushed), and
# set as the factory's external port so the server checks our Host header.
# The server also stops when its parent process goes away (no leaked server
# if scripts/autobahn.sh is killed outright).
# Usage: python fuzzingserver.py -m fuzzingserver -s spec.json -u 0
import os
import sys

from autobahntestsuite import choosereactor  # noqa: F401  (installs the reactor first)
from autobahntestsuite import fuzzing, wstest
from twisted.internet import reactor, task

_listen_ws = fuzzing.listenWS


def listen_loopback(factory, contextFactory=None, backlog=50, interface=''):
    port = _listen_ws(factory, contextFactory, backlog=backlog, interface='127.0.0.1')
    actual = port.getHost().port
    factory.externalPort = actual
    sys.stdout.write("LISTENING %d\n" % actual)
    sys.stdout.flush()
    return port


def stop_if_orphaned(parent):
    if os.getppid() != parent:
        sys.stdout.write("parent process gone: stopping\n")
        reactor.stop()


fuzzing.listenWS = listen_loopback
task.LoopingCall(stop_if_orphaned, os.getppid()).start(1.0, now=False)
wstest.run()

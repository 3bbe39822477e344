// The scenarios over a client (every contender but raw), written once against
// client.h, and the helpers they share (connect.cpp). run_scenario
// (scenarios.cpp) picks one by name.
#pragma once

#include "client.h"
#include "collector.h"
#include "harness.h"
#include "proxy.h"

#include <memory>

// The contender's client with the options the command line asks for (--tls-ca,
// --shared-io, --delivery); nullptr (error recorded) when it has no TLS, exits
// (5) when it lacks another option.
std::unique_ptr<BenchClient> make_client(const Args &a, int port, MessageCallback cb = on_message);

// Sends probes until one comes back; returns the time it took (s), or -1.
// With `tcp_fallback`, a TCP connection that has been up for 2 s without an
// echo also counts (for scenarios that need no echo: idle CPU, stop); the
// result then says "connected_tcp_only".
double wait_connected(BenchClient &c, int port, double timeout_s, bool tcp_fallback);
// A started client that echoed (or, with tcp_fallback, connected); exits (2) when it did not in time.
std::unique_ptr<BenchClient> connected_client(const Args &a, int port, bool tcp_fallback = false);
// The same through the fault proxy `p` (started here, in front of --port).
std::unique_ptr<BenchClient> via_proxy(const Args &a, Proxy &p, bool tcp_fallback = false);

// echo.cpp: messages echoed.
int sc_rtt(const Args &a);
int sc_contended(const Args &a);
int sc_size(const Args &a);
// lifecycle.cpp: start and stop.
int sc_first_echo(const Args &a);
int sc_idle_stop(const Args &a);
int sc_stop_unreachable(const Args &a);
// faults.cpp: through the fault proxy.
int sc_cut(const Args &a);
int sc_outage(const Args &a);
int sc_halfopen(const Args &a);
int sc_outage_sends(const Args &a);
// many.cpp: many clients in one process.
int sc_many(const Args &a);

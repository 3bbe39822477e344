#!/usr/bin/env python3
"""Renders the raw figures of benches/run.py (bench-out/results.json) into
BENCHMARKS.md: medians over the runs, the ratios ours / each other, the
targets of issue 6, the echo server's headroom and what is not comparable.

    benches/report.py [--results bench-out/results.json] [--out BENCHMARKS.md]
"""
import argparse
import json
import os
import re
import statistics

import charts

CONTENDERS = ["ours", "original", "websocketpp", "beast"]
NAMES = {"ours": "ours", "original": "original (lws)", "websocketpp": "websocketpp", "beast": "Boost.Beast"}
SIZES = [("100 B", 100), ("1 KiB", 1024), ("2 KiB", 2048), ("64 KiB", 64 << 10), ("1 MiB", 1 << 20), ("16 MiB", 16 << 20)]

# label, [(scenario, key), ...] alternatives, unit, higher is better, format
ROWS = [
    ("Round-trip latency p50, 32 B, one in flight", [("rtt", "latency_p50_us")], "µs", False, "{:.1f}"),
    ("Round-trip latency p99", [("rtt", "latency_p99_us")], "µs", False, "{:.1f}"),
    ("Throughput, 100,000 × 64 B, all echoes awaited", [("rtt", "tput_msgs_per_s")], "msg/s", True, "{:,.0f}"),
    ("Client CPU in the throughput run", [("rtt", "tput_cpu_s")], "s", False, "{:.3f}"),
    ("Peak RSS (throughput run)", [("rtt", "tput_maxrss_mib")], "MiB", False, "{:.1f}"),
    ("TLS round-trip latency p50", [("tls_rtt", "latency_p50_us")], "µs", False, "{:.1f}"),
    ("TLS round-trip latency p99", [("tls_rtt", "latency_p99_us")], "µs", False, "{:.1f}"),
    ("TLS throughput, 64 B", [("tls_rtt", "tput_msgs_per_s")], "msg/s", True, "{:,.0f}"),
    ("Throughput, 8 threads sending at once, 100,000 × 64 B", [("contended", "contended_msgs_per_s")], "msg/s", True, "{:,.0f}"),
    ("Client CPU, 8 threads sending", [("contended", "contended_cpu_s")], "s", False, "{:.3f}"),
] + [
    (f"One round trip, {label}", [(f"size_{n}", "size_rtt_ms")], "ms", False, "{:.3f}") for label, n in SIZES
] + [
    ("start() → first echo", [("first_echo", "first_echo_ms"), ("rtt", "connect_ms")], "ms", False, "{:.1f}"),
    ("Idle CPU, connected, heartbeat on", [("idle_stop", "idle_cpu_s_per_10s")], "s per 10 s", False, "{:.4f}"),
    ("stop(), connected", [("idle_stop", "stop_connected_ms")], "ms", False, "{:.2f}"),
    ("stop(), server unreachable", [("stop_unreachable", "stop_unreachable_ms")], "ms", False, "{:.2f}"),
    ("Reset (cut) → first echo", [("cut", "cut_to_echo_ms")], "ms", False, "{:.0f}"),
    ("2 s outage: server back → first echo", [("outage", "outage_to_echo_ms")], "ms", False, "{:.0f}"),
    ("Half-open (blackhole) → first echo", [("halfopen", "halfopen_to_echo_ms")], "ms", False, "{:.0f}"),
    ("Half-open: blackhole → dead connection given up", [("halfopen", "halfopen_detect_ms")], "ms", False, "{:.0f}"),
    ("100 sends during a 2 s outage: echoed", [("outage_sends", "outage_echoed")], "of 100", True, "{:.0f}"),
]


def many_rows(n, shared=False, tls=False):
    s = f"many_{n}" + ("_shared" if shared else "") + ("_tls" if tls else "")
    p = f"{n:,} {'wss:// ' if tls else ''}clients{' (ours: shared I/O threads)' if shared else ''}"
    return [
        (f"{p}: connected (echoed once)", [(s, "connected")], "clients", True, "{:,.0f}"),
        (f"{p}: time to connect all", [(s, "connect_all_s")], "s", False, "{:.2f}"),
        (f"{p}: time to the last connection", [(s, "last_connect_s")], "s", False, "{:.2f}"),
        (f"{p}: RSS", [(s, "rss_mib")], "MiB", False, "{:.0f}"),
        (f"{p}: RSS per connected client, after idling", [(s, "rss_per_client_kib")], "KiB", False, "{:.1f}"),
        (f"{p}: idle CPU", [(s, "idle_cpu_s_per_10s")], "s per 10 s", False, "{:.3f}"),
        (f"{p}: threads", [(s, "threads")], "", False, "{:,.0f}"),
        (f"{p}: open fds", [(s, "fds")], "", False, "{:,.0f}"),
    ]


SHORT_ERRORS = {
    "no echo within the connect timeout": "no echo",
    "no echo in rtt": "not run: no echo",
    "the dead connection was never given up": "never detected",
    "TLS not supported by this contender": "n/a",
}


def short_error(err):
    if err in SHORT_ERRORS:
        return SHORT_ERRORS[err]
    m = re.match(r"creating client (\d+): .*Too many open files", err)
    if m:
        return f"out of fds after {int(m.group(1)):,} clients"
    return err


class Table:
    def __init__(self, results):
        self.r = results
        self.by = {}
        for rec in results["records"]:
            self.by.setdefault((rec["scenario"], rec["contender"]), []).append(rec)

    def recs(self, scenario, contender):
        return self.by.get((scenario, contender), [])

    def values(self, scenario, key, contender):
        return [rec["data"][key] for rec in self.recs(scenario, contender)
                if isinstance(rec["data"].get(key), (int, float)) and not isinstance(rec["data"].get(key), bool)]

    def median(self, alts, contender):
        for scenario, key in alts:
            v = self.values(scenario, key, contender)
            if v:
                return statistics.median(v), len(v), len(self.recs(scenario, contender))
        return None, 0, sum(len(self.recs(s, contender)) for s, _ in alts)

    def failure(self, alts, contender):
        """Why there is no figure: the first failed run's status or error."""
        for scenario, key in alts:
            for rec in self.recs(scenario, contender):
                d = rec["data"]
                st = rec["status"]
                err = d.get("error", "")
                if st.startswith("crash"):
                    return st + (f" in {d['stage']}" if d.get("stage") else "")
                if st == "timeout":
                    return "timeout" + (f" in {d['stage']}" if d.get("stage") else "")
                if err:
                    return short_error(err)
                if st == "skipped":
                    return "not run"
        return None

    def cell(self, alts, contender, fmt):
        m, n, total = self.median(alts, contender)
        if m is None:
            if not any(self.recs(s, contender) for s, _ in alts):
                return "—", None
            return self.failure(alts, contender) or "n/a", None
        text = fmt.format(m)
        if n < total:
            why = self.failure(alts, contender)
            text += f" ({n}/{total} runs{'; others: ' + why if why else ''})"
        return text, m


def runs_text(results):
    """How many runs: the target scenarios run every run, the others at most `other_runs` times."""
    runs, other = results.get("runs"), results.get("other_runs")
    if other is None or other >= runs:
        return f"{runs} runs"
    return (f"{runs} runs of the scenarios behind the targets (round trips, throughput, idle CPU, "
            f"10,000 clients on shared I/O), {other} of the others")


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    r = a / b
    return f"{r:.3g}"


def render(results, command, charts_dir=None):
    t = Table(results)
    env = results.get("environment", {})
    out = []
    w = out.append
    w("# Benchmarks")
    w("")
    w("Ours against the original libwebsockets class and two C++ peers, all behind the original's")
    w("`MyWSClient` API and driven by one program (`benches/driver/`), through the project's echo")
    w("server and fault-injection proxy, on loopback. Generated by `benches/report.py` from the raw")
    w("figures of one run of:")
    w("")
    w("```sh")
    w(command or "bash scripts/bench.sh")
    w("```")
    w("")
    pk = env.get("packages", {})
    w(f"- **Date**: {results.get('started', '?')} (took {results.get('duration_s', '?')} s)")
    w(f"- **Machine**: {env.get('cpu_model', '?')}, {env.get('cpus', '?')} CPUs "
      f"({env.get('cores_per_socket', '?')} cores per socket{', ' + env['hypervisor'] + ' guest' if env.get('hypervisor') else ''}), "
      f"{env.get('memory', '?')} RAM, {env.get('kernel', '?')}; open-file limit {env.get('nofile_hard', '?')}. "
      f"Shared with other work: load average {' '.join(env.get('loadavg_at_start', []))} at the start, "
      f"{' '.join(results.get('loadavg_at_end', []))} at the end.")
    w(f"- **Builds**: {env.get('rustc', '?')} (release, thin LTO); {env.get('gxx', '?')} -O2 for the drivers; "
      f"libwebsockets {pk.get('libwebsockets-dev', '?')}, websocketpp {pk.get('libwebsocketpp-dev', '?')} on Boost.Asio, "
      f"Boost {pk.get('libboost-dev', '?')}, OpenSSL {pk.get('libssl-dev', '?')} (Beast's TLS); ours uses rustls. "
      f"Repository at {env.get('git', '?')} plus the working tree.")
    w(f"- **Method**: each contender × scenario in its own child process with a timeout; "
      f"{'one run (quick smoke test: fewer iterations)' if results.get('quick') else runs_text(results) + ', the median shown'}; "
      "the contender order rotates from run to run. A figure marked (k/n runs) came from k of n runs.")
    w("")
    w("Ratios are ours / the other: below 1 is better for ours where lower is better (times, CPU, memory),")
    w("above 1 is better for ours where higher is better (throughput, counts). “—” means not applicable.")
    w("")
    head = "| | unit | " + " | ".join(NAMES[c] for c in CONTENDERS) + " | ours / original | ours / websocketpp | ours / Beast |"
    w(head)
    w("|" + "---|" * (2 + len(CONTENDERS) + 3))
    small, big = results_many(results)
    rows = ROWS + many_rows(small) + many_rows(big)
    for n in (small, big):
        if t.recs(f"many_{n}_shared", "ours"):
            rows += many_rows(n, shared=True)
        if t.recs(f"many_{n}_shared_tls", "ours"):
            rows += many_rows(n, shared=True, tls=True)
    medians = {}
    chart_rows = []
    for label, alts, unit, higher, fmt in rows:
        cells, vals = [], {}
        for c in CONTENDERS:
            text, v = t.cell(alts, c, fmt)
            cells.append(text)
            vals[c] = v
        medians[label] = vals
        chart_rows.append((label, higher, vals))
        # intactness of the size round trips
        if alts[0][0].startswith("size_"):
            for i, c in enumerate(CONTENDERS):
                flags = [rec["data"].get("size_intact") for rec in t.recs(alts[0][0], c) if "size_intact" in rec["data"]]
                if vals[c] is not None and flags and not all(flags):
                    cells[i] += " (corrupted)"
        if alts[0] == ("outage_sends", "outage_echoed"):
            for i, c in enumerate(CONTENDERS):
                orders = [rec["data"].get("outage_in_order") for rec in t.recs("outage_sends", c) if "outage_in_order" in rec["data"]]
                if vals[c] is not None and orders:
                    cells[i] += ", in order" if all(orders) else ", NOT in order"
        rs = [ratio(vals["ours"], vals[o]) for o in ("original", "websocketpp", "beast")]
        w(f"| {label}{' (higher is better)' if higher else ''} | {unit} | " + " | ".join(cells) + " | " + " | ".join(rs) + " |")
    w("")
    if charts_dir:
        w(write_charts(t, chart_rows, charts_dir))
    w(targets(t, results))
    w(server_section(t, results))
    w(NOT_COMPARABLE)
    return "\n".join(out) + "\n"


def write_charts(t, chart_rows, charts_dir):
    """Writes the two SVG charts beside the report; returns the Markdown that shows them."""
    others = [c for c in CONTENDERS if c != "ours"]
    names = {c: NAMES[c] for c in CONTENDERS}
    with open(os.path.join(charts_dir, "bench-ratios.svg"), "w") as f:
        f.write(charts.ratio_chart(chart_rows, names, others))
    panels = []
    for title, sid in (("plain ws://", "rtt"), ("TLS wss://", "tls_rtt")):
        curves = {}
        for c in CONTENDERS:
            curve = charts.median_curve([rec["data"].get("latency_cdf_us") for rec in t.recs(sid, c)])
            if curve:
                curves[c] = curve
        if curves:
            panels.append((title, curves))
    lines = ["![How many times better ours is, per row](bench-ratios.svg)", ""]
    if panels:
        with open(os.path.join(charts_dir, "bench-rtt-cdf.svg"), "w") as f:
            f.write(charts.cdf_chart(panels, names))
        lines += ["![Round-trip time distribution per contender](bench-rtt-cdf.svg)", ""]
    return "\n".join(lines)


def results_many(results):
    ns = sorted({int(r["scenario"].split("_")[1]) for r in results["records"] if r["scenario"].startswith("many_")})
    while len(ns) < 2:
        ns.append(10000 if not ns else ns[0] * 10)
    return ns[0], ns[-1]


def targets(t, results):
    def m(alts, c):
        return t.median(alts, c)[0]

    def fmt_ratio(a, b):
        return "n/a" if a is None or b is None or not b else f"{a / b:.2f}"

    L = []
    w = L.append
    w("## Targets of issue 6")
    w("")
    w("| target | figure (medians) | holds? |")
    w("|---|---|---|")

    def row(target, figure, ok):
        w(f"| {target} | {figure} | {'**yes**' if ok else ('**NO**' if ok is False else 'n/a')} |")

    lat = {c: m([("rtt", "latency_p50_us")], c) for c in CONTENDERS}
    tls = {c: m([("tls_rtt", "latency_p50_us")], c) for c in CONTENDERS}
    tput = {c: m([("rtt", "tput_msgs_per_s")], c) for c in CONTENDERS}
    ttls = {c: m([("tls_rtt", "tput_msgs_per_s")], c) for c in CONTENDERS}
    for peer in ("websocketpp", "beast"):
        r = None if lat["ours"] is None or not lat[peer] else lat["ours"] / lat[peer]
        row(f"latency p50 ≤ 0.9 × {NAMES[peer]} (plain)",
            f"{lat['ours'] or 0:.1f} µs vs {lat[peer] or 0:.1f} µs: ratio {fmt_ratio(lat['ours'], lat[peer])}",
            None if r is None else r <= 0.9)
    r = None if tls["ours"] is None or not tls["beast"] else tls["ours"] / tls["beast"]
    row("latency p50 ≤ 0.9 × Beast (TLS)", f"{tls['ours'] or 0:.1f} µs vs {tls['beast'] or 0:.1f} µs: ratio {fmt_ratio(tls['ours'], tls['beast'])}",
        None if r is None else r <= 0.9)
    r = None if tput["ours"] is None or not tput["websocketpp"] else tput["ours"] / tput["websocketpp"]
    row("throughput ≥ 2 × websocketpp (plain)", f"{tput['ours'] or 0:,.0f} vs {tput['websocketpp'] or 0:,.0f} msg/s: ratio {fmt_ratio(tput['ours'], tput['websocketpp'])}",
        None if r is None else r >= 2)
    r = None if ttls["ours"] is None or not ttls["beast"] else ttls["ours"] / ttls["beast"]
    row("throughput ≥ 2 × Beast (TLS)", f"{ttls['ours'] or 0:,.0f} vs {ttls['beast'] or 0:,.0f} msg/s: ratio {fmt_ratio(ttls['ours'], ttls['beast'])}",
        None if r is None else r >= 2)
    mib = {c: m([(f"size_{1 << 20}", "size_rtt_ms")], c) for c in CONTENDERS}
    peers = [mib[c] for c in ("websocketpp", "beast") if mib[c] is not None]
    best = min(peers) if peers else None
    row("1 MiB round trip ≤ 0.9 × the best peer", f"{mib['ours'] or 0:.2f} ms vs {best or 0:.2f} ms: ratio {fmt_ratio(mib['ours'], best)}",
        None if mib["ours"] is None or best is None else mib["ours"] <= 0.9 * best)
    idle = m([("idle_stop", "idle_cpu_s_per_10s")], "ours")
    row("idle CPU ≤ 0.002 s per 10 s, heartbeat on", f"{idle if idle is not None else float('nan'):.4f} s", None if idle is None else idle <= 0.002)
    sc = m([("idle_stop", "stop_connected_ms")], "ours")
    su = m([("stop_unreachable", "stop_unreachable_ms")], "ours")
    row("stop() ≤ 2 ms connected", f"{sc if sc is not None else float('nan'):.2f} ms", None if sc is None else sc <= 2)
    row("stop() ≤ 2 ms unreachable", f"{su if su is not None else float('nan'):.2f} ms", None if su is None else su <= 2)
    cut = m([("cut", "cut_to_echo_ms")], "ours")
    row("cut → echo ≤ 150 ms", f"{cut if cut is not None else float('nan'):.0f} ms (max of runs {max(t.values('cut', 'cut_to_echo_ms', 'ours') or [float('nan')]):.0f} ms)",
        None if cut is None else cut <= 150)
    ho = m([("halfopen", "halfopen_to_echo_ms")], "ours")
    row("half-open → echo ≤ 6.5 s at defaults", f"{(ho or float('nan')) / 1000:.2f} s (max of runs {max(t.values('halfopen', 'halfopen_to_echo_ms', 'ours') or [float('nan')]) / 1000:.2f} s)",
        None if ho is None else ho <= 6500)
    echoed = t.values("outage_sends", "outage_echoed", "ours")
    orders = [rec["data"].get("outage_in_order") for rec in t.recs("outage_sends", "ours")]
    row("100 of 100 outage sends echoed, in order", f"{', '.join(str(int(e)) for e in echoed)} echoed; in order: {all(orders) if orders else 'n/a'}",
        None if not echoed else all(e == 100 for e in echoed) and all(orders))
    intact = [rec["data"].get("size_intact") for rec in t.recs(f"size_{16 << 20}", "ours")]
    row("16 MiB intact", f"intact in {sum(1 for x in intact if x)} of {len(intact)} runs", None if not intact else all(intact))
    big = results_many(results)[1]
    for scen, mode in ((f"many_{big}", "one thread per client"), (f"many_{big}_shared", "shared I/O threads")):
        if not t.recs(scen, "ours"):
            continue
        conn = m([(scen, "connected")], "ours")
        all_s = m([(scen, "connect_all_s")], "ours")
        last_s = m([(scen, "last_connect_s")], "ours")
        rss = m([(scen, "rss_mib")], "ours")
        icpu = m([(scen, "idle_cpu_s_per_10s")], "ours")
        fail = t.failure([(scen, "connect_all_s")], "ours")
        partial = "" if conn == big else f" (with {conn or 0:,.0f} clients)"
        when = f" in {all_s:.1f} s" if all_s is not None else (f", the last after {last_s:.1f} s" if last_s is not None else "")
        row(f"{big:,} clients ({mode}) all connected in < 20 s",
            f"{conn or 0:,.0f} of {big:,} connected{when}" + (f" ({fail})" if fail and conn != big and " connected" not in fail else ""),
            None if conn is None else (conn == big and all_s is not None and all_s < 20))
        row(f"{big:,} clients ({mode}): RSS < 1 GiB", f"{rss or 0:,.0f} MiB{partial}",
            None if rss is None else (rss < 1024 and conn == big))
        row(f"{big:,} clients ({mode}): idle CPU ≈ 0 (≤ 0.05 s per 10 s)",
            f"{icpu if icpu is not None else float('nan'):.3f} s per 10 s{partial}",
            None if icpu is None else (icpu <= 0.05 and conn == big))
    w("")
    targets_15(t, results, w, row, m, fmt_ratio)
    return "\n".join(L)


def targets_15(t, results, w, row, m, fmt_ratio):
    """The targets of issue 15 (performance toward the limit), from the same figures."""
    w("## Targets of issue 15")
    w("")
    w("| target | figure (medians) | holds? |")
    w("|---|---|---|")
    peers = ("websocketpp", "beast")

    def best_peer(key, lower_is_better):
        vals = {c: m([key], c) for c in peers}
        vals = {c: v for c, v in vals.items() if v}
        if not vals:
            return None, None
        c = (min if lower_is_better else max)(vals, key=vals.get)
        return c, vals[c]

    for sid, label in (("rtt", "plain"), ("tls_rtt", "TLS")):
        ours = m([(sid, "latency_p50_us")], "ours")
        c, best = best_peer((sid, "latency_p50_us"), True)
        row(f"round trip p50 ≤ 0.9 × the best library peer ({label})",
            f"{ours or 0:.1f} µs vs {best or 0:.1f} µs ({NAMES.get(c, c)}): ratio {fmt_ratio(ours, best)}",
            None if ours is None or best is None else ours <= 0.9 * best)
        p99 = m([(sid, "latency_p99_us")], "ours")
        c99, best99 = best_peer((sid, "latency_p99_us"), True)
        row(f"round trip p99 not worse than the best library peer ({label})",
            f"{p99 or 0:.1f} µs vs {best99 or 0:.1f} µs ({NAMES.get(c99, c99)}): ratio {fmt_ratio(p99, best99)}",
            None if p99 is None or best99 is None else p99 <= best99)
    tput = m([("rtt", "tput_msgs_per_s")], "ours")
    raw = m([("server_ceiling", "tput_msgs_per_s")], "raw")
    row("throughput ≥ 0.5 × the raw client (same server, same run)",
        f"{tput or 0:,.0f} vs {raw or 0:,.0f} msg/s: ratio {fmt_ratio(tput, raw)}",
        None if tput is None or not raw else tput >= 0.5 * raw)
    c, best = best_peer(("rtt", "tput_msgs_per_s"), False)
    row("throughput ≥ 3 × the best library peer",
        f"{tput or 0:,.0f} vs {best or 0:,.0f} msg/s ({NAMES.get(c, c)}): ratio {fmt_ratio(tput, best)}",
        None if tput is None or best is None else tput >= 3 * best)
    big = results_many(results)[1]
    for scen, what, limit in ((f"many_{big}_shared", "idle plain client", 12), (f"many_{big}_shared_tls", "TLS client", 30)):
        kib = m([(scen, "rss_per_client_kib")], "ours")
        conn = m([(scen, "connected")], "ours")
        row(f"≤ {limit} KiB per {what} at {big:,} (shared I/O)",
            f"{kib if kib is not None else float('nan'):.1f} KiB ({conn or 0:,.0f} connected)",
            None if kib is None else (kib <= limit and conn == big))
    scen = f"many_{big}_shared_tls"
    all_s = m([(scen, "connect_all_s")], "ours")
    conn = m([(scen, "connected")], "ours")
    row(f"{big:,} TLS clients (shared I/O) connected in < 10 s",
        f"{conn or 0:,.0f} connected" + (f" in {all_s:.1f} s" if all_s is not None else ""),
        None if conn is None else (conn == big and all_s is not None and all_s < 10))
    w("")


def server_section(t, results):
    L = []
    w = L.append
    w("## The echo server is not the bottleneck")
    w("")
    ceil = t.median([("server_ceiling", "tput_msgs_per_s")], "raw")[0]
    best_c, best = None, 0
    for c in CONTENDERS:
        v = t.median([("rtt", "tput_msgs_per_s")], c)[0]
        if v and v > best:
            best_c, best = c, v
    w("`mywsclient-echo-server` (tools crate) runs in its own process: one thread per connection,")
    w("replies batched into one write once every message that has already arrived is handled. The")
    w("wss:// rows with thousands of clients use its `--event-loop` mode instead (2 threads, each an epoll")
    w("loop over many non-blocking connections): with a thread per connection, creating and scheduling")
    w("10,000 threads made the server the bottleneck.")
    if ceil:
        w(f"A minimal hand-written client (`driver-raw`: pre-built masked frames written 256 at a time, no")
        w(f"library) gets **{ceil:,.0f} echoes/s** through it — {ceil / best:.1f} × the fastest contender")
        w(f"({NAMES.get(best_c, best_c)}, {best:,.0f} msg/s) on the same connection type, so the server caps no figure above.")
    cpu = [(rec.get("server_cpu_s"), rec["wall_s"], rec["data"].get("tput_msgs_per_s")) for rec in t.recs("rtt", "ours") if rec.get("server_cpu_s") is not None]
    if cpu:
        s, wall, _ = cpu[0]
        w(f"During ours' whole latency + throughput run the server used {s:.2f} s of CPU in {wall:.2f} s of wall time")
        w("(the sum over all its threads, from /proc), i.e. it was mostly waiting for the client.")
    w("The latency figures are round trips through the same server for every contender, so the")
    w("server's share is the same for all; the ratios compare the clients.")
    w("")
    return "\n".join(L)


NOT_COMPARABLE = """## What is not comparable

- **The original hardly sends.** Built as published against Debian's libwebsockets 4.1.6,
  `lws_service(context, 0)` does not spin: the 4.x service loop ignores that timeout and sleeps
  in `poll` until its next internal timer (~30 s here; see `start() → first echo`). And
  `sendMessage()` calls `lws_callback_on_writable()` from the caller's thread, which does not
  wake that `poll`. A message therefore goes out only if it was queued while the connection was
  being set up (then the `ESTABLISHED` callback asks for a write) or when something else wakes
  the loop. So in the single-client scenarios its probes are not echoed within the 8 s connect
  timeout ("no echo") and every scenario that needs an echo is "not run: no echo". With 1,000
  clients, the messages queued during a client's handshake go out at once and the others wait
  for that client's loop to wake (hence the ~30 s to connect them all). Its idle-CPU and
  `stop()` figures are measured on the TCP connection alone ("connected" = socket established
  for 2 s); its `stop()` destroys the context while the loop sleeps and waits for that loop.
  The low idle CPU of the original is that of a loop that sleeps through its work, not of a
  correct client; the seed README's "one core busy while idle" does not hold with 4.1.6.
  Sizes above 1 KiB would overflow its `LWS_PRE + 1024` stack buffer, but no write happens to
  show it. It is not run with 10,000 clients: at 1,000 it already holds ~1.2 GiB (each
  context's fd tables are sized to the fd limit) and it would need ~8 GiB before running out of
  fds, on a machine others share.
- **The peers' reconnect and heartbeat are ours to write.** Neither websocketpp nor Beast
  reconnects or detects a half-open connection by itself. Their adapters (`benches/peers/`) add
  what the original class promised, with each library's own tools and our defaults: retry after
  100 ms doubling to 5 s (no jitter; ours jitters each delay down by up to 50 %, so our first
  retry comes after 50–100 ms), a ping every 3 s and a 3 s pong/idle timeout (websocketpp
  `set_pong_timeout` + terminate; Beast `stream_base::timeout{idle 6 s, keep_alive_pings}`), and
  a send queue kept across reconnects (bounded at 64 MiB). A message that a peer had handed to
  the socket when the connection died is lost (as it is for us: a message counts as sent once
  the kernel took all its bytes). The 2 s outage figure mostly reflects where each backoff
  schedule happens to be when the server comes back.
- **Threads and fds**: websocketpp and Beast get one `io_context` and one thread per client (as
  the original had); Asio adds a resolver thread per `io_context`, hence two threads and four fds
  per client, and both stop near 5,000 clients at the 20,000-fd limit. Ours runs either one
  thread per client (a socket and an eventfd: stops just short of 10,000) or, with
  `setSharedIo(true)`, on a few shared I/O threads (one fd per client). The fd counts include
  the driver's own handful.
- **TLS**: ours uses rustls (ring), Beast OpenSSL 3; both verify the chain against the test CA and
  the host name (127.0.0.1). websocketpp and the original are plain-text only here.
- **Sends**: websocketpp's `send()` is called from the caller's thread and batches queued frames
  into one write; Beast posts each message to its strand and keeps one `async_write` in flight
  (the documented pattern), which is what limits its throughput; ours queues on a channel and the
  I/O thread batches frames into few writes.
- **The half-open scenario** uses the fault proxy's `blackhole` (every byte dropped both ways,
  socket kept). The proxy applies it to new connections too, so the driver also closes the port
  (`refuse`) and reopens it (`forward` + `accept`) the moment the client gives the dead connection
  up (it watches the client's socket in /proc, polling every millisecond): the figure is
  detection + reconnect + first echo, with a refused first attempt (one more backoff step) if
  the client reconnects before the driver notices.
- **Noise**: two cores shared by the client under test, its echo server and other engineers'
  builds and tests; the client's threads, the server and the driver compete for them. Round-trip
  figures of one run differ by up to ±40 % from those of the next (the p99s most, and the
  placement of three busy threads on two cores makes them bimodal); medians of the runs are
  shown, and ratios within ±10 % are within the noise of this machine.
"""


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--results", default=os.path.join(here, "..", "bench-out", "results.json"))
    ap.add_argument("--out", default=os.path.join(here, "..", "BENCHMARKS.md"))
    a = ap.parse_args()
    with open(a.results) as f:
        results = json.load(f)
    text = render(results, results.get("command", ""), os.path.dirname(os.path.abspath(a.out)))
    with open(a.out, "w") as f:
        f.write(text)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()

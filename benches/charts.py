"""SVG charts for BENCHMARKS.md, written by benches/report.py with nothing
but the standard library:

- bench-ratios.svg: for every table row, how many times better ours is than
  each other contender (the ratio turned so that right of 1 is better for
  ours, whether lower or higher is better), on a log scale;
- bench-rtt-cdf.svg: the round-trip time distribution of each contender
  (plain and TLS), from the percentiles the driver records.
"""
import math
from xml.sax.saxutils import escape

COLORS = {"ours": "#1b7837", "original": "#999999", "websocketpp": "#2166ac", "beast": "#b2182b"}
FONT = 'font-family="sans-serif" font-size="11"'


def _svg(width, height, body):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">\n<rect width="100%" height="100%" fill="white"/>\n'
        + "\n".join(body)
        + "\n</svg>\n"
    )


def _text(x, y, s, anchor="start", extra=""):
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {FONT} {extra}>{escape(s)}</text>'


def ratio_chart(rows, names, others):
    """rows: [(label, higher_is_better, {contender: median or None})];
    names: contender -> display name; others: the contenders compared with ours."""
    lo, hi = 0.1, 100.0
    bars = []
    for label, higher, vals in rows:
        ours = vals.get("ours")
        got = []
        for c in others:
            v = vals.get(c)
            if ours is None or v is None or ours <= 0 or v <= 0:
                continue
            adv = ours / v if higher else v / ours
            got.append((c, adv))
        if got:
            bars.append((label, got))
    left, right, bar_h, gap, top = 330, 40, 7, 8, 40
    plot_w = 420
    height = top + sum(len(g) * bar_h + gap for _, g in bars) + 40
    width = left + plot_w + right
    lx = lambda v: left + plot_w * (math.log10(min(max(v, lo), hi)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    body = [_text(left, 16, "How many times better ours is (right of 1: ours better; log scale)", extra='font-weight="bold"')]
    # legend
    x = left
    for c in others:
        body.append(f'<rect x="{x}" y="24" width="10" height="8" fill="{COLORS[c]}"/>')
        body.append(_text(x + 14, 32, "vs " + names[c]))
        x += 120
    y = top
    for label, got in bars:
        h = len(got) * bar_h
        body.append(_text(left - 6, y + h / 2 + 4, label if len(label) <= 58 else label[:56] + "…", "end"))
        for c, adv in got:
            x0, x1 = lx(1.0), lx(adv)
            body.append(
                f'<rect x="{min(x0, x1):.1f}" y="{y:.1f}" width="{max(abs(x1 - x0), 1):.1f}" height="{bar_h - 1}" '
                f'fill="{COLORS[c]}"><title>{escape(f"{label}: ours {adv:.3g}x better than {names[c]}")}</title></rect>'
            )
            y += bar_h
        y += gap
    for v in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100):
        x = lx(v)
        dash = "" if v == 1 else ' stroke-dasharray="2,3"'
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{y}" stroke="#444" stroke-width="{1 if v == 1 else 0.5}"{dash}/>')
        body.append(_text(x, y + 14, f"{v:g}×", "middle"))
    return _svg(width, y + 30, body)


def cdf_chart(panels, names):
    """panels: [(title, {contender: [p0, p1, ..., p100, p99.5, p99.9]})]: the
    round-trip times in µs at each percentile."""
    qs = [q / 100 for q in range(101)] + [0.995, 0.999]
    pw, ph, left, top, gap = 360, 240, 50, 52, 60
    width = left + len(panels) * (pw + gap)
    height = top + ph + 60
    body = [_text(left, 16, "Round-trip time, 32 B, one in flight: fraction of round trips at or below (median of runs per percentile)", extra='font-weight="bold"')]
    for i, (title, curves) in enumerate(panels):
        x0 = left + i * (pw + gap)
        allv = [v for pts in curves.values() for v in pts[:100] if v and v > 0]
        if not allv:
            continue
        xmax = max(allv)
        mag = 10 ** math.floor(math.log10(xmax))
        xmax = math.ceil(xmax / mag) * mag
        sx = lambda v: x0 + pw * min(v, xmax) / xmax
        sy = lambda q: top + ph * (1 - q)
        body.append(_text(x0 + pw / 2, top - 8, title, "middle", 'font-weight="bold"'))
        body.append(f'<rect x="{x0}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
        for k in range(6):
            v = xmax * k / 5
            body.append(f'<line x1="{sx(v):.1f}" y1="{top}" x2="{sx(v):.1f}" y2="{top + ph}" stroke="#ddd"/>')
            body.append(_text(sx(v), top + ph + 14, f"{v:g}", "middle"))
        for q in (0, 0.25, 0.5, 0.75, 0.9, 1):
            body.append(f'<line x1="{x0}" y1="{sy(q):.1f}" x2="{x0 + pw}" y2="{sy(q):.1f}" stroke="#ddd"/>')
            body.append(_text(x0 - 4, sy(q) + 4, f"{q:g}", "end"))
        body.append(_text(x0 + pw / 2, top + ph + 30, "µs (the slowest 1 % beyond the axis are clipped)", "middle"))
        ly = top + 14
        for c, pts in curves.items():
            pairs = sorted(zip(pts, qs), key=lambda p: (p[1], p[0]))
            d = " ".join(f"{'M' if j == 0 else 'L'}{sx(v):.1f},{sy(q):.1f}" for j, (v, q) in enumerate(pairs) if v is not None and v >= 0)
            body.append(f'<path d="{d}" fill="none" stroke="{COLORS.get(c, "#000")}" stroke-width="1.6"/>')
            p50 = pts[50]
            body.append(f'<rect x="{x0 + pw - 130}" y="{ly + 136}" width="10" height="3" fill="{COLORS.get(c, "#000")}"/>')
            body.append(_text(x0 + pw - 116, ly + 141, f"{names[c]} (p50 {p50:.1f})"))
            ly += 14
    return _svg(width, height, body)


def median_curve(lists):
    """Per-percentile median of several runs' percentile lists."""
    lists = [l for l in lists if l]
    if not lists:
        return None
    n = min(len(l) for l in lists)
    out = []
    for i in range(n):
        vs = sorted(l[i] for l in lists)
        m = len(vs) // 2
        out.append(vs[m] if len(vs) % 2 else (vs[m - 1] + vs[m]) / 2)
    return out

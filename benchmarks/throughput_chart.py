#!/usr/bin/env python3
# Draws docs/benchmarks_throughput.svg: alarm evaluations per second against
# the number of alarms (log-log), one line per benchmark family, from Google
# Benchmark JSON output. Plain SVG written by hand: no plotting library.
#
#   bazel-bin/benchmarks/alarm_evaluator_benchmark --benchmark_format=json \
#       > /tmp/eval.json
#   python3 benchmarks/throughput_chart.py /tmp/eval.json docs/benchmarks_throughput.svg
import json
import math
import re
import sys

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def series(path):
    out = {}
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type") == "aggregate" or "items_per_second" not in b:
            continue
        m = re.match(r"(BM_\w+)/alarms:(\d+)(?:/threads:(\d+))?", b["name"])
        if not m:
            continue
        name = m.group(1).replace("BM_", "")
        if m.group(3) and m.group(3) != "1":
            name += " (%s threads)" % m.group(3)
        out.setdefault(name, []).append((int(m.group(2)), b["items_per_second"]))
    return {k: sorted(v) for k, v in out.items()}


def main(src, dst):
    data = series(src)
    xs = [x for s in data.values() for x, _ in s]
    ys = [y for s in data.values() for _, y in s]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    w, h, left, right, top, bottom = 760, 440, 80, 250, 40, 60
    pw, ph = w - left - right, h - top - bottom

    def px(x):
        return left + (math.log10(x) - x0) / (x1 - x0) * pw

    def py(y):
        return top + ph - (math.log10(y) - y0) / max(y1 - y0, 1) * ph

    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (w, h),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="14">Alarm evaluations per second vs '
           'number of alarms (log-log)</text>' % left]
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, top, x, top + ph))
        svg.append('<text x="%.1f" y="%d" text-anchor="middle">1e%d</text>' % (x, top + ph + 18, e))
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        svg.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, y, left + pw, y))
        svg.append('<text x="%d" y="%.1f" text-anchor="end">1e%d</text>' % (left - 6, y + 4, e))
    svg.append('<text x="%d" y="%d" text-anchor="middle">alarms</text>' % (left + pw / 2, h - 15))
    svg.append('<text x="18" y="%d" transform="rotate(-90 18 %d)" text-anchor="middle">'
               'evaluations / s</text>' % (top + ph / 2, top + ph / 2))
    for i, (name, pts) in enumerate(sorted(data.items())):
        c = COLORS[i % len(COLORS)]
        path = " ".join("%.1f,%.1f" % (px(x), py(y)) for x, y in pts)
        svg.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>' % (path, c))
        for x, y in pts:
            svg.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (px(x), py(y), c))
        ly = top + 10 + 18 * i
        svg.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>'
                   % (left + pw + 12, ly, left + pw + 32, ly, c))
        svg.append('<text x="%d" y="%d">%s</text>' % (left + pw + 38, ly + 4, name))
    svg.append("</svg>")
    open(dst, "w").write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""SVG plots for the prereg report, drawn by gnuplot.

Each plot function takes the parsed mapbench documents (ours, and upstream or
None) and returns (title, svg text), or None when the run has nothing to
plot. Error bars are the spread over repetitions: the lowest and highest
per-repetition median.
"""
import subprocess

GNUPLOT = "gnuplot"
COLORS = {"ours v2": "#1b7837", "ours v1": "#a6dba0", "upstream v2": "#762a83", "upstream v1": "#c2a5cf",
          "ours": "#1b7837", "upstream": "#762a83", "floor": "#999999"}


class PlotError(Exception):
    """gnuplot is missing or refused a script: said plainly."""


def gnuplot_svg(script):
    """Runs a gnuplot script that plots to the SVG terminal; returns the SVG."""
    head = "set terminal svg size 760,420 dynamic enhanced font 'sans,11' background rgb 'white'\n"
    try:
        p = subprocess.run([GNUPLOT], input=head + script, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise PlotError("gnuplot not found (ci/setup-host installs gnuplot-nox)")
    if p.returncode != 0 or "<svg" not in p.stdout:
        raise PlotError(f"gnuplot failed: {p.stderr.strip()[:400]}")
    svg = p.stdout
    return svg[svg.index("<svg"):]


def spread(row):
    reps = row.get("rep_p50") or []
    p50 = row["stats"]["p50"]
    return (min(reps), max(reps)) if reps else (p50, p50)


def block(name, lines):
    return f"${name} << EOD\n" + "\n".join(lines) + "\nEOD\n"


def rows(doc, case, **kw):
    return [r for r in (doc or {}).get("results", [])
            if r.get("case") == case and all(r.get(k) == v for k, v in kw.items())]


def points(row, x):
    """'x median low high' in µs, for a yerrorlines plot."""
    lo, hi = spread(row)
    return f"{x} {row['stats']['p50'] / 1e3:.3f} {lo / 1e3:.3f} {hi / 1e3:.3f}"


def line_plot(series, settings):
    """Lines with error bars, one per (name, points); None when there is nothing."""
    if not series:
        return None
    script = "".join(block(f"d{i}", s[1]) for i, s in enumerate(series))
    script += settings + "set grid\n"
    script += "plot " + ", ".join(
        f"$d{i} using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb '{COLORS[name]}' title '{name}'"
        for i, (name, _) in enumerate(series)) + "\n"
    return gnuplot_svg(script)


def map_latency(ours, up):
    """MAP+UNMAP median per call against pages per call, both modes, both kernels."""
    series = []
    for kernel, doc in (("ours", ours), ("upstream", up)):
        for mode in ("v1", "v2"):
            pts = sorted(rows(doc, "map", mode=mode, op="map_unmap"), key=lambda r: r["pages"])
            if pts:
                series.append((f"{kernel} {mode}", [points(r, r["pages"]) for r in pts]))
    svg = line_plot(series, "set logscale xy\nset xlabel 'IOMMU pages per MAP\\_DMA'\n"
                            "set ylabel 'MAP+UNMAP median (µs)'\nset key top left\n"
                            "set offsets graph 0.05,graph 0.05,0,0\n")
    return svg and ("MAP_DMA + UNMAP_DMA latency by size (log-log; bars: spread over repetitions)", svg)


def register_throughput(ours, up):
    """REGISTER throughput per backing and size: ours, upstream and the userspace floor."""
    keys = sorted({(r.get("backing", "anon"), r["bytes"]) for r in rows(ours, "register", op="register")})
    if not keys:
        return None
    lines = []
    for backing, size in keys:
        cols = []
        for doc, op in ((ours, "register"), (up, "register"), (ours, "touch_again")):
            r = next((x for x in rows(doc, "register", op=op, bytes=size) if x.get("backing", "anon") == backing),
                     None)
            if r is None:
                cols += ["NaN", "NaN", "NaN"]
                continue
            gib = size / (1 << 30)
            lo, hi = spread(r)
            cols += [f"{gib / (r['stats']['p50'] / 1e9):.3f}", f"{gib / (hi / 1e9):.3f}", f"{gib / (lo / 1e9):.3f}"]
        lines.append(f'"{backing} {size >> 20} MiB" ' + " ".join(cols))
    script = block("d", lines)
    script += ("set style data histogram\nset style histogram errorbars gap 1 lw 1\nset style fill solid 0.8 border -1\n"
               "set ylabel 'GiB/s (higher is better)'\nset key outside top center horizontal\nset grid ytics\n"
               "set yrange [0:*]\nset offsets 0,0,graph 0.05,0\n"
               "set xtics rotate by -20\n")
    script += (f"plot $d using 2:3:4:xtic(1) lc rgb '{COLORS['ours']}' title 'REGISTER, ours', "
               f"'' using 5:6:7 lc rgb '{COLORS['upstream']}' title 'REGISTER, upstream', "
               f"'' using 8:9:10 lc rgb '{COLORS['floor']}' title 'userspace touching the pages'\n")
    return "REGISTER_MEMORY throughput (bars: spread over repetitions)", gnuplot_svg(script)


def regions_scaling(ours, up):
    """1-page MAP+UNMAP median against the number of registered regions."""
    series = []
    for kernel, doc in (("ours", ours), ("upstream", up)):
        pts = sorted(rows(doc, "regions", op="map_unmap"), key=lambda r: r["regions"])
        if pts:
            series.append((kernel, [points(r, r["regions"]) for r in pts]))
    svg = line_plot(series, "set logscale x\nset xlabel 'registered regions'\n"
                            "set ylabel '1-page MAP+UNMAP median (µs)'\nset key top left\nset yrange [0:*]\n"
                            "set offsets graph 0.05,graph 0.05,graph 0.1,0\n")
    return svg and ("Map cost against the number of registered regions (v2)", svg)


# Recorded percentiles, evenly spaced on the x axis (a linear one would
# crush p99 and max into one point)
PERCENTILES = ("min", "p50", "p90", "p99", "max")
SIZE_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")


def latency_distribution(ours, up):
    """MAP+UNMAP latency at each recorded percentile (min, p50, p90, p99,
    max of all timed calls pooled), v1 and v2 on our kernel, one line per
    size: where the tails go, which the medians elsewhere do not show."""
    series = []
    for mode in ("v1", "v2"):
        for r in sorted(rows(ours, "map", mode=mode, op="map_unmap"), key=lambda r: r["pages"]):
            st = r["stats"]
            if all(k in st for k in PERCENTILES):
                series.append((mode, r["pages"], [f"{x} {st[k] / 1e3:.3f}" for x, k in enumerate(PERCENTILES)]))
    if not series:
        return None
    sizes = sorted({pages for _, pages, _ in series})
    color = {pages: SIZE_COLORS[i % len(SIZE_COLORS)] for i, pages in enumerate(sizes)}
    script = "".join(block(f"d{i}", pts) for i, (_, _, pts) in enumerate(series))
    script += ("set logscale y\nset xlabel 'timed calls, pooled over repetitions'\n"
               "set ylabel 'MAP+UNMAP latency (µs)'\nset key outside right\nset grid\n"
               "set xtics (" + ", ".join(f"'{k}' {x}" for x, k in enumerate(PERCENTILES)) + ")\n"
               f"set xrange [-0.2:{len(PERCENTILES) - 0.8}]\n")
    script += "plot " + ", ".join(
        f"$d{i} using 1:2 with linespoints lw 2 pt {7 if mode == 'v2' else 6} "
        f"dt {1 if mode == 'v2' else 2} lc rgb '{color[pages]}' title '{mode}, {pages} p'"
        for i, (mode, pages, _) in enumerate(series)) + "\n"
    return ("MAP_DMA + UNMAP_DMA latency distribution on our kernel, v1 (dashed) and v2, by pages per "
            "call (all timed calls pooled; log scale)", gnuplot_svg(script))


def all_plots(ours, up):
    out = []
    for f in (map_latency, latency_distribution, register_throughput, regions_scaling):
        p = f(ours, up)
        if p:
            out.append(p)
    return out


def prereg_pair_bars(lines, ylabel):
    """SVG bar chart of preregistered (v2) next to non-preregistered (v1)
    per label; each line is '"label" v2 v2lo v2hi v1 v1lo v1hi' (NaN when
    missing), the low/high values drawn as error bars."""
    script = block("d", lines)
    script += ("set style data histogram\nset style histogram errorbars gap 1 lw 1\n"
               f"set style fill solid 0.8 border -1\nset ylabel '{ylabel}'\n"
               "set key outside top center horizontal\nset grid ytics\nset yrange [0:*]\n"
               "set offsets 0,0,graph 0.05,0\nset xtics rotate by -15\n")
    script += (f"plot $d using 2:3:4:xtic(1) lc rgb '{COLORS['ours v2']}' "
               f"title 'preregistered (v2)', '' using 5:6:7 lc rgb '{COLORS['ours v1']}' "
               f"title 'non-preregistered (v1)'\n")
    return gnuplot_svg(script)


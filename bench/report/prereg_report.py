#!/usr/bin/env python3
"""Turn prereg result files into the comparison report (Markdown).

Reads a results directory laid out by the CTest tests:
    RESULTS/mapbench-ours/mapbench.json      prereg-mapbench on our kernel
    RESULTS/mapbench-ours/testhost.json      the runner's record of the test host
    RESULTS/mapbench-upstream/...            the same on upstream's kernel (optional)
    RESULTS/uapi-{ours,upstream}/uapi.json   the uAPI selftest (optional)
    RESULTS/kernel-rebuild/kernel-rebuild.json  one-file rebuild time (optional)
and writes RESULTS_OUT/report.md, report.json (every number the Markdown
shows, with the file it came from) and report.html (the same report as one
self-contained page, with SVG plots drawn by gnuplot).

Every ratio is v2 / v1 (preregistered / not): below 1 means v2 is faster.
Its spread is the range of the per-repetition ratios, pairing repetition i
of v1 with repetition i of v2 (the benchmark alternates modes within a
repetition, so each pair ran under the same conditions).
"""
import argparse
import datetime
import html
import json
import os
import shutil
import statistics
import sys

import prereg_bottom
import prereg_plots
import prereg_stats
import prereg_fio
import prereg_iperf
import prereg_json

SCHEMA = "prereg-mapbench/1"


class ReportError(Exception):
    """A result file is missing or malformed: said plainly, never guessed."""


def load_json(path):
    return prereg_json.read_result(path, ReportError)


def fmt_ns(ns):
    """Latency in the unit a reader compares easily."""
    if ns is None:
        return "n/a"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.1f} ms"
    return f"{ns / 1e9:.2f} s"


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}x"


def ratio(a, b):
    """a / b, or None when b is zero or either is missing."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def rep_ratio_range(num_reps, den_reps):
    """(min, max) of per-repetition ratios, or None."""
    pairs = [ratio(n, d) for n, d in zip(num_reps, den_reps)]
    pairs = [p for p in pairs if p is not None]
    if not pairs:
        return None
    return (min(pairs), max(pairs))


def fmt_range(rng, fmt):
    return "" if rng is None else f"{fmt(rng[0])} – {fmt(rng[1])}"


def per_rep(rng, fmt):
    """'; per-rep A – B', or nothing when there is no per-repetition data."""
    return f"; per-rep {fmt_range(rng, fmt)}" if rng else ""


def gib_per_s(nbytes, ns):
    if not ns:
        return None
    return nbytes / (1 << 30) / (ns / 1e9)


def index_rows(doc, case):
    return [r for r in doc.get("results", []) if r.get("case") == case]


def find(rows, **kw):
    for r in rows:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def map_section(doc, src):
    rows = index_rows(doc, "map")
    out, data = [], []
    if not rows:
        return ["_No map/unmap results in this run._"], data
    out.append("| pages | op | v1 p50 (per-rep range) | v2 p50 (per-rep range) | v2/v1 p50 (per-rep range) | v1 p90 / p99 | v2 p90 / p99 |")
    out.append("|---:|---|---:|---:|---:|---:|---:|")
    pages = sorted({r["pages"] for r in rows})
    for p in pages:
        for op in ("map", "unmap", "map_unmap"):
            a, b = find(rows, pages=p, op=op, mode="v1"), find(rows, pages=p, op=op, mode="v2")
            if a is None or b is None:
                continue
            sa, sb = a["stats"], b["stats"]
            r = ratio(sb["p50"], sa["p50"])
            rr = rep_ratio_range(b.get("rep_p50", []), a.get("rep_p50", []))
            out.append(
                f"| {p} | {op} | {fmt_ns(sa['p50'])} ({fmt_range(minmax(a.get('rep_p50')), fmt_ns)}) "
                f"| {fmt_ns(sb['p50'])} ({fmt_range(minmax(b.get('rep_p50')), fmt_ns)}) "
                f"| **{fmt_ratio(r)}** ({fmt_range(rr, fmt_ratio)}) "
                f"| {fmt_ns(sa['p90'])} / {fmt_ns(sa['p99'])} | {fmt_ns(sb['p90'])} / {fmt_ns(sb['p99'])} |")
            data.append({"pages": p, "op": op, "v1_p50_ns": sa["p50"], "v2_p50_ns": sb["p50"],
                         "v2_over_v1": r, "v2_over_v1_rep_range": rr, "source": src})
    n = rows[0]["stats"]["n"]
    out.append("")
    out.append(f"Each cell pools {n} timed ioctls per mode and size ({doc['params']['reps']} repetitions of "
               f"{doc['params']['iterations']} after {doc['params']['warmup']} warm-up); "
               "IOMMU page = %d bytes." % doc.get("iommu", {}).get("iommu_page_size", 4096))
    return out, data


def minmax(v):
    return (min(v), max(v)) if v else None


def backing_of(r):
    """Memory behind a registration row; results before hugetlb rows were anonymous."""
    return r.get("backing", "anon")


def register_section(doc, src):
    rows = index_rows(doc, "register")
    out, data = [], []
    if not rows:
        return ["_No registration results in this run._"], data
    out.append("| memory | size | REGISTER p50 (per-rep range) | GiB/s | UNREGISTER p50 | GiB/s | touch pages again (floor) GiB/s | first touch GiB/s | VmLck before → registered → after (KiB) |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for backing, size in sorted({(backing_of(r), r["bytes"]) for r in rows}):
        sel = [r for r in rows if backing_of(r) == backing]
        reg = find(sel, bytes=size, op="register")
        unreg = find(sel, bytes=size, op="unregister")
        again = find(sel, bytes=size, op="touch_again")
        first = find(sel, bytes=size, op="touch_first")
        if not (reg and unreg and again and first):
            continue
        g = lambda r: gib_per_s(size, r["stats"]["p50"])
        vm = f"{reg.get('vmlck_kib_before')} → {reg.get('vmlck_kib_registered')} → {reg.get('vmlck_kib_after')}"
        rng = fmt_range(minmax(reg.get("rep_p50")), fmt_ns)
        out.append(f"| {backing} | {size >> 20} MiB | {fmt_ns(reg['stats']['p50'])}{f' ({rng})' if rng else ''} | {g(reg):.2f} | "
                   f"{fmt_ns(unreg['stats']['p50'])} | {g(unreg):.2f} | {g(again):.2f} | {g(first):.2f} | {vm} |")
        data.append({"backing": backing, "bytes": size, "register_gib_s": g(reg), "unregister_gib_s": g(unreg),
                     "touch_again_gib_s": g(again), "first_touch_gib_s": g(first),
                     "vmlck_kib": [reg.get("vmlck_kib_before"), reg.get("vmlck_kib_registered"),
                                   reg.get("vmlck_kib_after")], "source": src})
    out.append("")
    out.append("Throughput is size / median time over repetitions. \"Touch pages again\" writes one word per "
               "system page of the same, already populated memory from userspace: a reference for what "
               "visiting every page costs (under TCG each such write also pays a software TLB fill, so the "
               "kernel's page-table walk can beat it). VmLck is the process's locked memory as the kernel "
               "charges it. anon is anonymous memory (THP where the kernel gives it), hugetlb is "
               "MAP_HUGETLB memory of the default huge page size. "
               "Both cores unpin after UNREGISTER returns (upstream in an RCU callback, ours in a worker "
               "after the grace period), so UNREGISTER times do not include the unpin itself.")
    return out, data


def regions_section(doc, src):
    rows = index_rows(doc, "regions")
    out, data = [], []
    if not rows:
        return ["_No region-scaling results in this run._"], data
    base = {op: find(rows, regions=min(r["regions"] for r in rows), op=op) for op in ("map", "unmap", "map_unmap")}
    out.append("| registered regions | 1-page MAP_DMA p50 | vs fewest regions | 1-page UNMAP_DMA p50 | vs fewest regions | MAP+UNMAP p50 |")
    out.append("|---:|---:|---:|---:|---:|---:|")
    for n in sorted({r["regions"] for r in rows}):
        m, u = find(rows, regions=n, op="map"), find(rows, regions=n, op="unmap")
        if not (m and u):
            continue
        rm = ratio(m["stats"]["p50"], base["map"]["stats"]["p50"])
        ru = ratio(u["stats"]["p50"], base["unmap"]["stats"]["p50"])
        b = find(rows, regions=n, op="map_unmap")
        out.append(f"| {n} | {fmt_ns(m['stats']['p50'])} ({fmt_range(minmax(m.get('rep_p50')), fmt_ns)}) "
                   f"| {fmt_ratio(rm)} | {fmt_ns(u['stats']['p50'])} ({fmt_range(minmax(u.get('rep_p50')), fmt_ns)}) "
                   f"| {fmt_ratio(ru)} | {fmt_ns(b['stats']['p50']) if b else 'n/a'} |")
        data.append({"regions": n, "map_p50_ns": m["stats"]["p50"], "unmap_p50_ns": u["stats"]["p50"],
                     "map_vs_fewest": rm, "unmap_vs_fewest": ru, "source": src})
    out.append("")
    out.append("v2 only. Each region is one system page registered on its own; iterations visit every "
               "region in turn, so the figure averages over the whole registry.")
    return out, data


def component_lines(results_dir):
    """Our QEMU and libvirt as built for this run: results/components/*.json
    (the build steps' qemu.json and libvirt.json, copied by --component)."""
    d = os.path.join(results_dir, "components")
    out = []
    for name, label in (("qemu.json", "Our QEMU"), ("libvirt.json", "Our libvirt")):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            continue
        c = load_json(p)
        b = c.get("build", {})
        out.append(f"- **{label}:** {c.get('version', '?')} from Debian `{c.get('source', '?')}` "
                   f"({c.get('debian_version', '?')}) + {len(c.get('patches', []))} patches, series hash "
                   f"`{c.get('series_sha256_16', '?')}`; build {b.get('kind', '?')} in {b.get('seconds', '?')} s "
                   f"on {b.get('jobs', '?')} jobs.")
    return out


def testhost_lines(th):
    k = th.get("kernel") or {}
    rf = th.get("rootfs") or {}
    pk = rf.get("packages", {})
    l0, l1 = th.get("l0", {}), th.get("l1", {})
    return [
        f"- **Test host kernel:** `{k.get('release', '?')}` built from Debian `{k.get('source_package', '?')}` "
        f"{k.get('source_version', '?')}, variant `{k.get('variant', '?')}`, series hash `{k.get('series_sha256_16', '?')}` "
        f"({len(k.get('patches', []))} patches); build {k.get('build', {}).get('kind', '?')} in "
        f"{k.get('build', {}).get('seconds', '?')} s on {k.get('build', {}).get('jobs', '?')} jobs.",
        f"- **Test host (L1):** {l1.get('smp', '?')} vCPUs, {l1.get('mem', '?')} RAM, Debian {rf.get('suite', '?')} "
        f"ppc64el (QEMU {pk.get('qemu-system-ppc', '?')}, libvirt {pk.get('libvirt-daemon', '?')}); "
        f"boot to command {th.get('boot_to_command_s', '?')} s, command {th.get('command_s', '?')} s.",
        f"- **Machine (L0):** {l0.get('cpu', '?')}, {l0.get('ncpus', '?')} CPUs; {l0.get('emulator', '?')}, "
        f"accel {l0.get('accel', '?')}." + (" POWER emulated in software: absolute times are far slower than "
                                            "hardware; compare ratios." if l0.get("accel") == "tcg" else ""),
    ]


def build_section(results_dir, th):
    """Kernel build times: the fixture's own build and the one-file rebuild."""
    k = (th.get("kernel") or {}).get("build", {})
    out = [f"- Kernel build behind this run: {k.get('kind', '?')}, {k.get('seconds', '?')} s on "
           f"{k.get('jobs', '?')} jobs ({k.get('date', '?')}); a `cached` run reuses it without building."]
    path = os.path.join(results_dir, "kernel-rebuild", "kernel-rebuild.json")
    data = {"kernel_build": k}
    if os.path.exists(path):
        rb = load_json(path)
        out.append(f"- Touching `{rb['touched']}` and rebuilding vmlinux: {rb['seconds']:.0f} s on "
                   f"{rb['jobs']} jobs ({rb['objects_compiled']} objects compiled; goal: under 120 s).")
        data["one_file_rebuild"] = rb
    else:
        out.append("- One-file rebuild: not measured in this run.")
    return out, data


def load_mapbench(results_dir, kernel):
    src = f"mapbench-{kernel}/mapbench.json"
    doc = load_json(os.path.join(results_dir, src))
    if doc.get("schema") != SCHEMA:
        raise ReportError(f"{src}: schema {doc.get('schema')!r}, expected {SCHEMA!r}")
    th = load_json(os.path.join(results_dir, f"mapbench-{kernel}", "testhost.json"))
    return src, doc, th


def ours_vs_upstream_section(ours, up, up_src):
    """Same case, same mode: our kernel's median over upstream's."""
    out = ["| case | mode | size | op | upstream p50 | ours p50 | ours / upstream (per-rep range) |",
           "|---|---|---:|---|---:|---:|---:|"]
    data = []
    for r in ours.get("results", []):
        key = {k: r.get(k) for k in ("case", "mode", "op", "pages", "bytes", "regions", "backing")}
        u = find(up.get("results", []), **key)
        if u is None:
            continue
        size = (f"{r['regions']} regions" if r.get("regions") else
                f"{r['pages']} pages" if r.get("pages") else
                f"{r['bytes'] >> 20} MiB {backing_of(r)}")
        rt = ratio(r["stats"]["p50"], u["stats"]["p50"])
        rr = rep_ratio_range(r.get("rep_p50", []), u.get("rep_p50", []))
        out.append(f"| {r['case']} | {r['mode']} | {size} | {r['op']} | {fmt_ns(u['stats']['p50'])} | "
                   f"{fmt_ns(r['stats']['p50'])} | **{fmt_ratio(rt)}**{f' ({fmt_range(rr, fmt_ratio)})' if rr else ''} |")
        data.append(dict(key, upstream_p50_ns=u["stats"]["p50"], ours_p50_ns=r["stats"]["p50"],
                         ours_over_upstream=rt, rep_range=rr, source=up_src))
    out.append("")
    out.append("Below 1 means our kernel is faster. The two kernels ran one after the other on the same "
               "test host configuration; the per-repetition range pairs repetition i of each.")
    return out, data


# Why a goal can fall short, stated next to it when it does: what the run
# measured cannot say why by itself, the design can.
WHY_MISSED = {
    "REGISTER throughput": "Registration walks every system page three times (GUP fills the page array, "
                           "FOLL_LONGTERM checks each folio, the core converts pages to addresses); ours "
                           "saves the zeroing of the array and per-page folio lookups, not the walks.",
    "1-page MAP+UNMAP p50, 1 region": "One page costs a syscall, the ioctl dispatch and one hypervisor call "
                                      "each way; the region lookup this core speeds up is a small part of it.",
    "4096-page MAP+UNMAP": "Hypervisor calls and per-page lookups are batched (16 calls and 16 lookups per "
                           "4096-page map+unmap): what remains per page is filling the TCE list, the "
                           "hypervisor's own per-TCE work and the userspace view.",
    "256-page MAP+UNMAP": "Per-page work that cannot be batched remains: the TCE list, the hypervisor's "
                          "per-TCE work and the userspace view.",
}


def why_missed(name):
    return next((w for k, w in WHY_MISSED.items() if name.startswith(k)), "")


def goal_row(name, target, r, extra="", control=""):
    """A goal "speed-up at least target" judged on r (prereg_stats), by its
    95% interval: met, missed or inconclusive. control: what is wrong with
    the control measured next to it (control_problem()), which leaves no
    verdict but inconclusive: the runs differ in more than the kernel."""
    verdict = prereg_stats.verdict(r, target)
    if control:
        extra = f"{extra}. Control: {control}"
        if verdict in ("met", "missed"):
            verdict = "inconclusive (control differs)"
    if verdict == "missed" and why_missed(name):
        extra = f"{extra}. Why: {why_missed(name)}" if extra else f"Why: {why_missed(name)}"
    return {"goal": name, "target": f"≥ {target:g}x", "value": r and r["value"], "ci": r and r["ci"],
            "verdict": verdict, "detail": extra,
            "md": f"| {name} | ≥ {target:g}x | {prereg_stats.fmt(r)} | **{verdict}** | {extra} |"}


def rep_p50s(row):
    """A row's per-repetition medians (its overall median when it has none)."""
    return row.get("rep_p50") or [row["stats"]["p50"]]


def rep_median(row):
    """The median of a row's per-repetition medians (what the goals compare)."""
    return statistics.median(rep_p50s(row))


def control_problem(ours_row, up_row, spread=1.5, band=(0.8, 1.25)):
    """What is wrong with a pure-userspace control (touching pages that are
    already populated) measured in both kernels' runs, or "": it must be
    steady within each run (slowest repetition at most spread times the
    fastest) and the same in both (the interval of their ratio inside
    band). Otherwise the runs differ in something other than the kernel
    code compared (memory pressure, THP, the emulator), and the comparison
    next to it cannot be trusted either way."""
    if not ours_row or not up_row:
        return ""
    out = []
    for who, row in (("ours", ours_row), ("upstream", up_row)):
        reps = row.get("rep_p50") or []
        if len(reps) >= 2 and max(reps) > spread * min(reps):
            out.append(f"unsteady in the {who} run (repetitions {fmt_ns(min(reps))} to {fmt_ns(max(reps))})")
    r = speedup(ours_row, up_row)
    if r and r["ci"] and (r["ci"][0] > band[1] or r["ci"][1] < band[0]):
        out.append(f"differs between the runs (upstream / ours {prereg_stats.fmt(r)})")
    return "; ".join(out)


def speedup(ours_row, up_row):
    """Upstream's median time over ours, from each kernel's per-repetition
    medians (different boots: unpaired), with its interval."""
    if not ours_row or not up_row:
        return None
    return prereg_stats.unpaired(rep_p50s(up_row), rep_p50s(ours_row))


def goals_section(ours, up):
    """The kernel core's speed goals, each from rows of this run's two mapbench files."""
    rows = []
    o_rg, u_rg = index_rows(ours, "regions"), index_rows(up, "regions")
    counts = sorted({r["regions"] for r in o_rg} & {r["regions"] for r in u_rg})
    # Was "ours / upstream at most 0.95x and 0.50x": the same goals as speed-ups
    for n, target in ((counts[0] if counts else None, 1.05),
                      (counts[-1] if len(counts) > 1 else None, 2.0)):
        if n is None:
            continue
        o = find(o_rg, regions=n, op="map_unmap")
        u = find(u_rg, regions=n, op="map_unmap")
        detail = f"ours {fmt_ns(rep_median(o))} vs upstream {fmt_ns(rep_median(u))}" if o and u else ""
        rows.append(goal_row(f"1-page MAP+UNMAP p50, {n} region(s): speed-up of ours over upstream", target,
                             speedup(o, u), detail))
    o_reg, u_reg = index_rows(ours, "register"), index_rows(up, "register")
    for backing, target in (("anon", 1.5), ("hugetlb", 2.0)):
        sizes = sorted({r["bytes"] for r in o_reg if backing_of(r) == backing} &
                       {r["bytes"] for r in u_reg if backing_of(r) == backing})
        if not sizes:
            rows.append(goal_row(f"REGISTER throughput, {backing}: ours / upstream", target, None))
            continue
        size = sizes[-1]
        sel_o = [r for r in o_reg if backing_of(r) == backing]
        sel_u = [r for r in u_reg if backing_of(r) == backing]
        o, u = find(sel_o, bytes=size, op="register"), find(sel_u, bytes=size, op="register")
        floor = find(sel_o, bytes=size, op="touch_again")
        detail = (f"{size >> 20} MiB: ours {gib_per_s(size, rep_median(o)):.1f} GiB/s, upstream "
                  f"{gib_per_s(size, rep_median(u)):.1f} GiB/s; userspace touching the same pages "
                  f"{gib_per_s(size, floor['stats']['p50']):.1f} GiB/s" if floor else "")
        rows.append(goal_row(f"REGISTER throughput, {backing}: ours / upstream", target, speedup(o, u), detail,
                             control_problem(floor, find(sel_u, bytes=size, op="touch_again"))))
    # Batched TCE updates: map+unmap of our v2 against upstream's v1 and v2.
    o_map, u_map = index_rows(ours, "map"), index_rows(up, "map")
    for pages, umode, target in ((256, "v1", 3.0), (256, "v2", 2.5), (4096, "v2", 10.0), (1, "v2", 1.0)):
        o = find(o_map, pages=pages, mode="v2", op="map_unmap")
        u = find(u_map, pages=pages, mode=umode, op="map_unmap")
        detail = f"ours {fmt_ns(rep_median(o))} vs upstream {fmt_ns(rep_median(u))}" if o and u else ""
        rows.append(goal_row(f"{pages}-page MAP+UNMAP p50, speed-up of our v2 over upstream {umode}",
                             target, speedup(o, u), detail))
    out = ["| goal | target | measured [95% CI] | verdict | detail |", "|---|---|---:|---|---|"]
    out += [r.pop("md") for r in rows]
    out.append("")
    out.append("Every ratio is a speed-up: upstream's time over ours (above 1: ours is faster), the ratio "
               "of the geometric means of each kernel's per-repetition medians, with a 95% Welch t "
               "interval on their logarithms (the kernels ran in different boots, so repetitions are "
               "not paired). A goal is met only when "
               "the whole interval clears its target, missed when the whole interval is below it, and "
               "inconclusive otherwise. Both kernels on the same test host configuration, one after the "
               "other; the times shown are the medians of the per-repetition medians. The 1-page no-worse goal compares with upstream, which this run measured, not with "
               "the series before batching.")
    return out, rows


def goal_table(goals):
    """Markdown rows of goals measured against their targets (ratios)."""
    def measured(g):
        return prereg_stats.fmt(None if g["value"] is None else {"value": g["value"], "ci": g.get("ci")})
    return (["| goal | target | measured [95% CI] | verdict |", "|---|---|---:|---|"] +
            [f"| {g['goal']} | {g['target']} | {measured(g)} | {g['verdict']} |" for g in goals])


def l2_window_section(results_dir):
    """The L2 guest's 64-bit DMA window set-up time per guest RAM size, per kernel."""
    docs = {}
    for k in ("ours", "upstream"):
        p = os.path.join(results_dir, f"l2-window-{k}", "l2-window.json")
        if os.path.exists(p):
            docs[k] = load_json(p)
    if not docs:
        return [], []
    sizes = sorted({r["ram_bytes"] for d in docs.values() for r in d.get("runs", [])})
    out = ["| guest RAM | upstream: window set-up | ours: window set-up | ours / upstream | direct mapping, "
           "window / NVMe (upstream; ours) | TCEs mapped (ours) | ours per TCE | QEMU registering RAM "
           "(upstream; ours) | guest run, boot to power-off (upstream; ours) | data read back |",
           "|---:|---:|---:|---:|---|---:|---:|---|---|---|"]
    data = []
    for size in sizes:
        row = {k: next((r for r in d.get("runs", []) if r["ram_bytes"] == size), None) for k, d in docs.items()}
        o, u = row.get("ours"), row.get("upstream")
        so = o and o.get("ddw_seconds")
        su = u and u.get("ddw_seconds")
        tces = o and o.get("mapped_tces_max")
        # Per TCE only when the window mapped the guest's RAM: otherwise the
        # TCEs counted are the guest's per-I/O ones, not the window's.
        # And only when the TCEs counted can cover the RAM at the window's
        # largest page size (16 MiB): fewer means the mappings were not
        # counted (or not made) where debugfs looks.
        covers = tces and tces * (16 << 20) >= size
        # Only the NVMe's mappings reach this host's IOMMU (older results
        # lack its field: the window's then).
        nvme_dm = o and o.get("nvme_direct_mapping", o.get("direct_mapping"))
        per = (so / tces * 1e9) if so and covers and nvme_dm == 1 else None
        ok = all(r.get("data_ok") for r in row.values() if r)
        dm = "; ".join(f"{r.get('direct_mapping', '?')} / {r.get('nvme_direct_mapping', '?')}" if r else "n/a"
                       for r in (u, o))
        reg = [r.get("qemu_register_us") if r else None for r in (u, o)]
        run = [r.get("l2_run_seconds") if r else None for r in (u, o)]
        out.append(f"| {size >> 20} MiB | {fmt_ns(su * 1e9) if su is not None else 'n/a'} | "
                   f"{fmt_ns(so * 1e9) if so is not None else 'n/a'} | {fmt_ratio(ratio(so, su))} | {dm} | "
                   f"{tces if tces is not None else 'n/a'} | {fmt_ns(per)} | "
                   + "; ".join(fmt_ns(v * 1e3) if v is not None else "n/a" for v in reg) + " | "
                   + "; ".join(f"{v} s" if v is not None else "n/a" for v in run)
                   + f" | {'intact' if ok else 'FAILED'} |")
        data.append({"ram_bytes": size, "upstream_s": su, "ours_s": so, "ours_over_upstream": ratio(so, su),
                     "qemu_register_us": dict(zip(("upstream", "ours"), reg)),
                     "l2_run_seconds": dict(zip(("upstream", "ours"), run)),
                     "mapped_tces": tces, "ours_ns_per_tce": per, "data_ok": ok,
                     "source": [f"l2-window-{k}/l2-window.json" for k in docs]})
    out.append("")
    out.append("QEMU registering RAM: the sum of the durations QEMU traces for its REGISTER_MEMORY "
               "calls before the guest runs, the start-up cost preregistration adds (a fresh guest's RAM "
               "is faulted in and pinned there). Guest run: the whole L2 run, boot to power-off, as the "
               "test host saw it (seconds).")
    out.append("")
    out.append("Measured in the L2 guest's own kernel log, from the first `ibm,query-pe-dma-windows` to "
               "the last `direct mapping` line of the device that set the window up (one run per size and "
               "kernel, our QEMU, preregistered mode). The NVMe sits on the guest's default PHB, as libvirt "
               "places it; all devices there share one PE and one window, which the first device to probe "
               "(often the virtio disk) creates. Direct mapping 1: that device (window) or the NVMe mapped all "
               "the guest's RAM through the 64-bit window; 0: it maps per I/O, and the time is the window's "
               "set-up only. Only the NVMe's mappings reach this host's IOMMU; the virtio disk's stay in "
               "QEMU/KVM. TCEs mapped: the most debugfs counted for QEMU while the guest ran "
               "(sampled each second). No ioctl is involved: KVM answers the guest's TCE hypercalls for a "
               "preregistered container in the kernel. Where the time goes: each guest TCE (16 MiB) is "
               "4096 host TCEs (4 KiB); upstream KVM maps them one at a time, a region lookup and two "
               "hypervisor calls (H_GET_TCE, H_PUT_TCE) each, while ours (the kernel patch \"Map H_PUT_TCE_INDIRECT lists into VFIO tables in batches\") maps a guest "
               "list of consecutive TCEs in batches of 512 host TCEs, one lookup and one H_PUT_TCE_INDIRECT "
               "each. Per TCE is left out when the TCEs counted cannot "
               "cover the RAM even at the window's largest page size (16 MiB).")
    return out, data


def uapi_doc(path):
    """The uAPI selftest's result: one document (prereg-uapi/1), or the
    kernel record followed by one object per case (prereg-uapi/2, the
    kselftest_harness version, which appends case by case)."""
    objs = prereg_json.read_stream(path, ReportError, "uAPI selftest")
    if len(objs) == 1 and "cases" in objs[0]:
        return objs[0]
    if not objs or "kernel" not in objs[0]:
        raise ReportError(f"{path}: no kernel record first")
    return {"kernel": objs[0]["kernel"], "cases": [o for o in objs[1:] if "id" in o]}


def uapi_lines(results_dir):
    """One line on the uAPI selftest per kernel, when it ran."""
    out = []
    for k in ("upstream", "ours"):
        p = os.path.join(results_dir, f"uapi-{k}", "uapi.json")
        if os.path.exists(p):
            d = uapi_doc(p)
            bad = [c["id"] for c in d["cases"] if not c["ok"]]
            out.append(f"- uAPI selftest on {k} (`{d['kernel']['release']}`): {len(d['cases']) - len(bad)} of "
                       f"{len(d['cases'])} cases as specified" + (f"; differs in {', '.join(bad)}" if bad else "") + ".")
    if out:
        out.append("- Side by side: `uapi-table.md` in the results directory.")
    return out


def build_report(results_dir, title="prereg: preregistered (v2) vs non-preregistered (v1) sPAPR VFIO",
                 run_label=None, suite_seconds=None):
    src, doc, th = load_mapbench(results_dir, "ours")
    up = None
    if os.path.exists(os.path.join(results_dir, "mapbench-upstream", "mapbench.json")):
        up_src, up, _ = load_mapbench(results_dir, "upstream")

    map_md, map_data = map_section(doc, src)
    reg_md, reg_data = register_section(doc, src)
    rgn_md, rgn_data = regions_section(doc, src)

    summary = []
    one = [d for d in map_data if d["pages"] == min(x["pages"] for x in map_data)] if map_data else []
    big = [d for d in map_data if d["pages"] == max(x["pages"] for x in map_data)] if map_data else []
    for label, sel in (("smallest", one), ("largest", big)):
        m = [d for d in sel if d["op"] == "map"]
        if m and m[0]["v2_over_v1"] is not None:
            summary.append(f"MAP_DMA of {m[0]['pages']} page(s) takes {fmt_ratio(m[0]['v2_over_v1'])} the time with "
                           f"preregistration ({fmt_ns(m[0]['v2_p50_ns'])} vs {fmt_ns(m[0]['v1_p50_ns'])} median).")
    if reg_data:
        big_reg = max(reg_data, key=lambda d: d["bytes"])
        summary.append(f"Registering {big_reg['bytes'] >> 20} MiB runs at {big_reg['register_gib_s']:.2f} GiB/s "
                       f"(userspace touches the same pages at {big_reg['touch_again_gib_s']:.2f} GiB/s).")
    if rgn_data:
        most = max(rgn_data, key=lambda d: d["regions"])
        summary.append(f"With {most['regions']} registered regions a 1-page map costs {fmt_ratio(most['map_vs_fewest'])} "
                       f"what it costs with {min(d['regions'] for d in rgn_data)}.")

    if up is not None:
        g = goals_section(doc, up)[1]
        met = [x for x in g if x["verdict"] == "met"]
        missed = [x for x in g if x["verdict"] == "missed"]
        measured = [x for x in g if x["value"] is not None]
        if measured:
            summary.append(f"Kernel goals against upstream: {len(met)} of {len(measured)} measured goals met, "
                           f"{len(missed)} missed, {len(measured) - len(met) - len(missed)} inconclusive "
                           f"(95% intervals)"
                           + (f", {len(g) - len(measured)} not measured in this run" if len(measured) < len(g) else "")
                           + " (see \"Goals of the kernel core\").")
    try:
        _, fio_rows, _ = prereg_fio.section(results_dir)
    except prereg_fio.FioError:
        fio_rows = []
    for c in fio_rows:
        if c["dma"] == "dynamic" and c["job"] == "randread-4k-qd1" and c["paired"]:
            summary.append(f"In an L2 guest mapping every I/O (dynamic DMA), 4k random reads at QD1 run at "
                           f"{prereg_stats.fmt(c['paired'])} the IOPS with preregistration (geometric "
                           f"mean of paired repetitions, 95% interval), {prereg_stats.fmt(c['vs_ceiling'])} of the "
                           f"test host's own (see \"fio\").")
    try:
        _, ip_rows, _ = prereg_iperf.section(results_dir)
    except prereg_iperf.IperfError:
        ip_rows = []
    for c in ip_rows:
        if c["dma"] == "dynamic" and c["job"] == "iperf3-P1" and c["paired"]:
            summary.append(f"Through the passthrough NIC of such a guest, one TCP stream carries "
                           f"{prereg_stats.fmt(c['paired'])} the throughput with preregistration (geometric "
                           f"mean of paired repetitions, 95% interval; see \"iperf3\").")
    bottom_md, bottom_data = prereg_bottom.section(
        fio_rows, ip_rows, goals_section(doc, up)[1] if up is not None else [],
        l2_window_section(results_dir)[1])
    md = [f"# {title}", ""]
    md.append(f"_Generated {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"
              + (f" from run `{run_label}`" if run_label else "") + "._")
    md.append("")
    md.append("## Bottom line")
    md.append("")
    md += bottom_md
    md.append("")
    md.append("## Summary")
    md.append("")
    md += [f"- {s}" for s in summary] or ["- No comparable results."]
    md.append("")
    md.append("## What ran")
    md.append("")
    md += testhost_lines(th)
    md += component_lines(results_dir)
    md.append(f"- **Device:** `{doc['device']['bdf']}` (IOMMU group {doc['device']['iommu_group']}), "
              f"32-bit DMA window {doc['iommu']['dma32_size'] >> 20} MiB; test host page size "
              f"{doc['kernel']['page_size']} bytes"
              + (f", MMU {doc['machine']['mmu']}, THP {doc['machine']['thp_enabled']} (defrag "
                 f"{doc['machine'].get('thp_defrag', '?')})" if "mmu" in doc.get("machine", {}) else "")
              + ".")
    md.append("- **Deployment modelled:** a pseries host, i.e. KVM in a PowerVM LPAR or nested KVM "
              "(the test host is itself a pseries guest, TCEs set through hypercalls); bare-metal "
              "powernv is not covered.")
    if suite_seconds is not None:
        md.append(f"- **Test suite runtime up to this report:** {suite_seconds / 60:.1f} min.")
    md.append("")
    md.append("## MAP_DMA / UNMAP_DMA latency: v1 (pins per map) vs v2 (preregistered)")
    md.append("")
    md += map_md
    md.append("")
    md.append("## REGISTER / UNREGISTER_MEMORY throughput (v2)")
    md.append("")
    md += reg_md
    md.append("")
    md.append("## Map latency vs number of registered regions (v2)")
    md.append("")
    md += rgn_md
    md.append("")
    vs_data, goal_data = [], []
    if up is not None:
        goal_md, goal_data = goals_section(doc, up)
        md.append("## Goals of the kernel core, measured")
        md.append("")
        md += goal_md
        md.append("")
        vs_md, vs_data = ours_vs_upstream_section(doc, up, up_src)
        md.append(f"## Our kernel vs upstream (`{up['kernel']['release']}`)")
        md.append("")
        md += vs_md
        md.append("")
    l2_md, l2_data = l2_window_section(results_dir)
    if l2_md:
        md.append("## An L2 guest's 64-bit DMA window: set-up time")
        md.append("")
        md += l2_md
        md.append("")
    try:
        fio_md, fio_data, fio_goals = prereg_fio.section(results_dir)
    except prereg_fio.FioError as e:
        raise ReportError(str(e))
    if fio_md:
        md.append("## fio through the passthrough NVMe: L2 guests defined with virsh")
        md.append("")
        md += fio_md
        md.append("")
        md.append("Goals of the I/O benchmark (measured, not asserted):")
        md.append("")
        md += goal_table(fio_goals)
        md.append("")
    try:
        ip_md, ip_data, ip_goals = prereg_iperf.section(results_dir)
    except prereg_iperf.IperfError as e:
        raise ReportError(str(e))
    if ip_md:
        md.append("## iperf3 through the passthrough NIC: L2 guests defined with virsh")
        md.append("")
        md += ip_md
        md.append("")
        md += goal_table(ip_goals)
        md.append("")
    uapi = uapi_lines(results_dir)
    if uapi:
        md.append("## Correctness: the uAPI selftest")
        md.append("")
        md += uapi
        md.append("")
    bld_md, bld_data = build_section(results_dir, th)
    md.append("## Statistics note")
    md.append("")
    md.append("Every ratio reads the same way: above 1 favours preregistration (or our kernel). Paired "
              "repetitions (the two modes run next to each other in one boot) give the geometric mean "
              "of the per-pair ratios with a 95% Student t interval on their logarithms; repetitions "
              "of different boots (our kernel, upstream) give the ratio of geometric means with a 95% "
              "Welch t interval. With the few repetitions a run affords the intervals are wide: a "
              "goal is met only when its whole interval clears the target (and excludes no change), "
              "missed when the whole interval is below it, inconclusive otherwise. The \"per-rep "
              "range\" columns are the lowest and highest single ratios, not an interval.")
    md.append("")
    md.append("## Building the kernel (2 cores)")
    md.append("")
    md += bld_md
    md.append("")
    md.append(f"Sources, in the results directory: `{src}` and `mapbench-ours/testhost.json`"
              + (", `mapbench-upstream/`" if up is not None else "")
              + ", `uapi-*/uapi.json`, `kernel-rebuild/kernel-rebuild.json`.")
    md.append("")
    data = {"map": map_data, "register": reg_data, "regions": rgn_data, "build": bld_data,
            "ours_vs_upstream": vs_data, "goals": goal_data, "l2_window": l2_data,
            "fio": fio_data if fio_md else [], "fio_goals": fio_goals if fio_md else [],
            "iperf3": ip_data, "iperf3_goals": ip_goals, "testhost": th,
            "kernel_in_host": doc.get("kernel"), "machine_in_host": doc.get("machine"),
            "run": run_label, "suite_seconds": suite_seconds, "bottom_line": bottom_data}
    return "\n".join(md), data


HTML_STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; }
th { background: #f0f0f0; }
td { text-align: right; }
td:first-child { text-align: left; }
code { background: #f4f4f4; padding: 0 0.2em; }
figure { margin: 1.5em 0; }
figcaption { font-size: 0.9em; color: #555; }
svg { max-width: 100%; height: auto; }
"""


def build_plots(results_dir):
    """(title, svg) per plot, from the same result files as the report."""
    _, ours, _ = load_mapbench(results_dir, "ours")
    up = None
    if os.path.exists(os.path.join(results_dir, "mapbench-upstream", "mapbench.json")):
        _, up, _ = load_mapbench(results_dir, "upstream")
    try:
        return (prereg_plots.all_plots(ours, up) + prereg_fio.plots(results_dir)
                + prereg_iperf.plots(results_dir))
    except prereg_plots.PlotError as e:
        raise ReportError(str(e))
    except (prereg_fio.FioError, prereg_iperf.IperfError) as e:
        raise ReportError(str(e))


def build_html(md, plots, title="prereg report"):
    """One self-contained page: the Markdown report, its plots inline."""
    try:
        import markdown
    except ImportError:
        raise ReportError("python3-markdown is missing (ci/setup-host installs it)")
    body = markdown.markdown(md, extensions=["tables"])
    figs = "".join(f"<figure>{svg}<figcaption>{html.escape(t)}</figcaption></figure>" for t, svg in plots)
    section = f"<h2>Plots</h2>{figs}" if figs else ""
    # The plots right after the summary: what a reader looks at first.
    at = body.find("<h2>What ran</h2>")
    body = body[:at] + section + body[at:] if at >= 0 else body + section
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{HTML_STYLE}</style></head>"
            f"<body>{body}</body></html>\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True, help="results directory")
    ap.add_argument("--out", required=True, help="directory for report.md and report.json")
    ap.add_argument("--run-label", help="which run made these results")
    ap.add_argument("--suite-start", help="file whose mtime marks the start of the test suite")
    ap.add_argument("--component", action="append", default=[],
                    help="a build step's JSON (qemu.json, libvirt.json) to copy into the results and report")
    a = ap.parse_args(argv)
    for c in a.component:
        # Copied, so the results directory alone can remake the report.
        if not os.path.exists(c):
            print(f"prereg-report: error: no component record {c}", file=sys.stderr)
            return 1
        os.makedirs(os.path.join(a.results, "components"), exist_ok=True)
        shutil.copy(c, os.path.join(a.results, "components", os.path.basename(c)))
    suite = None
    if a.suite_start and os.path.exists(a.suite_start):
        suite = datetime.datetime.now().timestamp() - os.path.getmtime(a.suite_start)
    try:
        md, data = build_report(a.results, run_label=a.run_label, suite_seconds=suite)
        page = build_html(md, build_plots(a.results))
    except ReportError as e:
        print(f"prereg-report: error: {e}", file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.out, "report.json"), "w") as f:
        json.dump(data, f, indent=1)
    with open(os.path.join(a.out, "report.html"), "w") as f:
        f.write(page)
    print(f"prereg-report: wrote {os.path.join(a.out, 'report.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

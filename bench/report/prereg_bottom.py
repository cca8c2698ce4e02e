"""The report's first table: what preregistration buys and what it costs.

Built only from numbers the sections below it compute (fio, iperf3, the
kernel goals, the L2 window runs); it adds no measurement of its own, so a
row whose source did not run says "not measured" rather than guess.
"""
import prereg_fio
import prereg_iperf
import prereg_stats


# In default DMA mode only the preregistered guest has a 64-bit window (a
# v1 container cannot offer one), so those rows measure both together.
WITH_WINDOW = " (with its 64-bit window: the two effects are not separated)"


def effect(r, dma="dynamic"):
    """What a paired ratio (above 1 favours preregistration) shows, judged
    by its 95% interval against no change."""
    if r is None:
        return "not measured"
    if not r.get("ci"):
        return "one repetition: no interval"
    lo, hi = r["ci"]
    mixed = WITH_WINDOW if dma == "default" else ""
    if lo > 1:
        return "better with preregistration" + mixed
    if hi < 1:
        return "worse with preregistration" + mixed
    return "no difference shown (the interval includes 1)"


def _fio_rows(fio_rows):
    rows = []
    for dma in ("dynamic", "default"):
        for c in (c for c in fio_rows if c["dma"] == dma):
            rows.append((f"fio {prereg_fio.JOB_LABELS[c['job']]} IOPS in an L2 guest, "
                         f"{prereg_fio.DMA_LABELS[dma]}", c.get("paired"), dma))
    return rows


def _iperf_rows(ip_rows):
    return [(f"iperf3 {prereg_iperf.STREAMS.get(c['job'], c['job'])} throughput in an L2 guest, "
             f"{prereg_fio.DMA_LABELS.get(c['dma'], c['dma'])}", c.get("paired"), c["dma"])
            for c in sorted(ip_rows, key=lambda c: c["dma"] != "dynamic")]


def _kernel_rows(goals):
    out = []
    for g in goals:
        if g["goal"].startswith(("4096-page MAP+UNMAP", "1-page MAP+UNMAP p50, speed-up")):
            r = None if g["value"] is None else {"value": g["value"], "ci": g.get("ci")}
            out.append((g["goal"], r, g["verdict"]))
    return out


def _register_cost(l2_rows):
    """(RAM MiB, upstream s, ours s) of QEMU registering a fresh guest's RAM."""
    out = []
    for d in l2_rows:
        reg = d.get("qemu_register_us") or {}
        out.append((d["ram_bytes"] >> 20, reg.get("upstream"), reg.get("ours")))
    return out


def _secs(us):
    return "n/a" if us is None else f"{us / 1e6:.2f} s"


def section(fio_rows, ip_rows, kernel_goals, l2_rows):
    """(markdown lines, data) of the bottom-line table."""
    md = ["| what | measured [95% CI] | reading |", "|---|---:|---|"]
    data = {"buys": [], "kernel": [], "costs": []}
    for name, r, dma in _fio_rows(fio_rows) + _iperf_rows(ip_rows):
        md.append(f"| {name}: prereg / non-prereg | {prereg_stats.fmt(r)} | {effect(r, dma)} |")
        data["buys"].append({"what": name, "dma": dma, "value": r and r["value"],
                             "ci": r and r.get("ci"), "reading": effect(r, dma)})
    for name, r, verdict in _kernel_rows(kernel_goals):
        md.append(f"| {name} | {prereg_stats.fmt(r)} | goal {verdict} |")
        data["kernel"].append({"what": name, "value": r and r["value"], "ci": r and r.get("ci"),
                               "verdict": verdict})
    for mib, up, ours in _register_cost(l2_rows):
        md.append(f"| cost: QEMU registering a fresh {mib} MiB guest's RAM at start "
                  f"(ours; upstream kernel) | {_secs(ours)}; {_secs(up)} | one run each |")
        data["costs"].append({"what": "qemu_register_seconds", "ram_mib": mib,
                              "ours_us": ours, "upstream_us": up})
    md.append("| cost: memory | all guest RAM | pinned and charged to locked memory for the guest's "
              "life: no overcommit, ballooning, KSM or swap for it; the guest needs a locked-memory "
              "limit of its RAM and its DMA windows' tables (libvirt computes it) |")
    md.append("")
    md.append("Ratios above 1 favour preregistration (or our kernel). An I/O row's interval is the "
              "95% interval of the geometric mean of paired repetitions; a row reads \"better\" or "
              "\"worse\" only when the whole interval lies on one side of 1. All of it measured on an "
              "emulated pseries test host (KVM in a PowerVM LPAR or nested KVM, not bare-metal "
              "powernv): ratios, not absolute times, are what may carry over to hardware, and only "
              "where a measurement on hardware confirms them.")
    return md, data

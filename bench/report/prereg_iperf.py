"""The iperf3 section of the prereg report: TCP through the passthrough NIC
of virsh-defined L2 guests to a peer in the test host, preregistered (v2) vs
not (v1), per guest DMA mode. Reads the iperf3 runs indexed in
l2-fio/l2-fio.json (bench/testhost/l2-fio-bench --iperf-time) and the raw
iperf3 JSON files."""
import json
import os
import statistics

import prereg_json
import prereg_stats

STREAMS = {"iperf3-P1": "TCP, 1 stream", "iperf3-P4": "TCP, 4 streams"}
GOAL = 1.2  # issue 6: iperf3 prereg >= 1.2x non-prereg (dynamic guest DMA)


class IperfError(Exception):
    """An iperf3 result is missing or malformed: said plainly."""


def iperf_summary(path):
    """Received bits/s and the sender's retransmits of one iperf3 client run."""
    doc = prereg_json.read_result(path, IperfError, "iperf3")
    if "error" in doc:
        raise IperfError(f"{path}: iperf3 reported: {doc['error']}")
    end = doc["end"]
    # Per-interval throughput shows stalls the run's mean hides: intervals
    # that moved nothing, and intervals far longer than the 1 s asked for
    # (the guest's or the emulator's clock stood still).
    ivals = [i["sum"] for i in doc.get("intervals", []) if "sum" in i]
    return {"bps": end["sum_received"]["bits_per_second"],
            "retransmits": end.get("sum_sent", {}).get("retransmits"),
            "intervals": len(ivals),
            "zero_intervals": sum(1 for i in ivals if i.get("bits_per_second", 0) == 0),
            "min_interval_bps": min((i.get("bits_per_second", 0) for i in ivals), default=None),
            "longest_interval_s": max((i.get("seconds", 0) for i in ivals), default=None),
            "seconds": end["sum_received"].get("seconds")}


def load(results_dir):
    p = os.path.join(results_dir, "l2-fio", "l2-fio.json")
    if not os.path.exists(p):
        return []
    with open(p) as f:
        idx = json.load(f)
    rows = []
    for r in idx["runs"]:
        if r["job"] in STREAMS:
            rows.append({**r, **iperf_summary(os.path.join(results_dir, "l2-fio", r["file"])),
                         "source": f"l2-fio/{r['file']}"})
    return rows


def compare(rows):
    out = []
    for dma in ("default", "dynamic"):
        for job in STREAMS:
            on = {r["rep"]: r["bps"] for r in rows if (r["dma"], r["mode"], r["job"]) == (dma, "on", job)}
            off = {r["rep"]: r["bps"] for r in rows if (r["dma"], r["mode"], r["job"]) == (dma, "off", job)}
            if not on and not off:
                continue
            on_m = statistics.median(on.values()) if on else None
            off_m = statistics.median(off.values()) if off else None
            pair = prereg_stats.paired(on, off)
            out.append({"dma": dma, "job": job, "reps": len(on), "prereg_bps": on_m, "nonprereg_bps": off_m,
                        "prereg_range": [min(on.values()), max(on.values())] if on else None,
                        "nonprereg_range": [min(off.values()), max(off.values())] if off else None,
                        "prereg_over_nonprereg": on_m / off_m if on_m is not None and off_m else None,
                        "paired": pair, "per_rep_range": prereg_stats.span(pair)})
    return out


def _mbit(v):
    return "n/a" if v is None else f"{v / 1e6:.0f} Mbit/s"


def _n(v):
    return "n/a" if v is None else str(v)


def _s(v):
    return "n/a" if v is None else f"{v:.1f} s"


def _x(v):
    return "n/a" if v is None else f"{v:.2f}x"


def section(results_dir):
    """(markdown lines, data, goal rows); empty when iperf3 did not run."""
    rows = load(results_dir)
    if not rows:
        return [], [], []
    cmp_rows = compare(rows)
    md = ["The same guests as fio, with the test host's e1000e passed through as well (on a PHB of its own, where libvirt puts a device of another host IOMMU group), "
          "run iperf3 as the client (TCP, JSON) against a server in the test host, in its own network "
          "namespace on the same wire. Throughput received, median over repetitions.", "",
          "| guest DMA mode | workload | preregistered | non-preregistered | prereg / non-prereg [95% CI] | per-rep range |",
          "|---|---|---:|---:|---:|---|"]
    for c in cmp_rows:
        rng = c["per_rep_range"]
        md.append(f"| {c['dma']} | {STREAMS[c['job']]} | {_mbit(c['prereg_bps'])} | {_mbit(c['nonprereg_bps'])} | "
                  f"{prereg_stats.fmt(c['paired'])} | {'' if not rng else _x(rng[0]) + ' – ' + _x(rng[1])} |")
    md += ["", "Each run, as iperf3 saw it (intervals of 1 s asked for; a stall shows as intervals "
           "that moved nothing or lasted far longer):", "",
           "| guest DMA mode | mode | rep | workload | Mbit/s | retransmits | intervals | with 0 bytes "
           "| slowest interval | longest interval | seconds |",
           "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=lambda r: (r["dma"], r["job"], r["rep"], r["mode"] != "on")):
        md.append(f"| {r['dma']} | {'prereg' if r['mode'] == 'on' else 'non-prereg'} | {r['rep']} | "
                  f"{STREAMS[r['job']]} | {r['bps'] / 1e6:.0f} | {_n(r['retransmits'])} | {r['intervals']} | "
                  f"{r['zero_intervals']} | {_mbit(r['min_interval_bps'])} | {_s(r['longest_interval_s'])} | "
                  f"{_s(r['seconds'])} |")
    goals = []
    for job in STREAMS:
        c = next((c for c in cmp_rows if c["dma"] == "dynamic" and c["job"] == job), None)
        r = c and c["paired"]
        goals.append({"goal": f"iperf3 {STREAMS[job]}, dynamic DMA: prereg / non-prereg", "target": f"≥ {GOAL}x",
                      "value": r and r["value"], "ci": r and r["ci"], "verdict": prereg_stats.verdict(r, GOAL)})
    return md, cmp_rows, goals


def plots(results_dir):
    """(title, svg): throughput bars per DMA mode and stream count,
    preregistered and not, error bars spanning the repetitions."""
    import prereg_plots
    cmp_rows = compare(load(results_dir))
    lines = []
    for c in cmp_rows:
        cols = []
        for med, rng in ((c["prereg_bps"], c["prereg_range"]), (c["nonprereg_bps"], c["nonprereg_range"])):
            cols += ["NaN"] * 3 if med is None else [f"{v / 1e6:.2f}" for v in (med, rng[0], rng[1])]
        lines.append(f'"{c["dma"]} DMA, {STREAMS[c["job"]]}" ' + " ".join(cols))
    if not lines:
        return []
    return [("iperf3 in L2 guests through the passthrough NIC: throughput "
             "(bars: spread over repetitions)",
             prereg_plots.prereg_pair_bars(lines, "Mbit/s received (median)"))]

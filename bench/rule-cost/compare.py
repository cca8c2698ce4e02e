#!/usr/bin/env python3
"""compare.py OUT [BEFORE_NAME AFTER_NAME]: one kernel against another on
MAP_DMA/UNMAP_DMA (by default: the cost of a change, "before" and "after").

Reads OUT/before-N.json and OUT/after-N.json (prereg-mapbench, map case) and
writes OUT/rule-cost.json and OUT/rule-cost.md: per container mode, pages
per call and operation, the median of the per-repetition medians on each
kernel, the ratio after/before (above 1: the change costs time) and a
bootstrap 95% interval of that ratio, resampling repetitions within each
kernel. A verdict says "no change measured" when the interval includes 1.
"""
import glob
import json
import os
import random
import statistics
import sys


def reps(paths):
    """(mode, pages, op) -> every repetition's median, from all boots."""
    out = {}
    for p in paths:
        with open(p) as f:
            doc = json.load(f)
        for r in doc["results"]:
            if r.get("case") != "map":
                continue
            out.setdefault((r["mode"], r["pages"], r["op"]), []).extend(r["rep_p50"])
    return out


def interval(a, b, n=5000, seed=1):
    rng = random.Random(seed)
    ratios = sorted(statistics.median(rng.choices(b, k=len(b))) /
                    statistics.median(rng.choices(a, k=len(a))) for _ in range(n))
    return ratios[int(0.025 * n)], ratios[int(0.975 * n) - 1]


def main():
    out = sys.argv[1]
    names = sys.argv[2:4] if len(sys.argv) >= 4 else ["before", "after"]
    before = sorted(glob.glob(os.path.join(out, "before-*.json")))
    after = sorted(glob.glob(os.path.join(out, "after-*.json")))
    if not before or not after:
        sys.exit("compare.py: need before-N.json and after-N.json in " + out)
    a, b = reps(before), reps(after)
    rows = []
    for key in sorted(a, key=lambda k: (k[0], k[1], k[2])):
        if key not in b:
            continue
        ma, mb = statistics.median(a[key]), statistics.median(b[key])
        lo, hi = interval(a[key], b[key])
        verdict = ("no change measured" if lo <= 1 <= hi else
                   names[1] + " slower" if lo > 1 else names[1] + " faster")
        rows.append({"mode": key[0], "pages": key[1], "op": key[2],
                     "before_ns": ma, "after_ns": mb, "ratio": mb / ma,
                     "ci95": [lo, hi], "verdict": verdict,
                     "n_before": len(a[key]), "n_after": len(b[key])})
    with open(os.path.join(out, "rule-cost.json"), "w") as f:
        json.dump({"before": names[0], "after": names[1],
                   "boots_before": len(before), "boots_after": len(after),
                   "rows": rows}, f, indent=1)
    with open(os.path.join(out, "rule-cost.md"), "w") as f:
        f.write("| mode | pages | op | %s p50 (us) | %s p50 (us) | %s/%s | 95%% CI | verdict |\n"
                % (names[0], names[1], names[1], names[0]))
        f.write("|---|---:|---|---:|---:|---:|---|---|\n")
        for r in rows:
            f.write("| %s | %d | %s | %.2f | %.2f | %.3f | %.3f-%.3f | %s |\n" % (
                r["mode"], r["pages"], r["op"], r["before_ns"] / 1e3, r["after_ns"] / 1e3,
                r["ratio"], r["ci95"][0], r["ci95"][1], r["verdict"]))
    print(open(os.path.join(out, "rule-cost.md")).read())


if __name__ == "__main__":
    main()

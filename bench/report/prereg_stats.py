"""Ratios with 95% confidence intervals, and the verdicts goals get from them.

Every comparison in the report is a ratio in which above 1 is better (a
speed-up: the baseline's time over ours, or our throughput over the
baseline's). Repetitions that ran next to each other (A B A B in one boot)
are paired: the ratio is the median of the per-pair ratios. Repetitions of
different boots (our kernel against upstream) are not: the ratio is the
median of one side over the median of the other. Either way the interval is
a percentile bootstrap, with a fixed seed so that the same results always
give the same report.

A goal "at least T" is met only when the whole interval is at or above T
(and, for a speed-up goal, above 1: an interval that includes no change
never meets one), missed when the whole interval is below T, and
inconclusive otherwise, with fewer than two repetitions included.
"""

import random
import statistics

LEVEL = 0.95
RESAMPLES = 4000
SEED = 20261201


def _percentiles(values, level=LEVEL):
    values = sorted(values)
    lo = values[int((1 - level) / 2 * (len(values) - 1))]
    hi = values[int((1 + level) / 2 * (len(values) - 1) + 0.5)]
    return [lo, hi]


def paired(num, den):
    """num, den: {repetition: value}. Returns {n, value, ci, ratios} for the
    pairs both have (ci None below two pairs), or None without a pair."""
    ratios = [num[k] / den[k] for k in sorted(num) if k in den and den[k] and num[k] is not None]
    if not ratios:
        return None
    out = {"n": len(ratios), "value": statistics.median(ratios), "ci": None, "ratios": ratios}
    if len(ratios) >= 2:
        rnd = random.Random(SEED)
        meds = [statistics.median(rnd.choices(ratios, k=len(ratios))) for _ in range(RESAMPLES)]
        out["ci"] = _percentiles(meds)
    return out


def unpaired(num, den):
    """num, den: lists of per-repetition values of two independent runs.
    Returns {n, value, ci} for median(num) / median(den), or None."""
    num = [v for v in num if v is not None]
    den = [v for v in den if v]
    if not num or not den:
        return None
    out = {"n": [len(num), len(den)], "value": statistics.median(num) / statistics.median(den),
           "ci": None}
    if len(num) >= 2 and len(den) >= 2:
        rnd = random.Random(SEED)
        rs = [statistics.median(rnd.choices(num, k=len(num))) /
              statistics.median(rnd.choices(den, k=len(den))) for _ in range(RESAMPLES)]
        out["ci"] = _percentiles(rs)
    return out


def span(r):
    """[lowest, highest] of the paired ratios, or None."""
    return [min(r["ratios"]), max(r["ratios"])] if r else None


def inverse(r):
    """The same comparison the other way round (times -> speed-up)."""
    if r is None:
        return None
    out = dict(r, value=1 / r["value"])
    if r["ci"]:
        out["ci"] = [1 / r["ci"][1], 1 / r["ci"][0]]
    out.pop("ratios", None)
    return out


def verdict(r, target):
    """Verdict of the goal "ratio at least target" on r (paired/unpaired)."""
    if r is None:
        return "n/a (not measured)"
    if not r["ci"]:
        return "inconclusive (one repetition)"
    lo, hi = r["ci"]
    if lo >= target and (target <= 1 or lo > 1):
        return "met"
    if hi < target:
        return "missed"
    return "inconclusive"


def fmt(r):
    """'1.37x [0.98x, 1.52x]', or 'n/a'."""
    if r is None:
        return "n/a"
    if not r["ci"]:
        return f"{r['value']:.2f}x"
    return f"{r['value']:.2f}x [{r['ci'][0]:.2f}x, {r['ci'][1]:.2f}x]"

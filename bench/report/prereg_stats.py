"""Ratios with 95% confidence intervals, and the verdicts goals get from them.

Every comparison in the report is a ratio in which above 1 is better (a
speed-up: the baseline's time over ours, or our throughput over the
baseline's). Ratios are compared on a log scale, where a speed-up and the
matching slow-down are the same distance from 1:

- Repetitions that ran next to each other (one boot, the modes alternating)
  are paired: the ratio is the geometric mean of the per-pair ratios, and
  its interval is Student's t interval of the mean of their logarithms.
- Repetitions of different boots (our kernel against upstream) are not
  paired: the ratio is the ratio of the two geometric means, with Welch's t
  interval of the difference of the mean logarithms.

Why not a bootstrap of medians (what the report used before): with the 3 to
5 repetitions a run affords, a bootstrap of the median returns little more
than [lowest, highest] of the ratios, which covers about 75% (3 pairs), not
95%. The t interval is wide when the data are few and noisy, as it should
be; it assumes roughly log-normal ratios, the usual model for timings.

A goal "at least T" is met only when the whole interval is at or above T
(and, for a speed-up goal, above 1: an interval that includes no change
never meets one), missed when the whole interval is below T, and
inconclusive otherwise, with fewer than two repetitions included.
"""

import math
import statistics

LEVEL = 0.95

# Two-sided 95% quantiles of Student's t by degrees of freedom; between
# tabulated values the next smaller df is used (a slightly wider interval).
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
         9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000,
         120: 1.980}


def t975(df):
    """The 97.5% quantile of Student's t with df degrees of freedom."""
    if df < 1:
        raise ValueError("t quantile needs at least one degree of freedom")
    if df > 120:
        return 1.960
    return _T975[max(k for k in _T975 if k <= df)]


def _interval(centre, half):
    return [math.exp(centre - half), math.exp(centre + half)]


def paired(num, den):
    """num, den: {repetition: value}. Returns {n, value, ci, ratios} for the
    pairs both have (ci None below two pairs), or None without a pair."""
    ratios = [num[k] / den[k] for k in sorted(num)
              if k in den and den[k] and num[k] is not None and num[k] > 0]
    if not ratios:
        return None
    logs = [math.log(r) for r in ratios]
    centre = statistics.fmean(logs)
    out = {"n": len(ratios), "value": math.exp(centre), "ci": None, "ratios": ratios}
    if len(ratios) >= 2:
        half = t975(len(logs) - 1) * statistics.stdev(logs) / math.sqrt(len(logs))
        out["ci"] = _interval(centre, half)
    return out


def unpaired(num, den):
    """num, den: lists of per-repetition values of two independent runs.
    Returns {n, value, ci}: the ratio of their geometric means, or None."""
    num = [math.log(v) for v in num if v]
    den = [math.log(v) for v in den if v]
    if not num or not den:
        return None
    centre = statistics.fmean(num) - statistics.fmean(den)
    out = {"n": [len(num), len(den)], "value": math.exp(centre), "ci": None}
    if len(num) >= 2 and len(den) >= 2:
        v1 = statistics.variance(num) / len(num)
        v2 = statistics.variance(den) / len(den)
        se = math.sqrt(v1 + v2)
        if se == 0:
            out["ci"] = [out["value"], out["value"]]
        else:
            # Welch-Satterthwaite degrees of freedom
            df = (v1 + v2) ** 2 / (v1 ** 2 / (len(num) - 1) + v2 ** 2 / (len(den) - 1))
            out["ci"] = _interval(centre, t975(max(1, math.floor(df + 1e-9))) * se)
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

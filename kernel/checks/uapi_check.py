#!/usr/bin/env python3
"""Host side of the uAPI selftest.

  uapi_check.py ours RUNNER...        run prereg_uapi on our kernel: every case
                                      must pass and dmesg must be free of
                                      warnings, BUGs and oopses
  uapi_check.py upstream DEFECTS RUNNER...
                                      run it on upstream: it must fail exactly
                                      the cases listed in DEFECTS (the known
                                      defects), no more, no fewer
  uapi_check.py table UPSTREAM_DIR OURS_DIR DEFECTS OUT.md
                                      one table, a column per kernel

RUNNER is the ci/testhost-run command line; its --out directory is in
$PREREG_TEST_OUT, where the selftest (a kselftest_harness program) leaves
its TAP output (uapi.tap) and its cases as a stream of JSON objects
(uapi.json: the kernel first, then one object per case). A run counts only
if no test was skipped or errored and every test of the TAP plan reported
cases: a selftest that skips (no devices) fails here, it never passes.
"""
import json
import os
import re
import subprocess
import sys

from ktap import RunError, parse_tap

SPLAT = re.compile(r"WARNING:|BUG:|Oops|Unable to handle|kernel BUG")


def load_cases(path):
    """The uapi.json stream as {"kernel": ..., "cases": [...]}."""
    with open(path) as f:
        text = f.read()
    objs, dec, pos = [], json.JSONDecoder(), 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            break
        obj, pos = dec.raw_decode(text, pos)
        objs.append(obj)
    if not objs or "kernel" not in objs[0]:
        raise RunError(f"{path}: no kernel record first")
    return {"kernel": objs[0]["kernel"], "cases": [o for o in objs[1:] if "id" in o]}


def run(runner):
    rc = subprocess.call(runner)
    out = os.environ["PREREG_TEST_OUT"]
    if rc not in (0, 1):
        print(f"uapi_check: the selftest did not complete (exit {rc})")
        sys.exit(1)
    try:
        tests = parse_tap(os.path.join(out, "uapi.tap"))
        doc = load_cases(os.path.join(out, "uapi.json"))
        check_complete(tests, doc)
    except (OSError, ValueError, RunError) as e:
        print(f"uapi_check: FAIL: not a complete run: {e}")
        sys.exit(1)
    with open(os.path.join(out, ".job", "dmesg"), errors="replace") as f:
        splats = [l.rstrip() for l in f if SPLAT.search(l)]
    return doc, splats


def check_complete(tests, doc):
    """Every TAP test logged cases, and a test failed exactly when one of
    its cases did (a test that fails on its own, e.g. an ASSERT in its
    set-up, is a failed run, not a defect of the kernel)."""
    by_test = {}
    for c in doc["cases"]:
        by_test.setdefault("uapi." + c["test"], []).append(c["ok"])
    for name, passed in tests.items():
        if name not in by_test:
            raise RunError(f"test {name} logged no case")
        if passed != all(by_test[name]):
            raise RunError(f"test {name} {'passed' if passed else 'failed'} but its cases say "
                           f"{'all ok' if all(by_test[name]) else 'some failed'} (see uapi.tap)")
    extra = set(by_test) - set(tests)
    if extra:
        raise RunError(f"cases of tests the TAP output does not list: {sorted(extra)}")


def load_defects(path):
    defects = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                cid, _, why = line.partition(" ")
                defects[cid] = why.strip()
    return defects


def failed_ids(doc):
    return [c["id"] for c in doc["cases"] if not c["ok"]]


def check_ours(runner):
    doc, splats = run(runner)
    bad = failed_ids(doc)
    for line in splats:
        print(f"uapi_check: kernel log: {line}")
    if bad or splats:
        print(f"uapi_check: FAIL on {doc['kernel']['release']}: failed cases {bad}, "
              f"{len(splats)} kernel warning line(s)")
        return 1
    print(f"uapi_check: all {len(doc['cases'])} cases pass on {doc['kernel']['release']}, dmesg clean")
    return 0


def check_upstream(defects_path, runner):
    defects = load_defects(defects_path)
    doc, splats = run(runner)
    bad = set(failed_ids(doc))
    unexpected, fixed = sorted(bad - defects.keys()), sorted(defects.keys() - bad)
    print(f"uapi_check: upstream {doc['kernel']['release']} fails {len(bad)} case(s), "
          f"{len(splats)} kernel warning line(s)")
    if unexpected:
        print(f"uapi_check: FAIL: upstream also fails {unexpected}, not in {defects_path}")
    if fixed:
        print(f"uapi_check: FAIL: upstream passes {fixed}, listed as defects in {defects_path}")
    return 1 if unexpected or fixed else 0


def table(up_dir, ours_dir, defects_path, out_path):
    docs = {}
    for name, d in (("upstream", up_dir), ("ours", ours_dir)):
        docs[name] = load_cases(os.path.join(d, "uapi.json"))
    defects = load_defects(defects_path)
    up = {c["id"]: c for c in docs["upstream"]["cases"]}
    lines = ["| case | want | upstream `%s` | ours `%s` | upstream defect |" % (
        docs["upstream"]["kernel"]["release"], docs["ours"]["kernel"]["release"]),
        "|---|---|---|---|---|"]
    for c in docs["ours"]["cases"]:
        u = up.get(c["id"])
        cell = lambda x: "n/a" if x is None else (f"{x['got']}" if x["ok"] else f"**{x['got']}** ✗")
        lines.append(f"| {c['name']} (`{c['id']}`) | {c['want']} | {cell(u)} | {cell(c)} | "
                     f"{defects.get(c['id'], '')} |")
    n_up = sum(1 for c in docs["upstream"]["cases"] if not c["ok"])
    n_ours = sum(1 for c in docs["ours"]["cases"] if not c["ok"])
    text = ("# uAPI selftest: upstream vs ours\n\n"
            f"{len(docs['ours']['cases'])} cases; upstream fails {n_up}, ours fails {n_ours}.\n\n"
            + "\n".join(lines) + "\n")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as f:
        f.write(text)
    print(text)
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "ours":
        return check_ours(argv[1:])
    if len(argv) >= 3 and argv[0] == "upstream":
        return check_upstream(argv[1], argv[2:])
    if len(argv) == 5 and argv[0] == "table":
        return table(*argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

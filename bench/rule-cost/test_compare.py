#!/usr/bin/env python3
"""Unit tests of compare.py: verdicts on synthetic runs, and the committed
before/after table reproduced from its raw JSON."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "..", "results", "soundness")


def mapbench(reps_by_pages):
    return {"results": [{"case": "map", "mode": "v2", "pages": p, "op": "map", "rep_p50": r}
                        for p, r in reps_by_pages.items()]}


class CompareTest(unittest.TestCase):
    def run_compare(self, before, after, *names):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        for i, doc in enumerate(before, 1):
            with open(os.path.join(d, "before-%d.json" % i), "w") as f:
                json.dump(doc, f)
        for i, doc in enumerate(after, 1):
            with open(os.path.join(d, "after-%d.json" % i), "w") as f:
                json.dump(doc, f)
        subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), d, *names],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(d, "rule-cost.json")) as f:
            return {r["pages"]: r for r in json.load(f)["rows"]}

    def test_verdicts(self):
        before = [mapbench({1: [100, 101, 99], 16: [200, 202, 198], 256: [300, 310, 290]})]
        after = [mapbench({1: [150, 152, 149], 16: [100, 101, 99], 256: [305, 295, 300]})]
        rows = self.run_compare(before, after, "old", "new")
        self.assertEqual(rows[1]["verdict"], "new slower")
        self.assertAlmostEqual(rows[1]["ratio"], 1.5)
        self.assertEqual(rows[16]["verdict"], "new faster")
        self.assertEqual(rows[256]["verdict"], "no change measured")
        self.assertLessEqual(rows[256]["ci95"][0], 1.0)
        self.assertGreaterEqual(rows[256]["ci95"][1], 1.0)

    def test_missing_runs_fail(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        p = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), d],
                           capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("need before-N.json and after-N.json", p.stderr)

    def test_committed_table_reproduces(self):
        raw = os.path.join(RESULTS, "raw")
        before = [json.load(open(os.path.join(raw, "rule-cost-before-%d.json" % i))) for i in (1, 2)]
        after = [json.load(open(os.path.join(raw, "rule-cost-after-%d.json" % i))) for i in (1, 2)]
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        for i, doc in enumerate(before, 1):
            json.dump(doc, open(os.path.join(d, "before-%d.json" % i), "w"))
        for i, doc in enumerate(after, 1):
            json.dump(doc, open(os.path.join(d, "after-%d.json" % i), "w"))
        subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), d], check=True,
                       stdout=subprocess.DEVNULL)
        got = json.load(open(os.path.join(d, "rule-cost.json")))["rows"]
        want = json.load(open(os.path.join(RESULTS, "rule-cost.json")))["rows"]
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual((g["mode"], g["pages"], g["op"]), (w["mode"], w["pages"], w["op"]))
            self.assertAlmostEqual(g["ratio"], w["ratio"], places=9)
            self.assertEqual(g["verdict"], w["verdict"])


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""kselftest_check.py: exit status and TAP must both say the run passed."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kselftest_check  # noqa: E402

TAP = """TAP version 13
1..2
ok 1 attach.v1.set_spapr_tce
ok 2 attach.v2.set_spapr_tce
# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0
"""


class Check(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        os.environ["PREREG_TEST_OUT"] = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def run_with(self, tap, cmd):
        if tap is not None:
            with open(os.path.join(self.tmp.name, "t.tap"), "w") as f:
                f.write(tap)
        return kselftest_check.main(["t.tap"] + cmd)

    def test_pass(self):
        self.assertEqual(self.run_with(TAP, ["true"]), 0)

    def test_the_command_failing_fails(self):
        self.assertEqual(self.run_with(TAP, ["false"]), 1)

    def test_a_failed_test_fails(self):
        self.assertEqual(self.run_with(TAP.replace("ok 2", "not ok 2"), ["true"]), 1)

    def test_skips_fail_even_with_exit_0(self):
        tap = TAP.replace("ok 2 attach.v2.set_spapr_tce", "ok 2 attach.v2.set_spapr_tce # SKIP no /dev/kvm")
        self.assertEqual(self.run_with(tap, ["true"]), 1)

    def test_no_tap_output_fails(self):
        self.assertEqual(self.run_with(None, ["true"]), 1)


if __name__ == "__main__":
    unittest.main()

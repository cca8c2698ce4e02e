#!/usr/bin/env python3
"""What uapi_check.py accepts as a complete run of the harness selftest."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import uapi_check  # noqa: E402

TAP_OK = """TAP version 13
1..2
# Starting 2 tests from 1 test cases.
#  RUN           uapi.a ...
ok 1 uapi.a
#  RUN           uapi.b ...
not ok 2 uapi.b
# FAILED: 1 / 2 tests passed.
# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:0 error:0
"""

CASES = ('{"schema":"prereg-uapi/2","kernel":{"release":"r"}}\n'
         '{"test":"a","id":"a1","ok":true}\n'
         '{"test":"b","id":"b1","ok":true}\n{"test":"b","id":"b2","ok":false}\n')


class Run(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        p = os.path.join(self.d, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def test_a_complete_run(self):
        tests = ktap.parse_tap(self.write("t", TAP_OK))
        doc = uapi_check.load_cases(self.write("c", CASES))
        uapi_check.check_complete(tests, doc)
        self.assertEqual(tests, {"uapi.a": True, "uapi.b": False})
        self.assertEqual(doc["kernel"]["release"], "r")
        self.assertEqual([c["id"] for c in doc["cases"]], ["a1", "b1", "b2"])

    def test_a_skip_is_not_a_pass(self):
        tap = TAP_OK.replace("ok 1 uapi.a", "ok 1 uapi.a # SKIP no devices")
        with self.assertRaisesRegex(ktap.RunError, "skipped"):
            ktap.parse_tap(self.write("t", tap))

    def test_skips_in_the_totals_are_not_a_pass(self):
        tap = TAP_OK.replace("skip:0", "skip:1")
        with self.assertRaisesRegex(ktap.RunError, "1 skipped"):
            ktap.parse_tap(self.write("t", tap))

    def test_a_run_cut_short(self):
        tap = TAP_OK.split("not ok 2")[0]
        with self.assertRaisesRegex(ktap.RunError, "did not finish"):
            ktap.parse_tap(self.write("t", tap))

    def test_a_test_without_cases(self):
        tests = ktap.parse_tap(self.write("t", TAP_OK))
        doc = uapi_check.load_cases(self.write("c", CASES.replace('"test":"a"', '"test":"x"')))
        with self.assertRaisesRegex(ktap.RunError, "uapi.a logged no case"):
            uapi_check.check_complete(tests, doc)

    def test_a_test_that_failed_outside_its_cases(self):
        tests = ktap.parse_tap(self.write("t", TAP_OK.replace("ok 1 uapi.a", "not ok 1 uapi.a")))
        doc = uapi_check.load_cases(self.write("c", CASES))
        with self.assertRaisesRegex(ktap.RunError, "uapi.a failed but its cases say all ok"):
            uapi_check.check_complete(tests, doc)

    def test_no_kernel_record(self):
        with self.assertRaisesRegex(ktap.RunError, "no kernel record"):
            uapi_check.load_cases(self.write("c", '{"test":"a","id":"a1","ok":true}\n'))


if __name__ == "__main__":
    unittest.main()

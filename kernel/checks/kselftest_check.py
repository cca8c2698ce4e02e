#!/usr/bin/env python3
"""kselftest_check.py TAP CMD...

Runs CMD (a host check such as dmesg-clean, wrapping the ci/testhost-run
command line), then reads the TAP output a kselftest_harness program left
in $PREREG_TEST_OUT/TAP (the test host's ktap-run writes it). Passes only
when CMD passed and the TAP run is complete, with every test ok and none
skipped (ktap.py): an exit status of 0 alone could be a run of skips.
"""
import os
import subprocess
import sys

from ktap import RunError, parse_tap


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    rc = subprocess.call(argv[1:])
    path = os.path.join(os.environ["PREREG_TEST_OUT"], argv[0])
    try:
        tests = parse_tap(path)
    except (OSError, RunError) as e:
        print(f"kselftest_check: FAIL: not a complete run: {e}")
        return 1
    failed = sorted(t for t, ok in tests.items() if not ok)
    if failed:
        print(f"kselftest_check: FAIL: {', '.join(failed)}")
        return 1
    if rc:
        print(f"kselftest_check: FAIL: all {len(tests)} tests ok, but the command exited {rc}")
        return 1
    print(f"kselftest_check: all {len(tests)} tests ok: {', '.join(sorted(tests))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

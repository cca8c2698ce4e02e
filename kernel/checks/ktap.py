"""Reading the TAP output of a kselftest_harness program, as prereg's
host-side checks need it: a run counts only when it finished (plan and
totals printed), reported every test of its plan, and skipped or errored
none. A kselftest skips what it cannot set up; prereg's test host always
has what its tests need, so a skip there is a failure, never a pass.
"""
import re

TAP_TEST = re.compile(r"^(ok|not ok) \d+ (\S+)(.*)$")
TAP_PLAN = re.compile(r"^1\.\.(\d+)$")
TAP_TOTALS = re.compile(r"^# Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) skip:(\d+) error:(\d+)$")


class RunError(Exception):
    """The output does not make a complete run."""


def parse_tap(path):
    """{test name: passed} of a kselftest_harness run, checked complete."""
    plan, totals, tests = None, None, {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if TAP_PLAN.match(line):
                plan = int(TAP_PLAN.match(line).group(1))
            elif TAP_TOTALS.match(line):
                totals = [int(x) for x in TAP_TOTALS.match(line).groups()]
            elif TAP_TEST.match(line):
                m = TAP_TEST.match(line)
                if "# SKIP" in m.group(3):
                    raise RunError(f"test {m.group(2)} was skipped:{m.group(3)}")
                tests[m.group(2)] = m.group(1) == "ok"
    if plan is None or totals is None:
        raise RunError(f"{path}: no TAP plan or totals: the run did not finish")
    if not plan or len(tests) != plan:
        raise RunError(f"{path}: plan of {plan} tests, {len(tests)} reported")
    skip, error = totals[4], totals[5]
    if skip or error:
        raise RunError(f"{path}: {skip} skipped, {error} errored")
    return tests

#!/usr/bin/env python3
"""The mainline series must be kernel/series, commit for commit.

kernel/mainline/series lists the same patches as kernel/series; a few are
rebased copies whose removed or context lines differ because mainline
converted kzalloc(sizeof(*x), GFP_KERNEL) into kzalloc_obj(*x). This check
fails when the two drift: a different order or number of patches, a
different commit message, or a different net code change (added lines minus
removed lines, per patch, once both spellings of that allocation read the
same). Usage: mainline_series_check.py KERNEL_DIR
"""
import collections
import os
import re
import sys

# mainline spelling -> 6.12 spelling of the one conversion that differs
KZALLOC_OBJ = re.compile(r"\bkzalloc_obj\(([^()]*)\)")


def normalise(line):
    return KZALLOC_OBJ.sub(lambda m: "kzalloc(sizeof(%s), GFP_KERNEL)" % m.group(1), line)


def read_series(path):
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def split_patch(path):
    """(message, net change): the message without the mail headers that
    differ per export, and a Counter of added minus removed lines."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    head, sep, body = text.partition("\n---\n")
    if not sep:
        raise ValueError("%s: no '---' line: not a git format-patch file" % path)
    message = [l for l in head.splitlines()
               if not l.startswith(("From ", "Date: ", "Subject: [PATCH"))]
    subject = re.search(r"^Subject: \[PATCH[^\]]*\] (.*)$", head, re.M)
    net = collections.Counter()
    for line in body.splitlines():
        if line.startswith(("+++", "---")):
            continue
        if line.startswith("+"):
            net[normalise(line[1:])] += 1
        elif line.startswith("-"):
            net[normalise(line[1:])] -= 1
    net = collections.Counter({k: v for k, v in net.items() if v})
    return (subject.group(1) if subject else None), message, net


def main(kernel_dir):
    base = read_series(os.path.join(kernel_dir, "series"))
    main_series = read_series(os.path.join(kernel_dir, "mainline", "series"))
    errors = []
    if len(base) != len(main_series):
        errors.append("kernel/series has %d patches, kernel/mainline/series %d"
                      % (len(base), len(main_series)))
    for i, (ours, theirs) in enumerate(zip(base, main_series), 1):
        if os.path.basename(theirs) != ours:
            errors.append("patch %d: %s in kernel/series, %s in the mainline series"
                          % (i, ours, theirs))
            continue
        before = len(errors)
        a = split_patch(os.path.join(kernel_dir, "patches", ours))
        b = split_patch(os.path.join(kernel_dir, theirs))
        if a[0] != b[0] or a[1] != b[1]:
            errors.append("patch %d (%s): the commit messages differ" % (i, ours))
        if a[2] != b[2]:
            only_base = a[2] - b[2]
            only_main = b[2] - a[2]
            errors.append("patch %d (%s): the code changes differ:\n  6.12 only: %s\n"
                          "  mainline only: %s" % (i, ours, dict(only_base), dict(only_main)))
        rebased = theirs.startswith("mainline/")
        print("%s %2d %s%s" % ("ok  " if len(errors) == before else "BAD ", i, ours,
                               " (rebased for mainline)" if rebased else ""))
    for e in errors:
        print("FAIL: " + e)
    if errors:
        return 1
    print("RESULT: ok: %d patches, the same commits on both bases" % len(base))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: mainline_series_check.py KERNEL_DIR")
    sys.exit(main(sys.argv[1]))

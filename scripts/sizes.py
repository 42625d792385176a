#!/usr/bin/env python3
"""Files over 500 lines and functions over 80 lines in a crate's sources (unit tests excluded).

    scripts/sizes.py crates/hallpass/src [crates/userpool/src ...]

A function may stay longer when its doc comment says it is a checklist (`checklist` in the comment
right above it). Exits 1 when anything is over.
"""
import os
import re
import sys

MAX_FILE, MAX_FN = 500, 80
FN = re.compile(r"^(\s*)(?:pub(?:\([a-z]+\))?\s+)?(?:const\s+)?(?:async\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)")


def check(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    cut = next((i for i, l in enumerate(lines) if l.startswith("#[cfg(test)]")), len(lines))
    over = []
    if cut > MAX_FILE:
        over.append(f"{path}: {cut} lines (over {MAX_FILE})")
    i = 0
    while i < cut:
        m = FN.match(lines[i])
        if not m or lines[i].rstrip().endswith(";"):
            i += 1
            continue
        indent = m.group(1)
        end = i
        while end < cut and not re.match(rf"^{indent}}}\s*$", lines[end]):
            end += 1
        length = end - i + 1
        doc = " ".join(lines[max(0, i - 6):i]).lower()
        if length > MAX_FN and "checklist" not in doc:
            over.append(f"{path}:{i + 1}: fn {m.group(2)} is {length} lines (over {MAX_FN})")
        i += 1
    return over


def main():
    over = []
    for src in sys.argv[1:]:
        for root, _, files in os.walk(src):
            for f in sorted(files):
                if f.endswith(".rs"):
                    over += check(os.path.join(root, f))
    for line in over:
        print(line)
    print(f"{len(over)} over the limits")
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()

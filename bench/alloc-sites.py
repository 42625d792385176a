#!/usr/bin/env python3
"""The allocation sites of a `dhat-heap.json` (see `allocs`), most frequent first: for each, the
allocations per request and the first frames of its stack that are not the allocator's.

    bench/alloc-sites.py dhat-heap.json N [frames]
"""
import json
import sys

SKIP = ("alloc::", "dhat::", "__rust", "core::ptr", "<alloc::", "std::alloc", "[root]", "hashbrown::raw::RawTable", "<dhat")

data = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
depth = int(sys.argv[3]) if len(sys.argv) > 3 else 4
frames = data["ftbl"]
rows = []
for pp in data["pps"]:
    stack = [frames[i] for i in pp["fs"]]
    useful = [f.split(": ", 1)[-1] for f in stack if not any(s in f.split(": ", 1)[-1][:40] for s in SKIP)]
    rows.append((pp["tbk"] / n, useful[:depth]))
rows.sort(key=lambda r: -r[0])
for per, useful in rows:
    if per < 0.05:
        continue
    print(f"{per:5.1f}  " + "  <  ".join(u[:110] for u in useful))

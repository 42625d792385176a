#!/usr/bin/env python3
"""Import circles in a crate: between files and between top-level modules.

    scripts/import-cycles.py crates/hallpass/src [crates/userpool/src ...]

A file imports another when it names it in a path: `use crate::a::b`, `crate::a::b::f(..)`,
`super::x`, `self::x` (inside `mod.rs`). Test modules (`#[cfg(test)] mod tests { .. }` at the end of a
file) are left out: they may use anything. Prints every strongly connected component of more than one
file, then of more than one top-level module; exits 1 when there is any.
"""
import os
import re
import sys

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)::((?:[A-Za-z_][A-Za-z0-9_]*::)*)\{([^;]*)\};", re.S)


def module_files(src):
    """Module path (tuple) -> file, for every .rs file under src."""
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            full = os.path.join(root, f)
            rel = os.path.relpath(full, src)[:-3].split(os.sep)
            if rel[-1] in ("lib", "main") and len(rel) == 1:
                mods[()] = full
                continue
            if rel[-1] == "mod":
                rel = rel[:-1]
            mods[tuple(rel)] = full
    return mods


def strip_tests(text):
    cut = re.search(r"\n#\[cfg\(test\)\]\s*\nmod tests\s*\{", text)
    if cut:
        text = text[: cut.start()]
    # Line comments and doc comments: a path in prose is not an import.
    return re.sub(r"//[^\n]*", "", text)


def resolve(mods, here, is_mod_rs, head, rest):
    """The module a path starting at `here` names: its longest prefix that is a file."""
    if head == "crate":
        base = ()
    elif head == "super":
        base = here[:-1] if not is_mod_rs else here[:-1]
        # `super` in `a/b.rs` (module a::b) is `a`; in `a/b/mod.rs` (module a::b) also `a`.
    else:  # self
        base = here
    parts = list(base) + [p for p in rest.split("::") if p]
    while parts and parts[0] == "super":
        parts = parts[1:]
    for n in range(len(parts), -1, -1):
        if tuple(parts[:n]) in mods:
            return tuple(parts[:n])
    return None


def reexports_of(mods, m):
    """Names module `m` re-exports (`pub use a::b::{X, Y};`) -> the module they come from."""
    text = strip_tests(open(mods[m], encoding="utf-8").read())
    names = {}
    for u in re.finditer(r"\bpub(?:\(crate\))?\s+use\s+([A-Za-z_][A-Za-z0-9_:]*?)::(\{[^;]*\}|[A-Za-z_][A-Za-z0-9_]*)\s*;", text, re.S):
        path, items = u.group(1).split("::"), u.group(2)
        if path and path[0] == "crate":
            path = path[1:]
        elif path and path[0] in ("self",):
            path = list(m) + path[1:]
        elif path and path[0] == "super":
            path = list(m[:-1]) + path[1:]
        else:
            path = list(m) + path
        for n in range(len(path), 0, -1):
            if tuple(path[:n]) in mods:
                module = tuple(path[:n])
                break
        else:
            continue
        for item in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?", items.strip("{}")):
            pass
        for item in [i.strip() for i in items.strip("{}").split(",") if i.strip()]:
            item = item.split(" as ")[-1].strip().split("::")[-1]
            names[item] = module
    return names


def edges(mods):
    reexports = {m: reexports_of(mods, m) for m in mods}
    out = {m: set() for m in mods}
    for m, path in mods.items():
        text = strip_tests(open(path, encoding="utf-8").read())
        is_mod_rs = path.endswith("mod.rs")
        found = []
        for g in USE_GROUP.finditer(text):
            head, prefix, inner = g.group(1), g.group(2), g.group(3)
            for item in re.split(r",", re.sub(r"\{[^}]*\}", "", inner)):
                item = item.strip().split(" as ")[0].strip()
                if item and item != "self":
                    found.append((head, "::" + prefix + item))
                elif item == "self":
                    found.append((head, "::" + prefix.rstrip(":")))
        for p in PATH.finditer(text):
            found.append((p.group(1), p.group(2)))
        for head, rest in found:
            # `super::super::x`
            chain = rest.split("::")[1:]
            h, here = head, m
            while h == "super" and chain and chain[0] == "super":
                here = here[:-1]
                chain = chain[1:]
            target = resolve(mods, here, is_mod_rs, h, "::" + "::".join(chain))
            # Follow re-exports: `crate::X` or `crate::a::X` where `a` re-exports `X` from a file.
            rest_names = [c for c in chain if c]
            depth = len(target) - (0 if h == "crate" else 0) if target is not None else 0
            while target is not None:
                consumed = len(target) - (len(here) if h != "crate" and False else 0)
                names = reexports.get(target, {})
                # the segment after the module path
                full = (list(here[:-1]) if h == "super" else list(here) if h == "self" else []) + rest_names
                nxt = full[len(target)] if len(full) > len(target) else None
                if nxt in names and names[nxt] != target and names[nxt] != m:
                    target = names[nxt]
                    break
                break
            if target is not None and target != m and target != ():
                # A parent module is named only as a path to its children; count it only when the
                # name stops there (an item of the parent).
                out[m].add(target)
    return out


def sccs(graph):
    index, low, stack, on, result, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                result.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return result


def name(m):
    return "::".join(m) or "crate"


def main():
    bad = False
    for src in sys.argv[1:]:
        mods = module_files(src)
        graph = edges(mods)
        # A module's file naming its own submodules (`mod.rs` declaring and re-exporting them) is
        # the module tree, not an import: drop parent -> child edges.
        for m in graph:
            graph[m] = {t for t in graph[m] if not (len(t) > len(m) and t[: len(m)] == m)}
        files = sccs(graph)
        top = {}
        for m, ts in graph.items():
            if not m:
                continue
            top.setdefault(m[0], set()).update(t[0] for t in ts if t and t[0] != m[0])
        tops = sccs(top)
        print(f"{src}: {len(mods)} files")
        print(f"  file-level circles: {len(files)}")
        for c in files:
            print("    " + " <-> ".join(name(m) for m in c))
        print(f"  top-level module circles: {len(tops)}")
        for c in tops:
            print("    " + " <-> ".join(c))
        bad |= bool(files or tops)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

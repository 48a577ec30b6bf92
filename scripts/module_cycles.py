#!/usr/bin/env python3
"""Import cycles between the modules of each crate: the layering check.

A crate's modules are the top-level modules under its `src/` (`api`, `ingest`, `web`, ...; a
file `src/x.rs` or a folder `src/x/`). A file of module X that names `crate::Y` (or `super::Y`
from X's root) makes X depend on Y. The modules of a crate must form a DAG: one-way layers.
This script prints each crate's module graph in layers and every cycle (a strongly connected
group of modules with the files that make each edge), and exits 1 if there is any cycle.

    python3 scripts/module_cycles.py [CRATE_DIR ...]     (default: every crate of the workspace)

It reads source as text (paths in `use` items and in code), which is what a reviewer does; a
path inside a comment or string counts too, so keep prose paths out of code lines.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CRATES = ["domain", "core", "bindings", "cli", "sync-server", "sim", "demo", "tests"]

# `crate::a`, `crate::{a, b::c}` and `super::a` (resolved from the file's own module).
CRATE_PATH = re.compile(r"\bcrate::(\{[^}]*\}|[a-z_][a-z0-9_]*)")
SUPER_PATH = re.compile(r"\b((?:super::)+)([a-z_][a-z0-9_]*|\{[^}]*\})")
LINE_COMMENT = re.compile(r"//.*$")


def module_path(src: Path, file: Path) -> list[str]:
    """The module path of a source file: src/a/b.rs -> [a, b]; src/a/mod.rs -> [a]."""
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts and parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def names_in_braces(group: str) -> list[str]:
    inner = group.strip("{}")
    return [p.strip().split("::")[0] for p in inner.split(",") if p.strip()]


def crate_graph(crate: Path) -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    src = crate / "src"
    top = {p.stem if p.is_file() else p.name for p in src.iterdir()
           if (p.suffix == ".rs" and p.stem not in ("lib", "main")) or (p.is_dir() and p.name != "bin")}
    edges: dict[str, set[str]] = defaultdict(set)
    why: dict[tuple[str, str], set[str]] = defaultdict(set)
    for file in sorted(src.rglob("*.rs")):
        mod = module_path(src, file)
        if not mod or mod[0] not in top:
            continue  # the crate root and binaries sit above every module
        here = mod[0]
        in_tests = False
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.startswith("#[cfg(test)]"):
                in_tests = True  # a test module at the end of the file: not a dependency
            if in_tests:
                continue
            code = LINE_COMMENT.sub("", line)
            targets: list[str] = []
            for m in CRATE_PATH.finditer(code):
                g = m.group(1)
                targets += names_in_braces(g) if g.startswith("{") else [g]
            for m in SUPER_PATH.finditer(code):
                # `super::` climbs from the file's own module: from [a, b] (src/a/b.rs) to
                # [a]; from [a] (src/a.rs or src/a/mod.rs) to the crate root, where the next
                # name is a top-level module.
                base = mod[: max(len(mod) - m.group(1).count("super::"), 0)]
                names = names_in_braces(m.group(2)) if m.group(2).startswith("{") else [m.group(2)]
                targets += [base[0] if base else name for name in names]
            for t in targets:
                if t in top and t != here:
                    edges[here].add(t)
                    why[(here, t)].add(str(file.relative_to(crate)))
        edges.setdefault(here, set())
    for t in top:
        edges.setdefault(t, set())
    return edges, why


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def layers(edges: dict[str, set[str]]) -> list[list[str]]:
    """Modules by depth: layer 0 depends on no module of the crate."""
    depth: dict[str, int] = {}

    def d(v: str, seen: frozenset[str] = frozenset()) -> int:
        if v in depth:
            return depth[v]
        if v in seen:
            return 0
        depth[v] = 1 + max((d(w, seen | {v}) for w in edges[v]), default=-1)
        return depth[v]

    for v in edges:
        d(v)
    out: dict[int, list[str]] = defaultdict(list)
    for v, n in depth.items():
        out[n].append(v)
    return [sorted(out[n]) for n in sorted(out)]


def main(argv: list[str]) -> int:
    crates = [Path(a) for a in argv] or [ROOT / c for c in DEFAULT_CRATES]
    cycles_found = 0
    for crate in crates:
        crate = crate.resolve()
        edges, why = crate_graph(crate)
        groups = [g for g in strongly_connected(edges) if len(g) > 1]
        print(f"== {crate.relative_to(ROOT)}: {len(edges)} modules, "
              f"{sum(len(v) for v in edges.values())} dependencies, {len(groups)} cycle(s)")
        for group in groups:
            cycles_found += 1
            print(f"  CYCLE among {', '.join(group)}:")
            for a in group:
                for b in sorted(edges[a]):
                    if b in group:
                        print(f"    {a} -> {b}  ({', '.join(sorted(why[(a, b)]))})")
        if not groups:
            for n, layer in enumerate(layers(edges)):
                print(f"  layer {n}: {' '.join(layer)}")
    return 1 if cycles_found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

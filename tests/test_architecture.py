"""The package layout's two rules (docs/ARCHITECTURE.md, Layout), checked on the source with ast:
no import cycle among the modules of orchestration/ and ingest/ (a function-level import counts:
it is a cycle all the same, only deferred), and no engine branch outside orchestration/engines/
(the engine-specific steps are methods of an Engine there)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from orchestration.settings import REPO_ROOT

PACKAGES = ("orchestration", "ingest")


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the project's packages."""
    out = {}
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports anywhere in its file (top level, functions,
    TYPE_CHECKING blocks). `from a.b import c` is an edge to a.b.c when c is a module, else to a.b."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: resolve against this module's package
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a → b → … → a) per strongly connected group of modules (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(_one_cycle(graph, set(group)) for group in groups)


def _one_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group (BFS)."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & group):
            if w == start:
                return [*paths[v], start]
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    raise AssertionError(f"no cycle through {start}")  # unreachable for a strongly connected group


def test_the_cycle_finder_names_a_cycle() -> None:
    # a → b → c → a is one cycle; d → a hangs off it and is not part of it.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c", "a"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_sees_function_level_imports() -> None:
    graph = import_graph()
    assert len(graph) > 40  # the scan found the modules
    # orchestration/pipeline/dbt_assets.py imports ingest.pg_raw_sync inside a function only
    assert "ingest.pg_raw_sync" in graph["orchestration.pipeline.dbt_assets"] | graph.get(
        "orchestration.engines.postgres.engine", set()
    )


def test_no_import_cycles() -> None:
    cycles = import_cycles(import_graph())
    assert cycles == [], "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


# A test of the target's name outside orchestration/engines/: `settings.on_postgres()`, `on_spark()`,
# `target == "spark"`, `args.target != "duckdb"` and the like. The engine's steps are Engine methods.
ENGINE_BRANCH = re.compile(
    r"\bon_postgres\(|\bon_spark\(|\btarget\s*[!=]=\s*[\"']|[\"'](?:duckdb|postgres|spark)[\"']\s*[!=]="
)


def engine_branches() -> list[str]:
    found = []
    for name, path in sorted(_modules().items()):
        if name.startswith("orchestration.engines."):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if ENGINE_BRANCH.search(line.split("#")[0]):
                found.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    return found


def test_the_engine_branch_pattern() -> None:
    hits = ['if settings.on_postgres():', 'elif settings.on_spark():', 'if args.target == "duckdb"',
            "if target != 'postgres':", 'if "spark" == target']
    misses = ['engine = engine_for(settings.target, published)', 'if engine.marts_in_file:',
              'self.target != DEFAULT_TARGET']
    assert [h for h in hits if not ENGINE_BRANCH.search(h)] == []
    assert [m for m in misses if ENGINE_BRANCH.search(m)] == []


def test_no_engine_branch_outside_engines() -> None:
    assert engine_branches() == []

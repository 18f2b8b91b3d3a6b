"""No import circles: the project's modules form a one-way graph (data flows one way).

Imports are read from the source with `ast` (nothing is imported), including imports inside
functions, since a lazy import is still a dependency. To cover another package, add a
`Package` to PACKAGES.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Package:
    name: str  # the top-level package, e.g. "etl"
    globs: tuple[str, ...]  # files to cover, relative to the repository


PACKAGES = [Package("etl", ("etl/*.py", "etl/*/*.py"))]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, prefix: str, known: set[str]) -> set[str]:
    """Project modules `path` imports (`from etl import x` counts as etl.x when x is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in known:  # `etl.sources.base.Dropped` -> etl.sources.base
                name = name.rpartition(".")[0]
            if name.startswith(prefix) and name != this:
                found.add(name)
    return found


def import_graph(package: Package) -> dict[str, set[str]]:
    files = sorted({p for g in package.globs for p in ROOT.glob(g)})
    known = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, package.name, known) for p in files}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle as a path a -> b -> ... -> a, or [] when the graph is acyclic."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_find_cycle_finds_a_lazy_circle_and_passes_a_chain() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_the_import_graph_is_acyclic(package: Package) -> None:
    graph = import_graph(package)
    assert len(graph) > 10, f"too few {package.name} modules found: {sorted(graph)}"
    cycle = find_cycle(graph)
    assert not cycle, "import circle: " + " -> ".join(cycle)


def test_engine_does_not_import_the_pipeline() -> None:
    graph = import_graph(PACKAGES[0])
    assert "etl.pipeline" not in graph["etl.engine"]
    assert "etl.schemas" in graph["etl.engine"]

"""The dashboard's layering, checked from the source: figures are pure, pages are listed once.

Data flows one way: clean frames -> dashboard.query -> dashboard.views -> dashboard.figures.
A figure module never imports the data, the query layer, the views or another figure module
(shared drawing helpers live in figures/common.py and theme.py), and no dashboard module
imports itself back through others.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dashboard.ids import Control
from dashboard.pages import PAGES

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
FIGURES = DASHBOARD / "figures"
SHARED_FIGURE_MODULES = {"dashboard.figures.common", "dashboard.figures.lean"}
NOT_FOR_FIGURES = ("dashboard.data", "dashboard.query", "dashboard.views", "dashboard.pages")
PAGE_KEYS = ("overview", "partner", "compare", "products", "fdi", "visas", "briefing")


def module_name(path: Path) -> str:
    parts = path.relative_to(DASHBOARD.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every dashboard module a file imports, at any depth (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # `from dashboard.figures import fdi` imports the module dashboard.figures.fdi
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    modules = {module_name(p) for p in DASHBOARD.rglob("*.py")}
    return {name for name in found if name in modules}


def figure_modules() -> list[Path]:
    return sorted(p for p in FIGURES.glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("path", figure_modules(), ids=lambda p: p.name)
def test_figure_modules_import_no_query_and_no_other_figure_module(path: Path) -> None:
    own = module_name(path)
    used = imports(path) - {own, "dashboard", "dashboard.figures"}
    sideways = {m for m in used if m.startswith("dashboard.figures.")} - SHARED_FIGURE_MODULES
    assert not sideways, f"{path.name} imports other figure modules: {sideways}"
    forbidden = {m for m in used if m.startswith(NOT_FOR_FIGURES)}
    assert not forbidden, f"{path.name} queries or loads data itself: {forbidden}"


def test_figure_functions_take_no_clean_data() -> None:
    for path in figure_modules():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bdata: CleanData\b", text), path.name
        assert "etl.registry" not in text and "import registry" not in text, path.name


def test_the_dashboard_never_reads_raw_sources() -> None:
    """Source names come from data/clean/metadata.json, never from etl.registry."""
    for path in DASHBOARD.rglob("*.py"):
        used = {m.rsplit(".", 1)[-1] for m in _etl_imports(path)} | _etl_imports(path)
        assert not {"registry", "etl.registry"} & used, path


def _etl_imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("etl"):
            out |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("etl")}
    return out


def test_no_import_cycles_in_the_dashboard() -> None:
    graph = {module_name(p): imports(p) for p in DASHBOARD.rglob("*.py")}
    # A package's __init__ is imported with any of its modules; only real edges count.
    graph = {
        m: {d for d in deps if d != m and not m.startswith(d + ".")} for m, deps in graph.items()
    }
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep) :], dep] if dep in path else [module, dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep, [*path, dep])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_page_list_is_written_once() -> None:
    """Only the registry names every page; no other module lists them or has a page stub."""
    assert tuple(PAGES) == PAGE_KEYS
    assert not (DASHBOARD / "pages").is_dir()  # the old per-page stubs
    listing = re.compile(r"""["']overview["'].{0,200}["']partner["'].{0,200}["']fdi["']""", re.S)
    for path in DASHBOARD.rglob("*.py"):
        if path.name == "pages.py":
            continue
        assert not listing.search(path.read_text(encoding="utf-8")), f"{path} lists pages"


def test_every_page_entry_is_complete() -> None:
    paths = [page.path for page in PAGES.values()]
    assert len(set(paths)) == len(paths) and paths[0] == "/"
    for key, page in PAGES.items():
        assert page.key == key and page.name and page.title and page.description
        assert page.controls[0] is Control.REPORTER
        assert callable(page.view)
        assert (FIGURES / f"{key}.py").exists(), f"no figures module for {key}"
    assert [k for k, p in PAGES.items() if p.text] == ["briefing"]

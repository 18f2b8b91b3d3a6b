"""One reader per raw source format; a source folder may hold several formats, each its reader.

Every reader module exposes `SOURCE` and `load(folder: Path) -> SourceResult`, and supplies the
hooks of `etl.sources.base.Reader` (`PATTERNS`, `read`, `tidy_frames`, ...) to the one file loop
`base.read_folder`. `load(source, folder)` here runs every reader of a folder, merges their
results and reports each file of the folder that no reader's PATTERNS claim (`unread`).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from etl.errors import InputError, Problem
from etl.sources.base import SourceResult, concat, is_data_name, matching

# folder name -> reader modules (one per file format in the folder); the order is the report's.
READERS: dict[str, tuple[str, ...]] = {
    "bns-kz-trade-by-country": ("etl.sources.bns_trade_by_country",),
    "bns-kz-monthly-trade-totals": ("etl.sources.bns_monthly_totals",),
    "eurostat-comext-eu-exports-to-kaz-monthly": ("etl.sources.eurostat_comext",),
    "eurostat-comext-eu-trade-with-neighbours-monthly": ("etl.sources.eurostat_comext_neighbours",),
    "imf-dots-annual": ("etl.sources.imf_dots",),
    "unctad-bilateral-fdi": ("etl.sources.unctad_fdi",),
    "wiiw-fdi-kazakhstan": ("etl.sources.wiiw_fdi",),
    "nbk-kz-fdi-net-inflow-quarterly": ("etl.sources.nbk_fdi",),
    "eu-schengen-visa-stats": ("etl.sources.schengen_visas",),
    "us-visa-niv-by-nationality-monthly": ("etl.sources.us_niv_visas",),
    "kg-nsc-foreign-trade": (
        "etl.sources.kg_nsc_trade",
        "etl.sources.kg_nsc_goods",
        "etl.sources.kg_nsc_rates",
    ),
    "uz-stat-trade-by-country": ("etl.sources.uz_stat_trade",),
    "ru-fcs-foreign-trade": (
        "etl.sources.ru_fcs_partners",
        "etl.sources.ru_fcs_totals",
        "etl.sources.ru_fcs_continents",
        "etl.sources.ru_fcs_products",
    ),
    "oec-exports-by-hs-section": ("etl.sources.oec_exports",),
    "ecb-euro-reference-rates": ("etl.sources.ecb_rates",),
    "un-comtrade-plus-2023-2024": ("etl.sources.comtrade",),
}

# Sources that are read when present but are not part of the bundled snapshot set.
OPTIONAL_READERS: dict[str, tuple[str, ...]] = {
    "un-comtrade": ("etl.sources.comtrade",),
}

# Files that describe a folder rather than hold its data.
DOCUMENTATION = ("PROVENANCE.md", "README*", "LICENSE*", "*.md")
DOCUMENTATION_REASON = "documentation, not data"  # listed as unread, never warned about


def readers(source: str) -> list[ModuleType]:
    names = READERS.get(source) or OPTIONAL_READERS[source]
    return [importlib.import_module(name) for name in names]


def reader(source: str) -> ModuleType:
    """The folder's first reader (the only one for most folders)."""
    return readers(source)[0]


def load(source: str, folder: Path) -> SourceResult:
    """Every reader of `source` on `folder`, merged; files no reader claims are in `unread`.

    In a folder with several readers a reader whose PATTERNS match no file is skipped (that
    format is absent); with a single reader its own "no file" problem stands.
    """
    modules = readers(source)
    results: list[SourceResult] = []
    problems: list[Problem] = []
    for module in modules:
        patterns = getattr(module, "PATTERNS", None)
        if len(modules) > 1 and patterns is not None and not matching(folder, patterns):
            continue
        try:
            results.append(module.load(folder))
        except InputError as exc:
            problems += exc.problems
    if not results and not problems:
        patterns = " ".join(p for m in modules for p in getattr(m, "PATTERNS", ()))
        rule = "no file any reader of this folder reads"
        problems.append(Problem(str(folder), "folder", "-", patterns, rule))
    if problems:
        raise InputError(problems)
    merged = merge(source, results)
    merged.unread = unclaimed(folder, modules, results) + merged.unread
    return merged


def merge(source: str, results: list[SourceResult]) -> SourceResult:
    """Several readers' results of one folder as one: frames of a table one under another."""
    if len(results) == 1:
        results[0].source = source
        return results[0]
    tables = dict.fromkeys(t for r in results for t in r.frames)
    frames = {t: concat([r.frames[t] for r in results if t in r.frames]) for t in tables}
    rows_out: dict[str, int] = {}
    for r in results:
        for table, n in r.rows_out.items():
            rows_out[table] = rows_out.get(table, 0) + n
    return SourceResult(
        source=source,
        frames=frames,
        files=[f for r in results for f in r.files],
        rows_in=sum(r.rows_in for r in results),
        dropped=[d for r in results for d in r.dropped],
        warnings=[w for r in results for w in r.warnings],
        problems=[p for r in results for p in r.problems],
        rows_out=rows_out,
        unread=[u for r in results for u in r.unread],
    )


def unclaimed(
    folder: Path, modules: list[ModuleType], results: list[SourceResult]
) -> list[dict[str, str]]:
    """Each entry of `folder` that no reader reads, with the reason, as {"file", "reason"}."""
    claimed: set[Path] = {f for r in results for f in r.files}
    patterns: list[str] = []
    for module in modules:
        module_patterns = getattr(module, "PATTERNS", None)
        if module_patterns is not None:
            claimed |= set(matching(folder, module_patterns))
            patterns += module_patterns
    # files a reader matched but left unread are reported by that reader, with its reason
    claimed |= {folder / u["file"] for r in results for u in r.unread}
    reads = ", ".join(dict.fromkeys(patterns)) or "the files its reader lists"
    # Sub-folders a reader's patterns reach into ('exports-to-*/*.csv'): their files are
    # listed one by one ('exports-to-KGZ/notes.txt'), not the sub-folder as a whole.
    recursive = [p.split("/", 1)[0] for p in patterns if "/" in p]
    out = []
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        if entry in claimed:
            continue
        if entry.is_dir() and any(entry.match(p) for p in recursive):
            out += [
                {"file": f"{entry.name}/{inner.name}", "reason": _why(inner, entry, reads)}
                for inner in sorted(entry.iterdir())
                if inner not in claimed
            ]
            continue
        out.append({"file": entry.name, "reason": _why(entry, folder, reads)})
    return out


def _why(entry: Path, folder: Path, reads: str) -> str:
    """Why a file or folder no reader claims is not read."""
    docs = {p for pattern in DOCUMENTATION for p in folder.glob(pattern)}
    if entry.is_dir():
        return f"a folder: readers here read only files directly in {folder.name}/"
    if entry in docs:
        return DOCUMENTATION_REASON
    if entry.name.startswith("~$"):
        return "an Excel lock file (the workbook is open in Excel), not data"
    if not is_data_name(entry.name):
        return "a hidden file, not data"
    kind = f"{entry.suffix} files" if entry.suffix else "files without an extension"
    return f"no reader for {kind} in this folder; readers here read {reads}"

"""Sources and their provenance, read from the snapshot manifest data/raw/sources.toml.

Titles, publishers and licences live in the manifest, not in reader code, so a citation in a
chart footnote and the manifest can never disagree.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from etl import paths


@dataclass(frozen=True)
class SourceInfo:
    key: str
    publisher: str
    title: str
    short: str
    landing_page: str
    licence: str
    concept: str
    files: dict[str, dict[str, str]]


@cache
def _load(manifest: Path) -> dict[str, SourceInfo]:
    with manifest.open("rb") as fh:
        raw = tomllib.load(fh)
    out: dict[str, SourceInfo] = {}
    for key, entry in raw["sources"].items():
        out[key] = SourceInfo(
            key=key,
            publisher=entry["publisher"],
            title=entry["title"],
            short=entry.get("short", entry["publisher"]),
            landing_page=entry.get("landing_page", ""),
            licence=entry.get("licence", ""),
            concept=entry.get("concept", ""),
            files={f["name"]: f for f in entry.get("files", [])},
        )
    return out


def sources(manifest: Path | None = None) -> dict[str, SourceInfo]:
    return _load((manifest or paths.manifest()).resolve())


def info(source: str) -> SourceInfo:
    return sources()[source]


def citation(source: str, file: str, detail: str = "") -> str:
    """'Publisher, Title (file, detail)': the footnote every row carries."""
    meta = info(source)
    where = f"{file}, {detail}" if detail else file
    return f"{meta.publisher}, {meta.title} ({where})"

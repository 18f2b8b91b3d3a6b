"""Sources and their provenance, read from the snapshot manifest data/raw/sources.toml.

Titles, publishers and licences live in the manifest, not in reader code, so a citation in a
chart footnote and the manifest can never disagree. The ETL alone reads this module: it copies
`metadata()` into data/clean/metadata.json, which is what the dashboard reads.
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
    edition: str
    files: dict[str, dict[str, str]]
    # "world context": a source of reporters' totals (with the World and a few partners) that
    # places a reporter among all others; it is not a partner breakdown to rank partners with.
    role: str = ""


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
            edition=entry.get("edition", ""),
            files={f["name"]: f for f in entry.get("files", [])},
            role=entry.get("role", ""),
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


# What data/clean/metadata.json says of each source: names for titles and footnotes.
METADATA_FIELDS = (
    "short", "publisher", "title", "edition", "landing_page", "licence", "concept", "role",
)  # fmt: skip


def metadata(manifest: Path | None = None) -> dict[str, dict[str, str]]:
    """{source key: {short, publisher, title, edition, landing_page, licence, concept}}."""
    return {
        key: {name: getattr(meta, name) for name in METADATA_FIELDS}
        for key, meta in sources(manifest).items()
    }

"""The product dimension: HS codes and ranges as publishers write them, and their English labels.

Labels live in a data table, `etl/hs_labels.csv` (classification, code, label_en, note): HS
sections 1-21 and chapters 01-97 with the WCO titles, plus the FCS commodity groups (HS chapter
ranges such as `68-70, 84-97`, English by tradeboard from the Russian label). A code is kept as
published; `parse_code` reads it into chapter ranges so overlaps between rows can be checked.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Classifications as the products table writes them. The edition goes in brackets when the
# publisher states it (OEC/BACI: HS92); the level is part of the name.
HS_SECTION = "HS-section"
HS_CHAPTER = "HS2 (chapter)"
HS_GROUP = "HS-group"
NATIONAL = "national:"
# The row that publishes a total's remainder when a publisher leaves goods out of its breakdown
# (FCS 2022: chapter 93 and confidential trade); never spread over products.
UNALLOCATED = "unallocated"
UNALLOCATED_LABEL = "not allocated by the publisher"

# '84', '01-24', '68-70, 84-97': two-digit chapters and ranges of them, comma-separated.
_PART = r"\d{2}(?:\s*-\s*\d{2})?"
CHAPTER_CODE = re.compile(rf"^\s*{_PART}(?:\s*,\s*{_PART})*\s*$")
# The table's own names for the kinds of code (first column of hs_labels.csv).
_TABLE_KIND = {"section": "HS-section", "chapter": "HS-chapter", "group": "HS-group"}


@dataclass(frozen=True)
class ProductCode:
    """A chapter code or chapter ranges as published ('68-70, 84-97'), read into (first, last)."""

    text: str
    ranges: tuple[tuple[int, int], ...]

    @property
    def is_range(self) -> bool:
        return len(self.ranges) > 1 or self.ranges[0][0] != self.ranges[0][1]

    @property
    def chapters(self) -> frozenset[int]:
        return frozenset(c for first, last in self.ranges for c in range(first, last + 1))


def parse_code(text: str) -> ProductCode:
    """'84' -> ((84, 84),); '68-70, 84-97' -> ((68, 70), (84, 97)). ValueError otherwise."""
    if not CHAPTER_CODE.match(text):
        raise ValueError(f"not an HS chapter code or range of chapters: {text!r}")
    ranges = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        lo, hi = int(first), int(last or first)
        if not 1 <= lo <= hi <= 99:
            raise ValueError(f"HS chapter range out of order or outside 01-99: {part.strip()!r}")
        ranges.append((lo, hi))
    return ProductCode(text.strip(), tuple(ranges))


def overlapping(codes: list[str]) -> list[tuple[str, str]]:
    """Pairs of chapter codes whose chapters overlap (a breakdown must not count goods twice)."""
    parsed = [parse_code(c) for c in codes]
    return [
        (a.text, b.text)
        for i, a in enumerate(parsed)
        for b in parsed[i + 1 :]
        if a.chapters & b.chapters
    ]


def kind_of(classification: str) -> str | None:
    """'section', 'chapter', 'group' or None (national lists) for a products classification."""
    if classification.startswith(HS_SECTION):
        return "section"
    if classification.startswith("HS2"):
        return "chapter"
    if classification.startswith(HS_GROUP):
        return "group"
    return None


def _key(code: str) -> str:
    """Codes compare without padding or spaces: '5' = '05', '68-70,84-97' = '68-70, 84-97'."""
    parts = [p.strip() for p in re.split(r"\s*,\s*", code.strip())]
    return ",".join("-".join(str(int(x)) for x in p.split("-")) for p in parts)


@cache
def labels() -> dict[tuple[str, str], str]:
    """(kind, code key) -> English label, from etl/hs_labels.csv; checks the table once."""
    path = resources.files("etl") / "hs_labels.csv"
    out: dict[tuple[str, str], str] = {}
    kinds = {v: k for k, v in _TABLE_KIND.items()}
    with path.open(encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            kind = kinds.get(row["classification"])
            if kind is None or not row["label_en"].strip():
                raise ValueError(f"{path}, line {line}: unknown classification or empty label")
            key = (kind, _key(row["code"]))
            if key in out:
                raise ValueError(f"{path}, line {line}: code {row['code']!r} listed twice")
            out[key] = row["label_en"].strip()
    return out


def label_en(kind: str, code: str) -> str:
    """English label of an HS section ('5'), chapter ('27') or FCS group ('25-27'); '' if none.

    A single-chapter code asked as a group falls back to the chapter's title, and a range of
    chapters asked as a chapter to the group's (FCS writes '01-24' among its chapters).
    """
    table = labels()
    key = _key(code)
    found = table.get((kind, key))
    if found is None and kind in ("chapter", "group"):
        other = "group" if kind == "chapter" else "chapter"
        found = table.get((other, key))
    return found or ""

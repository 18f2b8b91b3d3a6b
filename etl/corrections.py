"""Known publisher errors as data: etl/corrections.yml, each entry with its reason and guard.

A reader asks for the corrections of its source (`for_source`) and applies them; where it reads
the file an entry names, it checks the entry's guard and raises `guard_failed(...)` when the wrong
value is gone, i.e. when the publisher has fixed the file and the correction must be reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from etl.errors import InputError, Problem, shorten

CORRECTIONS_FILE = Path(__file__).with_name("corrections.yml")
KEYS = ("id", "source", "edition", "wrong", "correction", "reason", "guard")


@dataclass(frozen=True)
class Correction:
    """One known error: where it is, what it is, how it is corrected, and the guard's terms."""

    id: str
    source: str
    edition: str
    wrong: str
    correction: dict[str, Any]
    reason: str
    guard: dict[str, Any]


@cache
def load(path: Path = CORRECTIONS_FILE) -> tuple[Correction, ...]:
    """Every entry of the corrections file; ValueError naming the entry for a missing key."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out = []
    for i, entry in enumerate(entries, start=1):
        missing = [k for k in KEYS if k not in entry]
        if missing:
            raise ValueError(f"{path.name}: entry {i} ({entry.get('id', '?')}) lacks {missing}")
        out.append(Correction(**{k: entry[k] for k in KEYS} | {"edition": str(entry["edition"])}))
    return tuple(out)


def for_source(source: str) -> tuple[Correction, ...]:
    return tuple(c for c in load() if c.source == source)


def find(source: str, key: str) -> Correction:
    """The source's correction whose `correction` holds `key` (e.g. 'city_aliases')."""
    hits = [c for c in for_source(source) if key in c.correction]
    if len(hits) != 1:
        raise LookupError(f"{CORRECTIONS_FILE.name}: expected one {source} entry with {key!r}")
    return hits[0]


def guard_failed(correction: Correction, file: str, where: str, found: object) -> InputError:
    """The error a reader raises when a guard no longer finds the publisher's error."""
    rule = (
        f"correction {correction.id!r} in etl/corrections.yml no longer applies: the file no "
        f"longer shows what it corrects ({shorten(correction.wrong, 120)}); the publisher seems "
        "to have fixed it: check the file, then update or remove the entry"
    )
    return InputError([Problem(file, where, "-", shorten(found), rule)])

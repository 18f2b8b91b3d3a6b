"""What every reader returns, the hooks a reader supplies, and the one loop over a folder's files.

A reader module supplies `SOURCE`, `PATTERNS` (globs of the files it reads), `read(path)` (the
file's content, faithfully) and `tidy_frames(faithful) -> Tidy`; `read_folder` does the rest:
finds the files, reads each one, keeps going past a bad file so every file's problems are
reported at once, and assembles the SourceResult. See docs/architecture.md, "ETL readers".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from etl.errors import InputError, Problem

# Helpers that lived here before the split; readers import them from their own modules now,
# these names stay for readers written against the old layout.
from etl.sources.text_files import (  # noqa: F401
    RULE_CUT_SHORT,
    decode_text,
    delimiter_problem,
    ends_cut_short,
    parse_decimal,
    utf16_problem,
)
from etl.sources.workbooks import check_workbook, parser_failed  # noqa: F401


@dataclass(frozen=True)
class Dropped:
    """A row read from a file and deliberately not published, with the reason."""

    file: str
    location: str
    reason: str
    content: str


@dataclass
class SourceResult:
    """Tidy frames from one source folder, keyed by clean table ('trade', 'fdi', 'visas')."""

    source: str
    frames: dict[str, pd.DataFrame]
    files: list[Path]
    rows_in: int
    dropped: list[Dropped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Rows published per table when the frames are streamed to disk instead of held in memory.
    rows_out: dict[str, int] = field(default_factory=dict)
    # Files of the folder that no reader read: {"file": name, "reason": why}.
    unread: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Tidy:
    """What normalising gives: tidy frames by clean table, rows not published, warnings."""

    frames: dict[str, pd.DataFrame]
    dropped: list[Dropped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class FileRead:
    """One file as read: its faithful frame, plus what a reader learns beside the rows."""

    path: Path
    frame: pd.DataFrame
    dropped: list[Dropped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int | None = None  # rows read, for the report; len(frame) when None
    detail: Any = None  # anything `finish` needs from the file (a workbook's totals sheet)
    unread: str | None = None  # why a file the patterns matched holds nothing to read

    @property
    def rows_in(self) -> int:
        return len(self.frame) if self.rows is None else self.rows


class Reader(Protocol):
    """The hooks of a reader module (a module satisfies this protocol by its attributes).

    Optional hooks, looked up when present:
    - `read_file(path) -> FileRead`: when a file yields more than its frame (skipped sheets,
      warnings, what a cross-check needs); defaults to `FileRead(path, read(path))`.
    - `EACH_FILE: bool`: True normalises each file alone (one file's problems never hide
      another's); False (default) normalises all files' frames together, for readers that
      choose between editions or dedupe across files.
    - `finish(tidy, reads) -> Tidy`: cross-file work after normalising (overlaps, totals,
      derived rows, guards); `reads` holds every file matched, those marked `unread` too.
    - `NO_FILES: str`: the rule shown when no file matches `PATTERNS`.
    """

    SOURCE: str
    PATTERNS: tuple[str, ...]

    def read(self, path: Path) -> pd.DataFrame: ...

    def tidy_frames(self, faithful: pd.DataFrame) -> Tidy: ...


def is_data_name(name: str) -> bool:
    """False for Excel lock files ('~$book.xlsx') and hidden files ('.DS_Store')."""
    return not name.startswith(("~$", "."))


def matching(folder: Path, patterns: Iterable[str]) -> list[Path]:
    """Files of `folder` that match any of the globs, lock and hidden files excluded. A glob
    reaches into sub-folders only when it says so ('exports-to-*/*.csv'); '*.csv' does not."""
    found = {p for pattern in patterns for p in folder.glob(pattern)}
    return sorted(p for p in found if p.is_file() and is_data_name(p.name))


def read_folder(reader: Reader, folder: Path, files: list[Path] | None = None) -> SourceResult:
    """Read every file of `folder` that the reader's PATTERNS match (or `files`), normalise, and
    return the SourceResult; raises InputError with the problems of every file together."""
    files = matching(folder, reader.PATTERNS) if files is None else files
    if not files:
        rule = getattr(reader, "NO_FILES", "no file of this source in the folder")
        raise InputError([Problem(str(folder), "folder", "-", " ".join(reader.PATTERNS), rule)])
    read_file: Callable[[Path], FileRead] = getattr(reader, "read_file", None) or (
        lambda path: FileRead(path, reader.read(path))
    )
    each = bool(getattr(reader, "EACH_FILE", False))
    reads: list[FileRead] = []
    parts: list[Tidy] = []
    problems: list[Problem] = []
    for path in files:
        try:
            got = read_file(path)
            if each and got.unread is None:
                parts.append(reader.tidy_frames(got.frame))
        except InputError as exc:
            problems += exc.problems
            continue
        reads.append(got)
    if problems:
        raise InputError(problems)
    used = [r for r in reads if r.unread is None]
    if not each and used:
        parts = [reader.tidy_frames(pd.concat([r.frame for r in used], ignore_index=True))]
    tidy = _merge(parts)
    finish = getattr(reader, "finish", None)
    if finish is not None:
        tidy = finish(tidy, reads)
    return SourceResult(
        source=reader.SOURCE,
        frames=tidy.frames,
        files=[r.path for r in used],
        rows_in=sum(r.rows_in for r in used),
        dropped=[d for r in used for d in r.dropped] + tidy.dropped,
        warnings=[w for r in reads for w in r.warnings] + tidy.warnings,
        unread=[{"file": r.path.name, "reason": r.unread} for r in reads if r.unread],
    )


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames one under another; empty ones are left out unless all are empty."""
    filled = [f for f in frames if len(f)]
    if not filled:
        return frames[0].reset_index(drop=True) if frames else pd.DataFrame()
    return pd.concat(filled, ignore_index=True)


def _merge(parts: list[Tidy]) -> Tidy:
    tables = dict.fromkeys(t for part in parts for t in part.frames)
    return Tidy(
        frames={t: concat([p.frames[t] for p in parts if t in p.frames]) for t in tables},
        dropped=[d for p in parts for d in p.dropped],
        warnings=[w for p in parts for w in p.warnings],
    )

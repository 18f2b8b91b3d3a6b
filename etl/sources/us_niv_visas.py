"""US nonimmigrant visa (NIV) issuances by nationality and visa class, monthly (State Department).

Row grain: nationality x visa class x calendar month; `count` is the number of visas the United
States issued in the month (measure "issued"; issuer "USA"; no consulate axis). The month comes
from the file name (`YYYY-MM-01.jsonl`), the visa class is kept as printed ("B1/B2", "F1", "J1").

Publisher's caveat: since FY2020 the State Department counts final application outcomes and warns
that monthly issuance reports should not be added up to a fiscal-year total (later status changes
are not back-filled into earlier months). A Jan-May sum is therefore an approximation and must be
labelled as a sum of monthly reports.

Zero months: the tables list only nationality x class pairs with at least one visa issued in the
month, so a pair absent from a month's file means none were issued that month (zero), not that the
month is missing. `MISSING_MONTH_IS_ZERO` says so to `etl.metrics`, whose Jan-X sums per class
count such a month as 0 (else a class with one zero month would drop out of every later Jan-X
sum, and the per-class sums would fall short of the total).

Each row's `location` is the file and its line ("2024-05-01.jsonl, line 1234"; "lines 12, 13" when
two listed lines were summed).

The files are a third party's PDF-table extraction (one JSON object per table row, all strings),
with defects this reader copes with rather than crashes on:
- a fourth key `NationalityVisa ClassIssuances` (2023-06, 2024-01, 2024-11) holding a whole row
  glued with newlines ("Zimbabwe\\nR1\\n1": recovered when it splits cleanly into a known
  nationality, a visa class and a count), the table total ("GRAND TOTAL\\n875,162") or the footnote;
- footnote rows, the GRAND TOTAL row (used as a check, not published), malformed JSON lines;
- the same nationality and class listed twice in one month (2024-04: Portugal A2, Romania G4):
  identical lines are kept once; differing lines are summed, since the GRAND TOTAL counts both.
Every line not published is listed in `dropped` with file, line number and reason.

Pseudo-nationalities: "*Non-Nationality Based Issuances" (UN laissez-passer, refugee travel
documents) -> XNN, "Unknown" -> XNS, "British National Overseas (Hong Kong) Passport" -> XBN;
"China - mainland" -> CHN and "Taiwan" -> TWN as the State Department separates them.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl import countries, periods, registry
from etl.errors import InputError, Problem, shorten
from etl.schemas import VISA_KEY
from etl.sources.base import Dropped, SourceResult, Tidy, read_folder
from etl.sources.text_files import utf16_problem

SOURCE = "us-visa-niv-by-nationality-monthly"
PATTERNS = ("*.jsonl",)
NO_FILES = "no .jsonl file found"
FAMILY = "us_state"
TABLE = "visas"
ISSUER = "USA"
VINTAGE = "monthly report"
# The State Department omits nationality x class pairs with no visa in the month (see docstring).
MISSING_MONTH_IS_ZERO = True
FIELDS = ("Nationality", "Visa Class", "Issuances")
GLUED_KEY = "NationalityVisa ClassIssuances"
FILE_RE = re.compile(r"^(\d{4})-(\d{2})-01\.jsonl$")
COUNT_RE = re.compile(r"\d{1,3}(?:,\d{3})*|\d+")
CLASS_RE = re.compile(r"[A-Z0-9]+(?:/[A-Z0-9]+)*")
GRAND_TOTAL = "grand total"
READ_COLUMNS = [
    "file", "year", "month", "line", "location", "kind", "nationality", "visa_class",
    "issuances", "content",
]  # fmt: skip
TIDY_COLUMNS = [*VISA_KEY, "count", "vintage", "citation", "location"]  # `schemas.Visas` order
# What each kind of non-data line is, for `dropped`.
DROP_REASONS = {
    "footnote": "footnote row, not a nationality",
    "grand_total": "GRAND TOTAL row: used as a check, not published",
    "bad_json": "malformed JSON line (truncated or broken by the PDF extraction)",
    "garbled": "garbled row that does not split into nationality, visa class and count",
    "empty": "empty row (no nationality, class or count)",
}


# ---- reading ----------------------------------------------------------------------------------


def file_month(name: str) -> tuple[int, int] | None:
    """(year, month) from 'YYYY-MM-01.jsonl', or None when the name is not a valid month."""
    match = FILE_RE.fullmatch(name)
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    return (year, month) if 1 <= month <= 12 and 1900 <= year <= 2100 else None


def classify(obj: object) -> tuple[str, str | None, str | None, str | None]:
    """(kind, nationality, class, issuances) of one parsed line, values as in the file.

    Kinds: 'row' (the three normal keys), 'glued' (a row packed in the fourth key), 'grand_total',
    'footnote', 'garbled', 'empty'.
    """
    if not isinstance(obj, dict):
        return "garbled", None, None, None
    glued = obj.get(GLUED_KEY)
    values = [obj.get(k) for k in FIELDS]
    if all(v is None for v in values):
        if glued is None:
            return "empty", None, None, None
        return classify_glued(str(glued))
    if not all(isinstance(v, str) for v in values):
        return "garbled", *(None if v is None else str(v) for v in values)
    nationality, visa_class, issuances = values
    if nationality.strip().casefold() == GRAND_TOTAL:
        return "grand_total", nationality, visa_class, issuances
    if not visa_class.strip() and not issuances.strip():
        return ("footnote" if nationality.strip() else "empty"), nationality, None, None
    return "row", nationality, visa_class, issuances


def classify_glued(text: str) -> tuple[str, str | None, str | None, str | None]:
    parts = [p.strip() for p in text.split("\n")]
    if parts[0].casefold() == GRAND_TOTAL and len(parts) == 2:
        return "grand_total", parts[0], "", parts[1]
    if text.lstrip().startswith("*"):
        return "footnote", text, None, None
    if len(parts) == 3 and all(parts):
        return "glued", *parts
    return "garbled", None, None, None


def read(path: Path) -> pd.DataFrame:
    """Faithful frame of one monthly file: one record per line, values as strings as in the file.

    `kind` says what the line is (see `classify`, plus 'bad_json'); `content` keeps the line. The
    month comes from the file name; a name that is not a month or a line that is not UTF-8 raises
    InputError.
    """
    month = file_month(path.name)
    if month is None:
        raise InputError([Problem(
            path.name, "file name", "-", path.name,
            "the file name must be the month's first day, YYYY-MM-01.jsonl",
        )])  # fmt: skip
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            [Problem(path.name, "whole file", "-", "-", f"unreadable: {exc}")]
        ) from exc
    utf16 = utf16_problem(path.name, raw)
    if utf16 is not None:  # else every line would be reported as not UTF-8
        raise InputError([utf16])
    raw_lines = raw.removeprefix(codecs.BOM_UTF8).splitlines()
    records: list[dict] = []
    problems: list[Problem] = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(
                path.name, f"line {number}", "-", shorten(repr(raw)), "not UTF-8 text"
            ))  # fmt: skip
            continue
        records.append(line_record(path.name, month, number, line))
    if not any(r["kind"] in ("row", "glued") for r in records):
        problems.append(Problem(
            path.name, "whole file", "-", f"{len(records)} lines",
            "no nationality / visa class / issuances row: empty, truncated or not a NIV table",
        ))  # fmt: skip
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(records, columns=READ_COLUMNS)


def line_record(file: str, month: tuple[int, int], number: int, line: str) -> dict:
    record = {
        "file": file, "year": month[0], "month": month[1], "line": number,
        "location": f"line {number}", "content": shorten(line, 300),
        "nationality": None, "visa_class": None, "issuances": None,
    }  # fmt: skip
    if not line.strip():
        return {**record, "kind": "empty"}
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return {**record, "kind": "bad_json"}
    kind, nationality, visa_class, issuances = classify(obj)
    return {
        **record, "kind": kind, "nationality": nationality, "visa_class": visa_class,
        "issuances": issuances,
    }  # fmt: skip


# ---- normalising ------------------------------------------------------------------------------


@dataclass
class Normalized:
    tidy: pd.DataFrame
    dropped: list[Dropped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_count(text: str | None) -> int | None:
    """'2,309' -> 2309; None unless the text is a whole number with optional thousands commas."""
    if text is None or not COUNT_RE.fullmatch(text.strip()):
        return None
    return int(text.strip().replace(",", ""))


class _Builder:
    """Tidy rows of one or more files, with problems, dropped lines and the total checks."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.dropped: list[Dropped] = []
        self.warnings: list[str] = []
        self.rows: dict[tuple[str, str, str], dict] = {}  # (file, nationality code, class)
        self.codes: dict[str, str | None] = {}
        self.totals: dict[str, int] = {}

    def code(self, name: str) -> str | None:
        if name not in self.codes:
            try:
                self.codes[name] = countries.to_iso3(name, FAMILY)
            except countries.UnknownCountry:
                self.codes[name] = None
        return self.codes[name]

    def add_row(self, rec: dict) -> None:
        """A normal three-key row: every value must be valid, else a Problem."""
        code = self.code(rec["nationality"])
        count = parse_count(rec["issuances"])
        visa_class = rec["visa_class"].strip()
        where = (rec["file"], rec["location"])
        if code is None:
            rule = f"unknown nationality: add it to etl/country_names/{FAMILY}.csv"
            self.problems.append(Problem(*where, "Nationality", rec["nationality"], rule))
        if count is None:
            rule = "Issuances must be a whole number such as '2,309'"
            self.problems.append(Problem(*where, "Issuances", str(rec["issuances"]), rule))
        if not CLASS_RE.fullmatch(visa_class):
            rule = "Visa Class must be a visa symbol such as 'B1/B2'"
            self.problems.append(Problem(*where, "Visa Class", rec["visa_class"], rule))
        if code is not None and count is not None and CLASS_RE.fullmatch(visa_class):
            self.publish(rec, code, visa_class, count)

    def add_glued(self, rec: dict) -> None:
        """A row packed into the fourth key: published only if it splits cleanly."""
        code = self.code(rec["nationality"])
        count = parse_count(rec["issuances"])
        if code is None or count is None or not CLASS_RE.fullmatch(rec["visa_class"]):
            self.drop(rec, DROP_REASONS["garbled"] + " (or names an unknown nationality)")
            return
        self.publish(rec, code, rec["visa_class"], count)

    def publish(self, rec: dict, code: str, visa_class: str, count: int) -> None:
        key = (rec["file"], code, visa_class)
        first = self.rows.get(key)
        if first is None:
            self.rows[key] = {**rec, "code": code, "visa_class": visa_class, "count": count,
                              "lines": [rec["line"]]}  # fmt: skip
            return
        if first["count"] == count and len(first["lines"]) == 1:
            self.drop(rec, f"repeats line {first['line']} (same nationality, class and count)")
            return
        # The publisher's GRAND TOTAL includes both lines (2024-04: Portugal A2 7 + 1), so the
        # counts are added rather than one line discarded.
        first["count"] += count
        first["lines"].append(rec["line"])
        self.drop(rec, f"added to line {first['line']}: same nationality and class listed twice")
        self.warnings.append(
            f"{rec['file']}: {rec['nationality']} {visa_class} is listed on lines "
            f"{', '.join(map(str, first['lines']))} with different counts; published their sum "
            f"{first['count']:,}"
        )

    def drop(self, rec: dict, reason: str) -> None:
        self.dropped.append(Dropped(rec["file"], rec["location"], reason, rec["content"]))

    def grand_total(self, rec: dict) -> None:
        self.drop(rec, DROP_REASONS["grand_total"])
        value = parse_count(rec["issuances"])
        if value is None:
            self.warnings.append(f"{rec['file']}: {rec['location']} GRAND TOTAL is not a number")
        else:
            self.totals[rec["file"]] = value

    def tidy(self) -> pd.DataFrame:
        """Column lists built directly: 88,000 rows, so no per-row pandas or period calls."""
        per_file: dict[str, tuple[str, pd.Timestamp, pd.Timestamp]] = {}
        cols: dict[str, list] = {c: [] for c in ("nationality", "visa_category", "count")}
        cols.update(period_start=[], period_end=[], citation=[], location=[])
        for (file, code, visa_class), row in self.rows.items():
            if file not in per_file:
                start, end = periods.month_period(row["year"], row["month"])
                per_file[file] = (registry.citation(SOURCE, file, CITE_SLOT), start, end)
            template, start, end = per_file[file]
            lines = ", ".join(map(str, row["lines"]))
            where = f"line{'s' if len(row['lines']) > 1 else ''} {lines}"
            cols["nationality"].append(code)
            cols["visa_category"].append(visa_class)
            cols["count"].append(row["count"])
            cols["period_start"].append(start)
            cols["period_end"].append(end)
            cols["citation"].append(template.replace(CITE_SLOT, where))
            cols["location"].append(f"{file}, {where}")
        frame = pd.DataFrame(cols).assign(
            source=SOURCE, issuer=ISSUER, consulate_country=None, consulate=None,
            measure="issued", basis="month", vintage=VINTAGE,
        )  # fmt: skip
        frame["count"] = frame["count"].astype("int64")
        return frame[TIDY_COLUMNS]

    def total_warnings(self, files: list[str]) -> list[str]:
        """Sum of published rows per file against its GRAND TOTAL line."""
        sums: dict[str, int] = defaultdict(int)
        for (file, _code, _class), row in self.rows.items():
            sums[file] += row["count"]
        out: list[str] = []
        for file in files:
            if file not in self.totals:
                out.append(f"{file}: no GRAND TOTAL line; the sum of rows is unchecked")
            elif sums[file] != self.totals[file]:
                out.append(
                    f"{file}: rows add up to {sums[file]:,} but GRAND TOTAL says "
                    f"{self.totals[file]:,}"
                )
        return out


# registry.citation resolves the manifest path on every call; a per-file template with a slot for
# the line number keeps 88,000 citations cheap.
CITE_SLOT = "\x00"


def _normalize(frame: pd.DataFrame) -> Normalized:
    build = _Builder()
    columns = list(frame.columns)
    for values in zip(*(frame[c].tolist() for c in columns), strict=True):
        rec = dict(zip(columns, values, strict=True))
        kind = rec["kind"]
        if kind == "row":
            build.add_row(rec)
        elif kind == "glued":
            build.add_glued(rec)
        elif kind == "grand_total":
            build.grand_total(rec)
        else:
            build.drop(rec, DROP_REASONS[kind])
    if build.problems:
        raise InputError(build.problems)
    files = list(dict.fromkeys(frame["file"].tolist()))
    warnings = build.warnings + build.total_warnings(files) + _truncation_warnings(frame)
    return Normalized(build.tidy(), build.dropped, warnings)


def _truncation_warnings(frame: pd.DataFrame) -> list[str]:
    """A malformed last line usually means the file was cut short."""
    last = frame.groupby("file", sort=False)["line"].transform("max") == frame["line"]
    cut = frame[last & (frame["kind"] == "bad_json")]
    return [
        f"{file}: the last line ({line}) is not valid JSON; the file may be truncated"
        for file, line in zip(cut["file"], cut["line"], strict=True)
    ]


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy visas frame (schema `etl.schemas.Visas`) from `read` output; raises InputError."""
    return _normalize(frame).tidy


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    result = _normalize(faithful)
    return Tidy({TABLE: result.tidy}, result.dropped, result.warnings)


def load(folder: Path) -> SourceResult:
    """Every monthly file in `folder` -> SourceResult with the 'visas' frame."""
    return read_folder(sys.modules[__name__], folder)

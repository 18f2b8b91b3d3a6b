"""Schengen short-stay visa statistics by consulate (European Commission, DG HOME), yearly.

Row grain: issuing state x consulate (country and city where the application was lodged) x visa
category x measure x calendar year; `count` is a number of visas or applications. Counts are by
place of application, not by the applicant's nationality: "visas issued in Kazakhstan" is close to,
but is not, "visas issued to Kazakh citizens". National long-stay (D) visas are not included.

Two consulate tables are read from each workbook:
- 'Data for consulates' (states fully applying the Schengen acquis): categories "uniform" (C visas,
  single and multiple entry; measures applied, issued, not_issued), "atv" (airport transit, A visas)
  and "ltv" (limited territorial validity, issued only).
- the sheet for states not yet fully applying it ('BG, CY, HR, RO' to 2022, 'BG, CY, RO' from
  2023), found by its header row rather than its name: national short-stay visas, published as
  "short_stay_national", plus "atv". The 2024 edition labels these columns "uniform visas" but the
  Description sheet says they concern national visas.

Not published: rates and shares (derivable from the counts), multiple-entry visas (a subset of
issued), the "Total ATVs and ..." columns (sums of published columns) and the totals sheets. A blank
cell means none or not applicable and yields no row. The 'Totals - third country' sheet and each
table's "Total worldwide" row serve as cross-checks (warnings when they disagree).

Caveats, by edition:
- Kazakhstan's capital appears as NUR-SULTAN (2019-2021, and still for Spain in 2024) and as
  ASTANA (2022-2024): the same city, published as "Astana" so a consulate keeps one name.
- Bulgaria and Romania joined on 31 March 2024. In the 2024 edition their rows in the national
  sheet cover January-March (published with basis "quarter", Q1 2024), and their rows in 'Data for
  consulates' cover April-December while carrying the calendar year like every row of that sheet
  (the schema has no basis for a nine-month period); a warning says so.
- The 2020 edition's Description sheet still speaks of 2019 (text not updated); the year comes from
  the file name and the Description sheet only cross-checks it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine

from etl import countries, periods, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, SourceResult, check_workbook, parser_failed

SOURCE = "eu-schengen-visa-stats"
FAMILY = "schengen"
TABLE = "visas"
HEADER_SEARCH_ROWS = 30
MAIN_SHEET = "data for consulates"
TOTALS_SHEET = "totals - third country"

# The capital of Kazakhstan was renamed Nur-Sultan in 2019 and Astana again in 2022; the files use
# both spellings, sometimes in one edition (Spain, 2024).
CITY_ALIASES = {"nur-sultan": "Astana", "nursultan": "Astana", "astana": "Astana"}

# States whose national-sheet rows cover only part of an edition's year: (edition, ISO3) -> quarter.
# Bulgaria and Romania applied the Schengen acquis in full from 31 March 2024 (2024 Description
# sheet: "until 31/03/2024"); their national visas of that edition cover Q1 2024.
NATIONAL_SHEET_QUARTERS = {(2024, "BGR"): 1, (2024, "ROU"): 1}
# Text the Description sheet must hold for NATIONAL_SHEET_QUARTERS to apply; a guard that warns
# if an edition is re-issued without it.
PARTIAL_PERIOD_GUARD = re.compile(r"31[/.]0?3[/.]2024")


@dataclass(frozen=True)
class Column:
    """A column the reader looks for, by any of the header texts it has had across editions."""

    role: str
    label: str  # the header in its usual spelling, for error messages
    headers: tuple[str, ...]  # normalised header texts (see `norm`)
    category: str | None = None
    measure: str | None = None


def norm(text: object) -> str:
    """Header key: NFKC, whitespace collapsed (newlines, double spaces), trimmed, casefolded."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().casefold()


STATE = Column("state", "Schengen State", ("schengen state", "member state"))
COUNTRY = Column(
    "country",
    "Country where consulate is located",
    ("country where consulate is located", "country where the consulate is located"),
)
CONSULATE = Column("consulate", "Consulate", ("consulate",))
LABELS = (STATE, COUNTRY, CONSULATE)

ATV = (
    Column(
        "atv_applied",
        "Airport transit visas (ATVs) applied for",
        ("airport transit visas (atvs) applied for",),
        "atv",
        "applied",
    ),
    Column(
        "atv_issued",
        "ATVs issued (including multiple)",
        ("atvs issued (including multiple)",),
        "atv",
        "issued",
    ),
    Column("atv_not_issued", "ATVs not issued", ("atvs not issued",), "atv", "not_issued"),
)
SCHENGEN_COUNTS = (
    *ATV,
    Column(
        "applied",
        "Uniform visas applied for",
        ("uniform visas applied for",),
        "uniform",
        "applied",
    ),
    Column(
        "issued",
        "Total uniform visas issued (including MEV)",
        ("total uniform visas issued (including mev)",),
        "uniform",
        "issued",
    ),
    Column(
        "not_issued",
        "Uniform visas not issued",
        ("uniform visas not issued",),
        "uniform",
        "not_issued",
    ),
    Column(
        "ltv_issued",
        "Total LTVs issued",
        ("total ltvs issued", "total ltv visas issued"),
        "ltv",
        "issued",
    ),
)
# The national sheet says "short-stay visas" up to 2023 and "uniform visas" in 2024; both mean
# national short-stay visas there. Its LTV column (2024 only) repeats Bulgaria's issued count in
# every row, so it is not published (it would double the national visas).
NATIONAL_COUNTS = (
    *ATV,
    Column(
        "applied",
        "Short-stay visas applied for",
        ("short-stay visas applied for", "uniform visas applied for"),
        "short_stay_national",
        "applied",
    ),
    Column(
        "issued",
        "Total short-stay visas issued (including MEV)",
        (
            "total short-stay visas issued (including mev)",
            "total uniform visas issued (including mev)",
        ),
        "short_stay_national",
        "issued",
    ),
    Column(
        "not_issued",
        "Short-stay visas not issued",
        ("short-stay visas not issued", "uniform visas not issued"),
        "short_stay_national",
        "not_issued",
    ),
)
TOTALS_ISSUED = SCHENGEN_COUNTS[4]


# Columns of the faithful frame `read` returns.
RECORD_COLUMNS = [
    "file",
    "sheet",
    "table",
    "edition",
    "row",
    "location",
    "kind",
    "state",
    "country",
    "consulate",
    "role",
    "header",
    "category",
    "measure",
    "raw",
]


@dataclass
class Workbook:
    """One edition as read: the faithful long frame plus what the cross-checks need."""

    path: Path
    year: int
    frame: pd.DataFrame
    totals_by_country: dict[str, float] = field(default_factory=dict)  # label -> issued uniform
    description: str = ""
    warnings: list[str] = field(default_factory=list)


# ---- year of the edition ----------------------------------------------------------------------

YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def years_in(text: str) -> list[int]:
    return [int(y) for y in YEAR_RE.findall(text)]


def edition_year(file_name: str, description: str) -> tuple[int | None, list[str]]:
    """The edition's year and any warnings: the file name's 4-digit year, else the Description's.

    The file name is preferred because the Description text is sometimes left from the previous
    edition (2020 says 2019). With several years in the name, the Description's most frequent year
    picks one of them. Returns None when neither source gives a single year.
    """
    in_name = sorted(set(years_in(Path(file_name).stem)))
    counted = Counter(years_in(description)).most_common()
    top = [y for y, n in counted if n == counted[0][1]] if counted else []
    described = top[0] if len(top) == 1 else None
    if len(in_name) == 1:
        year = in_name[0]
        if described is not None and described != year:
            return year, [
                f"{file_name}: the Description sheet mentions {described} most, the file name "
                f"says {year}; using {year}"
            ]
        return year, []
    if described is not None and (not in_name or described in in_name):
        return described, []
    return None, []


# ---- reading ----------------------------------------------------------------------------------


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def find_header(
    rows: list[list[object]], wanted: Iterable[Column]
) -> tuple[int, dict[str, int]] | None:
    """First row (0-based) in HEADER_SEARCH_ROWS holding every `wanted` column; role -> index."""
    wanted = list(wanted)
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [norm(v) for v in row]
        found = {c.role: keys.index(h) for c in wanted for h in c.headers if h in keys}
        if len(found) == len(wanted):
            return i, found
    return None


def match_columns(
    header: list[object], spec: Iterable[Column], file: str, sheet: str, row: int
) -> tuple[dict[str, int], list[Problem]]:
    """Role -> column index by normalised header text; a Problem per missing or repeated one."""
    keys = [norm(v) for v in header]
    out: dict[str, int] = {}
    problems: list[Problem] = []
    for col in spec:
        hits = [i for i, k in enumerate(keys) if k in col.headers]
        where = f"sheet '{sheet}', header row {row}"
        if not hits:
            problems.append(Problem(file, where, col.label, "", "expected header is missing"))
        elif len(hits) > 1:
            problems.append(Problem(file, where, col.label, "", "header appears more than once"))
        else:
            out[col.role] = hits[0]
    return out, problems


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def sheet_rows(book: python_calamine.CalamineWorkbook, sheet: str) -> list[list[object]]:
    """Cells as stored, from A1 so that list indexes are spreadsheet rows and columns minus one.

    python-calamine rather than pandas: pandas would turn text such as 'n/a' or 'NA' into NaN
    and hide it from the numeric-cell check.
    """
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def row_kind(labels: dict[str, object], numbers: list[object]) -> str:
    """'consulate', 'total', 'note', 'empty' or 'incomplete' (labels partly missing)."""
    present = {k for k, v in labels.items() if not is_blank(v)}
    if not present and all(is_blank(v) for v in numbers):
        return "empty"
    if present == {"state", "country", "consulate"}:
        return "consulate"
    if "state" in present or "country" in present:
        return "incomplete"
    text = " ".join(str(v) for v in labels.values() if not is_blank(v)).casefold()
    return "total" if re.search(r"total|share", text) else "note"


def table_records(
    rows: list[list[object]], file: str, sheet: str, kind: str, year: int, spec: tuple[Column, ...]
) -> tuple[list[dict], list[Problem]]:
    """Faithful long records of one consulate table: one per row x counted column (see `read`)."""
    found = find_header(rows, LABELS)
    if found is None:
        problem = Problem(
            file,
            f"sheet '{sheet}', rows 1-{HEADER_SEARCH_ROWS}",
            STATE.label,
            "",
            "no header row with 'Schengen State' (or 'Member State'), "
            "'Country where consulate is located' and 'Consulate'",
        )
        return [], [problem]
    h, labels = found
    counts, problems = match_columns(rows[h], spec, file, sheet, h + 1)
    if problems:
        return [], problems
    records: list[dict] = []
    base = {"file": file, "sheet": sheet, "table": kind, "edition": year}
    used = set(labels.values()) | set(counts.values())
    unused = [
        str(v).strip() if not is_blank(v) else f"(no header, column {column_letter(i)})"
        for i, v in enumerate(rows[h])
        if i not in used and not (is_blank(v) and all(is_blank(_cell(r, i)) for r in rows[h + 1 :]))
    ]
    if unused:
        records.append(
            {
                **base,
                "row": h + 1,
                "location": f"sheet '{sheet}', header row {h + 1}",
                "kind": "unused_columns",
                "raw": " | ".join(unused),
            }
        )
    headers = {c.role: str(rows[h][counts[c.role]]) for c in spec}
    for i in range(h + 1, len(rows)):
        row = rows[i]
        label_values = {role: _cell(row, j) for role, j in labels.items()}
        numbers = [_cell(row, counts[c.role]) for c in spec]
        kind_of_row = row_kind(label_values, numbers)
        rec = {
            **base,
            "row": i + 1,
            "location": f"sheet '{sheet}', row {i + 1}",
            "kind": kind_of_row,
            **label_values,
        }
        if kind_of_row in ("empty", "note", "incomplete"):
            rec["raw"] = " | ".join(str(v) for v in row if not is_blank(v))
            records.append(rec)
            continue
        for col, value in zip(spec, numbers, strict=True):
            records.append(
                {
                    **rec,
                    "role": col.role,
                    "header": headers[col.role],
                    "category": col.category,
                    "measure": col.measure,
                    "raw": value,
                }
            )
    return records, []


def _cell(row: list[object], index: int) -> object:
    return row[index] if index < len(row) else None


def classify_tables(
    heads: dict[str, list[list[object]]],
) -> tuple[str | None, list[str]]:
    """The 'Data for consulates' sheet and the other consulate tables, by name then by header.

    A consulate table is any sheet with a state / country / consulate header row. The main one is
    named 'Data for consulates' (after normalising); failing that, the only table headed
    'Schengen State'. Every other consulate table holds states not fully applying Schengen.
    """
    tables = [name for name, rows in heads.items() if find_header(rows, LABELS) is not None]
    main = [n for n in tables if norm(n) == MAIN_SHEET]
    if not main:
        main = [
            n
            for n in tables
            if "schengen state" in {norm(v) for v in heads[n][find_header(heads[n], LABELS)[0]]}
        ]
    if len(main) != 1:
        return None, tables
    return main[0], [n for n in tables if n != main[0]]


def read_totals(rows: list[list[object]]) -> dict[str, float]:
    """'Totals - third country': country label -> uniform visas issued, for the cross-check."""
    found = find_header(rows, (COUNTRY, TOTALS_ISSUED))
    if found is None:
        return {}
    h, idx = found
    out: dict[str, float] = {}
    for row in rows[h + 1 :]:
        label, value = _cell(row, idx["country"]), count_value(_cell(row, idx["issued"]))
        if is_blank(label) or "total" in str(label).casefold() or isinstance(value, str):
            continue  # only a cross-check: a grand total or an odd cell is skipped, not an error
        out[str(label)] = float(value or 0)
    return out


def read_workbook(path: Path) -> Workbook:
    """Read one edition; raises InputError naming file, sheet, row and column on bad input."""
    file = path.name
    # HTML, .xls named .xlsx, truncated files and zip bombs are refused before calamine opens them.
    check_workbook(path, "not a readable Excel workbook")
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        heads = {name: sheet_rows(book, name) for name in book.sheet_names}
    except BaseException as exc:  # calamine raises unrelated types, even Rust panics
        if not parser_failed(exc):
            raise
        raise InputError(
            [Problem(file, "whole file", "-", "-", f"not a readable Excel workbook: {exc}")]
        ) from exc
    description = "\n".join(
        str(v)
        for name, rows in heads.items()
        if norm(name) == "description"
        for row in rows
        for v in row
        if isinstance(v, str)
    )
    year, warnings = edition_year(file, description)
    if year is None:
        raise InputError(
            [
                Problem(
                    file,
                    "file name and 'Description' sheet",
                    "-",
                    file,
                    "cannot tell the edition's year: put the 4-digit year in the file name",
                )
            ]
        )
    main, others = classify_tables(heads)
    if main is None:
        raise InputError(
            [
                Problem(
                    file,
                    "sheets " + ", ".join(repr(n) for n in heads),
                    MAIN_SHEET,
                    "",
                    "no 'Data for consulates' sheet (a sheet with a 'Schengen State', "
                    "'Country where consulate is located', 'Consulate' header row)",
                )
            ]
        )
    records, problems = table_records(heads[main], file, main, "schengen", year, SCHENGEN_COUNTS)
    for name in others:
        more, extra = table_records(heads[name], file, name, "national", year, NATIONAL_COUNTS)
        records += more
        problems += extra
    if problems:
        raise InputError(problems)
    totals_sheet = [n for n in heads if norm(n).startswith(TOTALS_SHEET)]
    totals = read_totals(heads[totals_sheet[0]]) if totals_sheet else {}
    if not totals:
        warnings.append(f"{file}: no 'Totals - third country' table; cross-check skipped")
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    return Workbook(path, year, frame, totals, description, warnings)


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame of one workbook's consulate tables.

    One record per table row x counted column (`header` as in the file, `raw` the cell as read),
    plus one record per empty, total, note or incomplete row and one listing the columns not
    published. Labels are as in the file; `row` is the 1-based spreadsheet row.
    """
    return read_workbook(path).frame


# ---- normalising ------------------------------------------------------------------------------


@dataclass
class Normalized:
    tidy: pd.DataFrame
    dropped: list[Dropped]
    warnings: list[str]


def city_name(label: str) -> str:
    """Consulate city, title-cased ('NEW YORK, NY' -> 'New York, NY'); both capitals -> 'Astana'."""
    text = re.sub(r"\s+", " ", str(label)).strip()
    alias = CITY_ALIASES.get(text.casefold())
    if alias:
        return alias
    titled = re.sub(r"[^\W\d_]+(?:'[^\W\d_]+)*", lambda m: m[0].capitalize(), text.lower())
    # US consulates carry a two-letter state code: 'Miami, FL', 'San Juan. PR'.
    return re.sub(r"([,.] )([A-Za-z]{2})$", lambda m: m[1] + m[2].upper(), titled)


# Honorary consulates (or high commissions) are flagged in the country column, e.g.
# 'UKRAINE (H.C)'; the flag is kept on the consulate so it stays distinct from a full consulate.
HC_RE = re.compile(r"\s*\((H\.?\s?C\.?)\)\s*$", re.IGNORECASE)


def count_value(raw: object) -> int | str | None:
    """An int, None for a blank cell, or the rule the cell breaks."""
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return "a count must be a whole number >= 0"
    if isinstance(raw, str):
        text = raw.strip()
        if not re.fullmatch(r"\d+", text):
            return "text in a numeric cell: a count must be a whole number >= 0"
        return int(text)
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw) or raw < 0 or raw != int(raw):
            return "a count must be a whole number >= 0"
        return int(raw)
    return "a count must be a whole number >= 0"


@cache
def _period(table: str, edition: int, issuer: str) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    quarter = NATIONAL_SHEET_QUARTERS.get((edition, issuer)) if table == "national" else None
    if quarter is not None:
        return "quarter", *periods.quarter_period(edition, quarter)
    return "year", *periods.year_period(edition)


def _row_dropped(frame: pd.DataFrame) -> list[Dropped]:
    """Total, note and unused-column records: one Dropped per row; empty rows one per sheet."""
    out: list[Dropped] = []
    reasons = {
        "total": "subtotal, total or share row: an aggregate of the consulate rows",
        "note": "note row without a state or country",
        "unused_columns": "columns not published: rates and shares (derivable), multiple-entry "
        "visas (a subset of issued), 'Total ATVs and ...' sums, national-sheet LTVs",
    }
    for (file, _sheet, _row), g in frame[frame["kind"].isin(list(reasons))].groupby(
        ["file", "sheet", "row"], sort=False
    ):
        kind = g["kind"].iloc[0]
        if kind == "total":
            content = " | ".join(
                [str(g["consulate"].iloc[0])]
                + [
                    f"{h.strip()}={v}"
                    for h, v in zip(g["header"], g["raw"], strict=True)
                    if not is_blank(v)
                ]
            )
        else:
            content = str(g["raw"].iloc[0])
        out.append(Dropped(file, str(g["location"].iloc[0]), reasons[kind], shorten(content, 1000)))
    empty = frame[frame["kind"] == "empty"]
    for (file, sheet), g in empty.groupby(["file", "sheet"], sort=False):
        out.append(
            Dropped(
                file,
                f"sheet '{sheet}', rows {_ranges(g['row'])}",
                "empty row (no labels, no counts)",
                f"{len(g)} empty rows",
            )
        )
    return out


def _ranges(rows: Iterable[int]) -> str:
    rows = sorted(int(r) for r in rows)
    spans: list[str] = []
    start = prev = rows[0]
    for r in [*rows[1:], None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        spans.append(str(start) if start == prev else f"{start}-{prev}")
        if r is not None:
            start = prev = r
    return ", ".join(spans)


# registry.citation resolves the manifest path on every call; a per-file template with a slot for
# the sheet and row keeps 50,000 citations cheap.
CITE_SLOT = "\x00"


def _records(frame: pd.DataFrame) -> Iterable:
    """Rows as named tuples of plain Python objects (itertuples is slow on Arrow strings)."""
    columns = list(frame.columns)
    Row = namedtuple("Row", columns)
    return (Row(*values) for values in zip(*(frame[c].tolist() for c in columns), strict=True))


class _Builder:
    """Collects tidy rows, problems and dropped cells while walking the consulate records."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.dropped: list[Dropped] = []
        self.blanks: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        self.out: dict[str, list] = defaultdict(list)
        self.seen: dict[tuple, tuple[int, str]] = {}
        self.codes: dict[str, str | None] = {}
        self.cities: dict[str, str] = {}
        self.citations: dict[str, str] = {}
        self.reported: set[tuple[str, str, str]] = set()

    def add(self, rec: Any) -> None:
        value = count_value(rec.raw)
        if value is None:
            self.blanks[(rec.file, rec.sheet, rec.header)].append(rec.row)
            return
        if isinstance(value, str):
            self.problems.append(
                Problem(rec.file, rec.location, rec.header.strip(), shorten(rec.raw), value)
            )
            return
        place = self.place(rec)
        if place is None:
            return
        issuer, where, city = place
        basis, start, end = _period(rec.table, rec.edition, issuer)
        key = (issuer, where, city, rec.category, rec.measure, basis, start, end)
        if self.repeated(key, value, rec):
            return
        row = {
            "source": SOURCE, "issuer": issuer, "consulate_country": where, "consulate": city,
            "nationality": None, "visa_category": rec.category, "measure": rec.measure,
            "basis": basis, "period_start": start, "period_end": end, "count": value,
            "vintage": f"{rec.edition} edition", "citation": self.cite(rec),
            "_file": rec.file, "_sheet": rec.sheet, "_table": rec.table, "_role": rec.role,
        }  # fmt: skip
        for column, item in row.items():
            self.out[column].append(item)

    def place(self, rec: Any) -> tuple[str, str, str] | None:
        """(issuer, consulate country, consulate city), or None after recording a Problem."""
        marker = HC_RE.search(str(rec.country))
        issuer = self.code(rec.state)
        where = self.code(HC_RE.sub("", str(rec.country)))
        for label, code, col in ((rec.state, issuer, STATE), (rec.country, where, COUNTRY)):
            if code is None and (rec.file, rec.location, col.role) not in self.reported:
                # one Problem per row and column, not one per count cell of the row
                self.reported.add((rec.file, rec.location, col.role))
                rule = f"unknown country or area name: add it to etl/country_names/{FAMILY}.csv"
                self.problems.append(Problem(rec.file, rec.location, col.label, label, rule))
        if issuer is None or where is None:
            return None
        if rec.consulate not in self.cities:
            self.cities[rec.consulate] = city_name(rec.consulate)
        city = self.cities[rec.consulate]
        if marker:
            city = f"{city} ({marker[1].upper()})"
        return issuer, where, city

    def repeated(self, key: tuple, value: int, rec: Any) -> bool:
        """True for a second row of one consulate: dropped if equal, a Problem if it differs."""
        if key not in self.seen:
            self.seen[key] = (value, rec.location)
            return False
        first_value, first_location = self.seen[key]
        if first_value == value:
            content = f"{rec.state} | {rec.country} | {rec.consulate} | {rec.header.strip()}"
            reason = f"repeats {first_location} (same consulate, same value)"
            self.dropped.append(Dropped(rec.file, rec.location, reason, f"{content}={value}"))
        else:
            rule = f"same consulate as {first_location} with another value ({first_value})"
            self.problems.append(
                Problem(rec.file, rec.location, rec.header.strip(), str(value), rule)
            )
        return True

    def code(self, label: str) -> str | None:
        if label not in self.codes:
            try:
                self.codes[label] = countries.to_iso3(label, FAMILY)
            except countries.UnknownCountry:
                self.codes[label] = None
        return self.codes[label]

    def cite(self, rec: Any) -> str:
        if rec.file not in self.citations:
            self.citations[rec.file] = registry.citation(SOURCE, rec.file, CITE_SLOT)
        return self.citations[rec.file].replace(CITE_SLOT, f"sheet '{rec.sheet}', row {rec.row}")

    def blank_cells(self) -> list[Dropped]:
        """One Dropped per sheet and column: blank cells run into the thousands."""
        return [
            Dropped(
                file,
                f"sheet '{sheet}', column '{header.strip()}'",
                "blank cell = none or not applicable: no row published",
                shorten(f"{len(rows)} blank cells, rows {_ranges(rows)}", 300),
            )
            for (file, sheet, header), rows in self.blanks.items()
        ]


def _normalize(frame: pd.DataFrame) -> Normalized:
    build = _Builder()
    for rec in _records(frame[frame["kind"] == "incomplete"]):
        missing = ", ".join(c.label for c in LABELS if is_blank(getattr(rec, c.role)))
        rule = "a data row needs a state, a country and a consulate"
        build.problems.append(Problem(rec.file, rec.location, missing, shorten(rec.raw), rule))
    for rec in _records(frame[frame["kind"] == "consulate"]):
        build.add(rec)
    if build.problems:
        raise InputError(build.problems)
    tidy = pd.DataFrame(build.out, columns=[*TIDY_COLUMNS, "_file", "_sheet", "_table", "_role"])
    tidy["count"] = tidy["count"].astype("int64")
    dropped = _row_dropped(frame) + build.dropped + build.blank_cells()
    warnings = _check_total_rows(frame, tidy) + _overlap_warnings(tidy)
    return Normalized(tidy, dropped, warnings)


TIDY_COLUMNS = [
    "source",
    "issuer",
    "consulate_country",
    "consulate",
    "nationality",
    "visa_category",
    "measure",
    "basis",
    "period_start",
    "period_end",
    "count",
    "vintage",
    "citation",
]


def _check_total_rows(frame: pd.DataFrame, tidy: pd.DataFrame) -> list[str]:
    """Each table's 'Total worldwide' row must equal the sum of its published consulate rows."""
    labels = frame["consulate"].astype(str).str.strip().str.casefold()
    totals = frame[(frame["kind"] == "total") & labels.str.startswith("total worldwide")]
    if totals.empty:
        return []
    sums = tidy.groupby(["_file", "_sheet", "_role"])["count"].sum()
    warnings: list[str] = []
    for rec in _records(totals):
        stated = count_value(rec.raw)
        if not isinstance(stated, int):
            continue
        summed = int(sums.get((rec.file, rec.sheet, rec.role), 0))
        if summed != stated:
            warnings.append(
                f"{rec.file}: {rec.location} '{rec.consulate}' says {stated:,} for "
                f"'{rec.header.strip()}' but the consulate rows add up to {summed:,}"
            )
    return warnings


def _overlap_warnings(tidy: pd.DataFrame) -> list[str]:
    """A state in both tables of one edition joined during the year (Bulgaria, Romania 2024)."""
    out: list[str] = []
    for file, g in tidy.groupby("_file"):
        main = set(g.loc[g["_table"] == "schengen", "issuer"])
        national = set(g.loc[g["_table"] == "national", "issuer"])
        for issuer in sorted(main & national):
            out.append(
                f"{file}: {issuer} is in both 'Data for consulates' and the national sheet: it "
                "joined Schengen during the year, so its 'Data for consulates' rows cover only "
                "the months after joining although they carry the calendar year"
            )
    return out


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy visas frame (schema `etl.schemas.Visas`) from `read` output; raises InputError."""
    return _normalize(frame).tidy[TIDY_COLUMNS]


# ---- cross-checks and loading -----------------------------------------------------------------


def check_third_country_totals(book: Workbook, tidy: pd.DataFrame) -> list[str]:
    """Sum over consulates of uniform visas issued per country = 'Totals - third country' row."""
    if not book.totals_by_country:
        return []
    mine = tidy[
        (tidy["_file"] == book.path.name)
        & (tidy["_table"] == "schengen")
        & (tidy["_role"] == "issued")
    ]
    summed = mine.groupby("consulate_country")["count"].sum()
    stated: dict[str, float] = defaultdict(float)
    warnings: list[str] = []
    for label, value in book.totals_by_country.items():
        try:
            stated[countries.to_iso3(label, FAMILY)] += value
        except countries.UnknownCountry:
            warnings.append(f"{book.path.name}: 'Totals - third country' lists unknown {label!r}")
    for code in sorted(set(stated) | set(summed.index)):
        got, want = int(summed.get(code, 0)), int(stated.get(code, 0))
        if got != want:
            warnings.append(
                f"{book.path.name}: uniform visas issued in {code}: consulate rows add up to "
                f"{got:,}, 'Totals - third country' says {want:,}"
            )
    return warnings


def partial_period_warnings(book: Workbook) -> list[str]:
    edition_keys = [k for k in NATIONAL_SHEET_QUARTERS if k[0] == book.year]
    if edition_keys and not PARTIAL_PERIOD_GUARD.search(book.description):
        return [
            f"{book.path.name}: the Description sheet no longer says 'until 31/03/2024'; check "
            f"that national-sheet rows of {sorted(k[1] for k in edition_keys)} still cover Q1 only"
        ]
    return []


def workbooks(folder: Path) -> list[Path]:
    # '~$' files are Excel lock files left beside an open workbook.
    return sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$"))


def load(folder: Path) -> SourceResult:
    """Every edition in `folder` -> SourceResult with the 'visas' frame; InputError on bad input."""
    books: list[Workbook] = []
    problems: list[Problem] = []
    for path in workbooks(folder):
        try:
            books.append(read_workbook(path))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    if not books:
        raise InputError([Problem(folder.name, "folder", "-", "-", "no .xlsx workbook found")])
    frame = pd.concat([b.frame for b in books], ignore_index=True)
    result = _normalize(frame)
    warnings = [w for b in books for w in b.warnings] + result.warnings
    for book in books:
        warnings += check_third_country_totals(book, result.tidy)
        warnings += partial_period_warnings(book)
    rows_in = int(
        frame[frame["kind"] != "unused_columns"].drop_duplicates(["file", "sheet", "row"]).shape[0]
    )
    return SourceResult(
        source=SOURCE,
        frames={TABLE: result.tidy[TIDY_COLUMNS].reset_index(drop=True)},
        files=[b.path for b in books],
        rows_in=rows_in,
        dropped=result.dropped,
        warnings=warnings,
    )

"""Schengen short-stay visa statistics by consulate (European Commission, DG HOME), yearly.

Row grain: issuing state x consulate (country and city where the application was lodged) x visa
category x measure x calendar year; `count` is a number of visas or applications. Counts are by
place of application, not by the applicant's nationality: "visas issued in Kazakhstan" is close to,
but is not, "visas issued to Kazakh citizens". National long-stay (D) visas are not included.
`location` is the cell's row: "<file>, sheet 'Data for consulates', row 1036" (Italy, Astana, 2024).

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
- Issued above applied: 86 rows publish more uniform visas issued than applied for (France,
  Almaty, 2019: 3 applied, 50 issued), and more count uniform visas plus LTVs issued above the
  uniform applications (Bulgaria, Astana, 2024). They are kept as printed, with a warning per row
  (`etl.visa_checks`); `etl.metrics.visa_summary` marks them.
- The 2020 edition's Description sheet still speaks of 2019 (text not updated); the year comes from
  the file name and the Description sheet only cross-checks it.

Earlier editions (legacy `.xls` too) are read when the column map lists their headings: 2013
(sheet 'Complete data', "A visas" / "C visas" headings, a 'Totals by third country' pivot) and
2014-2018 (today's layout, with footnote markers such as 'Total LTVs issued 2)'). Their tables
end in summary rows that are not consulates ('Selection Sub total in 2013', 'Total worldwide
2013', 'Share of subtotal on worldwide total') and footnotes in the first column ('1) For
Germany: only MEVs ...'): both are dropped with their reason, and 'Total worldwide' cross-checks
the consulate rows. The 2009-2012 layouts are refused with the reason (LAYOUTS_NOT_READ).
"""

from __future__ import annotations

import csv
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine

from etl import corrections, countries, periods, registry, visa_checks
from etl.errors import InputError, Problem, shorten
from etl.schemas import VISA_KEY
from etl.sources.base import Dropped, FileRead, SourceResult, Tidy, read_folder
from etl.sources.workbooks import check_workbook, column_letter, parser_failed

SOURCE = "eu-schengen-visa-stats"
FAMILY = "schengen"
TABLE = "visas"
PATTERNS = ("*.xlsx", "*.xls")  # .xls: the legacy editions up to 2013
NO_FILES = "no .xlsx or .xls workbook found"
# EACH_FILE is False: one consulate may appear in two editions' overlapping tables (warnings).
HEADER_SEARCH_ROWS = 30
MAIN_SHEET = "data for consulates"
MAIN_SHEETS = (MAIN_SHEET, "complete data")  # 'Complete data': the 2013 edition
TOTALS_SHEETS = ("totals - third country", "totals by third country")  # 2014-2024, 2013
# Layouts recognised by a header cell and refused with the reason, seen in the EC files kept by
# mogenshobolth/eu-visa-policy under legacy/data/bronze/ (statistiques2009.xls,
# synthese_2010_with_filters_en.xls, synthese_2011_with_filters_en.xls,
# synthese_2012_with_filters_en.xlsx; header row 1). In 2011-2012 'C visas applied for' equals C
# visas issued + not issued (928 of the 1,282 consulates issuing LTVs in 2011; 102 match issued +
# LTVs + not issued), while from 2013 applications include LTVs (847 of 1,165 in 2013).
LAYOUTS_NOT_READ = {
    "c visas issued (including mev)": (
        "the 2011-2012 layout ('C visas issued (including MEV)'): its 'C visas applied for' leaves "
        "out applications for LTVs, which every edition from 2013 counts, so it would publish "
        "another measure under the same name; the edition is not read: take it out of the folder "
        "(editions from 2013 on are read)"
    ),
    "ue / schengen country": (
        "the 2009-2010 layout ('UE / Schengen Country', 'Third Country', 'Town'; A, B and C "
        "visas issued, but refusals only as 'Total A,B,C visas not issued' and no ATV "
        "applications): uniform visas not issued and ATVs applied for cannot be told apart, "
        "so the edition is not read; take it out of the folder (editions from 2011 on are read)"
    ),
}

# Header spellings by edition: etl/column_maps/schengen_visas.csv (one row per spelling).
COLUMN_MAP = Path(__file__).parents[1] / "column_maps" / "schengen_visas.csv"
# Known publisher errors (the capital's two spellings, Bulgaria's and Romania's Q1 2024 national
# rows) are corrected from etl/corrections.yml, each with a guard checked in `finish`.


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


@dataclass(frozen=True)
class ColumnMap:
    """The columns looked for, from etl/column_maps/schengen_visas.csv."""

    labels: tuple[Column, ...]  # state, country, consulate: in every consulate table
    schengen: tuple[Column, ...]  # counts of 'Data for consulates'
    national: tuple[Column, ...]  # counts of the sheet of states not fully applying Schengen

    def label(self, role: str) -> Column:
        return next(c for c in self.labels if c.role == role)


@cache
def column_map(path: Path = COLUMN_MAP) -> ColumnMap:
    """Columns in the map's row order, each with every header spelling it has had."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    tables: dict[str, dict[str, Column]] = {"labels": {}, "schengen": {}, "national": {}}
    for r in rows:
        known = tables[r["table"]].get(r["role"])
        headers = (*known.headers, norm(r["header"])) if known else (norm(r["header"]),)
        tables[r["table"]][r["role"]] = Column(
            r["role"], r["label"], headers, r["category"] or None, r["measure"] or None
        )
    return ColumnMap(*(tuple(tables[t].values()) for t in ("labels", "schengen", "national")))


@cache
def city_aliases() -> dict[str, str]:
    return corrections.find(SOURCE, "city_aliases").correction["city_aliases"]


@cache
def national_sheet_quarters() -> dict[tuple[int, str], int]:
    """(edition, issuer ISO3) -> the quarter its national-sheet rows cover, for partial years."""
    listed = corrections.find(SOURCE, "national_sheet_quarters").correction
    return {(e["edition"], e["issuer"]): e["quarter"] for e in listed["national_sheet_quarters"]}


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


def sheet_rows(book: python_calamine.CalamineWorkbook, sheet: str) -> list[list[object]]:
    """Cells as stored, from A1 so that list indexes are spreadsheet rows and columns minus one.

    python-calamine rather than pandas: pandas would turn text such as 'n/a' or 'NA' into NaN
    and hide it from the numeric-cell check.
    """
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


# Summary rows under a table: totals, the filtered 'Selection Sub total' and its share (2013-2018).
SUMMARY_RE = re.compile(r"total|share")


def row_kind(labels: dict[str, object], numbers: list[object]) -> str:
    """'consulate', 'total', 'note', 'empty' or 'incomplete' (labels partly missing).

    A single label cell with no count is a note: the 2014-2015 editions put footnotes in the
    state column ('1) For Germany: only MEVs valid for more than 1 year are included').
    """
    present = {k for k, v in labels.items() if not is_blank(v)}
    no_counts = all(is_blank(v) for v in numbers)
    if not present and no_counts:
        return "empty"
    if present == {"state", "country", "consulate"}:
        return "consulate"
    if ("state" in present or "country" in present) and not (len(present) == 1 and no_counts):
        return "incomplete"
    text = " ".join(str(v) for v in labels.values() if not is_blank(v)).casefold()
    return "total" if SUMMARY_RE.search(text) else "note"


def table_records(
    rows: list[list[object]], file: str, sheet: str, kind: str, year: int, spec: tuple[Column, ...]
) -> tuple[list[dict], list[Problem]]:
    """Faithful long records of one consulate table: one per row x counted column (see `read`)."""
    found = find_header(rows, column_map().labels)
    if found is None:
        problem = Problem(
            file,
            f"sheet '{sheet}', rows 1-{HEADER_SEARCH_ROWS}",
            column_map().label("state").label,
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


def _totals_issued() -> Column:
    """Uniform visas issued: the column the 'Totals - third country' sheet is checked by."""
    return next(c for c in column_map().schengen if c.role == "issued")


def _cell(row: list[object], index: int) -> object:
    return row[index] if index < len(row) else None


def classify_tables(
    heads: dict[str, list[list[object]]],
) -> tuple[str | None, list[str]]:
    """The 'Data for consulates' sheet and the other consulate tables, by name then by header.

    A consulate table is any sheet with a state / country / consulate header row. The main one is
    named 'Data for consulates' (or an earlier name, MAIN_SHEETS); failing that, the only table
    headed 'Schengen State'. Every other consulate table holds states not fully applying Schengen.
    """
    tables = [
        name for name, rows in heads.items() if find_header(rows, column_map().labels) is not None
    ]
    main = [n for n in tables if norm(n) in MAIN_SHEETS]
    if not main:
        main = [
            n
            for n in tables
            if "schengen state"
            in {norm(v) for v in heads[n][find_header(heads[n], column_map().labels)[0]]}
        ]
    if len(main) != 1:
        return None, tables
    return main[0], [n for n in tables if n != main[0]]


def layout_not_read(heads: dict[str, list[list[object]]]) -> tuple[str, int, str, str] | None:
    """(sheet, 1-based row, header cell, reason) of a layout this reader refuses, else None."""
    for name, rows in heads.items():
        for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            for value in row:
                reason = LAYOUTS_NOT_READ.get(norm(value))
                if reason is not None:
                    return name, i + 1, str(value).strip(), reason
    return None


def read_totals(rows: list[list[object]]) -> dict[str, float]:
    """'Totals - third country': country label -> uniform visas issued, for the cross-check."""
    issued = _totals_issued()
    # 2013's totals sheet is a pivot table: 'Sum of Total C uniform visas issued (including MEV)'.
    pivot = (*issued.headers, *(f"sum of {h}" for h in issued.headers))
    found = find_header(rows, (column_map().label("country"), Column("issued", "", pivot)))
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
    refused = layout_not_read(heads)
    if refused is not None:
        sheet, row, header, reason = refused
        where = f"sheet '{sheet}', row {row}"
        raise InputError([Problem(file, where, header, header, f"not read: {reason}")])
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
    records, problems = table_records(
        heads[main], file, main, "schengen", year, column_map().schengen
    )
    for name in others:
        more, extra = table_records(
            heads[name], file, name, "national", year, column_map().national
        )
        records += more
        problems += extra
    if problems:
        raise InputError(problems)
    totals_sheet = [n for n in heads if norm(n).startswith(TOTALS_SHEETS)]
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
    alias = city_aliases().get(text.casefold())
    if alias:
        return alias
    titled = re.sub(r"[^\W\d_]+(?:'[^\W\d_]+)*", lambda m: m[0].capitalize(), text.lower())
    # US consulates carry a two-letter state code: 'Miami, FL', 'San Juan. PR'.
    return re.sub(r"([,.] )([A-Za-z]{2})$", lambda m: m[1] + m[2].upper(), titled)


# Honorary consulates (or high commissions) are flagged in the country column, e.g.
# 'UKRAINE (H.C)'; the flag is kept on the consulate so it stays distinct from a full consulate.
HC_RE = re.compile(r"\s*\((H\.?\s?C\.?)\)\s*$", re.IGNORECASE)


# The 2014-2015 editions store some counts as computed floats a rounding error away from a whole
# number (2014, 'Data for consulates' row 129: 26591.999999999996): read as that whole number, with
# a warning per file. A real fraction (0.5) is still refused.
FLOAT_NOISE = 1e-6


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
        if not math.isfinite(raw) or raw < 0:
            return "a count must be a whole number >= 0"
        if raw != int(raw) and abs(raw - round(raw)) > FLOAT_NOISE:
            return "a count must be a whole number >= 0"
        return round(raw)
    return "a count must be a whole number >= 0"


def float_noise(raw: object) -> bool:
    """True for a whole number stored with a binary rounding error (26591.999999999996)."""
    return isinstance(raw, float) and math.isfinite(raw) and raw != int(raw)


@cache
def _period(table: str, edition: int, issuer: str) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    quarter = national_sheet_quarters().get((edition, issuer)) if table == "national" else None
    if quarter is not None:
        return "quarter", *periods.quarter_period(edition, quarter)
    return "year", *periods.year_period(edition)


def _row_dropped(frame: pd.DataFrame) -> list[Dropped]:
    """Total, note and unused-column records: one Dropped per row; empty rows one per sheet."""
    out: list[Dropped] = []
    reasons = {
        "total": "subtotal, total or share row: an aggregate of the consulate rows",
        "note": "note row: a footnote, or text without a state, country and counts",
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
        self.noise: dict[str, list[str]] = defaultdict(list)

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
        if float_noise(rec.raw):
            self.noise[rec.file].append(
                f"{rec.location}, column '{rec.header.strip()}': {rec.raw!r}"
            )
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
            "location": f"{rec.file}, sheet '{rec.sheet}', row {rec.row}",
            "_file": rec.file, "_sheet": rec.sheet, "_table": rec.table, "_role": rec.role,
        }  # fmt: skip
        for column, item in row.items():
            self.out[column].append(item)

    def place(self, rec: Any) -> tuple[str, str, str] | None:
        """(issuer, consulate country, consulate city), or None after recording a Problem."""
        marker = HC_RE.search(str(rec.country))
        issuer = self.code(rec.state)
        where = self.code(HC_RE.sub("", str(rec.country)))
        state, country = column_map().label("state"), column_map().label("country")
        for label, code, col in ((rec.state, issuer, state), (rec.country, where, country)):
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
        labels = column_map().labels
        missing = ", ".join(c.label for c in labels if is_blank(getattr(rec, c.role)))
        rule = "a data row needs a state, a country and a consulate"
        build.problems.append(Problem(rec.file, rec.location, missing, shorten(rec.raw), rule))
    for rec in _records(frame[frame["kind"] == "consulate"]):
        build.add(rec)
    if build.problems:
        raise InputError(build.problems)
    tidy = pd.DataFrame(build.out, columns=[*TIDY_COLUMNS, "_file", "_sheet", "_table", "_role"])
    tidy["count"] = tidy["count"].astype("int64")
    dropped = _row_dropped(frame) + build.dropped + build.blank_cells()
    warnings = _check_total_rows(frame, tidy) + _overlap_warnings(tidy) + _excess_warnings(tidy)
    warnings += [
        f"{file}: {len(cells)} counts stored as floats a rounding error away from a whole number "
        f"were read as that number (first: {cells[0]})"
        for file, cells in build.noise.items()
    ]
    return Normalized(tidy, dropped, warnings)


# The tidy visas columns, in the order `schemas.Visas` lists them.
TIDY_COLUMNS = [*VISA_KEY, "count", "vintage", "citation", "location"]


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


def _excess_warnings(tidy: pd.DataFrame) -> list[str]:
    """One warning per consulate row issuing more visas than it received applications for."""
    excess = visa_checks.issued_exceeds_applied(tidy)
    return [visa_checks.warning(row) for row in excess.to_dict("records")]


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


def guard_corrections(book: Workbook) -> None:
    """Raise when an edition no longer shows an error etl/corrections.yml corrects."""
    quarters = corrections.find(SOURCE, "national_sheet_quarters")
    guard = quarters.guard
    if book.year == guard["edition"] and not re.search(guard["description_says"], book.description):
        found = book.description or "(no Description sheet)"
        raise corrections.guard_failed(quarters, book.path.name, "sheet 'Description'", found)
    aliases = corrections.find(SOURCE, "city_aliases")
    guard = aliases.guard
    if book.year != guard["edition"]:
        return
    frame = book.frame[book.frame["kind"] == "consulate"].drop_duplicates(["sheet", "row"])
    rows = frame[
        (frame["state"].map(norm) == norm(guard["state"]))
        & (frame["country"].map(norm) == norm(guard["country"]))
    ]
    if (
        len(rows)
        and not (rows["consulate"].map(norm) == norm(guard["consulate_still_reads"])).any()
    ):
        where = f"sheet '{rows['sheet'].iat[0]}', row {rows['row'].iat[0]}"
        raise corrections.guard_failed(aliases, book.path.name, where, rows["consulate"].iat[0])


def read_file(path: Path) -> FileRead:
    book = read_workbook(path)
    table_rows = book.frame[book.frame["kind"] != "unused_columns"]
    rows = int(table_rows.drop_duplicates(["file", "sheet", "row"]).shape[0])
    return FileRead(path, book.frame, warnings=book.warnings, rows=rows, detail=book)


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    result = _normalize(faithful)
    return Tidy({TABLE: result.tidy}, result.dropped, result.warnings)


def finish(tidy: Tidy, reads: list[FileRead]) -> Tidy:
    """Each edition's cross-checks against its totals sheet, and the corrections' guards."""
    full = tidy.frames[TABLE]
    warnings = list(tidy.warnings)
    for read_one in reads:
        warnings += check_third_country_totals(read_one.detail, full)
        guard_corrections(read_one.detail)
    return Tidy({TABLE: full[TIDY_COLUMNS].reset_index(drop=True)}, tidy.dropped, warnings)


def load(folder: Path) -> SourceResult:
    """Every edition in `folder` -> SourceResult with the 'visas' frame; InputError on bad input."""
    return read_folder(sys.modules[__name__], folder)

"""Kyrgyz NSC: exports (4.03.00.10) and imports (4.03.00.12) of main goods, national product list.

Grain: Kyrgyzstan x World x flow x listed good x calendar year, thousand USD as published. The
list is NSC's own grouping (cattle, gold, motor spirit ...), not HS codes, and covers only part
of trade: `coverage` is the listed goods' sum over the table's own 'Total' row of the same year
(which includes trade by individuals since 1997, footnote 2), never a rescaling.

Layout: trilingual labels in columns A (Kyrgyz), B (Russian), C (English), then one column per
year (header cells 1994.0 ... or '2023 1' with a footnote marker); the unit line sits under the
title ('(thousand US dollars)'). '-' means no data (no row published); a few cells are text with
a decimal comma ('1376,4'), read as the number and flagged. The imports table is a legacy .xls.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from etl import products, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, SourceResult, Tidy, read_folder
from etl.sources.workbooks import open_workbook

SOURCE = "kg-nsc-foreign-trade"
PATTERNS = ("kg_nsc_4.03.00.10_*.xls*", "kg_nsc_4.03.00.12_*.xls*")
EACH_FILE = True
REPORTER = "KGZ"
# Table number in the title -> flow. Another NSC table is not a main-goods list.
TABLES = {"4.03.00.10": "export", "4.03.00.12": "import"}
TABLE_NUMBER = re.compile(r"\b(4\.03\.00\.\d{2})\b")
# Unit line (English column) -> (factor to USD, unit_original). Others (e.g. 'thousand soms')
# are refused: never read as USD.
UNITS = {"thousand us dollars": (1e3, "thousand USD"), "million us dollars": (1e6, "million USD")}
UNIT_LINE = re.compile(r"^\(\s*(.+?)\s*\)$")
YEAR = re.compile(r"^\s*((?:19|20)\d{2})(?:\.0)?\s*(\d)?\s*$")  # '2023', '2023 1' (footnote)
TOTAL = re.compile(r"^\s*total\b", re.I)
DECIMAL_COMMA = re.compile(r"^\s*(\d+),(\d+)\s*$")
NO_DATA = {"-", "–", "—", "..."}
FAITHFUL_COLUMNS = [
    "file", "sheet", "row", "column", "table", "title", "unit_label", "year_label",
    "label_ky", "label_ru", "label_en", "cell",
]  # fmt: skip


def _text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip() if cell is not None else ""


def _is_empty(cell: object) -> bool:
    if isinstance(cell, str):
        return not cell.strip()
    return cell is None or (isinstance(cell, float) and np.isnan(cell))


def _first_sheet(book: CalamineWorkbook) -> tuple[str, list[list[object]]]:
    sheet = book.sheet_names[0]
    return sheet, book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame: one row per listed good (or Total) x year cell, labels as written."""
    sheet, rows = open_workbook(
        path, _first_sheet, "cannot open as an Excel workbook", by_content=True
    )
    name = path.name

    def problem(where: str, col: str, value: object, rule: str) -> InputError:
        return InputError([Problem(name, f"sheet {sheet!r}, {where}", col, shorten(value), rule)])

    title = next((" ".join(_text(c) for c in r[:3]) for r in rows if any(_text(c) for c in r)), "")
    number = TABLE_NUMBER.search(title)
    if number is None or number[1] not in TABLES:
        rule = f"title without a main-goods table number ({', '.join(TABLES)})"
        raise problem("row 1", "A", title, rule)
    header_at = next(
        (i for i, r in enumerate(rows) if sum(bool(YEAR.match(_text(c))) for c in r[3:]) >= 2), None
    )
    if header_at is None:
        raise problem("-", "D", "-", "no header row of years (1994, 1995 ...) from column D")
    unit_at = next(
        (i for i in range(header_at) if len(rows[i]) > 2 and UNIT_LINE.match(_text(rows[i][2]))),
        None,
    )
    if unit_at is None:
        raise problem("-", "C", "-", "no unit line such as '(thousand US dollars)' in column C")
    unit_label = _text(rows[unit_at][2])
    years = {j: _text(c) for j, c in enumerate(rows[header_at]) if j >= 3 and _text(c)}
    records: list[dict] = []
    for i in range(header_at + 1, len(rows)):
        row = rows[i]
        labels = [_text(row[k]) if k < len(row) else "" for k in range(3)]
        values = [row[j] if j < len(row) else None for j in years]
        if not any(labels) or all(_is_empty(v) for v in values):
            continue  # blank rows and footnotes ('1 Data are available from 1994')
        for j, year in years.items():
            records.append(
                {
                    "file": name,
                    "sheet": sheet,
                    "row": i + 1,
                    "column": j + 1,
                    "table": number[1],
                    "title": title,
                    "unit_label": unit_label,
                    "year_label": year,
                    "label_ky": labels[0],
                    "label_ru": labels[1],
                    "label_en": labels[2],
                    "cell": row[j] if j < len(row) else None,
                }
            )
    return pd.DataFrame.from_records(records, columns=FAITHFUL_COLUMNS)


def _value(cell: object) -> tuple[float | None, str | None, str | None]:
    """(value, flag, error): a number, '-' (no data: None), or '1376,4' (decimal comma)."""
    if isinstance(cell, bool):
        return None, None, "expected a number, found a true/false value"
    if isinstance(cell, int | float):
        if not np.isfinite(cell) or cell < 0:
            return None, None, "expected a non-negative number"
        return float(cell), None, None
    text = str(cell).strip()
    if text in NO_DATA:
        return None, None, None
    match = DECIMAL_COMMA.match(text)
    if match:
        return float(f"{match[1]}.{match[2]}"), "text cell with a decimal comma", None
    return None, None, "expected a number, '-' (no data) or a number with a decimal comma"


def _unit(label: str) -> tuple[float, str] | None:
    """(factor to USD, unit_original) of '(thousand US dollars)'; None for any other unit."""
    match = UNIT_LINE.match(label)
    return UNITS.get(re.sub(r"\s+", " ", match[1]).casefold()) if match else None


def _year(label: str) -> tuple[int, str | None]:
    """(year, footnote marker) of a checked year heading: '2023 1' -> (2023, '1')."""
    match = YEAR.match(label)
    if match is None:
        raise ValueError(f"not a year heading: {label!r}")
    return int(match[1]), match[2]


def _heading_problems(faithful: pd.DataFrame) -> list[Problem]:
    """The unit line and the year headings, each checked once (not once per cell)."""
    first = faithful.iloc[0]
    problems = []
    if _unit(first.unit_label) is None:
        rule = f"unknown unit: expected one of {sorted(UNITS)} (never read as USD otherwise)"
        where = f"sheet {first.sheet!r}, unit line"
        problems.append(Problem(first.file, where, "C", shorten(first.unit_label), rule))
    for rec in faithful.drop_duplicates("column").itertuples(index=False):
        if YEAR.match(rec.year_label) is None:
            col = get_column_letter(rec.column)
            rule = "expected a year (e.g. 2023 or '2023 1') in the header row"
            where = f"sheet {rec.sheet!r}, header of column {col}"
            problems.append(Problem(rec.file, where, col, shorten(rec.year_label), rule))
    return problems


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    """Products rows with the year's Total as total_value and the list's coverage of it."""
    dropped: list[Dropped] = []
    if faithful.empty:
        return Tidy({"products": pd.DataFrame()})
    problems = _heading_problems(faithful)
    if problems:
        raise InputError(problems)
    factor, unit_original = _unit(faithful["unit_label"].iat[0])  # type: ignore[misc]
    rows: list[dict] = []
    for rec in faithful.itertuples(index=False):
        col = get_column_letter(rec.column)
        where = f"sheet {rec.sheet!r}, row {rec.row}, column {col}"
        year, footnote = _year(rec.year_label)
        if not rec.label_en:
            rule = "a row with values but no English label (column C)"
            problems.append(Problem(rec.file, where, "C", shorten(rec.label_ru), rule))
            continue
        if _is_empty(rec.cell):
            dropped.append(Dropped(rec.file, where, "empty cell: no value", rec.label_en))
            continue
        value, flag, error = _value(rec.cell)
        if error:
            problems.append(Problem(rec.file, where, col, shorten(rec.cell), error))
            continue
        if value is None:
            dropped.append(Dropped(rec.file, where, "'-': no data published", rec.label_en))
            continue
        if footnote:
            flag = "; ".join(f for f in (flag, f"year footnote {footnote} (preliminary)") if f)
        rows.append(
            {
                "table": rec.table,
                "flow": TABLES[rec.table],
                "total": bool(TOTAL.match(rec.label_en)),
                "product_code": re.sub(r"\s+", " ", rec.label_en),
                "product_label": rec.label_ru,
                "product_label_en": rec.label_en,
                "period_start": pd.Timestamp(year, 1, 1),
                "period_end": pd.Timestamp(year, 12, 31),
                "value_original": value,
                "value": value * factor,
                "unit_original": unit_original,
                "flag": flag,
                "location": f"{rec.file}, {where}",
                "file": rec.file,
            }
        )
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return Tidy({"products": frame}, dropped)
    totals = frame[frame["total"]].set_index("period_start")["value"]
    if totals.index.duplicated().any():
        file = frame["file"].iat[0]
        raise InputError([Problem(file, "column C", "C", "Total", "more than one 'Total' row")])
    items = frame[~frame["total"]].copy()
    # No Total row for a year: total_value and coverage stay empty rather than guessed.
    items["total_value"] = items["period_start"].map(totals)
    warnings = []
    missing = sorted({d.year for d in items.loc[items["total_value"].isna(), "period_start"]})
    if missing:
        warnings.append(
            f"{frame['file'].iat[0]}: no 'Total' value for {', '.join(map(str, missing))}: "
            "coverage of the total is left empty for those years"
        )
    listed = items.groupby("period_start")["value"].transform("sum")
    items["coverage"] = listed / items["total_value"]
    file, table = items["file"].iat[0], items["table"].iat[0]
    items = items.drop(columns=["total", "file", "table"]).assign(
        source=SOURCE, reporter=REPORTER, partner="WLD",
        classification=f"{products.NATIONAL}NSC KG {table} main goods", is_range=False,
        basis="year", currency="USD", vintage=f"data to {frame['period_start'].max().year}",
        citation=registry.citation(SOURCE, file, f"table {table}, main goods"),
    )  # fmt: skip
    return Tidy({"products": items.reset_index(drop=True)}, dropped, warnings)


def load(folder: Path) -> SourceResult:
    """Both main-goods tables of the folder (4.03.00.10 exports, 4.03.00.12 imports)."""
    return read_folder(sys.modules[__name__], folder)

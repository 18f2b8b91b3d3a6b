"""NBK balance of payments: net FDI inflow to Kazakhstan, quarterly, all investors combined.

Grain: host KAZ x investor WLD (all investor countries) x quarter, in USD (the file is in million
USD; `value` is in dollars). Net flow under the BPM6 directional principle: it can be negative and
must never be added to gross inflows. Quarterly rows only; annual sums are derived downstream.

The archived file marks each quarter with one date on a quarter's first day, and does not say
which quarter it means (`DATE_MARKS` below).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

import pandas as pd

from etl import countries, periods, registry
from etl.errors import InputError, Problem, shorten
from etl.schemas import FDI_COLUMNS
from etl.sources.base import SourceResult, Tidy, read_folder
from etl.sources.text_files import (
    decode_text,
    delimiter_problem,
    parse_decimal,
    short_row_problem,
)

SOURCE = "nbk-kz-fdi-net-inflow-quarterly"
FILE_NAME = "fdi_net_inflow.csv"
PATTERNS = (FILE_NAME,)
NO_FILES = "file not found"
VINTAGE = "downloaded 2026-09-04"
HOST = "KAZ"
INVESTOR = "WLD"
INVESTOR_LABEL = "All investor countries"
UNIT_ORIGINAL = "USD m"
FACTOR = 1e6
COLUMNS = ("date", "value", "transformation")
TRANSFORMATION = "level"

DateMarks = Literal["previous_quarter_end", "quarter_start"]
DATE_MARKS: DateMarks = "previous_quarter_end"
"""How a `date` in the file maps to the quarter it measures.

"previous_quarter_end": the date is the first day *after* the quarter measured, so 2019-07-01 is
Q2 2019 (April-June). "quarter_start": the date is the quarter's own first day, so 2019-07-01 is
Q3 2019. The archiving pipeline documents neither; the default is "previous_quarter_end" because
the data decide it: summed by calendar year under it, the series matches wiiw's annual NBK totals
(folder `wiiw-fdi-kazakhstan`, EUR) at a steady ratio equal to the year's USD/EUR rate (2019:
3,284.2 USD m / 2,933.5 EUR m = 1.120; 2014-2021 all within 1.10-1.33), while "quarter_start"
gives ratios scattered between 0.52 and 1.68 over the same years. It also makes the series run
Q1 2005 - Q1 2026, consistent with a download on 2026-09-04, before Q2 2026 would be published.
"""

DATE_MARKS_NOTE = {
    "previous_quarter_end": "the file's date {date} is read as the day after the quarter measured",
    "quarter_start": "the file's date {date} is read as the first day of the quarter measured",
}


def read(path: Path) -> pd.DataFrame:
    """The file's rows as text: line, date, value, transformation (no parsing yet)."""
    text, _ = decode_text(path.name, path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise InputError(
            [Problem(path.name, f"line {reader.line_num}", "-", "", f"bad CSV: {exc}")]
        ) from None
    at = next(
        (i for i, (_, row) in enumerate(rows) if {"date", "value"} <= {c.strip() for c in row}),
        None,
    )
    if at is None:
        first = delimiter_problem(path.name, *rows[0]) if rows else None
        raise InputError(
            [
                first
                or Problem(
                    path.name, "whole file", "date", "", "no header row 'date,value,transformation'"
                )
            ]
        )
    header_line, header = rows[at]
    names = {c.strip(): i for i, c in enumerate(header)}
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputError(
            [
                Problem(path.name, f"line {header_line}", c, "", "missing expected header")
                for c in missing
            ]
        )
    problems: list[Problem] = []
    records: list[dict[str, object]] = []
    for line, row in rows[at + 1 :]:
        if len(row) != len(header):
            problems.append(short_row_problem(path.name, line, row, len(header)))
            continue
        records.append(
            {
                "file": path.name,
                "line": line,
                "location": f"line {line}",
                **{c: row[names[c]].strip() for c in COLUMNS},
            }
        )
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(records, columns=["file", "line", "location", *COLUMNS])


def quarter_of(mark: date, date_marks: DateMarks = DATE_MARKS) -> tuple[int, int]:
    """(year, quarter) measured by a date on a quarter's first day, under `date_marks`."""
    if mark.day != 1 or mark.month not in (1, 4, 7, 10):
        raise ValueError("date must be the first day of a quarter (Jan, Apr, Jul or Oct 1)")
    if date_marks == "previous_quarter_end":
        mark = mark - timedelta(days=1)
    elif date_marks != "quarter_start":
        raise ValueError(f"date_marks must be one of {sorted(DATE_MARKS_NOTE)}, got {date_marks!r}")
    return mark.year, (mark.month - 1) // 3 + 1


def normalize(frame: pd.DataFrame, date_marks: DateMarks = DATE_MARKS) -> pd.DataFrame:
    """Tidy `Fdi` rows; every row's note says which date convention placed it in its quarter."""
    if date_marks not in DATE_MARKS_NOTE:
        raise ValueError(f"date_marks must be one of {sorted(DATE_MARKS_NOTE)}, got {date_marks!r}")
    problems: list[Problem] = []
    rows: list[dict[str, object]] = []
    seen: dict[tuple[int, int], str] = {}
    for r in frame.itertuples(index=False):
        file, where = str(r.file), str(r.location)
        if r.transformation != TRANSFORMATION:
            problems.append(
                Problem(
                    file,
                    where,
                    "transformation",
                    shorten(r.transformation),
                    f"only {TRANSFORMATION!r} (the series as published) is supported",
                )
            )
        try:
            year, quarter = quarter_of(date.fromisoformat(str(r.date)), date_marks)
        except ValueError as exc:
            rule = str(exc) if "quarter" in str(exc) else "date must be YYYY-MM-DD"
            problems.append(Problem(file, where, "date", shorten(r.date), rule))
            continue
        if (year, quarter) in seen:
            problems.append(
                Problem(
                    file,
                    where,
                    "date",
                    str(r.date),
                    f"quarter Q{quarter} {year} already given on {seen[(year, quarter)]}",
                )
            )
            continue
        seen[(year, quarter)] = where
        try:
            number = parse_decimal(str(r.value))
        except ValueError:
            problems.append(
                Problem(
                    file,
                    where,
                    "value",
                    shorten(r.value),
                    "expected a number in million USD with '.' as decimal point",
                )
            )
            continue
        start, end = periods.quarter_period(year, quarter)
        rows.append(_row(file, str(r.date), start, end, number, date_marks))
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(rows, columns=_COLUMNS)


_COLUMNS = FDI_COLUMNS


def _row(
    file: str, mark: str, start: pd.Timestamp, end: pd.Timestamp, number: float, date_marks: str
) -> dict[str, object]:
    note = (
        "Net inflow, BPM6 directional principle, all investor countries. Date convention "
        f"{date_marks!r}: " + DATE_MARKS_NOTE[date_marks].format(date=mark) + "."
    )
    return {
        "source": SOURCE,
        "host": HOST,
        "investor": INVESTOR,
        "investor_label": INVESTOR_LABEL,
        "investor_is_aggregate": countries.is_aggregate(INVESTOR),
        "measure": "net_inflow",
        "basis": "quarter",
        "period_start": start,
        "period_end": end,
        "value": number * FACTOR,
        "value_original": number,
        "unit_original": UNIT_ORIGINAL,
        "currency": "USD",
        "value_usd": number * FACTOR,
        "vintage": VINTAGE,
        "citation": registry.citation(SOURCE, file),
        "note": note,
    }


def tidy_frames(faithful: pd.DataFrame, date_marks: DateMarks = DATE_MARKS) -> Tidy:
    return Tidy({"fdi": normalize(faithful, date_marks)})


def load(folder: Path, date_marks: DateMarks = DATE_MARKS) -> SourceResult:
    """`fdi_net_inflow.csv` in `folder` -> the quarterly "fdi" frame."""
    hooks = SimpleNamespace(
        SOURCE=SOURCE,
        PATTERNS=PATTERNS,
        NO_FILES=NO_FILES,
        read=read,
        tidy_frames=partial(tidy_frames, date_marks=date_marks),
    )
    return read_folder(hooks, folder)

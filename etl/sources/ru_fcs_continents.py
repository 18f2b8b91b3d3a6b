"""Russian customs (FCS): exports and imports by group of countries (strany_MMYYYY.xlsx tables).

Grain of the tidy frame: reporter RUS x partner group («Весь мир» = WLD; «ЕВРОПА», «АЗИЯ»,
«АФРИКА», «АМЕРИКА», «ОКЕАНИЯ» = continent aggregate codes) x flow (export, import) x period x
edition, in USD (the title says «(млрд. долл. США)»: BILLION USD, read from the heading).

Periods are cumulative from January, as the column headings say: «январь-декабрь 2023» is a
calendar year (basis "year"), «Январь-апрель 2024» a year-to-date (basis "ytd"). Each table holds
the same period a year earlier beside this year's; both are published with the table's own vintage
(the earlier figure as that edition states it, which may differ from the earlier edition's).
The growth columns («темп роста, %») are derived figures and are not published; the «в том числе:»
line is a heading whose zeros are layout, not trade, and is listed in `dropped`.
Since 2022 FCS publishes no country detail: these groups are what exists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from etl import periods
from etl.errors import InputError, Problem, shorten
from etl.sources import ru_fcs
from etl.sources.base import Dropped, SourceResult, Tidy, read_folder

SOURCE = ru_fcs.SOURCE
# The group-of-countries tables, every edition; each file is its own edition.
PATTERNS = ("strany_*.xlsx",)
EACH_FILE = True
NO_FILES = "no strany_*.xlsx (FCS exports and imports by group of countries) in the folder"
# «январь-декабрь 2023», «Январь-апрель 2024», «январь – март 2024 г.»
PERIOD = re.compile(r"^январ\w*\s*[-–—]\s*(\w+)\s+(\d{4})(?:\s*г(?:ода?)?\.?)?$", re.IGNORECASE)
SINGLE_MONTH = re.compile(r"^январ\w*\s+(\d{4})(?:\s*г(?:ода?)?\.?)?$", re.IGNORECASE)
GROWTH = re.compile(r"темп\w*\s+рост|%")
OF_WHICH = re.compile(r"^(в том числе|из них)\s*:?$", re.IGNORECASE)
RULE_NO_HEADER = "no header rows «Экспорт» / «Импорт» over period headings «январь-… YYYY»"
RULE_PERIOD = (
    "column heading must be a period «январь-<month> YYYY» or a growth rate «темп роста, %»"
)
RULE_FLOW = "period column under neither «Экспорт» nor «Импорт»"
RULE_VALUE = "expected a number in the table's unit (or an empty cell on an «в том числе» line)"
RULE_NO_TABLE = "no sheet with an exports/imports by group of countries table"
FAITHFUL_COLUMNS = [
    "file", "sheet", "row", "location", "label_location", "flow", "period_heading", "year",
    "last_month", "unit_heading", "unit_original", "factor", "partner_label", "cell",
]  # fmt: skip


def period_of(heading: str) -> tuple[int, int] | None:
    """(year, last month) of «январь-декабрь 2023» (12) or «Январь-апрель 2024» (4)."""
    heading = ru_fcs.text(heading)
    if match := SINGLE_MONTH.match(heading):
        return int(match[1]), 1
    match = PERIOD.match(heading)
    if not match:
        return None
    month = ru_fcs.month_number(match[1])
    return (int(match[2]), month) if month else None


def _header(rows: list[list[object]]) -> int | None:
    """The row of period headings: the row below the one naming the flows."""
    for i, row in enumerate(rows[:-1]):
        flows = {ru_fcs.flow_of(ru_fcs.text(c)) for c in row if ru_fcs.text(c)}
        if {"export", "import"} <= flows:
            return i + 1
    return None


def _columns(
    file: str, sheet: str, rows: list[list[object]], head: int
) -> tuple[dict[int, tuple[str, str, int, int]], list[Problem]]:
    """Column -> (flow, heading, year, last month) of each period column (growth ones skipped)."""
    flow: str | None = None
    out: dict[int, tuple[str, str, int, int]] = {}
    problems: list[Problem] = []
    for j, cell in enumerate(rows[head]):
        above = ru_fcs.text(rows[head - 1][j]) if j < len(rows[head - 1]) else ""
        flow = ru_fcs.flow_of(above) or flow
        heading = ru_fcs.text(cell)
        if not heading or GROWTH.search(heading):
            continue
        period = period_of(heading)
        where = ru_fcs.where(sheet, head, j)
        if period is None:
            problems.append(Problem(file, where, "heading", shorten(heading), RULE_PERIOD))
        elif flow is None:
            problems.append(Problem(file, where, "heading", shorten(heading), RULE_FLOW))
        else:
            out[j] = (flow, heading, *period)
    return out, problems


def _read_sheet(
    file: str, sheet: str, rows: list[list[object]]
) -> tuple[list[dict], list[Problem]]:
    head = _header(rows)
    if head is None:
        return [], []
    unit = ru_fcs.table_unit(file, sheet, rows[:head])
    if unit is None:
        return [], [ru_fcs.no_unit(file, sheet)]
    columns, problems = _columns(file, sheet, rows, head)
    if not columns:
        problems.append(Problem(file, f"sheet '{sheet}'", "-", "-", RULE_NO_HEADER))
    records: list[dict] = []
    for i in range(head + 1, len(rows)):
        row = rows[i]
        label = ru_fcs.text(row[0] if row else None)
        if not label or not any(ru_fcs.text(row[j]) for j in columns if j < len(row)):
            continue  # empty lines and the footnote under the table
        for j, (flow, heading, year, last_month) in columns.items():
            cell = row[j] if j < len(row) else None
            label_at = ru_fcs.where(sheet, i, 0)
            record = ru_fcs.cell_record(file, sheet, (i, j), label_at, flow, unit, label, cell)
            records.append(
                record | {"period_heading": heading, "year": year, "last_month": last_month}
            )
    return records, problems


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame: one row per group x flow x period cell, labels as in the file."""
    return ru_fcs.read_tables(path, _read_sheet, FAITHFUL_COLUMNS, RULE_NO_TABLE)


# ---- normalize ---------------------------------------------------------------------------------


def tidy_frames(frame: pd.DataFrame) -> Tidy:
    """Tidy Trade rows and the «в том числе» lines dropped, from `read()`'s frame; raises
    InputError."""
    problems: list[Problem] = []
    dropped: list[Dropped] = []
    values: list[float | None] = []
    for r in frame.itertuples(index=False):
        where = r.location.split(", ", 1)[1]
        if OF_WHICH.match(r.partner_label):
            values.append(None)
            continue
        try:
            value = ru_fcs.number(r.cell)
        except ValueError:
            value = None
        if value is None or value < 0:
            rule = RULE_VALUE if value is None else ru_fcs.RULE_NEGATIVE
            problems.append(Problem(r.file, where, r.partner_label, shorten(r.cell), rule))
        values.append(value)
    out = frame.assign(value_original=values)
    for (file, sheet, row), group in out[out["value_original"].isna()].groupby(
        ["file", "sheet", "row"], sort=False
    ):
        label = group["partner_label"].iat[0]
        reason = "«в том числе» heading line: its cells are layout, not trade"
        dropped.append(Dropped(file, ru_fcs.place(file, sheet, int(row) - 1), reason, label))
    kept = out[out["value_original"].notna()]
    codes, code_problems = ru_fcs.partner_codes(kept)
    problems += code_problems
    if problems:
        raise InputError(problems)
    bounds = [
        periods.ytd_period(int(y), int(m))
        for y, m in zip(kept["year"], kept["last_month"], strict=True)
    ]
    # The edition is the table's latest period: strany_122023 -> "FCS data to 2023-12".
    latest = kept.groupby("file")[["year", "last_month"]].max()
    vintage = {
        f: f"FCS data to {int(r.year)}-{int(r.last_month):02d} ({Path(f).stem})"
        for f, r in latest.iterrows()
    }
    kept = kept.assign(
        basis=["year" if m == 12 else "ytd" for m in kept["last_month"]],
        period_start=[b[0] for b in bounds],
        period_end=[b[1] for b in bounds],
        vintage=kept["file"].map(vintage),
    )
    return Tidy({"trade": ru_fcs.tidy(kept, codes)}, dropped)


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy Trade rows (see etl.schemas.Trade) from `read()`'s frame; raises InputError."""
    return tidy_frames(frame).frames["trade"]


def load(folder: Path) -> SourceResult:
    """Every strany_*.xlsx in the folder; problems from all files are reported together."""
    return read_folder(sys.modules[__name__], folder)

"""Russian customs (FCS): main indicators of exports and imports per year (94itog.xlsx), 1994–2021.

Grain of the tidy frame: reporter RUS x partner x flow (export, import) x calendar year, in USD
(each sheet says «(млн долларов США)»: million USD). One sheet per year («1994» ... «2021»): the
flow's total («Экспорт», published as partner WLD), then «со странами дальнего зарубежья» (far
abroad: every partner outside the CIS, code XRW) and «со странами СНГ» (the CIS, XCS), then six
CIS countries one by one (Armenia, Belarus, Kazakhstan, Kyrgyzstan, Tajikistan, Uzbekistan; not the
whole CIS). Far abroad + CIS should equal the total to rounding; a larger gap is a warning.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from etl import periods
from etl.errors import InputError, Problem, shorten
from etl.sources import ru_fcs
from etl.sources.base import SourceResult, Tidy, read_folder

SOURCE = ru_fcs.SOURCE
# The main-indicators table, any edition ('94itog.xlsx'); each file is its own edition.
PATTERNS = ("94itog*.xlsx",)
EACH_FILE = True
NO_FILES = "no 94itog*.xlsx (FCS main indicators of exports and imports) in the folder"
WORLD = "WLD"
# Cells are rounded to the unit (some to 0.1): far abroad + CIS may miss the total by ~1.
PARTS_TOLERANCE = 1.5  # in the file's unit
RULE_NO_YEAR = "no year heading above the values (a cell such as 1994 in the row above «Экспорт»)"
RULE_SHEET_YEAR = "the year heading differs from the sheet's name"
RULE_NO_FLOW = "a partner row before any «Экспорт» or «Импорт» total row"
RULE_VALUE = "expected a number in the table's unit: every indicator row holds a figure"
RULE_NO_TABLE = "no sheet with a year's «Экспорт» and «Импорт» totals"
FAITHFUL_COLUMNS = [
    "file", "sheet", "row", "location", "label_location", "flow", "is_flow_total",
    "unit_heading", "unit_original", "factor", "year", "partner_label", "cell",
]  # fmt: skip


def _first_flow_row(rows: list[list[object]]) -> int | None:
    for i, row in enumerate(rows):
        if row and ru_fcs.flow_of(ru_fcs.text(row[0])):
            return i
    return None


def _read_sheet(
    file: str, sheet: str, rows: list[list[object]]
) -> tuple[list[dict], list[Problem]]:
    first = _first_flow_row(rows)
    if first is None:
        return [], []  # the contents sheet «Содержание»
    unit = ru_fcs.table_unit(file, sheet, rows[:first])
    year_cell: tuple[int, int, int] | None = None  # (year, row, column): the last one above
    for i, row in enumerate(rows[:first]):
        for j, cell in enumerate(row):
            if j and (year := ru_fcs.year_of(cell)) is not None:
                year_cell = (year, i, j)
    problems = []
    if unit is None:
        problems.append(ru_fcs.no_unit(file, sheet))
    if year_cell is None:
        problems.append(Problem(file, f"sheet '{sheet}'", "year", "-", RULE_NO_YEAR))
    if problems or unit is None or year_cell is None:
        return [], problems
    year, year_row, col = year_cell
    named = ru_fcs.year_of(sheet)
    if named is not None and named != year:
        where = ru_fcs.where(sheet, year_row, col)
        return [], [Problem(file, where, "year", str(year), f"{RULE_SHEET_YEAR} ({sheet})")]
    records: list[dict] = []
    flow: str | None = None
    for i in range(first, len(rows)):
        row = rows[i]
        label = ru_fcs.text(row[0] if row else None)
        cell = row[col] if col < len(row) else None
        if not label and not ru_fcs.text(cell):
            continue
        row_flow = ru_fcs.flow_of(label)
        flow = row_flow or flow
        if flow is None:
            problems.append(Problem(file, ru_fcs.where(sheet, i, 0), "A", shorten(label),
                                    RULE_NO_FLOW))  # fmt: skip
            continue
        label_at = ru_fcs.where(sheet, i, 0)
        record = ru_fcs.cell_record(file, sheet, (i, col), label_at, flow, unit, label, cell)
        records.append(record | {"is_flow_total": row_flow is not None, "year": year})
    return records, problems


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame: one row per labelled cell of each year's sheet, as in the file."""
    return ru_fcs.read_tables(path, _read_sheet, FAITHFUL_COLUMNS, RULE_NO_TABLE)


# ---- normalize ---------------------------------------------------------------------------------


def _values(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    values: list[float | None] = []
    for r in frame.itertuples(index=False):
        where = r.location.split(", ", 1)[1]
        try:
            value = ru_fcs.number(r.cell)
        except ValueError:
            value = None
        if value is None:
            # An indicator row without a figure is a damaged table, not "no trade".
            problems.append(Problem(r.file, where, r.partner_label, shorten(r.cell),
                                    RULE_VALUE))  # fmt: skip
        if value is not None and value < 0:
            problems.append(Problem(r.file, where, r.partner_label, shorten(r.cell),
                                    ru_fcs.RULE_NEGATIVE))  # fmt: skip
        values.append(value)
    return frame.assign(value_original=values), problems


def parts_warnings(kept: pd.DataFrame) -> list[str]:
    """Far abroad + CIS against the flow's total, per sheet and flow."""
    out = []
    for (file, sheet, flow), group in kept.groupby(["file", "sheet", "flow"], sort=False):
        total = group.loc[group["partner"] == WORLD, "value_original"]
        parts = group.loc[group["partner"].isin(["XRW", "XCS"]), "value_original"]
        if len(total) != 1 or len(parts) != 2:
            continue
        gap = float(parts.sum() - total.iloc[0])
        if abs(gap) > PARTS_TOLERANCE:
            unit = group["unit_original"].iloc[0]
            out.append(
                f"{file}, sheet '{sheet}': {flow} far abroad + CIS = {parts.sum():,.1f} but "
                f"the total is {total.iloc[0]:,.1f} {unit} (gap {gap:,.1f}); published as the "
                "file states them"
            )
    return out


def tidy_frames(frame: pd.DataFrame) -> Tidy:
    """Tidy Trade rows and warnings from `read()`'s frame; raises InputError."""
    kept, problems = _values(frame)
    partners = kept[~kept["is_flow_total"]]
    codes, code_problems = ru_fcs.partner_codes(partners)
    codes |= dict.fromkeys(kept.loc[kept["is_flow_total"], "partner_label"], WORLD)
    problems += code_problems
    if problems:
        raise InputError(problems)
    last = int(kept["year"].max())
    bounds = [periods.year_period(int(y)) for y in kept["year"]]
    kept = kept.assign(
        partner=kept["partner_label"].map(codes),
        basis="year",
        period_start=[b[0] for b in bounds],
        period_end=[b[1] for b in bounds],
        vintage=f"FCS data to {last}-12 ({Path(str(kept['file'].iat[0])).stem})",
    )
    return Tidy({"trade": ru_fcs.tidy(kept, codes)}, [], parts_warnings(kept))


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy Trade rows (see etl.schemas.Trade) from `read()`'s frame; raises InputError."""
    return tidy_frames(frame).frames["trade"]


def load(folder: Path) -> SourceResult:
    """94itog*.xlsx in the folder (the folder's other FCS tables have readers of their own)."""
    return read_folder(sys.modules[__name__], folder)

"""Russian customs (FCS): monthly trade with the main partner countries (96stran.xlsx), 2006–2021.

Grain of the tidy frame: reporter RUS x partner country x flow (export, import) x single month,
in USD (the sheets say «(млн доллалов США)», sic: million USD). Sheets «Экспорт» and «Импорт» hold
one column per partner (29 countries, names in Russian, some written with Latin look-alike letters
such as «Китaй»: see `ru_fcs.cyrillic_look_alikes`), a year row («2006») and then twelve month rows
(«  январь» ... «  декабрь»).

No World row: the sheets have no «all countries» column, and the 29 partners are not all of
Russia's trade, so no total is published from this file (94itog.xlsx has Russia's totals). The
year rows are empty in this edition; a year row with values would be published as the annual
figure (basis "year") as the file states it, after checking it against the sum of its months.
An empty cell publishes no row and is listed in `dropped`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from etl import periods
from etl.errors import InputError, Problem, shorten
from etl.sources import ru_fcs
from etl.sources.base import Dropped, SourceResult, Tidy, read_folder

SOURCE = ru_fcs.SOURCE
# The partner table, any edition ('96stran.xlsx'); each file is its own edition.
PATTERNS = ("96stran*.xlsx",)
EACH_FILE = True
NO_FILES = "no 96stran*.xlsx (FCS monthly trade with the main partner countries) in the folder"
# A published year total may differ from the sum of its rounded months by rounding only.
TOTAL_TOLERANCE = 0.001  # relative
RULE_NO_HEADER = "no header row of partner names (an empty first cell, then country names)"
RULE_NO_TABLE = "no sheet named or titled «Экспорт» or «Импорт» with a partner table"
RULE_LABEL = "row label must be a year («2006») or a month («январь»), since it holds values"
RULE_MONTH_FIRST = "a month row before any year row: which year is it?"
FAITHFUL_COLUMNS = [
    "file", "sheet", "row", "location", "label_location", "flow", "unit_heading",
    "unit_original", "factor", "year", "month", "partner_label", "cell",
]  # fmt: skip


def _header(rows: list[list[object]]) -> int | None:
    """First row with an empty first cell and at least two texts after it: partner names."""
    for i, row in enumerate(rows):
        labels = [c for c in row[1:] if isinstance(c, str) and ru_fcs.text(c)]
        if not ru_fcs.text(row[0] if row else None) and len(labels) >= 2:
            return i
    return None


def _read_sheet(
    file: str, sheet: str, rows: list[list[object]]
) -> tuple[list[dict], list[Problem]]:
    head = _header(rows)
    if head is None:
        if ru_fcs.flow_of(sheet):
            return [], [Problem(file, f"sheet '{sheet}'", "-", "-", RULE_NO_HEADER)]
        return [], []  # the contents sheet «Содержание» lists the flows but holds no table
    above = [ru_fcs.text(c) for row in rows[:head] for c in row if ru_fcs.text(c)]
    flow = ru_fcs.flow_of(sheet) or next((f for t in above if (f := ru_fcs.flow_of(t))), None)
    if flow is None:
        rule = "neither the sheet name nor the title says the flow («Экспорт» or «Импорт»)"
        return [], [Problem(file, f"sheet '{sheet}'", "-", shorten(sheet), rule)]
    unit = ru_fcs.table_unit(file, sheet, rows[:head])
    if unit is None:
        return [], [ru_fcs.no_unit(file, sheet)]
    partners = {j: ru_fcs.text(c) for j, c in enumerate(rows[head]) if j and ru_fcs.text(c)}
    records: list[dict] = []
    problems: list[Problem] = []
    year: int | None = None
    for i in range(head + 1, len(rows)):
        row = rows[i]
        label = row[0] if row else None
        has_values = any(ru_fcs.text(row[j]) for j in partners if j < len(row))
        month = ru_fcs.month_number(ru_fcs.text(label))
        if (found := ru_fcs.year_of(label)) is not None:
            year = found
        elif month is None:
            if has_values:
                problems.append(Problem(file, ru_fcs.where(sheet, i, 0), "A", shorten(label),
                                        RULE_LABEL))  # fmt: skip
            continue  # notes and empty rows below the table
        elif year is None:
            problems.append(Problem(file, ru_fcs.where(sheet, i, 0), "A", shorten(label),
                                    RULE_MONTH_FIRST))  # fmt: skip
            continue
        if month is None and not has_values:
            continue  # a year row that only heads its months
        for j, partner in partners.items():
            cell = row[j] if j < len(row) else None
            label_at = ru_fcs.where(sheet, head, j)
            record = ru_fcs.cell_record(file, sheet, (i, j), label_at, flow, unit, partner, cell)
            records.append(record | {"year": year, "month": month})
    return records, problems


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame: one row per partner x month (or year total) cell, as in the file.

    Empty cells are kept (cell None) for `dropped`. Raises InputError when no sheet holds a
    partner table, a heading or unit is missing, or a row label is neither a year nor a month.
    """
    return ru_fcs.read_tables(path, _read_sheet, FAITHFUL_COLUMNS, RULE_NO_TABLE)


# ---- normalize ---------------------------------------------------------------------------------


def _no_value_reason(cell: object) -> str:
    if ru_fcs.text(cell):
        return f"«{ru_fcs.text(cell)}» in the file: no figure (data not available or no flow)"
    return "empty cell: no value published for this partner and period"


def _values(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Dropped], list[Problem]]:
    """Parsed values of the non-empty cells; empty cells listed as dropped."""
    problems: list[Problem] = []
    values: list[float | None] = []
    for r in frame.itertuples(index=False):
        try:
            value = ru_fcs.number(r.cell)
        except ValueError:
            value = None
            problems.append(Problem(r.file, r.location.split(", ", 1)[1], r.partner_label,
                                    shorten(r.cell), ru_fcs.RULE_NUMBER))  # fmt: skip
        if value is not None and value < 0:
            problems.append(Problem(r.file, r.location.split(", ", 1)[1], r.partner_label,
                                    shorten(r.cell), ru_fcs.RULE_NEGATIVE))  # fmt: skip
        values.append(value)
    out = frame.assign(value_original=values)
    empty = out[out["value_original"].isna()]
    dropped = [
        Dropped(r.file, r.location, _no_value_reason(r.cell),
                f"{r.partner_label} {r.year}-{r.month or 'year'}")
        for r in empty.itertuples(index=False)
    ]  # fmt: skip
    return out[out["value_original"].notna()].copy(), dropped, problems


def _periods(kept: pd.DataFrame) -> pd.DataFrame:
    is_month = kept["month"].notna()
    bounds = [
        periods.month_period(int(y), int(m)) if ok else periods.year_period(int(y))
        for y, m, ok in zip(kept["year"], kept["month"], is_month, strict=True)
    ]
    last = max(b[1] for b in bounds)
    stem = kept["file"].map(lambda f: Path(f).stem)
    return kept.assign(
        basis=["month" if ok else "year" for ok in is_month],
        period_start=[b[0] for b in bounds],
        period_end=[b[1] for b in bounds],
        vintage="FCS data to " + last.strftime("%Y-%m") + " (" + stem + ")",
    )


def year_total_warnings(kept: pd.DataFrame) -> list[str]:
    """A published year total that differs from the sum of its twelve months (beyond rounding)."""
    totals = kept[kept["month"].isna()]
    months = kept[kept["month"].notna()]
    key = ["file", "flow", "partner_label", "year"]
    sums = months.groupby(key)["value_original"].agg(["sum", "count"])
    out = []
    for r in totals.itertuples(index=False):
        k = (r.file, r.flow, r.partner_label, r.year)
        if k not in sums.index or sums.loc[k, "count"] != 12:
            continue
        total = sums.loc[k, "sum"]
        if abs(total - r.value_original) > TOTAL_TOLERANCE * max(abs(r.value_original), 1.0):
            out.append(
                f"{r.location}: {r.partner_label} {r.flow} {r.year} total {r.value_original:,.2f} "
                f"differs from the sum of its months {total:,.2f} ({r.unit_original}); "
                "the total is published as the file states it"
            )
    return out


def tidy_frames(frame: pd.DataFrame) -> Tidy:
    """Tidy Trade rows, dropped cells and warnings from `read()`'s frame; raises InputError."""
    kept, dropped, problems = _values(frame)
    codes, code_problems = ru_fcs.partner_codes(kept)
    problems += code_problems
    if problems:
        raise InputError(problems)
    kept = _periods(kept)
    return Tidy({"trade": ru_fcs.tidy(kept, codes)}, dropped, year_total_warnings(kept))


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy Trade rows (see etl.schemas.Trade) from `read()`'s frame; raises InputError."""
    return tidy_frames(frame).frames["trade"]


def load(folder: Path) -> SourceResult:
    """96stran*.xlsx in the folder (the folder's other FCS tables have readers of their own)."""
    return read_folder(sys.modules[__name__], folder)

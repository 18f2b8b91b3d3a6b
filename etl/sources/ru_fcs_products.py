"""Russia FCS (ФТС России): foreign trade by HS chapter and by HS commodity group.

Grain: Russia x World x flow x HS chapter or chapter range x period, USD. Two workbooks with one
layout family: a unit line ('(миллионов долларов США)', '(млрд. долл. США)'), two header rows
holding flows ('ЭКСПОРТ') and periods ('Январь - декабрь 2022 г.') in either order, then
'ВСЕГО' (the total) and one row per product, labelled 'NN-LABEL' or 'NN-NN-Label'.

- publikatsiya_tstv_2022.xlsx: chapters 25-97 with 01-24 as one range; chapter 93 and
  confidential trade are absent, so the rows do not add up to ВСЕГО. The remainder is published
  as one row 'not allocated by the publisher', never spread over products.
- struktura_122023.xlsx: commodity groups (HS chapter ranges), BILLION USD.

Growth-rate columns ('ТЕМПЫ РОСТА, %') are the publisher's arithmetic and are not read. A later
edition with other periods in its headings reads without a code change: periods, units and the
vintage all come from the headings.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from etl import products, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, SourceResult, Tidy, read_folder
from etl.sources.workbooks import open_workbook, sheet_rows

SOURCE = "ru-fcs-foreign-trade"
# The chapter table and the commodity-group table, any edition ('struktura_032024.xlsx').
PATTERNS = ("publikatsiya_tstv_*.xlsx", "struktura_*.xlsx")
# Each file is its own edition: one file's problems never hide another's.
EACH_FILE = True
REPORTER = "RUS"
PARTNER = "WLD"

# Unit line as FCS writes it -> (factor to USD, unit_original). Anything else is refused.
UNITS: tuple[tuple[re.Pattern[str], float, str], ...] = (
    (re.compile(r"\(\s*млрд\.?\s*долл(?:\.|аров)?\s*США\s*\)", re.I), 1e9, "billion USD"),
    (
        re.compile(r"\(\s*(?:млн\.?|миллионов)\s*долл(?:\.|аров)?\s*США\s*\)", re.I),
        1e6,
        "million USD",
    ),
    (re.compile(r"\(\s*(?:тыс\.?|тысяч)\s*долл(?:\.|аров)?\s*США\s*\)", re.I), 1e3, "thousand USD"),
)
UNIT_LINE = re.compile(r"\(\s*[^)]*(?:долл|руб|сом|тенге|евро|USD)[^)]*\)", re.I)
FLOWS = {"экспорт": "export", "импорт": "import", "оборот": "turnover"}
GROWTH = re.compile(r"темп", re.I)
MONTHS = {
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7,
    "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
}  # fmt: skip
# 'Январь - декабрь 2022 г.', 'январь-декабрь 2023', 'январь-апрель 2024'.
PERIOD = re.compile(r"^\s*([а-яё]+)\s*[-–—]\s*([а-яё]+)\s+(\d{4})\s*(?:г\.?|года)?\s*$", re.I)
TOTAL = re.compile(r"^\s*всего\s*$", re.I)
# 'в том числе:' introduces the product rows; a text row without values.
SUBHEAD = re.compile(r"^\s*в\s+том\s+числе", re.I)
# '89-ШТ-СУДА…', '01-24-Продовольственные…', '68-70, 84-97-Машины…': code, dash, label.
PRODUCT = re.compile(r"^\s*(\d{2}(?:-\d{2})?(?:\s*,\s*\d{2}(?:-\d{2})?)*)\s*-\s*(\D.*)$")
# The remainder is published when it is more than rounding: 0.1 % of the total.
REMAINDER_TOLERANCE = 1e-3
FAITHFUL_COLUMNS = [
    "file", "sheet", "row", "column", "unit_label", "flow_label", "period_label", "row_label",
    "cell",
]  # fmt: skip


def _text(cell: object) -> str:
    return cell.strip() if isinstance(cell, str) else ""


def _is_empty(cell: object) -> bool:
    if isinstance(cell, str):
        return not cell.strip()
    return cell is None or (isinstance(cell, float) and np.isnan(cell))


def _where(sheet: str, row: int, col: int | None = None) -> str:
    where = f"sheet {sheet!r}, row {row}"
    return where if col is None else f"{where}, column {get_column_letter(col)}"


# ---- read: the workbook as it is -----------------------------------------------------------


def _read_sheet(
    file: str, sheet: str, rows: list[list[object]]
) -> tuple[list[dict], list[Problem]]:
    """One record per product-or-total row x value column; the headings kept as text."""
    total_at = next((i for i, r in enumerate(rows) if r and TOTAL.match(_text(r[0]))), None)
    if total_at is None or total_at < 2:
        rule = "no total row ('ВСЕГО') under two header rows (flows and periods)"
        return [], [Problem(file, f"sheet {sheet!r}", "A", "-", rule)]
    texts = [_text(c) for r in rows[:total_at] for c in r if _text(c)]
    units = [t for t in texts if UNIT_LINE.search(t)]
    if not units:
        rule = "no unit line (e.g. '(миллионов долларов США)') above the table"
        return [], [Problem(file, f"sheet {sheet!r}", "A", "-", rule)]
    unit_label = UNIT_LINE.search(units[0]).group(0)  # type: ignore[union-attr]
    # The lower heading row names every column of the table. The upper row is merged over
    # several columns and holds its text in the first only: carry it right, but only over
    # columns the lower row names, so a column beyond the table has no heading.
    width = max(len(r) for r in rows)
    upper, lower = rows[total_at - 2], rows[total_at - 1]
    low = [_text(lower[j]) if j < len(lower) and j > 0 else "" for j in range(width)]
    high, carried = [], ""
    for j in range(width):
        carried = (_text(upper[j]) if j < len(upper) and j > 0 else "") or carried
        high.append(carried if low[j] else "")
    heads = [high, low]
    records: list[dict] = []
    for i in range(total_at, len(rows)):
        row = rows[i]
        label = _text(row[0]) if row else ""
        for j in range(1, len(row)):
            a, b = heads[0][j], heads[1][j]
            flow = a if a.casefold() in FLOWS else b if b.casefold() in FLOWS else ""
            period = b if flow == a else a
            if GROWTH.search(a) or GROWTH.search(b):
                continue  # the publisher's growth rates: its arithmetic, not data
            if not a and not b and _is_empty(row[j]):
                continue  # an empty cell beyond the table; a value there is reported
            records.append(
                {
                    "file": file,
                    "sheet": sheet,
                    "row": i + 1,
                    "column": j + 1,
                    "unit_label": unit_label,
                    "flow_label": flow,
                    "period_label": period,
                    "row_label": label,
                    "cell": None if _is_empty(row[j]) else row[j],
                }
            )
    return records, []


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame: one row per label x value cell, with the cell's flow, period and unit
    headings as written. Raises InputError when the workbook cannot be opened or has no table."""
    sheets = open_workbook(path, lambda book: sheet_rows(book, skip_empty_area=False))
    records: list[dict] = []
    problems: list[Problem] = []
    for name, rows in sheets:
        if not any(not _is_empty(c) for r in rows for c in r):
            continue
        found, trouble = _read_sheet(path.name, name, rows)
        records += found
        problems += trouble
    if problems or not records:
        raise InputError(problems or [Problem(path.name, "-", "-", "-", "no sheet holds a table")])
    return pd.DataFrame.from_records(records, columns=FAITHFUL_COLUMNS)


# ---- normalize: the tidy products frame ----------------------------------------------------


def _unit(label: str) -> tuple[float, str] | None:
    return next(((f, u) for pattern, f, u in UNITS if pattern.search(label)), None)


def _period(label: str) -> tuple[str, pd.Timestamp, pd.Timestamp] | str:
    """(basis, start, end) of 'Январь - декабрь 2022 г.', or the reason it cannot be read."""
    match = PERIOD.match(label)
    if not match:
        return "expected a period heading such as 'январь-декабрь 2023'"
    first, last = MONTHS.get(match[1].casefold()), MONTHS.get(match[2].casefold())
    if first is None or last is None:
        return f"unknown month name in {label!r} (expected Russian nominative, e.g. 'январь')"
    if first != 1:
        return "a period that does not start in January: FCS publishes cumulative periods only"
    year = int(match[3])
    end = pd.Timestamp(year, last, 1) + pd.offsets.MonthEnd(0)
    return ("year" if last == 12 else "ytd"), pd.Timestamp(year, 1, 1), end


def _vintage(periods: list[pd.Timestamp]) -> str:
    """The edition, named by the latest period the table holds: 'Jan–Dec 2023 edition'."""
    last = max(periods)
    month = last.strftime("%b")
    return f"Jan–{month} {last.year} edition" if last.month > 1 else f"Jan {last.year} edition"


def _heading_problems(faithful: pd.DataFrame, file: str) -> list[Problem]:
    """Unit line and column headings, each checked once (not once per cell)."""
    problems: list[Problem] = []
    for (sheet, unit), _ in faithful.groupby(["sheet", "unit_label"], sort=False):
        if _unit(unit) is None:
            rule = "unknown unit: expected thousand, million or billion US dollars (долларов США)"
            problems.append(Problem(file, f"sheet {sheet!r}, unit line", "A", shorten(unit), rule))
    columns = faithful.drop_duplicates(["sheet", "column"])
    for rec in columns.itertuples(index=False):
        col = get_column_letter(rec.column)
        where = f"sheet {rec.sheet!r}, headings of column {col}"
        if rec.flow_label.casefold() not in FLOWS:
            rule = f"no flow heading ({', '.join(FLOWS)}) above this column"
            problems.append(Problem(file, where, col, shorten(rec.flow_label), rule))
        period = _period(rec.period_label)
        if isinstance(period, str):
            problems.append(Problem(file, where, col, shorten(rec.period_label), period))
    return problems


def _number(cell: object) -> float | None:
    """A non-negative finite number, else None."""
    if isinstance(cell, bool) or not isinstance(cell, int | float) or not np.isfinite(cell):
        return None
    return float(cell) if cell >= 0 else None


def build(faithful: pd.DataFrame) -> tuple[pd.DataFrame, list[Dropped]]:
    """Tidy products rows (chapters or groups, plus the unallocated remainder); InputError lists
    every unreadable heading, label or cell at once."""
    dropped: list[Dropped] = []
    if faithful.empty:
        return pd.DataFrame(), dropped
    file = str(faithful["file"].iloc[0])
    problems = _heading_problems(faithful, file)
    if problems:
        raise InputError(problems)
    rows: list[dict] = []
    for rec in faithful.itertuples(index=False):
        cell = None if _is_empty(rec.cell) else rec.cell
        col = get_column_letter(rec.column)
        where = _where(rec.sheet, rec.row, rec.column)
        label = rec.row_label
        total = bool(TOTAL.match(label))
        match = PRODUCT.match(label)
        if not total and match is None:
            if cell is None and (SUBHEAD.match(label) or not label):
                continue  # 'в том числе:' and blank rows hold no values
            rule = "expected 'ВСЕГО' or a product row 'NN-label' / 'NN-NN-label' (HS chapters)"
            problem = Problem(file, _where(rec.sheet, rec.row, 1), "A", shorten(label), rule)
            if problem not in problems:  # once per row, not once per value cell
                problems.append(problem)
            continue
        if cell is None:
            dropped.append(Dropped(file, where, "empty cell: no value published", label))
            continue
        value = _number(cell)
        if value is None:
            rule = "expected a non-negative number"
            problems.append(Problem(file, where, col, shorten(cell), rule))
            continue
        factor, unit_original = _unit(rec.unit_label)  # type: ignore[misc]
        basis, start, end = _period(rec.period_label)  # type: ignore[misc]
        rows.append(
            {
                "flow": FLOWS[rec.flow_label.casefold()],
                "basis": basis,
                "period_start": start,
                "period_end": end,
                "product_code": "TOTAL" if total else match[1].strip(),  # type: ignore[index]
                "product_label": label if total else match[2].strip(),  # type: ignore[index]
                "value_original": value,
                "value": value * factor,
                "unit_original": unit_original,
                "location": f"{file}, {where}",
            }
        )
    if problems:
        raise InputError(problems)
    return _with_totals(pd.DataFrame(rows), file), dropped


def _remainder(items: pd.DataFrame, total: pd.Series, file: str) -> dict | None:
    """The 'not allocated by the publisher' row (total minus the product rows), None when the
    rows add up to the total within rounding; InputError when they add up to more."""
    listed = items["value_original"].sum()
    remainder = round(total["value_original"] - listed, 6)
    tolerance = REMAINDER_TOLERANCE * total["value_original"]
    if remainder < -tolerance:
        rule = (
            f"the product rows add up to more than 'ВСЕГО' ({listed:,.3f} > "
            f"{total['value_original']:,.3f} {total['unit_original']})"
        )
        where = total["location"].removeprefix(f"{file}, ")
        raise InputError([Problem(file, where, "-", shorten(total["value_original"]), rule)])
    if remainder <= tolerance:
        return None
    factor = total["value"] / total["value_original"]
    return {
        **total[["flow", "basis", "period_start", "period_end", "unit_original"]].to_dict(),
        "product_code": products.UNALLOCATED,
        "product_label": products.UNALLOCATED_LABEL,
        "value_original": remainder,
        "value": remainder * factor,
        "location": f"{total['location']} (ВСЕГО) minus the product rows",
        "flag": "derived: total minus the sum of the published rows",
    }


def _with_totals(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Attach each breakdown's ВСЕГО and coverage, add the unallocated remainder, label codes."""
    codes = frame.loc[frame["product_code"] != "TOTAL", "product_code"]
    try:
        parsed = {c: products.parse_code(c) for c in codes.unique()}
    except ValueError as exc:
        raise InputError([Problem(file, "column A", "A", "-", str(exc))]) from exc
    # A table with single chapters is a chapter table, even with '01-24' as one of its rows.
    chapters_table = any(not p.is_range for p in parsed.values())
    classification = products.HS_CHAPTER if chapters_table else products.HS_GROUP
    kind = "chapter" if chapters_table else "group"
    vintage = _vintage(list(frame["period_end"]))
    out: list[pd.DataFrame] = []
    for (flow, start, end), part in frame.groupby(
        ["flow", "period_start", "period_end"], sort=False
    ):
        totals = part[part["product_code"] == "TOTAL"]
        items = part[part["product_code"] != "TOTAL"]
        if len(totals) != 1:
            rule = f"one 'ВСЕГО' value per flow and period: {flow} {start:%Y-%m}–{end:%Y-%m}"
            raise InputError([Problem(file, "column A", "A", f"{len(totals)} found", rule)])
        total = totals.iloc[0]
        extra = _remainder(items, total, file)
        coverage = items["value"].sum() / total["value"] if total["value"] else np.nan
        rows = pd.concat([items, pd.DataFrame([extra])]) if extra else items
        out.append(rows.assign(total_value=total["value"], coverage=coverage))
    tidy = pd.concat(out, ignore_index=True)
    unallocated = tidy["product_code"] == products.UNALLOCATED
    tidy["is_range"] = [
        not u and parsed[c].is_range for c, u in zip(tidy["product_code"], unallocated, strict=True)
    ]
    tidy["product_label_en"] = [
        products.UNALLOCATED_LABEL if u else products.label_en(kind, c)
        for c, u in zip(tidy["product_code"], unallocated, strict=True)
    ]
    if "flag" not in tidy:
        tidy["flag"] = None
    return tidy.assign(
        source=SOURCE,
        reporter=REPORTER,
        partner=PARTNER,
        classification=classification,
        currency="USD",
        vintage=vintage,
        citation=registry.citation(SOURCE, file, f"{classification}, {vintage}"),
    )


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    frame, dropped = build(faithful)
    return Tidy({"products": frame}, dropped)


def load(folder: Path) -> SourceResult:
    """The FCS product tables of the folder (chapters and commodity groups, every edition)."""
    return read_folder(sys.modules[__name__], folder)

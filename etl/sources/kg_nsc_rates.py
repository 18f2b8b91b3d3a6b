"""NSC Kyrgyzstan table 4.02.00.01: nominal exchange rates of selected currencies (.xls).

Input: a legacy .xls (read with python-calamine), trilingual labels in three columns (Kyrgyz,
Russian, English) left of one column per year (1993.0 ... 2023.0; some years written as text).
A currency row ('US $', 'Euro', ...) is followed by 'Average for period' and 'At the end of
period' rows. Values are som (KGS) per one unit of the currency; the footnote says they are the
National Bank of the Kyrgyz Republic's data. '-' means no rate.

Grain of the tidy `fx` frame (etl.schemas.FxRates): base currency (USD, EUR, RUB, KZT, UZS) x
quote KGS x basis ('year' = average for the year, 'year_end' = end of the year) x year; n_days
is unknown (NSC does not say how the average is taken). The Russian label of the rouble row
says «(рубль/сом)», but its values (1.04 in 2023, with 87.86 KGS per USD) are som per rouble,
like every other row.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import pandas as pd

from etl import periods, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, SourceResult, Tidy, read_folder
from etl.sources.kg_nsc_trade import cell_text, place, year_of
from etl.sources.workbooks import column_letter, open_workbook, sheet_rows

SOURCE = "kg-nsc-foreign-trade"
PATTERNS = ("*exchange_rates*.xls*",)
QUOTE = "KGS"
# English currency label (casefolded, before any bracket) -> ISO 4217 code
CURRENCIES = {
    "us $": "USD",
    "us dollar": "USD",
    "euro": "EUR",
    "russian rubl": "RUB",
    "russian ruble": "RUB",
    "kazakh tenge": "KZT",
    "uzbek sum": "UZS",
}
MEASURES = {"average for period": "year", "at the end of period": "year_end"}
NO_DATA = {"", "-", "–", "—"}
FX_COLUMNS = [
    "source", "base_currency", "quote_currency", "basis", "period_start", "period_end",
    "rate", "n_days", "citation", "vintage",
]  # fmt: skip

RULE_NO_HEADER = "no header row of years (1993, 1994, ...) in the sheet"
RULE_CURRENCY = f"unknown currency; known: {sorted(CURRENCIES)} (add its ISO 4217 code)"
RULE_MEASURE = "a rate row must follow a currency row"
RULE_NUMBER = "expected a positive rate (som per unit) or '-'"
RULE_UNKNOWN_ROW = (
    "row is neither a currency ('US $') nor 'Average for period' / 'At the end of period'"
)


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame: one row per rate cell, with its currency and measure labels."""
    sheets = open_workbook(
        path,
        sheet_rows,
        "cannot open as an Excel workbook",
        by_content=True,
        failed="cannot open the workbook",
        fix="download the file again",
    )
    records: list[dict] = []
    problems: list[Problem] = []
    for name, rows in sheets:
        header = next(
            (i for i, r in enumerate(rows) if sum(bool(year_of(v)) for v in r[3:]) >= 3), None
        )
        if header is None:
            if any(isinstance(v, int | float) for r in rows for v in r):
                problems.append(Problem(path.name, f"sheet '{name}'", "-", "-", RULE_NO_HEADER))
            continue
        years = {j: year_of(v)[0] for j, v in enumerate(rows[header]) if j >= 3 and year_of(v)}
        en = min(years) - 1
        currency = ""
        for i in range(header + 1, len(rows)):
            label = cell_text(rows[i][en])
            values = {j: rows[i][j] for j in years if j < len(rows[i])}
            if not label or label[0].isdigit():  # blank rows and the footnote
                continue
            if not any(cell_text(v) not in NO_DATA for v in values.values()):
                currency = label
                continue
            for j, cell in values.items():
                records.append(
                    {"file": path.name, "sheet": name, "row": i + 1,
                     "location": place(name, i, j), "currency_label": currency,
                     "measure_label": label, "year": years[j], "column": column_letter(j),
                     "cell": cell}
                )  # fmt: skip
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(records)


def _currency(label: str) -> str | None:
    key = re.split(r"\s*\(", label.casefold())[0].strip()
    return CURRENCIES.get(key)


def tidy_frames(frame: pd.DataFrame) -> Tidy:
    """The 'fx' rows and the '-' cells left out, from `read()`'s frame; raises InputError."""
    problems: list[Problem] = []
    dropped: list[Dropped] = []
    rows = []
    for r in frame.itertuples(index=False):
        code = _currency(r.currency_label)
        basis = MEASURES.get(r.measure_label.casefold())
        if not r.currency_label:
            problems.append(Problem(r.file, r.location, "-", r.measure_label, RULE_MEASURE))
            continue
        if code is None:
            problems.append(Problem(r.file, r.location, "-", r.currency_label, RULE_CURRENCY))
            continue
        if basis is None:
            problems.append(Problem(r.file, r.location, "-", r.measure_label, RULE_UNKNOWN_ROW))
            continue
        if cell_text(r.cell) in NO_DATA:
            dropped.append(Dropped(r.file, r.location, "no rate ('-')", f"{code} {r.year}"))
            continue
        try:
            rate = float(r.cell) if not isinstance(r.cell, bool) else math.nan
        except (TypeError, ValueError):
            rate = math.nan
        if not (math.isfinite(rate) and rate > 0):
            problems.append(Problem(r.file, r.location, str(r.year), shorten(r.cell), RULE_NUMBER))
            continue
        start, end = periods.year_period(int(r.year))
        what = "average for the year" if basis == "year" else "end of the year"
        rows.append(
            {"source": SOURCE, "base_currency": code, "quote_currency": QUOTE, "basis": basis,
             "period_start": start, "period_end": end, "rate": rate, "n_days": pd.NA,
             "citation": registry.citation(
                 SOURCE, r.file, f"{r.location}: {QUOTE} per {code}, {what} {r.year} (NBKR data)"
             ),
             "year": int(r.year)}
        )  # fmt: skip
    if problems:
        raise InputError(problems)
    out = pd.DataFrame.from_records(rows)
    out["vintage"] = f"edition with data to {out['year'].max()}"
    out["n_days"] = out["n_days"].astype("Int64")
    return Tidy({"fx": out[FX_COLUMNS]}, dropped)


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy fx rows (etl.schemas.FxRates) from `read()`'s frame; raises InputError."""
    return tidy_frames(frame).frames["fx"]


def load(folder: Path) -> SourceResult:
    """The exchange-rate workbook (4.02.00.01) of the NSC folder -> SourceResult with 'fx'."""
    return read_folder(sys.modules[__name__], folder)

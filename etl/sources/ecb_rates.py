"""ECB euro foreign exchange reference rates (eurofxref-hist.zip): averages and period ends.

Input: the ECB's zip holding one CSV, `Date,USD,JPY,...,` (newest day first, a trailing empty
column, `N/A` where a currency was not quoted). Each value is units of that currency per 1 EUR
on a TARGET working day.

Grain of the tidy `fx` frame (etl.schemas.FxRates): source x base EUR x quote currency x basis
x period. Flows are converted at AVERAGES of the daily rates of their own period (basis
'month', 'quarter', 'year', with n_days the number of daily rates averaged); stocks at the rate
of the period's last working day (basis 'month_end', 'quarter_end', 'year_end', n_days 1, the
day named in the citation). A period is published only when the file covers it to its last
calendar day: the month in progress at the file's last date (and its quarter and year) would
otherwise pass for a complete average; they are listed in `dropped`. Daily rows are published
only on request (`keep_daily`): nothing downstream needs them yet.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

from etl import registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, SourceResult, Tidy, read_folder
from etl.sources.text_files import parse_decimal

SOURCE = "ecb-euro-reference-rates"
PATTERNS = ("*.zip", "*.csv")
BASE = "EUR"
CURRENCIES = ("USD",)  # quote currencies published by default; the file holds ~40
MISSING = {"N/A", ""}
FX_COLUMNS = [
    "source", "base_currency", "quote_currency", "basis", "period_start", "period_end",
    "rate", "n_days", "citation", "vintage",
]  # fmt: skip
# basis of an average -> pandas period frequency, and the basis of the same period's end rate
AVERAGES = {"month": "M", "quarter": "Q", "year": "Y"}
ENDS = {"month": "month_end", "quarter": "quarter_end", "year": "year_end"}
BASIS_WORDS = {"month": "monthly", "quarter": "quarterly", "year": "annual"}

RULE_NOT_ZIP = "not the ECB zip (eurofxref-hist.zip holding one eurofxref-hist.csv)"
RULE_HEADER = "the first column must be 'Date', followed by ISO 4217 currency codes"
RULE_DATE = "expected a date written YYYY-MM-DD"
RULE_RATE = "expected a positive rate (units of the currency per 1 EUR) or 'N/A'"
RULE_TWICE = "the same date appears twice"


def _csv_text(path: Path) -> tuple[str, str]:
    """(member name, text) of the single CSV inside the zip; a bare CSV is read as it is."""
    try:
        if not zipfile.is_zipfile(path):
            if path.suffix.lower() == ".csv":
                return path.name, path.read_text(encoding="utf-8-sig")
            raise InputError([Problem(path.name, "whole file", "-", "-", RULE_NOT_ZIP)])
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
            if len(members) != 1:
                names = ", ".join(m.filename for m in archive.infolist()) or "(empty)"
                raise InputError([Problem(path.name, "whole file", "-", names, RULE_NOT_ZIP)])
            # The real file unpacks to 1.9 MB; a bound stops a zip bomb before it unpacks.
            if members[0].file_size > 64 * 2**20:
                rule = f"{members[0].filename} would unpack to {members[0].file_size:,} bytes"
                raise InputError([Problem(path.name, "whole file", "-", "-", rule)])
            return members[0].filename, archive.read(members[0]).decode("utf-8-sig")
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        rule = f"cannot read the file ({exc}): download it again"
        raise InputError([Problem(path.name, "whole file", "-", "-", rule)]) from exc


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame: file, line, date (text), currency, cell (text as written).

    One row per date x currency column; 'N/A' cells are kept (dropped later) so a reader of the
    frame sees what the file says. Raises InputError for a file that is not the ECB layout.
    """
    member, text = _csv_text(path)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or not rows[0] or rows[0][0].strip() != "Date":
        head = ",".join(rows[0][:4]) if rows else ""
        raise InputError([Problem(path.name, f"{member}, line 1", "header", head, RULE_HEADER)])
    header = [h.strip() for h in rows[0]]
    currencies = [(j, h) for j, h in enumerate(header) if j > 0 and h]
    records = []
    for line, fields in enumerate(rows[1:], start=2):
        if not any(f.strip() for f in fields):
            continue
        for j, code in currencies:
            cell = fields[j].strip() if j < len(fields) else ""
            records.append((path.name, member, line, fields[0].strip(), code, cell))
    return pd.DataFrame.from_records(
        records, columns=["file", "member", "line", "date", "currency", "cell"]
    )


def daily(frame: pd.DataFrame, currencies: tuple[str, ...] = CURRENCIES) -> pd.DataFrame:
    """Parsed daily rates (date, currency, rate) for `currencies`; raises InputError.

    'N/A' cells (a currency not quoted that day) are left out, not read as zero.
    """
    problems: list[Problem] = []
    unknown = sorted(set(currencies) - set(frame["currency"]))
    if unknown:
        file = frame["file"].iat[0] if len(frame) else "-"
        rule = f"no column for {unknown} in the file"
        problems.append(Problem(file, "line 1", "header", ", ".join(unknown), rule))
    part = frame[frame["currency"].isin(currencies) & ~frame["cell"].isin(MISSING)]
    dates = pd.to_datetime(part["date"], format="%Y-%m-%d", errors="coerce")
    rates = []
    for r, date in zip(part.itertuples(index=False), dates, strict=True):
        where = f"{r.member}, line {r.line}"
        if pd.isna(date):
            problems.append(Problem(r.file, where, "Date", shorten(r.date), RULE_DATE))
        try:
            value = parse_decimal(r.cell)
        except ValueError:
            value = float("nan")
        if not value > 0:
            problems.append(Problem(r.file, where, r.currency, shorten(r.cell), RULE_RATE))
        rates.append(value)
    out = pd.DataFrame(
        {"date": dates, "currency": part["currency"], "rate": rates, "line": part["line"]}
    )
    twice = out[out.duplicated(["date", "currency"], keep=False)]
    for r in twice.drop_duplicates(["date", "currency"]).itertuples(index=False):
        file = frame["file"].iat[0]
        problems.append(Problem(file, f"line {r.line}", "Date", str(r.date.date()), RULE_TWICE))
    if problems:
        raise InputError(problems)
    return out.drop(columns="line").sort_values(["currency", "date"]).reset_index(drop=True)


def _citation(file: str, quote: str, detail: str) -> str:
    return registry.citation(SOURCE, file, f"{quote} per {BASE}, {detail}")


def aggregate(
    days: pd.DataFrame, file: str, keep_daily: bool = False
) -> tuple[pd.DataFrame, list[Dropped]]:
    """Averages and period-end rates (FX_COLUMNS) of complete periods, and the periods left out.

    `days` is `daily()`'s frame. A period counts as complete when the file's last date is on or
    after the period's last calendar day.
    """
    last = days["date"].max()
    vintage = f"history to {last.date()}"
    rows: list[dict] = []
    dropped: list[Dropped] = []
    for quote, one in days.groupby("currency", sort=True):
        one = one.sort_values("date")
        for basis, freq in AVERAGES.items():
            for period, group in one.groupby(one["date"].dt.to_period(freq), sort=True):
                start, end = period.start_time.normalize(), period.end_time.normalize()
                label = str(period)
                if end > last:
                    reason = f"incomplete {basis}: the file ends on {last.date()}"
                    dropped.append(Dropped(file, label, reason, f"{quote} {len(group)} days"))
                    continue
                n = len(group)
                words = f"{BASIS_WORDS[basis]} average of {n} daily rates, {label}"
                rows.append(
                    {"basis": basis, "period_start": start, "period_end": end,
                     "rate": group["rate"].mean(), "n_days": n, "quote_currency": quote,
                     "citation": _citation(file, quote, words)}
                )  # fmt: skip
                final = group.iloc[-1]
                words = f"rate of {final['date'].date()}, the last working day of {label}"
                rows.append(
                    {"basis": ENDS[basis], "period_start": start, "period_end": end,
                     "rate": final["rate"], "n_days": 1, "quote_currency": quote,
                     "citation": _citation(file, quote, words)}
                )  # fmt: skip
        if keep_daily:
            for r in one.itertuples(index=False):
                rows.append(
                    {"basis": "day", "period_start": r.date, "period_end": r.date,
                     "rate": r.rate, "n_days": 1, "quote_currency": quote,
                     "citation": _citation(file, quote, f"rate of {r.date.date()}")}
                )  # fmt: skip
    out = pd.DataFrame.from_records(rows)
    out["source"] = SOURCE
    out["base_currency"] = BASE
    out["vintage"] = vintage
    out["n_days"] = out["n_days"].astype("Int64")
    return out[FX_COLUMNS], dropped


def normalize(
    frame: pd.DataFrame, currencies: tuple[str, ...] = CURRENCIES, keep_daily: bool = False
) -> pd.DataFrame:
    """Tidy fx rows (etl.schemas.FxRates) from `read()`'s frame; raises InputError."""
    return aggregate(daily(frame, currencies), frame["file"].iat[0], keep_daily)[0]


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    """One history file only: each eurofxref-hist download holds every day since 1999, so two
    of them would give every rate twice (keep the newest download in the folder)."""
    files = list(dict.fromkeys(faithful["file"]))
    if len(files) != 1:
        rule = "expected exactly one eurofxref-hist .zip (or its .csv) in the folder"
        raise InputError([Problem(SOURCE, "folder", "-", ", ".join(files), rule)])
    fx, dropped = aggregate(daily(faithful, CURRENCIES), files[0])
    return Tidy({"fx": fx}, dropped)


def load(folder: Path) -> SourceResult:
    """The one eurofxref-hist zip (or CSV) in the folder -> SourceResult with frame 'fx'."""
    return read_folder(sys.modules[__name__], folder)

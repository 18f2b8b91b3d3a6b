"""BNS Kazakhstan monthly totals of exports and imports of goods (all partners combined).

Grain: Kazakhstan x World x flow x single month (not a Jan–X cumulative), value in USD; the
files (`exports.csv`, `imports.csv`: `date,value,transformation`) hold thousand USD. Exports are
FOB and imports CIF as BNS compiles them; turnover = exports + imports is published here for
months where both files have a value (valuation 'unknown', as it mixes FOB and CIF).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from etl import periods, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, FileRead, SourceResult, Tidy, read_folder
from etl.sources.text_files import csv_rows

SOURCE = "bns-kz-monthly-trade-totals"
PATTERNS = ("*.csv",)
NO_FILES = "no exports.csv or imports.csv"
EACH_FILE = True  # one flow per file; `finish` derives turnover from both
# The files say neither release nor download date, and each month BNS republishes them with one
# more month: the vintage is the month the folder's data end with ("data to 2026-06").
VINTAGE = "data to {:%Y-%m}"
REPORTER = "KAZ"
PARTNER = "WLD"
PARTNER_LABEL = "Total (Republic of Kazakhstan)"
COMMODITY = "TOTAL"
UNIT = "thousand USD"
FACTOR = 1000.0
COLUMNS = ["date", "value", "transformation"]
TRANSFORMATION = "level"  # the pipeline's word for the value as published (not a change or index)
# file name stem -> (flow, valuation)
FLOW_FILES = {"exports": ("export", "FOB"), "imports": ("import", "CIF")}
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def read(path: Path) -> pd.DataFrame:
    """Faithful frame: `date`, `value`, `transformation` as written, plus file, line, location."""
    header, rows = csv_rows(path, COLUMNS)
    index = {c: header.index(c) for c in COLUMNS}
    frame = pd.DataFrame(
        {c: [fields[i].strip() for _, fields in rows] for c, i in index.items()}, dtype=object
    )
    frame.insert(0, "file", path.name)
    frame.insert(1, "line", [line for line, _ in rows])
    frame.insert(2, "location", [f"line {line}" for line, _ in rows])
    return frame


def _month_of(text: str) -> tuple[int, int]:
    """'2024-04-01' -> (2024, 4); raises ValueError unless the date is the 1st of a month."""
    match = DATE.match(text)
    if not match:
        raise ValueError("expected a date YYYY-MM-01")
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        raise ValueError("month must be 01–12")
    if day != 1:
        raise ValueError("expected the first day of the month (a single month is YYYY-MM-01)")
    return year, month


def _line_problems(r: tuple, seen: dict[tuple[str, int, int], str]) -> list[Problem]:
    """Every problem on one line; records its month in `seen` to catch a month given twice."""
    out: list[Problem] = []

    def problem(column: str, value: str, rule: str) -> None:
        out.append(Problem(r.file, r.location, column, shorten(value), rule))

    if r.transformation != TRANSFORMATION:
        problem("transformation", r.transformation, f"only {TRANSFORMATION!r} is supported")
    try:
        year, month = _month_of(r.date)
    except ValueError as exc:
        problem("date", r.date, str(exc))
    else:
        first = seen.setdefault((r.file, year, month), r.location)
        if first != r.location:
            problem("date", r.date, f"month given twice (also at {first})")
    if r.value != "":
        try:
            thousand = float(r.value)
        except ValueError:
            problem("value", r.value, f"not a number ({UNIT})")
        else:
            if not np.isfinite(thousand) or thousand < 0:
                problem("value", r.value, "exports and imports must be finite and not negative")
    return out


def _flow_of(path: Path) -> tuple[str, str]:
    """('export', 'FOB') from 'exports.csv'; raises InputError for any other name."""
    found = FLOW_FILES.get(path.stem.strip().lower())
    if found is None:
        rule = f"cannot tell the flow from the file name; expected {sorted(FLOW_FILES)} (.csv)"
        raise InputError([Problem(path.name, "-", "-", "-", rule)])
    return found


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy rows of one flow file (the flow comes from the file name); rows with an empty value
    are left out (see `dropped`).

    Raises InputError for another transformation than 'level', dates not on the 1st of a
    month, a month given twice, text or negative numbers in `value`.
    """
    problems: list[Problem] = []
    records: list[dict] = []
    seen: dict[tuple[str, int, int], str] = {}
    flows = {file: _flow_of(Path(file)) for file in frame["file"].unique()}
    for r in frame.itertuples(index=False):
        flow, valuation = flows[r.file]
        found = _line_problems(r, seen)
        problems += found
        if found or r.value == "":
            continue
        year, month = _month_of(r.date)
        thousand = float(r.value)
        start, end = periods.month_period(year, month)
        records.append(
            {
                "flow": flow,
                "period_start": start,
                "period_end": end,
                "value_original": thousand,
                "valuation": valuation,
                "file": r.file,
                "citation": registry.citation(SOURCE, r.file),
                "location": f"{r.file}: {r.location}",
            }
        )
    if problems:
        raise InputError(problems)
    return _finish(pd.DataFrame.from_records(records, columns=_FLOW_COLUMNS))


_FLOW_COLUMNS = [
    "flow", "period_start", "period_end", "value_original", "valuation", "file", "citation",
    "location",
]  # fmt: skip


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the columns every row of this source shares."""
    out = frame.copy()
    out["source"] = SOURCE
    out["reporter"] = REPORTER
    out["partner"] = PARTNER
    out["partner_label"] = PARTNER_LABEL
    out["partner_is_aggregate"] = True
    out["commodity"] = COMMODITY
    out["basis"] = "month"
    out["value_original"] = out["value_original"].astype(float)
    out["value"] = out["value_original"] * FACTOR
    out["unit_original"] = UNIT
    out["currency"] = "USD"
    out["value_usd"] = out["value"]
    out["vintage"] = VINTAGE.format(out["period_start"].max()) if len(out) else ""
    out["flag"] = None
    return out


def turnover(flows: pd.DataFrame) -> pd.DataFrame:
    """Exports + imports for every month both flows have; thousand USD summed as published."""
    key = ["period_start", "period_end"]
    exports = flows[flows["flow"] == "export"].set_index(key)
    imports = flows[flows["flow"] == "import"].set_index(key)
    both = exports.index.intersection(imports.index)
    if both.empty:
        return flows.iloc[0:0]
    total = exports.loc[both, "value_original"] + imports.loc[both, "value_original"]
    files = f"{exports['file'].iat[0]} + {imports['file'].iat[0]}"
    out = pd.DataFrame(
        {
            "flow": "turnover",
            "value_original": total,
            "valuation": "unknown",  # exports FOB + imports CIF
            "file": files,
            "citation": registry.citation(SOURCE, files, "turnover = exports + imports"),
            "location": files,
        },
        index=both,
    ).reset_index()
    return _finish(out[_FLOW_COLUMNS])


def dropped(frame: pd.DataFrame) -> list[Dropped]:
    """Lines read but not published: an empty value means BNS has not published the month."""
    return [
        Dropped(r.file, r.location, "empty value", f"{r.date},{r.value},{r.transformation}")
        for r in frame.itertuples(index=False)
        if r.value == ""
    ]


def _gaps(flows: pd.DataFrame) -> list[str]:
    """Warnings for months missing inside a flow's range (a gap breaks Jan–X sums)."""
    out = []
    for flow, group in flows.groupby("flow"):
        have = pd.PeriodIndex(group["period_start"], freq="M")
        every = pd.period_range(have.min(), have.max(), freq="M")
        missing = every.difference(have)
        if len(missing):
            shown = ", ".join(str(p) for p in missing[:12])
            out.append(f"{SOURCE}: {flow} has no value for {len(missing)} month(s): {shown}")
    return out


def read_file(path: Path) -> FileRead:
    _flow_of(path)  # before reading: a stray CSV is reported by name
    return FileRead(path, read(path))


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    return Tidy({"trade": normalize(faithful)}, dropped(faithful))


def finish(tidy: Tidy, reads: list[FileRead]) -> Tidy:
    """Turnover where both flows have the month, and warnings for months missing in a flow."""
    flows = tidy.frames["trade"]
    trade = pd.concat([flows, turnover(flows)], ignore_index=True)
    # One edition for the folder (exports and imports are released together): turnover and its
    # two flows must share a vintage for the turnover check and the newest-vintage choice.
    if len(trade):
        trade["vintage"] = VINTAGE.format(trade["period_start"].max())
    return Tidy({"trade": trade}, tidy.dropped, tidy.warnings + _gaps(flows))


def load(folder: Path) -> SourceResult:
    """exports.csv and imports.csv (either may be absent; turnover needs both)."""
    return read_folder(sys.modules[__name__], folder)

"""Eurostat Comext relational-view extract: EU member states' monthly exports to Kazakhstan.

Grain: reporter (EU member state, or an EU / euro-area aggregate) x partner x product x flow x
month, value in EUR (VALUE_IN_EUR is in euro, not thousands), FOB at the EU border. These are
partner-side (mirror) figures for Kazakhstan's imports: never put them in one share with BNS's
reporter-side figures. Months without trade are absent from the file (Malta), not written as 0.

The file is a concatenation of monthly extracts with one header line; repeated header lines
(a naive concatenation) are tolerated and listed as dropped.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from etl import countries, periods, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, FileRead, SourceResult, Tidy, read_folder
from etl.sources.text_files import RULE_CUT_SHORT, csv_rows, ends_cut_short, parse_decimal

SOURCE = "eurostat-comext-eu-exports-to-kaz-monthly"
PATTERNS = ("*.csv",)
NO_FILES = "no .csv file in the folder"
EACH_FILE = True  # each extract is checked alone; `finish` finds months given twice
VINTAGE = "2024-11-17 extract"
FAMILY = "comext"
REQUIRED = ["REPORTER", "PARTNER", "PRODUCT", "FLOW", "PERIOD", "VALUE_IN_EUR"]
OPTIONAL = ["STAT_PROCEDURE"]
# Comext flow code -> (tidy flow, label Comext writes after the code, valuation at the border)
FLOWS = {"1": ("import", "IMPORT", "CIF"), "2": ("export", "EXPORT", "FOB")}
TOTAL_PROCEDURE = "T"  # other procedures (inward processing, ...) are parts of the total
MISSING_VALUES = {"", ":"}  # ':' is Eurostat's "not available"
PERIOD_CODE = re.compile(r"^(\d{4})(\d{2})$")
PERIOD_LABEL = re.compile(r"^([A-Za-z]{3,4})\.?\s+(\d{4})$")
TRAILING_NOTE = re.compile(r"\s*\(.*\)\s*$")


# ---- read ------------------------------------------------------------------------------------


def read(path: Path) -> pd.DataFrame:
    """Faithful frame: one row per CSV line (repeated header lines included), texts as written,
    plus `file`, `line` and `location` ('line 12')."""
    header, rows = csv_rows(path, REQUIRED)
    if rows and ends_cut_short(path.read_bytes()):
        # VALUE_IN_EUR comes last: a cut line still splits into 7 fields, with a shorter number.
        line, fields = rows[-1]
        column = header[-1] if len(fields) == len(header) else "-"
        raise InputError([Problem(path.name, f"line {line}", column, fields[-1], RULE_CUT_SHORT)])
    frame = pd.DataFrame([fields for _, fields in rows], columns=header, dtype=object)
    for column in OPTIONAL:
        if column not in frame:
            frame[column] = None
    frame = frame[[*REQUIRED, *OPTIONAL]]
    frame.insert(0, "file", path.name)
    frame.insert(1, "line", [line for line, _ in rows])
    frame.insert(2, "location", [f"line {line}" for line, _ in rows])
    frame["is_header"] = [[f.strip() for f in fields] == header for _, fields in rows]
    return frame


# ---- normalize -------------------------------------------------------------------------------


def _code_label(text: str) -> tuple[str, str]:
    """'2-EXPORT' -> ('2', 'EXPORT'); 'TOTAL-Total' -> ('TOTAL', 'Total')."""
    code, _, label = str(text).strip().partition("-")
    return code.strip(), label.strip()


def parse_period(text: str) -> tuple[int, int]:
    """'202404-Apr. 2024' -> (2024, 4); a code alone or a label alone is accepted too.

    Raises ValueError when the code is not YYYYMM with a month 01–12, or the label disagrees.
    """
    code, _, label = str(text).strip().partition("-")
    if not PERIOD_CODE.match(code.strip()):
        code, label = "", str(text).strip()  # label only, e.g. 'Aug. 2024'
    found: list[tuple[int, int]] = []
    if code:
        year, month = (int(g) for g in PERIOD_CODE.match(code.strip()).groups())
        if not 1 <= month <= 12:
            raise ValueError(f"period code {code!r} is not a month (YYYYMM with month 01–12)")
        found.append((year, month))
    if label.strip():
        match = PERIOD_LABEL.match(label.strip())
        abbr = [m.casefold() for m in periods.MONTH_ABBR]
        if not match or match.group(1)[:3].casefold() not in abbr:
            raise ValueError(f"period label {label.strip()!r} is not a month such as 'Apr. 2024'")
        found.append((int(match.group(2)), abbr.index(match.group(1)[:3].casefold()) + 1))
    if not found:
        raise ValueError("period is empty")
    if len(set(found)) > 1:
        raise ValueError(f"period code and label disagree ({code!r} vs {label.strip()!r})")
    return found[0]


def to_code(label: str) -> str:
    """Comext label -> code; long notes such as "Italy (incl. San Marino 'SM' -> 1993)" are
    first looked up whole in etl/country_names/comext.csv, then without the parenthesis."""
    try:
        return countries.to_iso3(label, FAMILY)
    except countries.UnknownCountry:
        short = TRAILING_NOTE.sub("", label)
        if not short or short == label:
            raise
        try:
            return countries.to_iso3(short, FAMILY)
        except countries.UnknownCountry:
            raise countries.UnknownCountry(label, FAMILY) from None


def _parse_value(text: object) -> float:
    """Euro amount; raises ValueError for text, negatives and non-finite numbers."""
    cleaned = str(text).strip()
    if cleaned.casefold().lstrip("+-") in ("nan", "inf", "infinity"):
        raise ValueError("not a finite number")
    value = parse_decimal(cleaned)
    if value < 0:
        raise ValueError("exports and imports of goods cannot be negative")
    return value


def _row_problems(r: pd.Series, codes: dict[str, str | None]) -> tuple[dict, list[Problem]]:
    """Parse one data line; returns the parsed fields and every problem on that line."""
    problems: list[Problem] = []

    def problem(column: str, rule: str) -> None:
        problems.append(Problem(r["file"], r["location"], column, shorten(r[column]), rule))

    out: dict = {}
    for column, key in (("REPORTER", "reporter"), ("PARTNER", "partner")):
        out[key] = codes[r[column]]
        if out[key] is None:
            problem(column, f"unknown country or area; add it to etl/country_names/{FAMILY}.csv")
    flow_code, flow_label = _code_label(r["FLOW"])
    known = FLOWS.get(flow_code)
    if known is None or (flow_label and flow_label.upper() != known[1]):
        problem(
            "FLOW", f"unknown flow; expected one of {[f'{k}-{v[1]}' for k, v in FLOWS.items()]}"
        )
    else:
        out["flow"], _, out["valuation"] = known
    procedure = r["STAT_PROCEDURE"]
    if procedure is not None and _code_label(procedure)[0] != TOTAL_PROCEDURE:
        problem("STAT_PROCEDURE", "only the total of all procedures ('T-Total') is supported")
    out["commodity"] = _code_label(r["PRODUCT"])[0]
    if not out["commodity"]:
        problem("PRODUCT", "product code is empty")
    try:
        out["year"], out["month"] = parse_period(r["PERIOD"])
    except ValueError as exc:
        problem("PERIOD", str(exc))
    try:
        out["value"] = _parse_value(r["VALUE_IN_EUR"])
    except ValueError as exc:
        rule = str(exc) if "negative" in str(exc) or "finite" in str(exc) else "not a number"
        problem("VALUE_IN_EUR", rule)
    return out, problems


def _build(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Dropped]]:
    """Tidy rows and the dropped lines; raises InputError with every problem found."""
    dropped: list[Dropped] = []
    keep = []
    for idx, r in frame.iterrows():
        if r["is_header"]:
            dropped.append(Dropped(r["file"], r["location"], "repeated header line", "header"))
        elif str(r["VALUE_IN_EUR"]).strip() in MISSING_VALUES or r["VALUE_IN_EUR"] is None:
            content = shorten(",".join(str(r[c]) for c in REQUIRED), 160)
            dropped.append(Dropped(r["file"], r["location"], "no value (empty or ':')", content))
        else:
            keep.append(idx)
    data = frame.loc[keep]
    labels = set(data["REPORTER"]) | set(data["PARTNER"])
    codes: dict[str, str | None] = {}
    for label in labels:
        try:
            codes[label] = to_code(label)
        except countries.UnknownCountry:
            codes[label] = None

    problems: list[Problem] = []
    records: list[dict] = []
    seen: dict[tuple, str] = {}
    for _, r in data.iterrows():
        parsed, row_problems = _row_problems(r, codes)
        problems += row_problems
        if row_problems:
            continue
        key = tuple(
            parsed[k] for k in ("reporter", "partner", "commodity", "flow", "year", "month")
        )
        if key in seen:
            rule = f"same reporter, partner, product, flow and month as {seen[key]}"
            problems.append(Problem(r["file"], r["location"], "REPORTER", r["REPORTER"], rule))
            continue
        seen[key] = r["location"]
        start, end = periods.month_period(parsed["year"], parsed["month"])
        records.append(
            {
                "source": SOURCE,
                "reporter": parsed["reporter"],
                "reporter_label": r["REPORTER"],
                "partner": parsed["partner"],
                "partner_label": r["PARTNER"].strip(),
                "partner_is_aggregate": countries.is_aggregate(parsed["partner"]),
                "commodity": parsed["commodity"],
                "flow": parsed["flow"],
                "basis": "month",
                "period_start": start,
                "period_end": end,
                "value": parsed["value"],
                "value_original": parsed["value"],
                "unit_original": "EUR",
                "currency": "EUR",
                "value_usd": np.nan,  # no cited EUR/USD table yet; see etl/fx.py
                "valuation": parsed["valuation"],
                "vintage": VINTAGE,
                "citation": registry.citation(SOURCE, r["file"]),
                "flag": None,
                "location": f"{r['file']}: {r['location']}",
            }
        )
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(records), dropped


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy Trade rows (see etl.schemas.Trade) from `read()`'s frame; raises InputError."""
    return _build(frame)[0]


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    trade, dropped = _build(faithful)
    return Tidy({"trade": trade}, dropped)


def finish(tidy: Tidy, reads: list[FileRead]) -> Tidy:
    problems = _overlaps(tidy.frames["trade"])
    if problems:
        raise InputError(problems)
    return tidy


def load(folder: Path) -> SourceResult:
    """Every *.csv in the folder (one concatenated extract in the snapshot)."""
    return read_folder(sys.modules[__name__], folder)


def _overlaps(trade: pd.DataFrame) -> list[Problem]:
    """The same month in two extracts of the folder: the user must keep only one file."""
    if trade.empty:
        return []
    key = ["reporter", "partner", "commodity", "flow", "period_start"]
    twice = trade[trade.duplicated(key, keep=False)]
    out = []
    for _, group in twice.groupby(key):
        where = " and ".join(group["location"])
        rule = f"the same reporter, partner, product, flow and month appear in {where}"
        out.append(Problem(group["location"].iat[0].split(":")[0], "-", "-", "-", rule))
    return out

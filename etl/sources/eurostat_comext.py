"""Eurostat Comext relational-view extracts: EU member states' monthly trade with one partner.

Grain: reporter (EU member state, or an EU / euro-area aggregate) x partner x product x flow x
period, value in EUR (VALUE_IN_EUR is in euro, not thousands); EU exports FOB, EU imports CIF at
the EU border. These are partner-side (mirror) figures for the partner's trade: never put them in
one share with the partner's own reporter-side figures. Months without trade are absent from the
file (Malta), not written as 0. A row whose reporter is an aggregate (EU-27 `EUU`, euro area) is
flagged "aggregate reporter": it is the sum of the member states beside it, never added to them.

Layouts. Easy Comext writes labels with or without codes, depending on the download options:
`TOTAL-Total`, `2-EXPORT`, `T-Total`, `202408-Aug. 2024` (the Kazakhstan extract) or `Total`,
`EXPORT`, `Total`, `Aug. 2024` (the KGZ/UZB/RUS/ARM downloads); in other interface languages the
header and the words differ (`AUSFUHR`, `EXPORTATIONS`). Every spelling the reader accepts is a
row of etl/column_maps/eurostat_comext.csv, not a branch here. Periods: a month (`Aug. 2024`,
`202408`), a year (`2016`, `201652`, `Jan.-Dec. 2016`) or a cumulative period (`Jan.-Aug. 2024`,
basis ytd). A reporter may be given as a code ("EU27_2020") or a label.

A file may be a concatenation of monthly extracts with one header line; repeated header lines
(a naive concatenation) are tolerated and listed as dropped. The same row in two files of a folder
(a month downloaded twice) is counted once when the values agree, and an error when they differ.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from etl import countries, periods, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, FileRead, SourceResult, Tidy, read_folder
from etl.sources.text_files import (
    RULE_CUT_SHORT,
    csv_rows,
    decode_text,
    delimiter_problem,
    ends_cut_short,
    parse_decimal,
)

SOURCE = "eurostat-comext-eu-exports-to-kaz-monthly"
PATTERNS = ("*.csv",)
NO_FILES = "no .csv file in the folder"
EACH_FILE = True  # each extract is checked alone; `finish` finds rows given in two files
VINTAGE = "2024-11-17 extract"
FAMILY = "comext"
REQUIRED = ["REPORTER", "PARTNER", "PRODUCT", "FLOW", "PERIOD", "VALUE_IN_EUR"]
OPTIONAL = ["STAT_PROCEDURE"]
# Header spellings, flow words, the word for "total" and month names, per interface language.
COLUMN_MAP = Path(__file__).parents[1] / "column_maps" / "eurostat_comext.csv"
# Comext flow code -> (tidy flow, label Comext writes after the code, valuation at the border)
FLOWS = {"1": ("import", "IMPORT", "CIF"), "2": ("export", "EXPORT", "FOB")}
TOTAL_PROCEDURE = "T"  # other procedures (inward processing, ...) are parts of the total
TOTAL_PRODUCT = "TOTAL"
ANNUAL_CODE = "52"  # Comext's period code for a whole year: 201652 = Jan.-Dec. 2016
AGGREGATE_REPORTER = "aggregate reporter"
MISSING_VALUES = {"", ":"}  # ':' is Eurostat's "not available"
PERIOD_CODE = re.compile(r"^(\d{4})(\d{2})$")
PERIOD_LABEL = re.compile(r"^([^\W\d_]{3,5})\.?\s+(\d{4})$")
# 'Jan.-Dec. 2016', 'Jan.-Aug. 2024': a year or a cumulative period
RANGE_LABEL = re.compile(r"^([^\W\d_]{3,5})\.?\s*-\s*([^\W\d_]{3,5})\.?\s+(\d{4})$")
YEAR = re.compile(r"^(\d{4})$")
# 'EU27_2020-European Union - 27 countries (from 2020)', '2-EXPORT', 'TOTAL-Total', 'T-Total'
CODE_LABEL = re.compile(r"^([0-9A-Z_]+)-(.*)$")
TRAILING_NOTE = re.compile(r"\s*\(.*\)\s*$")


# ---- spellings -------------------------------------------------------------------------------


def word(text: object) -> str:
    """Lookup key of a header or word: NFKC, casefolded, dots dropped, spaces as underscores."""
    text = unicodedata.normalize("NFKC", str(text)).strip().rstrip(".").casefold()
    return re.sub(r"[\s_]+", "_", text)


@dataclass(frozen=True)
class Spellings:
    """etl/column_maps/eurostat_comext.csv as lookups: spelling key -> what it stands for."""

    headers: dict[str, str]  # 'meldeland' -> 'REPORTER'
    flows: dict[str, str]  # 'ausfuhr' -> '2'
    totals: frozenset[str]  # 'total', 'insgesamt'
    months: dict[str, int]  # 'mär' -> 3

    def flow_words(self, code: str) -> list[str]:
        return [w for w, c in self.flows.items() if c == code]


@cache
def spellings(path: Path = COLUMN_MAP) -> Spellings:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_kind: dict[str, dict[str, str]] = {"header": {}, "flow": {}, "total": {}, "month": {}}
    for r in rows:
        by_kind[r["kind"]][word(r["spelling"])] = r["key"]
    return Spellings(
        headers=by_kind["header"],
        flows=by_kind["flow"],
        totals=frozenset(by_kind["total"]),
        months={w: int(m) for w, m in by_kind["month"].items()},
    )


def canonical_header(header: list[str]) -> list[str]:
    """Each header cell as the reader's column name (REPORTER...), unknown ones kept as written."""
    known = spellings().headers
    return [known.get(word(h), h) for h in header]


# ---- read ------------------------------------------------------------------------------------


def read(path: Path, name: str | None = None) -> pd.DataFrame:
    """Faithful frame: one row per CSV line (repeated header lines included), texts as written,
    plus `file` (`name`, default the file name), `line` and `location` ('line 12'). Columns are
    renamed to the English names of the coded layout (REPORTER, ...) from the column map."""
    name = name or path.name
    header = _header(path)
    columns = canonical_header(header)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        rule = (
            f"missing column(s) {missing}; expected {REQUIRED} "
            "(or a spelling listed in etl/column_maps/eurostat_comext.csv)"
        )
        other = delimiter_problem(name, 1, header)
        raise InputError(
            [other or Problem(name, "line 1", "header", shorten(",".join(header)), rule)]
        )
    _, rows = csv_rows(path, [])
    if rows and ends_cut_short(path.read_bytes()):
        # VALUE_IN_EUR comes last: a cut line still splits into 7 fields, with a shorter number.
        line, fields = rows[-1]
        column = header[-1] if len(fields) == len(header) else "-"
        raise InputError([Problem(name, f"line {line}", column, fields[-1], RULE_CUT_SHORT)])
    frame = pd.DataFrame([fields for _, fields in rows], columns=columns, dtype=object)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    for column in OPTIONAL:
        if column not in frame:
            frame[column] = None
    frame = frame[[*REQUIRED, *OPTIONAL]]
    frame.insert(0, "file", name)
    frame.insert(1, "line", [line for line, _ in rows])
    frame.insert(2, "location", [f"line {line}" for line, _ in rows])
    frame["is_header"] = [[f.strip() for f in fields] == header for _, fields in rows]
    return frame


def _header(path: Path) -> list[str]:
    """The first line's fields; an unreadable, empty or wrongly encoded file raises as csv_rows
    says (the header is mapped through the column map before the rows are checked)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return csv_rows(path, REQUIRED)[0]  # raises, naming the file
    if not raw.strip():
        return csv_rows(path, REQUIRED)[0]  # raises "the file is empty"
    text, _ = decode_text(path.name, raw)
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(text, newline="")), [])]
    except csv.Error:
        return csv_rows(path, REQUIRED)[0]  # raises "malformed CSV", naming the line


# ---- normalize -------------------------------------------------------------------------------


def split_code(text: object) -> tuple[str, str]:
    """'2-EXPORT' -> ('2', 'EXPORT'); 'TOTAL-Total' -> ('TOTAL', 'Total'); 'EXPORT' -> ('',
    'EXPORT'): the code before the first '-' when it looks like a code."""
    text = str(text).strip()
    match = CODE_LABEL.match(text)
    return (match.group(1), match.group(2).strip()) if match else ("", text)


def _month(label: str) -> int | None:
    """'Apr' / 'Sept' / 'Mär' / 'févr' -> month number, from the column map (English: 3 letters)."""
    months = spellings().months
    key = word(label)
    if key in months or not key.isascii():
        return months.get(key)
    return months.get(key[:3])  # English names by their first three letters: 'Sept', 'June'


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
        month = _month(match.group(1)) if match else None
        if month is None:
            raise ValueError(f"period label {label.strip()!r} is not a month such as 'Apr. 2024'")
        found.append((int(match.group(2)), month))
    if not found:
        raise ValueError("period is empty")
    if len(set(found)) > 1:
        raise ValueError(f"period code and label disagree ({code!r} vs {label.strip()!r})")
    return found[0]


def parse_span(text: str) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    """Basis and dates of a PERIOD cell: a month, a year ('2016', '201652', 'Jan.-Dec. 2016') or
    a cumulative period ('Jan.-Aug. 2024' -> ytd). Raises ValueError naming what is wrong."""
    text = str(text).strip()
    code, _, label = text.partition("-")
    if PERIOD_CODE.match(code) and code.endswith(ANNUAL_CODE):
        year = int(code[:4])
        if label.strip() and parse_span(label.strip())[:2] != ("year", pd.Timestamp(year, 1, 1)):
            raise ValueError(f"period code and label disagree ({code!r} vs {label.strip()!r})")
        return ("year", *periods.year_period(year))
    if YEAR.match(text):
        return ("year", *periods.year_period(int(text)))
    span = RANGE_LABEL.match(text)
    if span:
        first, last = _month(span.group(1)), _month(span.group(2))
        if first != 1 or last is None:
            raise ValueError(
                f"period {text!r} is not a year or a cumulative period from January "
                "such as 'Jan.-Dec. 2016' or 'Jan.-Aug. 2024'"
            )
        year = int(span.group(3))
        if last == 12:
            return ("year", *periods.year_period(year))
        return ("ytd", *periods.ytd_period(year, last))
    year, month = parse_period(text)
    return ("month", *periods.month_period(year, month))


def to_code(label: str) -> str:
    """Comext label -> code; long notes such as "Italy (incl. San Marino 'SM' -> 1993)" are
    first looked up whole in etl/country_names/comext.csv, then without the parenthesis, then
    a coded label ('EU27_2020-European Union ...') by its code and by its label."""
    try:
        return countries.to_iso3(label, FAMILY)
    except countries.UnknownCountry:
        pass
    short = TRAILING_NOTE.sub("", label)
    code, rest = split_code(label)
    for attempt in (short, code, rest, TRAILING_NOTE.sub("", rest)):
        if attempt and attempt != label:
            try:
                return countries.to_iso3(attempt, FAMILY)
            except countries.UnknownCountry:
                continue
    raise countries.UnknownCountry(label, FAMILY)


def _parse_value(text: object) -> float:
    """Euro amount; raises ValueError for text, negatives and non-finite numbers."""
    cleaned = str(text).strip()
    if cleaned.casefold().lstrip("+-") in ("nan", "inf", "infinity"):
        raise ValueError("not a finite number")
    value = parse_decimal(cleaned)
    if value < 0:
        raise ValueError("exports and imports of goods cannot be negative")
    return value


def _flow_code(text: object) -> str | None:
    """'2-EXPORT', 'EXPORT', 'AUSFUHR', '2-AUSFUHR' -> '2'; None when unknown or contradictory."""
    known = spellings()
    code, label = split_code(text)
    if not code:
        return known.flows.get(word(label))
    if code not in FLOWS or (label and known.flows.get(word(label)) != code):
        return None
    return code


def _is_total(text: object, code_for_total: str) -> bool:
    code, label = split_code(text)
    return code == code_for_total if code else word(label) in spellings().totals


def _commodity(text: object) -> str | None:
    """'TOTAL-Total' / '01-Live animals' -> the code; 'Total' / 'Insgesamt' -> 'TOTAL'."""
    code, label = split_code(text)
    if code:
        return code
    return TOTAL_PRODUCT if word(label) in spellings().totals else None


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
    flow_code = _flow_code(r["FLOW"])
    if flow_code is None:
        expected = [f"{k}-{v[1]}" for k, v in FLOWS.items()]
        problem(
            "FLOW",
            f"unknown flow; expected one of {expected} or a flow word listed in "
            "etl/column_maps/eurostat_comext.csv",
        )
    else:
        out["flow"], _, out["valuation"] = FLOWS[flow_code]
    procedure = r["STAT_PROCEDURE"]
    if procedure is not None and not _is_total(procedure, TOTAL_PROCEDURE):
        problem(
            "STAT_PROCEDURE", "only the total of all procedures ('T-Total', 'Total') is supported"
        )
    out["commodity"] = _commodity(r["PRODUCT"])
    if not out["commodity"]:
        problem(
            "PRODUCT",
            "product without a code: a download without codes can be read for the total "
            "('Total') only; download the products with their codes",
        )
    try:
        out["basis"], out["start"], out["end"] = parse_span(r["PERIOD"])
    except ValueError as exc:
        problem("PERIOD", str(exc))
    try:
        out["value"] = _parse_value(r["VALUE_IN_EUR"])
    except ValueError as exc:
        rule = str(exc) if "negative" in str(exc) or "finite" in str(exc) else "not a number"
        problem("VALUE_IN_EUR", rule)
    return out, problems


def _build(frame: pd.DataFrame, source: str, vintage: str) -> tuple[pd.DataFrame, list[Dropped]]:
    """Tidy rows and the dropped lines; raises InputError with every problem found."""
    dropped: list[Dropped] = []
    keep = []
    for idx, r in frame.iterrows():
        if r["is_header"]:
            dropped.append(Dropped(r["file"], r["location"], "repeated header line", "header"))
        elif r["VALUE_IN_EUR"] is None or str(r["VALUE_IN_EUR"]).strip() in MISSING_VALUES:
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
        key = tuple(parsed[k] for k in ("reporter", "partner", "commodity", "flow", "start", "end"))
        if key in seen:
            rule = f"same reporter, partner, product, flow and month as {seen[key]}"
            problems.append(Problem(r["file"], r["location"], "REPORTER", r["REPORTER"], rule))
            continue
        seen[key] = r["location"]
        aggregate_reporter = countries.is_aggregate(parsed["reporter"])
        records.append(
            {
                "source": source,
                "reporter": parsed["reporter"],
                "reporter_label": r["REPORTER"],
                "partner": parsed["partner"],
                "partner_label": r["PARTNER"].strip(),
                "partner_is_aggregate": countries.is_aggregate(parsed["partner"]),
                "commodity": parsed["commodity"],
                "flow": parsed["flow"],
                "basis": parsed["basis"],
                "period_start": parsed["start"],
                "period_end": parsed["end"],
                "value": parsed["value"],
                "value_original": parsed["value"],
                "unit_original": "EUR",
                "currency": "EUR",
                "value_usd": np.nan,  # added by etl/fx.py from a cited EUR/USD table
                "valuation": parsed["valuation"],
                "vintage": vintage,
                "citation": registry.citation(source, r["file"]),
                "flag": AGGREGATE_REPORTER if aggregate_reporter else None,
                "location": f"{r['file']}: {r['location']}",
            }
        )
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(records), dropped


def normalize(frame: pd.DataFrame, source: str = SOURCE, vintage: str = VINTAGE) -> pd.DataFrame:
    """Tidy Trade rows (see etl.schemas.Trade) from `read()`'s frame; raises InputError."""
    return _build(frame, source, vintage)[0]


def tidy_for(faithful: pd.DataFrame, source: str, vintage: str) -> Tidy:
    """`tidy_frames` for any folder of Comext extracts (this one's or another source's)."""
    trade, dropped = _build(faithful, source, vintage)
    return Tidy({"trade": trade}, dropped)


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    return tidy_for(faithful, SOURCE, VINTAGE)


def finish(tidy: Tidy, reads: list[FileRead]) -> Tidy:
    """Rows given in two files: identical ones counted once (dropped with a note), else an error."""
    trade, dropped, problems = deduplicate(tidy.frames.get("trade", pd.DataFrame()))
    if problems:
        raise InputError(problems)
    return Tidy({**tidy.frames, "trade": trade}, [*tidy.dropped, *dropped], tidy.warnings)


def load(folder: Path) -> SourceResult:
    """Every *.csv in the folder (one concatenated extract in the snapshot)."""
    return read_folder(sys.modules[__name__], folder)


KEY = ["reporter", "partner", "commodity", "flow", "period_start", "period_end"]


def _file_of(location: str) -> str:
    return location.rsplit(": line ", 1)[0]


def deduplicate(trade: pd.DataFrame) -> tuple[pd.DataFrame, list[Dropped], list[Problem]]:
    """The same row in two extracts of the folder (a month downloaded twice).

    Same value: the first file's row is kept and the later one dropped with a note naming the
    kept row. Different values: an error naming both places; the user must keep one file.
    """
    if trade.empty:
        return trade, [], []
    twice = trade[trade.duplicated(KEY, keep=False)]
    dropped: list[Dropped] = []
    problems: list[Problem] = []
    drop_index: list = []
    for _, group in twice.groupby(KEY, sort=False):
        first = group.iloc[0]
        if group["value"].nunique() == 1:
            for idx, r in group.iloc[1:].iterrows():
                reason = (
                    f"same reporter, partner, product, flow, period and value as "
                    f"in {first['location']} (a period downloaded twice, counted once)"
                )
                content = (
                    f"{r['reporter_label']},{r['partner_label']},{r['flow']},{r['value']:,.0f}"
                )
                place = r["location"].rsplit(": ", 1)
                dropped.append(Dropped(place[0], place[-1], reason, content))
                drop_index.append(idx)
        else:
            where = " and ".join(
                f"{loc} ({v:,.0f} EUR)"
                for loc, v in zip(group["location"], group["value"], strict=True)
            )
            rule = (
                f"the same reporter, partner, product, flow and period appear with different "
                f"values in {where}: keep only one of these files"
            )
            problems.append(Problem(_file_of(first["location"]), "-", "VALUE_IN_EUR", "-", rule))
    return trade.drop(index=drop_index).reset_index(drop=True), dropped, problems

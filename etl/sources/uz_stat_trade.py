"""Statistics Agency of Uzbekistan (stat.uz): exports and imports by partner, open-data CSV.

Input: UTF-8 (with BOM) CSV, `Code,Klassifikator,Klassifikator_ru,Klassifikator_en,2010,...`:
one row per partner, `Code` its numeric ISO 3166 / M49 code, values in thousand USD with one
decimal. The file does not name its flow or unit; the dataset id in the file name does
(`sdmx_data_1105.csv` exports by country of destination, `sdmx_data_1176.csv` imports by country
of origin, per the agency's dataset pages), so an unknown id is refused, never guessed.

Grain of the tidy frame: reporter UZB x partner x flow x year, value in USD. No total row is
published: a World row (partner WLD) is DERIVED as the sum of all partners of the year and
flagged 'sum of partners (no total published)'. Valuation is not stated: 'unknown'.
Code 0 'Other countries' is kept as the aggregate XOT; 736 (Sudan's code before 2011) is SDN.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import pandas as pd
import pycountry

from etl import countries, periods, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, FileRead, SourceResult, Tidy, read_folder
from etl.sources.text_files import decode_text, parse_decimal
from etl.sources.trade_rows import trade_frame

SOURCE = "uz-stat-trade-by-country"
PATTERNS = ("sdmx_data_*.csv",)
EACH_FILE = True
REPORTER = "UZB"
VALUATION = "unknown"
# Dataset id (from the file name) -> (flow, currency, factor, unit_original)
DATASETS = {
    "1105": ("export", "USD", 1e3, "thousand USD"),
    "1176": ("import", "USD", 1e3, "thousand USD"),
}
# 'sdmx_data_1105.csv' as downloaded; a later download kept beside it may carry a suffix
# ('sdmx_data_1105 (1).csv', 'sdmx_data_1105_2024.csv').
FILE_NAME = re.compile(r"^sdmx_data_(\d+)(?:[ _.(-][^/]*)?\.csv$", re.IGNORECASE)
HEADER_SEARCH = 5  # title lines a later edition may put above the header
LABEL_COLUMNS = ["Code", "Klassifikator", "Klassifikator_ru", "Klassifikator_en"]
YEAR = re.compile(r"^(?:19|20)\d{2}$")
# M49 codes pycountry does not hold (as current or former ISO 3166 numeric codes).
M49_EXTRA = {"0": "XOT", "736": "SDN"}
WORLD_FLAG = "sum of partners (no total published)"

RULE_DATASET = (
    f"unknown stat.uz dataset id; known: {', '.join(f'{k} ({v[0]}s)' for k, v in DATASETS.items())}"
    " — its flow and unit must be added to DATASETS before it is read"
)
RULE_COLUMNS = f"the header must be {LABEL_COLUMNS} followed by year columns (2010, 2011, ...)"
RULE_CODE = "not a numeric ISO 3166 / M49 country code known to pycountry or M49_EXTRA"
RULE_NUMBER = "expected a number in thousand USD with a decimal point, or an empty cell"
RULE_NEGATIVE = "exports and imports cannot be negative"
RULE_TWICE = "the same partner code appears twice"
RULE_FIELDS = "the line has a different number of fields than the header"
RULE_UNKNOWN_COLUMN = (
    "a column that is neither a label nor a year: it may change what the values mean (a unit, "
    "a flow); if it does not, remove the column and run again"
)
RULE_SAME_EDITION = (
    "two files hold the same dataset with data to the same year: keep one of them in the folder "
    "(the later download)"
)

FAITHFUL_COLUMNS = [
    "file",
    "line",
    "code",
    "label_uz",
    "label_ru",
    "label_en",
    "year",
    "cell",
]


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame: one row per partner line x year column, the cell text as written."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(name, "-", "-", "-", f"cannot read the file ({exc})")]) from exc
    text, _ = decode_text(name, raw)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise InputError([Problem(name, "line 1", "-", "", "the file is empty")])
    at = next(
        (i for i, row in enumerate(rows[:HEADER_SEARCH]) if [h.strip() for h in row[:4]]
         == LABEL_COLUMNS),
        0,
    )  # fmt: skip
    header = [h.strip() for h in rows[at]]
    years = [(j, h) for j, h in enumerate(header) if YEAR.match(h)]
    where = f"line {at + 1}"
    if header[:4] != LABEL_COLUMNS or not years:
        raise InputError([Problem(name, where, "header", shorten(",".join(header)), RULE_COLUMNS)])
    unknown = [h for j, h in enumerate(header) if j >= 4 and not YEAR.match(h)]
    if unknown:
        raise InputError(
            [Problem(name, where, "header", shorten(h), RULE_UNKNOWN_COLUMN) for h in unknown]
        )
    records, problems = [], []
    for line, fields in enumerate(rows[at + 1 :], start=at + 2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            problems.append(
                Problem(name, f"line {line}", "-", shorten(",".join(fields)), RULE_FIELDS)
            )
            continue
        labels = [f.strip() for f in fields[:4]]
        for j, year in years:
            records.append((name, line, *labels, year, fields[j].strip()))
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(records, columns=FAITHFUL_COLUMNS)


def partner_code(code: str) -> str:
    """Numeric M49 / ISO 3166 code -> alpha-3 (or aggregate); raises UnknownCountry."""
    if code in M49_EXTRA:
        return M49_EXTRA[code]
    if not code.isdigit():
        raise countries.UnknownCountry(code, "numeric code")
    hit = pycountry.countries.get(numeric=code.zfill(3)) or pycountry.historic_countries.get(
        numeric=code.zfill(3)
    )
    if hit is None:
        raise countries.UnknownCountry(code, "numeric code")
    return hit.alpha_3


def tidy_frames(frame: pd.DataFrame) -> Tidy:
    """Tidy Trade rows and the cells left out, from `read()`'s frame; raises InputError."""
    problems: list[Problem] = []
    dropped: list[Dropped] = []
    file = frame["file"].iat[0]
    hit = FILE_NAME.match(file)
    dataset = DATASETS.get(hit.group(1)) if hit else None
    if dataset is None:
        problems.append(Problem(file, "file name", "-", file, RULE_DATASET))
        raise InputError(problems)
    flow, currency, factor, unit = dataset
    codes: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for r in frame.drop_duplicates("line").itertuples(index=False):
        if r.code in first_line:
            rule = f"{RULE_TWICE} (first on line {first_line[r.code]})"
            problems.append(Problem(file, f"line {r.line}", "Code", r.code, rule))
            continue
        first_line[r.code] = r.line
        try:
            codes[r.code] = partner_code(r.code)
        except countries.UnknownCountry:
            problems.append(Problem(file, f"line {r.line}", "Code", shorten(r.code), RULE_CODE))
    records = []
    for r in frame.itertuples(index=False):
        where = f"line {r.line}, column {r.year}"
        if r.cell == "":
            dropped.append(Dropped(file, where, "empty cell (no data)", r.label_en))
            continue
        try:
            value = parse_decimal(r.cell)
        except ValueError:
            problems.append(Problem(file, where, r.year, shorten(r.cell), RULE_NUMBER))
            continue
        if value < 0:
            problems.append(Problem(file, where, r.year, r.cell, RULE_NEGATIVE))
            continue
        if r.code not in codes:
            continue
        records.append(
            {"partner": codes[r.code], "partner_label": r.label_en, "year": int(r.year),
             "value_original": value, "flag": None, "location": f"{file}, {where}", "line": r.line}
        )  # fmt: skip
    if problems:
        raise InputError(problems)
    long = pd.DataFrame.from_records(records)
    world = long.groupby("year", as_index=False).agg(
        value_original=("value_original", "sum"), lines=("line", "max"), n=("line", "size")
    )
    world = pd.DataFrame(
        {
            "partner": "WLD",
            "partner_label": "World (sum of partners)",
            "year": world["year"],
            # Cells have one decimal: rounding the sum removes float noise, nothing else.
            "value_original": world["value_original"].round(1),
            "flag": WORLD_FLAG,
            "location": [
                f"{file}, sum of column {y} over {n} partner lines (lines 2–{last})"
                for y, n, last in zip(world["year"], world["n"], world["lines"], strict=True)
            ],
        }
    )
    long = pd.concat([long.drop(columns="line"), world], ignore_index=True)
    return Tidy({"trade": _tidy(long, file, flow, currency, factor, unit)}, dropped)


def _tidy(
    long: pd.DataFrame, file: str, flow: str, currency: str, factor: float, unit: str
) -> pd.DataFrame:
    bounds = [periods.year_period(y) for y in long["year"]]
    cite = registry.citation(SOURCE, file)
    world_cite = registry.citation(SOURCE, file, f"World = {WORLD_FLAG}")
    is_world = long["flag"].eq(WORLD_FLAG)
    return trade_frame(
        long,
        source=SOURCE,
        reporter=REPORTER,
        flow=flow,
        factor=factor,
        unit_original=unit,
        currency=currency,
        valuation=VALUATION,
        basis="year",
        period_start=[b[0] for b in bounds],
        period_end=[b[1] for b in bounds],
        vintage=f"edition with data to {long['year'].max()}",
        citation=is_world.map({True: world_cite, False: cite}),
        flag=long["flag"].astype("string"),
    )


def finish(tidy: Tidy, reads: list[FileRead]) -> Tidy:
    """Refuse two files of one dataset and edition (their rows would share every key); files
    of one dataset with different last years are kept side by side as vintages."""
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for got in reads:
        hit = FILE_NAME.match(got.path.name)
        if got.unread is not None or hit is None or got.frame.empty:
            continue
        edition = (hit.group(1), str(got.frame["year"].max()))
        if edition in seen:
            value = f"dataset {edition[0]}, data to {edition[1]}, also in {seen[edition]}"
            problems.append(Problem(got.path.name, "whole file", "-", value, RULE_SAME_EDITION))
        seen.setdefault(edition, got.path.name)
    if problems:
        raise InputError(problems)
    return tidy


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy Trade rows (etl.schemas.Trade) with the derived World row; raises InputError."""
    return tidy_frames(frame).frames["trade"]


def load(folder: Path) -> SourceResult:
    """Every sdmx_data_*.csv in the folder; each file normalised alone."""
    return read_folder(sys.modules[__name__], folder)

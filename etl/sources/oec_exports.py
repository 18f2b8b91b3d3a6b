"""OEC (Observatory of Economic Complexity): exports by exporter and HS section, from BACI HS92.

Grain: exporter x World x HS section (1-21) x the three years 2019-2021 summed, USD. The file
(`global_exports.csv`: Country ID, Country, Section ID, Section, Trade Value) has no year column;
per its origin (Datawheel/py-economic-complexity test data) each value is the 2019-2021 sum, so
the basis is '3-year sum', never a year. OEC country ids are a two-letter continent prefix plus
ISO alpha-3 ('askaz' = Kazakhstan); ids that are not ISO codes map only through
etl/country_names/oec_ids.csv, and any other id is refused. The table has no total row:
total_value and coverage stay empty (the 21 sections are every HS chapter, so the sum of an
exporter's sections is its total, which is what etl.concentration uses when no total is given).
"""

from __future__ import annotations

import csv
import re
import sys
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from etl import countries, products, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import SourceResult, Tidy, read_folder
from etl.sources.text_files import csv_rows

SOURCE = "oec-exports-by-hs-section"
PATTERNS = ("global_exports.csv",)
COLUMNS = ["Country ID", "Country", "Section ID", "Section", "Trade Value"]
CLASSIFICATION = f"{products.HS_SECTION} (HS92)"
BASIS = "3-year sum"
PERIOD = (pd.Timestamp(2019, 1, 1), pd.Timestamp(2021, 12, 31))
VINTAGE = "py-economic-complexity test extract @782f6a6 (BACI HS92)"
OEC_ID = re.compile(r"^(af|as|eu|na|oc|sa|an)([a-z]{3})$")
CONTINENTS = "af, as, eu, na, oc, sa, an"


@cache
def _id_table() -> dict[str, str]:
    """OEC ids that are not continent + ISO alpha-3 -> the code they stand for."""
    path = resources.files("etl") / "country_names" / "oec_ids.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["oec_id"].strip(): row["iso3"].strip() for row in csv.DictReader(fh)}


def reporter_code(oec_id: str) -> str:
    """'askaz' -> 'KAZ'; ValueError for an id that is neither listed nor continent + ISO code."""
    listed = _id_table().get(oec_id)
    if listed is not None:
        return listed
    match = OEC_ID.match(oec_id)
    if not match:
        raise ValueError(
            f"not an OEC country id (continent prefix {CONTINENTS} + ISO alpha-3, e.g. 'askaz')"
        )
    code = match[2].upper()
    if code not in countries.known_codes() or countries.is_aggregate(code):
        raise ValueError(
            f"{code!r} is not an ISO 3166 alpha-3 country code: add the OEC id to "
            "etl/country_names/oec_ids.csv with the code it stands for"
        )
    return code


def read(path: Path) -> pd.DataFrame:
    """Faithful frame: the five columns as text, plus the line number of each row."""
    header, rows = csv_rows(path, COLUMNS)
    at = [header.index(c) for c in COLUMNS]
    frame = pd.DataFrame([[f[i] for i in at] for _, f in rows], columns=COLUMNS, dtype=object)
    frame.insert(0, "line", [line for line, _ in rows])
    frame.insert(0, "file", path.name)
    return frame


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    """One products row per exporter x section; InputError lists every bad id, section or value."""
    problems: list[Problem] = []
    records: list[dict] = []
    # Positions in each tuple: file, line, Country ID, Country, Section ID, Section, Trade Value.
    for rec in faithful.itertuples(index=False):
        file, where = rec.file, f"line {rec.line}"
        oec_id, section, cell = rec[2].strip(), rec[4].strip(), rec[6].strip()
        try:
            reporter = reporter_code(oec_id)
        except ValueError as exc:
            problems.append(Problem(file, where, "Country ID", shorten(oec_id), str(exc)))
            continue
        if not section.isdigit() or not 1 <= int(section) <= 21:
            rule = "expected an HS section number 1-21"
            problems.append(Problem(file, where, "Section ID", shorten(section), rule))
            continue
        try:
            value = float(cell)
        except ValueError:
            value = np.nan
        if not np.isfinite(value) or value < 0:
            rule = "expected a non-negative number of USD"
            problems.append(Problem(file, where, "Trade Value", shorten(cell), rule))
            continue
        records.append(
            {
                "reporter": reporter,
                "product_code": str(int(section)),
                "product_label": rec[5].strip(),
                "product_label_en": products.label_en("section", section),
                "value": value,
                "value_original": value,
                "location": f"{file}, {where}, column 'Trade Value'",
                "citation": registry.citation(SOURCE, file, "exports 2019-2021 summed"),
            }
        )
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame.from_records(records)
    frame = frame.assign(
        source=SOURCE, partner="WLD", flow="export", classification=CLASSIFICATION,
        is_range=False, basis=BASIS, period_start=PERIOD[0], period_end=PERIOD[1],
        unit_original="USD", currency="USD", total_value=np.nan, coverage=np.nan,
        vintage=VINTAGE, flag=None,
    )  # fmt: skip
    return Tidy({"products": frame})


def load(folder: Path) -> SourceResult:
    """global_exports.csv of the folder."""
    return read_folder(sys.modules[__name__], folder)

"""Russian customs (FCS, ФТС России): what the folder's table readers share.

The FCS workbooks in ru-fcs-foreign-trade/ come in several layouts, each with its own reader
(`ru_fcs_partners` for 96stran, `ru_fcs_totals` for 94itog, `ru_fcs_continents` for the страны
tables, `ru_fcs_products` for the product tables), each listed under the folder in
`etl.sources.READERS`. They share the reporter (RUS), the unit headings («(млн долларов США)»,
«(млрд. долл. США)»), the Russian partner names (etl/country_names/ru.csv) and the shape of a
tidy row.

Valuation: FCS methodology values exports FOB and imports CIF, but none of these tables says so,
so rows carry valuation "unknown" (the schema's word for "not stated by the table").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import countries
from etl.errors import InputError, Problem, shorten
from etl.sources.trade_rows import sheet_citations, trade_frame
from etl.sources.workbooks import column_letter, open_workbook, sheet_rows

SOURCE = "ru-fcs-foreign-trade"
REPORTER = "RUS"
FAMILY = "ru"
CURRENCY = "USD"
VALUATION = "unknown"

# "(млн доллалов США)" (sic, 96stran), "(млн долларов США)" (94itog), "(млрд. долл. США)" (страны).
UNIT = re.compile(r"\(\s*(тыс|млн|млрд)\s*\.?\s*(долл\w*)\s*\.?\s*сша\s*\)", re.IGNORECASE)
# Any parenthesised amount heading, to refuse one in another currency ("(млн рублей)").
UNIT_LIKE = re.compile(r"\(\s*(тыс|млн|млрд)\b[^)]*\)", re.IGNORECASE)
SCALES = {"тыс": (1e3, "thousand USD"), "млн": (1e6, "million USD"), "млрд": (1e9, "billion USD")}
RULE_UNIT = (
    "unit heading must be thousand, million or billion US dollars, e.g. «(млн долларов США)»; "
    "other units or currencies are not converted"
)
RULE_NO_UNIT = "no unit heading such as «(млн долларов США)» above the table"
RULE_NUMBER = "expected a number (a value in the table's unit) or an empty cell"
RULE_NEGATIVE = "exports and imports cannot be negative"
RULE_PARTNER = f"unknown partner name; add it to etl/country_names/{FAMILY}.csv with its code"

# Russian statistical symbols for "no figure": «…» data not available (96stran: Kazakhstan from
# July 2010, when customs controls on the Russia–Kazakhstan border ended), «-» no flow.
NOT_AVAILABLE = ("…", "...", "-", "–", "—")

FLOW_WORDS = {"экспорт": "export", "импорт": "import"}
MONTH_STEMS = (
    "январ", "феврал", "март", "апрел", "ма[йяе]", "июн",
    "июл", "август", "сентябр", "октябр", "ноябр", "декабр",
)  # fmt: skip
MONTH = re.compile(r"^(" + "|".join(MONTH_STEMS) + r")\w*$", re.IGNORECASE)

# Latin letters that look like Cyrillic ones. 96stran writes «Китaй», «Гермaния», «Тaйвaнь» with
# a Latin 'a', which no alias table would match; a mixed-script label is read as Cyrillic.
HOMOGLYPHS = str.maketrans("aceopxyAEKMHOPCTXB", "асеорхуАЕКМНОРСТХВ")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class Unit:
    factor: float  # to base units (USD)
    original: str  # 'million USD'
    heading: str  # as the file writes it


def text(cell: object) -> str:
    """A cell as text, runs of whitespace (line breaks in headings) collapsed; '' when empty."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return re.sub(r"\s+", " ", str(cell)).strip()


def cyrillic_look_alikes(label: str) -> str:
    """«Китaй» (Latin a) -> «Китай»: Latin look-alikes replaced in labels written in Cyrillic.

    A label with no Cyrillic letter at all is left alone (a Latin name is not a typo).
    """
    return label.translate(HOMOGLYPHS) if CYRILLIC.search(label) else label


def partner_code(label: str) -> str:
    """Russian FCS label -> ISO alpha-3 or aggregate code; raises countries.UnknownCountry."""
    return countries.to_iso3(cyrillic_look_alikes(text(label)), FAMILY)


def flow_of(label: str) -> str | None:
    """'export' / 'import' from «Экспорт», «Импорт» (a sheet name, a heading); None otherwise."""
    words = re.findall(r"\w+", cyrillic_look_alikes(label).casefold())
    flows = {FLOW_WORDS[w] for w in words if w in FLOW_WORDS}
    return flows.pop() if len(flows) == 1 else None


def month_number(label: str) -> int | None:
    """«  январь» -> 1, «Май» -> 5; None when the label is not a month name."""
    match = MONTH.match(cyrillic_look_alikes(text(label)).casefold())
    if not match:
        return None
    return next(i + 1 for i, stem in enumerate(MONTH_STEMS) if re.fullmatch(stem, match[1]))


def year_of(cell: object) -> int | None:
    """A year cell: 2006, 2006.0 or the text '2006'; None otherwise."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float) and float(cell).is_integer() and 1900 <= cell <= 2100:
        return int(cell)
    match = re.fullmatch(r"(\d{4})(?:\s*(?:г\.?|год))?", text(cell))
    return int(match[1]) if match and 1900 <= int(match[1]) <= 2100 else None


def find_unit(file: str, where: str, heading: str) -> Unit | InputError | None:
    """The unit in a heading; an InputError for an amount heading in another unit; None if none."""
    match = UNIT.search(heading)
    if match:
        factor, original = SCALES[match[1].casefold()]
        return Unit(factor, original, match[0])
    other = UNIT_LIKE.search(heading)
    if other:
        return InputError([Problem(file, where, "unit", shorten(other[0]), RULE_UNIT)])
    return None


def table_unit(file: str, sheet: str, rows: list[list[object]]) -> Unit | None:
    """The first unit heading in `rows` (those above a table); None when there is none.

    Raises InputError for an amount heading in another unit («(млн рублей)»).
    """
    unit: Unit | None = None
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            found = find_unit(file, where(sheet, i, j), text(cell))
            if isinstance(found, InputError):
                raise found
            unit = unit or found
    return unit


def no_unit(file: str, sheet: str) -> Problem:
    return Problem(file, f"sheet '{sheet}'", "unit", "-", RULE_NO_UNIT)


def cell_record(
    file: str,
    sheet: str,
    at: tuple[int, int],
    label_location: str,
    flow: str,
    unit: Unit,
    partner_label: str,
    cell: object,
) -> dict[str, object]:
    """The faithful fields every FCS table gives a value cell at `at` (0-based row, column);
    each reader adds its period fields."""
    row, col = at
    return {
        "file": file,
        "sheet": sheet,
        "row": row + 1,
        "location": place(file, sheet, row, col),
        "label_location": label_location,
        "flow": flow,
        "unit_heading": unit.heading,
        "unit_original": unit.original,
        "factor": unit.factor,
        "partner_label": partner_label,
        "cell": cell,
    }


def number(cell: object) -> float | None:
    """A value cell -> float; None for an empty cell; ValueError for anything else."""
    if isinstance(cell, bool):
        raise ValueError("a true/false value is not a number")
    if isinstance(cell, int | float):
        if not math.isfinite(cell):
            raise ValueError("not a finite number")
        return float(cell)
    raw = text(cell)
    if raw in ("", *NOT_AVAILABLE):
        return None
    if not re.fullmatch(r"-?\d+(?:[.,]\d+)?", raw.replace(" ", "").replace("\xa0", "")):
        raise ValueError(f"not a number: {raw!r}")
    return float(raw.replace(" ", "").replace("\xa0", "").replace(",", "."))


def place(file: str, sheet: str, row: int, col: int | None = None) -> str:
    """'96stran.xlsx, sheet 'Экспорт', row 7, column B' from 0-based row and column indexes."""
    out = f"{file}, sheet '{sheet}', row {row + 1}"
    return out if col is None else f"{out}, column {column_letter(col)}"


def where(sheet: str, row: int, col: int | None = None) -> str:
    """The location part of a Problem (the file is named apart)."""
    out = f"sheet '{sheet}', row {row + 1}"
    return out if col is None else f"{out}, column {column_letter(col)}"


def sheets(path: Path) -> list[tuple[str, list[list[object]]]]:
    """Every sheet as rows of cells, row i being spreadsheet row i + 1 (empty rows kept)."""
    found = open_workbook(path, lambda book: sheet_rows(book, skip_empty_area=False))
    return [(name, [[None if c == "" else c for c in row] for row in rows]) for name, rows in found]


SheetReader = Callable[[str, str, list[list[object]]], tuple[list[dict], list[Problem]]]


def read_tables(
    path: Path, read_sheet: SheetReader, columns: list[str], no_table: str
) -> pd.DataFrame:
    """Faithful frame of every sheet's table, `read_sheet(file, sheet, rows)` giving each sheet's
    records and problems. Raises InputError with every sheet's problems, or `no_table` when no
    sheet holds one."""
    records: list[dict] = []
    problems: list[Problem] = []
    for sheet, rows in sheets(path):
        try:
            got, bad = read_sheet(path.name, sheet, rows)
        except InputError as exc:  # a sheet whose unit heading is in another unit
            got, bad = [], exc.problems
        records += got
        problems += bad
    if not records and not problems:
        problems.append(Problem(path.name, "-", "-", "-", no_table))
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(records, columns=columns)


TIDY_COLUMNS = [
    "source", "reporter", "partner", "partner_label", "partner_is_aggregate", "commodity", "flow",
    "basis", "period_start", "period_end", "value", "value_original", "unit_original", "currency",
    "value_usd", "valuation", "vintage", "citation", "location", "flag",
]  # fmt: skip


def tidy(faithful: pd.DataFrame, partners: dict[str, str]) -> pd.DataFrame:
    """Tidy Trade rows from a faithful frame with columns file, sheet, location, partner_label,
    flow, basis, period_start, period_end, value_original, unit_original, factor, vintage.

    `partners` maps each partner_label to its code (already checked by the caller)."""
    out = trade_frame(
        faithful,
        source=SOURCE,
        reporter=REPORTER,
        partner=faithful["partner_label"].map(partners),
        factor=faithful["factor"],
        currency=CURRENCY,
        valuation=VALUATION,
        period_start=pd.to_datetime(faithful["period_start"]),
        period_end=pd.to_datetime(faithful["period_end"]),
        citation=sheet_citations(SOURCE, faithful["file"], faithful["sheet"]),
        flag=pd.Series([None] * len(faithful), index=faithful.index, dtype="str"),
    )
    return out[TIDY_COLUMNS].reset_index(drop=True)


def partner_codes(faithful: pd.DataFrame) -> tuple[dict[str, str], list[Problem]]:
    """Code per distinct partner label, and one Problem per label no table maps."""
    codes: dict[str, str] = {}
    problems: list[Problem] = []
    for label, group in faithful.groupby("partner_label", sort=False):
        try:
            codes[str(label)] = partner_code(str(label))
        except countries.UnknownCountry:
            first = group.iloc[0]
            problems.append(
                Problem(first["file"], first["label_location"], "partner", str(label), RULE_PARTNER)
            )
    return codes, problems

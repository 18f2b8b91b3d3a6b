"""NSC Kyrgyzstan: geographic distribution of exports (4.03.00.18) and imports (4.03.00.20).

Input: .xlsx workbooks, trilingual: three label columns (Kyrgyz, Russian, English) left of one
column per year (headers 1994.0 ... '2023 1'). The title row says the flow, the row under it
the unit («(тыс. долларов США)» / «(thousand US dollars)»). Groups (EU, CIS, SCO, EAEU) and
continents are rows among the countries; they keep their aggregate codes. Footnote markers are
glued to labels and year headers ('2023 1', 'Бардыгы2') and explained in rows under the table
('1 Предварительные данные'): a marked value carries the footnote as its `flag` ('preliminary').

Grain of the tidy frame: reporter KGZ x partner (ISO alpha-3 or aggregate) x flow x year, in
USD (`value`; the file's thousand USD in value_original). '-' means no data: no row is
published and the cell is listed in `dropped`. The tables do not state the valuation (FOB/CIF),
so valuation is 'unknown'. 'Congo' is the Republic of the Congo (NSC lists Zaire apart).
A table in any unit other than thousand or million US dollars (e.g. «тыс. сомов») is refused.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import countries, periods
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, FileRead, SourceResult, Tidy, read_folder
from etl.sources.text_files import parse_decimal
from etl.sources.trade_rows import sheet_citations, trade_frame
from etl.sources.workbooks import column_letter, open_workbook, sheet_rows

SOURCE = "kg-nsc-foreign-trade"
PATTERNS = ("*_by_country*.xlsx",)  # later editions: "..._by_country_2024.xlsx"
EACH_FILE = True
REPORTER = "KGZ"
FAMILY = "kg_nsc"  # English labels; etl/country_names/kg_nsc.csv, then pycountry, then ru.csv
VALUATION = "unknown"  # the tables do not say FOB or CIF

# Unit heading (casefolded, brackets and dots dropped) -> (currency, factor, unit_original).
UNITS = {
    "thousand us dollars": ("USD", 1e3, "thousand USD"),
    "тыс долларов сша": ("USD", 1e3, "thousand USD"),
    "миң акш доллары": ("USD", 1e3, "thousand USD"),
    "million us dollars": ("USD", 1e6, "million USD"),
    "млн акш доллары": ("USD", 1e6, "million USD"),
    "млн долларов сша": ("USD", 1e6, "million USD"),
}
UNIT_HINT = re.compile(
    r"dollar|доллар|som\b|soms|сом|euro|евро|рубл|тенге|тыс|млн|thousand|million"
)
FLOW_WORDS = {
    "export": ("exports", "экспорт"),
    "import": ("imports", "импорт"),
}
YEAR_HEADER = re.compile(r"^((?:19|20)\d{2})(?:\.0)?\s*(\d{1,2})?$")
# 'Total 2', 'Бардыгы2': a one- or two-digit footnote marker glued to a label.
LABEL_MARKER = re.compile(r"^(.*?[^\d\s])\s*(\d{1,2})$")
FOOTNOTE = re.compile(r"^\s*(\d{1,2})\s+(\S.*)$")
# The imports table writes its English footnote with a Cyrillic «Р»: '1 Рreliminary data'.
PRELIMINARY = re.compile(r"[pр]reliminary|предварительн|алдын ала", re.IGNORECASE)
NO_DATA = {"", "-", "–", "—"}
MIN_YEARS = 3

RULE_UNIT = (
    "unit must be thousand or million US dollars («(тыс. долларов США)», '(thousand US "
    "dollars)'); a table in som or another currency is not read as USD: use the USD table"
)
RULE_NO_UNIT = "no unit heading (e.g. '(thousand US dollars)') above the year header"
RULE_UNITS_DIFFER = "the unit headings of the three languages disagree"
RULE_FLOW = "the title must say exports or imports ('Geographic distribution of exports of goods')"
RULE_NO_HEADER = "sheet holds values but no header row of years (1994, 1995, ...) was found"
RULE_LABEL_COLS = "the three label columns (Kyrgyz, Russian, English) must stand left of the years"
RULE_NUMBER = "expected a number (thousand USD), '-' (no data) or an empty cell"
RULE_NEGATIVE = "exports and imports cannot be negative"
RULE_NO_LABEL = "values in a row without a partner name"
RULE_UNKNOWN = f"unknown partner name; add it to etl/country_names/{FAMILY}.csv with its code"
RULE_TWICE_YEAR = "the same year heads two columns"

FAITHFUL_COLUMNS = [
    "file", "sheet", "row", "column", "location", "title", "flow", "unit", "year_label",
    "year", "year_marker", "label_ky", "label_ru", "label_en", "cell",
]  # fmt: skip


@dataclass(frozen=True)
class Sheet:
    """What one sheet says about its table: flow, unit, years and footnotes."""

    flow: str
    unit: str
    title: str
    header_row: int
    label_cols: tuple[int, int, int]
    years: dict[int, tuple[int, str | None, str]]  # column -> (year, marker, header as written)
    footnotes: dict[str, str]
    others: tuple[tuple[int, str], ...] = ()  # headed columns right of the labels, not years


def cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def place(sheet: str, row: int, col: int | None = None) -> str:
    """ "sheet 'Лист1', row 5, column D" with 1-based rows as a spreadsheet shows them."""
    cell = f", column {column_letter(col)}" if col is not None else ""
    return f"sheet '{sheet}', row {row + 1}{cell}"


def year_of(value: object) -> tuple[int, str | None] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value) and float(value).is_integer() and 1900 <= value <= 2100:
            return int(value), None
        return None
    hit = YEAR_HEADER.match(cell_text(value))
    return (int(hit.group(1)), hit.group(2)) if hit else None


def _unit_key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[().]", " ", text.casefold())).strip()


def _layout(file: str, sheet: str, rows: list[list]) -> Sheet | None:
    """The sheet's table layout; None for an empty sheet. Raises InputError."""
    header = None
    for i, row in enumerate(rows):
        years = [j for j, v in enumerate(row) if j >= 3 and year_of(v)]
        if len(years) >= MIN_YEARS:
            header = i
            break
    if header is None:
        filled = sum(isinstance(v, int | float) for row in rows for v in row)
        if filled:
            raise InputError([Problem(file, f"sheet '{sheet}'", "-", "-", RULE_NO_HEADER)])
        return None
    problems: list[Problem] = []
    years: dict[int, tuple[int, str | None, str]] = {}
    seen: dict[int, int] = {}
    for j, v in enumerate(rows[header]):
        got = year_of(v) if j >= 3 else None
        if got is None:
            continue
        if got[0] in seen:
            where = place(sheet, header, j)
            problems.append(Problem(file, where, column_letter(j), cell_text(v), RULE_TWICE_YEAR))
        seen[got[0]] = j
        years[j] = (got[0], got[1], cell_text(v))
    first = min(years)
    if first < 3:
        problems.append(Problem(file, place(sheet, header), "-", "-", RULE_LABEL_COLS))
    label_cols = (first - 3, first - 2, first - 1)

    # Title and unit: the label cells above the header, in any of the three languages.
    flows: set[str] = set()
    title = ""
    units: list[tuple[str, int, int]] = []
    for i in range(header):
        for j in label_cols:
            text = cell_text(rows[i][j]) if j < len(rows[i]) else ""
            low = text.casefold()
            hits = {f for f, words in FLOW_WORDS.items() if any(w in low for w in words)}
            if hits:
                flows |= hits
                title = title or text
            elif UNIT_HINT.search(low):
                units.append((text, i, j))
    if len(flows) != 1:
        problems.append(Problem(file, f"sheet '{sheet}'", "title", shorten(title), RULE_FLOW))
    found = set()
    for text, i, j in units:
        unit = UNITS.get(_unit_key(text))
        if unit is None:
            where = place(sheet, i, j)
            problems.append(Problem(file, where, column_letter(j), shorten(text), RULE_UNIT))
        else:
            found.add(unit[2])
    if not units:
        problems.append(Problem(file, f"sheet '{sheet}'", "unit", "(none)", RULE_NO_UNIT))
    elif len(found) > 1:
        text = " / ".join(t for t, _, _ in units)
        problems.append(Problem(file, f"sheet '{sheet}'", "unit", text, RULE_UNITS_DIFFER))
    if problems:
        raise InputError(problems)

    footnotes: dict[str, str] = {}
    for row in rows[header + 1 :]:
        if any(_cell_has_value(row[j]) for j in years if j < len(row)):
            continue
        for j in (label_cols[2], label_cols[1]):  # English first, else Russian
            hit = FOOTNOTE.match(cell_text(row[j]) if j < len(row) else "")
            if hit:
                footnotes.setdefault(hit.group(1), hit.group(2))
    unit_name = next(iter(found))
    others = tuple(
        (j, cell_text(v))
        for j, v in enumerate(rows[header])
        if j > label_cols[2] and j not in years and cell_text(v)
    )
    return Sheet(flows.pop(), unit_name, title, header, label_cols, years, footnotes, others)


def _cell_has_value(value: object) -> bool:
    return cell_text(value) not in NO_DATA


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame (see `read_file`)."""
    return read_file(path).frame


def read_file(path: Path) -> FileRead:
    """Faithful long frame: one row per partner row x year column, cells as in the file.

    Footnote rows under the table come back with year None and their text in the labels.
    Raises InputError when the workbook cannot be opened or a sheet's heading is not understood
    (flow, unit, years).
    """
    sheets = open_workbook(path, sheet_rows, fix="download the file again")
    records: list[tuple] = []
    problems: list[Problem] = []
    warnings: list[str] = []
    tables = 0
    for name, rows in sheets:
        try:
            layout = _layout(path.name, name, rows)
        except InputError as exc:
            problems += exc.problems
            continue
        if layout is None:
            continue
        tables += 1
        # A later edition may add a column that is not a year (a share, a growth rate).
        for j, heading in layout.others:
            warnings.append(
                f"{path.name}: {place(name, layout.header_row, j)} «{shorten(heading)}»: "
                "not a year column; not read"
            )
        ky, ru, en = layout.label_cols
        for i in range(layout.header_row + 1, len(rows)):
            row = rows[i]
            labels = [cell_text(row[j]) if j < len(row) else "" for j in (ky, ru, en)]
            for j, (year, marker, year_label) in layout.years.items():
                cell = row[j] if j < len(row) else ""
                records.append(
                    (path.name, name, i + 1, column_letter(j), place(name, i, j), layout.title,
                     layout.flow, layout.unit, year_label, year, marker, *labels,
                     None if cell_text(cell) == "" else cell)
                )  # fmt: skip
        for marker, text in layout.footnotes.items():
            records.append(
                (path.name, name, None, None, f"sheet '{name}'", layout.title, layout.flow,
                 layout.unit, None, None, marker, "", "", text, None)
            )  # fmt: skip
    if not tables and not problems:
        problems.append(Problem(path.name, "-", "-", "-", "no sheet holds a table of years"))
    if problems:
        raise InputError(problems)
    return FileRead(path, pd.DataFrame.from_records(records, columns=FAITHFUL_COLUMNS),
                    warnings=warnings)  # fmt: skip


def partner_code(label_en: str, label_ru: str) -> str:
    """English label via kg_nsc.csv then pycountry, else the Russian label via ru.csv."""
    for name, family in ((label_en, FAMILY), (label_en, "en"), (label_ru, "ru")):
        if not name:
            continue
        try:
            return countries.to_iso3(name, family)
        except countries.UnknownCountry:
            continue
    raise countries.UnknownCountry(label_en or label_ru, FAMILY)


def _split_marker(label: str) -> tuple[str, str | None]:
    hit = LABEL_MARKER.match(label)
    return (hit.group(1).strip(), hit.group(2)) if hit else (label, None)


def _flag(markers: list[str], footnotes: dict[str, str]) -> str | None:
    words = []
    for m in markers:
        text = footnotes.get(m)
        if text is None:
            words.append(f"footnote {m} (its text is not in the sheet)")
        elif PRELIMINARY.search(text):
            words.append("preliminary")
        else:
            words.append(f"note {m}: {text}")
    return "; ".join(words) or None


def tidy_frames(frame: pd.DataFrame) -> Tidy:
    """Tidy Trade rows and the cells left out; raises InputError with every problem."""
    problems: list[Problem] = []
    dropped: list[Dropped] = []
    notes = frame[frame["year"].isna()]
    footnotes = {
        (f, s): dict(zip(g["year_marker"], g["label_en"], strict=True))
        for (f, s), g in notes.groupby(["file", "sheet"])
    }
    cells = frame[frame["year"].notna()]
    records: list[dict] = []
    for (file, sheet, row), group in cells.groupby(["file", "sheet", "row"], sort=False):
        first = group.iloc[0]
        filled = group[group["cell"].map(_cell_has_value)]
        label_en, marker_en = _split_marker(first["label_en"])
        label_ru, marker_ru = _split_marker(first["label_ru"])
        label = label_en or label_ru
        if not label:
            if len(filled):
                where = place(sheet, int(row) - 1)
                problems.append(Problem(file, where, "partner", "", RULE_NO_LABEL))
            continue
        if FOOTNOTE.match(first["label_en"] or first["label_ru"]) and not len(filled):
            continue  # a footnote row, read with the sheet's layout
        if not len(filled):
            where = place(sheet, int(row) - 1)
            dropped.append(Dropped(file, where, "no data ('-') in any year", label))
            continue
        empty = group[~group["cell"].map(_cell_has_value)]
        if len(empty):
            years = ", ".join(str(int(y)) for y in empty["year"])
            where = place(sheet, int(row) - 1)
            dropped.append(Dropped(file, where, "no data ('-' or empty)", f"{label}: {years}"))
        try:
            code = partner_code(label_en, label_ru)
        except countries.UnknownCountry:
            where = place(sheet, int(row) - 1, 2)
            problems.append(Problem(file, where, "partner", label, RULE_UNKNOWN))
            continue
        notes_here = footnotes.get((file, sheet), {})
        for r in filled.itertuples(index=False):
            try:
                value = float(r.cell) if isinstance(r.cell, int | float) else None
                if isinstance(r.cell, bool):
                    raise ValueError
                if value is None:
                    value = parse_decimal(cell_text(r.cell))
                if not math.isfinite(value):
                    raise ValueError
            except ValueError:
                problems.append(
                    Problem(file, r.location, r.year_label, shorten(r.cell), RULE_NUMBER)
                )
                continue
            if value < 0:
                problems.append(
                    Problem(file, r.location, r.year_label, shorten(r.cell), RULE_NEGATIVE)
                )
                continue
            markers = [m for m in (marker_en or marker_ru, r.year_marker) if isinstance(m, str)]
            records.append(
                {
                    "file": file, "sheet": sheet, "row": int(row), "location": r.location,
                    "partner": code, "partner_label": label, "flow": r.flow, "unit": r.unit,
                    "year": int(r.year), "value_original": value,
                    "flag": _flag(markers, notes_here),
                }
            )  # fmt: skip
    long = pd.DataFrame.from_records(records)
    if len(long):
        problems += _clashes(long)
    if problems:
        raise InputError(problems)
    return Tidy({"trade": _tidy(long)}, dropped)


def _clashes(long: pd.DataFrame) -> list[Problem]:
    """Two rows of one table mapping to one partner for the same year ('Salvador' and 'El
    Salvador' are one country): the user must say which the dashboard shows."""
    key = ["file", "sheet", "flow", "partner", "year"]
    twice = long[long.duplicated(key, keep=False)]
    out = []
    for _, group in twice.groupby(key):
        labels = " and ".join(repr(x) for x in dict.fromkeys(group["partner_label"]))
        rule = f"partners {labels} both map to {group['partner'].iat[0]} for {group['year'].iat[0]}"
        r = group.iloc[1]
        out.append(Problem(r["file"], r["location"], "partner", r["partner_label"], rule))
    return out


def _tidy(long: pd.DataFrame) -> pd.DataFrame:
    unit = long["unit"].map({u[2]: u for u in UNITS.values()})
    bounds = [periods.year_period(y) for y in long["year"]]
    last_year = long.groupby("file")["year"].transform("max")
    return trade_frame(
        long,
        source=SOURCE,
        reporter=REPORTER,
        factor=unit.map(lambda u: u[1]),
        unit_original=long["unit"],
        currency=unit.map(lambda u: u[0]),
        valuation=VALUATION,
        basis="year",
        period_start=[b[0] for b in bounds],
        period_end=[b[1] for b in bounds],
        vintage="edition with data to " + last_year.astype(str),
        citation=sheet_citations(SOURCE, long["file"], long["sheet"]),
        flag=long["flag"].astype("string"),
        location=long["file"] + ", " + long["location"],
    )


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy Trade rows (etl.schemas.Trade) from `read()`'s frame; raises InputError."""
    return tidy_frames(frame).frames["trade"]


def load(folder: Path) -> SourceResult:
    """The exports and imports by-country workbooks; each file normalised alone."""
    return read_folder(sys.modules[__name__], folder)

"""IMF Direction of Trade Statistics (DOTS): one workbook per reporter, exports FOB and imports CIF.

Grain of the tidy frame: reporter x partner x flow x calendar year, value in USD (the files say
"US Dollars, Millions"). Partners mix countries, former states (USSR, Yugoslavia, ...) and IMF
groupings (World, Advanced Economies, Memorandum Items ...); groupings are kept and flagged
`partner_is_aggregate`. A value such as '13.35 e' is an IMF estimate: value 13.35, flag 'e'.
Empty cells mean "no data" and publish no row. IMF publishes no turnover; none is made here.

Layout (legacy data.imf.org export): title, reporter and unit lines above a header row of years
written as text, partner names in the column left of the first year. The header row is found by
its year texts, so a workbook with extra rows or columns above or left of the table still reads.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from etl import countries, periods
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, SourceResult, Tidy, read_folder
from etl.sources.trade_rows import sheet_citations, trade_frame
from etl.sources.workbooks import column_letter, open_workbook

SOURCE = "imf-dots-annual"
PATTERNS = ("*.xlsx",)
NO_FILES = "no .xlsx workbook in the folder"
EACH_FILE = True  # one workbook per reporter; nothing crosses files
VINTAGE = "2022 download"
FAMILY = "imf"

# unit line as IMF writes it -> (currency, factor to base units, unit_original)
UNITS = {"US Dollars, Millions": ("USD", 1e6, "USD m")}
# How the unit line is told apart from the title and reporter lines above the header.
UNIT_HINT = re.compile(r"dollars|euros?\b|sdrs?\b|national currency|(m|b)illions|thousands", re.I)
FLOW_TEXT = re.compile(r"\b(export|import)s?\b[\s,]*(fob|cif)?", re.I)
YEAR_TEXT = re.compile(r"^\s*(\d{4})\s*$")
# '13.35 e': IMF marks its own estimates with a letter after the number.
# Commas only as thousands separators ('11,732.8'): '8373,7' is a decimal comma, not 83737.
FLAGGED_NUMBER = re.compile(
    r"^\s*(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]{1,3})?\s*$"
)
# The flags DOTS puts after a number; any other letters ('8.4 bn') are not silently dropped.
KNOWN_FLAGS = {"e": "IMF estimate"}
FAITHFUL_COLUMNS = [
    "file", "sheet", "row", "column", "location", "title", "reporter_label", "reporter_location",
    "unit_label", "unit_location", "partner_label", "year_label", "cell",
]  # fmt: skip


# ---- read: the workbook as it is -----------------------------------------------------------


def _is_empty(cell: object) -> bool:
    if isinstance(cell, str):
        return not cell.strip()
    return cell is None or (isinstance(cell, float) and np.isnan(cell))


def _year_of(cell: object) -> int | None:
    """A header cell's year: text '2019' (as IMF writes it) or a whole number 1800–2200."""
    if isinstance(cell, str):
        match = YEAR_TEXT.match(cell)
        return int(match.group(1)) if match else None
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return None
    if float(cell).is_integer() and 1800 <= cell <= 2200:
        return int(cell)
    return None


def _header_index(rows: list[list[object]]) -> int | None:
    """First row whose non-empty cells are years, except perhaps one label cell before them."""
    for i, row in enumerate(rows):
        filled = [cell for cell in row if not _is_empty(cell)]
        years = [cell for cell in filled if _year_of(cell) is not None]
        if years and len(filled) - len(years) <= 1 and _year_of(filled[-1]) is not None:
            return i
    return None


def _place(sheet: str, row: int, col: int | None = None) -> str:
    """'sheet 'Exports, FOB', row 14, column AD' with 1-based row and column as Excel shows."""
    where = f"sheet {sheet!r}, row {row}"
    return where if col is None else f"{where}, column {column_letter(col - 1)}"


def _read_sheet(
    file: str, sheet: str, rows: list[list[object]], start: tuple[int, int]
) -> tuple[list[dict], list[Problem]]:
    """One sheet -> one record per partner x year cell; structural problems are returned."""
    row0, col0 = start  # calamine trims leading empty rows and columns; keep Excel's numbering

    def excel_row(i: int) -> int:
        return row0 + i + 1

    def excel_col(j: int) -> int:
        return col0 + j + 1

    header = _header_index(rows)
    if header is None:
        rule = "no header row of years (text such as '2019') found"
        return [], [Problem(file, f"sheet {sheet!r}", "-", "-", rule)]
    years = {j: _year_of(c) for j, c in enumerate(rows[header]) if _year_of(c) is not None}
    first_year_col = min(years)
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    for j, year in years.items():
        if year in seen:
            where = _place(sheet, excel_row(header), excel_col(j))
            also = column_letter(excel_col(seen[year]) - 1)
            rule = f"year repeated in the header (also in column {also})"
            problems.append(Problem(file, where, "year", str(year), rule))
        seen.setdefault(year, j)

    body = rows[header + 1 :]
    label_cols = [j for j in range(first_year_col) if any(not _is_empty(r[j]) for r in body)]
    if not label_cols:
        where = _place(sheet, excel_row(header))
        problems.append(Problem(file, where, "-", "-", "no partner names left of the year columns"))
        return [], problems
    label_col = label_cols[-1]

    texts = [
        (i, j, str(cell).strip())
        for i, row in enumerate(rows[:header])
        for j, cell in enumerate(row)
        if not _is_empty(cell)
    ]
    unit_at = max((k for k, t in enumerate(texts) if UNIT_HINT.search(t[2])), default=None)
    if unit_at is None or unit_at == 0:
        missing = "unit line (e.g. 'US Dollars, Millions')" if unit_at is None else "reporter name"
        rule = f"no {missing} found above the year header row"
        return [], [*problems, Problem(file, f"sheet {sheet!r}", "-", "-", rule)]
    unit_i, unit_j, unit = texts[unit_at]
    rep_i, rep_j, reporter = texts[unit_at - 1]
    title = texts[0][2] if unit_at >= 2 else ""
    common = {
        "file": file,
        "sheet": sheet,
        "title": title,
        "reporter_label": reporter,
        "reporter_location": _place(sheet, excel_row(rep_i), excel_col(rep_j)),
        "unit_label": unit,
        "unit_location": _place(sheet, excel_row(unit_i), excel_col(unit_j)),
    }

    records: list[dict] = []
    for i, row in enumerate(body, start=header + 1):
        label = row[label_col]
        cells = {j: row[j] if j < len(row) else None for j in years}
        stray = [
            j for j in range(label_col + 1, len(row)) if j not in years and not _is_empty(row[j])
        ]
        for j in stray:
            where = _place(sheet, excel_row(i), excel_col(j))
            rule = "value in a column without a year in the header row"
            problems.append(Problem(file, where, "-", shorten(row[j]), rule))
        if _is_empty(label):
            filled = [j for j, c in cells.items() if not _is_empty(c)]
            if filled:
                where = _place(sheet, excel_row(i), excel_col(label_col))
                rule = "values in a row without a partner name"
                problems.append(Problem(file, where, "partner", "", rule))
            continue
        for j, cell in cells.items():
            records.append(
                {
                    **common,
                    "row": excel_row(i),
                    "column": column_letter(excel_col(j) - 1),
                    "location": _place(sheet, excel_row(i), excel_col(j)),
                    "partner_label": str(label).strip(),
                    "year_label": str(years[j]),
                    "cell": None if _is_empty(cell) else cell,
                }
            )
    return records, problems


def _sheets_with_start(book: CalamineWorkbook) -> list[tuple[str, list[list], object]]:
    """(name, rows, start): calamine skips the empty area, `start` says where the rows begin."""
    sheets = [(name, book.get_sheet_by_name(name)) for name in book.sheet_names]
    return [(name, s.to_python(skip_empty_area=True), s.start) for name, s in sheets]


def read(path: Path) -> pd.DataFrame:
    """Faithful long frame: one row per partner x year cell, labels and cells as in the file.

    Empty cells are kept (cell None) so `dropped()` can list them. Raises InputError when the
    file cannot be opened or a sheet has no recognisable header.
    """
    # HTML, .xls named .xlsx, truncated files and zip bombs are refused before calamine opens them.
    content = open_workbook(path, _sheets_with_start)
    records: list[dict] = []
    problems: list[Problem] = []
    for name, rows, start in content:
        if not rows or start is None:
            continue  # an empty sheet holds no table
        sheet_records, sheet_problems = _read_sheet(path.name, name, rows, start)
        records += sheet_records
        problems += sheet_problems
    if not records and not problems:
        problems.append(Problem(path.name, "-", "-", "-", "no sheet holds a table of years"))
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(records, columns=FAITHFUL_COLUMNS)


# ---- normalize: the tidy frame -------------------------------------------------------------


def _parse_cell(cell: object) -> tuple[float | None, str | None, str | None]:
    """(value, flag, error) for one non-empty cell: a number, or '13.35 e' (estimate)."""
    if isinstance(cell, bool):
        return None, None, "expected a number, found a true/false value"
    if isinstance(cell, int | float):
        value, flag = float(cell), None
    elif isinstance(cell, str):
        match = FLAGGED_NUMBER.match(cell)
        if not match:
            return None, None, "expected a number or a number with a flag letter, e.g. '13.35 e'"
        value, flag = float(match.group(1).replace(",", "")), match.group(2)
        flag = flag.lower() if flag else None
        if flag is not None and flag not in KNOWN_FLAGS:
            known = ", ".join(f"{k!r} ({v})" for k, v in KNOWN_FLAGS.items())
            return None, None, f"unknown flag {flag!r} after the number; DOTS flags are {known}"
    else:
        return None, None, f"expected a number, found a {type(cell).__name__}"
    if not np.isfinite(value):
        return None, None, "expected a finite number"
    if value < 0:
        return None, None, "exports and imports of goods cannot be negative"
    return value, flag, None


def _flow_of(title: str, sheet: str) -> tuple[str, str] | None:
    """('export', 'FOB') from the title 'Exports, FOB to Partner Countries' or the sheet name."""
    for text in (title, sheet):
        match = FLOW_TEXT.search(text)
        if match and match.group(2):
            return match.group(1).lower(), match.group(2).upper()
    return None


def _code_or_none(label: str) -> str | None:
    try:
        return countries.to_iso3(label, FAMILY)
    except countries.UnknownCountry:
        return None


def _classify(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Add parse results and a `status` per cell: 'keep', 'empty', 'no_data_row', 'repeat'.

    A row is one spreadsheet row (file, sheet, row). Rows with no value at all are dropped
    whatever their label (section headers such as 'Memorandum Items', notes). A partner listed
    twice in one sheet (Australia heads every DOTS sheet and reappears under Advanced Economies)
    keeps its first row when the values are identical; differing repeats are an error.
    """
    out = frame.copy()
    problems: list[Problem] = []
    cells = [None if _is_empty(c) else c for c in out["cell"]]
    out["cell"] = pd.Series(cells, index=out.index, dtype=object)
    parsed = [(None, None, None) if c is None else _parse_cell(c) for c in cells]
    out["value_original"] = [p[0] for p in parsed]
    out["flag"] = [p[1] for p in parsed]
    filled = out["cell"].notna()
    where = out[["file", "location", "year_label"]].itertuples(index=False)
    for (file, location, year), cell, (_, _, error) in zip(where, cells, parsed, strict=True):
        if error:
            problems.append(Problem(file, location, year, shorten(cell), error))

    row_key = ["file", "sheet", "row"]
    row_has_data = filled.groupby([out[k] for k in row_key]).transform("any")
    out["status"] = np.where(~row_has_data, "no_data_row", np.where(filled, "keep", "empty"))
    out["repeat_of"] = pd.NA
    out["partner_key"] = out["partner_label"].map(countries.normalise_name)
    with_data = out[row_has_data]
    for (file, sheet, _), group in with_data.groupby(["file", "sheet", "partner_key"], sort=False):
        rows = list(dict.fromkeys(group["row"]))
        if len(rows) < 2:
            continue
        first = group[group["row"] == rows[0]]["cell"].tolist()
        for row in rows[1:]:
            again = group[group["row"] == row]
            if again["cell"].tolist() == first:
                out.loc[again.index, "status"] = "repeat"
                out.loc[again.index, "repeat_of"] = rows[0]
            else:
                label = group["partner_label"].iat[0]
                rule = f"partner listed again with different values (first at row {rows[0]})"
                problems.append(Problem(file, _place(sheet, int(row)), "partner", label, rule))
    return out, problems


def _map_codes(kept: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Reporter and partner codes, flow, valuation and unit per cell; problems for what fails."""
    problems: list[Problem] = []
    out = kept.copy()
    units = {countries.normalise_name(k): v for k, v in UNITS.items()}
    sheets = out.drop_duplicates(["file", "sheet"])
    sheet_info: dict[tuple[str, str], tuple[str | None, tuple | None, tuple | None]] = {}
    for r in sheets.itertuples(index=False):
        reporter = _code_or_none(r.reporter_label)
        if reporter is None:
            rule = f"unknown reporter name; add it to etl/country_names/{FAMILY}.csv"
            where = r.reporter_location
            problems.append(Problem(r.file, where, "reporter", r.reporter_label, rule))
        unit = units.get(countries.normalise_name(r.unit_label))
        if unit is None:
            rule = f"unit must be one of {list(UNITS)}; other units are not converted"
            problems.append(Problem(r.file, r.unit_location, "unit", r.unit_label, rule))
        flow = _flow_of(r.title, r.sheet)
        if flow is None:
            rule = "title or sheet name must say the flow: 'Exports, FOB' or 'Imports, CIF'"
            problems.append(Problem(r.file, f"sheet {r.sheet!r}", "title", r.title, rule))
        sheet_info[(r.file, r.sheet)] = (reporter, unit, flow)

    flows_seen: dict[tuple[str, tuple], str] = {}
    for (file, sheet), (_, _, flow) in sheet_info.items():
        if flow is None:
            continue
        other = flows_seen.setdefault((file, flow), sheet)
        if other != sheet:
            rule = f"two sheets hold the same flow ({flow[0]}, {flow[1]}); the other is {other!r}"
            problems.append(Problem(file, f"sheet {sheet!r}", "-", "-", rule))

    partner_codes = {label: _code_or_none(label) for label in out["partner_label"].unique()}
    unknown = out[out["partner_label"].map(partner_codes).isna()].drop_duplicates("partner_label")
    for r in unknown.itertuples(index=False):
        rule = f"unknown partner name; add it to etl/country_names/{FAMILY}.csv with its code"
        where = _place(r.sheet, int(r.row))
        problems.append(Problem(r.file, where, "partner", r.partner_label, rule))

    info = [sheet_info[(f, s)] for f, s in zip(out["file"], out["sheet"], strict=True)]
    out["reporter"] = [i[0] for i in info]
    out["currency"] = [i[1][0] if i[1] else None for i in info]
    out["factor"] = [i[1][1] if i[1] else np.nan for i in info]
    out["unit_original"] = [i[1][2] if i[1] else None for i in info]
    out["flow"] = [i[2][0] if i[2] else None for i in info]
    out["valuation"] = [i[2][1] if i[2] else None for i in info]
    out["partner"] = out["partner_label"].map(partner_codes)

    # Two labels for one code in the same year (e.g. a former and a current name) would make
    # two rows with one key; the user must say which one the dashboard shows.
    key = ["file", "sheet", "partner", "year_label"]
    clash = out[out["partner"].notna() & out.duplicated(key, keep=False)]
    for _, group in clash.groupby(key):
        labels = " and ".join(repr(x) for x in dict.fromkeys(group["partner_label"]))
        rule = f"partners {labels} both map to {group['partner'].iat[0]} for the same year"
        r = group.iloc[1]
        problems.append(Problem(r["file"], r["location"], "partner", r["partner_label"], rule))
    return out, problems


def _tidy(mapped: pd.DataFrame) -> pd.DataFrame:
    years = mapped["year_label"].astype(int)
    bounds = [periods.year_period(y) for y in years]
    tidy = trade_frame(
        mapped,
        source=SOURCE,
        factor=mapped["factor"],
        basis="year",
        period_start=[b[0] for b in bounds],
        period_end=[b[1] for b in bounds],
        vintage=VINTAGE,
        citation=sheet_citations(SOURCE, mapped["file"], mapped["sheet"]),
        flag=mapped["flag"].astype("str"),
        location=mapped["file"] + ": " + mapped["location"],
    )
    return tidy.reset_index(drop=True)


def tidy_frames(frame: pd.DataFrame) -> Tidy:
    """Tidy Trade rows and the cells left out, from `read()`'s frame; raises InputError."""
    classified, problems = _classify(frame)
    mapped, map_problems = _map_codes(classified[classified["status"] == "keep"])
    problems += map_problems
    if problems:
        raise InputError(problems)
    return Tidy({"trade": _tidy(mapped)}, _dropped(classified))


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy Trade rows (see etl.schemas.Trade) from `read()`'s frame; raises InputError."""
    return tidy_frames(frame).frames["trade"]


def _year_ranges(years: Iterable[str]) -> str:
    """'1992–1995, 1998' from ['1992', '1993', '1994', '1995', '1998']."""
    nums = sorted(int(y) for y in years)
    parts: list[str] = []
    start = prev = nums[0]
    for y in [*nums[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


def _dropped(classified: pd.DataFrame) -> list[Dropped]:
    """One entry per spreadsheet row with cells not published: empty cells, rows with no
    value at all (section headers such as 'Memorandum Items'), repeated partners."""
    out: list[Dropped] = []
    not_kept = classified[classified["status"] != "keep"]
    for (file, sheet, row, status), group in not_kept.groupby(
        ["file", "sheet", "row", "status"], sort=False
    ):
        label = group["partner_label"].iat[0]
        where = _place(sheet, int(row))
        years = _year_ranges(group["year_label"])
        if status == "empty":
            reason = f"empty cells (no data) for {len(group)} year(s)"
            out.append(Dropped(file, where, reason, f"{label}: {years}"))
        elif status == "no_data_row":
            reason = "row without any value (section header, note or partner without data)"
            out.append(Dropped(file, where, reason, label))
        else:
            reason = f"partner repeated with identical values; row {group['repeat_of'].iat[0]} kept"
            out.append(Dropped(file, where, reason, f"{label}: {years}"))
    return out


def load(folder: Path) -> SourceResult:
    """Every *.xlsx in the folder; problems from all files are reported together."""
    return read_folder(sys.modules[__name__], folder)

"""BNS Kazakhstan: annual foreign trade by partner country («Основные показатели ... по странам»).

Input: legacy Excel workbooks (.xls, BIFF; .xlsx also accepted), one sheet per data year; each
edition repeats the previous year. Front-matter sheets (cover, legend, contents, methodology) are
recognised by having no trade-table header and skipped.

Grain of the tidy frame: reporter KAZ x partner (ISO alpha-3 country or BNS regional aggregate)
x flow (export, import, turnover) x year x edition. Values in the files are thousand USD (exports
FOB, imports CIF, turnover their sum); `value` is in USD. The files' share-of-total columns are
not published (shares are recomputed downstream) but are cross-checked against value / «Всего».
A blank cell means no flow in that direction: no row is published and the cell is listed in
`dropped`. «0,0» in the file means a negligible value (legend sheet); it is kept as 0.

The EU group «Страны ЕС» is what the sheet lists under it: every sheet to 2022 (also the 2023
edition's 2022 sheet) lists the United Kingdom among its members and the group total is the sum of
28 members, so it is published as `EU28`; the 2023 sheet lists 27 (no United Kingdom) and is
`EUU` (EU-27). The members are the rows between «Страны ЕС» and the next group row; their sum must
equal the group row (`eu_membership`), else a warning. Growth across the change is computed on a
constant EU-27 basis by `etl.metrics.growth`.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl import countries, periods
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped, FileRead, SourceResult, Tidy, read_folder
from etl.sources.trade_rows import sheet_citations, trade_frame
from etl.sources.workbooks import check_workbook, column_letter, parser_failed

SOURCE = "bns-kz-trade-by-country"
REPORTER = "KAZ"
FAMILY = "ru"
CURRENCY = "USD"
UNIT_ORIGINAL = "thousand USD"
UNIT_FACTOR = 1000.0
PATTERNS = ("*.xls", "*.xlsx")
NO_FILES = "no .xls or .xlsx workbook found"
# EACH_FILE is False: editions overlap (the 2023 file carries 2022) and `split` picks the newest.

# Column order in the file; also the order of the flow columns in the faithful frame.
FLOWS = ("turnover", "export", "import")
FLOW_HEADINGS = {"turnover": "товарооборот", "export": "экспорт", "import": "импорт"}
FLOW_WORDS = {"turnover": "turnover", "export": "exports", "import": "imports"}
VALUATION = {"export": "FOB", "import": "CIF", "turnover": "unknown"}
NAME_HEADING = "наименование"
VALUE_HEADING = "всего"
SHARE_HEADINGS = ("удельный вес", "%")
# The shares are printed to 0.1 % (2018 sheet) or 0.00001 %; a rounding error never exceeds 0.05.
SHARE_TOLERANCE_PP = 0.05
# A sheet without a header but with this many numbers is a broken data sheet, not front matter.
MIN_NUMBERS_IN_A_TABLE = 10

# BNS legend: «-» means the phenomenon is absent, i.e. no flow, like a blank cell.
NO_FLOW_MARKS = {"-", "–", "—"}
UNIT_HINT = re.compile(r"долл|тенге|евро|руб|^\(?\s*(тыс|млн|млрд)\b")
THOUSAND_USD = re.compile(r"^\(?\s*тыс(\.|яч)?\s*долл(\.|аров)?\s*сша\s*\)?$")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# "14 833 289,8896", "1\xa0242,2", "0,0", "-5", "1234.5": digit groups of three, one decimal mark.
RUSSIAN_NUMBER = re.compile(r"-?(?:\d{1,3}(?:[ \xa0\u202f]\d{3})+|\d+)(?:[.,]\d+)?")
MONTH_RANGE = re.compile(r"январ\w*\s*[-–—]\s*([а-я]+)")
MONTH_STEMS = (
    "январ", "феврал", "март", "апрел", "ма[йяе]", "июн",
    "июл", "август", "сентябр", "октябр", "ноябр", "декабр",
)  # fmt: skip
# «Всего\nв том числе» (2018 sheet): "of which" announces the breakdown, it is not part of the name.
OF_WHICH = re.compile(r"[\s,:]*(в том числе|из них)\s*:?\s*$", re.IGNORECASE)

# The EU group row and the codes of what it is, by whether the United Kingdom is listed inside it.
EU_GROUP = "EUU"  # what etl/country_names/ru.csv maps «Страны ЕС» to
EU_WITH_UK = "EU28"
UK = "GBR"
# Members' cells are rounded to 0.1 thousand USD (or finer): the sum may be off by 0.05 each.
MEMBER_ROUNDING = 0.05

# The rule each Problem states; a user reads these, so they say what is expected.
RULE_NO_HEADER = (
    "sheet holds numbers but no header row with «Товарооборот», «Экспорт» and «Импорт» was found"
)
RULE_NAME_HEADING = "no «Наименование…» heading for the partner-name column"
RULE_UNIT = (
    "unit must be «тыс. долларов США» (thousand US dollars); this reader does not convert units"
)
RULE_NO_UNIT = "no unit row «тыс. долларов США» found above the table header"
RULE_NO_YEAR = "no year in the title rows («2023 год», «за январь-декабрь 2019 года») or sheet name"
RULE_MONTH = "cannot tell the last month of the period «январь-…»"
RULE_NUMBER = "expected a number (thousand USD or %), a blank cell or «-»"
RULE_NEGATIVE = "trade values and shares cannot be negative"
RULE_NO_NAME = "values without a partner name"
RULE_EMPTY = "the table has a header but no data rows (truncated file?)"
RULE_NO_TABLE = "no sheet with a trade table («Наименование», «Товарооборот», «Экспорт», «Импорт»)"
RULE_NO_TOTAL = "no «Всего» (total, all partners) row; shares and checks need it"

NUMERIC_COLUMNS = [c for f in FLOWS for c in (f, f"{f}_share")]
FAITHFUL_COLUMNS = [
    "file", "sheet", "row", "location", "title", "data_year", "last_month", "edition_year",
    "unit", "partner_label", *NUMERIC_COLUMNS,
    "label_column", "turnover_column", "export_column", "import_column",
]  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """Where one sheet's table sits: 0-based row and column positions found from header text."""

    header_row: int
    first_body_row: int
    name_col: int
    value_cols: dict[str, int]
    share_cols: dict[str, int | None]
    unit: str
    title: str
    year: int
    last_month: int


@dataclass
class SheetTable:
    """One data sheet read faithfully, plus notes about content the layout leaves out."""

    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


@dataclass
class Workbook:
    """One file: every data sheet's rows, front-matter sheets skipped, and warnings."""

    frame: pd.DataFrame
    skipped: list[Dropped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Split:
    """The faithful frame split into published long rows and rows or cells left out."""

    long: pd.DataFrame
    dropped: list[Dropped]
    warnings: list[str]


# ---- cells ------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as text with runs of whitespace (including newlines) collapsed; '' when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def _key(value: object) -> str:
    return _text(value).casefold()


def _where(sheet: str, row: int | None = None) -> str:
    """'sheet '2023', row 14' with the 1-based row a spreadsheet user sees."""
    return f"sheet '{sheet}'" if row is None else f"sheet '{sheet}', row {row + 1}"


def _cell_problem(
    file: str, sheet: str, cells: np.ndarray, row: int, col: int, rule: str
) -> Problem:
    """A problem with one cell of a sheet's grid, named as a spreadsheet user sees it."""
    return Problem(file, _where(sheet, row), column_letter(col), _text(cells[row, col]), rule)


def parse_number(value: object) -> float:
    """A numeric cell -> float; NaN for blank or «-» (no flow); ValueError for anything else.

    Text cells are accepted when they hold a number written the Russian way ("1 234,5", spaces
    between groups of three digits, a decimal comma) or a plain "1234.5"; "nan", "inf" or
    "1.234,5" are refused rather than read as no flow or a wrong number.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int | float | np.integer | np.floating):
        if math.isinf(value):  # NaN is how pandas gives a blank cell
            raise ValueError("not a finite number")
        return float(value)
    text = _text(value)
    if text == "" or text in NO_FLOW_MARKS:
        return math.nan
    if not RUSSIAN_NUMBER.fullmatch(text):
        raise ValueError(f"not a number: {text!r}")
    return float(re.sub(r"[\s\xa0\u202f]", "", text).replace(",", "."))


def partner_key(label: str) -> str:
    """The name to look up in etl/country_names/ru.csv: the label without a trailing "of which"."""
    return OF_WHICH.sub("", _text(label)) or _text(label)


def partner_code(label: str) -> str:
    """Russian BNS label -> ISO alpha-3 or aggregate code; raises countries.UnknownCountry."""
    return countries.to_iso3(partner_key(label), FAMILY)


# ---- layout -----------------------------------------------------------------------------------


def find_header_row(cells: np.ndarray) -> int | None:
    """First row holding «Товарооборот», «Экспорт» and «Импорт» headings in distinct cells."""
    for r in range(cells.shape[0]):
        found = {
            flow
            for flow, heading in FLOW_HEADINGS.items()
            for c in range(cells.shape[1])
            if _key(cells[r, c]).startswith(heading)
        }
        if len(found) == len(FLOWS):
            return r
    return None


def _flow_columns(cells: np.ndarray, header_row: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {flow: [] for flow in FLOWS}
    for c in range(cells.shape[1]):
        for flow, heading in FLOW_HEADINGS.items():
            if _key(cells[header_row, c]).startswith(heading):
                out[flow].append(c)
    return out


def _count_numbers(cells: np.ndarray) -> int:
    return sum(
        isinstance(v, int | float | np.integer | np.floating) and not pd.isna(v)
        for v in cells.ravel()
    )


def _find_period(
    cells: np.ndarray, header_row: int, file: str, sheet: str, problems: list[Problem]
) -> tuple[str, int, int]:
    """(title text, year, last month) from the title rows, checked against the sheet name."""
    title, title_year, last_month = "", None, 12
    for r in range(header_row):
        for c in range(cells.shape[1]):
            text = _text(cells[r, c])
            hit = YEAR.search(text)
            if hit and ("год" in text.casefold() or "январ" in text.casefold()):
                title, title_year = text, int(hit.group(1))
                break
        if title:
            break
    months = MONTH_RANGE.search(title.casefold())
    if months:
        word = months.group(1)
        matches = [i + 1 for i, stem in enumerate(MONTH_STEMS) if re.match(stem, word)]
        if not matches:
            problems.append(Problem(file, _where(sheet), "title", title, RULE_MONTH))
        else:
            last_month = matches[0]
    name_hit = YEAR.search(sheet)
    name_year = int(name_hit.group(1)) if name_hit else None
    if title_year and name_year and title_year != name_year:
        problems.append(
            Problem(
                file,
                _where(sheet),
                "title",
                title,
                f"the title's year {title_year} disagrees with the sheet name "
                f"{sheet!r}; fix one of them",
            )
        )
    year = title_year or name_year
    if year is None:
        problems.append(Problem(file, _where(sheet), "title", title or "(none)", RULE_NO_YEAR))
        year = 0
    return title, year, last_month


def _find_unit(
    cells: np.ndarray, header_row: int, file: str, sheet: str, problems: list[Problem]
) -> str:
    """The unit cell above the header; only «тыс. долларов США» (thousand USD) is accepted."""
    for r in range(header_row):
        for c in range(cells.shape[1]):
            text = _text(cells[r, c])
            if not UNIT_HINT.search(text.casefold()):
                continue
            if not THOUSAND_USD.match(text.casefold()):
                problems.append(Problem(file, _where(sheet, r), column_letter(c), text, RULE_UNIT))
            return text
    problems.append(Problem(file, _where(sheet), "unit", "(none)", RULE_NO_UNIT))
    return ""


def _find_name_col(cells: np.ndarray, rows: list[int]) -> int | None:
    for r in rows:
        for c in range(cells.shape[1]):
            if _key(cells[r, c]).startswith(NAME_HEADING):
                return c
    return None


def _sub_columns(
    cells: np.ndarray,
    sub_row: int | None,
    flow_cols: dict[str, int],
    file: str,
    sheet: str,
    problems: list[Problem],
) -> tuple[dict[str, int], dict[str, int | None]]:
    """Value («Всего») and share («удельный вес…, %») column under each flow heading."""
    starts = sorted(flow_cols.values())
    values: dict[str, int] = {}
    shares: dict[str, int | None] = {}
    for flow, col in flow_cols.items():
        later = [s for s in starts if s > col]
        span = range(col, later[0] if later else cells.shape[1])
        heads = [_key(cells[sub_row, c]) if sub_row is not None else "" for c in span]
        totals = [c for c, h in zip(span, heads, strict=True) if h == VALUE_HEADING]
        share = [c for c, h in zip(span, heads, strict=True) if any(s in h for s in SHARE_HEADINGS)]
        if len(totals) > 1:
            rule = f"two «Всего» columns under «{FLOW_HEADINGS[flow]}»"
            problems.append(_cell_problem(file, sheet, cells, sub_row, totals[1], rule))
        values[flow] = totals[0] if totals else col
        shares[flow] = share[0] if share else None
    return values, shares


def find_layout(grid: pd.DataFrame, file: str, sheet: str) -> Layout | None:
    """Locate the table in one sheet's cell grid by its header text; None for front matter.

    Raises InputError when the sheet holds numbers but no recognisable header, or when the unit,
    period or name column is wrong or missing.
    """
    cells = grid.to_numpy(dtype=object)
    if cells.size == 0:
        return None
    header_row = find_header_row(cells)
    if header_row is None:
        if _count_numbers(cells) >= MIN_NUMBERS_IN_A_TABLE:
            raise InputError([Problem(file, _where(sheet), "header", "(none)", RULE_NO_HEADER)])
        return None
    problems: list[Problem] = []
    flow_cols = _flow_columns(cells, header_row)
    for flow, cols in flow_cols.items():
        if len(cols) > 1:
            rule = f"heading «{FLOW_HEADINGS[flow]}» appears twice"
            problems.append(_cell_problem(file, sheet, cells, header_row, cols[1], rule))
    first = {flow: cols[0] for flow, cols in flow_cols.items()}
    sub_row = header_row + 1 if header_row + 1 < cells.shape[0] else None
    # A second header row holds «Всего» / «удельный вес…» and no numbers; without one, the row
    # below the headings is already data (and may itself be the «Всего» total row).
    has_sub = (
        sub_row is not None
        and _count_numbers(cells[sub_row]) == 0
        and any(
            _key(v) == VALUE_HEADING or any(h in _key(v) for h in SHARE_HEADINGS)
            for v in cells[sub_row]
        )
    )
    if not has_sub:
        sub_row = None
    name_col = _find_name_col(cells, [header_row] + ([sub_row] if sub_row is not None else []))
    if name_col is None:
        problems.append(
            Problem(file, _where(sheet, header_row), "name", "(none)", RULE_NAME_HEADING)
        )
        name_col = 0
    values, shares = _sub_columns(cells, sub_row, first, file, sheet, problems)
    unit = _find_unit(cells, header_row, file, sheet, problems)
    title, year, last_month = _find_period(cells, header_row, file, sheet, problems)
    if problems:
        raise InputError(problems)
    return Layout(
        header_row=header_row,
        first_body_row=header_row + (2 if has_sub else 1),
        name_col=name_col,
        value_cols=values,
        share_cols=shares,
        unit=unit,
        title=title,
        year=year,
        last_month=last_month,
    )


# ---- reading ----------------------------------------------------------------------------------


def _heading(cells: np.ndarray, layout: Layout, col: int) -> str:
    parts = [_text(cells[r, col]) for r in range(layout.header_row, layout.first_body_row)]
    return f"{column_letter(col)} ({' / '.join(p for p in parts if p) or 'no heading'})"


def _read_row(
    cells: np.ndarray, r: int, layout: Layout, file: str, sheet: str, problems: list[Problem]
) -> dict[str, float]:
    out: dict[str, float] = {}
    for flow in FLOWS:
        columns = {flow: layout.value_cols[flow], f"{flow}_share": layout.share_cols[flow]}
        for name, col in columns.items():
            if col is None:
                out[name] = math.nan
                continue
            raw = cells[r, col]
            try:
                number = parse_number(raw)
                rule = RULE_NEGATIVE if number < 0 else None
            except ValueError:
                number, rule = math.nan, RULE_NUMBER
            if rule is not None:
                heading = _heading(cells, layout, col)
                problems.append(Problem(file, _where(sheet, r), heading, shorten(raw), rule))
            out[name] = number
    return out


def parse_grid(grid: pd.DataFrame, file: str, sheet: str) -> SheetTable | None:
    """One sheet's cell grid -> faithful rows (labels and thousand-USD values as printed).

    Pure: takes the grid `pd.read_excel(header=None)` returns, so tests can feed crafted grids.
    Returns None for front-matter sheets; raises InputError listing every problem in the sheet.
    """
    layout = find_layout(grid, file, sheet)
    if layout is None:
        return None
    cells = grid.to_numpy(dtype=object)
    used = {layout.name_col, *layout.value_cols.values()}
    used |= {c for c in layout.share_cols.values() if c is not None}
    problems: list[Problem] = []
    warnings: list[str] = []
    rows: list[dict[str, object]] = []
    extra: dict[int, list[int]] = {}
    for r in range(layout.first_body_row, cells.shape[0]):
        label = _text(cells[r, layout.name_col])
        numbers = _read_row(cells, r, layout, file, sheet, problems)
        has_numbers = any(not math.isnan(v) for v in numbers.values())
        for c in range(cells.shape[1]):
            if c not in used and _text(cells[r, c]):
                extra.setdefault(c, []).append(r)
        if not label and not has_numbers:
            continue
        if not label:
            column = _heading(cells, layout, layout.name_col)
            problems.append(Problem(file, _where(sheet, r), column, "", RULE_NO_NAME))
            continue
        rows.append(
            {
                "file": file,
                "sheet": sheet,
                "row": r + 1,
                "location": _where(sheet, r),
                "title": layout.title,
                "data_year": layout.year,
                "last_month": layout.last_month,
                "unit": layout.unit,
                "partner_label": label,
                **numbers,
                "label_column": column_letter(layout.name_col),
                **{f"{flow}_column": column_letter(layout.value_cols[flow]) for flow in FLOWS},
            }
        )
    # One warning per column: a later edition may add a whole column (a balance, a share).
    for c, at in extra.items():
        heading = _heading(cells, layout, c).split(" ", 1)[1].strip("()")
        rows_at = f"row {at[0] + 1}" if len(at) == 1 else f"rows {at[0] + 1}–{at[-1] + 1}"
        warnings.append(
            f"{file}: sheet '{sheet}', {rows_at}, column {column_letter(c)} «{heading}»: "
            f"{len(at)} value(s) (first {shorten(cells[at[0], c])!r}) lie outside the columns "
            "this reader knows; not read"
        )
    if not rows:
        problems.append(Problem(file, _where(sheet), "table", "(empty)", RULE_EMPTY))
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame(rows).assign(edition_year=layout.year)
    return SheetTable(frame=frame[FAITHFUL_COLUMNS], warnings=warnings)


def _front_matter(grid: pd.DataFrame, file: str, sheet: str) -> Dropped:
    texts = [_text(v) for v in grid.to_numpy(dtype=object).ravel() if _text(v)]
    return Dropped(
        file,
        _where(sheet),
        "front-matter sheet (cover, legend, contents or methodology): no trade table",
        shorten(" | ".join(texts[:3])),
    )


def read_workbook(path: Path) -> Workbook:
    """Every data sheet of one workbook, each row tagged with the file's edition year.

    The edition is the newest data year in the file (the 2023 file carries 2022 and 2023).
    """
    # HTML saved as .xls, truncated files, zip bombs: refused unopened. pandas opens a workbook
    # by its content, so an .xls named .xlsx (or the reverse) is read as what it is.
    check_workbook(path, by_content=True)
    try:
        # keep_default_na=False: pandas would read text such as "n/a" or "nan" as a blank cell,
        # i.e. as "no flow"; the text must reach parse_number and be reported.
        sheets = pd.read_excel(
            path, engine="calamine", header=None, sheet_name=None, keep_default_na=False
        )
    except BaseException as exc:  # calamine raises unrelated types, even Rust panics
        if not parser_failed(exc):
            raise
        raise InputError(
            [
                Problem(
                    path.name,
                    "-",
                    "-",
                    "-",
                    f"cannot read the workbook ({type(exc).__name__}: "
                    f"{shorten(str(exc))}); is the file truncated or not Excel?",
                )
            ]
        ) from exc
    problems: list[Problem] = []
    tables: list[SheetTable] = []
    skipped: list[Dropped] = []
    for sheet, grid in sheets.items():
        try:
            table = parse_grid(grid, path.name, str(sheet))
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if table is None:
            skipped.append(_front_matter(grid, path.name, str(sheet)))
        else:
            tables.append(table)
    if not tables and not problems:
        problems.append(Problem(path.name, "-", "-", "-", RULE_NO_TABLE))
    if problems:
        raise InputError(problems)
    frame = pd.concat([t.frame for t in tables], ignore_index=True)
    frame["edition_year"] = int(frame["data_year"].max())
    return Workbook(frame, skipped, [w for t in tables for w in t.warnings])


def read(path: Path) -> pd.DataFrame:
    """Faithful frame of one workbook: one row per table row, labels and units as printed."""
    return read_workbook(path).frame


# ---- normalising ------------------------------------------------------------------------------


def _codes(frame: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    codes: dict[str, str] = {}
    problems: list[Problem] = []
    for label in frame["partner_label"].unique():
        try:
            codes[label] = partner_code(label)
        except countries.UnknownCountry as exc:
            for row in frame[frame["partner_label"] == label].itertuples():
                problems.append(
                    Problem(
                        row.file,
                        row.location,
                        f"{row.label_column} (name)",
                        label,
                        str(exc.args[0]),
                    )
                )
    return frame["partner_label"].map(codes), problems


def _blank_cells(frame: pd.DataFrame) -> list[Dropped]:
    out: list[Dropped] = []
    for row in frame.to_dict("records"):
        shown = ", ".join(
            f"{FLOW_WORDS[f]} {'blank' if math.isnan(row[f]) else row[f]}" for f in FLOWS
        )
        for flow in FLOWS:
            if math.isnan(row[flow]):
                out.append(
                    Dropped(
                        row["file"],
                        f"{row['location']}, column {row[f'{flow}_column']}",
                        f"blank cell: no {FLOW_WORDS[flow]} with this partner (BNS leaves a cell "
                        "empty when there is no flow)",
                        f"{row['partner_label']}: {shown}",
                    )
                )
    return out


def _melt(frame: pd.DataFrame) -> pd.DataFrame:
    parts = [
        frame.assign(flow=flow, value_original=frame[flow]).dropna(subset=["value_original"])
        for flow in FLOWS
    ]
    return pd.concat(parts, ignore_index=True)


def _dedupe(long: pd.DataFrame) -> tuple[pd.DataFrame, list[Dropped], list[Problem]]:
    """A partner listed twice for one flow, period and edition: keep one if the values agree."""
    key = ["partner", "flow", "data_year", "last_month", "edition_year"]
    dup = long.duplicated(subset=key, keep=False)
    if not dup.any():
        return long, [], []
    dropped: list[Dropped] = []
    problems: list[Problem] = []
    drop_index: list[int] = []
    clashes: dict[tuple[str, str, str], list[str]] = {}
    for _, group in long[dup].groupby(key, sort=False):
        first = group.iloc[0]
        for idx, row in group.iloc[1:].iterrows():
            same = math.isclose(row["value_original"], first["value_original"], rel_tol=1e-12)
            where = f"{first['file']} {first['location']}"
            if not same and row["file"] != first["file"]:
                # Two files claim one edition of a year: one report per pair, not per cell.
                shown = f"{row['partner']} {row['flow']} {row['value_original']} vs {where}"
                clashes.setdefault((first["file"], row["file"], row["sheet"]), []).append(shown)
                continue
            if same:
                drop_index.append(idx)
                dropped.append(
                    Dropped(
                        row["file"],
                        row["location"],
                        f"partner {row['partner']} listed twice with the same "
                        f"{FLOW_WORDS[row['flow']]} value; kept {where}",
                        f"{row['partner_label']}: {row['value_original']}",
                    )
                )
            else:
                problems.append(
                    Problem(
                        row["file"],
                        row["location"],
                        row["flow"],
                        str(row["value_original"]),
                        f"partner {row['partner']} listed twice with different "
                        f"{FLOW_WORDS[row['flow']]} values ({first['value_original']}"
                        f" at {where}); remove one of the rows",
                    )
                )
    for (first_file, file, sheet), shown in clashes.items():
        year = long.loc[long["file"] == file, "edition_year"].iat[0]
        problems.append(
            Problem(
                file,
                _where(sheet),
                "-",
                f"{len(shown)} values differ, e.g. {shown[0]}",
                f"{first_file} and {file} both hold the {year} edition (newest year {year}) "
                "with different values: keep one of the two files in the folder (the one the "
                "publisher released last)",
            )
        )
    return long.drop(index=drop_index), dropped, problems


def _sum_problems(frame: pd.DataFrame) -> list[Problem]:
    """Rows whose turnover is not exports + imports (a blank counting as 0): a damaged or edited
    cell, which would otherwise be published as read. Tolerance as in etl.schemas: 1e-4
    relative, 0.2 thousand USD absolute (each cell is rounded to 0.1)."""
    parts = frame["export"].fillna(0) + frame["import"].fillna(0)
    tolerance = np.maximum(1e-4 * frame["turnover"].abs(), 0.2)
    off = frame["turnover"].notna() & ((frame["turnover"] - parts).abs() > tolerance)
    return [
        Problem(
            row["file"],
            row["location"],
            f"{row['turnover_column']} (turnover)",
            repr(float(row["turnover"])),
            f"turnover is not exports + imports ({row['export']} + {row['import']} = "
            f"{float(parts[idx])}): the file is damaged or was edited; download it again",
        )
        for idx, row in frame[off].iterrows()
    ]


def _share_warnings(frame: pd.DataFrame, problems: list[Problem]) -> list[str]:
    """Compare the file's share columns with value / «Всего» of the same sheet; a value above
    «Всего» itself (all partners) is a problem, not a warning."""
    warnings: list[str] = []
    for (file, sheet), rows in frame.groupby(["file", "sheet"], sort=False):
        world = rows[rows["partner"] == "WLD"]
        if world.empty:
            problems.append(Problem(file, _where(sheet), "name", "(none)", RULE_NO_TOTAL))
            continue
        total = world.iloc[0]
        for flow in FLOWS:
            above = rows[rows[flow] > total[flow] + 0.1]  # 0.1: the files' rounding
            for _, row in above.iterrows():
                problems.append(
                    Problem(
                        file,
                        row["location"],
                        f"{row[f'{flow}_column']} ({flow})",
                        repr(float(row[flow])),
                        f"larger than the «Всего» total of all partners ({float(total[flow])} "
                        "thousand USD): a unit or typing error",
                    )
                )
            computed = 100 * rows[flow] / total[flow]
            diff = (rows[f"{flow}_share"] - computed).abs()
            bad = rows[diff > SHARE_TOLERANCE_PP + 1e-9]
            for idx, row in bad.iterrows():
                warnings.append(
                    f"{file}: {row['location']}: {row['partner_label']} {flow} share "
                    f"{row[f'{flow}_share']} % in the file vs {computed[idx]:.5f} % recomputed "
                    f"(value / «Всего»), off by {diff[idx]:.3f} pp (> {SHARE_TOLERANCE_PP} pp)"
                )
    return warnings


def eu_membership(frame: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Partner codes with each sheet's «Страны ЕС» coded by its members: EU28 if GBR is listed.

    Members are the country rows after the group row up to the next group row (sheet order). The
    listing is trusted only when the members add up to the group row in every flow; otherwise a
    warning names the sheet and the code stays `EUU`.
    """
    codes = frame["partner"].copy()
    warnings: list[str] = []
    aggregate = frame["partner"].map(countries.is_aggregate).astype(bool)
    for (file, _sheet), rows in frame.groupby(["file", "sheet"], sort=False):
        rows = rows.sort_values("row")
        group = rows.index[rows["partner"] == EU_GROUP]
        if len(group) != 1:
            continue
        after = rows.loc[rows["row"] > rows.at[group[0], "row"]]
        stop = after.index[aggregate[after.index]]
        members = after[after["row"] < after.at[stop[0], "row"]] if len(stop) else after
        off = [
            f"{FLOW_WORDS[f]} {rows.at[group[0], f]:,.1f} vs {members[f].sum():,.1f}"
            for f in FLOWS
            if abs(rows.at[group[0], f] - members[f].fillna(0).sum())
            > MEMBER_ROUNDING * len(members) + 1e-6 * abs(rows.at[group[0], f])
        ]
        if off:
            warnings.append(
                f"{file}: {rows.at[group[0], 'location']}: «Страны ЕС» is not the sum of the "
                f"{len(members)} countries listed under it ({'; '.join(off)} thousand USD); "
                f"published as {EU_GROUP}"
            )
        elif UK in set(members["partner"]):
            codes[group[0]] = EU_WITH_UK
    return codes, warnings


def split(frame: pd.DataFrame) -> Split:
    """Map partners, drop blank cells and repeated partners; raise InputError on bad rows."""
    frame = frame.reset_index(drop=True)
    empty = frame[list(FLOWS)].isna().all(axis=1)
    dropped = [
        Dropped(
            row.file,
            row.location,
            "no value in any flow column (a note or heading row)",
            row.partner_label,
        )
        for row in frame[empty].itertuples()
    ]
    frame = frame[~empty]
    codes, problems = _codes(frame)
    frame = frame.assign(partner=codes)
    problems += _sum_problems(frame)
    warnings = _share_warnings(frame, problems)
    eu_codes, eu_warnings = eu_membership(frame)
    frame = frame.assign(partner=eu_codes)
    warnings += eu_warnings
    dropped += _blank_cells(frame)
    long, duplicates, dup_problems = _dedupe(_melt(frame))
    problems += dup_problems
    if problems:
        raise InputError(problems)
    return Split(long, dropped + duplicates, warnings)


def _periods(long: pd.DataFrame) -> pd.DataFrame:
    pairs = {
        (y, m): periods.year_period(y) if m == 12 else periods.ytd_period(y, m)
        for y, m in zip(long["data_year"], long["last_month"], strict=True)
    }
    starts = [pairs[(y, m)][0] for y, m in zip(long["data_year"], long["last_month"], strict=True)]
    ends = [pairs[(y, m)][1] for y, m in zip(long["data_year"], long["last_month"], strict=True)]
    return long.assign(
        period_start=pd.to_datetime(starts),
        period_end=pd.to_datetime(ends),
        basis=np.where(long["last_month"] == 12, "year", "ytd"),
    )


def tidy(long: pd.DataFrame) -> pd.DataFrame:
    """Published long rows -> the Trade frame (value in USD, one row per partner x flow)."""
    long = _periods(long)
    out = trade_frame(
        long,
        source=SOURCE,
        reporter=REPORTER,
        factor=UNIT_FACTOR,
        unit_original=UNIT_ORIGINAL,
        currency=CURRENCY,
        valuation=long["flow"].map(VALUATION),
        vintage=long["edition_year"].map(lambda y: f"{y} edition"),
        citation=sheet_citations(SOURCE, long["file"], long["sheet"]),
        flag=pd.Series(pd.NA, index=long.index, dtype="string"),
        location=long["file"] + ", " + long["location"],
    )
    order = {flow: i for i, flow in enumerate(FLOWS)}
    out = out.assign(_f=out["flow"].map(order), _r=long["row"])
    out = out.sort_values(["vintage", "period_start", "_r", "_f"], kind="stable")
    return out.drop(columns=["_f", "_r"]).reset_index(drop=True)


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Faithful frame -> tidy Trade frame; raises InputError on unknown partners or conflicts."""
    return tidy(split(frame).long)


def read_file(path: Path) -> FileRead:
    book = read_workbook(path)
    return FileRead(path, book.frame, book.skipped, book.warnings)


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    parts = split(faithful)
    return Tidy({"trade": tidy(parts.long)}, parts.dropped, parts.warnings)


def load(folder: Path) -> SourceResult:
    """Read every workbook in the folder; report all problems of all files together."""
    return read_folder(sys.modules[__name__], folder)

"""UNCTAD Bilateral FDI Statistics 2014, Table 1: FDI flows into one host economy by origin.

Grain: host economy x investor (economy or UNCTAD grouping) x calendar year, 2001-2012, in USD
(the sheet says millions; `value` is in dollars). One CSV per host, an R `write.csv` dump of the
UNCTAD fact-sheet grid (`webdiaeia2014d3_<ISO3>.xls`, sheet 1): a first column of R row numbers,
a header line of R-made names whose first name is the host ("Kazakhstan", "CHINA"), then the
sheet's cell texts. The hierarchy is the column a name stands in (World, economic grouping,
region, sub-region, economy); groupings are kept and flagged as aggregates.

UNCTAD's original workbook (`webdiaeia2014d3_<ISO3>.xls`) is read too: the same grid without R's
row-number column, its first row holding the host name that R took for the header line, so a
sheet row number equals the CSV line number. Its first sheet ('inflows') is read; a number stored
as a number (not as display text) is taken as stored.

Caveat: the concept differs by host. UNCTAD compiles each host's central-bank figures: Kazakhstan's
are gross inflows (footnote "Data refer to gross inflows."), the others net flows, which
may be negative. The measure is read from the footnote, never assumed the same for all hosts.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl import countries, periods, registry
from etl.errors import InputError, Problem, shorten
from etl.schemas import FDI_COLUMNS
from etl.sources.base import Dropped, FileRead, SourceResult, Tidy, read_folder
from etl.sources.text_files import (
    RULE_CUT_SHORT,
    decode_text,
    delimiter_problem,
    ends_cut_short,
    short_row_problem,
)
from etl.sources.workbooks import open_workbook

SOURCE = "unctad-bilateral-fdi"
PATTERNS = ("*.csv", "*.xls")  # R's CSV dumps, UNCTAD's original workbooks
NO_FILES = "no UNCTAD host-economy CSV or .xls files found"
WORKBOOK_SUFFIXES = (".xls", ".xlsx")
EACH_FILE = True  # one host economy per file
VINTAGE = "2014 edition"
TABLE_TITLE = "table 1. fdi flows in the host economy"
HEADER_TEXT = "region / economy"
NOT_AVAILABLE = ".."
PAGE_MARKER = "/..."
# What the unit line says -> (unit_original, factor to base units, currency).
UNITS = {"(millions of us dollars)": ("USD m", 1e6, "USD")}
LABEL_COLUMN = "Region / economy"
# Levels by the column a name stands in: 0 World, 1 economic grouping, 2 region, 3 sub-region,
# 4 economy. Names in the first two columns are always groupings.
AGGREGATE_ONLY_LEVELS = (0, 1)

# Thousands are separated by a space; UNCTAD's number format prints a minus as "- -", "--" or
# "-- " before the digits ("- -5", "-- 156", "--1 234"). A single "-" is accepted too.
_NUMBER = re.compile(r"(?P<minus>-\s?-?\s?)?(?P<digits>\d{1,3}(?: \d{3})+|\d+)")
# A number cell of the original workbook, as `_cell_text` writes it ('4557', '-5', '4556.7').
_STORED_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_SPACES = str.maketrans({"\xa0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " "})
_YEAR = re.compile(r"\d{4}")
_STEM_CODE = re.compile(r"(?:^|[_\-\s.])([A-Za-z]{3})$")
_FILLERS = {"", "NA"}
_FOOTERS = ("source:", "note:")


def parse_unctad_number(text: str) -> float | None:
    """Parse a UNCTAD display number ("4 557", "--1 234", "- -5") in the sheet's unit.

    Returns None for ".." (not available). Raises ValueError for anything else that is not an
    integer with space-separated thousands, so the caller can report the cell.
    """
    cleaned = str(text).translate(_SPACES).strip()
    if cleaned == NOT_AVAILABLE:
        return None
    match = _NUMBER.fullmatch(cleaned)
    if match is None:
        raise ValueError(
            "expected a whole number with thousands separated by spaces ('4 557'), "
            "a negative in UNCTAD's form ('- -5', '-- 156', '--1 234') or '..' (not available)"
        )
    number = float(match["digits"].replace(" ", ""))
    # "- -0" is a negative flow rounded to zero; keep it as 0.0 rather than -0.0.
    return -number + 0.0 if match["minus"] else number


@dataclass
class _Table:
    """What the title, unit, header and footer lines of one file say."""

    titles: list[str] = field(default_factory=list)
    unit_text: str = ""
    years: dict[int, int] = field(default_factory=dict)  # grid column -> year
    notes: list[str] = field(default_factory=list)
    compiled_from: list[str] = field(default_factory=list)
    first_column: int = 1  # the CSV column (1-based) of grid column 0: 2 after R's row numbers


def _decode(path: Path, problems: list[Problem]) -> tuple[str | None, str]:
    """The file's text and its encoding; R on Windows wrote some files in Windows-1252."""
    try:
        return decode_text(path.name, path.read_bytes(), fallback="cp1252")
    except InputError as exc:
        problems.extend(exc.problems)
        return None, ""


def _norm(text: str) -> str:
    return " ".join(str(text).translate(_SPACES).split()).casefold()


def _cell_text(value: object) -> str:
    """A workbook cell as the grid's text: numbers as stored ('4557', '-5', '4556.7')."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def _workbook_grid(path: Path) -> tuple[str, str, list[tuple[int, list[str]]], int]:
    """The original .xls: row 1 holds the host name, the table starts in row 2, column A."""
    name, rows = open_workbook(
        path,
        lambda book: (
            book.sheet_names[0],
            book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False),
        ),
        "cannot open as an Excel workbook",
    )
    cells = [[_cell_text(v) for v in row] for row in rows]
    if not cells:
        raise InputError([Problem(path.name, f"sheet '{name}'", "-", "", "the sheet is empty")])
    host_label = next((c for c in cells[0] if c.strip()), "")
    body = [(i + 1, row) for i, row in enumerate(cells) if i and any(c.strip() for c in row)]
    return "xls", host_label, body, 1


def _grid(path: Path, problems: list[Problem]) -> tuple[str, str, list[tuple[int, list[str]]], int]:
    """The encoding, the R header's first name (the host), the rows as (file line, cells) and
    the CSV column (1-based) of the grid's first column."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        try:
            return _workbook_grid(path)
        except InputError as exc:
            problems.extend(exc.problems)
            return "", "", [], 1
    text, encoding = _decode(path, problems)
    if text is None:
        return "", "", [], 1
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        problems.append(Problem(path.name, f"line {reader.line_num}", "-", "", f"bad CSV: {exc}"))
        return encoding, "", [], 1
    if not lines:
        problems.append(Problem(path.name, "whole file", "-", "", "file is empty"))
        return encoding, "", [], 1
    _, header = lines[0]
    other = delimiter_problem(path.name, *lines[0])
    if other is not None:
        problems.append(other)
        return encoding, "", [], 1
    last_line, last_row = lines[-1]
    if len(lines) > 1 and ends_cut_short(text.encode()):
        # name the cut cell by its year in the 'Region / economy' row, when it is under one
        years = next((r for _, r in lines if _is_header_row(r)), [])
        column = years[len(last_row) - 1] if len(years) >= len(last_row) else "-"
        problems.append(
            Problem(path.name, f"line {last_line}", column or "-", last_row[-1], RULE_CUT_SHORT)
        )
    # R's write.csv puts the row names in an unnamed first column; drop it when it is there.
    offset = 1 if header and header[0] == "" else 0
    host_label = header[offset] if len(header) > offset else ""
    width = len(header)
    rows: list[tuple[int, list[str]]] = []
    for line, row in lines[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            problems.append(short_row_problem(path.name, line, row, width, "the header line"))
            continue
        rows.append((line, row[offset:]))
    return encoding, host_label, rows, offset + 1


def _is_header_row(cells: list[str]) -> bool:
    return any(_norm(cell) == HEADER_TEXT for cell in cells)


def _year_columns(cells: list[str]) -> dict[int, int]:
    return {i: int(c.strip()) for i, c in enumerate(cells) if _YEAR.fullmatch(c.strip())}


def _label_columns(rows: list[tuple[int, list[str]]], first_year: int) -> list[int]:
    """Grid columns left of the years that hold names; R's `NA` filler column is skipped."""
    return [
        col
        for col in range(first_year)
        if any(cells[col].strip() not in _FILLERS for _, cells in rows)
    ]


def read(path: Path) -> pd.DataFrame:
    """One row per (name, year) cell as the file has it: level, label, year and the cell text.

    Table-level facts (header host name, title, unit line, footnotes) ride along as columns.
    Titles, unit lines, repeated headers ("(continued)", "(concluded)"), page markers ("/...")
    and footers (Source:, Note:) are layout, not data, and yield no rows.
    """
    problems: list[Problem] = []
    encoding, host_label, rows, first_column = _grid(path, problems)
    header_rows = [(line, cells) for line, cells in rows if _is_header_row(cells)]
    if rows and not header_rows:
        problems.append(
            Problem(path.name, "whole file", LABEL_COLUMN, "", "no header row 'Region / economy'")
        )
    if problems:
        raise InputError(problems)

    table = _Table(first_column=first_column)
    first_line, first_header = header_rows[0]
    table.years = _year_columns(first_header)
    if not table.years:
        problems.append(
            Problem(
                path.name,
                f"line {first_line}",
                LABEL_COLUMN,
                shorten(",".join(first_header)),
                "the header row names no year columns",
            )
        )
        raise InputError(problems)
    for line, cells in header_rows[1:]:
        if _year_columns(cells) != table.years:
            problems.append(
                Problem(
                    path.name,
                    f"line {line}",
                    LABEL_COLUMN,
                    shorten(",".join(cells)),
                    "repeated header row lists other years than the first header row",
                )
            )
    first_year = min(table.years)
    body = [(line, cells) for line, cells in rows if not _is_header_row(cells)]
    label_cols = _label_columns(body, first_year)

    records: list[dict[str, object]] = []
    for line, cells in body:
        if line < first_line:  # titles or notes above the header row, as in a moved table
            _above_header(path.name, line, cells, table, problems)
            continue
        records.extend(_data_cells(path.name, line, cells, label_cols, table, problems))
    _check_table(path.name, table, problems)
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame.from_records(
        records, columns=["file", "line", "location", "level", "label", "year", "text"]
    )
    frame["host_label"] = host_label.strip()
    frame["title"] = table.titles[0] if table.titles else ""
    frame["unit_text"] = table.unit_text
    frame["notes"] = " ".join(table.notes)
    frame["compiled_from"] = " ".join(table.compiled_from)
    frame["encoding"] = encoding
    return frame


def _above_header(
    file: str, line: int, cells: list[str], table: _Table, problems: list[Problem]
) -> None:
    """A line above the header row is layout: the title, the unit line or free text; values
    there cannot be read, so they are a problem rather than silently skipped."""
    values = [cells[col].strip() for col in table.years if cells[col].strip()]
    if values:
        rule = "values above the header row 'Region / economy'"
        problems.append(Problem(file, f"line {line}", LABEL_COLUMN, shorten(values[0]), rule))
        return
    texts = [c.strip() for c in cells if c.strip() not in _FILLERS]
    if texts:
        _layout_line(texts[0], table, file, f"line {line}", problems)


def _data_cells(
    file: str,
    line: int,
    cells: list[str],
    label_cols: list[int],
    table: _Table,
    problems: list[Problem],
) -> list[dict[str, object]]:
    """Rows for one sheet line, or none when the line is a title, unit, marker or footer."""
    names = [(level, cells[col].strip()) for level, col in enumerate(label_cols)]
    names = [(level, name) for level, name in names if name and name != "NA"]
    values = {year: cells[col].strip() for col, year in table.years.items()}
    filled = {year: text for year, text in values.items() if text}
    location = f"line {line}"
    if not names:
        if set(filled.values()) <= {PAGE_MARKER}:
            return []
        problems.append(
            Problem(file, location, LABEL_COLUMN, "", "values without a region/economy name")
        )
        return []
    if len(names) > 1:
        problems.append(
            Problem(
                file,
                location,
                LABEL_COLUMN,
                shorten(" | ".join(n for _, n in names)),
                "a row must hold one name, in the column of its hierarchy level",
            )
        )
        return []
    level, name = names[0]
    if level == 0 and not filled and _layout_line(name, table, file, location, problems):
        return []
    for col, cell in enumerate(cells):
        if col not in label_cols and col not in table.years and cell.strip() not in _FILLERS:
            where = f"column {table.first_column + col}"
            rule = "value in a column without a year in the header row"
            problems.append(Problem(file, location, where, shorten(cell), rule))
    missing = [str(year) for year, text in values.items() if not text]
    if missing:
        problems.append(
            Problem(
                file,
                location,
                ", ".join(missing),
                "",
                f"empty value cell for {name!r} (UNCTAD writes '..' for not available)",
            )
        )
    return [
        {
            "file": file,
            "line": line,
            "location": location,
            "level": level,
            "label": name,
            "year": year,
            "text": text,
        }
        for year, text in values.items()
        if text
    ]


def _layout_line(
    name: str, table: _Table, file: str, location: str, problems: list[Problem]
) -> bool:
    """Record a title, unit line or footer; False if the text is none of them (a name)."""
    key = _norm(name)
    if key.startswith("table "):
        if not key.startswith(TABLE_TITLE):
            rule = (
                "only 'Table 1. FDI flows in the host economy, by geographical origin' is supported"
            )
            problems.append(Problem(file, location, LABEL_COLUMN, shorten(name), rule))
        table.titles.append(name)
        return True
    if key.startswith("(") and key.endswith(")"):
        if table.unit_text and key != _norm(table.unit_text):
            rule = f"unit line differs from the first one {table.unit_text!r}"
            problems.append(Problem(file, location, LABEL_COLUMN, shorten(name), rule))
        table.unit_text = table.unit_text or name
        return True
    if key.startswith(_FOOTERS):
        body = " ".join(name.split(":", 1)[1].split())
        (table.notes if key.startswith("note:") else table.compiled_from).append(body)
        return True
    return False


def _check_table(file: str, table: _Table, problems: list[Problem]) -> None:
    if not table.titles:
        problems.append(
            Problem(
                file,
                "whole file",
                LABEL_COLUMN,
                "",
                "no title 'Table 1. FDI flows in the host economy, by geographical origin'",
            )
        )
    if _norm(table.unit_text) not in UNITS:
        problems.append(
            Problem(
                file,
                "whole file",
                LABEL_COLUMN,
                table.unit_text,
                f"unit line must be one of {sorted(UNITS)}",
            )
        )


def host_of(file: str, host_label: str) -> tuple[str | None, Problem | None]:
    """Host ISO3 from the file name's trailing code and the header name; both must agree."""
    stem = Path(file).stem
    match = _STEM_CODE.search(stem)
    from_stem = match[1].upper() if match else None
    if from_stem is not None and (
        from_stem not in countries.known_codes() or countries.is_aggregate(from_stem)
    ):
        from_stem = None
    from_label = None
    label_known = True
    if host_label and not re.fullmatch(r"X(\.\d+)?|V\d+", host_label):
        try:
            from_label = countries.to_iso3(host_label, "unctad")
        except countries.UnknownCountry:
            label_known = False
    if from_stem and from_label and from_stem != from_label:
        return None, Problem(
            file,
            "line 1",
            "header",
            host_label,
            f"host in the header ({from_label}) differs from the file name's code ({from_stem})",
        )
    host = from_stem or from_label
    if host is None:
        rule = (
            "host economy unknown: name the file <ISO3>.csv or add the header name to "
            "etl/country_names/unctad.csv"
        )
        return None, Problem(file, "line 1", "header", host_label, rule)
    if not label_known:
        return None, Problem(
            file,
            "line 1",
            "header",
            host_label,
            "unknown host name: add it to etl/country_names/unctad.csv",
        )
    return host, None


def measure_of(notes: str) -> str:
    """Gross inflows when the footnote says so (Kazakhstan), else UNCTAD's net flows."""
    return "gross_inflow" if "gross inflow" in _norm(notes) else "net_inflow"


def repeated_lines(frame: pd.DataFrame) -> tuple[dict[tuple[str, int], int], list[Problem]]:
    """Lines naming an economy or grouping already named earlier in the same file.

    Returns (file, line) -> the first line, for repeats with the same values (dropped), and a
    Problem for each repeat with other values (which one is right cannot be told).
    """
    lines = frame.groupby(["file", "line"], sort=True).agg(
        label=("label", "first"), cells=("text", tuple), years=("year", tuple)
    )
    first: dict[tuple[str, str], tuple[int, tuple]] = {}
    repeats: dict[tuple[str, int], int] = {}
    problems: list[Problem] = []
    for (file, line), r in lines.iterrows():
        try:
            name = countries.to_iso3(r["label"], "unctad")
        except countries.UnknownCountry:
            name = countries.normalise_name(r["label"])  # reported as unknown elsewhere
        values = (r["years"], r["cells"])
        earlier = first.setdefault((file, name), (line, values))
        if earlier[0] == line:
            continue
        if earlier[1] == values:
            repeats[(file, line)] = earlier[0]
        else:
            rule = f"listed again with other values (first at line {earlier[0]})"
            problems.append(Problem(file, f"line {line}", LABEL_COLUMN, r["label"], rule))
    return repeats, problems


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy `Fdi` rows from `read()` output; ".." cells and repeated lines yield no row (see
    `not_published`)."""
    repeats, problems = repeated_lines(frame)
    if repeats:
        keys = list(zip(frame["file"], frame["line"], strict=True))
        frame = frame[[k not in repeats for k in keys]]
    out: list[pd.DataFrame] = []
    for file, part in frame.groupby("file", sort=False):
        tidy = _normalize_file(str(file), part, problems)
        if tidy is not None:
            out.append(tidy)
    if problems:
        raise InputError(problems)
    if not out:
        return pd.DataFrame(columns=_COLUMNS)
    return pd.concat(out, ignore_index=True)


_COLUMNS = FDI_COLUMNS


def _normalize_file(file: str, part: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame | None:
    first = part.iloc[0]
    host, problem = host_of(file, str(first["host_label"]))
    if problem is not None:
        problems.append(problem)
    unit_original, factor, currency = UNITS[_norm(str(first["unit_text"]))]
    codes = _investor_codes(file, part, problems)
    from_workbook = first["encoding"] == "xls"  # number cells stored as numbers, not display text
    rows: list[dict[str, object]] = []
    for rec in part.itertuples(index=False):
        try:
            number = (
                float(rec.text)
                if from_workbook and _STORED_NUMBER.fullmatch(str(rec.text))
                else parse_unctad_number(str(rec.text))
            )
        except ValueError as exc:
            problems.append(
                Problem(file, str(rec.location), str(rec.year), shorten(rec.text), str(exc))
            )
            continue
        code = codes.get(int(rec.line))
        if number is None or code is None:
            continue
        start, end = periods.year_period(int(rec.year))
        rows.append(
            {
                "investor": code,
                "investor_label": " ".join(str(rec.label).split()),
                "period_start": start,
                "period_end": end,
                "value_original": number,
            }
        )
    if host is None or not rows:
        return None
    tidy = pd.DataFrame.from_records(rows)
    tidy.insert(0, "source", SOURCE)
    tidy.insert(1, "host", host)
    tidy["investor_is_aggregate"] = tidy["investor"].map(countries.is_aggregate).astype(bool)
    tidy["measure"] = measure_of(str(first["notes"]))
    tidy["basis"] = "year"
    tidy["value"] = tidy["value_original"] * factor
    tidy["unit_original"] = unit_original
    tidy["currency"] = currency
    tidy["value_usd"] = tidy["value"] if currency == "USD" else float("nan")
    tidy["vintage"] = VINTAGE
    tidy["citation"] = registry.citation(SOURCE, file)
    tidy["note"] = note_of(str(first["notes"]), str(first["compiled_from"]))
    return tidy[_COLUMNS]


def note_of(notes: str, compiled_from: str) -> str | None:
    """The file's footnote plus whose data UNCTAD compiled ("Source: ... Deutsche Bundesbank.")."""
    parts = [notes.strip()]
    if compiled_from.strip():
        parts.append(f"Source: {compiled_from.strip()}")
    return " ".join(p for p in parts if p) or None


def _investor_codes(file: str, part: pd.DataFrame, problems: list[Problem]) -> dict[int, str]:
    """File line -> ISO3 or aggregate code of the name on that line; unknown names reported."""
    codes: dict[int, str] = {}
    for rec in part.drop_duplicates("line").itertuples(index=False):
        label, level = str(rec.label), int(rec.level)
        try:
            code = countries.to_iso3(label, "unctad")
        except countries.UnknownCountry as exc:
            problems.append(Problem(file, str(rec.location), LABEL_COLUMN, label, str(exc)))
            continue
        if level in AGGREGATE_ONLY_LEVELS and not countries.is_aggregate(code):
            problems.append(
                Problem(
                    file,
                    str(rec.location),
                    LABEL_COLUMN,
                    label,
                    f"a name in hierarchy column {level + 1} must be a grouping, "
                    f"but it maps to the economy {code}",
                )
            )
            continue
        codes[int(rec.line)] = code
    return codes


def not_published(frame: pd.DataFrame) -> list[Dropped]:
    """The ".." cells and repeated lines of `read()` output: read, but not published."""
    repeats, _ = repeated_lines(frame)
    keys = list(zip(frame["file"], frame["line"], strict=True))
    again = frame[[k in repeats for k in keys]]
    out = [
        Dropped(
            file=str(r.file),
            location=f"{r.location}, column {r.year}",
            reason=f"repeats line {repeats[(r.file, r.line)]} (same name, same values)",
            content=f"{r.label} {r.year}: {r.text!r}",
        )
        for r in again.itertuples(index=False)
    ]
    frame = frame[[k not in repeats for k in keys]]
    na = frame[frame["text"].map(lambda t: str(t).translate(_SPACES).strip() == NOT_AVAILABLE)]
    return out + [
        Dropped(
            file=str(r.file),
            location=f"{r.location}, column {r.year}",
            reason="'..' = not available in UNCTAD's table",
            content=f"{r.label} {r.year}: {r.text!r}",
        )
        for r in na.itertuples(index=False)
    ]


def read_file(path: Path) -> FileRead:
    frame = read(path)
    cp1252 = not frame.empty and frame["encoding"].iat[0] == "cp1252"
    warnings = [f"{path.name}: not UTF-8; decoded as Windows-1252"] if cp1252 else []
    return FileRead(path, frame, warnings=warnings)  # rows: value cells, published or dropped


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    if faithful.empty:
        return Tidy({"fdi": pd.DataFrame(columns=_COLUMNS)})
    return Tidy({"fdi": normalize(faithful)}, not_published(faithful))


def load(folder: Path) -> SourceResult:
    """Every host-economy CSV or .xls in `folder` -> one "fdi" frame; all problems together."""
    return read_folder(sys.modules[__name__], folder)

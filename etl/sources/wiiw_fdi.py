"""wiiw FDI Database export for Kazakhstan: FDI by partner country (data of the NBK).

Grain: host (Kazakhstan) x partner (ISO alpha-2 or wiiw aggregate code) x measure x calendar year,
2003-2021, in EUR (the file says `EUR m`; `value` is in euros, `value_usd` is left empty for the
lead's cited FX table). "FDI inflow" is the **net** inflow (BPM5 to 2012, BPM6 directional
principle from 2013), "FDI inward stock" the year-end position. Each row's `note` opens with its
methodology, "BPM5 basis." or "BPM6 basis (directional principle).", by the year the footnote
names ("From 2013 based on BPM6"), so sums across 2012/2013 can say they mix the two. Shares
wiiw computed (`in % of total`) are not published: tradeboard derives shares itself from the
World row.

The export's second table (`wiiw-fdi-database.csv`, FDI by economic activity) is listed but not
read: the fdi frame has no activity dimension.
"""

from __future__ import annotations

import csv
import io
import re
import sys
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
    parse_decimal,
    short_row_problem,
)

SOURCE = "wiiw-fdi-kazakhstan"
PATTERNS = ("*.csv",)
NO_FILES = "no wiiw 'FDI by partner' CSV (a header with 'Partner-Code') found"
EACH_FILE = True
VINTAGE = "2023-04 export"
FAMILY = "wiiw"
MEASURES = {"fdi inflow": "net_inflow", "fdi inward stock": "inward_stock"}
OUTWARD = {"fdi outflow", "fdi outward stock"}
UNITS = {"eur m": ("EUR m", 1e6, "EUR")}
MISSING = {".", ""}
REQUIRED = ["Country-Code", "Direction", "Partner-Code", "Partner", "Unit", "Footnotes"]
OPTIONAL = ["Country", "Sources"]
# File header -> faithful-frame column (the file's names have hyphens; errors use the file's).
FIELDS = {col: col.casefold().replace("-", "_") for col in REQUIRED + OPTIONAL}
PERCENT_REASON = "percentage computed by wiiw; tradeboard derives shares itself"
OUTWARD_REASON = "outward FDI (Kazakhstan investing abroad) is not part of the inward fdi frame"
MISSING_REASON = "'.' = no value in the wiiw export"
ACTIVITY_WARNING = "activity breakdown not used"
# wiiw attaches the methodological footnote to the total only, saying it holds for every partner.
GENERAL_FOOTNOTE = "valid for all countries"
_YEAR = re.compile(r"_?(\d{4})")
# wiiw's footnote names the first BPM6 year: "From 2013 based on BPM6, directional principle."
BPM6_FROM = re.compile(r"from (\d{4}) based on BPM6", re.IGNORECASE)
BPM5_NOTE = "BPM5 basis."
BPM6_NOTE = "BPM6 basis (directional principle)."
_HEADER_SCAN = 20


def _norm(text: object) -> str:
    return " ".join(str(text).replace("\xa0", " ").split()).casefold()


def _rows(path: Path) -> tuple[list[tuple[int, list[str]]], Problem | None]:
    """(file line, cells) of every non-empty CSV row, or the problem that stopped reading."""
    try:
        text, _ = decode_text(path.name, path.read_bytes())
    except InputError as exc:
        return [], exc.problems[0]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        return rows, Problem(path.name, f"line {reader.line_num}", "-", "", f"bad CSV: {exc}")
    return rows, None


def _header_index(rows: list[tuple[int, list[str]]], wanted: str) -> int | None:
    for i, (_, row) in enumerate(rows[:_HEADER_SCAN]):
        if wanted.casefold() in {_norm(c) for c in row}:
            return i
    return None


def _unreadable(path: Path) -> Problem | None:
    """Why a CSV that is neither table cannot be read: empty, encoding, delimiter; else None."""
    if not path.read_bytes().strip():
        return Problem(path.name, "line 1", "-", "", "the file is empty")
    rows, problem = _rows(path)
    return problem or (delimiter_problem(path.name, *rows[0]) if rows else None)


def table_kind(path: Path) -> str | None:
    """'partner' for the by-partner table, 'activity' for the by-activity one, else None."""
    rows, _ = _rows(path)
    if _header_index(rows, "partner-code") is not None:
        return "partner"
    if _header_index(rows, "industry/product") is not None:
        return "activity"
    return None


def read(path: Path) -> pd.DataFrame:
    """One row per (file row, year) cell with the file's labels, unit, footnote and cell text."""
    rows, problem = _rows(path)
    if problem is not None:
        raise InputError([problem])
    at = _header_index(rows, "partner-code")
    if at is None:
        raise InputError(
            [
                Problem(
                    path.name,
                    "whole file",
                    "Partner-Code",
                    "",
                    "no header row with a 'Partner-Code' column (is this the partner table?)",
                )
            ]
        )
    header_line, header = rows[at]
    names = {_norm(c): i for i, c in enumerate(header)}
    problems = [
        Problem(path.name, f"line {header_line}", col, "", "missing expected header")
        for col in REQUIRED
        if _norm(col) not in names
    ]
    years = {i: int(m[1]) for i, c in enumerate(header) if (m := _YEAR.fullmatch(c.strip()))}
    if not years:
        problems.append(
            Problem(path.name, f"line {header_line}", "_2003 ...", "", "no year columns")
        )
    if problems:
        raise InputError(problems)

    columns = {col: names.get(_norm(col)) for col in REQUIRED + OPTIONAL}
    records: list[dict[str, object]] = []
    for line, row in rows[at + 1 :]:
        if len(row) != len(header):
            problems.append(short_row_problem(path.name, line, row, len(header)))
            continue
        labels = {FIELDS[col]: "" if i is None else row[i].strip() for col, i in columns.items()}
        for i, year in years.items():
            records.append(
                {
                    "file": path.name,
                    "line": line,
                    "location": f"line {line}",
                    **labels,
                    "year_column": header[i],
                    "year": year,
                    "text": row[i].strip(),
                }
            )
    last_line, last_row = rows[-1]
    if at + 1 < len(rows) and ends_cut_short(path.read_bytes()):
        where = f"line {last_line}"
        problems.append(Problem(path.name, where, header[-1], last_row[-1], RULE_CUT_SHORT))
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(
        records,
        columns=["file", "line", "location", *FIELDS.values(), "year_column", "year", "text"],
    )


def drop_reason(direction: str, unit: str, text: str) -> str | None:
    """Why a cell is read but not published, or None when it is published."""
    if _norm(unit).startswith("in %"):
        return PERCENT_REASON
    if _norm(direction) in OUTWARD:
        return OUTWARD_REASON
    if text.strip() in MISSING:
        return MISSING_REASON
    return None


def repeated_lines(frame: pd.DataFrame) -> tuple[dict[tuple[str, int], int], list[Problem]]:
    """Published lines that repeat an earlier line's direction, partner and unit.

    Returns (file, line) -> the first line, for repeats with the same values (dropped), and a
    Problem for each repeat with other values (which one is right cannot be told).
    """
    kept = frame[
        [
            drop_reason(d, u, "0") is None
            for d, u in zip(frame["direction"], frame["unit"], strict=True)
        ]
    ]
    lines = kept.groupby(["file", "line"], sort=True).agg(
        direction=("direction", "first"), code=("partner_code", "first"),
        unit=("unit", "first"), values=("text", tuple),
    )  # fmt: skip
    first: dict[tuple, tuple[int, tuple]] = {}
    repeats: dict[tuple[str, int], int] = {}
    problems: list[Problem] = []
    for (file, line), r in lines.iterrows():
        key = (file, _norm(r["direction"]), r["code"], _norm(r["unit"]))
        if key not in first:
            first[key] = (line, r["values"])
        elif first[key][1] == r["values"]:
            repeats[(file, line)] = first[key][0]
        else:
            rule = f"listed again with other values (first at line {first[key][0]})"
            problems.append(Problem(file, f"line {line}", "Partner-Code", r["code"], rule))
    return repeats, problems


def not_published(frame: pd.DataFrame) -> list[Dropped]:
    """Percent rows, outward rows, '.' cells and repeated lines of `read()` output, each with
    its reason."""
    out: list[Dropped] = []
    repeats, _ = repeated_lines(frame)
    for r in frame.itertuples(index=False):
        reason = drop_reason(r.direction, r.unit, r.text)
        if reason is None and (r.file, r.line) in repeats:
            first = repeats[(r.file, r.line)]
            reason = f"repeats line {first} (same direction, partner, unit and values)"
        if reason is not None:
            out.append(
                Dropped(
                    file=str(r.file),
                    location=f"{r.location}, column {r.year_column}",
                    reason=reason,
                    content=f"{r.direction} | {r.partner} | {r.unit} | {r.year}: {r.text!r}",
                )
            )
    return out


def partner_code(code: str, name: str) -> str:
    """ISO3 or aggregate code for wiiw's Partner-Code, cross-checked against the Partner name.

    Non-ISO codes (WORLD, EU27_2020, ...) come from etl/country_names/wiiw.csv; the rest are ISO
    alpha-2. Raises UnknownCountry, or ValueError when code and name disagree.
    """
    try:
        iso3 = countries.to_iso3(code, FAMILY)
    except countries.UnknownCountry:
        iso3 = countries.alpha2_to_iso3(code)
    try:
        by_name = countries.to_iso3(name, FAMILY)
    except countries.UnknownCountry:
        return iso3  # the code is authoritative; an unfamiliar spelling of the name is no error
    if by_name != iso3:
        raise ValueError(f"code {code!r} is {iso3} but the name {name!r} is {by_name}")
    return iso3


def _notes(frame: pd.DataFrame) -> pd.Series:
    """Each row's footnote, plus the direction's footnote that says it is valid for all."""
    own = frame["footnotes"].where(~frame["footnotes"].isin(["-", ""]), "")
    general = (
        frame.loc[own.str.contains(GENERAL_FOOTNOTE, case=False, regex=False)]
        .groupby("direction")["footnotes"]
        .first()
    )
    shared = frame["direction"].map(lambda d: general.get(d, ""))
    notes = [
        " ".join(dict.fromkeys(t for t in (a, b) if t)) or None
        for a, b in zip(own, shared, strict=True)
    ]
    return pd.Series(notes, index=frame.index, dtype=object)


def methodology_note(note: str | None, year: int) -> str | None:
    """The note with the row's methodology in front, when the footnote says when BPM6 starts."""
    found = BPM6_FROM.search(note or "")
    if found is None:
        return note
    return f"{BPM6_NOTE if year >= int(found[1]) else BPM5_NOTE} {note}"


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy `Fdi` rows (EUR m values) from `read()` output; see `not_published` for the rest."""
    repeats, problems = repeated_lines(frame)
    frame = frame.assign(note=_notes(frame))
    keep = [
        drop_reason(d, u, t) is None and (f, n) not in repeats
        for d, u, t, f, n in zip(
            frame["direction"],
            frame["unit"],
            frame["text"],
            frame["file"],
            frame["line"],
            strict=True,
        )
    ]
    part = frame[keep]
    codes = _codes(part, problems)
    rows: list[dict[str, object]] = []
    for r in part.itertuples(index=False):
        measure = MEASURES.get(_norm(r.direction))
        if measure is None:
            rule = f"direction must be one of {sorted(MEASURES | dict.fromkeys(OUTWARD))}"
            problems.append(Problem(str(r.file), str(r.location), "Direction", r.direction, rule))
            continue
        unit = UNITS.get(_norm(r.unit))
        if unit is None:
            rule = f"unit must be one of {sorted(UNITS)} or a percentage ('in % of ...')"
            problems.append(Problem(str(r.file), str(r.location), "Unit", r.unit, rule))
            continue
        try:
            number = parse_decimal(str(r.text))
        except ValueError:
            problems.append(
                Problem(
                    str(r.file),
                    str(r.location),
                    str(r.year_column),
                    shorten(r.text),
                    "expected a number with '.' as decimal point, or '.' for no value",
                )
            )
            continue
        host, investor = codes.get(("host", r.line)), codes.get(("investor", r.line))
        if host is None or investor is None:
            continue
        unit_original, factor, currency = unit
        start, end = periods.year_period(int(r.year))
        rows.append(
            {
                "source": SOURCE,
                "host": host,
                "investor": investor,
                "investor_label": r.partner,
                "investor_is_aggregate": countries.is_aggregate(investor),
                "measure": measure,
                "basis": "year",
                "period_start": start,
                "period_end": end,
                "value": number * factor,
                "value_original": number,
                "unit_original": unit_original,
                "currency": currency,
                "value_usd": number * factor if currency == "USD" else None,
                "vintage": VINTAGE,
                "citation": registry.citation(SOURCE, str(r.file), r.direction),
                "note": methodology_note(r.note, int(r.year)),
            }
        )
    if problems:
        raise InputError(_unique(problems))
    tidy = pd.DataFrame.from_records(rows, columns=_COLUMNS)
    tidy["value_usd"] = tidy["value_usd"].astype(float)
    return tidy


_COLUMNS = FDI_COLUMNS


def _codes(part: pd.DataFrame, problems: list[Problem]) -> dict[tuple[str, int], str]:
    """('host' | 'investor', file line) -> code; unknown or contradictory codes reported."""
    codes: dict[tuple[str, int], str] = {}
    for r in part.drop_duplicates("line").itertuples(index=False):
        file, where = str(r.file), str(r.location)
        try:
            codes[("host", r.line)] = _host(r.country_code, r.country)
        except countries.UnknownCountry:
            problems.append(
                Problem(file, where, "Country-Code", r.country_code, "not an ISO 3166 alpha-2 code")
            )
        except ValueError as exc:
            problems.append(Problem(file, where, "Country-Code", r.country_code, str(exc)))
        code, name = r.partner_code, r.partner
        try:
            codes[("investor", r.line)] = partner_code(code, name)
        except countries.UnknownCountry:
            problems.append(
                Problem(
                    file,
                    where,
                    "Partner-Code",
                    code,
                    "neither ISO 3166 alpha-2 nor listed in etl/country_names/wiiw.csv",
                )
            )
        except ValueError as exc:
            problems.append(Problem(file, where, "Partner-Code", code, str(exc)))
    return codes


def _host(code: str, name: str) -> str:
    """Host ISO3 from Country-Code (alpha-2), cross-checked against the Country name if given."""
    iso3 = countries.alpha2_to_iso3(code)
    if name:
        try:
            by_name = countries.to_iso3(name, FAMILY)
        except countries.UnknownCountry:
            return iso3
        if by_name != iso3:
            raise ValueError(f"code {code!r} is {iso3} but the country name {name!r} is {by_name}")
    return iso3


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def read_file(path: Path) -> FileRead:
    """The partner table is read; the activity table is listed with a warning; any other CSV
    is left unread (reported in `SourceResult.unread`)."""
    kind = table_kind(path)
    if kind == "partner":
        return FileRead(path, read(path), detail=kind)
    if kind == "activity":
        return FileRead(path, pd.DataFrame(), [], [f"{path.name}: {ACTIVITY_WARNING}"], detail=kind)
    reason = "neither wiiw's partner nor activity table"
    return FileRead(path, pd.DataFrame(), unread=reason, detail=_unreadable(path))


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    if faithful.empty:
        return Tidy({"fdi": pd.DataFrame(columns=_COLUMNS)})
    return Tidy({"fdi": normalize(faithful)}, not_published(faithful))


def finish(tidy: Tidy, reads: list[FileRead]) -> Tidy:
    """No partner table at all: a broken one is most likely, so say what is wrong with it."""
    if not any(r.detail == "partner" for r in reads):
        broken = [r.detail for r in reads if isinstance(r.detail, Problem)]
        rule = NO_FILES
        raise InputError(broken or [Problem(str(reads[0].path.parent), "folder", "-", "", rule)])
    return tidy


def load(folder: Path) -> SourceResult:
    """The partner table in `folder` -> one "fdi" frame; the activity table is listed, not read."""
    return read_folder(sys.modules[__name__], folder)

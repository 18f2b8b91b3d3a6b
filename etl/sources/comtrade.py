"""UN Comtrade final data (API `getFinalData` or bulk download), read as a stream of tidy frames.

An optional source: read when data/raw/un-comtrade/ exists (the user's own downloads).
Grain: one row per reporter x partner x commodity (HS code or "TOTAL") x flow x month or year, in
US dollars (base units, as Comtrade publishes `primaryValue`). Exports are FOB, imports CIF.
`partner_label` is Comtrade's own name for the partner code ("Other Asia, nes" for Taiwan).
`vintage` is the publication date in a bulk file's name, else DEFAULT_VINTAGE.

Layout. Comtrade's API and bulk files share one 47-column layout (`COLUMNS`); this order is the one
`comtradeapicall.previewFinalData`/`getFinalData` return (uncomtrade/comtradeapicall, notebook
"tests/example calling functions - notebook.ipynb": "5 rows x 47 columns", typeCode ... isAggregate)
and the field list of the Comtrade+ record (typeCode, freqCode, refPeriodId, refYear, refMonth,
period, reporterCode, ..., primaryValue, legacyEstimationFlag, isReported, isAggregate). Only the
columns in `REQUIRED` and `OPTIONAL` are parsed; the others may be missing or empty. Comma- and
tab-separated files (bulk `COMTRADE-FINAL-...[YYYY-MM-DD].txt`, optionally .gz) are both read,
the delimiter detected from the header. The header is found by its text (any case, within the
first lines); a byte-order mark and a trailing delimiter on every data line (which makes pandas
shift the columns of Comtrade+ web exports by one) are tolerated.

Codes. `reporterCode`/`partnerCode` are Comtrade's own numeric codes (842 USA, 757 Switzerland,
699 India, 251 France, 579 Norway, 490 "Other Asia, nes" = Taiwan, 0 World, 899 Areas nes, 97 EU),
mapped with `etl/country_names/comtrade_codes.csv`; an unknown code is an input error.
`partner_is_aggregate` comes from that table (WLD, XNS, EUU), not from Comtrade's `isAggregate`,
which is about how the row was compiled. Codes the table knows but cannot publish (Bunkers, Free
Zones, Special Categories, regional "nes" residuals, Belgium-Luxembourg...) are dropped with the
reason. `cmdCode` stays a string ("01", "TOTAL").

Dropped, with reasons: re-exports/re-imports (RX, RM) and other special flows (the Trade table has
export|import only), rows broken down by customs procedure, mode of transport or second partner
(only the totals C00/0/0 are published, so a "plus" download does not double count), residual
areas. At scale the reasons are listed row by row up to `DETAIL_LIMIT` per file and reason, then
summarised in one record.

Scale. A streamed source (`STREAMED`): the pipeline never holds the whole source. `iter_chunks()`
streams a file in byte blocks parsed by pyarrow with only the needed columns and explicit types
(codes dictionary-encoded), and maps codes once per distinct value (never per row), so memory stays
flat at any file size; etl/engine.py cuts plain files into blocks (`split`, `read_block`), validates
and writes each block as a Dask task and checks keys across blocks
and files (the one duplicate-key check for this source). Every row's `location` is
"<file>, line N"; line numbers assume one record per physical line (Comtrade files have no
embedded line breaks).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pycountry

from etl import countries, labels, periods, registry
from etl.errors import InputError, Problem, shorten
from etl.sources.base import Dropped

SOURCE = "un-comtrade"
# Every folder this reader serves; rows carry the folder they were read from as their source.
FOLDERS = (SOURCE, "un-comtrade-plus-2023-2024")
COMTRADE_PLUS_NAME = re.compile(r"^TradeData_(\d{1,2})_(\d{1,2})_(\d{4})_", re.IGNORECASE)
# Read block by block by etl/engine.py, never as one frame (millions of rows).
STREAMED = True
FILES_WANTED = "Comtrade .csv/.txt/.tsv file"

COLUMNS: tuple[str, ...] = (
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period",
    "reporterCode", "reporterISO", "reporterDesc", "flowCode", "flowDesc",
    "partnerCode", "partnerISO", "partnerDesc", "partner2Code", "partner2ISO", "partner2Desc",
    "classificationCode", "classificationSearchCode", "isOriginalClassification",
    "cmdCode", "cmdDesc", "aggrLevel", "isLeaf", "customsCode", "customsDesc",
    "mosCode", "motCode", "motDesc", "qtyUnitCode", "qtyUnitAbbr", "qty", "isQtyEstimated",
    "altQtyUnitCode", "altQtyUnitAbbr", "altQty", "isAltQtyEstimated",
    "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated",
    "cifvalue", "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
)  # fmt: skip
REQUIRED: tuple[str, ...] = (
    "freqCode", "period", "reporterCode", "partnerCode", "flowCode", "cmdCode", "primaryValue",
)  # fmt: skip
# Breakdown columns and the value that means "all" (empty = the column was not broken down).
TOTAL_BREAKDOWN: dict[str, tuple[str, ...]] = {
    "customsCode": ("C00", ""),
    "motCode": ("0", ""),
    "partner2Code": ("0", ""),
}
OPTIONAL: tuple[str, ...] = tuple(TOTAL_BREAKDOWN)
VALUE_COLUMN = "primaryValue"

FLOW_CODES = {"X": "export", "M": "import"}
# The flow categories of a tidy chunk, in this order; words from the project vocabulary.
TRADE_FLOWS = tuple(f for f in labels.FLOWS if f in FLOW_CODES.values())
VALUATION = {"export": "FOB", "import": "CIF"}
REEXPORTS = "re-exports/re-imports are not part of the export/import series"
# Comtrade+ flow codes that are alternative cuts of the same trade, not exports or imports.
UNPUBLISHED_FLOWS = {
    "RX": REEXPORTS,
    "RM": REEXPORTS,
    "DX": "domestic exports are a subset of exports, not part of the export/import series",
    "FM": "foreign imports are a subset of imports, not part of the export/import series",
    "MIP": "inward/outward processing flows are not part of the export/import series",
    "MOP": "inward/outward processing flows are not part of the export/import series",
    "XIP": "inward/outward processing flows are not part of the export/import series",
    "XOP": "inward/outward processing flows are not part of the export/import series",
}
BREAKDOWN_REASON = (
    "breakdown by customs procedure, mode of transport or second partner: only the totals "
    "(customsCode C00, motCode 0, partner2Code 0) are published"
)
BASES = {"A": "year", "M": "month"}
DEFAULT_VINTAGE = "UN Comtrade download"
UNIT = "USD"
DETAIL_LIMIT = 1000  # dropped rows listed one by one per file and reason; the rest summarised
BLOCK_BYTES = 16 << 20  # parse unit: larger blocks cost resident memory, not speed
HEADER_SEARCH_LINES = 20
DATA_SUFFIXES = (".csv", ".txt", ".tsv")
COMPRESSED_SUFFIXES = ("", ".gz", ".bz2", ".zst")
# `python -m etl fetch` writes fetched/<YYYY-MM-DD>/comtrade.csv beside snapshot.json (etl.fetch).
FETCHED = "fetched"
FETCHED_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FETCHED_MANIFEST = "snapshot.json"
FETCHED_CSV = "comtrade.csv"
TIDY_COLUMNS = (
    "source", "reporter", "partner", "partner_label", "partner_is_aggregate", "commodity",
    "flow", "basis", "period_start", "period_end", "value", "value_original", "unit_original",
    "currency", "value_usd", "valuation", "vintage", "citation", "flag", "location",
)  # fmt: skip


# ---- the code table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeTable:
    """comtrade_codes.csv as lookups: code -> tidy code ('' = residual area) and Comtrade label."""

    iso3: dict[str, str]
    label: dict[str, str]
    tidy_codes: tuple[str, ...]  # categories of reporter/partner, fixed so chunks concatenate
    labels: tuple[str, ...]


@cache
def code_table() -> CodeTable:
    path = resources.files("etl") / "country_names" / "comtrade_codes.csv"
    iso3: dict[str, str] = {}
    label: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].strip()
            if code in iso3:
                raise ValueError(f"{path}: Comtrade code {code} listed twice")
            iso3[code] = row["iso3"].strip().upper()
            label[code] = row["label"].strip()
    return CodeTable(
        iso3=iso3,
        label=label,
        tidy_codes=tuple(sorted({c for c in iso3.values() if c})),
        labels=tuple(sorted(set(label.values()))),
    )


def _clean_code(text: str) -> str:
    """'842', ' 842 ', '842.0' (a spreadsheet round trip) and '0842' all mean code 842."""
    text = text.strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        return str(int(float(text)))
    return text


def _code_hint(code: str) -> str:
    """Say when an unknown code is an ISO numeric code that Comtrade writes differently."""
    if not code.isdigit():
        return ""
    hit = pycountry.countries.get(numeric=f"{int(code):03d}")
    if hit is None:
        return ""
    table = code_table()
    current = [
        c
        for c, iso in table.iso3.items()
        if iso == hit.alpha_3 and not re.search(r"^Fmr|before|excl\.", table.label[c])
    ]
    if not current:
        return f" ({code} is the ISO numeric code of {hit.name})"
    return (
        f" ({code} is the ISO numeric code of {hit.name}; Comtrade writes {' or '.join(current)})"
    )


# ---- dropped rows and problems, bounded at any size -------------------------------------------


@dataclass
class _DropBucket:
    count: int = 0
    first_line: int = 0
    last_line: int = 0
    listed: int = 0  # rows kept for listing, at most the log's limit
    # The listed rows' cells as read ("line" and the needed columns), formatted only by
    # `records()`: a block in a worker lists up to the limit, and most of it is cut when the
    # blocks' logs are joined, so formatting each row as it is dropped would be wasted.
    cells: list[pd.DataFrame] = field(default_factory=list)

    def keep(self, cells: pd.DataFrame, limit: int) -> None:
        room = max(limit - self.listed, 0)
        if room and len(cells):
            self.cells.append(cells.iloc[:room])
            self.listed += min(room, len(cells))


class DropLog:
    """Rows read and not published, by file and reason; the first `limit` listed one by one."""

    def __init__(self, limit: int = DETAIL_LIMIT) -> None:
        self.limit = limit
        self._buckets: dict[tuple[str, str], _DropBucket] = {}

    def add(self, file: str, reason: str, raw: pd.DataFrame, rows: np.ndarray) -> None:
        if len(rows) == 0:
            return
        bucket = self._buckets.setdefault((file, reason), _DropBucket())
        lines = raw["line"].to_numpy()[rows]
        if bucket.count == 0:
            bucket.first_line = int(lines[0])
        bucket.count += len(rows)
        bucket.last_line = int(lines[-1])
        room = max(self.limit - bucket.listed, 0)
        if room:
            cols = ["line", *(c for c in (*REQUIRED, *OPTIONAL) if c in raw.columns)]
            bucket.keep(raw.iloc[rows[:room]][cols], self.limit)

    @property
    def count(self) -> int:
        return sum(b.count for b in self._buckets.values())

    def extend(self, other: DropLog) -> None:
        """Add another log's rows after this one's (a later block of the same file, or another
        file): counts add up, the first `limit` stay listed one by one."""
        for key, theirs in other._buckets.items():
            mine = self._buckets.setdefault(key, _DropBucket())
            if mine.count == 0:
                mine.first_line = theirs.first_line
            mine.count += theirs.count
            mine.last_line = theirs.last_line
            for cells in theirs.cells:
                mine.keep(cells, self.limit)

    def records(self) -> list[Dropped]:
        out: list[Dropped] = []
        for (file, reason), bucket in self._buckets.items():
            out.extend(_listed(file, reason, bucket.cells))
            rest = bucket.count - bucket.listed
            if rest > 0:
                out.append(
                    Dropped(
                        file,
                        f"{rest:,} more rows between lines {bucket.first_line} and "
                        f"{bucket.last_line}",
                        reason,
                        f"{bucket.count:,} rows in all; the first {bucket.listed} are listed",
                    )
                )
        return out


def _listed(file: str, reason: str, frames: list[pd.DataFrame]) -> Iterator[Dropped]:
    """One record per listed row: its line and its cells as the file has them."""
    for cells in frames:
        cols = [c for c in cells.columns if c != "line"]
        # Cell texts column by column (never a per-cell lookup).
        texts = [cells[c].astype("str").tolist() for c in cols]
        for i, line in enumerate(cells["line"].tolist()):
            content = ", ".join(f"{c}={t[i]}" for c, t in zip(cols, texts, strict=True))
            yield Dropped(file, f"line {line}", reason, content)


@dataclass
class _Issue:
    """One broken rule for one value, wherever it occurs: first line and number of rows."""

    file: str
    column: str
    value: str
    rule: str
    first_line: int
    count: int


class _Issues:
    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, str, str], _Issue] = {}

    def add(self, file: str, column: str, value: str, rule: str, first_line: int, n: int) -> None:
        key = (file, column, value, rule)
        hit = self._by_key.get(key)
        if hit is None:
            self._by_key[key] = _Issue(file, column, value, rule, first_line, n)
        else:
            hit.count += n
            hit.first_line = min(hit.first_line, first_line)

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def extend(self, other: _Issues) -> None:
        for i in other._by_key.values():
            self.add(i.file, i.column, i.value, i.rule, i.first_line, i.count)

    def problems(self) -> list[Problem]:
        out = []
        for i in sorted(self._by_key.values(), key=lambda i: (i.file, i.first_line)):
            where = f"line {i.first_line}"
            if i.count > 1:
                where += f" (and {i.count - 1:,} more rows)"
            out.append(Problem(i.file, where, i.column, shorten(i.value), i.rule))
        return out


# ---- read: the file as it is, in chunks --------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    names: list[str]  # canonical column names for pyarrow, one per field
    delimiter: str
    header_line: int  # 1-based physical line of the header
    header_end: int  # byte offset just after the header line
    include: list[str]


def _find_header(path: Path, head: bytes) -> _Layout:
    """Locate the header by its text; canonicalise names (case-insensitive); check REQUIRED."""
    name = path.name
    if not head.strip():
        raise InputError([Problem(name, "line 1", "", "", "the file is empty")])
    offset = 0
    if head.startswith(b"\xef\xbb\xbf"):
        offset = 3
    lines = head[offset:].split(b"\n")[: HEADER_SEARCH_LINES + 1]
    canonical = {c.lower(): c for c in COLUMNS}
    for i, raw_line in enumerate(lines[:HEADER_SEARCH_LINES]):
        try:
            text = raw_line.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            raise InputError(
                [Problem(name, f"line {i + 1}", "", "", "the file is not UTF-8: save it as UTF-8")]
            ) from None
        delimiter = "\t" if text.count("\t") > text.count(",") else ","
        fields = next(csv.reader([text], delimiter=delimiter)) if text else []
        keys = [f.strip().lower() for f in fields]
        if "reportercode" not in keys or "partnercode" not in keys:
            offset += len(raw_line) + 1
            continue
        names = [canonical.get(k, f.strip() or f"_unnamed_{j}") for j, (k, f) in
                 enumerate(zip(keys, fields, strict=True))]  # fmt: skip
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise InputError(
                [
                    Problem(name, f"line {i + 1}", c, "", "missing expected Comtrade column")
                    for c in missing
                ]
            )
        names = _with_trailing_field(names, lines[i + 1] if i + 1 < len(lines) else b"", delimiter)
        include = [c for c in (*REQUIRED, *OPTIONAL) if c in names]
        return _Layout(names, delimiter, i + 1, offset + len(raw_line) + 1, include)
    raise InputError(
        [
            Problem(
                name,
                f"lines 1-{min(len(lines), HEADER_SEARCH_LINES)}",
                "reporterCode",
                "",
                "no Comtrade header row found (expected columns such as reporterCode, "
                "partnerCode, cmdCode, primaryValue)",
            )
        ]
    )


def _with_trailing_field(names: list[str], first_row: bytes, delimiter: str) -> list[str]:
    """The Comtrade+ web export ends every data line with a delimiter: one unnamed extra field."""
    try:
        text = first_row.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return names
    if not text:
        return names
    fields = next(csv.reader([text], delimiter=delimiter))
    if len(fields) == len(names) + 1 and fields[-1] == "":
        return [*names, "_trailing"]
    return names


def _convert_options(include: list[str], value_type: pa.DataType) -> pacsv.ConvertOptions:
    codes = pa.dictionary(pa.int32(), pa.string())
    types = {c: codes for c in include if c != VALUE_COLUMN}
    types[VALUE_COLUMN] = value_type
    return pacsv.ConvertOptions(
        include_columns=include, column_types=types, strings_can_be_null=False
    )


def _iter_blocks(path: Path, block_bytes: int) -> Iterator[tuple[_Layout, pa.Buffer, int]]:
    """(layout, complete lines, first line number) from the file, block by block.

    Plain files are read block by block at known offsets, each block cut after its last line end
    (one copy into an Arrow buffer, freed once parsed, so resident memory stays at a few blocks);
    compressed ones (.gz, .bz2, .zst) are decompressed as a stream.
    """
    if path.suffix.lower() in (".gz", ".bz2", ".zst"):
        yield from _iter_stream_blocks(path, block_bytes)
        return
    with pa.OSFile(str(path)) as fh:
        size = fh.size()
        layout = _find_header(path, fh.read_at(min(size, 1 << 20), 0))
        start, line = layout.header_end, layout.header_line + 1
        while start < size:
            end = _line_end(fh, start, min(start + block_bytes, size), size)
            fh.seek(start)
            body = fh.read_buffer(end - start)
            yield layout, body, line
            line += _count_lines(body)
            start = end


def _line_end(fh: pa.NativeFile, start: int, end: int, size: int) -> int:
    """Offset just past the last line end in [start, end); the block grows for a longer line."""
    while end < size:
        tail = min(end - start, 1 << 16)
        cut = fh.read_at(tail, end - tail).rfind(b"\n")
        if cut != -1:
            return end - tail + cut + 1
        cut = fh.read_at(end - start, start).rfind(b"\n")  # a line longer than 64 KiB
        if cut != -1:
            return start + cut + 1
        end = min(end + (end - start), size)
    return size


def _count_lines(body: pa.Buffer) -> int:
    data = np.frombuffer(body, dtype=np.uint8)
    # A megabyte at a time: the comparison's temporary stays in cache (half the time of one
    # comparison over a 48 MB block).
    step = 1 << 20
    return sum(
        int(np.count_nonzero(data[i : i + step] == ord("\n"))) for i in range(0, len(data), step)
    )


def _iter_stream_blocks(path: Path, block_bytes: int) -> Iterator[tuple[_Layout, pa.Buffer, int]]:
    with pa.input_stream(str(path), compression="detect") as stream:
        buf = stream.read(block_bytes)
        layout = _find_header(path, buf[: 1 << 20])
        buf = buf[layout.header_end :]
        line = layout.header_line + 1
        while True:
            more = stream.read(block_bytes)
            if not more:
                break
            cut = buf.rfind(b"\n")
            if cut == -1:
                buf += more
                continue
            yield layout, pa.py_buffer(buf[: cut + 1]), line
            line += buf.count(b"\n", 0, cut + 1)
            buf = buf[cut + 1 :] + more
        if buf.strip():
            yield layout, pa.py_buffer(buf if buf.endswith(b"\n") else buf + b"\n"), line


def _parse_block(
    path: Path, layout: _Layout, body: pa.Buffer, first_line: int, issues: _Issues
) -> pa.Table:
    """Parse one block with pyarrow; malformed rows and bad cells become issues, not crashes."""
    name = path.name
    bad_rows: list[str] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row.text)
        return "skip"

    # One thread when this process has one core (a worker of etl/engine.py's pool): pyarrow's
    # threaded reader then costs a third more CPU; smaller blocks suit one thread best.
    threads = pa.cpu_count() > 1
    read = pacsv.ReadOptions(
        column_names=layout.names, use_threads=threads, block_size=(4 if threads else 1) << 20
    )
    parse = pacsv.ParseOptions(delimiter=layout.delimiter, invalid_row_handler=on_invalid)
    try:
        table = pacsv.read_csv(body, read, parse, _convert_options(layout.include, pa.float64()))
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            lines = _count_lines(body)
            rule = "the file is not UTF-8: save it as UTF-8"
            issues.add(name, "", "", rule, first_line, lines)
            return _empty_table(layout)
        table = _parse_values_as_text(path, layout, body, first_line, issues)
    if bad_rows:
        _locate_bad_rows(path, layout, body, first_line, issues)
    return table


def _parse_values_as_text(
    path: Path, layout: _Layout, body: pa.Buffer, first_line: int, issues: _Issues
) -> pa.Table:
    """Slow path, only after a conversion error: find the non-numeric values and their lines."""
    read = pacsv.ReadOptions(column_names=layout.names, use_threads=False)
    parse = pacsv.ParseOptions(delimiter=layout.delimiter, invalid_row_handler=lambda _: "skip")
    table = pacsv.read_csv(body, read, parse, _convert_options(layout.include, pa.string()))
    text = pd.Series(table.column(VALUE_COLUMN).to_numpy(zero_copy_only=False), dtype="str")
    numbers = pd.to_numeric(text.str.strip().replace("", np.nan), errors="coerce")
    bad = numbers.isna() & (text.str.strip() != "")
    for row in np.flatnonzero(bad.to_numpy()):
        issues.add(path.name, VALUE_COLUMN, text.iat[row], "not a number", first_line + int(row), 1)
    values = pa.array(numbers.to_numpy(dtype="float64"), pa.float64())
    return table.set_column(table.schema.get_field_index(VALUE_COLUMN), VALUE_COLUMN, values)


def _locate_bad_rows(
    path: Path, layout: _Layout, body: pa.Buffer, first_line: int, issues: _Issues
) -> None:
    """Re-read the block single-threaded so pyarrow reports each malformed row's number."""
    found: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        found.append(row)
        return "skip"

    read = pacsv.ReadOptions(column_names=layout.names, use_threads=False)
    parse = pacsv.ParseOptions(delimiter=layout.delimiter, invalid_row_handler=on_invalid)
    pacsv.read_csv(body, read, parse, pacsv.ConvertOptions(include_columns=[]))
    expected = len(layout.names)
    for row in found:
        line = first_line + (row.number - 1 if row.number is not None else 0)
        issues.add(
            path.name,
            "",
            row.text,
            f"row has {row.actual_columns} fields, the header has {expected} "
            "(truncated or garbled line?)",
            line,
            1,
        )


def _empty_table(layout: _Layout) -> pa.Table:
    codes = pa.dictionary(pa.int32(), pa.string())
    return pa.table(
        {c: pa.array([], pa.float64() if c == VALUE_COLUMN else codes) for c in layout.include}
    )


def _to_frame(table: pa.Table, first_line: int) -> pd.DataFrame:
    frame = table.to_pandas()
    frame["line"] = np.arange(first_line, first_line + len(frame), dtype=np.int64)
    return frame


def read_chunks(
    path: Path, chunksize: int = 1_000_000, *, _issues: _Issues | None = None,
    _block_bytes: int = BLOCK_BYTES,
) -> Iterator[pd.DataFrame]:  # fmt: skip
    """The file faithfully, in frames of `chunksize` rows: the needed columns as the file has them
    (codes as categorical strings, `primaryValue` as float) plus `line`, the 1-based file line.

    Raises InputError once the whole file has been read if any line is malformed (or, given
    `_issues`, adds the problems there for the caller to raise with its own).
    """
    issues = _Issues()
    pending: list[pa.Table] = []
    pending_rows = 0
    next_line = 0  # file line of the first pending row
    for layout, body, first_line in _iter_blocks(path, _block_bytes):
        table = _parse_block(path, layout, body, first_line, issues)
        if issues:
            # Rows were skipped, so later line numbers shift: read on only to report every problem.
            continue
        if not pending:
            next_line = first_line
        pending.append(table)
        pending_rows += table.num_rows
        while pending_rows >= chunksize:
            merged = pa.concat_tables(pending)  # zero-copy, as are the slices
            yield _to_frame(merged.slice(0, chunksize), next_line)
            pending = [merged.slice(chunksize)]
            pending_rows -= chunksize
            next_line += chunksize
    if issues:
        if _issues is None:
            raise InputError(issues.problems())
        _issues.extend(issues)
        return
    if pending_rows:
        yield _to_frame(pa.concat_tables(pending), next_line)


def read(path: Path) -> pd.DataFrame:
    """The whole file faithfully (see `read_chunks`); for small files and tests."""
    frames = list(read_chunks(path, chunksize=1 << 62))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="category") for c in REQUIRED} | {"line": []})
    return frames[0]


# ---- normalize: faithful chunk -> tidy chunk ---------------------------------------------------
# Every mapping works on the distinct values of a column (its categories) and is then applied to
# all rows with one numpy take, so the cost per row is a few array operations whatever the value.


@dataclass(frozen=True)
class _Column:
    """A categorical column split into its distinct texts and per-row indices into them.

    A missing cell gets the extra index len(texts), so lookup tables have one slot more.
    """

    texts: list[str]
    codes: np.ndarray
    present: np.ndarray  # rows per text (and per missing, last slot)

    @classmethod
    def of(cls, s: pd.Series) -> _Column:
        cat = s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category")
        texts = [str(c) for c in cat.cat.categories]
        codes = cat.cat.codes.to_numpy()
        codes = np.where(codes < 0, len(texts), codes).astype(np.int32)
        return cls(texts, codes, np.bincount(codes, minlength=len(texts) + 1))

    def text(self, k: int) -> str:
        return self.texts[k] if k < len(self.texts) else ""


def _first_line(raw: pd.DataFrame, mask: np.ndarray) -> int:
    return int(raw["line"].to_numpy()[int(np.argmax(mask))])


def _map_area(
    raw: pd.DataFrame, column: str, file: str, issues: _Issues
) -> tuple[np.ndarray, np.ndarray, _Column]:
    """Per row: index into CodeTable.tidy_codes (-1 residual area, -2 unknown) and into labels."""
    table = code_table()
    tidy_index = {c: i for i, c in enumerate(table.tidy_codes)}
    label_index = {c: i for i, c in enumerate(table.labels)}
    col = _Column.of(raw[column])
    to_tidy = np.full(len(col.present), -2, dtype=np.int16)
    to_label = np.full(len(col.present), -1, dtype=np.int16)
    kind = "reporter" if column == "reporterCode" else "partner"
    for k in np.flatnonzero(col.present):
        text = col.text(k)
        code = _clean_code(text)
        if code in table.iso3:
            iso3 = table.iso3[code]
            to_tidy[k] = tidy_index[iso3] if iso3 else -1
            to_label[k] = label_index[table.label[code]]
            continue
        rule = (
            f"missing {kind} code"
            if not code
            else f"unknown UN Comtrade {kind} code{_code_hint(code)}: add it to "
            "etl/country_names/comtrade_codes.csv with its ISO 3166 alpha-3 code"
        )
        issues.add(file, column, text, rule, _first_line(raw, col.codes == k), int(col.present[k]))
    return to_tidy[col.codes], to_label[col.codes], col


def _map_flow(raw: pd.DataFrame, file: str, issues: _Issues) -> tuple[np.ndarray, list[str]]:
    """Per row: 0 export, 1 import, 2+k dropped for reason k of the returned list, -2 unknown."""
    col = _Column.of(raw["flowCode"])
    reasons = sorted(set(UNPUBLISHED_FLOWS.values()))
    lut = np.full(len(col.present), -2, dtype=np.int8)
    for k in np.flatnonzero(col.present):
        flow = col.text(k).strip().upper()
        if flow in FLOW_CODES:
            lut[k] = TRADE_FLOWS.index(FLOW_CODES[flow])
        elif flow in UNPUBLISHED_FLOWS:
            lut[k] = 2 + reasons.index(UNPUBLISHED_FLOWS[flow])
        else:
            issues.add(
                file,
                "flowCode",
                col.text(k),
                "unknown flow code (expected X or M; RX, RM, DX, FM are read and dropped)",
                _first_line(raw, col.codes == k),
                int(col.present[k]),
            )
    return lut[col.codes], reasons


def _period(freq: str, period: str) -> tuple[str, pd.Timestamp, pd.Timestamp] | str:
    """(basis, start, end) for one freqCode/period pair, or the rule it breaks."""
    basis = BASES.get(freq.strip().upper())
    if basis is None:
        return "freqCode must be A (annual) or M (monthly)"
    text = _clean_code(period)
    if basis == "year":
        if not re.fullmatch(r"(19|20)\d\d", text):
            return "an annual period (freqCode A) must be a year such as 2023"
        return (basis, *periods.year_period(int(text)))
    match = re.fullmatch(r"((?:19|20)\d\d)(0[1-9]|1[0-2])", text)
    if not match:
        return "a monthly period (freqCode M) must be YYYYMM such as 202304"
    return (basis, *periods.month_period(int(match[1]), int(match[2])))


def _map_period(
    raw: pd.DataFrame, file: str, issues: _Issues
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: basis index (-2 invalid), period start and end (datetime64[ns])."""
    freq = _Column.of(raw["freqCode"])
    period = _Column.of(raw["period"])
    n_p = len(period.present)
    combo = freq.codes.astype(np.int64) * n_p + period.codes
    present = np.bincount(combo, minlength=len(freq.present) * n_p)
    basis_lut = np.full(len(present), -2, dtype=np.int8)
    start_lut = np.zeros(len(present), dtype="datetime64[ns]")
    end_lut = np.zeros(len(present), dtype="datetime64[ns]")
    bases = list(BASES.values())
    for key in np.flatnonzero(present):
        fk, pk = divmod(int(key), n_p)
        got = _period(freq.text(fk), period.text(pk))
        if isinstance(got, str):
            column = "freqCode" if got.startswith("freqCode") else "period"
            value = freq.text(fk) if column == "freqCode" else period.text(pk)
            issues.add(file, column, value, got, _first_line(raw, combo == key), int(present[key]))
            continue
        basis_lut[key] = bases.index(got[0])
        start_lut[key] = got[1].to_datetime64()
        end_lut[key] = got[2].to_datetime64()
    return basis_lut[combo], start_lut[combo], end_lut[combo]


def _breakdown_rows(raw: pd.DataFrame) -> np.ndarray:
    """True where a row is a customs/transport/second-partner breakdown, not the total."""
    out = np.zeros(len(raw), dtype=bool)
    for column, totals in TOTAL_BREAKDOWN.items():
        if column not in raw.columns:
            continue
        col = _Column.of(raw[column])
        is_total = np.array([_clean_code(t) in totals for t in col.texts] + [True], dtype=bool)
        out |= ~is_total[col.codes]
    return out


def _commodity(raw: pd.DataFrame) -> tuple[pd.Index, np.ndarray]:
    """cmdCode as written ('01', 'TOTAL'), blanks around it trimmed: categories and row codes."""
    col = _Column.of(raw["cmdCode"])
    texts = [t.strip() for t in col.texts]
    uniques, inverse = np.unique(np.array([*texts, ""], dtype=object), return_inverse=True)
    return pd.Index(uniques, dtype="str"), inverse.astype(np.int32)[col.codes]


def _vintage(path: Path) -> str:
    """Bulk files carry their publication date in the name: COMTRADE-FINAL-...[2024-05-01].gz;
    a Comtrade+ download its download time (TradeData_4_4_2025_15_19_17.csv: month, day, year);
    a fetched snapshot its download date: fetched/2025-01-31/comtrade.csv."""
    if path.parent.parent.name == FETCHED and FETCHED_DAY.fullmatch(path.parent.name):
        return f"UN Comtrade API, fetched {path.parent.name}"
    match = re.search(r"\[(\d{4}-\d{2}-\d{2})\]", path.name)
    if match:
        return f"UN Comtrade, published {match[1]}"
    plus = COMTRADE_PLUS_NAME.match(path.name)
    if plus:
        month, day, year = (int(g) for g in plus.groups())
        return f"UN Comtrade+ download, {year}-{month:02d}-{day:02d}"
    return DEFAULT_VINTAGE


def _source(path: Path) -> str:
    """The source folder a file was read from, when it is one of the folders this reader serves
    (a user's downloads in un-comtrade/, the bundled Comtrade+ extract): rows of two folders
    never share a key, and each cites its own manifest entry."""
    folder = path.parents[2] if path.parent.parent.name == FETCHED else path.parent
    return folder.name if folder.name in FOLDERS else SOURCE


def _shown_name(path: Path) -> str:
    """The file as footnotes name it: its name, or fetched/<date>/comtrade.csv for a snapshot."""
    if path.parent.parent.name == FETCHED and FETCHED_DAY.fullmatch(path.parent.name):
        return f"{FETCHED}/{path.parent.name}/{path.name}"
    return path.name


def _citation(source: str, file: str) -> str:
    try:
        return registry.citation(source, file)
    except KeyError:
        # An optional source: the manifest need not list a user's own download.
        return f"United Nations Statistics Division, UN Comtrade database ({file})"


def _categorical(codes: np.ndarray, categories: list[str] | tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=_dtype(tuple(categories)))


@cache
def _dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index(list(categories), dtype="str"))


def _constant(value: str | None, n: int) -> pd.Categorical:
    if value is None:
        return _categorical(np.full(n, -1, np.int8), ())
    return _categorical(np.zeros(n, np.int8), (value,))


def _normalize(
    raw: pd.DataFrame, path: Path, issues: _Issues, dropped: DropLog | None
) -> pd.DataFrame:
    """Tidy rows of one faithful chunk: broken rules to `issues`, unpublished rows to `dropped`."""
    missing = [c for c in (*REQUIRED, "line") if c not in raw.columns]
    if missing:
        raise ValueError(f"normalize() needs a frame from read(); missing columns {missing}")
    file = path.name
    reporter, _, reporter_col = _map_area(raw, "reporterCode", file, issues)
    partner, partner_label, partner_col = _map_area(raw, "partnerCode", file, issues)
    flow, flow_reasons = _map_flow(raw, file, issues)
    basis, start, end = _map_period(raw, file, issues)
    value = raw[VALUE_COLUMN].to_numpy(dtype="float64", na_value=np.nan)

    # One reason per unpublished row, the first that applies.
    reason = np.full(len(raw), -1, dtype=np.int8)
    reason[_breakdown_rows(raw)] = 0
    for k in range(len(flow_reasons)):
        reason[(reason < 0) & (flow == 2 + k)] = 1 + k
    residual_reporter = (reason < 0) & (reporter == -1)
    residual_partner = (reason < 0) & (partner == -1) & ~residual_reporter
    if dropped is not None:
        for k, why in enumerate([BREAKDOWN_REASON, *flow_reasons]):
            dropped.add(file, why, raw, np.flatnonzero(reason == k))
        _log_residual(raw, file, "reporter", reporter_col, residual_reporter, dropped)
        _log_residual(raw, file, "partner", partner_col, residual_partner, dropped)

    keep = (reason < 0) & (reporter >= 0) & (partner >= 0) & (flow >= 0) & (basis >= 0)
    _check_values(raw, value, keep, file, issues)
    if issues:
        return _empty_tidy()
    return _tidy(path, raw, keep, reporter, partner, partner_label, flow, basis, start, end, value)


def _log_residual(
    raw: pd.DataFrame, file: str, kind: str, col: _Column, mask: np.ndarray, dropped: DropLog
) -> None:
    """Drop rows of residual areas, the reason naming the area in Comtrade's words."""
    if not mask.any():
        return
    labels = code_table().label
    for k in np.unique(col.codes[mask]):
        code = col.text(int(k))
        why = (
            f"{kind} {labels.get(_clean_code(code), code)!r} (Comtrade code {code}) is a "
            "residual area with no ISO or listed aggregate code"
        )
        dropped.add(file, why, raw, np.flatnonzero(mask & (col.codes == k)))


def _check_values(
    raw: pd.DataFrame, value: np.ndarray, keep: np.ndarray, file: str, issues: _Issues
) -> None:
    lines = raw["line"].to_numpy()
    missing = np.flatnonzero(keep & np.isnan(value))
    if len(missing):
        issues.add(file, VALUE_COLUMN, "", "missing trade value", int(lines[missing[0]]),
                   len(missing))  # fmt: skip
    for row in np.flatnonzero(keep & (value < 0))[:DETAIL_LIMIT]:
        issues.add(
            file, VALUE_COLUMN, f"{value[row]:g}", "trade value cannot be negative",
            int(lines[row]), 1,
        )  # fmt: skip


def _tidy(
    path: Path,
    raw: pd.DataFrame,
    keep: np.ndarray,
    reporter: np.ndarray,
    partner: np.ndarray,
    partner_label: np.ndarray,
    flow: np.ndarray,
    basis: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    value: np.ndarray,
) -> pd.DataFrame:
    table = code_table()
    n = int(keep.sum())
    aggregate = np.array([countries.is_aggregate(c) for c in table.tidy_codes], dtype=bool)
    commodities, commodity = _commodity(raw)
    partner_k = partner[keep]
    flow_k = flow[keep]
    values = value[keep]
    frame = pd.DataFrame(
        {
            "source": _constant(_source(path), n),
            "reporter": _categorical(reporter[keep], table.tidy_codes),
            "partner": _categorical(partner_k, table.tidy_codes),
            "partner_label": _categorical(partner_label[keep], table.labels),
            "partner_is_aggregate": aggregate[partner_k],
            "commodity": pd.Categorical.from_codes(commodity[keep], categories=commodities),
            "flow": _categorical(flow_k, TRADE_FLOWS),
            "basis": _categorical(basis[keep], tuple(BASES.values())),
            "period_start": start[keep],
            "period_end": end[keep],
            "value": values,
            "unit_original": _constant(UNIT, n),
            "currency": _constant(UNIT, n),
            "valuation": _categorical(flow_k, tuple(VALUATION[f] for f in TRADE_FLOWS)),
            "vintage": _constant(_vintage(path), n),
            "citation": _constant(_citation(_source(path), _shown_name(path)), n),
            "flag": _constant(None, n),
            "location": _locations(_shown_name(path), raw["line"].to_numpy()[keep]),
        },
        copy=False,  # the arrays are fresh; consolidating them into 2-D blocks only costs time
    )
    return _with_value_copies(frame)


def _locations(file: str, lines: np.ndarray) -> pd.Series:
    """Each row's "<file>, line N", built in pyarrow (a Python string per row costs twice)."""
    texts = pc.cast(pa.array(lines, pa.int64()), pa.string())
    return pc.binary_join_element_wise(f"{file}, line ", texts, "").to_pandas()


# Comtrade states base-unit USD, so the original value and the USD value are the value itself.
VALUE_COPIES = ("value_original", "value_usd")


def _with_value_copies(frame: pd.DataFrame) -> pd.DataFrame:
    """Add value_original and value_usd as copy-on-write views of value: one buffer, not three,
    and writing to one column still leaves the others intact (pandas copies on first write)."""
    for column in VALUE_COPIES:
        frame[column] = frame["value"]
    return frame[list(TIDY_COLUMNS)]


def _empty_tidy() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in TIDY_COLUMNS})


def normalize(raw: pd.DataFrame, path: Path, dropped: DropLog | None = None) -> pd.DataFrame:
    """The tidy Trade rows of a faithful frame from `read`/`read_chunks` of file `path`.

    Raises InputError with every problem in the frame (file, line, column, value, rule).
    """
    issues = _Issues()
    out = _normalize(raw, Path(path), issues, dropped)
    if issues:
        raise InputError(issues.problems())
    return out


# ---- the streamed-source API (etl/engine.py: a compressed file is streamed whole) -------------


def iter_chunks(
    path: Path, chunksize: int = 1_000_000, dropped: DropLog | None = None,
    *, _block_bytes: int = BLOCK_BYTES,
) -> Iterator[pd.DataFrame]:  # fmt: skip
    """Tidy Trade frames of about `chunksize` rows each, streaming one Comtrade file.

    Memory is bounded by the chunk size whatever the file size. If any row breaks a rule, the rest
    of the file is still scanned so the InputError raised at the end lists every problem.
    """
    path = Path(path)
    issues = _Issues()
    for raw in read_chunks(path, chunksize, _issues=issues, _block_bytes=_block_bytes):
        tidy = _normalize(raw, path, issues, dropped)
        if not issues and len(tidy):
            yield tidy
    if issues:
        raise InputError(issues.problems())


# ---- the distributed-engine API (etl/engine.py): a plain file cut into independent blocks -----


def split(path: Path, block_bytes: int = BLOCK_BYTES) -> list[tuple[int, int]] | None:
    """Byte ranges [start, end) of whole data lines, each about `block_bytes`, after the header;
    None for a compressed file (it cannot be cut: one worker streams it with `iter_chunks`)."""
    path = Path(path)
    if path.suffix.lower() in (".gz", ".bz2", ".zst"):
        return None
    with pa.OSFile(str(path)) as fh:
        size = fh.size()
        start = _find_header(path, fh.read_at(min(size, 1 << 20), 0)).header_end
        ranges = []
        while start < size:
            end = _line_end(fh, start, min(start + block_bytes, size), size)
            ranges.append((start, end))
            start = end
    return ranges


def first_data_line(path: Path) -> int:
    """The 1-based file line of the first data row (the line after the header)."""
    with pa.OSFile(str(path)) as fh:
        return _find_header(Path(path), fh.read_at(min(fh.size(), 1 << 20), 0)).header_line + 1


def count_lines(path: Path, start: int, end: int) -> int:
    """Line ends in bytes [start, end) of the file: what places the next block's first line."""
    # Memory-mapped: the bytes are counted where the page cache holds them, never copied.
    with pa.memory_map(str(path)) as fh:
        fh.seek(start)
        return _count_lines(fh.read_buffer(end - start))


def read_block(
    path: Path, start: int, end: int, first_line: int, dropped: DropLog | None = None
) -> pd.DataFrame:
    """Tidy Trade rows of bytes [start, end) of a plain file whose first line is `first_line`:
    the same parse and normalisation as `iter_chunks`. Raises InputError naming file and line."""
    path = Path(path)
    issues = _Issues()
    with pa.memory_map(str(path)) as fh:  # zero-copy: pyarrow parses the mapped pages
        layout = _find_header(path, fh.read_at(min(fh.size(), 1 << 20), 0))
        fh.seek(start)
        table = _parse_block(path, layout, fh.read_buffer(end - start), first_line, issues)
    tidy = _empty_tidy() if issues else _normalize(_to_frame(table, first_line), path, issues,
                                                   dropped)  # fmt: skip
    if issues:
        raise InputError(issues.problems())
    return tidy


def data_files(folder: Path) -> list[Path]:
    """Comtrade files in a folder: .csv/.txt/.tsv, optionally .gz/.bz2/.zst; READMEs skipped;
    then the newest fetched snapshot's CSV (`python -m etl fetch`), when there is one."""
    names = {f"{s}{c}" for s in DATA_SUFFIXES for c in COMPRESSED_SUFFIXES}
    top = sorted(
        p
        for p in Path(folder).iterdir()
        if p.is_file()
        and not p.name.startswith((".", "README", "readme"))
        and any(p.name.lower().endswith(n) for n in names)
    )
    fetched = newest_fetched(Path(folder))
    return [*top, fetched] if fetched else top


def newest_fetched(folder: Path) -> Path | None:
    """fetched/<YYYY-MM-DD>/comtrade.csv of the newest complete snapshot (one with its
    snapshot.json, written last by etl.fetch), or None. Older snapshots are not read: each one
    is a full answer to the same query, so reading two would count every row twice."""
    root = folder / FETCHED
    days = sorted(
        p
        for p in (root.iterdir() if root.is_dir() else ())
        if FETCHED_DAY.fullmatch(p.name) and (p / FETCHED_MANIFEST).is_file()
    )
    return days[-1] / FETCHED_CSV if days and (days[-1] / FETCHED_CSV).is_file() else None

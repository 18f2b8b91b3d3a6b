"""The guard every workbook passes before a parser opens it, and spreadsheet coordinates.

`check_workbook` refuses what is not a sound Excel file (HTML saved as .xls, a cut download, an
.xls named .xlsx) and stops zip bombs on their declared and real sizes; it also finds formulas
saved without their result, which every parser would read as empty cells. `open_workbook` runs
that guard, then python-calamine, and turns a parser failure into an InputError naming the file.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from python_calamine import CalamineWorkbook

from etl.errors import InputError, Problem, shorten

T = TypeVar("T")


def column_letter(index: int) -> str:
    """0-based column index -> spreadsheet letter (0 -> 'A', 26 -> 'AA')."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# Signatures of the two Excel containers: .xlsx is a zip, .xls (BIFF) an OLE compound file.
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_SECTOR = 512
# The largest real workbook read here (a Schengen edition) unpacks to 3.5 MB in 45 parts with
# ratios up to 22:1; these bounds leave a wide margin and still stop a zip bomb before it unpacks.
MAX_UNPACKED_BYTES = 256 * 2**20
MAX_PARTS = 10_000
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 2**20  # tiny parts compress oddly; the ratio rule starts at 1 MB
CHUNK = 2**20
# A formula cell saved without its result: '<c r="C7"><f>D7+F7</f><v /></c>' (openpyxl, scripts).
# Excel saves the result in <v>, which is what every reader here sees; t="str" with an empty <v>
# is a saved empty-text result, not a missing one.
FORMULA_WITHOUT_VALUE = re.compile(
    rb"<c\b([^>]*)>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>"
)
CELL_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
TEXT_RESULT = re.compile(rb'\bt="str"')
SCAN_OVERLAP = 2**15  # longer than any cell element (Excel caps a formula at 8,192 characters)
MAX_FORMULA_PROBLEMS = 20
SHEET_ENTRY = re.compile(rb"<sheet\b[^>]*>")
ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>")
FORMULA_RULE = (
    "a formula saved without its result (a file written by a script, not saved by Excel), "
    "so the cell reads as empty: open the file in Excel and save it, or paste values"
)

ProblemMaker = Callable[[object, str], InputError]


def parser_failed(exc: BaseException) -> bool:
    """True for what a workbook parser raises on a damaged file, to be reported as unreadable.

    python-calamine raises several unrelated types, and a Rust panic arrives as pyo3's
    PanicException, which derives from BaseException (so `except Exception` lets it through as
    a bare traceback) and cannot be imported by name. Ctrl-C and exits are not failures.
    """
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def open_workbook(
    path: Path,
    take: Callable[[CalamineWorkbook], T],
    lead: str = "cannot open as an .xlsx workbook",
    *,
    by_content: bool = False,
    failed: str | None = None,
    fix: str = "re-download the file",
) -> T:
    """`take(book)` on the workbook at `path` (its sheets as rows, say), after `check_workbook`.

    A parser failure while opening or reading becomes one InputError: "<failed> (<error>); <fix>"
    (`failed` defaults to `lead`, the words `check_workbook` starts its rules with).
    """
    check_workbook(path, lead, by_content)
    try:
        return take(CalamineWorkbook.from_path(str(path)))
    except BaseException as exc:  # calamine raises unrelated types, even Rust panics
        if not parser_failed(exc):
            raise
        rule = f"{failed or lead} ({exc}); {fix}"
        raise InputError([Problem(path.name, "-", "-", "-", rule)]) from exc


def sheet_rows(
    book: CalamineWorkbook, skip_empty_area: bool = True
) -> list[tuple[str, list[list[object]]]]:
    """(name, rows of cells) of every sheet, in the workbook's order."""
    return [
        (name, book.get_sheet_by_name(name).to_python(skip_empty_area=skip_empty_area))
        for name in book.sheet_names
    ]


def check_workbook(
    path: Path, lead: str = "cannot read the workbook", by_content: bool = False
) -> None:
    """Refuse a file that is not a sound Excel workbook before any parser unpacks it.

    Checks the container by its first bytes (an HTML page saved as .xls, an empty or cut file),
    and for .xlsx (a zip) the sizes the archive declares: a zip bomb is refused on its central
    directory instead of being unpacked by the parser. Each part is then unpacked in bounded
    chunks, checking its real size and CRC (a part that unpacks to more than it declares is
    stopped at once) and looking for formulas saved without a result, which every reader would
    take for empty cells. Raises InputError naming the file and what to do; each rule of an
    unreadable file starts with `lead`, the reader's own words for it. A reader that opens a
    workbook by its content (pandas does) passes `by_content`: an .xls named .xlsx is then fine.
    """

    def problem(value: object, rule: str) -> InputError:
        return InputError(
            [Problem(path.name, "whole file", "-", shorten(value), f"{lead}: {rule}")]
        )

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise problem("-", f"cannot read the file ({exc})") from exc
    if size == 0:
        raise problem("0 bytes", "the file is empty: download it again")
    if head.startswith(ZIP_MAGIC):
        formulas = _check_zip(path, problem)
        if formulas:
            raise InputError(formulas)
        return
    if head.startswith(OLE_MAGIC):
        if size < 2 * OLE_SECTOR or size % OLE_SECTOR:
            rule = (
                f"the Excel file is truncated ({size:,} bytes is not a whole number of "
                f"{OLE_SECTOR}-byte sectors): download it again"
            )
            raise problem(f"{size:,} bytes", rule)
        if path.suffix.lower() == ".xlsx" and not by_content:
            rule = (
                "an old-format .xls workbook (or a password-protected one) named .xlsx: "
                "open it in Excel, remove any password and save it as .xlsx"
            )
            raise problem(head[:8], rule)
        return
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<table", b"<meta")):
        rule = (
            "an HTML page, not an Excel workbook (a web page saved with an Excel name, or an "
            "error page from the download): download the real workbook"
        )
    elif text.startswith(b"<?xml"):
        rule = "an XML file (e.g. Excel 2003 XML), not .xls or .xlsx: save it as .xlsx in Excel"
    else:
        rule = (
            "by its first bytes it is neither .xlsx nor .xls (truncated, or another format "
            "saved with an Excel name?)"
        )
    raise problem(head[:40], rule)


def _check_zip(path: Path, problem: ProblemMaker) -> list[Problem]:
    """Raise for a zip bomb or a damaged archive; return formulas saved without a result."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            _check_declared(parts, problem)
            sheets = _sheet_names(archive, parts)
        found: list[Problem] = []
        with path.open("rb") as fh:
            for part in parts:
                scan = _FormulaScan() if part.filename in sheets else None
                unpacked, crc = _inflate(fh, part, scan)
                if unpacked > part.file_size:
                    rule = (
                        f"part {part.filename!r} unpacks to more than the {part.file_size:,} "
                        "bytes it declares: refused as a possible zip bomb"
                    )
                    raise problem(part.filename, rule)
                if unpacked < part.file_size or crc != part.CRC:
                    rule = f"part {part.filename!r} is damaged (size or CRC): download it again"
                    raise problem(part.filename, rule)
                if scan is not None:
                    found += scan.problems(path.name, sheets[part.filename])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        rule = f"damaged or truncated .xlsx ({exc}): download it again"
        raise problem(path.name, rule) from exc
    except (OSError, zlib.error) as exc:
        rule = f"damaged .xlsx, a part cannot be unpacked ({exc}): download it again"
        raise problem(path.name, rule) from exc
    if len(found) > MAX_FORMULA_PROBLEMS:
        more = len(found) - MAX_FORMULA_PROBLEMS
        found = found[:MAX_FORMULA_PROBLEMS]
        found.append(Problem(path.name, "-", "-", "-", f"... and {more} more such formulas"))
    return found


def _check_declared(parts: list[zipfile.ZipInfo], problem: ProblemMaker) -> None:
    """What the central directory claims: an Excel package of bounded size and ratios."""
    if len(parts) > MAX_PARTS:
        rule = f"the .xlsx holds {len(parts):,} parts (limit {MAX_PARTS:,})"
        raise problem(f"{len(parts):,} parts", rule)
    names = {p.filename for p in parts}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        rule = "a zip archive but not an Excel workbook (no xl/workbook.xml part)"
        raise problem(", ".join(sorted(names)[:5]), rule)
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        rule = (
            f"the .xlsx would unpack to {unpacked:,} bytes (limit {MAX_UNPACKED_BYTES:,}): "
            "refused as a possible zip bomb"
        )
        raise problem(f"{unpacked:,} bytes unpacked", rule)
    for p in parts:
        ratio = p.file_size / max(p.compress_size, 1)
        if p.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            rule = (
                f"part {p.filename!r} is compressed {ratio:,.0f}:1 (limit {MAX_RATIO}:1): "
                "refused as a possible zip bomb"
            )
            raise problem(f"{p.filename} {p.file_size:,} bytes", rule)


def _sheet_names(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo]) -> dict[str, str]:
    """Worksheet part ('xl/worksheets/sheet1.xml') -> the sheet's name as Excel shows it."""
    sizes = {p.filename: p.file_size for p in parts}
    rels_name = "xl/_rels/workbook.xml.rels"
    if sizes.get(rels_name, 0) > 8 * CHUNK or sizes["xl/workbook.xml"] > 8 * CHUNK:
        return {}  # not a workbook Excel wrote; the CRC pass still runs on every part
    targets = {}
    for rel in RELATIONSHIP.findall(archive.read(rels_name) if rels_name in sizes else b""):
        attrs = dict(ATTRIBUTE.findall(rel))
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attrs.get(b"Id", b"")] = target
    out = {}
    for entry in SHEET_ENTRY.findall(archive.read("xl/workbook.xml")):
        attrs = dict(ATTRIBUTE.findall(entry))
        rel_id = next((v for k, v in attrs.items() if k.endswith(b":id")), b"")
        if rel_id in targets and targets[rel_id] in sizes:
            out[targets[rel_id]] = html.unescape(
                attrs.get(b"name", b"?").decode("utf-8", "replace")
            )
    return out


class _FormulaScan:
    """Formula cells without a saved result, found in a worksheet part as it is unpacked."""

    def __init__(self) -> None:
        self.tail = b""
        self.cells: dict[tuple[int, str], str] = {}

    def feed(self, chunk: bytes) -> None:
        text = self.tail + chunk
        if b"<f" in text:
            for match in FORMULA_WITHOUT_VALUE.finditer(text):
                if TEXT_RESULT.search(match[1]):
                    continue
                ref = CELL_REF.search(match[1])
                where = (int(ref[2]), ref[1].decode()) if ref else (0, "?")
                formula = html.unescape((match[2] or b"").decode("utf-8", "replace"))
                self.cells.setdefault(where, f"={formula}")
        self.tail = text[-SCAN_OVERLAP:]

    def problems(self, file: str, sheet: str) -> list[Problem]:
        return [
            Problem(file, f"sheet '{sheet}', row {row}", column, shorten(formula), FORMULA_RULE)
            for (row, column), formula in self.cells.items()
        ]


def _inflate(fh: BinaryIO, part: zipfile.ZipInfo, scan: _FormulaScan | None) -> tuple[int, int]:
    """(bytes unpacked, CRC-32) of one part, unpacking at most one chunk past its declared size.

    The archive's sizes are only claims: this inflates the part's own deflate stream in bounded
    chunks and stops as soon as it yields more than declared, so a lying zip bomb costs a few
    milliseconds, not gigabytes.
    """
    fh.seek(part.header_offset)
    head = fh.read(30)
    if len(head) < 30 or not head.startswith(ZIP_MAGIC):
        raise zipfile.BadZipFile(f"no local header for part {part.filename!r}")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(part.header_offset + 30 + name_len + extra_len)
    if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        rule = f"part {part.filename!r} uses compression method {part.compress_type}"
        raise NotImplementedError(rule)
    inflater = zlib.decompressobj(-15) if part.compress_type == zipfile.ZIP_DEFLATED else None
    left, size, crc = part.compress_size, 0, 0
    while left > 0 and size <= part.file_size:
        data = fh.read(min(CHUNK, left))
        if not data:
            raise zipfile.BadZipFile(f"part {part.filename!r} is cut short")
        left -= len(data)
        while data and size <= part.file_size:
            if inflater is None:
                out, data = data, b""
            else:
                out = inflater.decompress(data, CHUNK)
                data = inflater.unconsumed_tail
            size += len(out)
            crc = zlib.crc32(out, crc)
            if scan is not None:
                scan.feed(out)
        if inflater is not None and inflater.eof:
            break
    return size, crc

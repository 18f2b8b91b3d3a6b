"""Text and CSV files as the readers meet them: encodings, delimiters, cut-short files, numbers.

Every helper raises or returns `Problem`s that name the file and line, so a reader never turns a
bad text file into a bare traceback.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

from etl.errors import InputError, Problem, shorten

# A number as a program writes it: '1234.5', '-0.25', '1e-3'. float() also takes 'nan', 'inf',
# '1_000' and surrounding spaces, none of which any source here writes for a value.
PLAIN_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
RULE_UTF16 = "the file is UTF-16 (or binary), not UTF-8 text: save it as UTF-8 (Excel: CSV UTF-8)"
RULE_NOT_UTF8 = (
    "not valid UTF-8 (perhaps Windows-1252 or Latin-1): the file must be UTF-8; "
    "save it as CSV UTF-8"
)
RULE_CUT_SHORT = (
    "the file does not end with a line break, so its last line may be cut short (a truncated "
    "download): download it again, or end the file with a line break if the line is complete"
)


def parse_decimal(text: str) -> float:
    """A finite number written the plain way ('1234.5', '-0.25', '1e3'); ValueError otherwise.

    Refuses what float() would accept but no source here means as a value: 'nan', 'inf',
    '1_000', and numbers with thousands separators or a decimal comma.
    """
    if not PLAIN_DECIMAL.fullmatch(text):
        raise ValueError(f"not a plain decimal number: {text!r}")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def utf16_problem(name: str, raw: bytes) -> Problem | None:
    """UTF-16 (a BOM, or NUL bytes early on): every later check would fail line by line."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        return Problem(name, "line 1", "-", shorten(raw[:20]), RULE_UTF16)
    return None


def decode_text(name: str, raw: bytes, fallback: str | None = None) -> tuple[str, str]:
    """(text, encoding) of a text file: UTF-8 with or without a BOM ('utf-8-sig'), else
    `fallback` when given. Raises InputError for UTF-16 and for bytes neither decodes, naming
    the line of the first bad byte."""
    problem = utf16_problem(name, raw)
    if problem is not None:
        raise InputError([problem])
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        if fallback is not None:
            try:
                return raw.decode(fallback), fallback
            except UnicodeDecodeError:
                pass
        line = raw[: exc.start].count(b"\n") + 1
        bad = shorten(raw[exc.start : exc.start + 4])
        rule = RULE_NOT_UTF8 if fallback is None else f"neither UTF-8 nor {fallback}"
        raise InputError([Problem(name, f"line {line}", "-", bad, rule)]) from exc


def delimiter_problem(name: str, line: int, fields: list[str]) -> Problem | None:
    """A line that splits into one field holding ';', tabs or '|': another delimiter is used."""
    used = [word for sep, word in OTHER_DELIMITERS.items() if len(fields) == 1 and sep in fields[0]]
    if not used:
        return None
    rule = f"fields are separated by {used[0]}s; expected commas (',')"
    return Problem(name, f"line {line}", "header", shorten(fields[0]), rule)


def ends_cut_short(raw: bytes) -> bool:
    """True when a non-empty text file lacks its final line break: the last value may be cut."""
    return bool(raw.strip()) and not raw.endswith((b"\n", b"\r"))


def short_row_problem(
    name: str, line: int, row: list[str], width: int, header: str = "the header"
) -> Problem:
    """A CSV line with another number of fields than the header: cut short, or edited by hand."""
    rule = f"row has {len(row)} cells but {header} has {width} (truncated or edited file?)"
    return Problem(name, f"line {line}", "-", shorten(",".join(row)), rule)


def csv_rows(path: Path, required: list[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and data rows (line number, fields) of a comma-separated UTF-8 file.

    Raises InputError naming the problem for what pandas would turn into a bare traceback or a
    KeyError: unreadable or empty file, UTF-16 or other non-UTF-8 encodings, another delimiter,
    missing columns, and lines whose field count differs from the header's.
    """
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(name, "-", "-", "-", f"cannot read the file ({exc})")]) from exc
    if not raw.strip():
        raise InputError([Problem(name, "line 1", "-", "", "the file is empty")])
    text, _ = decode_text(name, raw)

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
        rows = [(reader.line_num, fields) for fields in reader if any(f.strip() for f in fields)]
    except csv.Error as exc:
        rule = f"malformed CSV ({exc})"
        raise InputError([Problem(name, f"line {reader.line_num}", "-", "-", rule)]) from exc

    missing = [c for c in required if c not in header]
    if missing:
        rule = f"missing column(s) {missing}; expected {required}"
        other = delimiter_problem(name, 1, header)
        raise InputError(
            [other or Problem(name, "line 1", "header", shorten(",".join(header)), rule)]
        )

    rule = f"expected {len(header)} fields as in the header (truncated or shifted line?)"
    problems = [
        Problem(name, f"line {line}", f"{len(fields)} fields", shorten(",".join(fields)), rule)
        for line, fields in rows
        if len(fields) != len(header)
    ]
    if problems:
        raise InputError(problems)
    return header, rows

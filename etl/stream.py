"""Streaming a large source (UN Comtrade at millions of rows) through validation into parquet.

A streamed reader module declares `STREAMED = True` and provides `data_files(folder)`,
`iter_chunks(path, dropped=...)` (tidy Trade frames, each row's `location` "<file>, line N"),
`DropLog` and `FILES_WANTED` (words for the files it reads). Memory stays bounded by one chunk:
each chunk is validated with the same pandera rules as the in-memory path (text columns kept
categorical instead of copied to strings), appended to trade.parquet, and only its
commodity-total rows are kept for the derived frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pandera.errors as pa_errors
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.parquet as pq

from etl import fx, periods, schemas
from etl.errors import InputError, Problem
from etl.sources.base import SourceResult

_TEXT = pa_arrow.dictionary(pa_arrow.int32(), pa_arrow.string())
# Text columns are dictionary-encoded: chunks arrive categorical, so writing them needs no cast,
# and the file stays small (a few distinct codes repeated millions of times). `location` differs
# on every streamed row, so it is plain text (a dictionary would be as long as the column).
TRADE_ARROW = pa_arrow.schema(
    [
        ("source", _TEXT),
        ("reporter", _TEXT),
        ("partner", _TEXT),
        ("partner_label", _TEXT),
        ("partner_is_aggregate", pa_arrow.bool_()),
        ("commodity", _TEXT),
        ("flow", _TEXT),
        ("value", pa_arrow.float64()),
        ("value_original", pa_arrow.float64()),
        ("unit_original", _TEXT),
        ("currency", _TEXT),
        ("value_usd", pa_arrow.float64()),
        ("fx_rate", pa_arrow.float64()),
        ("fx_basis", _TEXT),
        ("valuation", _TEXT),
        ("basis", _TEXT),
        ("period_start", pa_arrow.timestamp("us")),
        ("period_end", pa_arrow.timestamp("us")),
        ("vintage", _TEXT),
        ("citation", _TEXT),
        ("flag", _TEXT),
        ("location", pa_arrow.string()),
    ]
)
MAX_REPEATS_SHOWN = 50
REPEATED_KEY_RULE = (
    "repeated key: the same trade value appears more than once (the same data downloaded twice, "
    "or one period in two classifications): keep one file per download"
)
# Files in a source folder that are documentation, not data: not reported as unread.
_DOCUMENTATION = ("readme", "provenance", "license", "licence")


def is_streamed(module: ModuleType) -> bool:
    """A reader declares itself streamed (`STREAMED = True`); nothing is guessed from its API."""
    return getattr(module, "STREAMED", False) is True


@cache
def chunk_schema() -> pa.DataFrameSchema:
    """`schemas.Trade` with text columns checked as they come (categorical), not coerced."""
    schema = schemas.Trade.to_schema()
    text = [n for n, col in schema.columns.items() if "string" in repr(col.dtype)]
    schema = schema.update_columns({n: {"dtype": None, "coerce": False} for n in text})
    schema.coerce = False
    # pandera's `unique` sees one chunk; the key check in stream_source sees all of them.
    schema.unique = None
    return schema


def to_arrow(frame: pd.DataFrame) -> pa_arrow.Table:
    frame = frame.copy()
    for name in TRADE_ARROW.names:
        if name not in frame.columns:
            frame[name] = None
    table = pa_arrow.Table.from_pandas(frame[TRADE_ARROW.names], preserve_index=False)
    return table.cast(TRADE_ARROW)


class TradeWriter:
    """Appends validated trade frames to one parquet file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._writer = pq.ParquetWriter(path, TRADE_ARROW, compression="zstd")

    def write(self, frame: pd.DataFrame) -> None:
        if len(frame):
            self._writer.write_table(to_arrow(frame), row_group_size=1_000_000)
            self.rows += len(frame)

    def close(self) -> None:
        self._writer.close()


@dataclass
class StreamOutcome:
    result: SourceResult
    totals: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


def stream_source(
    source: str, module: ModuleType, folder: Path, writer: TradeWriter, max_problems: int = 200,
    chunk_rows: int | None = None,
) -> StreamOutcome:  # fmt: skip
    """Validate and write every chunk of a streamed source; keep its commodity-total rows.

    `chunk_rows` overrides the reader's chunk size (tests use tiny chunks).
    """
    sizing = {} if chunk_rows is None else {"chunksize": chunk_rows}
    t0 = time.perf_counter()
    dropped = module.DropLog()
    files = module.data_files(folder)
    rows_before = writer.rows
    totals: list[pd.DataFrame] = []
    keys = _KeyHashes()
    problems: list[Problem] = []
    rows_in = 0
    for path in files:
        try:
            for chunk in module.iter_chunks(path, dropped=dropped, **sizing):
                rows_in += len(chunk)
                chunk = fx.add_usd(chunk)
                try:
                    chunk_schema().validate(chunk, lazy=True)
                except pa_errors.SchemaErrors as exc:
                    problems += schemas.schema_problems("trade", chunk, exc)
                if problems:
                    if len(problems) >= max_problems:
                        break
                    continue  # keep scanning for problems, write nothing more
                writer.write(chunk)
                keys.add(chunk)
                totals.append(_commodity_totals(chunk))
        except InputError as exc:
            problems += exc.problems
    if not problems:
        problems += repeated_keys(keys, lambda: _chunks(module, files, sizing))
    warnings = []
    if not files:
        warnings.append(f"{folder}: no {module.FILES_WANTED} found")
    if dropped.count:
        warnings.append(f"{dropped.count:,} rows read and not published (see dropped)")
    result = SourceResult(
        source=source,
        frames={},
        files=files,
        rows_in=rows_in + dropped.count,  # every row read: published or dropped with a reason
        dropped=dropped.records(),
        warnings=warnings,
        rows_out={"trade": writer.rows - rows_before},
        unread=unread_files(module, folder, files),
    )
    total = pd.concat(totals, ignore_index=True) if totals else pd.DataFrame()
    return StreamOutcome(result, total, problems, round(time.perf_counter() - t0, 3))


def _commodity_totals(chunk: pd.DataFrame) -> pd.DataFrame:
    """The chunk's all-commodity rows, text as plain strings: what the derived frames need."""
    text = {c: str for c in chunk.columns if isinstance(chunk[c].dtype, pd.CategoricalDtype)}
    return chunk[chunk["commodity"] == "TOTAL"].astype(text)


def _chunks(module: ModuleType, files: list[Path], sizing: dict) -> Iterator[pd.DataFrame]:
    for path in files:
        yield from module.iter_chunks(path, **sizing)


def unread_files(module: ModuleType, folder: Path, files: list[Path]) -> list[dict]:
    """Files in the folder that the reader does not read (documentation aside), with why."""
    if not folder.is_dir():
        return []
    claimed = set(files)
    return [
        {"file": p.name, "reason": f"not a {module.FILES_WANTED}"}
        for p in sorted(folder.iterdir())
        if p.is_file()
        and p not in claimed
        and not p.name.startswith(".")
        and not p.name.lower().startswith(_DOCUMENTATION)
    ]


# ---- the one duplicate-key check of a streamed source ------------------------------------------
# Why this check and not another: pandera's `unique` sees one chunk at a time, and a check on the
# whole frame would need the whole source in memory. Hashing each written chunk's key costs 8 bytes
# a row, sees every chunk of every file, and is the same for any streamed source. Only when a key
# repeats are the files read a second time, to name both places and the key in words.


class _KeyHashes:
    """A 64-bit hash of each written row's key (schemas.TRADE_KEY), in the order written."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []

    def add(self, chunk: pd.DataFrame) -> None:
        hashed = pd.util.hash_pandas_object(chunk[schemas.TRADE_KEY], index=False)
        self.parts.append(hashed.to_numpy())

    def repeats(self, limit: int) -> tuple[dict[int, list[int]], int]:
        """Row ordinals of the first `limit` repeated keys (by first row), and how many repeat."""
        if not self.parts:
            return {}, 0
        hashes = np.concatenate(self.parts)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
        if not len(repeated):
            return {}, 0
        rows = np.flatnonzero(np.isin(hashes, repeated))  # ascending: first places first
        uniques, first = np.unique(hashes[rows], return_index=True)
        shown = uniques[np.argsort(first)[:limit]]
        groups: dict[int, list[int]] = {int(h): [] for h in shown}
        for row in rows[np.isin(hashes[rows], shown)].tolist():
            groups[int(hashes[row])].append(row)
        return groups, len(repeated)


def repeated_keys(
    keys: _KeyHashes, reread: Callable[[], Iterator[pd.DataFrame]], limit: int = MAX_REPEATS_SHOWN
) -> list[Problem]:
    """One problem per repeated key naming every place it occurs ("a.csv, line 2; b.csv, line 2").

    `reread` yields the same chunks again; it is called only when some key repeats.
    """
    groups, total = keys.repeats(limit)
    if not total:
        return []
    wanted = {row: h for h, rows in groups.items() for row in rows}
    found: dict[int, list[pd.Series]] = {h: [] for h in groups}
    start = 0
    for chunk in reread():
        ordinals = np.arange(start, start + len(chunk))
        for i in np.flatnonzero(np.isin(ordinals, list(wanted))).tolist():
            found[wanted[start + i]].append(chunk.iloc[i])
        start += len(chunk)
    out = [_repeat_problem(rows) for rows in found.values() if rows]
    if total > limit:
        out.append(Problem("", f"{total - limit:,} more keys", "", "", "further repeated keys"))
    return out


def _repeat_problem(rows: list[pd.Series]) -> Problem:
    places = [str(r["location"]) for r in rows]
    files = sorted({p.rsplit(", line ", 1)[0] for p in places})
    first = rows[0]
    period = periods.label(str(first["basis"]), first["period_start"], first["period_end"])
    value = "/".join(
        [*(str(first[c]) for c in ("reporter", "partner", "commodity", "flow")), period]
    )
    return Problem(
        ", ".join(files),
        "; ".join(places),
        "reporter/partner/commodity/flow/period",
        value,
        REPEATED_KEY_RULE,
    )

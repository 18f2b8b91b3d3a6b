"""Streaming a large source (UN Comtrade at millions of rows) through validation into parquet.

Memory stays bounded by one chunk: each chunk is validated with the same pandera rules as the
in-memory path (text columns kept categorical instead of copied to strings), appended to
trade.parquet, and only its commodity-total rows are kept for the derived frames. Duplicate keys
across chunks are caught by hashing each chunk's key.
"""

from __future__ import annotations

import time
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

from etl import fx, schemas
from etl.errors import Problem
from etl.sources.base import SourceResult

_TEXT = pa_arrow.dictionary(pa_arrow.int32(), pa_arrow.string())
# Text columns are dictionary-encoded: chunks arrive categorical, so writing them needs no cast,
# and the file stays small (a few distinct codes repeated millions of times).
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
        ("valuation", _TEXT),
        ("basis", _TEXT),
        ("period_start", pa_arrow.timestamp("us")),
        ("period_end", pa_arrow.timestamp("us")),
        ("vintage", _TEXT),
        ("citation", _TEXT),
        ("flag", _TEXT),
        ("location", _TEXT),
    ]
)


def is_streaming(module: ModuleType) -> bool:
    return hasattr(module, "iter_chunks") and hasattr(module, "data_files")


@cache
def chunk_schema() -> pa.DataFrameSchema:
    """`schemas.Trade` with text columns checked as they come (categorical), not coerced."""
    schema = schemas.Trade.to_schema()
    text = [n for n, col in schema.columns.items() if "string" in repr(col.dtype)]
    schema = schema.update_columns({n: {"dtype": None, "coerce": False} for n in text})
    schema.coerce = False
    # Keys are checked across all chunks by hashing (stream_source), which covers each chunk too.
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


def _key_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame[schemas.TRADE_KEY], index=False).to_numpy()


def stream_source(
    source: str, module: ModuleType, folder: Path, writer: TradeWriter, max_problems: int = 200
) -> StreamOutcome:
    """Validate and write every chunk of a streaming source; keep its commodity-total rows."""
    from etl.errors import InputError

    t0 = time.perf_counter()
    dropped = module.DropLog() if hasattr(module, "DropLog") else None
    files = module.data_files(folder)
    rows_before = writer.rows
    totals: list[pd.DataFrame] = []
    hashes: list[np.ndarray] = []
    problems: list[Problem] = []
    rows_in = 0
    for path in files:
        try:
            for chunk in module.iter_chunks(path, dropped=dropped):
                rows_in += len(chunk)
                chunk = fx.add_usd(chunk)
                try:
                    chunk_schema().validate(chunk, lazy=True)
                except pa_errors.SchemaErrors as exc:
                    from etl.pipeline import _schema_problems

                    problems += _schema_problems("trade", chunk, exc)
                if problems:
                    if len(problems) >= max_problems:
                        break
                    continue  # keep scanning for problems, write nothing more
                writer.write(chunk)
                hashes.append(_key_hashes(chunk))
                totals.append(
                    chunk[chunk["commodity"] == "TOTAL"].astype(
                        {
                            c: str
                            for c in chunk.columns
                            if isinstance(chunk[c].dtype, pd.CategoricalDtype)
                        }
                    )
                )
        except InputError as exc:
            problems += exc.problems
    if hashes and not problems:
        all_hashes = np.concatenate(hashes)
        all_hashes.sort()
        repeats = int((all_hashes[1:] == all_hashes[:-1]).sum())
        if repeats:
            problems.append(
                Problem(
                    source,
                    "across files/chunks",
                    ",".join(schemas.TRADE_KEY),
                    f"{repeats} repeated keys",
                    "each reporter/partner/commodity/flow/period appears once",
                )
            )
    total = pd.concat(totals, ignore_index=True) if totals else pd.DataFrame()
    result = SourceResult(
        source=source,
        frames={},
        files=files,
        rows_in=rows_in,
        dropped=dropped.records() if dropped is not None else [],
        rows_out={"trade": writer.rows - rows_before},
    )
    return StreamOutcome(result, total, problems, round(time.perf_counter() - t0, 3))

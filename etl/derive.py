"""Derived trade frames, computed a batch of (source, reporter) pairs at a time.

Every trade metric of etl.metrics but the facts check works within one source and reporter, so a
large source's commodity totals are derived a few reporters at a time (about `BATCH_ROWS` rows)
and each batch's frames appended to parquet: the derive's memory follows the largest batch, not
the run's rows (`Totals` reads the engine's files a batch at a time). Batches follow the sorted
(source, reporter) order, and the metrics give their rows in that order first, so the batches'
rows one after another are the one-shot frames, row for row (`tests/unit/test_derive.py`). The
facts check reads only its facts' reporters.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl import categories, metrics, schemas

# Commodity-total rows of a large source derived at once: one reporter is never split.
BATCH_ROWS = 20_000

# Rows a row group of the joined files holds (a batch's file is copied this many at a time).
JOIN_ROWS = 65_536

# The parts of trade_derived, in the order the published file holds them.
PARTS = ("turnover", "ytd", "months")
# Derived from trade with categorical text (etl.categories), written as str.
FROM_TRADE = ("trade_derived", "shares", "growth", "cagr")


def trade_metrics(trade: pd.DataFrame, published_turnover: set[str]) -> dict[str, pd.DataFrame]:
    """The derived trade frames of `trade` (one batch, or a whole run): PARTS, trade_derived,
    shares, growth, cagr, and all_trade (trade and its derived rows, what the facts check reads).

    `published_turnover`: the sources with a turnover row anywhere in the run, not only in `trade`.
    """
    parts = {
        "turnover": metrics.turnover_from_flows(trade, published_turnover),
        "ytd": metrics.ytd_from_months(trade),
        "months": metrics.months_from_ytd(trade),
    }
    nonempty = [d for d in parts.values() if len(d)]
    # Text stays categorical through the concatenations (etl.categories: a fraction of the memory).
    trade_derived = categories.concat(nonempty) if nonempty else parts["turnover"].iloc[0:0]
    all_trade = categories.concat([trade, trade_derived.drop(columns="derivation")])
    shares = metrics.shares(all_trade)
    return {
        **parts,
        "trade_derived": trade_derived,
        "all_trade": all_trade,
        "shares": categories.validate(schemas.Shares, shares),
        "growth": categories.validate(schemas.Growth, metrics.growth(all_trade)),
        "cagr": metrics.cagr(all_trade, shares),
    }


@dataclass
class Totals:
    """A large source's commodity-total rows in block order: the parquet files the engine left
    (etl.engine.TOTALS, a file per block and chunk, named in block order), read a few columns or
    one batch at a time so that memory does not follow the rows."""

    files: list[Path] = field(default_factory=list)
    unified: pa.Schema | None = None  # the files' schema, once read
    known: pa.Table | None = None  # their keys, once read

    @classmethod
    def of(cls, large: Totals | Path | None) -> Totals | None:
        """`large` as Totals: a folder of the engine's files, or None (none)."""
        if large is None or isinstance(large, Totals):
            return large
        files = sorted(Path(large).glob("*.parquet"))
        return cls(files=files) if files else None

    def schema(self) -> pa.Schema:
        """The rows' types: the files' schemas unified."""
        if self.unified is None:
            found = [pq.read_schema(f) for f in self.files]
            self.unified = pa.unify_schemas(found, promote_options="default")
        return self.unified

    def keys(self) -> pa.Table:
        """Source, reporter and flow of every row, in block order (what a whole run's rows can
        afford: three dictionary columns)."""
        names = ["source", "reporter", "flow"]
        if self.known is None:
            parts = [pq.read_table(f, columns=names) for f in self.files]
            self.known = _concat(parts, self.schema(), names)
        return self.known

    def head(self, rows: int) -> pd.DataFrame:
        first = pq.ParquetFile(self.files[0]).read_row_group(0)
        return _concat([first.slice(0, rows)], self.schema()).to_pandas()

    def of_reporters(self, reporters: set[str]) -> pa.Table:
        """The rows of `reporters`, in block order."""
        keep = self.keys().column("reporter").to_pandas().isin(reporters).to_numpy()
        parts, start = [], 0
        for f in self.files:
            length = pq.ParquetFile(f).metadata.num_rows
            rows = keep[start : start + length]
            if rows.any():  # a file read only when it holds some of their rows
                parts.append(pq.read_table(f).filter(pa.array(rows)))
            start += length
        return _concat(parts, self.schema()) if parts else self.schema().empty_table()

    def batches(self, groups: list[np.ndarray]) -> Iterator[pa.Table]:
        """`groups` (row numbers, each batch's in its order) as tables: every file is read once
        and its rows split into the batches' spill files."""
        schema = self.schema()
        with tempfile.TemporaryDirectory(dir=self.files[0].parent, prefix="_batches") as spill:
            pieces = self._spill(groups, Path(spill))
            for number, rows in enumerate(groups):
                found = pieces.get(number, [])
                ids = np.concatenate([ids for _, ids in found]) if found else np.array([], int)
                parts = [_read_ipc(path) for path, _ in found]
                table = _concat(parts, schema) if parts else schema.empty_table()
                # The pieces hold the rows in block order; the batch wants them in `rows` order.
                yield table.take(pa.array(np.searchsorted(ids, rows)))
                for path, _ in found:
                    path.unlink()

    def _spill(
        self, groups: list[np.ndarray], spill: Path
    ) -> dict[int, list[tuple[Path, np.ndarray]]]:
        """Each file's rows written into one Arrow file per batch they belong to: per batch,
        its pieces in block order with their row numbers."""
        lengths = [pq.ParquetFile(f).metadata.num_rows for f in self.files]
        batch_of = np.full(sum(lengths), -1, dtype=np.int64)
        for number, rows in enumerate(groups):
            batch_of[rows] = number
        pieces: dict[int, list[tuple[Path, np.ndarray]]] = {}
        start = 0
        for i, (f, length) in enumerate(zip(self.files, lengths, strict=True)):
            numbers = batch_of[start : start + length]
            wanted = np.unique(numbers[numbers >= 0])  # none: another source's file
            table = pq.read_table(f) if len(wanted) else None
            for number in wanted:
                at = np.flatnonzero(numbers == number)
                path = spill / f"{number:06d}-{i:06d}.arrow"
                with pa.ipc.new_file(path, table.schema) as writer:
                    writer.write_table(table.take(pa.array(at)))
                pieces.setdefault(int(number), []).append((path, at + start))
            start += length
        return pieces


def _read_ipc(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _concat(parts: list[pa.Table], schema: pa.Schema, names: list[str] | None = None) -> pa.Table:
    """`parts` as one table of `schema`'s types (of `names` only, if given), one dictionary a
    column, as concatenating the engine's files gives them."""
    if names is not None:
        schema = pa.schema([schema.field(n) for n in names])
    table = pa.concat_tables(parts, promote_options="default")
    return table.cast(schema).unify_dictionaries()


def published_turnover(trade: pd.DataFrame, large: Totals | Path | None) -> set[str]:
    """Sources that publish turnover themselves (etl.metrics.turnover_from_flows derives none)."""
    out = set(trade.loc[trade["flow"] == "turnover", "source"]) if len(trade) else set()
    large = Totals.of(large)
    if large is not None:
        keys = large.keys()
        flow, source = keys.column("flow").to_pandas(), keys.column("source").to_pandas()
        out |= set(source[(flow == "turnover").to_numpy()])
    return out


def batches(
    trade: pd.DataFrame, large: Totals | Path | None, batch_rows: int = BATCH_ROWS
) -> Iterator[pd.DataFrame]:
    """`categories.concat([trade, large])` (the one-shot frame) a batch at a time: an in-memory
    source whole, a large source's reporters in sorted order, about `batch_rows` rows a batch;
    batches in source order. Rows keep their order within a batch (a large source's block order)."""
    large = Totals.of(large)
    mem = [trade] if len(trade.columns) else []
    large_empty = [large.head(0)] if large is not None else []
    # Dtypes as the one-shot's concatenation gives them (a batch lacks the other side's rows).
    heads = [f.iloc[:1] for f in mem] + [large.head(1) for _ in large_empty]
    dtypes = categories.concat(heads).dtypes if heads else pd.Series(dtype=object)
    keys = large.keys() if large is not None else None
    groups = _large_groups(keys, batch_rows) if keys is not None else {}
    del keys
    # A source is either large (its reader streams it) or in memory, never both.
    names = sorted({*(trade["source"].unique() if len(trade) else ()), *groups})
    for source in names:
        if source in groups:
            for table in large.batches(groups[source]):
                part = table.to_pandas()
                del table
                yield _typed(categories.concat([f.iloc[0:0] for f in mem] + [part]), dtypes)
        else:
            part = trade[trade["source"] == source]
            yield _typed(categories.concat([part, *large_empty]), dtypes)


def _large_groups(large: pa.Table, batch_rows: int) -> dict[str, list[np.ndarray]]:
    """Per source, row numbers of `large` in batches of whole reporters (sorted), each batch's
    rows in block order."""
    source = large.column("source").to_pandas().astype("category")
    reporter = large.column("reporter").to_pandas().astype("category")
    source = source.cat.reorder_categories(sorted(source.cat.categories))
    reporter = reporter.cat.reorder_categories(sorted(reporter.cat.categories))
    order = np.lexsort((reporter.cat.codes.to_numpy(), source.cat.codes.to_numpy()))  # stable
    s = source.cat.codes.to_numpy()[order]
    r = reporter.cat.codes.to_numpy()[order]
    starts = np.flatnonzero(np.r_[True, (s[1:] != s[:-1]) | (r[1:] != r[:-1])])
    ends = np.r_[starts[1:], len(order)]
    out: dict[str, list[np.ndarray]] = {}
    first, current = 0, None
    for start, end in zip(starts, ends, strict=True):
        name = source.cat.categories[s[start]]
        if name != current or (end - first > batch_rows and start > first):
            if current is not None:
                out[current].append(order[first:start])
            first, current = start, name
            out.setdefault(name, [])
    if current is not None:
        out[current].append(order[first:])
    return out


def _typed(frame: pd.DataFrame, dtypes: pd.Series) -> pd.DataFrame:
    change = {
        c: t
        for c, t in dtypes.items()
        if c in frame.columns
        and not isinstance(frame[c].dtype, pd.CategoricalDtype)
        and not isinstance(t, pd.CategoricalDtype)
        and frame[c].dtype != t
    }
    return frame.astype(change) if change else frame


@dataclass
class Written:
    """What `write` leaves beside its files: row counts and the facts check's inputs."""

    rows: dict[str, int]
    facts_trade: pd.DataFrame
    facts_shares: pd.DataFrame


@dataclass
class _Sink:
    """One output's batches, written as they come: into one parquet file for as long as their
    schema stays the same (a new file when it changes), a row group per slice of JOIN_ROWS rows.
    `_join` makes them one file: the same bytes as one file a batch, joined."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    schemas: list[pa.Schema] = field(default_factory=list)  # each file's
    empty: Path | None = None  # an empty batch's frame: what an empty output is written as
    rows: int = 0
    writer: pq.ParquetWriter | None = None  # the last file's, while it takes batches
    # str_schema of the last batch's dtypes: the same batch after batch, whatever the categories.
    known: tuple[tuple, pa.Schema] | None = None

    def add(self, frame: pd.DataFrame) -> None:
        if len(frame) == 0:
            if not (self.files or self.empty):
                self.empty = self.folder / "empty.parquet"
                write_str_text(frame, self.empty)
            return
        key = _dtypes_key(frame)
        if self.known is None or self.known[0] != key:
            self.known = (key, str_schema(frame))
        table = pa.Table.from_pandas(frame, preserve_index=False).cast(self.known[1])
        table = table.combine_chunks()
        if self.writer is None or not table.schema.equals(self.schemas[-1], check_metadata=True):
            self.close()
            path = self.folder / f"{len(self.files):06d}.parquet"
            self.writer = pq.ParquetWriter(path, table.schema, compression="snappy")
            self.files.append(path)
            self.schemas.append(table.schema)
        _write_slices(self.writer, table)
        self.rows += len(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _write_slices(writer: pq.ParquetWriter, table: pa.Table) -> None:
    """`table` as row groups of JOIN_ROWS rows (the row groups are part of the published bytes)."""
    for start in range(0, len(table), JOIN_ROWS):
        writer.write_table(table.slice(start, JOIN_ROWS))


def write(
    staging: Path, trade: pd.DataFrame, large: Totals | Path | None,
    reporters: set[str], batch_rows: int = BATCH_ROWS,
) -> Written:  # fmt: skip
    """FROM_TRADE written into `staging` as `<name>.parquet` from `batches(trade, large)`; rows of
    `reporters` kept for the facts check (all_trade's and shares' rows in the one-shot order).
    `large`: the engine's folder of the large sources' commodity totals."""
    large = Totals.of(large)
    work = staging / "_derive"
    sinks = {name: _Sink(work / name) for name in [*PARTS, *FROM_TRADE[1:]]}
    for sink in sinks.values():
        sink.folder.mkdir(parents=True)
    turnover = published_turnover(trade, large)
    facts_parts: dict[str, list[pd.DataFrame]] = {p: [] for p in [*PARTS, "shares"]}
    first_columns: dict[str, pd.Index] = {}
    for batch in batches(trade, large, batch_rows):
        out = trade_metrics(batch, turnover)
        for name, sink in sinks.items():
            sink.add(out[name])
            if name in facts_parts:
                facts_parts[name].append(out[name][out[name]["reporter"].isin(reporters)])
            if name in PARTS and len(out[name]) and name not in first_columns:
                first_columns[name] = out[name].columns
        del batch, out
        pa.default_memory_pool().release_unused()  # pandas' str columns live in Arrow's pool
    # trade_derived's columns are pd.concat's of its non-empty parts, in PARTS order.
    parts = [pd.DataFrame(columns=first_columns[p]) for p in PARTS if p in first_columns]
    columns = list(pd.concat(parts).columns) if parts else None
    rows = {
        "trade_derived": _join(
            [sinks[p] for p in PARTS], staging / "trade_derived.parquet", columns
        )
    }
    for name in FROM_TRADE[1:]:
        rows[name] = _join([sinks[name]], staging / f"{name}.parquet", None)
    shutil.rmtree(work)
    derived = [f.drop(columns="derivation") for p in PARTS for f in facts_parts[p] if len(f)]
    facts_trade = _facts_trade(trade, large, reporters, derived)
    return Written(rows, facts_trade, _nonempty_concat(facts_parts["shares"]))


def _facts_trade(
    trade: pd.DataFrame, large: Totals | None, reporters: set[str], derived: list[pd.DataFrame]
) -> pd.DataFrame:
    """The one-shot all_trade's rows of `reporters`, in its order: in-memory rows, the large
    sources' rows in block order, then the derived rows."""
    parts = [trade[trade["reporter"].isin(reporters)]] if len(trade.columns) else []
    if large is not None:
        parts.append(large.of_reporters(reporters).to_pandas())
    return categories.concat([*parts, *derived])


def _nonempty_concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    nonempty = [f for f in frames if len(f)]
    return categories.concat(nonempty) if nonempty else frames[0]


def _join(sinks: list[_Sink], path: Path, columns: list[str] | None) -> int:
    """The sinks' batches, in order, as one parquet file (an empty batch's if all are): their
    schemas unified, columns in `columns` order, pandas' metadata of a batch whose types are the
    file's. The first sink's open file becomes `path` when its schema is the file's already."""
    files = [f for s in sinks for f in s.files]
    if not files:
        for sink in sinks:
            sink.close()
        shutil.move(next(s.empty for s in sinks if s.empty), path)
        return 0
    found = [schema for s in sinks for schema in s.schemas]
    schema = pa.unify_schemas(found, promote_options="permissive")
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns])
    plain = schema.remove_metadata()
    meta = next((s.metadata for s in found if s.remove_metadata().equals(plain)), found[0].metadata)
    schema = schema.with_metadata(meta)
    first = sinks[0]
    same = len(first.files) == 1 and first.schemas[0].equals(schema, check_metadata=True)
    if first.writer is not None and same:
        # The common case: every batch had the file's types, and they are in it already.
        writer, rest = first.writer, files[1:]
        first.writer = None
    else:
        for sink in sinks:
            sink.close()
        writer, rest = pq.ParquetWriter(path, schema, compression="snappy"), files
    for sink in sinks[1:]:
        sink.close()
    with writer:
        for f in rest:
            parquet = pq.ParquetFile(f)
            # A row group at a time: each is one slice of one batch, and stays one.
            for i in range(parquet.metadata.num_row_groups):
                rows = parquet.read_row_group(i)
                arrays = [
                    rows.column(c.name).cast(c.type)
                    if c.name in rows.schema.names
                    else pa.nulls(len(rows), c.type)
                    for c in schema
                ]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema).combine_chunks())
            pa.default_memory_pool().release_unused()
    if rest is not files:
        shutil.move(files[0], path)
    return sum(s.rows for s in sinks)


def write_str_text(frame: pd.DataFrame, path: Path) -> None:
    """`frame.astype(str for its text).to_parquet(path, index=False)`, the same file, with the
    text made str in Arrow rather than in pandas (a million rows of citations as pandas str, then
    their Arrow copy, was the run's peak memory)."""
    table = pa.Table.from_pandas(frame, preserve_index=False).cast(str_schema(frame))
    pq.write_table(table, path, compression="snappy")  # what DataFrame.to_parquet uses


def str_schema(frame: pd.DataFrame) -> pa.Schema:
    """The Arrow schema, pandas' metadata and all, of `frame.astype(str for its text)`."""
    text = dict.fromkeys(categories.text_columns(frame), "str")
    return pa.Table.from_pandas(frame.iloc[0:0].astype(text), preserve_index=False).schema


def _dtypes_key(frame: pd.DataFrame) -> tuple:
    """What `str_schema` depends on: the columns and their dtypes, any categorical's as str."""
    text = set(categories.text_columns(frame))
    columns = tuple((c, "str" if c in text else frame[c].dtype) for c in frame.columns)
    return (frame.columns.dtype, frame.columns.name, columns)

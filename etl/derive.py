"""Derived trade frames, computed a batch of (source, reporter) pairs at a time.

Every trade metric of etl.metrics but the facts check works within one source and reporter, so a
large source's commodity totals are derived a few reporters at a time (about `BATCH_ROWS` rows)
and each batch's frames appended to parquet: the derive's memory follows the largest batch, not
the run's rows. Batches follow the sorted (source, reporter) order, and the metrics give their
rows in that order first, so the batches' rows one after another are the one-shot frames, row for
row (`tests/unit/test_derive.py`). The facts check reads only its facts' reporters.
"""

from __future__ import annotations

import shutil
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


def published_turnover(trade: pd.DataFrame, large: pa.Table | None) -> set[str]:
    """Sources that publish turnover themselves (etl.metrics.turnover_from_flows derives none)."""
    out = set(trade.loc[trade["flow"] == "turnover", "source"]) if len(trade) else set()
    if large is not None:
        flow, source = large.column("flow").to_pandas(), large.column("source").to_pandas()
        out |= set(source[(flow == "turnover").to_numpy()])
    return out


def batches(
    trade: pd.DataFrame, large: pa.Table | None, batch_rows: int = BATCH_ROWS
) -> Iterator[pd.DataFrame]:
    """`categories.concat([trade, large])` (the one-shot frame) a batch at a time: an in-memory
    source whole, a large source's reporters in sorted order, about `batch_rows` rows a batch;
    batches in source order. Rows keep their order within a batch (a large source's block order)."""
    mem = [trade] if len(trade.columns) else []
    large_empty = [large.slice(0, 0).to_pandas()] if large is not None else []
    # Dtypes as the one-shot's concatenation gives them (a batch lacks the other side's rows).
    heads = [f.iloc[:1] for f in mem] + [large.slice(0, 1).to_pandas() for _ in large_empty]
    dtypes = categories.concat(heads).dtypes if heads else pd.Series(dtype=object)
    groups = _large_groups(large, batch_rows) if large is not None else {}
    # A source is either large (its reader streams it) or in memory, never both.
    names = sorted({*(trade["source"].unique() if len(trade) else ()), *groups})
    for source in names:
        if source in groups:
            for rows in groups[source]:
                part = large.take(rows).to_pandas()
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
    """One output's batch files under `folder`, joined into one parquet file at the end."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    empty: Path | None = None  # an empty batch's frame: what an empty output is written as
    rows: int = 0

    def add(self, frame: pd.DataFrame) -> None:
        if len(frame) == 0 and (self.files or self.empty):
            return
        path = self.folder / f"{len(self.files):06d}{'' if len(frame) else '-empty'}.parquet"
        write_str_text(frame, path)
        if len(frame):
            self.files.append(path)
            self.rows += len(frame)
        else:
            self.empty = path


def write(
    staging: Path, trade: pd.DataFrame, large: pa.Table | None, reporters: set[str],
    batch_rows: int = BATCH_ROWS,
) -> Written:  # fmt: skip
    """FROM_TRADE written into `staging` as `<name>.parquet` from `batches(trade, large)`; rows of
    `reporters` kept for the facts check (all_trade's and shares' rows in the one-shot order)."""
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
    trade: pd.DataFrame, large: pa.Table | None, reporters: set[str], derived: list[pd.DataFrame]
) -> pd.DataFrame:
    """The one-shot all_trade's rows of `reporters`, in its order: in-memory rows, the large
    sources' rows in block order, then the derived rows."""
    parts = [trade[trade["reporter"].isin(reporters)]] if len(trade.columns) else []
    if large is not None:
        keep = large.column("reporter").to_pandas().isin(reporters).to_numpy()
        parts.append(large.filter(pa.array(keep)).to_pandas())
    return categories.concat([*parts, *derived])


def _nonempty_concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    nonempty = [f for f in frames if len(f)]
    return categories.concat(nonempty) if nonempty else frames[0]


def _join(sinks: list[_Sink], path: Path, columns: list[str] | None) -> int:
    """The sinks' batch files, in order, as one parquet file (an empty batch's if all are)."""
    files = [f for s in sinks for f in s.files]
    if not files:
        shutil.move(next(s.empty for s in sinks if s.empty), path)
        return 0
    found = [pq.read_schema(f) for f in files]
    schema = pa.unify_schemas(found, promote_options="permissive")
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns])
    # pandas' own metadata (dtypes such as Int64) from a batch whose types are the file's.
    plain = schema.remove_metadata()
    meta = next((s.metadata for s in found if s.remove_metadata().equals(plain)), found[0].metadata)
    schema = schema.with_metadata(meta)
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for f in files:
            # A slice at a time: a whole batch file read, cast and encoded at once was the
            # derive's peak memory.
            for rows in pq.ParquetFile(f).iter_batches(batch_size=JOIN_ROWS):
                arrays = [
                    rows.column(c.name).cast(c.type)
                    if c.name in rows.schema.names
                    else pa.nulls(len(rows), c.type)
                    for c in schema
                ]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            pa.default_memory_pool().release_unused()
    return sum(s.rows for s in sinks)


def write_str_text(frame: pd.DataFrame, path: Path) -> None:
    """`frame.astype(str for its text).to_parquet(path, index=False)`, the same file, with the
    text made str in Arrow rather than in pandas (a million rows of citations as pandas str, then
    their Arrow copy, was the run's peak memory)."""
    text = dict.fromkeys(categories.text_columns(frame), "str")
    schema = pa.Table.from_pandas(frame.iloc[0:0].astype(text), preserve_index=False).schema
    table = pa.Table.from_pandas(frame, preserve_index=False).cast(schema)
    pq.write_table(table, path, compression="snappy")  # what DataFrame.to_parquet uses

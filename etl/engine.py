"""Large sources (UN Comtrade at full scale) on Dask: read, validate, write partitioned parquet.

A large reader module declares `STREAMED = True` and provides `data_files(folder)`, `split(path)`
(byte ranges of whole lines, None for a compressed file), `first_data_line(path)`,
`count_lines(path, start, end)`, `read_block(path, start, end, first_line, dropped=...)` and
`iter_chunks(path, dropped=...)` (tidy Trade frames, each row's `location` "<file>, line N"),
`DropLog` (with `extend`) and `FILES_WANTED`.

One task per block: the reader's own parse and normalisation, `fx.add_usd`, the pandera Trade
rules (`chunk_schema`), then the rows written under `<out>/year=YYYY/reporter=XXX/` (hive
partitions, so pyarrow datasets and DuckDB read one year or reporter without the rest), and its
commodity-total rows under `<out>/_totals/` (read back by the pipeline for trade.parquet and the
derived frames). A task hands back only its problems and its dropped-rows log, so memory is
bounded by the blocks in flight, never by the source. Keys are checked across every block and file
by DuckDB over the written partitions; a repeat names every place it occurs.

Scheduler: None runs the tasks one after another in this process (dask's synchronous scheduler: no
cluster, one block in memory, `make etl`; pyarrow still parses each block on every core); "threads"
runs two at a time on threads (slower here: the pandas steps hold the GIL); any other text is a
dask.distributed scheduler address (`python -m etl --scheduler tcp://host:8786`), whose workers
must see the raw files and the output folder at the same paths (a shared filesystem).
"""

from __future__ import annotations

import itertools
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

# Large blocks amortise the per-task cost (code maps, pandera); each block in flight costs about
# 6x its size in memory (the parsed columns, the tidy frame, its Arrow copy).
BLOCK_BYTES = 48 << 20
MAX_PROBLEMS = 200
MAX_REPEATS_SHOWN = 50
REPEATED_KEY_RULE = (
    "repeated key: the same trade value appears more than once (the same data downloaded twice, "
    "or one period in two classifications): keep one file per download"
)
# Files in a source folder that are documentation, not data: not reported as unread.
_DOCUMENTATION = ("readme", "provenance", "license", "licence")
PARTITIONS = ("year", "reporter")
# The key check's working memory per batch (a task; two run side by side on two workers); beyond
# it DuckDB spills to disk. Parquet bytes of partitions checked at once: about 1.3 M rows. At 20 M
# rows, 32 MB batches with 128 MB each took 1.4 s and the run's memory peak stayed in the blocks
# phase; 64 MB batches with 256 MB each took 1.8 s and raised the peak by ~80 MB.
DUCKDB_MEMORY = "128MB"
KEY_BATCH_BYTES = 32 << 20

_TEXT = pa_arrow.dictionary(pa_arrow.int32(), pa_arrow.string())
# Text columns are dictionary-encoded (a few distinct codes repeated millions of times); `location`
# differs on every row, so it is plain text. `year` is the hive partition (period_start's year).
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


def is_streamed(module: ModuleType) -> bool:
    """A reader declares itself large (`STREAMED = True`); nothing is guessed from its API."""
    return getattr(module, "STREAMED", False) is True


@cache
def chunk_schema() -> pa.DataFrameSchema:
    """`schemas.Trade` with text columns checked as they come (categorical), not coerced."""
    schema = schemas.Trade.to_schema()
    text = [n for n, col in schema.columns.items() if "string" in repr(col.dtype)]
    schema = schema.update_columns({n: {"dtype": None, "coerce": False} for n in text})
    schema.coerce = False
    # pandera's `unique` sees one block; `repeated_keys` sees all of them.
    schema.unique = None
    return schema


def to_arrow(frame: pd.DataFrame) -> pa_arrow.Table:
    """A tidy trade frame as TRADE_ARROW (missing optional columns as nulls)."""
    frame = frame.copy()
    for name in TRADE_ARROW.names:
        if name not in frame.columns:
            frame[name] = None
    table = pa_arrow.Table.from_pandas(frame[TRADE_ARROW.names], preserve_index=False)
    return table.cast(TRADE_ARROW)


# ---- one task ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One unit of work: bytes [start, end) of a plain file, or a whole compressed file."""

    number: int  # order of the block in the source: names its parquet files
    path: Path
    start: int = 0
    end: int = 0
    first_line: int = 0
    whole_file: bool = False


@dataclass
class BlockOutcome:
    rows_in: int = 0
    rows_out: int = 0
    problems: list[Problem] = field(default_factory=list)
    dropped: object = None  # the reader's DropLog


def run_block(module: ModuleType, block: Block, out: Path, source: str) -> BlockOutcome:
    """Read, validate and write one block (its rows under `out`, its commodity totals under
    `out/_totals/`); hand back its problems and drops."""
    outcome = BlockOutcome(dropped=module.DropLog())
    try:
        for i, frame in enumerate(_frames(module, block, outcome.dropped)):
            outcome.rows_in += len(frame)
            frame = fx.add_usd(frame)
            try:
                chunk_schema().validate(frame, lazy=True)
            except pa_errors.SchemaErrors as exc:
                outcome.problems += schemas.schema_problems("trade", frame, exc)
            if outcome.problems:
                continue  # keep scanning for problems, write nothing more
            # Named by source too: two large sources write into the same partitions.
            name = f"{source}-{block.number:06d}-{i:04d}"
            _write_partitions(frame, out, name)
            _write_totals(frame, out / TOTALS, name)
            outcome.rows_out += len(frame)
    except InputError as exc:
        outcome.problems += exc.problems
    return outcome


def _frames(module: ModuleType, block: Block, dropped: object) -> Iterator[pd.DataFrame]:
    """The block's tidy rows: one frame, or a compressed file chunk by chunk (one in memory)."""
    if block.whole_file:
        yield from module.iter_chunks(block.path, dropped=dropped)
    else:
        yield module.read_block(block.path, block.start, block.end, block.first_line, dropped)


# Columns a query filters on (beside the partitions): the ones whose row groups carry min/max
# statistics. Statistics on the values, texts such as `location` and the citation cost a quarter
# of the write time and let no reader skip anything.
FILTERED = ("source", "reporter", "partner", "commodity", "flow", "basis", "period_start",
            "period_end")  # fmt: skip


def _write_options(table: pa_arrow.Table) -> dict:
    """Parquet dictionary pages for the dictionary columns only: trying them on the float and
    `location` columns (a distinct value per row) costs half the write time and makes files
    larger; statistics on the FILTERED columns only."""
    dictionary = [f.name for f in table.schema if pa_arrow.types.is_dictionary(f.type)]
    stats = [n for n in table.column_names if n in FILTERED]
    return {"compression": "zstd", "use_dictionary": dictionary, "write_statistics": stats}


def _write_partitions(frame: pd.DataFrame, out: Path, name: str) -> None:
    """`frame` as hive partitions `out/year=Y/reporter=R/<name>-0.parquet` (the partition
    columns in the path, not the file). Rows are grouped with one stable numpy sort (a block
    is mostly grouped already) and each group written as a zero-copy slice."""
    if not len(frame):
        return
    table = to_arrow(frame).drop_columns(["reporter"])
    codes, names = pd.factorize(frame["reporter"])
    width = len(names) + 1
    key = frame["period_start"].dt.year.to_numpy(dtype="int64") * width + codes
    order = np.argsort(key, kind="stable")
    if (np.diff(order) != 1).any():
        table = table.take(pa_arrow.array(order))
        key = key[order]
    cuts = [0, *(np.flatnonzero(np.diff(key)) + 1).tolist(), len(key)]
    options = _write_options(table)
    for start, end in itertools.pairwise(cuts):
        year, code = divmod(int(key[start]), width)
        folder = out / f"year={year}" / f"reporter={names[code]}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.slice(start, end - start), folder / f"{name}-0.parquet", **options)


# Where a task leaves its commodity-total rows (inside `out`, so a cluster's workers write them
# where the raw rows go; pyarrow datasets skip "_" folders). The pipeline reads them back into
# trade.parquet and removes the folder before publishing.
TOTALS = "_totals"


def plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with categorical columns as plain strings (what etl.metrics concatenates)."""
    text = {c: str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.astype(text)


def _write_totals(frame: pd.DataFrame, folder: Path, name: str) -> None:
    """The block's all-commodity rows, what the derived frames need, as a parquet file with the
    frame's own columns: text as plain strings, so its dictionaries hold only the values present."""
    totals = frame[frame["commodity"] == "TOTAL"]
    if not len(totals):
        return
    text = [c for c in totals.columns if isinstance(totals[c].dtype, pd.CategoricalDtype)]
    table = pa_arrow.Table.from_pandas(plain_text(totals), preserve_index=False)
    # Text dictionary-encoded; other types as pandas has them (datetime64[ns]), so the derived
    # frames see the same dtypes as the block had.
    types = [TRADE_ARROW.field(f.name) if f.name in text else f for f in table.schema]
    table = table.cast(pa_arrow.schema(types))
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / f"{name}.parquet", **_write_options(table))


def iter_totals(out: Path, rows: int = 1 << 16) -> Iterator[pa_arrow.Table]:
    """Every block's commodity-total rows in block order (a file per source, block and chunk,
    named in that order), as TRADE_ARROW tables of about `rows` rows: what trade.parquet is
    written from without holding every total at once."""
    pending: list[pa_arrow.Table] = []
    count = 0
    for path in sorted((out / TOTALS).glob("*.parquet")):
        table = as_trade_arrow(pq.read_table(path))
        pending.append(table)
        count += len(table)
        if count >= rows:
            yield pa_arrow.concat_tables(pending).unify_dictionaries().combine_chunks()
            pending, count = [], 0
    if pending:
        yield pa_arrow.concat_tables(pending).unify_dictionaries().combine_chunks()


def as_trade_arrow(table: pa_arrow.Table) -> pa_arrow.Table:
    """`table` with every TRADE_ARROW column, in order (a missing one as nulls)."""
    columns = [
        table.column(f.name).cast(f.type)
        if f.name in table.column_names
        else pa_arrow.nulls(len(table), f.type)
        for f in TRADE_ARROW
    ]
    return pa_arrow.table(columns, schema=TRADE_ARROW)


# ---- the plan and the run ----------------------------------------------------------------------


def plan(
    module: ModuleType, files: list[Path], compute: Callable[..., tuple], block_bytes: int
) -> list[Block]:
    """Blocks of every file; the first line of each block from line counts done as tasks."""
    cut: list[tuple[Path, int, int]] = []
    whole: dict[int, Path] = {}
    for path in files:
        ranges = module.split(path, block_bytes)
        if ranges is None:
            whole[len(cut)] = path
            cut.append((path, 0, 0))
        else:
            cut += [(path, a, b) for a, b in ranges]
    import dask

    count = dask.delayed(module.count_lines)
    counts = compute(*(count(p, a, b) for i, (p, a, b) in enumerate(cut) if i not in whole))
    counted = iter(counts)
    blocks, line, previous = [], 0, None
    for i, (path, a, b) in enumerate(cut):
        if i in whole:
            blocks.append(Block(i, path, whole_file=True))
            continue
        if path != previous:
            line, previous = module.first_data_line(path), path
        blocks.append(Block(i, path, a, b, line))
        line += next(counted)
    return blocks


@dataclass
class SourceOutcome:
    result: SourceResult
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # plan, blocks, keys: seconds each


def run_source(
    source: str,
    module: ModuleType,
    folder: Path,
    out: Path,
    scheduler: str | None = None,
    block_bytes: int = BLOCK_BYTES,
    check_keys: bool = True,
) -> SourceOutcome:
    """Every block of a large source read, validated and written under `out` (partitioned); keys
    checked across all of them (unless `check_keys` is False: the caller then runs `KeyCheck`
    once over every large source's partitions). Nothing is published here: `out` is inside the
    staging folder."""
    t0 = time.perf_counter()
    steps: dict[str, float] = {}
    files = module.data_files(folder)
    with _compute(scheduler) as compute:
        import dask

        blocks = plan(module, files, compute, block_bytes)
        steps["plan"] = time.perf_counter() - t0
        tasks = [dask.delayed(run_block)(module, b, out, source, dask_key_name=f"block-{b.number}")
                 for b in blocks]  # fmt: skip
        outcomes: tuple[BlockOutcome, ...] = compute(*tasks)
        steps["blocks"] = time.perf_counter() - t0 - steps["plan"]
        dropped = module.DropLog()
        problems: list[Problem] = []
        for o in outcomes:  # in block order: first places first
            dropped.extend(o.dropped)
            problems += o.problems
        problems = problems[:MAX_PROBLEMS]
        rows_out = sum(o.rows_out for o in outcomes)
        if check_keys and not problems and rows_out:
            t1 = time.perf_counter()
            problems += repeated_keys(out, compute=compute)
            steps["keys"] = time.perf_counter() - t1
    warnings = []
    if not files:
        warnings.append(f"{folder}: no {module.FILES_WANTED} found")
    if dropped.count:
        warnings.append(f"{dropped.count:,} rows read and not published (see dropped)")
    result = SourceResult(
        source=source,
        frames={},
        files=files,
        # every row read: published or dropped with a reason
        rows_in=sum(o.rows_in for o in outcomes) + dropped.count,
        dropped=dropped.records(),
        warnings=warnings,
        rows_out={"trade_large": rows_out},
        unread=unread_files(module, folder, files),
    )
    seconds = round(time.perf_counter() - t0, 3)
    steps = {k: round(v, 3) for k, v in steps.items()}
    return SourceOutcome(result, problems, seconds, steps)


# `--scheduler` values of this machine: the default pool's names, then one process, threads.
_POOL = (None, "", "local", "processes")
_LOCAL = (*_POOL, "synchronous", "threads")


class _compute:
    """A `compute(*delayed)` bound to the chosen scheduler; a pool or client is closed on exit."""

    def __init__(self, scheduler: str | None) -> None:
        self.scheduler = scheduler
        self.client = None
        self.pool = None

    def __enter__(self):
        # Dask's scheduler functions, not their names: given a name, dask imports distributed
        # (0.1-0.2 s) to look for a running cluster.
        import dask
        import dask.local
        import dask.multiprocessing
        import dask.threaded

        one_by_one = dask.local.get_sync
        if self.scheduler in _POOL:
            workers = local_workers()
            if workers > 1:
                self.pool = pool = _process_pool(workers)
                get = dask.multiprocessing.get
                return lambda *tasks: dask.compute(
                    *tasks, scheduler=get, pool=pool, num_workers=workers
                )
            return lambda *tasks: dask.compute(*tasks, scheduler=one_by_one)
        if self.scheduler == "synchronous":
            return lambda *tasks: dask.compute(*tasks, scheduler=one_by_one)
        if self.scheduler == "threads":
            return lambda *tasks: dask.compute(*tasks, scheduler=dask.threaded.get)
        from distributed import Client

        self.client = Client(self.scheduler, set_as_default=False)
        return lambda *tasks: self.client.compute(list(tasks), sync=True)

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def is_local(scheduler: str | None) -> bool:
    """True for the schedulers of this machine (the default pool, one process, threads); False
    for a dask.distributed scheduler's address."""
    return scheduler in _LOCAL


def local_workers() -> int:
    """Worker processes of the default local scheduler: the CPUs this process may use
    (TRADEBOARD_WORKERS overrides; 1 runs every task in this process)."""
    import os

    wanted = os.environ.get("TRADEBOARD_WORKERS", "")
    if wanted.strip():
        return max(int(wanted), 1)
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _process_pool(workers: int):
    """Worker processes forked from this one: they start with its imports and caches (the
    pandera schema built once here), in well under a second, where spawned ones would import
    everything again."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunk_schema()
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start)


def _worker_start() -> None:
    """In each worker: one core for pyarrow (the workers share the CPUs between them), and
    exit with the parent, so a killed run leaves no worker writing into its staging folder."""
    import ctypes
    import signal
    import sys

    pa_arrow.set_cpu_count(1)
    pa_arrow.set_io_thread_count(1)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


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


# ---- the one duplicate-key check of a large source ---------------------------------------------
# pandera's `unique` sees one block; DuckDB sees every written row of every block and file, groups
# by the key (spilling to disk if it must) and names every place a key occurs.


class KeyCheck:
    """`repeated_keys` over every large source's partitions on a thread of this process, while
    the caller goes on (the derive step): DuckDB releases the GIL, so on one core of its own it
    takes the other's work off the wall time. `result()` waits and gives its problems."""

    def __init__(self, out: Path) -> None:
        import threading

        self.problems: list[Problem] = []
        self.seconds = 0.0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(out,), daemon=True)
        self._thread.start()

    def _run(self, out: Path) -> None:
        t0 = time.perf_counter()
        try:
            self.problems = repeated_keys(out, threads=1)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        self.seconds = time.perf_counter() - t0

    def wait(self) -> None:
        """Let the check finish (before its folder goes, whatever the caller met meanwhile)."""
        self._thread.join()

    def result(self) -> list[Problem]:
        self.wait()
        if self._error is not None:
            raise self._error
        return self.problems


def key_batches(out: Path, batch_bytes: int | None = None) -> list[list[str]]:
    """The partitions' parquet files in batches of whole partitions, each about `batch_bytes`.

    The key holds the reporter and the period, which name the partition (reporter=, year= of
    period_start): rows with the same key are always in the same partition folder, so each batch
    is checked on its own, in memory that follows the batch, not the source."""
    batch_bytes = KEY_BATCH_BYTES if batch_bytes is None else batch_bytes
    batches: list[list[str]] = []
    current: list[str] = []
    size = 0
    for folder in sorted(out.glob("year=*/reporter=*")):
        files = sorted(folder.glob("*.parquet"))
        folder_bytes = sum(f.stat().st_size for f in files)
        if current and size + folder_bytes > batch_bytes:
            batches.append(current)
            current, size = [], 0
        current += [str(f) for f in files]
        size += folder_bytes
    return [*batches, current] if current else batches


def _sql_text(text: str) -> str:
    """A SQL string literal (a view cannot take a prepared parameter)."""
    return "'" + text.replace("'", "''") + "'"


def repeated_keys(
    out: Path,
    limit: int = MAX_REPEATS_SHOWN,
    compute: Callable[..., tuple] | None = None,
    threads: int | None = None,
) -> list[Problem]:
    """One problem per repeated key, naming every place it occurs ("a.csv, line 2; b.csv, line
    2"), the first 50 by place; then one problem saying how many more keys repeat.

    Each batch of partitions (`key_batches`) is a task (`compute`: the run's scheduler, so a
    pool's or cluster's workers check batches side by side; default one after another here).
    """
    import dask
    import dask.local

    compute = compute or (lambda *tasks: dask.compute(*tasks, scheduler=dask.local.get_sync))
    check = dask.delayed(batch_repeats)
    found = compute(*(check(files, limit, threads) for files in key_batches(out)))
    total = sum(n for _, n in found)
    if not total:
        return []
    repeats = pd.concat([r for r, n in found if n], ignore_index=True)
    repeats = repeats.sort_values("first", kind="stable").head(limit)
    problems = [_repeat_problem(r) for r in repeats.itertuples(index=False)]
    if total > limit:
        problems.append(
            Problem("", f"{total - limit:,} more keys", "", "", "further repeated keys")
        )
    return problems


def batch_repeats(
    files: list[str], limit: int, threads: int | None = None
) -> tuple[pd.DataFrame, int]:
    """The first `limit` repeated keys of one batch of partition files (by first place), with
    their places, and how many keys repeat in the batch.

    Rows are grouped by a 64-bit hash of the key (half the time and a third of the memory of
    grouping the nine columns); only rows whose hash repeats are grouped again by the key itself,
    so a hash collision is never reported. DuckDB takes the cores pyarrow may use here (one in a
    pool's worker) and spills to disk past `DUCKDB_MEMORY`.
    """
    import tempfile

    import duckdb

    key = ", ".join(schemas.TRADE_KEY)
    listed = "[" + ", ".join(_sql_text(f) for f in files) + "]"
    # The blocks' Arrow memory goes back to the system before DuckDB takes its own.
    pa_arrow.default_memory_pool().release_unused()
    with tempfile.TemporaryDirectory(prefix="tradeboard-keys-") as spill:
        con = duckdb.connect(
            config={
                "memory_limit": DUCKDB_MEMORY,
                "temp_directory": spill,
                "preserve_insertion_order": False,
                "threads": threads or max(pa_arrow.cpu_count(), 1),
            }
        )
        try:
            con.execute(
                f"CREATE TEMP VIEW large AS SELECT * FROM read_parquet({listed}, "
                "hive_partitioning = true)"
            )
            con.execute(
                f"CREATE TEMP TABLE suspects AS SELECT hash({key}) AS h FROM large "
                "GROUP BY h HAVING count(*) > 1"
            )
            if not con.execute("SELECT count(*) FROM suspects").fetchone()[0]:
                return pd.DataFrame(), 0
            repeats = con.execute(
                f"""
                SELECT {key}, list(location) AS places, min(location) AS first,
                       count(*) OVER () AS total
                FROM large WHERE hash({key}) IN (SELECT h FROM suspects)
                GROUP BY {key} HAVING count(*) > 1
                ORDER BY first LIMIT {limit}
                """
            ).df()
        finally:
            con.close()
    return repeats, int(repeats["total"].iloc[0]) if len(repeats) else 0


def _line_order(place: str) -> tuple[str, int]:
    file, _, line = place.rpartition(", line ")
    return file, int(line) if line.isdigit() else 0


def _repeat_problem(r) -> Problem:
    places = sorted((str(p) for p in r.places), key=_line_order)
    files = sorted({p.rsplit(", line ", 1)[0] for p in places})
    start, end = pd.Timestamp(r.period_start), pd.Timestamp(r.period_end)
    period = periods.label(str(r.basis), start, end)
    value = "/".join([str(r.reporter), str(r.partner), str(r.commodity), str(r.flow), period])
    return Problem(
        ", ".join(files),
        "; ".join(places),
        "reporter/partner/commodity/flow/period",
        value,
        REPEATED_KEY_RULE,
    )

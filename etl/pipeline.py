"""The only module of the ETL that does I/O: read, validate, derive, write atomically, report.

Stages: raw files (materialised from the snapshot manifest) -> one reader per source ->
`schemas.TABLES` (one clean table per schema, validated) -> derived frames (etl.metrics) ->
parquet files, metadata.json and report.json in a staging folder, published in one swap.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl import (
    derive,
    engine,
    fx,
    labels,
    metrics,
    periods,
    registry,
    schemas,
    snapshots,
    sources,
)
from etl import facts as facts_reader
from etl.atomic import publish, run_lock, staging_dir
from etl.errors import InputError, Problem
from etl.schemas import validate
from etl.sources.base import Dropped, SourceResult

__all__ = ["run", "validate"]


@dataclass
class _Log:
    """What a run has found so far: problems (fatal), warnings (published), step timings."""

    started: float = field(default_factory=time.perf_counter)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[step] = round(time.perf_counter() - t0, 3)

    def stop_on_problems(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def run(
    raw: Path,
    clean: Path,
    facts_path: Path,
    manifest: Path | None = None,
    mirror: Path | None = None,
    accept_new_vintage: bool = False,
    only: list[str] | None = None,
    scheduler: str | None = None,
) -> dict:
    """Build every clean frame into a staging directory and publish it, or raise InputError.

    When `manifest` is given, snapshot files are first materialised into `raw` and verified.
    Nothing in `clean` changes unless the whole run succeeds. Large sources run on Dask:
    `scheduler` None in this process, else a dask.distributed scheduler address (etl.engine).
    """
    log = _Log()
    _refuse_clean_over_inputs(clean, raw, facts_path)
    with run_lock(clean):
        files = _materialise(manifest, raw, mirror, accept_new_vintage, log)
        present = _sources_present(raw, only)
        streamed = [s for s in present if engine.is_streamed(sources.reader(s))]
        results = _read_sources([s for s in present if s not in streamed], raw, log)
        fact_frame = _read_facts(facts_path, log)
        frames = _validate(_tables(results), log)
        log.stop_on_problems()
        staging = staging_dir(clean)
        try:
            outputs = _Outputs(frames, fact_frame, files, _metadata(manifest), scheduler)
            report = _write(staging, raw, streamed, results, outputs, log)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)  # nothing half-written survives
            raise
        publish(staging, clean)
        return report


# ---- steps of a run, in order ------------------------------------------------------------------


def _materialise(
    manifest: Path | None, raw: Path, mirror: Path | None, accept_new_vintage: bool, log: _Log
) -> list[dict]:
    """Snapshot files into `raw`, verified against the manifest; their records for the report."""
    if manifest is None:
        return []
    records, problems, warnings = snapshots.materialise(manifest, raw, mirror, accept_new_vintage)
    log.problems += problems
    log.warnings += warnings
    log.stop_on_problems()
    return records


def _sources_present(raw: Path, only: list[str] | None) -> list[str]:
    wanted = only or [
        *sources.READERS,
        *(s for s in sources.OPTIONAL_READERS if (raw / s).is_dir()),
    ]
    return [s for s in wanted if s in sources.READERS or (raw / s).is_dir()]


def _read_sources(names: list[str], raw: Path, log: _Log) -> list[SourceResult]:
    """Each in-memory source read by its reader; every source's problems are collected."""
    results = []
    for source in names:
        with log.timed(f"read:{source}"):
            try:
                results.append(_load_source(source, raw))
            except InputError as exc:
                log.problems += exc.problems
    return results


def _load_source(source: str, raw: Path) -> SourceResult:
    folder = raw / source
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "-", "-", "-", "source folder missing")])
    return sources.load(source, folder)


def _read_facts(facts_path: Path, log: _Log) -> pd.DataFrame:
    try:
        return facts_reader.load(facts_path)
    except InputError as exc:
        log.problems += exc.problems
        return pd.DataFrame()


def _tables(results: list[SourceResult]) -> dict[str, pd.DataFrame]:
    """One frame per clean table of `schemas.TABLES`: whatever the sources return under its name."""
    frames = {}
    for table in schemas.TABLES:
        parts = [r.frames[table] for r in results if len(r.frames.get(table, ()))]
        frames[table] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return frames


def _validate(frames: dict[str, pd.DataFrame], log: _Log) -> dict[str, pd.DataFrame]:
    """Exchange rates checked first; then USD values added at those cited rates, plausibility
    warned about, and every other table checked against its schema."""
    with log.timed("validate"):
        rates = frames.get("fx", pd.DataFrame())
        if len(rates):
            frames["fx"], problems = validate("fx", rates)
            log.problems += problems
            rates = frames["fx"]
        for table, frame in frames.items():
            if len(frame) and "value_usd" in schemas.TABLES[table].to_schema().columns:
                frames[table] = fx.add_usd(frame, rates if len(rates) else None)
        log.warnings += _plausibility_warnings(frames)
        for table, frame in frames.items():
            if len(frame) and table != "fx":
                frames[table], problems = validate(table, frame)
                log.problems += problems
    return frames


@dataclass
class _Outputs:
    """What a run publishes besides the streamed rows: validated tables, facts, file records."""

    frames: dict[str, pd.DataFrame]
    facts: pd.DataFrame
    files: list[dict]
    metadata: dict
    scheduler: str | None = None  # where large sources run (etl.engine)


def _write(
    staging: Path, raw: Path, streamed: list[str], results: list[SourceResult], out: _Outputs,
    log: _Log,
) -> dict:  # fmt: skip
    """Write large sources (partitioned, by the engine), trade, derive, write the rest.

    trade.parquet holds the in-memory sources' rows and the large sources' commodity totals (what
    the dashboard charts); every row of a large source is in trade_large/year=Y/reporter=R/.
    """
    frames = out.frames
    # On this machine the key check runs beside the derive step (engine.KeyCheck: DuckDB on a
    # thread); a cluster checks each source's keys on its workers.
    beside = bool(streamed) and engine.is_local(out.scheduler)
    _stream_sources(streamed, raw, staging / LARGE, results, log, out.scheduler, not beside)
    log.stop_on_problems()
    keys = engine.KeyCheck(staging / LARGE) if beside else None
    try:
        derived, rows, trade_rows = _trade_and_derived(staging, streamed, out, log)
    except Exception:
        # Repeated keys can break the derive step: then they are what the run reports.
        if keys is not None and keys.result():
            log.problems += keys.problems
            log.stop_on_problems()
        raise
    finally:
        if keys is not None:
            keys.wait()
    if keys is not None:
        log.problems += keys.result()
        log.timings["keys"] = round(keys.seconds, 3)
        log.stop_on_problems()
    trade_file = staging / "trade.parquet"
    with log.timed("write"):
        outputs = {**frames, "facts": out.facts, **derived}
        for name, frame in outputs.items():
            if name != "trade":
                frame.to_parquet(staging / f"{name}.parquet", index=False)
        # Staleness: per source the last date its rows cover, beside the manifest's edition,
        # over every clean table (streamed sources read back from trade.parquet's two columns).
        ends = [
            f.groupby("source", observed=True)["period_end"].max()
            for f in [
                *(frames[t] for t in schemas.TABLES if t != "trade"),
                pd.read_parquet(trade_file, columns=["source", "period_end"]),
            ]
            if len(f) and {"source", "period_end"} <= set(f.columns)
        ]
        latest = pd.concat(ends).groupby(level=0).max() if ends else pd.Series(dtype=object)
        metadata = {**out.metadata, "sources": dict(out.metadata.get("sources", {}))}
        for source in {*metadata["sources"], *latest.index}:
            entry = dict(metadata["sources"].get(source, {}))
            entry.setdefault("edition", "")
            end = latest.get(source)
            entry["latest_period_end"] = None if end is None else end.date().isoformat()
            metadata["sources"][source] = entry
        _write_json(staging / "metadata.json", metadata)
        # Row counts in the report's usual order: the clean tables, facts, then what is derived.
        counts = {name: len(frame) for name, frame in outputs.items()} | rows
        order = dict.fromkeys([*frames, "facts", *derive.FROM_TRADE, *counts])
        counts = {n: counts[n] for n in order} | {"trade": trade_rows}
        if streamed:
            counts[LARGE] = sum(r.rows_out.get(LARGE, 0) for r in results)
        report = _report(results, out.files, counts, log)
        # Checksums of the outputs let any reader verify it sees one complete version.
        report["outputs"] = {
            p.name: snapshots.sha256(p)
            for p in sorted([*staging.glob("*.parquet"), staging / "metadata.json"])
        }
        if streamed:  # the partitioned rows: files and rows, not a checksum of gigabytes
            report["partitioned"] = {
                LARGE: {
                    "files": len(list((staging / LARGE).rglob("*.parquet"))),
                    "rows": counts[LARGE],
                }
            }
    _write_json(staging / "report.json", report)
    return report


def _trade_and_derived(
    staging: Path, streamed: list[str], out: _Outputs, log: _Log
) -> tuple[dict[str, pd.DataFrame], dict[str, int], int]:
    """trade.parquet (the in-memory sources' rows, then the large sources' commodity totals)
    and the derived frames; the derived frames, their row counts and trade.parquet's rows."""
    frames = out.frames
    trade_file = staging / "trade.parquet"
    # The large sources' commodity totals come back from the tasks' files (etl.engine), in block
    # order, once: written into trade.parquet beside the in-memory sources' rows, then derived.
    # A row group per ~65,536 totals: memory follows that, not the run's totals.
    in_memory = engine.to_arrow(frames["trade"])
    with pq.ParquetWriter(trade_file, engine.TRADE_ARROW, compression="zstd") as writer:
        writer.write_table(in_memory)
        trade_rows = len(in_memory)
        del in_memory
        for table in engine.iter_totals(staging / LARGE) if streamed else ():
            writer.write_table(table)
            trade_rows += len(table)
    pa.default_memory_pool().release_unused()  # the derive reads the totals a batch at a time

    with log.timed("derive"):
        large = staging / LARGE / engine.TOTALS if streamed else None
        derived, rows = _derive_batched(staging, frames, large, out.facts)
        if streamed:  # a large source without commodity totals wrote no _totals folder
            shutil.rmtree(staging / LARGE / engine.TOTALS, ignore_errors=True)
    return derived, rows, trade_rows


# Where large sources' rows go, partitioned by year and reporter (etl.engine).
LARGE = "trade_large"


def _stream_sources(
    streamed: list[str], raw: Path, out: Path, results: list[SourceResult], log: _Log,
    scheduler: str | None, check_keys: bool = True,
) -> None:  # fmt: skip
    """Each large source read, validated and written by the engine (its commodity totals under
    `out/_totals/`, see etl.engine.iter_totals)."""
    if streamed:
        out.mkdir(parents=True, exist_ok=True)
    for source in streamed:
        outcome = engine.run_source(
            source, sources.reader(source), raw / source, out, scheduler=scheduler,
            check_keys=check_keys,
        )  # fmt: skip
        results.append(outcome.result)
        log.problems += outcome.problems
        log.timings[f"read+validate+write:{source}"] = outcome.seconds
        log.timings |= {f"{step}:{source}": t for step, t in outcome.steps.items()}


def _metadata(manifest: Path | None) -> dict:
    """data/clean/metadata.json: source names from the manifest and the project's words."""
    return {"sources": registry.metadata(manifest), "labels": labels.as_metadata()}


def _write_json(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, indent=1, default=str, ensure_ascii=False), "utf-8")


def _refuse_clean_over_inputs(clean: Path, *inputs: Path) -> None:
    """Publishing replaces `clean` wholesale: a clean folder that is, or holds, an input (say
    `--clean data/raw` or `--clean data`) would delete the raw files. Refused before anything."""
    target = clean.resolve()
    for path in inputs:
        inside = path.resolve()
        if inside == target or target in inside.parents:
            rule = (
                f"the output folder is or contains the input {path}; publishing would delete it: "
                "choose another --clean folder"
            )
            raise InputError([Problem(str(clean), "-", "--clean", str(clean), rule)])


def _plausibility_warnings(frames: dict[str, pd.DataFrame]) -> list[str]:
    """Published but surprising values: kept, and said in the report."""
    out: list[str] = _yoy_jumps(frames["trade"])
    fdi = frames["fdi"]
    if len(fdi):
        negative = fdi[(fdi["measure"] == "gross_inflow") & (fdi["value"] < 0)]
        for r in negative.itertuples(index=False):
            out.append(
                f"{r.source}: negative gross inflow {r.value / 1e6:,.0f} USD m from "
                f"{r.investor} into {r.host} in {r.period_start.year} (as published)"
            )
    return out


YOY_JUMP = 100.0  # a value 100x above or below the same period a year earlier
YOY_MIN_PREVIOUS = 1e6  # ... when that earlier value was above 1 million USD


def _yoy_jumps(trade: pd.DataFrame) -> list[str]:
    """Trade values more than 100x above or below the same months one year earlier.

    Compared within one source, reporter, partner, commodity, flow, basis and vintage (an edition
    is set beside its own previous year), for earlier values above 1 million in `value_usd`, or in
    `value` where no USD value exists (EUR sources: the threshold is then in euros). Such a jump
    is usually a unit slip (thousands read as units) rather than trade; the value is published
    and the report says so.
    """
    if trade.empty:
        return []
    # Aggregates other than World (IMF's residual "not specified" areas, regions) swing by
    # construction; the World total and countries are where a unit slip shows.
    trade = trade[~trade["partner_is_aggregate"].astype(bool) | (trade["partner"] == "WLD")]
    key = ["source", "reporter", "partner", "commodity", "flow", "basis", "vintage"]
    start, end = trade["period_start"], trade["period_end"]
    cells = trade[key].assign(
        year=start.dt.year,
        first_month=start.dt.month,
        months=(end.dt.year - start.dt.year) * 12 + end.dt.month - start.dt.month,
        amount=trade["value_usd"].fillna(trade["value"]),
        currency=trade["currency"].where(trade["value_usd"].isna(), "USD"),
        start=start,
        end=end,
        where=trade["location"] if "location" in trade else trade["citation"],
    )
    same = [*key, "first_month", "months", "year"]
    earlier = cells[[*same, "amount"]].assign(year=cells["year"] + 1)
    pairs = cells.merge(earlier, on=same, suffixes=("", "_before"))
    pairs = pairs[pairs["amount_before"] > YOY_MIN_PREVIOUS]
    ratio = pairs["amount"] / pairs["amount_before"]
    jumps = pairs[(ratio > YOY_JUMP) | (ratio < 1 / YOY_JUMP)]
    out = []
    for r in jumps.itertuples(index=False):
        period = periods.label(r.basis, r.start, r.end)
        times = r.amount / r.amount_before
        if times >= 1:
            change = f"{times:,.0f} times the value"
        elif times > 0:
            change = f"1/{1 / times:,.0f} of the value"
        else:
            change = "zero against a value"
        out.append(
            f"{r.source}: {r.reporter} {r.flow} with {r.partner} in {period} is {change} a year "
            f"earlier ({r.amount:,.0f} vs {r.amount_before:,.0f} {r.currency}; {r.where}): "
            "check the unit and the value in the file (published as read)"
        )
    return out


def _empty(model: type) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in model.to_schema().columns})


def _derive(frames: dict[str, pd.DataFrame], fact_frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every derived frame at once, in memory (`_derive_batched` writes the trade ones per batch
    of reporters and gives the same files)."""
    trade = frames["trade"]
    fdi_cum, visa_sum = _fdi_and_visas(frames)
    if trade.empty:  # an FDI- or visa-only run: no trade metrics, facts checked against nothing
        return _no_trade(fdi_cum, visa_sum, fact_frame)
    out = derive.trade_metrics(trade, derive.published_turnover(trade, None))
    return {
        **{name: out[name] for name in derive.FROM_TRADE},
        "fdi_cumulative": fdi_cum,
        "visa_summary": visa_sum,
        "facts_check": metrics.facts_check(
            fact_frame, out["all_trade"], out["shares"], fdi_cum, visa_sum
        ),
    }


def _derive_batched(
    staging: Path, frames: dict[str, pd.DataFrame], large: Path | None,
    fact_frame: pd.DataFrame,
) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:  # fmt: skip
    """The trade frames derived a batch of reporters at a time and written into `staging`
    (etl.derive), with their row counts; the other derived frames in memory. `large`: the engine's
    folder of the large sources' commodity totals (read a batch at a time: the derive's memory
    does not follow the rows)."""
    fdi_cum, visa_sum = _fdi_and_visas(frames)
    trade = frames["trade"]
    large = derive.Totals.of(large)
    if trade.empty and large is None:
        derived = _no_trade(fdi_cum, visa_sum, fact_frame)
        for name in derive.FROM_TRADE:
            derive.write_str_text(derived[name], staging / f"{name}.parquet")
        return {n: f for n, f in derived.items() if n not in derive.FROM_TRADE}, {
            n: len(derived[n]) for n in derive.FROM_TRADE
        }
    # The facts check looks up its own reporters only: their rows are all it needs.
    reporters = set(fact_frame["reporter"].dropna()) if "reporter" in fact_frame else set()
    written = derive.write(staging, trade, large, reporters)
    facts_check = metrics.facts_check(
        fact_frame, written.facts_trade, written.facts_shares, fdi_cum, visa_sum
    )
    derived = {"fdi_cumulative": fdi_cum, "visa_summary": visa_sum, "facts_check": facts_check}
    return derived, written.rows


def _fdi_and_visas(frames: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    fdi_cum = metrics.fdi_cumulative(frames["fdi"]) if len(frames["fdi"]) else pd.DataFrame()
    visa_sum = metrics.visa_summary(frames["visas"]) if len(frames["visas"]) else pd.DataFrame()
    return fdi_cum, visa_sum


def _no_trade(
    fdi_cum: pd.DataFrame, visa_sum: pd.DataFrame, fact_frame: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    no_trade, no_shares = _empty(schemas.Trade), _empty(schemas.Shares)
    return {
        "trade_derived": no_trade.assign(derivation=pd.Series(dtype=object)),
        "shares": no_shares,
        "growth": _empty(schemas.Growth),
        "cagr": pd.DataFrame(),
        "fdi_cumulative": fdi_cum,
        "visa_summary": visa_sum,
        "facts_check": metrics.facts_check(fact_frame, no_trade, no_shares, fdi_cum, visa_sum),
    }


def _report(
    results: list[SourceResult], files: list[dict], counts: dict[str, int], log: _Log
) -> dict:
    def dropped(items: list[Dropped]) -> list[dict]:
        return [asdict(d) for d in items]

    unread = {r.source: list(r.unread) for r in results}
    return {
        "run_id": uuid.uuid4().hex,
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "pid": os.getpid(),
        "seconds": round(time.perf_counter() - log.started, 3),
        "timings": log.timings,
        "files": files,
        "sources": {
            r.source: {
                "files": [p.name for p in r.files],
                "rows_in": r.rows_in,
                "rows_out": r.rows_out or {t: len(f) for t, f in r.frames.items()},
                "dropped_count": len(r.dropped),
                "dropped": dropped(r.dropped),
                "unread": unread[r.source],
                "warnings": r.warnings,
            }
            for r in results
        },
        "tables": counts,
        "warnings": [
            *log.warnings,
            # Documentation (PROVENANCE.md, README) is listed in `unread` but is no warning:
            # only data files that no reader claims are.
            *(
                _unread_warning(source, u)
                for source, items in unread.items()
                for u in items
                if u.get("reason") != sources.DOCUMENTATION_REASON
            ),
        ],
    }


def _unread_warning(source: str, unread: dict) -> str:
    name = unread.get("file") or unread.get("name") or unread.get("path") or "?"
    reason = unread.get("reason") or "no reader claims it"
    return f"{source}: {name} was not read ({reason})"

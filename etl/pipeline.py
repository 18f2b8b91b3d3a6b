"""The only module of the ETL that does I/O: read, validate, derive, write atomically, report."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pandera.errors as pa_errors

from etl import facts as facts_reader
from etl import fx, metrics, periods, schemas, snapshots, stream
from etl.atomic import publish, run_lock, staging_dir
from etl.errors import InputError, Problem, shorten
from etl.sources import OPTIONAL_READERS, READERS, reader
from etl.sources.base import Dropped, SourceResult

TABLE_SCHEMAS = {"trade": schemas.Trade, "fdi": schemas.Fdi, "visas": schemas.Visas}
MAX_PROBLEMS_SHOWN = 200


def _schema_problems(table: str, frame: pd.DataFrame, exc: pa_errors.SchemaErrors) -> list[Problem]:
    """Turn pandera's failure cases into problems that point at the row's file.

    A row-wise dataframe check fails once per column; those are folded into one problem per
    row and check, naming the row's key instead of every cell.
    """
    cases = exc.failure_cases.copy()
    cases["index"] = cases["index"].astype(object)
    folded = cases.groupby(["check", "index"], dropna=False, sort=False).agg(
        column=("column", "first"), value=("failure_case", "first"), n=("column", "size")
    )
    out: list[Problem] = []
    for (check, idx), case in folded.head(MAX_PROBLEMS_SHOWN).iterrows():
        where, file, column, value = f"{table} row {idx}", table, str(case["column"]), case["value"]
        if idx is not None and not pd.isna(idx) and idx in frame.index:
            row = frame.loc[idx]
            file = str(row.get("citation", table))
            key = [
                str(row.get(c, ""))
                for c in ("reporter", "host", "issuer", "partner", "investor", "flow", "measure")
            ]
            period = row.get("period_start")
            key.append(str(period.date()) if isinstance(period, pd.Timestamp) else "")
            where = f"{table} row {idx} ({', '.join(k for k in key if k and k != 'nan')})"
            cell = row.get("location")
            if isinstance(cell, str) and cell:
                where = f"{cell} ({', '.join(k for k in key if k and k != 'nan')})"
            if case["n"] > 1:  # a whole-row check: show the value that carries the rule
                column = "value" if "value" in frame.columns else column
                value = row.get(column, value)
        out.append(Problem(file, where, column, shorten(value), f"schema check failed: {check}"))
    if len(folded) > MAX_PROBLEMS_SHOWN:
        out.append(
            Problem(
                table,
                "-",
                "-",
                "-",
                f"... and {len(folded) - MAX_PROBLEMS_SHOWN} more schema failures",
            )
        )
    return out


def validate(table: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    frame = frame.reset_index(drop=True)
    try:
        return TABLE_SCHEMAS[table].validate(frame, lazy=True), []
    except pa_errors.SchemaErrors as exc:
        return frame, _schema_problems(table, frame, exc)


def _sources_present(raw: Path, only: list[str] | None) -> list[str]:
    wanted = only or [*READERS, *(s for s in OPTIONAL_READERS if (raw / s).is_dir())]
    return [s for s in wanted if s in READERS or (raw / s).is_dir()]


def _load_source(source: str, raw: Path) -> SourceResult:
    folder = raw / source
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "-", "-", "-", "source folder missing")])
    return reader(source).load(folder)


def run(
    raw: Path,
    clean: Path,
    facts_path: Path,
    manifest: Path | None = None,
    mirror: Path | None = None,
    accept_new_vintage: bool = False,
    only: list[str] | None = None,
) -> dict:
    """Build every clean frame into a staging directory and publish it, or raise InputError.

    When `manifest` is given, snapshot files are first materialised into `raw` and verified.
    Nothing in `clean` changes unless the whole run succeeds.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    _refuse_clean_over_inputs(clean, raw, facts_path)
    with run_lock(clean):
        problems: list[Problem] = []
        warnings: list[str] = []
        file_records: list[dict] = []
        if manifest is not None:
            file_records, snap_problems, snap_warnings = snapshots.materialise(
                manifest, raw, mirror, accept_new_vintage
            )
            problems += snap_problems
            warnings += snap_warnings
            if snap_problems:
                raise InputError(problems)

        sources = _sources_present(raw, only)
        streaming = [s for s in sources if stream.is_streaming(reader(s))]
        results: list[SourceResult] = []
        for source in sources:
            if source in streaming:
                continue
            t0 = time.perf_counter()
            try:
                results.append(_load_source(source, raw))
            except InputError as exc:
                problems += exc.problems
            timings[f"read:{source}"] = round(time.perf_counter() - t0, 3)

        frames: dict[str, pd.DataFrame] = {}
        for table in TABLE_SCHEMAS:
            parts = [r.frames[table] for r in results if table in r.frames and len(r.frames[table])]
            frames[table] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

        try:
            fact_frame = facts_reader.load(facts_path)
        except InputError as exc:
            problems += exc.problems
            fact_frame = pd.DataFrame()

        t0 = time.perf_counter()
        if len(frames["trade"]):
            frames["trade"] = fx.add_usd(frames["trade"])
        if len(frames["fdi"]):
            frames["fdi"] = fx.add_usd(frames["fdi"])
        warnings += _plausibility_warnings(frames)
        for table in TABLE_SCHEMAS:
            if len(frames[table]):
                frames[table], table_problems = validate(table, frames[table])
                problems += table_problems
        timings["validate"] = round(time.perf_counter() - t0, 3)
        if problems:
            raise InputError(problems)

        staging = staging_dir(clean)
        try:
            report = _write_all(
                staging,
                raw,
                streaming,
                results,
                frames,
                fact_frame,
                file_records,
                warnings,
                timings,
                started,
            )
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)  # nothing half-written survives
            raise
        publish(staging, clean)
        return report


def _write_all(
    staging: Path, raw: Path, streaming: list[str], results: list[SourceResult],
    frames: dict[str, pd.DataFrame], fact_frame: pd.DataFrame, file_records: list[dict],
    warnings: list[str], timings: dict[str, float], started: float,
) -> dict:  # fmt: skip
    """Write trade (in-memory sources, then streamed ones by chunk), derive, write the rest."""
    writer = stream.TradeWriter(staging / "trade.parquet")
    writer.write(frames["trade"])
    totals = []
    problems: list[Problem] = []
    for source in streaming:
        outcome = stream.stream_source(source, reader(source), raw / source, writer)
        results.append(outcome.result)
        problems += outcome.problems
        totals.append(outcome.totals)
        timings[f"read+validate+write:{source}"] = outcome.seconds
    writer.close()
    if problems:
        raise InputError(problems)

    t0 = time.perf_counter()
    for_metrics = dict(frames)
    extra = [t for t in totals if len(t)]
    if extra:
        for_metrics["trade"] = pd.concat([frames["trade"], *extra], ignore_index=True)
    derived = _derive(for_metrics, fact_frame)
    timings["derive"] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    outputs = {**frames, "facts": fact_frame, **derived}
    for name, frame in outputs.items():
        if name != "trade":
            frame.to_parquet(staging / f"{name}.parquet", index=False)
    counts = {name: len(frame) for name, frame in outputs.items()} | {"trade": writer.rows}
    report = _report(results, file_records, counts, warnings, timings, started)
    # Checksums of the outputs let any reader verify it sees one complete version.
    report["outputs"] = {p.name: snapshots.sha256(p) for p in sorted(staging.glob("*.parquet"))}
    timings["write"] = round(time.perf_counter() - t0, 3)
    (staging / "report.json").write_text(json.dumps(report, indent=1, default=str))
    return report


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
    trade = frames["trade"]
    fdi_cum = metrics.fdi_cumulative(frames["fdi"]) if len(frames["fdi"]) else pd.DataFrame()
    visa_sum = metrics.visa_summary(frames["visas"]) if len(frames["visas"]) else pd.DataFrame()
    if trade.empty:  # an FDI- or visa-only run: no trade metrics, facts checked against nothing
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
    derived_parts = [
        metrics.turnover_from_flows(trade),
        metrics.ytd_from_months(trade),
        metrics.months_from_ytd(trade),
    ]
    nonempty = [d for d in derived_parts if len(d)]
    trade_derived = (
        pd.concat(nonempty, ignore_index=True) if nonempty else derived_parts[0].iloc[0:0]
    )
    all_trade = pd.concat([trade, trade_derived.drop(columns="derivation")], ignore_index=True)
    shares = metrics.shares(all_trade)
    return {
        "trade_derived": trade_derived,
        "shares": schemas.Shares.validate(shares, lazy=True),
        "growth": schemas.Growth.validate(metrics.growth(all_trade), lazy=True),
        "cagr": metrics.cagr(all_trade, shares),
        "fdi_cumulative": fdi_cum,
        "visa_summary": visa_sum,
        "facts_check": metrics.facts_check(fact_frame, all_trade, shares, fdi_cum, visa_sum),
    }


def _report(
    results: list[SourceResult],
    files: list[dict],
    counts: dict[str, int],
    warnings: list[str],
    timings: dict[str, float],
    started: float,
) -> dict:
    def dropped(items: list[Dropped]) -> list[dict]:
        return [asdict(d) for d in items]

    return {
        "run_id": uuid.uuid4().hex,
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "pid": os.getpid(),
        "seconds": round(time.perf_counter() - started, 3),
        "timings": timings,
        "files": files,
        "sources": {
            r.source: {
                "files": [p.name for p in r.files],
                "rows_in": r.rows_in,
                "rows_out": r.rows_out or {t: len(f) for t, f in r.frames.items()},
                "dropped_count": len(r.dropped),
                "dropped": dropped(r.dropped),
                "warnings": r.warnings,
            }
            for r in results
        },
        "tables": counts,
        "warnings": warnings,
    }

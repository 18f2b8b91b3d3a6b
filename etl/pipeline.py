"""The only module of the ETL that does I/O: read, validate, derive, write atomically, report."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pandera.errors as pa_errors

from etl import facts as facts_reader
from etl import fx, metrics, schemas, snapshots
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
            key = [str(row.get(c, "")) for c in ("reporter", "host", "issuer", "partner",
                                                    "investor", "flow", "measure")]
            period = row.get("period_start")
            key.append(str(period.date()) if isinstance(period, pd.Timestamp) else "")
            where = f"{table} row {idx} ({', '.join(k for k in key if k and k != 'nan')})"
            if case["n"] > 1:  # a whole-row check: show the value that carries the rule
                column = "value" if "value" in frame.columns else column
                value = row.get(column, value)
        out.append(Problem(file, where, column, shorten(value), f"schema check failed: {check}"))
    if len(folded) > MAX_PROBLEMS_SHOWN:
        out.append(Problem(table, "-", "-", "-",
                           f"... and {len(folded) - MAX_PROBLEMS_SHOWN} more schema failures"))
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

        results: list[SourceResult] = []
        for source in _sources_present(raw, only):
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

        t0 = time.perf_counter()
        derived = _derive(frames, fact_frame)
        timings["derive"] = round(time.perf_counter() - t0, 3)

        t0 = time.perf_counter()
        staging = staging_dir(clean)
        outputs = {**frames, "facts": fact_frame, **derived}
        for name, frame in outputs.items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)
        report = _report(results, file_records, outputs, warnings, timings, started)
        # Checksums of the outputs let any reader verify it sees one complete version.
        report["outputs"] = {p.name: snapshots.sha256(p) for p in sorted(staging.glob("*.parquet"))}
        (staging / "report.json").write_text(json.dumps(report, indent=1, default=str))
        timings["write"] = round(time.perf_counter() - t0, 3)
        publish(staging, clean)
        return report


def _plausibility_warnings(frames: dict[str, pd.DataFrame]) -> list[str]:
    """Published but surprising values: kept, and said in the report."""
    out: list[str] = []
    fdi = frames["fdi"]
    if len(fdi):
        negative = fdi[(fdi["measure"] == "gross_inflow") & (fdi["value"] < 0)]
        for r in negative.itertuples(index=False):
            out.append(f"{r.source}: negative gross inflow {r.value / 1e6:,.0f} USD m from "
                       f"{r.investor} into {r.host} in {r.period_start.year} (as published)")
    return out


def _derive(frames: dict[str, pd.DataFrame], fact_frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    trade = frames["trade"]
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
    fdi_cum = metrics.fdi_cumulative(frames["fdi"]) if len(frames["fdi"]) else pd.DataFrame()
    visa_sum = metrics.visa_summary(frames["visas"]) if len(frames["visas"]) else pd.DataFrame()
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
    outputs: dict[str, pd.DataFrame],
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
                "rows_out": {t: len(f) for t, f in r.frames.items()},
                "dropped_count": len(r.dropped),
                "dropped": dropped(r.dropped),
                "warnings": r.warnings,
            }
            for r in results
        },
        "tables": {name: len(frame) for name, frame in outputs.items()},
        "warnings": warnings,
    }

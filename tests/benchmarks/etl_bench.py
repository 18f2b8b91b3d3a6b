"""ETL benchmark: `python -m etl` on synthetic Comtrade files vs one DuckDB query doing the same.

The floor query reads the same CSV, maps Comtrade codes to ISO with the same code table, keeps
the same rows (exports/imports, breakdown totals), writes the tidy parquet and computes partner
shares of the World row for commodity totals: what the ETL does, minus pandera and the report.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.generate_comtrade import generate

ROOT = Path(__file__).resolve().parents[2]
CODES = ROOT / "etl" / "country_names" / "comtrade_codes.csv"


def dataset(rows: int, work: Path) -> Path:
    """A raw folder holding un-comtrade/ with `rows` synthetic rows (generated once, reused)."""
    raw = work / f"raw-{rows}"
    folder = raw / "un-comtrade"
    marker = folder / f".complete-{rows}"
    if not marker.exists():
        generate(rows, folder, seed=42)
        marker.touch()
    return raw


def run_etl(raw: Path, clean: Path) -> dict:
    """Wall time and peak RSS of one `python -m etl` process (its own, not this process's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "etl", "--raw", str(raw), "--clean", str(clean),
         "--only", "un-comtrade"],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: runs go smallest first, so it is ours.
    return {"etl_s": round(seconds, 2), "etl_peak_rss_mb": round(max(peak_kb, before) / 1024, 1)}


FLOOR_SQL = """
CREATE TEMP TABLE codes AS
  SELECT code, iso3 FROM read_csv('{codes}', all_varchar=true);
CREATE TEMP TABLE tidy AS
SELECT r.iso3 AS reporter, p.iso3 AS partner, c.cmdCode AS commodity,
       CASE c.flowCode WHEN 'X' THEN 'export' ELSE 'import' END AS flow,
       CASE c.freqCode WHEN 'A' THEN 'year' ELSE 'month' END AS basis,
       make_date(c.refYear, coalesce(c.refMonth, 1), 1) AS period_start,
       c.primaryValue AS value
FROM read_csv('{csv}', header=true,
              types={{'cmdCode': 'VARCHAR', 'reporterCode': 'VARCHAR', 'partnerCode': 'VARCHAR',
                      'partner2Code': 'VARCHAR', 'customsCode': 'VARCHAR', 'motCode': 'VARCHAR',
                      'mosCode': 'VARCHAR'}}) c
JOIN codes r ON r.code = c.reporterCode
JOIN codes p ON p.code = c.partnerCode
WHERE c.flowCode IN ('X', 'M') AND coalesce(c.partner2Code, '0') = '0'
  AND coalesce(c.customsCode, 'C00') = 'C00' AND coalesce(c.motCode, '0') = '0';
COPY tidy TO '{out}/trade.parquet' (FORMAT parquet, COMPRESSION zstd);
COPY (
  SELECT t.*, t.value / w.value AS share,
         rank() OVER (PARTITION BY t.reporter, t.flow, t.period_start ORDER BY t.value DESC) AS rank
  FROM tidy t JOIN tidy w
    ON w.partner = 'WLD' AND w.reporter = t.reporter AND w.flow = t.flow
   AND w.period_start = t.period_start AND w.commodity = 'TOTAL'
  WHERE t.commodity = 'TOTAL'
) TO '{out}/shares.parquet' (FORMAT parquet);
"""


def duckdb_floor(raw: Path, out: Path) -> float:
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    csvs = sorted((raw / "un-comtrade").glob("*.csv"))
    pattern = str(csvs[0].parent / "*.csv") if len(csvs) > 1 else str(csvs[0])
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute("SET enable_progress_bar = false")
    t0 = time.perf_counter()
    con.execute(FLOOR_SQL.format(codes=CODES, csv=pattern, out=out))
    seconds = time.perf_counter() - t0
    con.close()
    return round(seconds, 2)


FIXED_ROWS = 1_000
_fixed: dict[str, float] = {}


def fixed_cost(work: Path) -> float:
    """Seconds of a run on 1,000 rows: interpreter start, imports, facts, report (not per row)."""
    if "s" not in _fixed:
        raw = dataset(FIXED_ROWS, work)
        _fixed["s"] = min(run_etl(raw, work / f"clean-{FIXED_ROWS}")["etl_s"] for _ in range(3))
    return _fixed["s"]


def bench_etl(rows: int, work: Path) -> dict:
    raw = dataset(rows, work)
    clean = work / f"clean-{rows}"
    fixed = fixed_cost(work)
    result = {"rows": rows, **run_etl(raw, clean), "fixed_s": fixed}
    result["duckdb_floor_s"] = duckdb_floor(raw, work / f"duckdb-{rows}")
    result["ratio_to_floor"] = round(result["etl_s"] / result["duckdb_floor_s"], 2)
    result["us_per_row"] = round(result["etl_s"] / rows * 1e6, 3)
    # Linearity is judged on the per-row cost above the fixed start-up cost measured in this run.
    result["us_per_row_marginal"] = round((result["etl_s"] - fixed) / rows * 1e6, 3)
    return result

"""ETL benchmark: `python -m etl` on synthetic Comtrade files vs one DuckDB query doing the same.

Also, when TRADEBOARD_BENCH_PREVIOUS names a source tree of an earlier tradeboard (say the commit
before the Dask engine, exported with `git archive`), its `python -m etl` on the same files in the
same run (`previous_s`); and the engine on a dask.distributed LocalCluster of one and of two
worker processes (`bench_cluster`).

The floor query reads the same CSV, maps Comtrade codes to ISO with the same code table, keeps
the same rows (exports/imports, breakdown totals), writes the tidy parquet and computes partner
shares of the World row for commodity totals: what the ETL does, minus pandera and the report.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import sys
import threading
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


def run_etl(raw: Path, clean: Path, tree: Path = ROOT) -> dict:
    """Wall time, CPU time (user + system, every thread and worker process) and peak memory of one
    `python -m etl` process and the workers it starts. CPU time is what other jobs on the machine
    disturb least: wall time on a shared machine measures the load as much as the ETL.

    Memory is the peak of the process tree's summed PSS (each shared page counted once, split
    between the processes sharing it), sampled every 100 ms (reading PSS costs the cores the ETL
    uses; every 20 ms took about a tenth of one): the ETL forks worker processes, and
    GNU time's figure (`etl_largest_process_mb`) is only the largest single process's RSS."""
    # GNU time reports the child's own peak RSS and CPU (its waited-for workers included);
    # without it, the children's rusage.
    timer = ["/usr/bin/time", "-f", "%M %U %S"] if Path("/usr/bin/time").exists() else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.Popen(
        [*timer, sys.executable, "-m", "etl", "--raw", str(raw), "--clean", str(clean),
         "--only", "un-comtrade"],
        cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    sampler = TreeMemory(done.pid)
    sampler.start()
    _, stderr = done.communicate()
    seconds = time.perf_counter() - t0
    sampler.join()
    if done.returncode:
        raise subprocess.CalledProcessError(done.returncode, done.args, stderr=stderr)
    if timer:
        peak_kb, user, system = stderr.strip().splitlines()[-1].split()
        peak_kb, cpu = int(peak_kb), float(user) + float(system)
    else:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_kb = after.ru_maxrss
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {
        "etl_s": round(seconds, 2),
        "etl_cpu_s": round(cpu, 2),
        "etl_peak_rss_mb": round(max(sampler.peak_mb, peak_kb / 1024), 1),
        "etl_largest_process_mb": round(peak_kb / 1024, 1),
    }


class TreeMemory(threading.Thread):
    """Peak summed PSS (MB) of a process and its descendants while it runs."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_mb = pid, every, 0.0

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while root.is_running() and root.status() != psutil.STATUS_ZOMBIE:
            total = 0
            with contextlib.suppress(psutil.Error):  # the run or a worker just ended
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += proc.memory_full_info().pss
            self.peak_mb = max(self.peak_mb, total / 2**20)
            time.sleep(self.every)


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


def duckdb_floor(raw: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds (this process, DuckDB's two threads included) of the floor query."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    csvs = sorted((raw / "un-comtrade").glob("*.csv"))
    pattern = str(csvs[0].parent / "*.csv") if len(csvs) > 1 else str(csvs[0])
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute("SET enable_progress_bar = false")
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute(FLOOR_SQL.format(codes=CODES, csv=pattern, out=out))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    con.close()
    return round(seconds, 2), round(cpu, 2)


FIXED_ROWS = 1_000
_fixed: dict[str, float] = {}


def fixed_cost(work: Path) -> float:
    """Seconds of a run on 1,000 rows: interpreter start, imports, facts, report (not per row)."""
    if "s" not in _fixed:
        raw = dataset(FIXED_ROWS, work)
        runs = [run_etl(raw, work / f"clean-{FIXED_ROWS}") for _ in range(3)]
        _fixed["s"] = min(r["etl_s"] for r in runs)
        _fixed["cpu_s"] = min(r["etl_cpu_s"] for r in runs)
    return _fixed["s"]


def bench_etl(rows: int, work: Path) -> dict:
    raw = dataset(rows, work)
    clean = work / f"clean-{rows}"
    fixed = fixed_cost(work)
    result = {"rows": rows, **run_etl(raw, clean), "fixed_s": fixed, "fixed_cpu_s": _fixed["cpu_s"]}
    result["duckdb_floor_s"], result["duckdb_floor_cpu_s"] = duckdb_floor(
        raw, work / f"duckdb-{rows}"
    )
    previous = os.environ.get("TRADEBOARD_BENCH_PREVIOUS")
    if previous:
        before = run_etl(raw, work / f"previous-{rows}", Path(previous))
        result["previous_s"] = before["etl_s"]
        result["previous_cpu_s"] = before["etl_cpu_s"]
        result["previous_peak_rss_mb"] = before["etl_peak_rss_mb"]
    result["ratio_to_floor"] = round(result["etl_s"] / result["duckdb_floor_s"], 2)
    # The same ratio in CPU seconds: steadier when other jobs share the cores.
    result["cpu_ratio_to_floor"] = round(result["etl_cpu_s"] / result["duckdb_floor_cpu_s"], 2)
    result["us_per_row"] = round(result["etl_s"] / rows * 1e6, 3)
    # Linearity is judged on the per-row cost above the fixed start-up cost measured in this run.
    result["us_per_row_marginal"] = round((result["etl_s"] - fixed) / rows * 1e6, 3)
    result["cpu_us_per_row_marginal"] = round(
        (result["etl_cpu_s"] - _fixed["cpu_s"]) / rows * 1e6, 3
    )
    return result


def bench_cluster(rows: int, work: Path, workers: tuple[int, ...] = (1, 2)) -> dict:
    """The engine alone (plan, blocks, key check) on a LocalCluster of 1 and of 2 worker
    processes (one thread each) on the same files; the cluster's start-up is not timed."""
    from distributed import LocalCluster

    from etl import engine
    from etl.sources import comtrade

    folder = dataset(rows, work) / "un-comtrade"
    out: dict = {"rows": rows}
    for n in workers:
        target = work / f"cluster-{rows}-{n}"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        with LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            t0 = time.perf_counter()
            engine.run_source(comtrade.SOURCE, comtrade, folder, target, cluster.scheduler_address)
            out[f"workers_{n}_s"] = round(time.perf_counter() - t0, 2)
        shutil.rmtree(target, ignore_errors=True)
    if {1, 2} <= set(workers):
        out["speedup_2_vs_1"] = round(out["workers_1_s"] / out["workers_2_s"], 2)
    return out

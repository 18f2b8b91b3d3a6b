"""A large source gives the same clean frames in one process, on the default local pool of two
forked worker processes and on a two-worker dask.distributed LocalCluster; a bad row is reported
with its file and line from a worker of either; a killed run publishes nothing and leaves no
worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.dataset as pa_ds
import pytest

from etl import engine, paths, pipeline
from etl.errors import InputError
from etl.sources import comtrade
from tests.benchmarks.generate_comtrade import generate
from tests.conftest import source_folder
from tests.unit.test_comtrade import write

distributed = pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parents[2]
LARGE = "trade_large"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Two worker processes, one thread each: tasks really leave this process."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address


@pytest.fixture
def two_local_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default local scheduler with two worker processes, whatever this machine's CPUs."""
    monkeypatch.setenv("TRADEBOARD_WORKERS", "2")


def run_all(raw: Path, tmp: Path, scheduler: str) -> tuple[Path, Path, Path]:
    """The same run in this process, on the local pool and on the cluster at `scheduler`."""
    alone, pool, spread = tmp / "in-process", tmp / "local-pool", tmp / "distributed"
    facts = paths.facts_file()
    pipeline.run(raw, alone, facts, only=["un-comtrade"], scheduler="synchronous")
    pipeline.run(raw, pool, facts, only=["un-comtrade"])
    pipeline.run(raw, spread, facts, only=["un-comtrade"], scheduler=scheduler)
    return alone, pool, spread


def sorted_rows(folder: Path) -> pd.DataFrame:
    frame = pd.read_parquet(folder)
    text = {c: str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.astype(text).sort_values("location", ignore_index=True)


def assert_same_clean(embedded: Path, spread: Path) -> None:
    files = sorted(p.relative_to(embedded) for p in (embedded / LARGE).rglob("*.parquet"))
    assert files == sorted(p.relative_to(spread) for p in (spread / LARGE).rglob("*.parquet"))
    pd.testing.assert_frame_equal(sorted_rows(embedded / LARGE), sorted_rows(spread / LARGE))
    for name in ("trade.parquet", "shares.parquet", "growth.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(embedded / name), pd.read_parquet(spread / name), check_like=True
        )


@pytest.mark.shared_data
def test_real_comtrade_plus_files_give_the_same_frames_on_two_workers(
    shared_data: Path, tmp_path: Path, cluster: str, two_local_workers: None
) -> None:
    real = source_folder(shared_data, "un-comtrade-plus-2023-2024")
    folder = tmp_path / "raw" / "un-comtrade"
    folder.mkdir(parents=True)
    for path in comtrade.data_files(real):
        (folder / path.name).symlink_to(path)  # the shared files read in place, never copied
    alone, pool, spread = run_all(tmp_path / "raw", tmp_path, cluster)
    assert_same_clean(alone, pool)
    assert_same_clean(alone, spread)
    # PROVENANCE.md's check figures, read with predicate pushdown from one partition.
    kaz = pa_ds.dataset(spread / LARGE, partitioning="hive").to_table(
        filter=(pa_ds.field("year") == 2023) & (pa_ds.field("reporter") == "KAZ")
    )
    kaz = kaz.to_pandas().astype({"partner": str, "flow": str}).set_index(["partner", "flow"])
    assert kaz.loc[("WLD", "export"), "value"] == pytest.approx(78_735_590_866.92, abs=0.01)
    assert kaz.loc[("WLD", "import"), "value"] == pytest.approx(61_160_501_425.8, abs=0.01)
    assert kaz.loc[("USA", "export"), "value"] == pytest.approx(1_509_870_177.22, abs=0.01)
    assert kaz.loc[("USA", "import"), "value"] == pytest.approx(2_556_763_288.86, abs=0.01)
    shares = pd.read_parquet(spread / "shares.parquet")
    usa = shares[
        (shares["reporter"] == "KAZ") & (shares["partner"] == "USA") & (shares["flow"] == "export")
    ]
    assert usa["share"].iloc[0] == pytest.approx(1_509_870_177.22 / 78_735_590_866.92)


@pytest.mark.slow
def test_a_million_generated_rows_give_the_same_frames_on_two_workers(
    tmp_path: Path, cluster: str, two_local_workers: None
) -> None:
    raw = tmp_path / "raw"
    generate(1_000_000, raw / "un-comtrade", seed=11)
    alone, pool, spread = run_all(raw, tmp_path, cluster)
    assert_same_clean(alone, pool)
    assert_same_clean(alone, spread)
    report = pd.read_json(spread / "report.json", typ="series")
    assert report["tables"][LARGE] == len(pd.read_parquet(spread / LARGE, columns=["value"]))
    assert report["tables"][LARGE] > 950_000  # re-exports and residual areas dropped, with reasons


@pytest.mark.parametrize("where", ["local pool", "cluster"])
def test_a_bad_row_is_reported_with_its_file_and_line_from_a_worker(
    tmp_path: Path, cluster: str, two_local_workers: None, where: str
) -> None:
    scheduler = cluster if where == "cluster" else "processes"
    rows = [{"partnerCode": "757", "cmdCode": f"{i:02d}"} for i in range(1, 40)]
    rows[30] = {**rows[30], "primaryValue": "-5"}
    write(tmp_path / "un-comtrade", rows, name="bad.csv")
    out = tmp_path / "out"
    # Blocks of a few lines: the bad row is read by a worker in a late block, not the first.
    outcome = engine.run_source(
        comtrade.SOURCE, comtrade, tmp_path / "un-comtrade", out, scheduler, block_bytes=400
    )
    (problem,) = outcome.problems
    assert (problem.file, problem.location) == ("bad.csv", "line 32")  # header is line 1
    assert (problem.column, problem.value) == ("primaryValue", "-5")
    assert problem.rule == "trade value cannot be negative"
    with pytest.raises(InputError, match="line 32"):
        pipeline.run(
            tmp_path, tmp_path / "clean", paths.facts_file(), only=["un-comtrade"],
            scheduler=scheduler,
        )  # fmt: skip
    assert not (tmp_path / "clean").exists()


@pytest.mark.slow
def test_a_killed_run_publishes_nothing(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    generate(20_000, raw / "un-comtrade", seed=3)
    clean = tmp_path / "clean"
    pipeline.run(raw, clean, paths.facts_file(), only=["un-comtrade"])
    before = (clean / "report.json").read_text()
    generate(1_000_000, raw / "un-comtrade", seed=5)  # a bigger edition: a run long enough to kill
    etl = subprocess.Popen(
        [sys.executable, "-m", "etl", "--raw", str(raw), "--clean", str(clean),
         "--only", "un-comtrade"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TRADEBOARD_WORKERS": "2"},  # the local pool, whatever the CPUs
    )  # fmt: skip
    staging = tmp_path / f".clean.tmp-{etl.pid}"
    deadline = time.monotonic() + 60
    while not list(staging.glob(f"{LARGE}/*/*/*.parquet")) and time.monotonic() < deadline:
        assert etl.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    workers = psutil.Process(etl.pid).children()
    assert len(workers) >= 2, "the blocks are written by the pool's worker processes"
    os.kill(etl.pid, signal.SIGKILL)  # mid-write: partitions in staging, nothing published
    etl.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, "a worker outlived the killed run"
    assert list(staging.glob(f"{LARGE}/*/*/*.parquet")), "killed before writing any partition"
    assert (clean / "report.json").read_text() == before
    pipeline.run(raw, clean, paths.facts_file(), only=["un-comtrade"])  # the next run recovers
    assert not staging.exists()
    assert (clean / "report.json").read_text() != before

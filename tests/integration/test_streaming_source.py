"""A large source (UN Comtrade layout) goes through the same rules into partitioned parquet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl import paths, pipeline
from etl.errors import InputError
from tests.benchmarks.generate_comtrade import generate


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    generate(20_000, raw / "un-comtrade", seed=7)
    return raw


def test_streamed_rows_are_validated_written_and_feed_the_shares(raw: Path, tmp_path: Path):
    clean = tmp_path / "clean"
    report = pipeline.run(raw, clean, paths.facts_file(), only=["un-comtrade"])
    trade = pd.read_parquet(clean / "trade_large")
    assert (
        len(trade)
        == report["tables"]["trade_large"]
        == report["sources"]["un-comtrade"]["rows_out"]["trade_large"]
    )
    # Partitioned by year and reporter; trade.parquet keeps the commodity totals the pages chart.
    folders = {p.relative_to(clean / "trade_large").parts for p in clean.glob("trade_large/*/*")}
    pairs = zip(trade["period_start"].dt.year, trade["reporter"], strict=True)
    assert folders == {(f"year={y}", f"reporter={r}") for y, r in pairs}
    totals = pd.read_parquet(clean / "trade.parquet")
    assert len(totals) == report["tables"]["trade"] == (trade["commodity"] == "TOTAL").sum()
    assert set(totals["commodity"]) == {"TOTAL"}
    assert set(trade["flow"]) == {"export", "import"}
    assert trade["commodity"].str.fullmatch(r"\d\d|TOTAL").all()  # "01" stays a string
    shares = pd.read_parquet(clean / "shares.parquet")
    assert len(shares) and shares["share"].between(0, 1).all()
    assert report["sources"]["un-comtrade"]["dropped_count"] > 0  # re-exports, residual areas
    # Every streamed row points at its cell: "<file>, line N", the line holding that value.
    assert trade["location"].str.fullmatch(r"[^,]+\.csv, line \d+").all()
    assert trade["location"].is_unique
    row = trade.iloc[0]
    file, line = row["location"].rsplit(", line ", 1)
    text = (raw / "un-comtrade" / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert f"{row['value']:g}" in text or str(row["value"]) in text


def test_the_same_key_in_two_files_is_refused_and_nothing_is_published(raw: Path, tmp_path: Path):
    twice = tmp_path / "raw"
    shutil.copytree(raw, twice)
    src = next((twice / "un-comtrade").glob("*.csv"))
    shutil.copy(src, src.with_name("copy_of_the_same_download.csv"))
    clean = tmp_path / "clean"
    with pytest.raises(InputError, match="repeated key") as err:
        pipeline.run(twice, clean, paths.facts_file(), only=["un-comtrade"])
    first = err.value.problems[0]
    assert first.file == f"{src.name}, copy_of_the_same_download.csv"
    assert first.location.count(", line ") == 2  # both places named
    assert err.value.problems[-1].rule == "further repeated keys"
    assert not clean.exists()
    assert not list(tmp_path.glob(".clean.tmp-*"))


def test_trade_parquet_holds_exactly_the_large_sources_commodity_totals(raw: Path, tmp_path: Path):
    """The tasks leave their TOTAL rows in files that the pipeline reads back into trade.parquet
    (row for row, every column) and then removes: nothing but partitions is published."""
    clean = tmp_path / "clean"
    pipeline.run(raw, clean, paths.facts_file(), only=["un-comtrade"])
    large = pd.read_parquet(clean / "trade_large", filters=[("commodity", "==", "TOTAL")])
    large = large.drop(columns="year")
    totals = pd.read_parquet(clean / "trade.parquet")

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        text = {c: str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
        return frame.astype(text).sort_values("location", ignore_index=True)

    pd.testing.assert_frame_equal(plain(totals), plain(large)[list(totals.columns)])
    assert totals["location"].tolist() == sorted(
        totals["location"], key=lambda p: int(p.rsplit(" ", 1)[1])
    )  # in file order (one generated file), as the blocks read them
    # Only year=Y folders: the tasks' _totals folder is gone.
    assert all(p.name.startswith("year=") for p in (clean / "trade_large").iterdir())


def test_two_large_sources_in_the_same_partitions_keep_every_row(raw: Path, tmp_path: Path):
    """Both Comtrade folders write blocks numbered from 0 into the same year/reporter folders:
    the files are named by source, so the second never replaces the first's."""
    both = tmp_path / "raw"
    shutil.copytree(raw, both)
    plus = both / "un-comtrade-plus-2023-2024"
    shutil.copytree(both / "un-comtrade", plus)
    clean = tmp_path / "clean"
    report = pipeline.run(
        both, clean, paths.facts_file(), only=["un-comtrade", "un-comtrade-plus-2023-2024"]
    )
    one = report["sources"]["un-comtrade"]["rows_out"]["trade_large"]
    assert report["sources"]["un-comtrade-plus-2023-2024"]["rows_out"]["trade_large"] == one
    trade = pd.read_parquet(clean / "trade_large")
    assert len(trade) == 2 * one == report["tables"]["trade_large"]
    assert trade.groupby("source", observed=True).size().to_dict() == {
        "un-comtrade": one,
        "un-comtrade-plus-2023-2024": one,
    }


def test_the_dashboard_reads_a_pairs_rows_only(raw: Path, tmp_path: Path):
    """dashboard.data.large_trade pushes reporter and partner down to the parquet reader: the
    pair's rows, every one of them, and no other pair's."""
    from dashboard.data import large_trade, load

    clean = tmp_path / "clean"
    pipeline.run(raw, clean, paths.facts_file(), only=["un-comtrade"])
    every = pd.read_parquet(clean / "trade_large")
    reporter, partner = every[["reporter", "partner"]].astype(str).value_counts().index[0]
    pair = large_trade(load(clean), reporter, partner)
    expected = every[(every["reporter"] == reporter) & (every["partner"] == partner)]
    assert len(pair) == len(expected) > 0
    assert set(pair["reporter"].astype(str)) == {reporter}
    assert set(pair["partner"].astype(str)) == {partner}
    assert sorted(pair["location"]) == sorted(expected["location"])
    assert large_trade(load(clean), reporter, "XXX").empty


def test_keys_checked_partition_by_partition_find_what_one_pass_finds(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The key check runs over batches of whole partitions (memory follows the batch): with
    every partition its own batch, in this process or on two workers, the same repeats, in the
    same order, and the same count."""
    from etl import engine
    from etl.sources import comtrade

    twice = tmp_path / "un-comtrade"
    shutil.copytree(raw / "un-comtrade", twice)
    src = next(twice.glob("*.csv"))
    shutil.copy(src, src.with_name("copy_of_the_same_download.csv"))
    out = tmp_path / "out"
    engine.run_source(comtrade.SOURCE, comtrade, twice, out, "synchronous")
    one_pass = engine.repeated_keys(out)
    monkeypatch.setattr(engine, "KEY_BATCH_BYTES", 1)
    assert len(engine.key_batches(out)) == len(list(out.glob("year=*/reporter=*"))) > 1
    assert engine.repeated_keys(out) == one_pass
    monkeypatch.setenv("TRADEBOARD_WORKERS", "2")
    with engine._compute("processes") as on_two_workers:  # batches checked side by side
        assert engine.repeated_keys(out, compute=on_two_workers) == one_pass
    assert len(one_pass) == engine.MAX_REPEATS_SHOWN + 1
    assert one_pass[-1].rule == "further repeated keys"


def test_a_large_source_without_commodity_totals_is_published(tmp_path: Path):
    """HS chapters only, no TOTAL rows: nothing for trade.parquet or the derived frames, and
    the run still publishes its partitions (it used to fail removing a _totals folder it never
    wrote)."""
    from tests.unit.test_comtrade import write

    write(tmp_path / "un-comtrade", [{"cmdCode": f"{i:02d}"} for i in range(1, 6)])
    clean = tmp_path / "clean"
    report = pipeline.run(tmp_path, clean, paths.facts_file(), only=["un-comtrade"])
    assert report["tables"]["trade_large"] == 5
    assert report["tables"]["trade"] == 0
    assert not list(clean.rglob("_totals"))


def test_the_key_check_runs_beside_the_derive_step_and_wins_when_both_fail(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """On this machine the repeated-key check runs on a thread while the derive step runs. If
    the derive step fails on data with repeated keys, the repeated keys are what is reported;
    otherwise its own error is; either way nothing is published."""
    clean = tmp_path / "clean"
    report = pipeline.run(raw, clean, paths.facts_file(), only=["un-comtrade"])
    assert "keys" in report["timings"] and "keys:un-comtrade" not in report["timings"]
    before = (clean / "report.json").read_text()

    def broken(*args, **kwargs):
        raise RuntimeError("derive failed")

    monkeypatch.setattr(pipeline, "_derive_batched", broken)
    with pytest.raises(RuntimeError, match="derive failed"):
        pipeline.run(raw, clean, paths.facts_file(), only=["un-comtrade"])
    twice = tmp_path / "twice"
    shutil.copytree(raw, twice)
    src = next((twice / "un-comtrade").glob("*.csv"))
    shutil.copy(src, src.with_name("copy_of_the_same_download.csv"))
    with pytest.raises(InputError, match="repeated key"):
        pipeline.run(twice, clean, paths.facts_file(), only=["un-comtrade"])
    assert (clean / "report.json").read_text() == before
    assert not list(tmp_path.glob(".clean.tmp-*"))

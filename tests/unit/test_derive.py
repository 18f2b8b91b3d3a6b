"""The trade frames derived a batch of reporters at a time (etl.derive) are the one-shot frames,
row for row, whatever the batch size."""

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl import categories, derive, pipeline
from tests.unit.test_categories import _row as one_row

REPORTERS = ("UZB", "KAZ", "RUS", "KGZ")  # out of order on purpose
PARTNERS = {"WLD": 100.0, "CHN": 30.0, "RUS": 25.0, "ITA": 10.0, "DEU": 10.0, "KAZ": 5.0}


def _row(source, vintage, reporter, partner, flow, basis, year, month, value):
    row = one_row(source, vintage, partner, flow, basis, year, month, value)
    return {**row, "reporter": reporter, "location": f"{source}.csv, line {value:.3f}"}


def _trade(sources: list[tuple[str, str]], seed: int) -> pd.DataFrame:
    """Months, Jan–X and years of 2021-2023 for every reporter x partner x flow, rows shuffled;
    wits publishes turnover for KAZ only (so no reporter of wits gets a derived turnover)."""
    rng = np.random.default_rng(seed)
    rows = []
    for (source, vintage), reporter, (partner, base), flow, year in itertools.product(
        sources, REPORTERS, PARTNERS.items(), ("export", "import"), (2021, 2022, 2023)
    ):
        if partner == reporter:
            continue
        scale = base * rng.uniform(0.5, 1.5)
        for month in (1, 2, 3):
            rows.append(_row(source, vintage, reporter, partner, flow, "month", year, month, scale))
            ytd = scale * month
            rows.append(_row(source, vintage, reporter, partner, flow, "ytd", year, month, ytd))
        rows.append(_row(source, vintage, reporter, partner, flow, "year", year, 12, scale * 12))
        if source == "wits" and reporter == "KAZ" and flow == "export":
            turnover = scale * 30
            rows.append(
                _row(source, vintage, reporter, partner, "turnover", "year", year, 12, turnover)
            )
    return pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def runs() -> tuple[pd.DataFrame, pa.Table]:
    """In-memory sources (pandas) and a large source's commodity totals (Arrow, dictionary text
    as the engine's files give them), both with several reporters and vintages."""
    mem = _trade([("wits", "2024"), ("bns", "2023 edition"), ("bns", "2024 edition")], seed=1)
    large = _trade([("un-comtrade", "2024-06")], seed=2)
    text = ["source", "reporter", "partner", "flow", "basis", "vintage", "citation", "currency"]
    large = large.astype(dict.fromkeys(text, "category"))
    return mem, pa.Table.from_pandas(large, preserve_index=False)


def _read(folder, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def _str(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(dict.fromkeys(categories.text_columns(frame), "str"))


def _as_files(large: pa.Table, folder, parts: int = 4):
    """`large` as the engine leaves a large source's totals: a parquet file per block, named in
    block order, each block holding rows of several reporters (rows are shuffled)."""
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(large)), parts)):
        pq.write_table(large.take(rows), folder / f"un-comtrade-{i:06d}-0000.parquet")
    return folder


@pytest.mark.parametrize("batch_rows", [1, 500, 10**9])
def test_batched_derive_writes_the_one_shot_files(runs, tmp_path, batch_rows):
    mem, large = runs
    whole = categories.concat([mem, large.to_pandas()])
    given = _as_files(large, tmp_path / "_totals")
    frames = {"trade": whole, "fdi": pd.DataFrame(), "visas": pd.DataFrame()}
    one_shot = pipeline._derive(frames, pd.DataFrame())
    (tmp_path / "one").mkdir()
    (tmp_path / "batched").mkdir()
    for name in derive.FROM_TRADE:
        derive.write_str_text(one_shot[name], tmp_path / "one" / f"{name}.parquet")

    written = derive.write(tmp_path / "batched", mem, given, {"KAZ"}, batch_rows=batch_rows)

    for name in derive.FROM_TRADE:
        expected = _read(tmp_path / "one", name)
        assert len(expected) > 100, name
        pd.testing.assert_frame_equal(_read(tmp_path / "batched", name), expected, obj=name)
        assert written.rows[name] == len(expected)
    # Derived turnover only where the source publishes none, for any of its reporters.
    derived = _read(tmp_path / "batched", "trade_derived")
    turnover = derived[derived["derivation"].str.startswith("turnover")]
    assert set(turnover["source"]) == {"bns", "un-comtrade"}
    assert set(turnover["reporter"]) == set(REPORTERS)
    # The batches' spill files are gone, the engine's files left as they were.
    assert all(p.suffix == ".parquet" for p in given.iterdir())
    # Nothing but the published files is left in the staging folder.
    assert sorted(p.name for p in (tmp_path / "batched").iterdir()) == sorted(
        f"{n}.parquet" for n in derive.FROM_TRADE
    )


def test_batched_derive_gives_the_facts_check_its_reporters_rows_in_one_shot_order(runs, tmp_path):
    mem, large = runs
    whole = categories.concat([mem, large.to_pandas()])
    out = derive.trade_metrics(whole, derive.published_turnover(whole, None))
    given = _as_files(large, tmp_path / "_totals")

    written = derive.write(tmp_path / "out", mem, given, {"KAZ", "KGZ"}, batch_rows=300)

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        return _str(frame[frame["reporter"].isin(["KAZ", "KGZ"])].reset_index(drop=True))

    pd.testing.assert_frame_equal(_str(written.facts_trade), kept(out["all_trade"]))
    pd.testing.assert_frame_equal(_str(written.facts_shares), kept(out["shares"]))


def test_batches_hold_whole_reporters_in_sorted_order(runs, tmp_path):
    mem, large = runs
    given = _as_files(large, tmp_path / "_totals")
    batches = [
        sorted(set(batch[["source", "reporter"]].astype(str).itertuples(index=False, name=None)))
        for batch in derive.batches(mem, given, batch_rows=500)
    ]
    pairs = [pair for batch in batches for pair in batch]
    assert pairs == sorted(pairs)
    assert len(pairs) == len(set(pairs))  # a reporter is never split between batches
    assert len(batches) > 3 and max(len(b) for b in batches if b[0][0] == "un-comtrade") > 1


def test_batches_whose_types_change_join_into_one_file_of_their_common_types(tmp_path):
    # A batch without flags (an all-null column) between batches with them; row groups stay
    # one per batch, as one file a batch, joined, had them.
    flagged = pd.DataFrame({"reporter": ["KAZ", "KGZ"], "flag": ["p", "e"], "value": [1.0, 2.0]})
    plain = pd.DataFrame({"reporter": ["RUS"], "flag": [None], "value": [3.0]})
    sink = derive._Sink(tmp_path / "parts")
    sink.folder.mkdir()
    for frame in (plain, flagged, plain):
        sink.add(frame)
    assert len(sink.files) == 3  # a new file whenever the types change

    rows = derive._join([sink], tmp_path / "joined.parquet", None)

    expected = pd.concat([plain, flagged, plain], ignore_index=True).astype({"flag": "str"})
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "joined.parquet"), expected)
    assert rows == 4
    assert pq.ParquetFile(tmp_path / "joined.parquet").metadata.num_row_groups == 3

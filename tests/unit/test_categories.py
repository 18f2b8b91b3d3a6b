"""Categorical text through the derive step (etl.categories): the same frames, row for row, as
pandas' str gives, and the same published files."""

import itertools

import pandas as pd
import pytest

from etl import categories, derive, metrics, pipeline
from etl.schemas import Growth, Shares
from tests.unit.test_metrics import row


def _row(source, vintage, partner, flow, basis, year, month, value):
    """test_metrics' row, with what these tests vary: labels, a flag, long citations, locations."""
    base = row(partner, flow, value, basis, year, month, source, vintage)
    return base | {
        "partner_label": f"label {partner}",
        "partner_is_aggregate": partner == "WLD",
        "valuation": "fob",
        "citation": f"{source}, {vintage}: a long citation " + "x" * 60,
        "flag": "p" if month == 2 else None,
        "location": f"{source}.csv, line {value:.0f}",
    }


@pytest.fixture
def trade() -> pd.DataFrame:
    """Two sources (listed out of alphabetical order), two vintages of one of them (ties in the
    vintage sort), months, Jan–X and years of 2022 and 2023, rows shuffled."""
    rows, value = [], 0
    partners = {"WLD": 100, "CHN": 30, "RUS": 25, "ITA": 10, "DEU": 10}
    cases = [("wits", "2024"), ("bns", "2023 edition"), ("bns", "2024 edition")]
    for (source, vintage), (partner, base), flow, year in itertools.product(
        cases, partners.items(), ("export", "import"), (2022, 2023)
    ):
        scale = 1 + (year - 2022) * 0.2 + (vintage == "2024 edition") * 0.01
        for month in (1, 2, 3, 4):
            value += 1
            rows.append(_row(source, vintage, partner, flow, "month", year, month, base * scale))
            rows.append(
                _row(source, vintage, partner, flow, "ytd", year, month, base * scale * month)
            )
        rows.append(_row(source, vintage, partner, flow, "year", year, 12, base * scale * 12))
    return pd.DataFrame(rows).sample(frac=1, random_state=3).reset_index(drop=True)


def _str(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(dict.fromkeys(categories.text_columns(frame), "str"))


def test_concat_keeps_text_categorical_in_sorted_order(trade):
    small, large = trade.iloc[:50], trade.iloc[50:]
    # A large source's text arrives categorical in the order its values were met.
    large = large.astype({"source": pd.CategoricalDtype(["wits", "bns"])})
    both = categories.concat([small, large])
    assert isinstance(both["source"].dtype, pd.CategoricalDtype)
    assert list(both["source"].cat.categories) == ["bns", "wits"]
    assert both["source"].tolist() == trade["source"].tolist()
    assert both["location"].dtype == "str"  # a different value on every row: nothing to share
    pd.testing.assert_frame_equal(_str(both), pd.concat([small, large], ignore_index=True))


@pytest.mark.parametrize(
    "derive",
    [
        metrics.turnover_from_flows,
        metrics.ytd_from_months,
        metrics.months_from_ytd,
        lambda t: Shares.validate(metrics.shares(t)),
        lambda t: Growth.validate(metrics.growth(t)),
        lambda t: metrics.cagr(t, metrics.shares(t)),
        lambda t: metrics.latest_vintage(t),
    ],
)
def test_metrics_give_the_same_rows_in_the_same_order_on_categorical_text(trade, derive):
    expected = derive(trade)
    met = {c: pd.CategoricalDtype(trade[c].unique()) for c in ("source", "vintage", "partner")}
    got = derive(categories.concat([trade.astype(met)]))
    assert len(expected)
    pd.testing.assert_frame_equal(_str(got), _str(expected))


def test_derive_step_publishes_what_the_str_frames_give(trade, tmp_path):
    frames = {"trade": trade, "fdi": pd.DataFrame(), "visas": pd.DataFrame()}
    derived = pipeline._derive(frames, pd.DataFrame())
    assert isinstance(derived["shares"]["citation"].dtype, pd.CategoricalDtype)
    # What the step gave before: every concatenation and metric on pandas' str.
    parts = [metrics.turnover_from_flows(trade), metrics.ytd_from_months(trade)]
    parts.append(metrics.months_from_ytd(trade))
    trade_derived = pd.concat(parts, ignore_index=True)
    all_trade = pd.concat([trade, trade_derived.drop(columns="derivation")], ignore_index=True)
    shares = Shares.validate(metrics.shares(all_trade))
    pd.testing.assert_frame_equal(_str(derived["trade_derived"]), _str(trade_derived))
    pd.testing.assert_frame_equal(_str(derived["shares"]), shares)
    growth = Growth.validate(metrics.growth(all_trade))
    pd.testing.assert_frame_equal(_str(derived["growth"]), growth)
    for name in ("trade_derived", "shares", "growth", "cagr"):
        frame = derived[name]
        derive.write_str_text(frame, tmp_path / "arrow.parquet")
        _str(frame).to_parquet(tmp_path / "pandas.parquet", index=False)
        written = (tmp_path / "arrow.parquet").read_bytes()
        assert written == (tmp_path / "pandas.parquet").read_bytes(), name

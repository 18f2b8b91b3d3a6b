"""The Trade dataframe checks computed once per distinct key flag exactly the rows the row-by-row
versions flagged: the row-by-row rules (as they stood before issue 13) are kept here as the
reference and compared on crafted bad frames, random frames and the real clean trade frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl import schemas
from etl.schemas import TRADE_KEY

# ---- the reference: the rules as they were, row by row -----------------------------------------


def reference_partners_within_world(df: pd.DataFrame, tolerance: float = 0.005) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    key = [c for c in TRADE_KEY if c != "partner"]
    countries_only = df[~df["partner_is_aggregate"]]
    world = df[df["partner"] == "WLD"].set_index(key)["value"]
    if world.empty:
        return ok
    sums = countries_only.groupby(key, observed=True)["value"].sum()
    joined = pd.concat([sums.rename("sum"), world.rename("world")], axis=1, join="inner")
    over = joined.index[joined["sum"] > joined["world"] * (1 + tolerance) + 1.0]
    if len(over) == 0:
        return ok
    over_set = set(over)
    rows = df.set_index(key).index
    return pd.Series([k not in over_set for k in rows], index=df.index) | (df["partner"] != "WLD")


def reference_turnover_consistent(
    df: pd.DataFrame, rel_tol: float = 1e-4, abs_tol: float = 200.0
) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    if df.empty or not {"export", "import", "turnover"} <= set(df["flow"].unique()):
        return ok
    key = [c for c in TRADE_KEY if c != "flow"]
    wide = df.pivot_table(index=key, columns="flow", values="value", aggfunc="first", observed=True)
    both = wide.dropna(subset=["turnover"])
    parts = both[["export", "import"]].fillna(0).sum(axis=1)
    bad = (both["turnover"] - parts).abs() > (rel_tol * both["turnover"].abs()).clip(lower=abs_tol)
    if not bad.any():
        return ok
    bad_keys = set(both.index[bad])
    rows = df.set_index(key).index
    return pd.Series([k not in bad_keys for k in rows], index=df.index) | (df["flow"] != "turnover")


def fast_basis(df: pd.DataFrame) -> pd.Series:
    return schemas.per_distinct(df, ["period_start", "period_end", "basis"], schemas._basis_matches)


def fast_product_basis(df: pd.DataFrame) -> pd.Series:
    return schemas.per_distinct(
        df, ["period_start", "period_end", "basis"], schemas._product_basis_matches
    )


# ---- frames ------------------------------------------------------------------------------------

YEAR = {"basis": "year", "period_start": "2023-01-01", "period_end": "2023-12-31"}


def trade(rows: list[dict], categorical: bool = False) -> pd.DataFrame:
    """Trade rows with the key's other columns filled in; categorical text as the engine has it."""
    base = {"source": "s", "reporter": "KAZ", "commodity": "TOTAL", "flow": "export",
            "vintage": "v", **YEAR}  # fmt: skip
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["partner_is_aggregate"] = frame["partner"].isin(["WLD", "EUR"])
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col])
    return as_categories(frame) if categorical else frame


def as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Text key columns as the engine reads them: categorical, with categories not used."""
    text = [c for c in frame.columns if c in TRADE_KEY and c not in ("period_start", "period_end")]
    return frame.assign(
        **{c: frame[c].astype("category").cat.add_categories(["unused"]) for c in text}
    )


def random_trade(seed: int, n: int, repeats: bool = False) -> pd.DataFrame:
    """Rows drawn from a few values per key column (so keys repeat, World rows are over or under
    their partners, some key cells are missing), with repeated full keys only if `repeats`."""
    rng = np.random.default_rng(seed)
    pick = lambda values: rng.choice(np.array(values, dtype=object), n)  # noqa: E731
    frame = pd.DataFrame(
        {
            "source": pick(["a", "b"]),
            "reporter": pick(["KAZ", "UZB", None]),
            "partner": pick(["WLD", "ITA", "DEU", "EUR", "CHN"]),
            "commodity": pick(["TOTAL", "27"]),
            "flow": pick(["export", "import", "turnover"]),
            "basis": pick(["year", "month", "ytd", "quarter"]),
            "period_start": pd.to_datetime(pick(["2023-01-01", "2023-04-01", None])),
            "period_end": pd.to_datetime(pick(["2023-01-31", "2023-06-30", "2023-12-31"])),
            "vintage": pick(["v1", "v2"]),
            "value": rng.choice([0.0, 1.0, 60.0, 100.0, 100.5, 1_000.0, 5_000.0, np.nan], n),
        }
    )
    frame["partner_is_aggregate"] = frame["partner"].isin(["WLD", "EUR"])
    return frame if repeats else frame.drop_duplicates(TRADE_KEY, ignore_index=True)


def same_outcome(fast, reference, frame: pd.DataFrame) -> None:
    """The same verdict on every row, or the same error: pandera reports a rule that raises as
    failed, so an error is a verdict too (turnover_consistent raises when a flow's values are
    all missing, which the `value` column's own check reports as well)."""
    try:
        expected = reference(frame)
    except (KeyError, ValueError) as exc:
        with pytest.raises(type(exc)) as got:
            fast(frame)
        assert str(got.value) == str(exc)
        return
    assert fast(frame).equals(expected)


# ---- hand-checked cases ------------------------------------------------------------------------


@pytest.mark.parametrize("categorical", [False, True])
def test_partners_over_world_flag_the_world_row_only(categorical):
    frame = trade(
        [
            {"partner": "WLD", "value": 100.0},
            {"partner": "ITA", "value": 60.0},
            {"partner": "DEU", "value": 50.0},  # 110 > 100 * 1.005 + 1
            {"partner": "EUR", "value": 500.0},  # an aggregate: not a partner to add up
            {"partner": "WLD", "value": 100.0, "flow": "import"},
            {"partner": "ITA", "value": 100.5, "flow": "import"},  # within tolerance
            {"partner": "WLD", "value": 10.0, "reporter": "UZB"},  # no partners: nothing to check
        ],
        categorical,
    )
    ok = schemas.partners_within_world(frame)
    assert ok.tolist() == [False, True, True, True, True, True, True]
    assert ok.equals(reference_partners_within_world(frame))


def test_partners_of_a_row_missing_a_key_value_are_not_summed():
    frame = trade(
        [
            {"partner": "WLD", "value": 1.0, "vintage": None},
            {"partner": "ITA", "value": 60.0, "vintage": None},
        ]
    )
    assert schemas.partners_within_world(frame).all()
    assert reference_partners_within_world(frame).all()


@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize(
    "others",
    [
        [{"partner": "ITA", "value": 50.0}],
        [{"partner": "EUR", "value": 50.0}],  # only an aggregate beside them
        [],
    ],
)
@pytest.mark.parametrize("vintage", ["v", None])
def test_two_world_rows_for_one_key_fail_the_rule_as_before(categorical, others, vintage):
    world = [{"partner": "WLD", "value": v, "vintage": vintage} for v in (10.0, 100.0)]
    frame = trade(world + others, categorical)
    with pytest.raises(ValueError) as old:
        reference_partners_within_world(frame)
    with pytest.raises(ValueError) as new:
        schemas.partners_within_world(frame)
    assert str(new.value) == str(old.value)


def test_turnover_off_by_more_than_rounding_flags_the_turnover_row():
    frame = trade(
        [
            {"partner": "ITA", "flow": "export", "value": 1_000.0},
            {"partner": "ITA", "flow": "import", "value": 2_000.0},
            {"partner": "ITA", "flow": "turnover", "value": 3_500.0},  # 500 > 200 USD
            {"partner": "DEU", "flow": "export", "value": 1_000.0},
            {"partner": "DEU", "flow": "turnover", "value": 1_150.0},  # within 200 USD
        ]
    )
    ok = schemas.turnover_consistent(frame)
    assert ok.tolist() == [True, True, False, True, True]
    assert ok.equals(reference_turnover_consistent(frame))


def test_basis_per_distinct_period_flags_each_row_of_a_wrong_period():
    frame = trade(
        [
            {"partner": "ITA", **YEAR},
            {"partner": "DEU", "basis": "month", "period_end": "2023-12-31"},  # 12 months
            {"partner": "CHN", "basis": "quarter", "period_start": "2023-02-01"},  # 11 months
            {"partner": "ITA", "basis": "month", "period_start": None},
            {"partner": "FRA", **YEAR},
            {"partner": "ESP", "basis": "month", "period_end": "2023-12-31"},
        ],
        categorical=True,
    )
    assert fast_basis(frame).tolist() == [True, False, False, False, True, False]
    assert fast_basis(frame).equals(schemas._basis_matches(frame))
    assert fast_basis(frame.iloc[:0]).empty


def test_the_schema_reports_the_world_row_with_its_location():
    frame = trade([{"partner": "WLD", "value": 100.0}, {"partner": "ITA", "value": 160.0}])
    frame = frame.assign(
        partner_label=frame["partner"], value_original=frame["value"], unit_original="USD",
        currency="USD", value_usd=frame["value"], valuation="FOB", citation="file.csv",
        location=["file.csv, line 2", "file.csv, line 3"], flag=None,
    )  # fmt: skip
    _, problems = schemas.validate("trade", frame)
    rules = [(p.location, p.rule) for p in problems]
    assert rules == [
        ("file.csv, line 2 (KAZ, WLD, export, 2023-01-01)",
         "schema check failed: sum of partners <= World within tolerance"),
    ]  # fmt: skip


# ---- random and real frames: the same verdict on every row ------------------------------------


@given(st.integers(0, 10_000), st.integers(0, 300), st.booleans(), st.booleans())
def test_fast_checks_agree_with_the_reference_on_random_frames(seed, n, categorical, repeats):
    frame = random_trade(seed, n, repeats)
    if categorical:
        frame = as_categories(frame)
    same_outcome(schemas.partners_within_world, reference_partners_within_world, frame)
    same_outcome(schemas.turnover_consistent, reference_turnover_consistent, frame)
    same_outcome(fast_basis, schemas._basis_matches, frame)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["year", "ytd", "month", "quarter", "2-year sum", "3-year sum"]),
            st.integers(2019, 2021), st.integers(1, 12), st.integers(0, 40),
        ),
        min_size=1, max_size=30,
    )
)  # fmt: skip
def test_product_basis_per_distinct_agrees_row_by_row(rows):
    frame = pd.DataFrame(
        {
            "basis": pd.Series([b for b, *_ in rows], dtype="str"),
            "period_start": [pd.Timestamp(y, m, 1) for _, y, m, _ in rows],
            "period_end": [pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(k) for _, y, m, k in rows],
        }
    )
    assert fast_product_basis(frame).equals(schemas._product_basis_matches(frame))


def test_fast_checks_agree_with_the_reference_on_the_real_trade_frame(clean_dir):
    frame = pd.read_parquet(clean_dir / "trade.parquet")
    world = schemas.partners_within_world(frame)
    assert world.equals(reference_partners_within_world(frame))
    assert schemas.turnover_consistent(frame).equals(reference_turnover_consistent(frame))
    assert fast_basis(frame).equals(schemas._basis_matches(frame))
    # The published data pass; World rows cut to zero fail where they have partners, as before.
    assert world.all()
    is_world = frame["partner"] == "WLD"
    cut = frame.assign(value=frame["value"].where(~is_world, 0.0))
    expected = reference_partners_within_world(cut)
    assert (~expected).any() and expected[~is_world].all()
    assert schemas.partners_within_world(cut).equals(expected)

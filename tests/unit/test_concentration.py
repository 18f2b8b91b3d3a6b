"""HHI, top-n shares and growth by product on hand-checked examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl import concentration


def test_hhi_on_the_0_to_1_scale() -> None:
    # 0.5² + 0.3² + 0.2² = 0.25 + 0.09 + 0.04
    assert concentration.hhi([0.5, 0.3, 0.2]) == pytest.approx(0.38)
    assert concentration.hhi([1.0]) == 1.0
    assert concentration.hhi([0.25] * 4) == pytest.approx(0.25)
    # Shares of a published total that the list does not exhaust: a lower bound.
    assert concentration.hhi([0.5, 0.3]) == pytest.approx(0.34)
    assert np.isnan(concentration.hhi([]))


def test_normalised_hhi() -> None:
    # (0.38 - 1/3) / (1 - 1/3) = 0.07
    assert concentration.hhi_normalized([0.5, 0.3, 0.2]) == pytest.approx(0.07)
    assert concentration.hhi_normalized([0.25] * 4) == pytest.approx(0.0)
    assert concentration.hhi_normalized([1.0]) == 1.0


@pytest.mark.parametrize("bad", [[0.7, 0.4], [-0.1, 0.5], [1.5], [np.nan]])
def test_hhi_refuses_what_are_not_shares(bad: list[float]) -> None:
    with pytest.raises(ValueError, match="shares"):
        concentration.hhi(bad)


def test_top_n_share() -> None:
    assert concentration.top_n_share([20, 50, 30], 1) == 0.5
    assert concentration.top_n_share([20, 50, 30], 2) == 0.8
    # Against a published total of 200 (a partial list), not the listed 100.
    assert concentration.top_n_share([20, 50, 30], 1, total=200) == 0.25
    assert concentration.top_n_share([20, 50], 3, total=100) == pytest.approx(0.7)
    assert np.isnan(concentration.top_n_share([1, 2], 1, total=0))
    with pytest.raises(ValueError, match="at least 1"):
        concentration.top_n_share([1], 0)


def frame(rows: list[tuple[str, str, float, float | None]], **common: object) -> pd.DataFrame:
    """(product_code, year, value, total_value) rows of one reporter's exports."""
    base = {
        "source": "s", "reporter": "KGZ", "partner": "WLD", "flow": "export",
        "classification": "national:test list", "basis": "year", "vintage": "v",
    }  # fmt: skip
    out = [
        {
            **base,
            **common,
            "product_code": code,
            "period_start": pd.Timestamp(int(year), 1, 1),
            "period_end": pd.Timestamp(int(year), 12, 31),
            "value": value,
            "total_value": total,
        }
        for code, year, value, total in rows
    ]
    return pd.DataFrame(out)


def test_concentration_uses_the_published_total_and_skips_the_remainder() -> None:
    rows = [("A", "2023", 50.0, 200.0), ("B", "2023", 30.0, 200.0), ("C", "2023", 20.0, 200.0)]
    rows.append(("unallocated", "2023", 100.0, 200.0))
    (out,) = concentration.concentration(frame(rows)).to_dict("records")
    assert out["n_items"] == 3
    assert out["listed_share"] == 0.5
    assert out["hhi"] == pytest.approx(0.25**2 + 0.15**2 + 0.1**2)  # 0.095
    assert out["top1_share"] == 0.25
    assert out["top3_share"] == 0.5
    assert out["top1_code"] == "A"
    assert out["denominator"] == concentration.PUBLISHED


def test_concentration_without_a_total() -> None:
    rows = [("1", "2021", 3.0, None), ("2", "2021", 1.0, None)]
    # A complete HS breakdown: the items' sum stands for the total, and says so.
    (hs,) = concentration.concentration(frame(rows, classification="HS-section")).to_dict("records")
    assert hs["hhi"] == pytest.approx(0.75**2 + 0.25**2)
    assert hs["denominator"] == concentration.SUM_OF_ITEMS
    # A partial national list without a total: no share can be taken.
    (national,) = concentration.concentration(frame(rows)).to_dict("records")
    assert np.isnan(national["hhi"]) and np.isnan(national["top1_share"])


def test_growth_only_within_one_basis_and_classification() -> None:
    rows = [("A", "2022", 100.0, None), ("A", "2023", 150.0, None), ("B", "2023", 5.0, None)]
    ytd = frame([("A", "2022", 40.0, None)], basis="ytd")
    ytd["period_end"] = pd.Timestamp(2022, 3, 31)
    other = frame([("A", "2022", 1.0, None)], classification="national:other")
    growth = concentration.product_growth(pd.concat([frame(rows), ytd, other]))
    (row,) = growth.to_dict("records")
    assert (row["product_code"], row["period_start"].year) == ("A", 2023)
    assert row["previous_value"] == 100.0
    assert row["growth"] == pytest.approx(0.5)


def test_growth_compares_leap_year_ytd_to_the_month_end() -> None:
    first = frame([("A", "2023", 10.0, None)], basis="ytd")
    first["period_end"] = pd.Timestamp(2023, 2, 28)
    second = frame([("A", "2024", 12.0, None)], basis="ytd")
    second["period_end"] = pd.Timestamp(2024, 2, 29)
    (row,) = concentration.product_growth(pd.concat([first, second])).to_dict("records")
    assert row["growth"] == pytest.approx(0.2)

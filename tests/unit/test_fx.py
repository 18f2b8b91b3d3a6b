"""Exchange rates as data: ECB and NSC rate tables, and EUR -> USD conversion with citations."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl import fx, schemas
from etl.sources import ecb_rates, eurostat_comext, kg_nsc_rates
from tests.conftest import source_folder


@pytest.fixture(scope="module")
def ecb_folder(shared_data: Path) -> Path:
    return source_folder(shared_data, ecb_rates.SOURCE)


@pytest.fixture(scope="module")
def ecb(ecb_folder: Path) -> pd.DataFrame:
    return ecb_rates.load(ecb_folder).frames["fx"]


@pytest.fixture(scope="module")
def nsc(shared_data: Path) -> pd.DataFrame:
    return kg_nsc_rates.load(source_folder(shared_data, kg_nsc_rates.SOURCE)).frames["fx"]


def _rate(rates: pd.DataFrame, basis: str, start: str, base: str = "EUR", quote: str = "USD"):
    rows = rates[
        (rates["basis"] == basis)
        & (rates["period_start"] == pd.Timestamp(start))
        & (rates["base_currency"] == base)
        & (rates["quote_currency"] == quote)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize(("year", "mean", "days"), [(2023, 1.0813, 255), (2024, 1.0824, 256)])
def test_ecb_annual_average_is_the_mean_of_daily_rates(ecb, year, mean, days) -> None:
    row = _rate(ecb, "year", f"{year}-01-01")
    assert round(row["rate"], 4) == mean
    assert row["n_days"] == days
    assert f"annual average of {days} daily rates, {year}" in row["citation"]


def test_ecb_monthly_average_equals_the_daily_mean(ecb_folder: Path, ecb) -> None:
    days = ecb_rates.daily(ecb_rates.read(ecb_folder / "eurofxref-hist.zip"))
    december = days[(days["date"] >= "2019-12-01") & (days["date"] <= "2019-12-31")]
    row = _rate(ecb, "month", "2019-12-01")
    assert row["rate"] == pytest.approx(december["rate"].mean(), rel=1e-12)
    assert row["n_days"] == len(december)
    end = _rate(ecb, "month_end", "2019-12-01")
    assert end["rate"] == december.sort_values("date")["rate"].iat[-1]
    assert "rate of 2019-12-31" in end["citation"]


def test_ecb_incomplete_periods_are_not_published(ecb) -> None:
    assert ecb["period_end"].max() == pd.Timestamp("2026-03-31")  # the file ends 2026-04-13


def test_nsc_2023_som_rates(nsc) -> None:
    assert _rate(nsc, "year", "2023-01-01", "USD", "KGS")["rate"] == pytest.approx(87.8561)
    assert _rate(nsc, "year", "2023-01-01", "EUR", "KGS")["rate"] == pytest.approx(95.0164)
    assert _rate(nsc, "year_end", "2023-01-01", "USD", "KGS")["rate"] == pytest.approx(89.1574)


def test_rate_frames_pass_their_schema(ecb, nsc) -> None:
    schemas.FxRates.validate(ecb, lazy=True)
    schemas.FxRates.validate(nsc, lazy=True)


def test_italy_exports_to_kazakhstan_jan_apr_2024_in_usd(shared_data: Path, ecb) -> None:
    folder = source_folder(shared_data, eurostat_comext.SOURCE)
    trade = eurostat_comext.load(folder).frames["trade"]
    italy = trade[
        (trade["reporter"] == "ITA")
        & (trade["commodity"] == "TOTAL")
        & trade["period_start"].between("2024-01-01", "2024-04-01")
    ]
    assert italy["value"].sum() == pytest.approx(405_998_875)
    converted = fx.add_usd(italy, ecb).sort_values("period_start")
    monthly = [_rate(ecb, "month", f"2024-{m:02d}-01")["rate"] for m in (1, 2, 3, 4)]
    assert converted["fx_rate"].tolist() == pytest.approx(monthly)
    expected = sum(v * r for v, r in zip(converted["value"], monthly, strict=True))
    assert converted["value_usd"].sum() == pytest.approx(expected)
    assert converted["value_usd"].sum() == pytest.approx(439_447_000, rel=1e-3)
    assert converted["fx_basis"].tolist() == [
        "ECB, USD per EUR, monthly average of 22 daily rates, Jan 2024",
        "ECB, USD per EUR, monthly average of 21 daily rates, Feb 2024",
        "ECB, USD per EUR, monthly average of 20 daily rates, Mar 2024",
        "ECB, USD per EUR, monthly average of 21 daily rates, Apr 2024",
    ]
    assert set(converted["fx_source"]) == {ecb_rates.SOURCE}
    schemas.Trade.validate(converted, lazy=True)

    # The same four months as one Jan–Apr row: the average of the 84 daily rates.
    ytd = italy.iloc[[0]].assign(
        basis="ytd",
        period_start=pd.Timestamp("2024-01-01"),
        period_end=pd.Timestamp("2024-04-30"),
        value=italy["value"].sum(),
    )
    row = fx.add_usd(ytd, ecb).iloc[0]
    assert row["fx_rate"] == pytest.approx(
        sum(r * n for r, n in zip(monthly, (22, 21, 20, 21), strict=True)) / 84
    )
    assert row["fx_basis"] == "ECB, USD per EUR, average of 84 daily rates, Jan–Apr 2024"
    assert row["value_usd"] == pytest.approx(expected, rel=2e-3)


def _eur_row(**kw) -> pd.DataFrame:
    base = {
        "currency": "EUR", "value": 100.0, "basis": "year",
        "period_start": pd.Timestamp("2023-01-01"), "period_end": pd.Timestamp("2023-12-31"),
    }  # fmt: skip
    return pd.DataFrame([base | kw])


def test_stocks_take_the_period_end_rate(ecb) -> None:
    row = fx.add_usd(_eur_row(measure="inward_stock"), ecb).iloc[0]
    end = _rate(ecb, "year_end", "2023-01-01")["rate"]
    assert row["fx_rate"] == pytest.approx(end)
    assert row["value_usd"] == pytest.approx(100 * end)
    assert "end-of-year rate, 2023" in row["fx_basis"]


def test_a_missing_rate_leaves_value_usd_empty_and_says_so(ecb) -> None:
    row = fx.add_usd(
        _eur_row(
            basis="month",
            period_start=pd.Timestamp("2026-04-01"),
            period_end=pd.Timestamp("2026-04-30"),
        ),
        ecb,
    ).iloc[0]
    assert pd.isna(row["value_usd"]) and pd.isna(row["fx_rate"])
    assert row["fx_basis"].startswith("no EUR/USD monthly average for Apr 2026")


def test_som_converted_with_the_inverted_nsc_rate(nsc) -> None:
    row = fx.add_usd(_eur_row(currency="KGS", value=87.8561), nsc).iloc[0]
    assert row["value_usd"] == pytest.approx(1.0)
    assert row["fx_basis"] == "NSC Kyrgyzstan, KGS per USD, annual average, 2023"


def test_old_call_without_rates_keeps_todays_behaviour() -> None:
    frame = pd.concat([_eur_row(), _eur_row(currency="USD")], ignore_index=True)
    out = fx.add_usd(frame)
    assert pd.isna(out["value_usd"].iat[0]) and out["value_usd"].iat[1] == 100.0
    assert "fx_rate" not in out.columns

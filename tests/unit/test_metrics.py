"""Derived frames on small hand-made trade series whose answers can be checked by hand."""

import pandas as pd
import pytest

from etl import metrics, periods
from etl.schemas import Growth, Shares, Trade


def row(partner, flow, value, basis="year", year=2023, month=12, source="bns", vintage="2023"):
    if basis == "year":
        start, end = periods.year_period(year)
    elif basis == "month":
        start, end = periods.month_period(year, month)
    else:
        start, end = periods.ytd_period(year, month)
    return {
        "source": source,
        "reporter": "KAZ",
        "partner": partner,
        "partner_label": partner,
        "partner_is_aggregate": partner in ("WLD", "XCS"),
        "commodity": "TOTAL",
        "flow": flow,
        "basis": basis,
        "period_start": start,
        "period_end": end,
        "value": float(value),
        "value_original": float(value),
        "unit_original": "USD",
        "currency": "USD",
        "value_usd": float(value),
        "valuation": "unknown",
        "vintage": vintage,
        "citation": f"test {source}",
        "flag": None,
    }


@pytest.fixture
def annual():
    rows = []
    for year, (chn, rus, ita) in {2022: (24, 26, 12), 2023: (30, 27, 16)}.items():
        world = 140 if year == 2023 else 134
        for partner, v in {"WLD": world, "CHN": chn, "RUS": rus, "ITA": ita, "XCS": 40}.items():
            rows.append(row(partner, "turnover", v, year=year))
            rows.append(row(partner, "export", v * 0.6, year=year))
            rows.append(row(partner, "import", v * 0.4, year=year))
    return pd.DataFrame(rows)


def test_shares_divide_by_the_world_row_and_rank_only_countries(annual):
    s = Shares.validate(metrics.shares(annual))
    t23 = s[(s["flow"] == "turnover") & (s["period_start"].dt.year == 2023)].set_index("partner")
    assert t23.loc["ITA", "share"] == pytest.approx(16 / 140)
    assert list(t23.sort_values("rank").dropna(subset=["rank"]).index) == ["CHN", "RUS", "ITA"]
    assert pd.isna(t23.loc["XCS", "rank"])  # an aggregate is never ranked among countries


def test_shares_use_the_newest_vintage_of_one_source(annual):
    revised = annual[annual["partner"].isin(["WLD", "ITA"])].assign(vintage="2024")
    revised.loc[(revised["partner"] == "WLD") & (revised["flow"] == "turnover"), "value"] = 160.0
    s = metrics.shares(pd.concat([annual, revised]))
    ita = s[(s["partner"] == "ITA") & (s["flow"] == "turnover")]
    ita = ita[ita["period_start"].dt.year == 2023]
    assert ita["share"].item() == pytest.approx(16 / 160)


def test_growth_compares_the_same_period_a_year_earlier(annual):
    g = Growth.validate(metrics.growth(annual))
    ita = g[(g["partner"] == "ITA") & (g["flow"] == "turnover")]
    assert ita["yoy_growth"].item() == pytest.approx(16 / 12 - 1)
    assert ita["comparison"].item() == "2023 vs 2022"
    bal = g[(g["partner"] == "ITA") & (g["flow"] == "balance")]
    assert bal["value"].item() == pytest.approx(16 * 0.2)


def test_ytd_is_compared_with_the_same_months_a_year_earlier():
    months = [
        row("WLD", "export", 10 * m, basis="month", year=y, month=m)
        for y in (2023, 2024)
        for m in range(1, 5)
    ]
    trade = pd.DataFrame(months)
    ytd = metrics.ytd_from_months(trade)
    jan_apr_24 = ytd[(ytd["period_end"] == pd.Timestamp(2024, 4, 30))]
    assert jan_apr_24["value"].item() == 100
    g = metrics.growth(pd.concat([trade, ytd.drop(columns="derivation")]))
    row_ = g[(g["basis"] == "ytd") & (g["period_end"] == pd.Timestamp(2024, 4, 30))]
    assert row_["comparison"].item() == "Jan–Apr 2024 vs Jan–Apr 2023"
    assert row_["yoy_growth"].item() == 0


def test_ytd_stops_at_a_missing_month():
    months = [row("WLD", "export", 5, basis="month", year=2024, month=m) for m in (1, 2, 4)]
    ytd = metrics.ytd_from_months(pd.DataFrame(months))
    assert sorted(ytd["period_end"].dt.month) == [1, 2]


def test_months_are_derived_by_differencing_cumulative_releases():
    cum = [
        row("ITA", "turnover", v, basis="ytd", year=2024, month=m)
        for m, v in [(1, 1.5e9), (2, 3.1e9), (3, 4.8e9), (4, 6.4e9)]
    ]
    months = metrics.months_from_ytd(pd.DataFrame(cum))
    assert list(months.sort_values("period_start")["value"]) == pytest.approx(
        [1.5e9, 1.6e9, 1.7e9, 1.6e9]
    )
    Trade.validate(months.drop(columns="derivation"))


def test_cagr_over_a_labelled_window(annual):
    c = metrics.cagr(annual)
    ita = c[(c["partner"] == "ITA") & (c["flow"] == "turnover")]
    assert ita["cagr"].item() == pytest.approx(16 / 12 - 1)
    assert ita["window"].item() == "2022–2023 (1 year)"


def test_fdi_cumulative_sums_flows_and_says_what_is_missing():
    years = {2005: 326e6, 2006: 382e6, 2008: 699e6}
    fdi = pd.DataFrame(
        [
            {
                "source": "unctad",
                "host": "KAZ",
                "investor": "ITA",
                "measure": "gross_inflow",
                "basis": "year",
                "period_start": pd.Timestamp(y, 1, 1),
                "currency": "USD",
                "value": v,
                "vintage": "2014",
            }
            for y, v in years.items()
        ]
    )
    out = metrics.fdi_cumulative(fdi)
    w = out[(out["start_year"] == 2005) & (out["end_year"] == 2008)]
    assert w["value"].item() == pytest.approx(sum(years.values()))
    assert w["label"].item() == "Sum of annual gross FDI inflows 2005–2008 (1 years missing)"


@pytest.mark.parametrize(
    ("stated", "value", "tolerance"),
    [
        ("14.4%", 0.144, 0.0005),
        ("16 billion US dollars", 16e9, 0.5e9),
        ("6.4 billion", 6.4e9, 0.05e9),
        ("12,210 visas", 12210, 0.5),
    ],
)
def test_tolerance_is_half_the_last_printed_digit(stated, value, tolerance):
    assert metrics.stated_tolerance(stated, value) == pytest.approx(tolerance)

"""Derived frames on small hand-made trade series whose answers can be checked by hand."""

import pandas as pd
import pytest

from etl import labels, metrics, periods, visa_checks
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


# ---- visa summary: places, zero months, issued above applied ---------------------------------


def visa(
    count,
    *,
    source="eu-schengen-visa-stats",
    issuer="ITA",
    country="KAZ",
    consulate="Astana",
    nationality=None,
    category="uniform",
    measure="issued",
    year=2024,
    month=None,
    location="2024.xlsx, sheet 'Data for consulates', row 1036",
):
    basis = "month" if month else "year"
    start, end = periods.month_period(year, month) if month else periods.year_period(year)
    return {
        "source": source,
        "issuer": issuer,
        "consulate_country": country,
        "consulate": consulate,
        "nationality": nationality,
        "visa_category": category,
        "measure": measure,
        "basis": basis,
        "period_start": start,
        "period_end": end,
        "count": count,
        "vintage": "test",
        "citation": f"test ({location})",
        "location": location,
    }


def niv(count, visa_class, month, source="us-visa-niv-by-nationality-monthly", line=1):
    return visa(
        count,
        source=source,
        issuer="USA",
        country=None,
        consulate=None,
        nationality="KAZ",
        category=visa_class,
        month=month,
        location=f"2024-{month:02d}-01.jsonl, line {line}",
    )


def test_a_consulate_summary_row_names_the_rows_it_adds_up():
    """Italy's 2024 Astana row is 1036, not its Tirana row 961 (the footnote bug of issue 14)."""
    tirana = "2024.xlsx, sheet 'Data for consulates', row 961"
    astana = "2024.xlsx, sheet 'Data for consulates', row 1036"
    almaty = "2024.xlsx, sheet 'Data for consulates', row 1035"
    v = pd.DataFrame(
        [
            visa(203, country="ALB", consulate="Tirana", location=tirana),
            visa(25108, location=astana),
            visa(26562, measure="applied", location=astana),
            visa(10, consulate="Almaty", location=almaty),
        ]
    )
    s = metrics.visa_summary(v).set_index("consulate_country")
    assert s.loc["KAZ", "location"] == f"{astana}; {almaty}"
    assert s.loc["ALB", "location"] == tirana
    assert s.loc["KAZ", "issued"] == 25118


def test_missing_month_is_zero_in_a_source_that_omits_zero_months():
    # US NIV lists only classes with visas in the month: F1 has no February row, so it is 0.
    v = pd.DataFrame(
        [
            niv(10, "B1/B2", 1, line=1),
            niv(12, "B1/B2", 2, line=2),
            niv(11, "B1/B2", 3, line=3),
            niv(5, "F1", 1, line=4),
            niv(7, "F1", 3, line=5),
        ]
    )
    s = metrics.visa_summary(v)
    ytd = s[(s["basis"] == "ytd") & (s["period_end"] == pd.Timestamp(2024, 3, 31))]
    month_total = s.loc[s["basis"] == "month", "issued"].sum()
    assert ytd.set_index("visa_category")["issued"].to_dict() == {"B1/B2": 33, "F1": 12}
    assert ytd["issued"].sum() == month_total == 45
    f1 = ytd[ytd["visa_category"] == "F1"].iloc[0]
    assert f1["location"] == "2024-01-01.jsonl, line 4; 2024-03-01.jsonl, line 5"
    assert f1["label"] == "sum of monthly reports; a month without a row counts as 0"
    # a month the source did not publish at all stays missing: no Jan–Apr sum
    assert s.loc[s["basis"] == "ytd", "period_end"].max() == pd.Timestamp(2024, 3, 31)


def test_missing_month_stays_missing_in_a_source_that_prints_zeros():
    v = pd.DataFrame(
        [niv(10, "B1/B2", m, source="some-monthly-source", line=m) for m in (1, 2, 3)]
        + [niv(5, "F1", 1, source="some-monthly-source"), niv(7, "F1", 3, "some-monthly-source")]
    )
    s = metrics.visa_summary(v)
    f1 = s[(s["basis"] == "ytd") & (s["visa_category"] == "F1")]
    assert list(f1["period_end"]) == [pd.Timestamp(2024, 1, 31)]  # Jan only: Feb is missing


def test_summary_marks_rows_issuing_more_than_applied_for():
    astana = "2024.xlsx, sheet 'Data for consulates', row 187"
    almaty = "2019.xlsx, sheet 'Data for consulates', row 441"
    v = pd.DataFrame(
        [
            # Bulgaria, Astana, 2024: 5,199 uniform + 1,733 LTV issued on 5,673 applications
            visa(5673, issuer="BGR", measure="applied", location=astana),
            visa(5199, issuer="BGR", location=astana),
            visa(1733, issuer="BGR", category="ltv", location=astana),
            # France, Almaty, 2019: 3 applied, 50 issued
            visa(
                3, issuer="FRA", consulate="Almaty", measure="applied", year=2019, location=almaty
            ),
            visa(50, issuer="FRA", consulate="Almaty", year=2019, location=almaty),
            visa(19756, measure="applied"),
            visa(18622),
        ]
    )
    s = metrics.visa_summary(v).set_index(["issuer", "visa_category"])
    assert bool(s.loc[("BGR", "uniform"), "issued_exceeds_applied"])
    assert bool(s.loc[("FRA", "uniform"), "issued_exceeds_applied"])
    assert not s.loc[("ITA", "uniform"), "issued_exceeds_applied"]
    rows = visa_checks.issued_exceeds_applied(v).set_index("issuer")
    assert rows.loc["BGR", ["applied", "issued", "ltv_issued"]].tolist() == [5673, 5199, 1733]
    assert rows.loc["FRA", ["applied", "issued", "ltv_issued"]].tolist() == [3, 50, 0]
    assert visa_checks.warning(rows.loc["BGR"].to_dict() | {"issuer": "BGR"}).startswith(
        f"{astana}: BGR consulate in Astana (KAZ), 2024: 5,199 uniform visas issued + 1,733 LTVs "
        "= 6,932, more than the 5,673 uniform visa applications"
    )


# ---- growth across a change of a group's membership ------------------------------------------


def test_eu_growth_across_the_uks_exit_is_on_a_constant_eu27_basis():
    # BNS: «Страны ЕС» is EU-28 (with GBR) in the 2022 sheet and EU-27 in the 2023 sheet.
    rows = [
        row("EU28", "turnover", 41_875_385.2, year=2022),
        row("GBR", "turnover", 1_846_659.1, year=2022),
        row("EUU", "turnover", 41_302_826.2, year=2023),
    ]
    g = metrics.growth(pd.DataFrame(rows))
    eu = g[g["partner"] == "EUU"]
    assert len(eu) == 1
    assert eu["previous_value"].item() == pytest.approx(41_875_385.2 - 1_846_659.1)
    assert eu["yoy_growth"].item() == pytest.approx(0.0318, abs=5e-5)  # not -1.37 %
    assert eu["comparison"].item() == (
        "2023 vs 2022 on a constant basis: the earlier year is "
        "European Union (EU-28, with the United Kingdom) less United Kingdom"
    )
    Growth.validate(g)


def test_eu_growth_is_not_built_without_the_members_it_lost():
    rows = [row("EU28", "turnover", 41_875_385.2, year=2022), row("EUU", "turnover", 4e7)]
    g = metrics.growth(pd.DataFrame(rows))
    assert g[g["partner"] == "EUU"].empty


# ---- FDI sums across a change of methodology -------------------------------------------------


def test_fdi_cumulative_says_when_a_window_mixes_bpm5_and_bpm6_years():
    fdi = pd.DataFrame(
        [
            {
                "source": "wiiw",
                "host": "KAZ",
                "investor": "WLD",
                "measure": "net_inflow",
                "basis": "year",
                "period_start": pd.Timestamp(y, 1, 1),
                "currency": "EUR",
                "value": 1e9,
                "vintage": "v",
                "note": f"{'BPM6 basis (directional principle).' if y >= 2013 else 'BPM5 basis.'} "
                "From 2013 based on BPM6, directional principle.",
            }
            for y in range(2005, 2022)
        ]
    )
    cum = metrics.fdi_cumulative(fdi).set_index(["start_year", "end_year"])["label"]
    title = labels.FDI_CUMULATIVE_TITLE["net_inflow"]
    assert cum[(2005, 2021)] == (
        f"{title} 2005–2021 (sums BPM5 (2005–2012) and BPM6 (2013–2021) years)"
    )
    assert cum[(2005, 2012)] == f"{title} 2005–2012"
    assert cum[(2013, 2021)] == f"{title} 2013–2021"


def test_turnover_needs_both_flows_and_survives_runs_without_imports_or_usd() -> None:
    exports_only = pd.DataFrame([row("ITA", "export", 10, source="comext")])
    assert metrics.turnover_from_flows(exports_only).empty
    eur = pd.DataFrame(
        [row("ITA", "export", 10, source="comext"), row("ITA", "import", 5, source="comext")]
    ).assign(currency="EUR", value_usd=float("nan"))
    turnover = metrics.turnover_from_flows(eur)
    assert turnover["value"].tolist() == [15.0]
    assert turnover["value_usd"].isna().all()

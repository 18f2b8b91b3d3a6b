"""Visa figures on small hand-made frames: issuer = partner, consulate country = reporter."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import query, views
from dashboard.data import CleanData
from dashboard.state import ViewState
from dashboard.theme import FIXED
from etl import metrics, periods
from tests.unit.test_figures_fdi import source_metadata

SCHENGEN = "eu-schengen-visa-stats"
US_NIV = "us-visa-niv-by-nationality-monthly"

# Italy's consulate in Kazakhstan, uniform visas (applied, issued), PROVENANCE.md checks.
ITA_KAZ = {2019: (22073, 20313), 2022: (15609, 14713), 2023: (19756, 18622), 2024: (26562, 25108)}


def visa_row(
    source,
    issuer,
    measure,
    count,
    year,
    month=None,
    country=None,
    nationality=None,
    category="uniform",
    consulate=None,
):
    if month:
        start, end = periods.month_period(year, month)
        basis = "month"
    else:
        start, end = periods.year_period(year)
        basis = "year"
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
        "count": int(count),
        "vintage": str(year),
        "citation": f"test {source}",
    }


def schengen_rows() -> list[dict]:
    rows = []
    for year, (applied, issued) in ITA_KAZ.items():
        # two consulates in 2024 so the summary must add them up
        split = (
            [(applied, issued, "Astana")]
            if year != 2024
            else [(applied - 1000, issued - 900, "Astana"), (1000, 900, "Almaty")]
        )
        for a, i, city in split:
            for measure, n in (("applied", a), ("issued", i), ("not_issued", a - i)):
                rows.append(
                    visa_row(SCHENGEN, "ITA", measure, n, year, country="KAZ", consulate=city)
                )
        rows.append(
            visa_row(
                SCHENGEN,
                "ITA",
                "issued",
                50,
                year,
                country="KAZ",
                category="atv",
                consulate="Astana",
            )
        )
        for issuer, n in (("DEU", 40000), ("FRA", 15000), ("ESP", 9000)):
            rows.append(visa_row(SCHENGEN, issuer, "applied", n + 1000, year, country="KAZ"))
            rows.append(visa_row(SCHENGEN, issuer, "issued", n, year, country="KAZ"))
            rows.append(visa_row(SCHENGEN, issuer, "not_issued", 1000, year, country="KAZ"))
    return rows


def us_rows() -> list[dict]:
    rows = []
    for year in (2023, 2024):
        for month in range(1, 13):
            base = 1000 if year == 2023 else 1100
            rows.append(
                visa_row(
                    US_NIV,
                    "USA",
                    "issued",
                    base + month,
                    year,
                    month=month,
                    nationality="KAZ",
                    category="B1/B2",
                )
            )
            rows.append(
                visa_row(
                    US_NIV,
                    "USA",
                    "issued",
                    100,
                    year,
                    month=month,
                    nationality="KAZ",
                    category="J1",
                )
            )
            rows.append(
                visa_row(
                    US_NIV,
                    "USA",
                    "issued",
                    7,
                    year,
                    month=month,
                    nationality="UZB",
                    category="B1/B2",
                )
            )
    return rows


def make_data(rows: list[dict] | None = None) -> CleanData:
    frame = pd.DataFrame(schengen_rows() + us_rows() if rows is None else rows)
    summary = metrics.visa_summary(frame) if len(frame) else pd.DataFrame()
    return CleanData(
        "v1", "2026-09-05", {"visas": frame, "visa_summary": summary}, metadata=source_metadata()
    )


def is_empty(fig) -> bool:
    return bool(fig.layout.meta and fig.layout.meta.get("empty"))


def test_page_has_stable_chart_names():
    figs = views.visas_view(make_data(), ViewState(partner="ITA"))
    assert list(figs) == [
        "consulates_trend",
        "issuance_rate",
        "issued_growth",
        "issuers_compared",
        "us_monthly",
        "us_ytd",
    ]
    assert not any(is_empty(f) for f in figs.values())


def test_trend_reads_issuer_from_partner_and_place_from_reporter():
    fig = views.visas_view(make_data(), ViewState(partner="ITA"))["consulates_trend"]
    title = fig.layout.title.text
    assert "Italy's consulates in Kazakhstan" in title
    assert "not applicants' nationality" in title and "issued ≠ applied" in title
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"Applications", "Visas issued", "Not issued"}
    issued = dict(zip(by_name["Visas issued"].x, by_name["Visas issued"].y, strict=True))
    assert issued[2024] == 25108  # both consulates, uniform visas only (ATVs excluded)
    assert issued[2019] == 20313


def test_issuance_rate_and_growth_match_hand_computation():
    data = make_data()
    rate = views.visas_view(data, ViewState(partner="ITA"))["issuance_rate"].data[0]
    assert dict(zip(rate.x, rate.y, strict=True))[2023] == pytest.approx(18622 / 19756)
    growth = views.visas_view(data, ViewState(partner="ITA"))["issued_growth"].data[0]
    values = dict(zip(growth.x, growth.y, strict=True))
    assert values[2024] == pytest.approx(25108 / 18622 - 1)  # +34.8 %
    assert 2022 not in values  # 2021 missing: no growth without the previous year
    assert "+34.8%" in growth.text


def test_issuers_compared_for_a_year_highlights_the_partner():
    fig = views.visas_view(make_data(), ViewState(partner="ITA", year=2023))["issuers_compared"]
    bar = fig.data[0]
    assert list(bar.y) == ["Spain", "France", "Italy", "Germany"]
    # Each state in its own colour (issue 14 item 2); the partner stands out by opacity.
    colours = dict(zip(bar.y, bar.marker.color, strict=True))
    assert len(set(colours.values())) == 4 and colours["Italy"] == FIXED["ITA"]
    opacity = dict(zip(bar.y, bar.marker.opacity, strict=True))
    assert opacity["Italy"] == 1 > opacity["Germany"] == opacity["Spain"]
    assert "2023" in fig.layout.title.text


def test_issuers_compared_follows_the_visa_measure():
    fig = views.visas_view(
        make_data(), ViewState(partner="ITA", year=2023, visa_measure="applied")
    )["issuers_compared"]
    assert "applied for" in fig.layout.title.text
    assert dict(zip(fig.data[0].y, fig.data[0].x, strict=True))["Italy"] == 19756


def test_us_monthly_sums_visa_classes_for_the_reporters_nationals():
    fig = views.visas_view(make_data(), ViewState(partner="ITA"))["us_monthly"]
    assert "nationals of Kazakhstan" in fig.layout.title.text
    assert fig.data[0].y[0] == 1001 + 100
    assert len(fig.data[0].y) == 24


def test_us_ytd_is_labelled_as_a_sum_of_monthly_reports():
    fig = views.visas_view(make_data(), ViewState(partner="ITA"))["us_ytd"]
    names = [t.name for t in fig.data]
    assert names == ["2023 (sum of monthly reports)", "2024 (sum of monthly reports)"]
    note = fig.layout.annotations[0].text
    expected_2024 = sum(1100 + m + 100 for m in range(1, 13))
    assert f"Jan–Dec 2024: {expected_2024:,}" in note and "Jan–Dec 2023" in note


def test_ytd_comparison_stops_at_the_first_missing_month():
    monthly = pd.DataFrame(
        {
            "source": US_NIV,
            "period_start": [pd.Timestamp(y, m, 1) for y in (2023, 2024) for m in (1, 2, 3, 5)],
            "issued": [10, 10, 10, 10, 20, 20, 20, 20],
        }
    )
    cmp = query.ytd_comparison(monthly)
    assert cmp["label"] == "Jan–Mar 2024" and cmp["previous_label"] == "Jan–Mar 2023"
    assert cmp["growth"] == pytest.approx(1.0)


def test_missing_data_gives_explicit_messages():
    figs = views.visas_view(make_data([]), ViewState(partner="ITA"))
    assert all(is_empty(f) for f in figs.values())
    figs = views.visas_view(make_data(), ViewState(reporter="UZB", partner="FRA"))
    assert is_empty(figs["consulates_trend"])
    assert "France's consulates in Uzbekistan" in figs["consulates_trend"].layout.meta["message"]
    assert not is_empty(figs["us_monthly"])  # Uzbek nationals do have US data


def test_figures_are_small():
    for fig in views.visas_view(make_data(), ViewState(partner="ITA")).values():
        assert len(fig.to_json()) < 50_000

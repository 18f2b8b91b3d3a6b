"""FDI figures on small hand-made frames: one measure per chart, EUR labelled, claims marked."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import views
from dashboard.data import CleanData
from dashboard.figures.common import MEASURE_LABEL
from dashboard.state import ViewState
from etl import metrics, periods


def source_metadata() -> dict:
    """metadata.json's "sources" as the ETL writes it, from the sources manifest."""
    from etl import registry

    return {"sources": registry.metadata()}


UNCTAD = "unctad-bilateral-fdi"
WIIW = "wiiw-fdi-kazakhstan"
NBK = "nbk-kz-fdi-net-inflow-quarterly"


def fdi_row(source, investor, measure, year, value_m, currency="USD", quarter=None):
    if quarter:
        start, end = periods.quarter_period(year, quarter)
        basis = "quarter"
    else:
        start, end = periods.year_period(year)
        basis = "year"
    value = value_m * 1e6
    return {
        "source": source,
        "host": "KAZ",
        "investor": investor,
        "investor_label": investor,
        "investor_is_aggregate": investor == "WLD",
        "measure": measure,
        "basis": basis,
        "period_start": start,
        "period_end": end,
        "value": value,
        "value_original": value_m,
        "unit_original": f"{currency} m",
        "currency": currency,
        "value_usd": value if currency == "USD" else float("nan"),
        "vintage": "2014" if source == UNCTAD else "2023-04",
        "citation": f"test {source}",
        "note": None,
    }


GROSS_ITA = {2005: 326, 2006: 382, 2007: 522, 2008: 699, 2009: 685, 2010: 648, 2011: 483, 2012: 814}


def sample_fdi() -> pd.DataFrame:
    rows = []
    for year, v in GROSS_ITA.items():
        rows.append(fdi_row(UNCTAD, "ITA", "gross_inflow", year, v))
        rows.append(fdi_row(UNCTAD, "WLD", "gross_inflow", year, v * 20))
        rows.append(fdi_row(UNCTAD, "NLD", "gross_inflow", year, v * 5))
        rows.append(fdi_row(UNCTAD, "XDV", "gross_inflow", year, v * 15))  # an aggregate
    for year, v in {2005: -273.7, 2012: -281.2, 2019: 99.7, 2020: 71.5, 2021: 89.3}.items():
        rows.append(fdi_row(WIIW, "ITA", "net_inflow", year, v, currency="EUR"))
        rows.append(fdi_row(WIIW, "WLD", "net_inflow", year, 2900, currency="EUR"))
    rows.append(fdi_row(WIIW, "ITA", "inward_stock", 2021, 118.9, currency="EUR"))
    rows.append(fdi_row(NBK, "WLD", "net_inflow", 2024, -1494.1, quarter=4))
    rows.append(fdi_row(NBK, "WLD", "net_inflow", 2024, 1200.0, quarter=3))
    return pd.DataFrame(rows)


def claim_check(status="partial") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "fact_id": "kaz-ita-fdi-since-2005",
                "statement": "Since 2005 ... over 7.6 billion",
                "topic": "fdi",
                "measure": "gross_inflow_cumulative",
                "reporter": "KAZ",
                "partner": "ITA",
                "basis": "cumulative",
                "period_start": pd.Timestamp(2005, 1, 1),
                "period_end": pd.Timestamp(2023, 12, 31),
                "stated_value": 7.6e9,
                "unit": "USD",
                "value_as_stated": "over 7.6 billion US dollars",
                "computed_value": 4.559e9,
                "computed_source": "x",
                "difference_rel": 0.67,
                "status": status,
                "note": "",
                "citation": "Ministry of Foreign Affairs of Kazakhstan, press release, 2024-06-25",
            }
        ]
    )


def make_data(fdi_frame: pd.DataFrame | None = None, checks: pd.DataFrame | None = None):
    f = sample_fdi() if fdi_frame is None else fdi_frame
    frames = {
        "fdi": f,
        "fdi_cumulative": metrics.fdi_cumulative(f) if len(f) else pd.DataFrame(),
        "facts_check": claim_check() if checks is None else checks,
    }
    return CleanData("v1", "2026-09-05", frames, metadata=source_metadata())


def is_empty(fig) -> bool:
    return bool(fig.layout.meta and fig.layout.meta.get("empty"))


def text_of(fig) -> str:
    """Every piece of text a reader sees: title, annotations, axis titles, trace names."""
    parts = [fig.layout.title.text or ""]
    parts += [a.text or "" for a in fig.layout.annotations]
    parts += [
        str(fig.layout[ax].title.text or "")
        for ax in ("xaxis", "yaxis", "yaxis2")
        if ax in fig.layout and fig.layout[ax].title
    ]
    parts += [t.name or "" for t in fig.data]
    return " | ".join(parts)


def test_page_has_stable_chart_names():
    figs = views.fdi_view(make_data(), ViewState(partner="ITA"))
    assert list(figs) == [
        "over_time",
        "top_investors",
        "cumulative",
        "gross_vs_net",
        "world_quarterly",
    ]
    assert not any(is_empty(f) for f in figs.values())


@pytest.mark.parametrize("measure", ["gross_inflow", "net_inflow", "inward_stock"])
def test_over_time_shows_one_measure_from_one_source(measure):
    data = make_data()
    fig = views.fdi_view(data, ViewState(partner="ITA", measure=measure))["over_time"]
    expected = {"gross_inflow": UNCTAD, "net_inflow": WIIW, "inward_stock": WIIW}[measure]
    assert MEASURE_LABEL[measure] in fig.layout.title.text
    # hovers name the source; no trace carries another source's label
    sources = {t.hovertemplate.split("<br>")[-1].removesuffix("<extra></extra>") for t in fig.data}
    assert sources == {data.sources.short(expected)}
    assert sources == {"UNCTAD" if expected == UNCTAD else "wiiw (NBK)"}


def test_over_time_partner_and_world_have_separate_axes():
    fig = views.fdi_view(make_data(), ViewState(partner="ITA"))["over_time"]
    ita, world = fig.data
    assert ita.yaxis == "y" and world.yaxis == "y2"
    assert list(ita.y) == pytest.approx(list(GROSS_ITA.values()))  # USD m
    assert fig.layout.yaxis.title.text == "USD m"
    assert fig.layout.yaxis2.title.text == "USD bn"


def test_eur_series_stay_labelled_eur():
    fig = views.fdi_view(make_data(), ViewState(partner="ITA", measure="net_inflow"))["over_time"]
    text = text_of(fig)
    assert "EUR" in text and "USD" not in text
    assert "not converted" in fig.layout.title.text


def test_top_investors_ranks_countries_only_and_highlights_the_partner():
    fig = views.fdi_view(make_data(), ViewState(partner="ITA", year=2012))["top_investors"]
    bar = fig.data[0]
    assert "World" not in bar.y and "Developed economies" not in bar.y
    assert list(bar.y)[-1] == "Netherlands"  # largest at the top
    colours = dict(zip(bar.y, bar.marker.color, strict=True))
    assert colours["Italy"] != colours["Netherlands"]
    assert "2012" in fig.layout.title.text and "World total USD 16.3 bn" in fig.layout.title.text


def test_top_investors_falls_back_to_the_latest_year_and_says_so():
    fig = views.fdi_view(make_data(), ViewState(partner="ITA", year=1999))["top_investors"]
    assert "1999 has no data; showing 2012" in fig.layout.title.text


def test_cumulative_uses_the_labelled_window_and_marks_the_claim():
    fig = views.fdi_view(make_data(), ViewState(partner="ITA"))["cumulative"]
    assert "Sum of annual gross FDI inflows 2005–2012" in fig.layout.title.text
    assert any("USD 4.6 bn" in (a.text or "") for a in fig.layout.annotations)
    claim = [t for t in fig.data if t.name == "Claim (not data)"]
    assert len(claim) == 1 and list(claim[0].x) == [2023] and claim[0].y[0] == pytest.approx(7.6)
    assert any("Claim, not data" in (a.text or "") for a in fig.layout.annotations)


def test_cumulative_window_follows_start_and_end():
    fig = views.fdi_view(make_data(), ViewState(partner="ITA", start=2007, end=2009))["cumulative"]
    assert "2007–2009" in fig.layout.title.text
    running = next(t for t in fig.data if t.name.startswith("Running sum"))
    assert running.y[-1] * 1e9 == pytest.approx((522 + 699 + 685) * 1e6)


def test_cumulative_never_sums_stocks_and_no_usd_claim_on_eur_flows():
    stock = views.fdi_view(make_data(), ViewState(partner="ITA", measure="inward_stock"))[
        "cumulative"
    ]
    assert is_empty(stock) and "never summed" in stock.layout.meta["message"]
    net = views.fdi_view(make_data(), ViewState(partner="ITA", measure="net_inflow"))["cumulative"]
    assert not any(t.name == "Claim (not data)" for t in net.data)
    assert "EUR" in net.layout.title.text


def test_gross_vs_net_puts_each_concept_on_its_own_axis():
    fig = views.fdi_view(make_data(), ViewState(partner="ITA"))["gross_vs_net"]
    gross, net = fig.data
    assert gross.yaxis == "y" and net.yaxis == "y2"
    assert fig.layout.yaxis.title.text == "USD m" and fig.layout.yaxis2.title.text == "EUR m"
    text = text_of(fig)
    assert "Gross FDI inflows, USD m" in text and "Net FDI inflows, EUR m, not converted" in text


def test_world_quarterly_labels_quarters():
    fig = views.fdi_view(make_data(), ViewState(partner="ITA"))["world_quarterly"]
    assert list(fig.data[0].customdata) == ["Q3 2024", "Q4 2024"]
    assert fig.data[0].y[1] == pytest.approx(-1.4941)


def test_missing_data_gives_explicit_messages():
    data = make_data(pd.DataFrame(), pd.DataFrame())
    figs = views.fdi_view(data, ViewState(partner="ITA"))
    assert all(is_empty(f) for f in figs.values())
    other = views.fdi_view(make_data(), ViewState(reporter="UZB", partner="FRA"))
    assert all(is_empty(f) for f in other.values())
    assert "Uzbekistan" in other["over_time"].layout.meta["message"]


def test_figures_are_small():
    for fig in views.fdi_view(make_data(), ViewState(partner="ITA")).values():
        assert len(fig.to_json()) < 50_000

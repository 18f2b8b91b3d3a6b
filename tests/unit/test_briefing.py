"""Briefing sentences, checks, markdown and figures on a small hand-made KAZ–ITA dataset.

The values mirror BNS's 2023 edition (Italy 16.08 bn of a 139.55 bn total) so the sentences read
as the real ones do; the curated facts are the repository's facts.yaml.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from dashboard import briefing, views
from dashboard.data import CleanData
from dashboard.pages import PAGES
from dashboard.state import ViewState
from etl import facts, metrics, paths, periods
from tests.unit.test_figures_fdi import sample_fdi, source_metadata
from tests.unit.test_figures_visas import schengen_rows

BNS = "bns-kz-trade-by-country"
HEADINGS = {key: page.heading for key, page in PAGES.items()}
# partner -> (exports, imports) of Kazakhstan, USD bn
YEARS = {
    2022: {
        "WLD": (84.4, 51.1),
        "CHN": (13.2, 10.9),
        "RUS": (8.8, 17.3),
        "ITA": (13.8537, 1.0544),
        "XCS": (15.0, 20.0),
    },
    2023: {
        "WLD": (78.7, 60.8),
        "CHN": (15.2, 15.6),
        "RUS": (9.0, 17.0),
        "ITA": (14.833, 1.2422),
        "XCS": (14.0, 21.0),
    },
}


def trade_row(partner, flow, value_bn, year):
    start, end = periods.year_period(year)
    value = value_bn * 1e9
    return {
        "source": BNS,
        "reporter": "KAZ",
        "partner": partner,
        "partner_label": partner,
        "partner_is_aggregate": partner in ("WLD", "XCS"),
        "commodity": "TOTAL",
        "flow": flow,
        "basis": "year",
        "period_start": start,
        "period_end": end,
        "value": value,
        "value_original": value / 1e3,
        "unit_original": "thousand USD",
        "currency": "USD",
        "value_usd": value,
        "valuation": "unknown",
        "vintage": "2023 edition",
        "citation": f"Bureau of National Statistics of Kazakhstan (BNS), test file, sheet '{year}'",
        "flag": None,
    }


def make_data(with_trade=True, with_fdi=True, with_visas=True) -> CleanData:
    rows = (
        [
            trade_row(p, flow, v, year)
            for year, partners in YEARS.items()
            for p, (x, m) in partners.items()
            for flow, v in (("export", x), ("import", m), ("turnover", x + m))
        ]
        if with_trade
        else []
    )
    trade = pd.DataFrame(rows)
    shares = metrics.shares(trade) if with_trade else pd.DataFrame()
    growth = metrics.growth(trade) if with_trade else pd.DataFrame()
    fdi = sample_fdi() if with_fdi else pd.DataFrame()
    fdi_cum = (
        metrics.fdi_cumulative(fdi)
        if with_fdi
        else pd.DataFrame(columns=["measure", "host", "investor", "start_year", "end_year"])
    )
    visas = pd.DataFrame(schengen_rows()) if with_visas else pd.DataFrame()
    visa_sum = metrics.visa_summary(visas) if with_visas else pd.DataFrame()
    curated = facts.load(paths.facts_file())
    trade_for_check = (
        trade
        if with_trade
        else pd.DataFrame(
            columns=[
                "source",
                "reporter",
                "partner",
                "flow",
                "basis",
                "period_start",
                "period_end",
                "vintage",
                "value",
                "value_usd",
                "currency",
                "citation",
                "commodity",
            ]
        )
    )
    shares_for_check = (
        shares
        if with_trade
        else pd.DataFrame(
            columns=[
                "source",
                "reporter",
                "flow",
                "basis",
                "period_start",
                "period_end",
                "partner",
                "rank",
                "share",
                "citation",
            ]
        )
    )
    checks = metrics.facts_check(curated, trade_for_check, shares_for_check, fdi_cum, visa_sum)
    frames = {
        "trade": trade,
        "trade_all": trade.assign(derivation="") if with_trade else trade,
        "shares": shares,
        "growth": growth,
        "fdi": fdi,
        "fdi_cumulative": fdi_cum,
        "visas": visas,
        "visa_summary": visa_sum,
        "facts": curated,
        "facts_check": checks,
    }
    return CleanData("0123456789abcdef", "2026-09-05", frames, metadata=source_metadata())


@pytest.fixture(scope="module")
def data() -> CleanData:
    return make_data()


@pytest.fixture(scope="module")
def sentences(data) -> list[briefing.Sentence]:
    return briefing.briefing_sentences(data, ViewState(partner="ITA"))


def find(sentences, pattern) -> briefing.Sentence:
    hits = [s for s in sentences if re.search(pattern, s.text)]
    assert len(hits) == 1, [s.text for s in sentences]
    return hits[0]


def test_rank_and_share_sentence_reads_like_the_release(sentences):
    s = find(sentences, "largest trading partner")
    assert s.text == (
        "Italy is Kazakhstan's 3rd largest trading partner (after China and "
        "Russia), with 11.5% of turnover in 2023 (BNS, 2023 edition)."
    )
    assert s.footnotes[0].source == "Bureau of National Statistics of Kazakhstan (BNS)"
    assert s.footnotes[0].vintage == "2023 edition"
    assert "sheet '2023'" in s.footnotes[0].citation


def test_a_contradicted_claim_is_shown_beside_the_computed_value(sentences):
    s = find(sentences, "largest trading partner")
    assert s.check.status == "contradicted"
    assert s.check.text == (
        "The press release of 25 June 2024 states 14.4% for 2023; BNS data give 11.5%."
    )
    rank = next(c for c in s.checks if c.fact_id == "kaz-ita-rank-2023")
    assert rank.status == "consistent"
    assert rank.computed == "3rd (after China and Russia)"


def test_turnover_sentence_with_exports_imports_and_checks(sentences):
    s = find(sentences, "trade turnover was")
    assert "USD 16.1 bn in 2023" in s.text
    assert "exports USD 14.8 bn" in s.text and "imports USD 1.2 bn" in s.text
    assert {c.fact_id for c in s.checks} == {
        "kaz-ita-turnover-2023",
        "kaz-ita-exports-2023",
        "kaz-ita-imports-2023",
    }
    assert all(c.status == "consistent" for c in s.checks)


def test_change_on_a_year_earlier(sentences):
    s = find(sentences, "^Turnover (rose|fell)")
    assert s.text.startswith("Turnover rose 7.8% on 2022 (USD 14.9 bn)")
    assert "surplus with Italy: USD 13.6 bn" in s.text


def test_fdi_sum_carries_its_window_label_and_the_partial_check(sentences):
    s = find(sentences, "^Gross FDI inflows")
    assert "USD 4.6 bn (Sum of annual gross FDI inflows 2005–2012; UNCTAD)" in s.text
    assert s.check.fact_id == "kaz-ita-fdi-since-2005" and s.check.status == "partial"
    assert "over 7.6 billion US dollars for 2005–2023" in s.check.text
    net = find(sentences, "net FDI inflows")
    assert "EUR 89.3 m in 2021" in net.text and "not converted" in net.text


def test_visa_sentence_names_issuer_place_and_growth(sentences):
    s = find(sentences, "consulates in Kazakhstan issued")
    assert s.text.startswith(
        "Italy's consulates in Kazakhstan issued 25,108 Schengen visas in "
        "2024, +34.8% on 2023; 26,562 applications were lodged"
    )
    assert "by place of application, not by nationality" in s.text
    assert {c.status for c in s.checks} == {"not checkable"}


def test_every_curated_fact_about_the_pair_appears_once(sentences, data):
    shown = [c.fact_id for s in sentences for c in s.checks]
    assert len(shown) == len(set(shown))
    assert set(shown) == set(data.facts["fact_id"])


def test_other_pairs_degrade_gracefully():
    data = make_data()
    none = briefing.briefing_sentences(data, ViewState(reporter="UZB", partner="FRA"))
    assert len(none) == 1 and "hold no official figures" in none[0].text
    visas_only = briefing.briefing_sentences(
        make_data(with_trade=False, with_fdi=False), ViewState(partner="ITA")
    )
    assert visas_only[0].text.startswith("Italy's consulates in Kazakhstan issued")
    # facts about trade and FDI are still listed, as not checkable
    claims = [s for s in visas_only if s.text.startswith("Published")]  # one per topic/period
    assert claims and {c.status for s in claims for c in s.checks} == {"not checkable"}


def test_markdown_numbers_sources_and_shows_the_images(data):
    images = {
        "partner_KAZ-ITA_growth.png": "Kazakhstan–Italy turnover: change",
        "fdi_KAZ-ITA_cumulative.png": "Cumulative [gross] FDI",
    }
    text = briefing.briefing_markdown(data, ViewState(partner="ITA"), images, HEADINGS)
    assert text.startswith("# Briefing: Kazakhstan – Italy\n")
    assert "![Kazakhstan–Italy turnover: change](partner_KAZ-ITA_growth.png)" in text
    assert "![Cumulative (gross) FDI](fdi_KAZ-ITA_cumulative.png)" in text
    assert "### Partner" in text and "### FDI" in text
    refs = re.findall(r"\[\^(\d+)\](?!:)", text)
    notes = re.findall(r"^\[\^(\d+)\]: (.+)$", text, re.M)
    assert sorted(set(refs), key=int) == [n for n, _ in notes]
    assert any("Vintage: 2023 edition." in body for _, body in notes)
    assert "**Contradicted.** The press release of 25 June 2024 states 14.4%" in text
    assert not re.search(r"(\[\^\d+\])\1", text)  # one reference per source per sentence


def test_turnover_figure_annotates_the_latest_year(data):
    fig = views.briefing_view(data, ViewState(partner="ITA"))["turnover"]
    assert [t.name for t in fig.data] == [
        "Kazakhstan's exports",
        "Kazakhstan's imports",
        "Turnover",
    ]
    assert any("USD 16.1 bn" in (a.text or "") and "2023" in a.text for a in fig.layout.annotations)
    assert "USD bn, current prices" in fig.layout.title.text
    # the axis covers the years with data, no empty year either side
    years = [int(x) for x in fig.data[0].x]
    low, high = fig.layout.xaxis.range
    assert min(years) - 1 < low < min(years) and max(years) < high < max(years) + 1


def test_facts_chart_has_one_marker_per_fact_coloured_by_verdict(data):
    fig = views.briefing_view(data, ViewState(partner="ITA"))["facts_check"]
    points = {y: trace.name for trace in fig.data for y in trace.y}
    assert len(points) == len(data.facts)
    assert points["Share of turnover 2023"] == "contradicted"
    assert points["Turnover 2023"] == "consistent"
    assert points["Gross FDI inflows 2005–2023 (sum)"] == "partial"
    share = next(t for t in fig.data if t.name == "contradicted")
    assert share.x[0] == pytest.approx(0.144 / (16.0752 / 139.5422) - 1, abs=1e-3)
    assert "stated 14.4% · data 11.5%" in share.text


def test_figures_without_data_say_why():
    empty = make_data(with_trade=False, with_fdi=False, with_visas=False)
    figs = views.briefing_view(empty, ViewState(reporter="UZB", partner="FRA"))
    assert list(figs) == ["turnover", "facts_check"]
    assert all(f.layout.meta and f.layout.meta["empty"] for f in figs.values())


def test_the_page_lists_every_claim_under_its_sentence_unverified_ones_muted(data):
    """A sentence that exists to hold published claims never stands empty on the page: claims
    the bundled data cannot check are listed, marked 'not checkable'."""
    from dashboard import layout

    block = layout.briefing_block(data, ViewState(partner="ITA"))
    items = block[1].children
    for item in items:
        text = item.children[0].children
        checks = [c for c in item.children[1:] if "check" in (getattr(c, "className", "") or "")]
        if text.startswith("Published"):
            assert checks, text
    shown = [
        c.className
        for item in items
        for c in item.children[1:]
        if "check" in (getattr(c, "className", "") or "")
    ]
    assert "check check-not-checkable" in shown
    assert all(" " not in name.split("check ", 1)[1] for name in shown)


def test_a_euro_figure_gives_its_usd_value_at_the_cited_rates():
    converted = pd.DataFrame(
        {"value_usd": [846.4e6], "fx_basis": ["ECB, USD per EUR, average of 170 daily rates"]}
    )
    assert briefing._in_usd("EUR", converted) == " (USD 846.4 m at ECB average rates)"
    no_rate = pd.DataFrame({"value_usd": [float("nan")], "fx_basis": [None]})
    assert briefing._in_usd("EUR", no_rate) == " (EUR, not converted)"
    assert briefing._in_usd("USD", converted) == ""

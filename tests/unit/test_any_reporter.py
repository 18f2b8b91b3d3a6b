"""The dashboard for any reporter with partner trade (KAZ, KGZ, UZB, RUS): reporter list, default
partner, mirror statistics between national offices, briefing sentences and the audit defects
(6, 7, 13, 15, footnote markers, turnover footnotes, briefing.md structure), on the real data."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from dashboard import briefing, controls, query, views
from dashboard import layout as shell
from dashboard.data import CleanData, Store
from dashboard.state import ViewState
from etl import countries

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def data(clean_dir: Path) -> CleanData:
    return Store(clean_dir).get()


def sentences(data: CleanData, reporter: str, partner: str) -> list[briefing.Sentence]:
    state = controls.resolve("briefing", data, ViewState(reporter=reporter, partner=partner))
    return briefing.briefing_sentences(data, state)


# ---- reporters and default partners ----------------------------------------------------------


def test_the_reporter_list_is_every_reporter_with_partner_trade_and_a_world_total(data) -> None:
    assert query.trade_reporters(data) == ["KAZ", "CHN", "ITA", "KGZ", "RUS", "UZB"]


@pytest.mark.parametrize(
    ("reporter", "top"),
    [
        ("KGZ", "CHN"),  # NSC 2023: China 5.43 bn > Russia 3.01 bn > Kazakhstan 1.31 bn
        ("KAZ", "CHN"),  # BNS 2023: China before Russia and Italy, so ITA is not the default
        ("UZB", "CHN"),
        ("RUS", "CHN"),  # FCS main partners, Jan–Dec 2021 sums of months
    ],
)
def test_the_default_partner_is_the_top_partner_of_the_latest_year(data, reporter, top) -> None:
    assert query.default_partner(data, reporter) == top
    state = shell.state_from_query("partner", data, {"reporter": reporter})
    assert state.partner == top and not state.notices


def test_kgz_top_partner_by_2023_turnover(data) -> None:
    totals = query.annual_partner_totals(data, "KGZ")
    y2023 = totals[totals["year"] == 2023].set_index("partner")["value"]
    assert y2023.idxmax() == "CHN"
    assert y2023["KAZ"] == pytest.approx(449_009_325 + 862_182_567)  # NSC, thousand USD x 1000


def test_an_explicit_partner_survives_a_round_trip(data) -> None:
    state = shell.state_from_query("partner", data, {"reporter": "KAZ", "partner": "ITA"})
    assert state.partner == "ITA"
    assert "partner=ITA" in shell.search(state)


# ---- pages with nothing for the reporter -----------------------------------------------------


def test_a_page_without_data_says_so_in_one_sentence_and_is_greyed_in_the_nav(data) -> None:
    gap = query.coverage_gap(data, "fdi", "UZB")
    assert gap.startswith("No FDI by investor for Uzbekistan in the bundled sources; FDI data")
    assert "Kazakhstan (NBK 2005–" in gap and "UNCTAD 2001–2012" in gap
    state = shell.state_from_query("fdi", data, {"reporter": "UZB"})
    cards = shell.chart_cards("fdi", data, state)
    assert len(cards) == 1 and cards[0].children == gap
    fdi = next(link for link in shell.nav_links("overview", state, data) if link.href[:4] == "/fdi")
    assert "nav-empty" in fdi.className and fdi.title == "no data for Uzbekistan"


def test_no_card_holds_an_empty_figure(data) -> None:
    for page, reporter, partner in [
        ("partner", "RUS", "CHN"),
        ("partner", "KGZ", "KAZ"),
        ("fdi", "KGZ", "KAZ"),
    ]:
        state = shell.state_from_query(page, data, {"reporter": reporter, "partner": partner})
        figures = shell.page_figures(page, data, state)
        cards = shell.chart_cards(page, data, state, figures)
        charted = [c for c in cards if getattr(c, "className", "") == "card"]
        for card in charted:
            assert not shell._is_empty(card.children[0].figure), (page, reporter, card)


# ---- mirror statistics -----------------------------------------------------------------------


def test_mirror_table_kaz_kgz_2023(data) -> None:
    rows = query.mirror_table(data, "KAZ", "KGZ")
    imports = rows[(rows["year"] == 2023) & (rows["flow"] == "import")].iloc[0]
    assert imports["reporter_source"] == "bns-kz-trade-by-country"
    assert imports["partner_source"] == "kg-nsc-foreign-trade"
    assert imports["reporter_value"] == pytest.approx(540_959_390, rel=1e-6)  # BNS, CIF
    assert imports["partner_value"] == pytest.approx(449_009_325)  # NSC 449,009.325 thousand
    assert imports["gap"] == pytest.approx(540_959_390 - 449_009_325, rel=1e-6)
    assert imports["gap_pct"] == pytest.approx(0.2048, abs=1e-4)
    assert (imports["reporter_valuation"], imports["partner_valuation"]) == ("CIF", "unknown")
    exports = rows[(rows["year"] == 2023) & (rows["flow"] == "export")].iloc[0]
    assert exports["partner_value"] == pytest.approx(862_182_567)  # NSC imports from KAZ


def test_mirror_table_converts_comext_to_usd(data) -> None:
    rows = query.mirror_table(data, "KAZ", "ITA")
    hit = rows[(rows["year"] == 2023) & (rows["flow"] == "import")].iloc[0]
    assert hit["partner_source"].startswith("eurostat-comext")
    assert hit["partner_value"] == pytest.approx(1.1543e9, rel=1e-3)  # EUR 1.067 bn at ECB rates
    assert hit["partner_how"] == "sum of 12 monthly values"


def test_mirror_cards_on_the_partner_page(data) -> None:
    figs = views.partner_view(data, ViewState(reporter="KGZ", partner="KAZ"))
    table = figs["mirror_table"].data[0]
    assert "NSC" in " ".join(table.cells.values[1]) and "BNS" in " ".join(table.cells.values[3])
    assert "USD 449.01 m" in table.cells.values[2] or "USD 449.01 m" in table.cells.values[4]
    assert figs["mirror_gap"].data  # bars of the gap, %


# ---- briefing for any pair -------------------------------------------------------------------


def test_briefing_kgz_kaz_numbers(data) -> None:
    text = [s.text for s in sentences(data, "KGZ", "KAZ")]
    assert text[0].startswith("Kazakhstan is Kyrgyzstan's 3rd largest trading partner")
    assert "(after China and Russia), with 8.3% of turnover in 2023" in text[0]
    assert text[1] == (
        "Kyrgyzstan–Kazakhstan trade turnover was USD 1.3 bn in 2023 (Kyrgyzstan's exports "
        "USD 449.0 m, imports USD 862.2 m); NSC Kyrgyzstan, current prices."
    )
    assert text[2].startswith("Turnover rose 11.0% on 2022 (USD 1.2 bn)")
    assert "deficit with Kazakhstan: USD 413.2 m" in text[2]


def test_briefing_rus_chn_says_share_not_computable_and_what_follows_2021(data) -> None:
    text = [s.text for s in sentences(data, "RUS", "CHN")]
    assert "share not computable: FCS Russia publishes no total for these 29 partners" in text[0]
    assert text[1].startswith("Russia–China trade turnover was USD 141.6 bn in 2021")
    after = next(t for t in text if "only to 2021" in t)
    assert "continents" in after and "Jan–Apr 2024" in after


def test_turnover_cites_the_export_and_import_sheets(data) -> None:
    turnover = sentences(data, "KGZ", "KAZ")[1]
    cited = " ".join(n.text for n in turnover.footnotes)
    assert "exports_by_country" in cited and "imports_by_country" in cited


# ---- audit defects ---------------------------------------------------------------------------


def test_audit_7_facts_about_the_pair_match_either_direction(data) -> None:
    state = controls.resolve("briefing", data, ViewState(reporter="ITA", partner="KAZ"))
    checks = briefing.fact_checks(data, state)
    assert {c.fact_id for _, c in checks} >= {
        "kaz-ita-share-2023",
        "ita-kaz-visas-growth-2024-jan-may",
    }
    chart = views.briefing_view(data, state)["facts_check"]
    assert "No curated published figures" not in str(chart.layout.annotations)


def test_a_source_is_marked_once_per_sentence(data) -> None:
    state = controls.resolve("briefing", data, ViewState(reporter="KAZ", partner="ITA"))
    block = shell.briefing_block(data, state)
    for item in block[1].children:
        marks = [c.children.children for c in item.children if type(c).__name__ == "Sup"]
        assert len(marks) == len(set(marks)), marks


def test_audit_13_visa_growth_does_not_read_as_growth_from_applications(data) -> None:
    visa = next(s for s in sentences(data, "KAZ", "ITA") if s.topic == "visas")
    assert "from 26,562 applications" not in visa.text
    assert "+34.8% on 2023; 26,562 applications were lodged" in visa.text


def test_audit_15_visa_footnote_cites_the_consulates_in_the_country(data) -> None:
    visa = next(s for s in sentences(data, "KAZ", "ITA") if s.topic == "visas")
    v = data.frames["visas"]
    rows = v[(v["issuer"] == "ITA") & (v["period_start"] == pd.Timestamp(2024, 1, 1))]
    in_kaz = set(rows.loc[rows["consulate_country"] == "KAZ", "location"].astype(str))
    elsewhere = set(rows.loc[rows["consulate_country"] != "KAZ", "location"].astype(str))
    cited = visa.footnotes[0].text
    assert any(loc in cited for loc in in_kaz)
    assert not any(loc in cited for loc in elsewhere - in_kaz)


def test_briefing_md_puts_each_claim_under_its_own_topic(data) -> None:
    state = controls.resolve("briefing", data, ViewState(reporter="KAZ", partner="ITA"))
    md = briefing.briefing_markdown(data, state, {}, {})
    bullets = md.split("\n- ")
    eurostat = next(b for b in bullets if "Jan–Aug 2024" in b)
    assert "Jan–Apr 2024" not in eurostat  # BNS Jan–Apr claims are not under Eurostat Jan–Aug
    assert any(b.startswith("Published trade figures for Jan–Apr 2024") for b in bullets)
    assert "### Trade" in md and "### Visas" in md
    for line in md.splitlines():
        refs = re.findall(r"\[\^(\d+)\]", line.split("]:")[0] if line.startswith("[^") else line)
        assert len(refs) == len(set(refs)), line


def test_audit_6_partner_groups_say_what_the_publisher_means() -> None:
    assert countries.label("XRW") == "Countries outside the CIS"
    assert countries.label("XNE") == "CIS members outside the EAEU"

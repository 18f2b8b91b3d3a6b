"""Issue 12: every chart says the period its data end with and the source's edition, never the
day the ETL ran; a page whose newest data are over 18 months old says so at the top."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dashboard import layout, views
from dashboard.data import CleanData, Store
from dashboard.figures.common import data_note, stale_sentence
from dashboard.state import ViewState


def footnote(fig) -> str:
    notes = [a.text for a in fig.layout.annotations if str(a.text).startswith("Source:")]
    assert notes, "chart without a source footnote"
    return notes[0]


def test_stale_sentence_counts_from_an_injected_today() -> None:
    today = date(2026, 12, 2)
    assert stale_sentence(date(2021, 12, 31), today) == (
        "The newest figures on this page end in Dec 2021 — 5 years ago."
    )
    assert stale_sentence(date(2025, 1, 31), date(2026, 12, 2)) == (
        "The newest figures on this page end in Jan 2025 — 23 months ago."
    )
    # 18 months or less: current enough, nothing said
    assert stale_sentence(date(2025, 6, 30), today) == ""
    assert stale_sentence(date(2023, 12, 31), date(2025, 6, 1)) == ""
    assert stale_sentence(None, today) == ""


def test_data_note_names_the_end_and_the_edition() -> None:
    note = data_note(date(2012, 12, 31), ["2014 edition (data 2001-2012)"])
    assert note == "data to Dec 2012 · edition: 2014 edition (data 2001-2012)"
    assert data_note(None, []) == ""


@pytest.fixture(scope="module")
def data(clean_dir: Path) -> CleanData:
    return Store(clean_dir).get()


@pytest.mark.shared_data
class TestRealData:
    def test_unctad_2014_edition_ends_2012_and_never_carries_a_run_date(
        self, data: CleanData
    ) -> None:
        figs = views.fdi_view(data, ViewState(partner="ITA", measure="gross_inflow"))
        note = footnote(figs["over_time"])
        assert "UNCTAD" in note
        assert "data to Dec 2012" in note
        assert "2014 edition" in note
        assert data.as_of not in note  # the ETL run date
        assert date.today().isoformat() not in note
        assert figs["over_time"].layout.meta["data_end"] == "2012-12-31"

    def test_bns_chart_states_dec_2023_and_the_2024_release(self, data: CleanData) -> None:
        note = footnote(views.overview_view(data, ViewState())["top_partners"])
        assert note.startswith("Source: BNS, ")
        assert "data to Dec 2023" in note
        assert "2023 edition published 2024-07-25" in note
        assert data.as_of not in note

    def test_a_chosen_year_ends_that_year(self, data: CleanData) -> None:
        figs = views.overview_view(data, ViewState(year=2020))
        assert "data to Dec 2020" in footnote(figs["top_partners"])
        assert "data to Dec 2023" in footnote(figs["totals"])  # the whole series

    def test_page_older_than_18_months_says_so_in_one_line(self, data: CleanData) -> None:
        state = ViewState(partner="ITA", measure="gross_inflow")
        figs = layout.page_figures("fdi", data, state)
        lines = layout.currency_lines("fdi", data, state, figs, today=date(2026, 12, 2))
        texts = [line.children for line in lines]
        # the page's newest chart is NBK's quarterly series (to Mar 2026): not stale
        assert texts == []
        overview = layout.page_figures("overview", data, ViewState())
        lines = layout.currency_lines("overview", data, ViewState(), overview, date(2026, 12, 2))
        texts = [line.children for line in lines]
        assert texts[0] == "The newest figures on this page end in Dec 2023 — 3 years ago."
        assert texts[1].startswith("Kazakhstan: partner data (BNS) end in 2023; monthly totals")

    def test_fresh_page_has_no_stale_line(self, data: CleanData) -> None:
        overview = layout.page_figures("overview", data, ViewState())
        lines = layout.currency_lines("overview", data, ViewState(), overview, date(2024, 6, 1))
        assert lines[0].children.startswith("Kazakhstan: partner data")
        assert len(lines) == 1

    def test_footer_keeps_the_run_date_as_etl_run(self, data: CleanData) -> None:
        assert f"ETL run {data.as_of}" in layout.footer(data)[0].children

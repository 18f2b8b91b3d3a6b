"""Issue 14: several partners on one chart, and a table of every partner (compare page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import layout, query, views
from dashboard.callbacks.pages import query_from_controls
from dashboard.data import CleanData, Store
from dashboard.ids import Control
from dashboard.pages import PAGES
from dashboard.state import MAX_COMPARE, ViewState, parse

KNOWN = {"KAZ", "ITA", "DEU", "FRA", "EUU", "CHN"}


def test_compare_in_the_url_is_validated_like_other_controls() -> None:
    state = parse({"compare": "ita, DEU,FRA,EUU"}, KNOWN)
    assert state.compare == ("ITA", "DEU", "FRA", "EUU")
    assert state.query() == {"compare": "ITA,DEU,FRA,EUU"}
    assert state.notices == ()
    bad = parse({"compare": "ITA,XXX,<b>,ITA"}, KNOWN)
    assert bad.compare == ("ITA",)
    assert bad.notices == ("Ignored unknown or repeated codes in 'compare'.",)
    assert parse({"compare": ",".join(["ITA"] * 3)}, KNOWN).compare == ("ITA",)
    assert MAX_COMPARE == 8
    assert ViewState().query() == {}  # the default (top partners) stays out of the URL


def test_the_control_writes_a_comma_separated_list() -> None:
    carried = {"reporter": "KAZ"}
    values = {Control.COMPARE: ["ITA", "DEU"]}
    assert query_from_controls(carried, values)["compare"] == "ITA,DEU"


def test_compare_is_a_registered_page() -> None:
    page = PAGES["compare"]
    assert page.path == "/compare"
    assert Control.COMPARE in page.controls


@pytest.mark.shared_data
class TestRealData:
    @pytest.fixture(scope="class")
    @classmethod
    def data(cls, clean_dir: Path) -> CleanData:
        return Store(clean_dir).get()

    def test_one_trace_per_partner_with_distinct_colours(self, data: CleanData) -> None:
        state = layout.state_from_query("compare", data, {"compare": "ITA,DEU,FRA,EUU"})
        fig = views.compare_view(data, state)["partners_compared"]
        names = [t.name for t in fig.data]
        assert names == ["Italy", "Germany", "France", "European Union (group)"]
        colours = [t.line.color for t in fig.data]
        assert len(set(colours)) == 4
        italy = fig.data[0]
        assert dict(zip(italy.x, italy.y, strict=True))[2023] == pytest.approx(16.08, abs=0.01)
        assert "data to Dec 2023" in next(
            a.text for a in fig.layout.annotations if a.text.startswith("Source:")
        )

    def test_default_is_the_reporters_top_four(self, data: CleanData) -> None:
        state = layout.state_from_query("compare", data, {})
        assert query.compare_partners(data, state) == ("CHN", "RUS", "ITA", "KOR")
        fig = views.compare_view(data, state)["partners_compared"]
        assert len(fig.data) == 4

    def test_table_lists_every_partner_with_value_share_rank_growth(self, data: CleanData) -> None:
        state = layout.state_from_query("compare", data, {})
        table = query.partner_table(data, state, "bns-kz-trade-by-country", 2023)
        countries = query.select(
            "shares", data, source="bns-kz-trade-by-country", reporter="KAZ",
            flow="turnover", basis="year",
        )  # fmt: skip
        countries = countries[
            (query.year_of(countries) == 2023)
            & ~countries["partner_is_aggregate"].astype(bool)
            & (countries["partner"] != "WLD")
        ]
        assert len(table) == len(countries) > 150
        italy = table.set_index("partner").loc["ITA"]
        assert (int(italy["rank"]), round(italy["share"], 3)) == (3, 0.115)
        assert italy["value"] == pytest.approx(16_075_483_100, rel=1e-6)
        assert italy["growth"] == pytest.approx(16.0755 / 14.9078 - 1, abs=1e-3)
        block = layout.partner_table_block("compare", data, state)
        grid = block[0].children[2]
        assert len(grid.rowData) == len(table)
        assert grid.defaultColDef["sortable"] is True
        shown = next(r for r in grid.rowData if r["partner"] == "ITA")
        assert (shown["value_bn"], shown["share_pct"], shown["rank"]) == (16.075, 11.52, 3)

"""Overview figures on the real clean data: the numbers a reader of the press release checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import query, views
from dashboard.data import CleanData, Store
from dashboard.state import ViewState

pytestmark = pytest.mark.shared_data
MAX_FIGURE_BYTES = 50_000


@pytest.fixture(scope="module")
def data(clean_dir: Path) -> CleanData:
    return Store(clean_dir).get()


@pytest.fixture(scope="module")
def kaz(data: CleanData) -> dict:
    return views.overview_view(data, ViewState())


def test_default_view_is_kazakhstan_bns_latest_year(data: CleanData) -> None:
    state = ViewState()
    assert query.source_for(data, state) == "bns-kz-trade-by-country"
    assert query.year_for(data, state, "bns-kz-trade-by-country") == 2023


def test_top_partners_2023_are_china_russia_italy_with_rank_and_share(kaz: dict) -> None:
    bar = kaz["top_partners"].data[0]
    assert list(bar.y[:3]) == ["China", "Russia", "Italy"]
    assert bar.x[2] == pytest.approx(16.08, abs=0.01)  # USD bn: the release's "16 billion"
    assert bar.text[2] == "#3 · 11.5%"  # the release claims 14.4%; BNS gives 11.5%
    assert list(bar.x) == sorted(bar.x, reverse=True)
    assert "2023" in kaz["top_partners"].layout.title.text


def test_treemap_groups_the_tail_and_shows_what_no_country_carries(kaz: dict) -> None:
    tiles = kaz["partner_treemap"].data[0]
    labels = list(tiles.labels)
    assert labels[:3] == ["China", "Russia", "Italy"]
    assert any(label.startswith("Other countries") for label in labels)
    # Tiles (USD bn) add up to the World row: 139.6 bn turnover in 2023.
    assert sum(tiles.values) == pytest.approx(139.55, abs=0.05)


def test_share_history_stacks_to_100_percent_every_year(kaz: dict) -> None:
    fig = kaz["share_history"]
    assert fig.data[-1].name == "All other partners"
    assert all(t.stackgroup == "shares" for t in fig.data)
    years = list(fig.data[0].x)
    for i in range(len(years)):
        assert sum(t.y[i] for t in fig.data) == pytest.approx(100, abs=0.01)
    italy = next(t for t in fig.data if t.name == "Italy")
    assert italy.y[years.index(2023)] == pytest.approx(11.52, abs=0.01)


def test_totals_are_the_world_rows(kaz: dict) -> None:
    by_name = {t.name: dict(zip(t.x, t.y, strict=True)) for t in kaz["totals"].data}
    assert by_name["Exports"][2023] == pytest.approx(79.14, abs=0.01)
    assert by_name["Imports"][2023] == pytest.approx(60.41, abs=0.01)
    assert by_name["Turnover"][2023] == pytest.approx(139.55, abs=0.01)


def test_partner_groups_only_on_request_and_never_stacked(data: CleanData) -> None:
    figs = views.overview_view(data, ViewState(aggregates=True))
    bar = figs["top_partners"].data[0]
    assert "European Union" in bar.y and "China" not in bar.y and "World" not in bar.y
    assert all(t.stackgroup is None for t in figs["share_history"].data)  # groups overlap
    countries = views.overview_view(data, ViewState())["top_partners"].data[0]
    assert "European Union" not in countries.y


def test_another_source_falls_back_to_its_latest_year(data: CleanData) -> None:
    state = ViewState(source="imf-dots-annual", year=2023)
    assert "imf-dots-annual" in query.trade_sources(data, "KAZ")
    figs = views.overview_view(data, state)
    assert "2020" in figs["top_partners"].layout.title.text  # DOTS stops in 2020
    assert "IMF" in figs["top_partners"].layout.annotations[-1].text


def test_world_only_sources_are_not_offered(data: CleanData) -> None:
    assert "bns-kz-monthly-trade-totals" not in query.trade_sources(data, "KAZ")


def test_unknown_reporter_says_so_instead_of_empty_axes(data: CleanData) -> None:
    figs = views.overview_view(data, ViewState(reporter="ATA"))
    assert figs["top_partners"].layout.meta["empty"] is True


@pytest.mark.parametrize("flow", ["turnover", "export", "import"])
def test_every_chart_is_small_and_names_title_unit_source_and_date(data, flow) -> None:
    for name, fig in views.overview_view(data, ViewState(flow=flow)).items():
        assert len(fig.to_json()) <= MAX_FIGURE_BYTES, name
        assert fig.layout.title.text, name
        assert "bn" in fig.layout.title.text or "%" in fig.layout.title.text, name
        notes = [a.text for a in fig.layout.annotations if a.text.startswith("Source:")]
        assert notes and "data to " in notes[0], name

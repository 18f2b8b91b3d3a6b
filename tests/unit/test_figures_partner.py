"""Partner figures on the real clean data: Kazakhstan–Italy as the press release describes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import views
from dashboard.data import CleanData, Store
from dashboard.state import ViewState

pytestmark = pytest.mark.shared_data
MAX_FIGURE_BYTES = 50_000


@pytest.fixture(scope="module")
def data(clean_dir: Path) -> CleanData:
    return Store(clean_dir).get()


@pytest.fixture(scope="module")
def ita(data: CleanData) -> dict:
    return views.partner_view(data, ViewState())


def series(fig, name: str) -> dict:
    trace = next(t for t in fig.data if t.name == name)
    return dict(zip(trace.x, trace.y, strict=True))


def test_flows_2023_match_bns_and_the_release(ita: dict) -> None:
    fig = ita["flows"]
    assert series(fig, "Turnover")[2023] == pytest.approx(16.08, abs=0.01)
    assert series(fig, "Exports")[2023] == pytest.approx(14.83, abs=0.01)
    assert series(fig, "Imports")[2023] == pytest.approx(1.24, abs=0.01)
    assert series(fig, "Balance")[2023] == pytest.approx(14.83 - 1.24, abs=0.01)
    assert "BNS" in fig.layout.annotations[-1].text


def test_growth_bars_compare_with_the_previous_year(ita: dict) -> None:
    bars = dict(zip(ita["growth"].data[0].x, ita["growth"].data[0].y, strict=True))
    assert bars[2023] == pytest.approx(7.83, abs=0.01)  # 16.08 vs 14.91 bn
    assert 2018 not in bars  # no 2017 to compare with


def test_ytd_says_explicitly_that_only_annual_partner_data_exist(ita: dict) -> None:
    meta = ita["ytd"].layout.meta
    assert meta["empty"] is True
    assert "Only annual figures" in meta["message"]
    assert "World" in meta["message"]  # and where monthly figures do exist


def test_ytd_for_the_world_uses_bns_monthly_totals(data: CleanData) -> None:
    fig = views.partner_view(data, ViewState(partner="WLD"))["ytd"]
    current, previous = fig.data[1], fig.data[0]
    assert current.name.startswith("Jan–") and previous.name.startswith("Jan–")
    assert int(current.name[-4:]) == int(previous.name[-4:]) + 1
    assert current.name[:-5] == previous.name[:-5]  # the same months
    turnover = dict(zip(current.x, current.y, strict=True))["Turnover"]
    exports = dict(zip(current.x, current.y, strict=True))["Exports"]
    imports = dict(zip(current.x, current.y, strict=True))["Imports"]
    assert turnover == pytest.approx(exports + imports, abs=0.001)
    assert "BNS monthly" in fig.layout.annotations[-1].text


def test_cagr_over_the_chosen_window(data: CleanData, ita: dict) -> None:
    bars = dict(zip(ita["cagr"].data[0].y, ita["cagr"].data[0].x, strict=True))
    expected = ((16_075_483.1 / 13_219_793.7) ** (1 / 5) - 1) * 100  # BNS 2023 / 2018
    assert bars["Turnover"] == pytest.approx(expected, abs=0.01)
    narrow = views.partner_view(data, ViewState(start=2020, end=2023))["cagr"]
    assert "2020–2023" in narrow.layout.title.text
    backwards = views.partner_view(data, ViewState(start=2023, end=2020))["cagr"]
    assert "start year before the end year" in backwards.layout.meta["message"]


def test_rank_and_share_over_time(ita: dict) -> None:
    fig = ita["rank_share"]
    assert series(fig, "Share, %")[2023] == pytest.approx(11.52, abs=0.01)
    assert series(fig, "Rank")[2023] == 3


def test_mirror_gap_only_between_same_currency_series(ita: dict) -> None:
    fig = ita["mirror_imports"]
    eurostat = next(t for t in fig.data if "Eurostat" in t.name)
    assert eurostat.yaxis != "y"  # its own panel and axis: EUR
    assert "EUR" in " ".join(a.text for a in fig.layout.annotations)
    gaps = [t for t in fig.data if t.name.startswith("Gap")]
    assert gaps and all("Eurostat" not in t.name for t in gaps)
    assert "No gap is computed for EUR" in " ".join(a.text for a in fig.layout.annotations)
    # IMF: Italy's declared exports vs Kazakhstan's declared imports, 2020.
    italy = series(fig, "Italy's exports (IMF DOTS)")[2020]
    kazakh = series(fig, "Kazakhstan's imports (IMF DOTS)")[2020]
    assert series(fig, gaps[0].name)[2020] == pytest.approx((italy / kazakh - 1) * 100, abs=0.05)


def test_mirror_without_a_partner_file_says_why(data: CleanData) -> None:
    fig = views.partner_view(data, ViewState(partner="KOR"))["mirror_exports"]
    assert fig.layout.meta["empty"] is True
    assert "South Korea" in fig.layout.meta["message"]


def test_same_reporter_and_partner_is_refused_politely(data: CleanData) -> None:
    figs = views.partner_view(data, ViewState(partner="KAZ"))
    assert all(f.layout.meta["empty"] for f in figs.values())


@pytest.mark.parametrize("who", ["ITA", "CHN", "WLD", "EUU"])
def test_every_chart_is_small_and_sourced(data: CleanData, who: str) -> None:
    for name, fig in views.partner_view(data, ViewState(partner=who)).items():
        assert len(fig.to_json()) <= MAX_FIGURE_BYTES, name
        assert fig.layout.title.text, name
        if not (fig.layout.meta or {}).get("empty"):
            notes = [a.text for a in fig.layout.annotations if a.text.startswith("Source:")]
            assert notes and "Data as of" in notes[0], name

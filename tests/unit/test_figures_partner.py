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
    return views.partner_view(data, ViewState(partner="ITA"))


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


def test_ytd_uses_the_partners_monthly_figures_when_the_reporter_has_only_annual(
    ita: dict,
) -> None:
    """Issue 14 item 3: BNS publishes KAZ–ITA only by year; Italy's Comext months give Jan–Aug."""
    fig = ita["ytd"]
    assert not (fig.layout.meta or {}).get("empty")
    title = fig.layout.title.text
    assert "Jan–Aug 2024 vs Jan–Aug 2023, as declared by Italy" in title
    assert "partner-declared: Italy's exports to Kazakhstan (Eurostat Comext)" in title
    previous, current = fig.data
    # Comext, Italy's exports to Kazakhstan, EUR: Jan–Aug 2024 780.9 m vs 679.4 m (+14.9%)
    assert dict(zip(current.x, current.y, strict=True))["Imports"] == pytest.approx(
        0.7809, abs=1e-4
    )
    assert dict(zip(previous.x, previous.y, strict=True))["Imports"] == pytest.approx(
        0.6794, abs=1e-4
    )
    assert "(+14.9%)" in current.text[0]


def test_ytd_without_monthly_figures_from_either_side_says_so(data: CleanData) -> None:
    meta = views.partner_view(data, ViewState(partner="KOR"))["ytd"].layout.meta
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
    narrow = views.partner_view(data, ViewState(partner="ITA", start=2020, end=2023))["cagr"]
    assert "2020–2023" in narrow.layout.title.text
    backwards = views.partner_view(data, ViewState(partner="ITA", start=2023, end=2020))["cagr"]
    assert "start year before the end year" in backwards.layout.meta["message"]


def test_rank_and_share_over_time(ita: dict) -> None:
    fig = ita["rank_share"]
    assert series(fig, "Share, %")[2023] == pytest.approx(11.52, abs=0.01)
    assert series(fig, "Rank")[2023] == 3


def test_mirror_compares_comext_converted_to_usd(data: CleanData) -> None:
    """Issue 14 item 1: KAZ–DEU imports: years on both panels, a USD gap with Comext."""
    fig = views.partner_view(data, ViewState(partner="DEU"))["mirror_imports"]
    comext = next(t for t in fig.data if "Eurostat Comext" in t.name and t.type == "scatter")
    assert "converted at ECB monthly average rates" in comext.name
    assert {t.xaxis for t in fig.data} == {"x", "x2"}  # one column: one currency, USD
    assert fig.layout.yaxis.title.text == "USD bn"
    assert fig.layout.xaxis.showticklabels is True  # the top panel keeps its year labels
    assert list(fig.layout.xaxis.range) == pytest.approx([2004 - 0.6, 2023 + 0.6])
    assert list(fig.layout.xaxis2.range) == list(fig.layout.xaxis.range)
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "No pair of series" not in notes and "ECB monthly average" in notes
    # Germany's 2023 exports to Kazakhstan: EUR 3.218 bn = USD 3.478 bn at ECB monthly rates;
    # BNS: Kazakhstan's imports from Germany USD 3.033 bn.
    assert series(fig, comext.name)[2023] == pytest.approx(3.4777, abs=1e-3)
    gap = series(fig, "Gap: Germany (Eurostat Comext) vs Kazakhstan (BNS)")
    assert gap[2023] == pytest.approx((3.4777 / 3.0333 - 1) * 100, abs=0.1)


def test_mirror_gap_series_are_told_apart(ita: dict) -> None:
    """Issue 14 item 8: two gaps in the ITA mirror chart: distinct swatches, side by side."""
    fig = ita["mirror_imports"]
    gaps = [t for t in fig.data if t.name.startswith("Gap")]
    assert len(gaps) == 2
    swatches = {(g.marker.color, g.marker.pattern.shape) for g in gaps}
    assert len(swatches) == 2
    assert fig.layout.barmode == "group"
    # IMF: Italy's declared exports vs Kazakhstan's declared imports, 2020.
    italy = series(fig, "Italy's exports (IMF DOTS)")[2020]
    kazakh = series(fig, "Kazakhstan's imports (IMF DOTS)")[2020]
    imf = next(g for g in gaps if "IMF" in g.name)
    assert series(fig, imf.name)[2020] == pytest.approx((italy / kazakh - 1) * 100, abs=0.05)


def test_rank_axis_labels_a_few_ranks_not_every_one(data: CleanData) -> None:
    """Issue 14 item 9: the USA ranks 9th–12th: ticks 1, 5, 10 in the ~100 px rank panel."""
    fig = views.partner_view(data, ViewState(partner="USA"))["rank_share"]
    assert tuple(fig.layout.yaxis2.tickvals) == (1, 5, 10)


def test_share_line_in_the_partners_colour_and_labels_at_one_size(ita: dict) -> None:
    """Issue 14 items 2 and 14: Italy is green everywhere; growth labels have one size."""
    from dashboard.theme import FIXED, NEGATIVE, POSITIVE

    share = next(t for t in ita["rank_share"].data if t.name == "Share, %")
    assert share.line.color == FIXED["ITA"]
    growth = ita["growth"]
    assert growth.layout.uniformtext.mode == "show" and growth.layout.uniformtext.minsize == 11
    assert set(growth.data[0].marker.color) == {POSITIVE, NEGATIVE}


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
            assert notes and "data to " in notes[0], name

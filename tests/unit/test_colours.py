"""One colour per country: never two countries alike in one chart, the same country alike
everywhere (issue 14 item 2), on every page for the reporters in the clean data."""

from __future__ import annotations

import itertools
from pathlib import Path

import plotly.graph_objects as go
import pytest

from dashboard import layout
from dashboard.data import CleanData, Store
from dashboard.pages import PAGES
from dashboard.theme import FIXED, MIN_DELTA_E, delta_e, partner_colour
from etl import countries

REPORTERS = ("KAZ", "ITA", "RUS", "KGZ", "UZB")
# Each reporter's default view, plus views with partner breakdowns the default lacks (Russia's
# FCS has partners to 2021 only) and with the IMF's long partner lists.
VIEWS = [
    *({"reporter": r} for r in REPORTERS),
    {"reporter": "RUS", "year": "2021"},
    {"reporter": "RUS", "source": "imf-dots-annual", "year": "2020"},
    {"reporter": "KAZ", "source": "imf-dots-annual", "year": "2020", "flow": "import"},
    {"reporter": "UZB", "flow": "export"},
]


def country_colours(fig: go.Figure, names: dict[str, str]) -> dict[str, set[str]]:
    """Country code -> the colours it is drawn in, from bars/tiles (one colour per point) and
    lines or single-colour traces named after a country."""
    seen: dict[str, set[str]] = {}

    def add(label: object, colour: object) -> None:
        code = names.get(str(label))
        if code is not None and isinstance(colour, str):
            seen.setdefault(code, set()).add(colour.upper())

    for trace in fig.data:
        marker = getattr(trace, "marker", None)
        per_point = getattr(marker, "color", None) if marker is not None else None
        if per_point is None and trace.type == "treemap":
            per_point = marker.colors
        labels = None
        if trace.type == "treemap":
            labels = trace.labels
        elif getattr(trace, "orientation", None) == "h":
            labels = trace.y
        elif getattr(trace, "x", None) is not None:
            labels = trace.x
        if isinstance(per_point, tuple | list) and labels is not None:
            for label, colour in zip(labels, per_point, strict=False):
                add(label, colour)
            continue
        line = getattr(trace, "line", None)
        single = getattr(line, "color", None) if line is not None else None
        add(trace.name, single or per_point)
    return seen


@pytest.fixture(scope="module")
def data(clean_dir: Path) -> CleanData:
    return Store(clean_dir).get()


@pytest.fixture(scope="module")
def names(data: CleanData) -> dict[str, str]:
    codes = {str(c) for c in data.trade_all["partner"].unique()}
    return {countries.label(c): c for c in codes if c != "WLD" and not countries.is_aggregate(c)}


def test_fixed_table_and_extra_pool_never_repeat_a_colour() -> None:
    from dashboard.theme import EXTRA

    every = [*FIXED.values(), *EXTRA]
    assert len(every) == len(set(every))
    assert len(FIXED) >= 40
    assert partner_colour("ITA") == FIXED["ITA"]


def test_countries_outside_the_table_get_distinct_colours_within_a_figure() -> None:
    from dashboard.figures.common import colours
    from dashboard.theme import partner_colours

    # 30 codes outside FIXED: their hashes collide, the assignment must not.
    codes = ["ALB", "DZA", "AGO", "ARG", "BGD", "BRB", "BEN", "BOL", "BIH", "BWA", "BGR", "BFA",
             "KHM", "CMR", "CPV", "CHL", "COL", "CRI", "HRV", "CUB", "CYP", "CZE", "DNK", "DOM",
             "ECU", "EGY", "EST", "ETH", "GEO", "GHA", "ITA", "CHN"]  # fmt: skip
    assigned = partner_colours(codes)
    assert len(set(assigned.values())) == len(codes)
    # 32 colours cannot all stay MIN_DELTA_E apart; the first 12 (a top-12 chart) do
    first = [assigned[c] for c in codes[:12]]
    assert min(delta_e(a, b) for a, b in itertools.combinations(first, 2)) >= MIN_DELTA_E
    assert assigned["ITA"] == FIXED["ITA"] and assigned["CHN"] == FIXED["CHN"]
    assert colours(["EUU", "ITA"])[1] == FIXED["ITA"]


def test_italys_overview_no_longer_paints_china_switzerland_and_belgium_alike(
    data: CleanData, names: dict[str, str]
) -> None:
    state = layout.state_from_query("overview", data, {"reporter": "ITA"})
    seen = country_colours(layout.page_figures("overview", data, state)["top_partners"], names)
    assert {"CHN", "CHE", "BEL"} <= set(seen)
    assert len({min(seen[c]) for c in ("CHN", "CHE", "BEL")}) == 3


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: "-".join(v.values()))
def test_no_two_countries_share_a_colour_in_any_chart(
    data: CleanData, names: dict[str, str], view: dict[str, str]
) -> None:
    reporter = view["reporter"]
    everywhere: dict[str, set[str]] = {}
    drawn = 0
    for page in PAGES:
        state = layout.state_from_query(page, data, view)
        for chart, fig in layout.page_figures(page, data, state).items():
            seen = country_colours(fig, names)
            drawn += len(seen)
            owners: dict[str, str] = {}
            for code, cols in seen.items():
                for colour in cols:
                    other = owners.setdefault(colour, code)
                    assert other == code, f"{page}/{chart} for {reporter}: {other} and {code}"
            # and no two look alike (Kazakhstan's and Türkiye's blues once did)
            for (a, one), (b, two) in itertools.combinations(owners.items(), 2):
                assert delta_e(a, b) >= MIN_DELTA_E, f"{page}/{chart}: {one} {a} ~ {two} {b}"
            for code, cols in seen.items():
                everywhere.setdefault(code, set()).update(cols)
    assert drawn >= 10, f"{view}: too few countries drawn for the check to mean anything"
    # a country in the fixed table is drawn in its own colour wherever it appears as itself,
    # except where a look-alike ranks above it in the same chart
    kept = [FIXED[c].upper() in cols for c, cols in everywhere.items() if c in FIXED]
    assert sum(kept) >= 0.9 * len(kept), (reporter, everywhere)


def test_kazakhstan_and_turkiye_look_different_on_kyrgyzstans_overview() -> None:
    from dashboard.theme import partner_colours

    top = ["CHN", "RUS", "KAZ", "CHE", "UZB", "TUR", "KOR", "USA", "DEU", "JPN"]
    got = partner_colours(top)
    assert delta_e(got["KAZ"], got["TUR"]) >= MIN_DELTA_E
    assert got == {c: FIXED[c] for c in top}  # chosen so that none of them has to move

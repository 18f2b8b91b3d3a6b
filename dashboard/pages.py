"""The one page registry: every page's path, names, controls, view function and text block.

The app registers these pages in this order, the top nav lists them, the callbacks and the
controls read their controls from here, and the export offers them. Adding a page = one entry
here + its view in dashboard/views.py + its figures module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go

from dashboard import query, views
from dashboard.data import CleanData
from dashboard.ids import Control
from dashboard.state import ViewState

C = Control


@dataclass(frozen=True)
class Page:
    key: str
    path: str
    name: str  # the nav link
    title: str
    description: str
    heading: str  # section heading of its charts in the briefing pack
    controls: tuple[Control, ...]  # in display order; other ViewState fields ride along
    view: Callable[[CleanData, ViewState], dict[str, go.Figure]]
    text: bool = False  # a prose block (the briefing's sentences) above the charts
    pair: bool = True  # about a reporter x partner pair (else the reporter alone)
    partners: frozenset[str] = frozenset({"trade"})  # data whose partners the control offers
    years: str = "pair"  # what the year controls offer: see query.years
    trade: bool = False  # needs a reporter with partner trade and a trade source
    year_required: bool = False  # the charts need one year: "latest" is resolved to it
    window_required: bool = False  # the charts need both window ends: default = whole series
    one_flow_charts: frozenset[str] = frozenset()  # charts of the selected flow only
    flows: tuple[str, ...] | None = None  # what the flow control offers (None = every flow)


PAGES: dict[str, Page] = {
    page.key: page
    for page in (
        Page(
            "overview",
            "/",
            "Overview",
            "Trade overview",
            "A reporter's trade with all partners: top partners, shares, totals.",
            "Overview",
            (C.REPORTER, C.YEAR, C.FLOW, C.SOURCE, C.AGGREGATES),
            views.overview_view,
            pair=False,
            years="reporter",
            trade=True,
            year_required=True,
            one_flow_charts=frozenset({"top_partners", "partner_treemap", "share_history"}),
        ),
        Page(
            "partner",
            "/partner",
            "Partner",
            "Bilateral trade",
            "One partner over time: flows, growth, CAGR, rank, mirror figures.",
            "Partner",
            (C.REPORTER, C.PARTNER, C.FLOW, C.SOURCE, C.START, C.END),
            views.partner_view,
            trade=True,
            window_required=True,
            one_flow_charts=frozenset({"growth", "rank_share"}),
        ),
        Page(
            "compare",
            "/compare",
            "Compare",
            "Partners compared",
            "Several partners side by side, and every partner in a sortable table.",
            "Partners compared",
            (C.REPORTER, C.COMPARE, C.FLOW, C.SOURCE, C.YEAR),
            views.compare_view,
            pair=False,
            years="reporter",
            trade=True,
            year_required=True,
            one_flow_charts=frozenset({"partners_compared"}),
        ),
        Page(
            "products",
            "/products",
            "Products",
            "What is traded",
            "A reporter's trade by product: composition, growth, what changed, concentration.",
            "Products",
            (C.REPORTER, C.FLOW, C.LEVEL, C.YEAR),
            views.products_view,
            pair=False,
            years="products",
            year_required=True,
            flows=query.PRODUCT_FLOWS,
            one_flow_charts=frozenset(
                {
                    "composition_treemap",
                    "composition_bars",
                    "growth",
                    "what_changed",
                    "share_history",
                    "concentration_products",
                    "concentration_partners",
                }
            ),
        ),
        Page(
            "fdi",
            "/fdi",
            "Investment",
            "Foreign direct investment",
            "FDI from the partner: flows, cumulative sums and stocks, never mixed.",
            "FDI",
            (C.REPORTER, C.PARTNER, C.MEASURE, C.YEAR, C.START, C.END),
            views.fdi_view,
            partners=frozenset({"trade", "fdi"}),
            years="fdi",
        ),
        Page(
            "visas",
            "/visas",
            "Visas",
            "Visas",
            "Visas issued by the partner's consulates and to the reporter's nationals.",
            "Visas",
            (C.REPORTER, C.PARTNER, C.VISA_MEASURE, C.YEAR),
            views.visas_view,
            partners=frozenset({"trade", "visas"}),
            years="visas",
        ),
        Page(
            "briefing",
            "/briefing",
            "Briefing",
            "Briefing",
            "Key figures in sentences, each with its source; published claims "
            "checked against the data.",
            "Briefing",
            (C.REPORTER, C.PARTNER, C.YEAR),
            views.briefing_view,
            text=True,
            partners=frozenset({"trade", "fdi", "visas"}),
        ),
    )
}


def page_figures(page: str, data: CleanData, state: ViewState) -> dict[str, go.Figure]:
    """The page's charts for this view, built once per data version (shared: do not mutate)."""
    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}; pages are {', '.join(PAGES)}")
    view = PAGES[page].view
    return query.memo(data, ("figures", page, state), lambda: view(data, state), view=True)

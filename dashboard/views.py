"""Per-page views: ask the query layer for the rows, hand them to the pure figure builders.

`page_figures(page, data, state)` is the one way to get a page's charts: the app's layout, its
callbacks, the CSV downloads and the batch export all call it, so a chart on screen and an
exported one never differ. Each view returns its charts in order; the keys are stable chart
names used in file names and component ids. Whole views are memoised per data version
(`query.memo`): many users ask for the same few views (KAZ–ITA, the latest year), and building a
page's figures costs tens of milliseconds. Cached figures are shared: callers must not mutate
them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import briefing, query
from dashboard.data import CleanData
from dashboard.figures import briefing as briefing_figures
from dashboard.figures import fdi, overview, partner, visas
from dashboard.figures.common import Context, name, no_data
from dashboard.state import ViewState

Figures = dict[str, go.Figure]


def context(data: CleanData) -> Context:
    return Context(as_of=data.as_of, sources=data.sources)


def overview_view(data: CleanData, state: ViewState) -> Figures:
    ctx = context(data)
    source = query.source_for(data, state)
    if source is None:
        msg = f"No trade data with a World total for {name(state.reporter)}"
        return {"top_partners": no_data(msg, "Top trading partners")}
    year = query.year_for(data, state, source)
    if year is None:
        msg = f"No annual data for {name(state.reporter)} in {ctx.sources.note(source)}"
        return {"top_partners": no_data(msg, "Top trading partners")}
    shares = query.year_shares(data, state, source)
    totals = query.world_totals(data, state.reporter, source)
    return {
        "top_partners": overview.top_partners(shares, state, source, year, ctx),
        "partner_treemap": overview.partner_treemap(shares, state, source, year, ctx),
        "share_history": overview.share_history(shares, state, source, year, ctx),
        "totals": overview.totals(totals, state, source, year, ctx),
    }


def partner_view(data: CleanData, state: ViewState) -> Figures:
    ctx = context(data)
    pair = partner.pair(state)
    if state.partner == state.reporter:
        return {"flows": no_data("Choose a partner other than the reporter.", pair)}
    source = query.partner_source(data, state)
    if source is None:
        return {"flows": no_data(f"No {pair} trade in the bundled sources.", f"{pair} trade")}
    span = query.window(data, state, source)
    cagr = (
        query.pair_cagr(data, state, source, *span)
        if span is not None and span[0] < span[1]
        else None
    )
    mirror = {
        flow: query.mirror_series(data, state.reporter, state.partner, flow)
        for flow in ("export", "import")
    }
    return {
        "flows": partner.flows(
            query.annual_flows(data, source, state.reporter, state.partner), state, source, ctx
        ),
        "growth": partner.growth(query.pair_growth(data, state, source), state, source, ctx),
        "ytd": partner.ytd(
            query.pair_ytd(data, state.reporter, state.partner),
            bool(query.world_monthly_sources(data, state.reporter)),
            state,
            ctx,
        ),
        "cagr": partner.cagr(cagr, span, state, source, ctx),
        "rank_share": partner.rank_share(
            query.pair_shares(data, state, source), state, source, ctx
        ),
        "mirror_exports": partner.mirror(mirror["export"], state, "export", ctx),
        "mirror_imports": partner.mirror(mirror["import"], state, "import", ctx),
    }


def fdi_view(data: CleanData, state: ViewState) -> Figures:
    ctx = context(data)
    host, investor, measure = state.reporter, state.partner, state.measure
    rows = query.fdi_annual(data, host, measure)
    source = query.pick_source(rows, investor, state.source)
    chosen = rows[rows["source"] == source] if source is not None else rows
    window = (
        None
        if measure == "inward_stock"
        else query.cumulative_window(
            data, host, investor, measure, state.start, state.end, state.source
        )
    )
    flows = claims = None  # read only when there is a window to draw
    if window is not None:
        flows = query.series(data, host, investor, measure, str(window["source"]))
        claims = query.claims(data, host, investor, measure)
    return {
        "over_time": fdi.over_time(chosen, source, state, ctx),
        "top_investors": fdi.top_investors(chosen, source, state, ctx),
        "cumulative": fdi.cumulative(window, flows, claims, state, ctx),
        "gross_vs_net": fdi.gross_vs_net(
            query.series(data, host, investor, "gross_inflow"),
            query.series(data, host, investor, "net_inflow"),
            state,
            ctx,
        ),
        "world_quarterly": fdi.world_quarterly(
            query.world_quarterly(data, host, state.source), state, ctx
        ),
    }


def visas_view(data: CleanData, state: ViewState) -> Figures:
    ctx = context(data)
    pair = query.schengen_annual(data, state.partner, state.reporter)
    monthly = query.nationality_monthly(data, query.US, state.reporter)
    return {
        "consulates_trend": visas.consulates_trend(pair, state, ctx),
        "issuance_rate": visas.issuance_rate(pair, state, ctx),
        "issued_growth": visas.issued_growth(pair, state, ctx),
        "issuers_compared": visas.issuers_compared(
            query.schengen_annual(data, None, state.reporter), state, ctx
        ),
        "us_monthly": visas.us_monthly(monthly, state, ctx),
        "us_ytd": visas.us_ytd(monthly, query.ytd_comparison(monthly), state, ctx),
    }


def briefing_view(data: CleanData, state: ViewState) -> Figures:
    ctx = context(data)
    source = query.partner_source(data, state)
    flows = query.annual_flows(data, source, state.reporter, state.partner) if source else None
    flows = query.plain(flows) if flows is not None and not flows.empty else pd.DataFrame()
    checks = [c for _, c in briefing.fact_checks(data, state)]
    return {
        "turnover": briefing_figures.turnover(flows, source, state, ctx),
        "facts_check": briefing_figures.facts_chart(checks, state, ctx),
    }

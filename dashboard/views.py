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

import re
from collections.abc import Iterable
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from dashboard import briefing, query
from dashboard.data import CleanData
from dashboard.figures import briefing as briefing_figures
from dashboard.figures import compare as compare_figures
from dashboard.figures import context as world_figures
from dashboard.figures import fdi, overview, partner, visas
from dashboard.figures import mirror as mirror_figures
from dashboard.figures import products as product_figures
from dashboard.figures.common import Context, data_note, name, no_data
from dashboard.state import ViewState

Figures = dict[str, go.Figure]


def context(
    data: CleanData, sources: Iterable[str | None] = (), end: date | None = None
) -> Context:
    """The footnote context of charts drawn from `sources`: the period their data end with
    (`end`, else the newest period the ETL read from those sources) and each source's edition.
    Never the ETL run date: that is in the page footer only."""
    keys = [str(s) for s in dict.fromkeys(sources) if s]
    if end is None:
        ends = [e for e in (data.sources.latest_end(k) for k in keys) if e is not None]
        end = max(ends) if ends else None
    editions = [data.sources.edition(k) for k in keys]
    return Context(as_of=data_note(end, editions), sources=data.sources, data_end=end)


def rows_end(rows: pd.DataFrame | None) -> date | None:
    """The last day of the newest period in `rows` (period_end, else year), or None."""
    if rows is None or rows.empty:
        return None
    if "period_end" in rows:
        last = pd.to_datetime(rows["period_end"]).max()
        return None if pd.isna(last) else last.date()
    if "year" in rows:
        return date(int(rows["year"].max()), 12, 31)
    return None


def dated(figures: Figures, ctx: Context) -> Figures:
    """Mark each chart with the end of its data (layout.meta.data_end), which the page's
    staleness line reads; a chart already marked keeps its own end."""
    for fig in figures.values():
        meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
        if ctx.data_end is not None and not meta.get("empty") and "data_end" not in meta:
            fig.layout.meta = {**meta, "data_end": ctx.data_end.isoformat()}
    return figures


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
    in_year = context(data, [source], rows_end(shares[query.year_of(shares) == year]))
    history = context(data, [source], rows_end(shares))
    whole = context(data, [source], rows_end(totals))
    return {
        **dated(
            {
                "top_partners": overview.top_partners(shares, state, source, year, in_year),
                "partner_treemap": overview.partner_treemap(shares, state, source, year, in_year),
            },
            in_year,
        ),
        **dated(
            {"share_history": overview.share_history(shares, state, source, year, history)},
            history,
        ),
        **dated({"totals": overview.totals(totals, state, source, year, whole)}, whole),
        **_world_context(data, state, year),
    }


def _world_context(data: CleanData, state: ViewState, year: int | None) -> Figures:
    """The reporter's rank and share among all Comtrade reporters; no card when absent."""
    found = query.world_context(data)
    if found is None:
        return {}
    source, rows = found
    shown = world_figures.context_year(rows, state.reporter, year)
    if shown is None:
        return {}
    ctx = context(data, [source], date(shown, 12, 31))
    edition = data.sources.edition(source)
    fig = world_figures.world_rank(
        rows, state.reporter, shown, ctx.sources.note(source), ctx, _month_of(edition)
    )
    return dated({"world_context": fig}, ctx) if fig is not None else {}


def _month_of(text: str) -> str:
    """'Downloaded 2025-04-04' -> 'April 2025' (the first ISO date in an edition text)."""
    match = re.search(r"(\d{4})-(\d{2})-\d{2}", text)
    return date(int(match[1]), int(match[2]), 1).strftime("%B %Y") if match else ""


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
    flows = query.annual_flows(data, source, state.reporter, state.partner)
    ctx = context(data, [source], rows_end(flows))
    mirror_ctx = {flow: _series_context(data, series) for flow, series in mirror.items()}
    pair_products = query.pair_products(data, state.reporter, state.partner)
    products_ctx = rows_context(data, pair_products)
    return {
        **dated(
            {
                "flows": partner.flows(flows, state, source, ctx),
                "growth": partner.growth(
                    query.pair_growth(data, state, source), state, source, ctx
                ),
                "ytd": _partner_ytd(data, state, ctx),
                "cagr": partner.cagr(cagr, span, state, source, ctx),
                "rank_share": partner.rank_share(
                    query.pair_shares(data, state, source), state, source, ctx
                ),
            },
            ctx,
        ),
        **dated(
            {
                "mirror_exports": partner.mirror(
                    mirror["export"], state, "export", mirror_ctx["export"]
                )
            },
            mirror_ctx["export"],
        ),
        **dated(
            {
                "mirror_imports": partner.mirror(
                    mirror["import"], state, "import", mirror_ctx["import"]
                )
            },
            mirror_ctx["import"],
        ),
        **_mirror_asymmetries(data, state, ctx),
        **dated(
            {
                "products": product_figures.pair_composition(
                    pair_products, state.reporter, state.partner, state.flow, products_ctx
                )
            },
            products_ctx,
        ),
    }


def rows_context(data: CleanData, rows: pd.DataFrame | None) -> Context:
    """`context` of charts drawing `rows`: their sources and the newest period among them."""
    if rows is None or rows.empty or "source" not in rows:
        return context(data)
    return context(data, [str(s) for s in rows["source"].unique()], rows_end(rows))


def _series_context(data: CleanData, series: list[dict]) -> Context:
    """`context` of `query.mirror_series` output: its sources, the newest year any series has."""
    years = [int(y) for one in series for y in one["values"].index]
    end = date(max(years), 12, 31) if years else None
    return context(data, [one["source"] for one in series], end)


def _mirror_asymmetries(data: CleanData, state: ViewState, ctx: Context) -> Figures:
    """Both national offices' declarations for the pair: a chart of the gaps and a table."""
    rows = query.mirror_table(data, state.reporter, state.partner)
    return {
        "mirror_gap": mirror_figures.asymmetry_chart(rows, state.reporter, state.partner, ctx),
        "mirror_table": mirror_figures.asymmetry_table(rows, state.reporter, state.partner, ctx),
    }


def _partner_ytd(data: CleanData, state: ViewState, ctx: Context) -> go.Figure:
    """The pair's Jan–X card: the reporter's own months, else the partner's mirror months."""
    world_monthly = bool(query.world_monthly_sources(data, state.reporter))
    own = query.pair_ytd(data, state.reporter, state.partner)
    if own.empty and state.partner != query.WORLD:
        mirrored = query.mirror_ytd(data, state.reporter, state.partner)
        if not mirrored.empty:
            ytd_ctx = rows_context(data, mirrored)
            fig = partner.ytd(mirrored, world_monthly, state, ytd_ctx, declarer=state.partner)
            return dated({"ytd": fig}, ytd_ctx)["ytd"]
    ytd_ctx = rows_context(data, own) if not own.empty else ctx
    return dated({"ytd": partner.ytd(own, world_monthly, state, ytd_ctx)}, ytd_ctx)["ytd"]


def fdi_view(data: CleanData, state: ViewState) -> Figures:
    ctx = context(data)
    host, investor, measure = state.reporter, state.partner, state.measure
    rows = query.fdi_annual(data, host, measure)
    source = query.pick_source(rows, investor, state.source)
    chosen = rows[rows["source"] == source] if source is not None else rows
    ctx = rows_context(data, chosen)
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
    gross = query.series(data, host, investor, "gross_inflow")
    net = query.series(data, host, investor, "net_inflow")
    series = [f for f in (gross, net) if f is not None and not f.empty]
    both_ctx = rows_context(data, pd.concat(series)) if series else ctx
    quarterly = query.world_quarterly(data, host, state.source)
    quarterly_ctx = rows_context(data, quarterly)
    cumulative_ctx = rows_context(data, flows) if flows is not None and len(flows) else ctx
    return {
        **dated(
            {
                "over_time": fdi.over_time(chosen, source, state, ctx),
                "top_investors": fdi.top_investors(chosen, source, state, ctx),
            },
            ctx,
        ),
        **dated(
            {"cumulative": fdi.cumulative(window, flows, claims, state, cumulative_ctx)},
            cumulative_ctx,
        ),
        **dated({"gross_vs_net": fdi.gross_vs_net(gross, net, state, both_ctx)}, both_ctx),
        **dated(
            {"world_quarterly": fdi.world_quarterly(quarterly, state, quarterly_ctx)},
            quarterly_ctx,
        ),
    }


def visas_view(data: CleanData, state: ViewState) -> Figures:
    ctx = context(data)
    pair = query.schengen_annual(data, state.partner, state.reporter)
    monthly = query.nationality_monthly(data, query.US, state.reporter)
    ctx = rows_context(data, pair) if not pair.empty else ctx
    us_ctx = rows_context(data, monthly) if not monthly.empty else ctx
    return dated(
        {
            "consulates_trend": visas.consulates_trend(pair, state, ctx),
            "issuance_rate": visas.issuance_rate(pair, state, ctx),
            "issued_growth": visas.issued_growth(pair, state, ctx),
            "issuers_compared": visas.issuers_compared(
                query.schengen_annual(data, None, state.reporter), state, ctx
            ),
            "us_monthly": dated({"m": visas.us_monthly(monthly, state, us_ctx)}, us_ctx)["m"],
            "us_ytd": dated(
                {"y": visas.us_ytd(monthly, query.ytd_comparison(monthly), state, us_ctx)}, us_ctx
            )["y"],
        },
        ctx,
    )


def briefing_view(data: CleanData, state: ViewState) -> Figures:
    ctx = context(data)
    source = query.partner_source(data, state)
    flows = query.annual_flows(data, source, state.reporter, state.partner) if source else None
    flows = query.plain(flows) if flows is not None and not flows.empty else pd.DataFrame()
    checks = [c for _, c in briefing.fact_checks(data, state)]
    ctx = context(data, [source], rows_end(flows)) if source else ctx
    return dated(
        {
            "turnover": briefing_figures.turnover(flows, source, state, ctx),
            "facts_check": briefing_figures.facts_chart(checks, state, ctx),
        },
        ctx,
    )


def products_view(data: CleanData, state: ViewState) -> Figures:
    """What the reporter trades: one breakdown (flow, level, year: query.product_choice), its
    history in the same classification, and concentration by product and by partner."""
    ctx = context(data)
    reporter = state.reporter
    choice = query.product_choice(data, state)
    if choice is None:
        msg = f"No product breakdown of {name(reporter)}'s trade in the bundled sources"
        return {"composition_treemap": no_data(msg, "Trade by product")}
    flow, year = choice.flow, choice.year
    history = query.product_history(data, reporter, flow, choice.level)
    rows = history[history["year"] == year]
    ctx = rows_context(data, history)
    growth = query.history_growth(data, reporter, flow, choice.level)
    source = query.partner_concentration_source(data, state, flow)
    by_partner = (
        query.partner_concentration(data, reporter, flow, source) if source else pd.DataFrame()
    )
    partner_ctx = context(data, [source], rows_end(by_partner)) if source else ctx
    figures = {
        "composition_treemap": product_figures.composition_treemap(rows, reporter, flow, ctx),
        "composition_bars": product_figures.composition_bars(rows, reporter, flow, ctx),
        "growth": product_figures.growth_by_product(growth, history, year, reporter, flow, ctx),
    }
    if history["year"].nunique() > 1:  # else the growth card says there is one period only
        figures["what_changed"] = product_figures.what_changed(
            growth, history, year, reporter, flow, ctx
        )
        figures["share_history"] = product_figures.share_over_time(
            history, year, reporter, flow, ctx
        )
    return dated(
        {
            **figures,
            "concentration_products": product_figures.product_concentration(
                query.history_concentration(data, reporter, flow, choice.level),
                history,
                reporter,
                flow,
                ctx,
            ),
        },
        ctx,
    ) | dated(
        {
            "concentration_partners": product_figures.partner_concentration(
                by_partner, reporter, flow, source, partner_ctx
            )
        },
        partner_ctx,
    )


def compare_view(data: CleanData, state: ViewState) -> Figures:
    """Several partners of the reporter on one chart (the table of every partner is the
    layout's: `query.partner_table`)."""
    source = query.source_for(data, state)
    if source is None:
        msg = f"No trade data by partner for {name(state.reporter)}"
        return {"partners_compared": no_data(msg, "Partners compared")}
    partners = query.compare_partners(data, state)
    rows = query.compare_series(data, state, source, partners)
    ctx = context(data, [source], rows_end(rows))
    fig = compare_figures.partners_over_time(rows, partners, state, source, ctx)
    return dated({"partners_compared": fig}, ctx)

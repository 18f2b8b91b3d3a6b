"""Overview page: one reporter's trade with all partners, in one year and over time.

Shares and ranks are the rows of `shares` (partner value / the same source's World row, same
vintage); totals are the reporter's World rows. Partner groups (EU, CIS, EAEU...) are shown only
when asked (`state.aggregates`) and never beside or stacked with countries, because they overlap
each other and the countries in them. Pure builders: the rows come from `dashboard.views`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import (
    FLOW_LABEL,
    TOP_WITH_LEGEND,
    Context,
    bn,
    colours,
    finish,
    fmt_amount,
    fmt_pct,
    legend_on_top,
    name,
    no_data,
    place_notes,
    possessive,
)
from dashboard.figures.lean import Bar, Figure, Scatter, Treemap, builds
from dashboard.state import ViewState
from dashboard.theme import FLOW_COLOURS, OTHER_COLOUR
from etl.labels import FLOW_WORD

TOP_N = 10  # bars and treemap tiles
MIN_LABELLED = 0.02  # tiles smaller than this share are too thin to carry a label
STACK_N = 6  # partners in the share-over-time stack; the rest is "Other"


def year_of(frame: pd.DataFrame) -> pd.Series:
    return frame["period_start"].dt.year


def _in_year(shares: pd.DataFrame, year: int) -> pd.DataFrame:
    return shares[year_of(shares) == year]


@builds
def top_partners(
    shares: pd.DataFrame, state: ViewState, source: str, year: int, ctx: Context
) -> go.Figure:
    """Horizontal bars of the top partners (or partner groups), with rank and share labels.

    `shares`: the reporter's share rows of the selected flow, every partner and year.
    """
    rows = _in_year(shares, year)
    groups = state.aggregates
    kind = "partner groups" if groups else "trading partners"
    title = f"{possessive(state.reporter)} top {kind}, {year}"
    if groups:
        rows = rows[rows["partner_is_aggregate"].astype(bool) & (rows["partner"] != "WLD")]
    else:
        rows = rows[~rows["partner_is_aggregate"].astype(bool)]
    if rows.empty:
        return no_data(
            f"{name(state.reporter)}: no {FLOW_WORD[state.flow]} by partner in "
            f"{year} in {ctx.sources.note(source)}",
            title,
        )
    top = rows.sort_values("value", ascending=False).head(TOP_N)
    codes = top["partner"].astype(str).tolist()
    labels = [name(c) for c in codes]
    currency = str(top["currency"].iloc[0])
    ranks = ["" if pd.isna(r) else f"#{int(r)}" for r in top["rank"]]
    text = [f"{r} · {fmt_pct(s)}".strip(" ·") for r, s in zip(ranks, top["share"], strict=True)]
    fig = Figure(
        Bar(
            x=bn(top["value"]).round(4).tolist(),
            y=labels,
            orientation="h",
            text=text,
            textposition="outside",
            cliponaxis=False,
            marker_color=colours(codes),
            customdata=list(zip([fmt_pct(s) for s in top["share"]], ranks, strict=True)),
            hovertemplate=(
                f"<b>%{{y}}</b><br>{FLOW_LABEL[state.flow]} {year}: {currency} "
                f"%{{x:,.2f}} bn<br>Share of {possessive(state.reporter)} total: "
                f"%{{customdata[0]}} %{{customdata[1]}}<br>Source: "
                f"{ctx.sources.short(source)}<extra></extra>"
            ),
            name=FLOW_LABEL[state.flow],
        )
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=f"{currency} bn", rangemode="tozero")
    label = (
        "share of the total with the world; groups overlap (EAEU is part of the CIS), "
        "so shares do not add up"
        if groups
        else "rank and share of the total with the world"
    )
    finish(
        fig,
        title=title,
        subtitle=f"{FLOW_LABEL[state.flow]}, {currency} bn, current prices, {year} · "
        f"labels: {label}",
        source=ctx.sources.note(source),
        as_of=ctx.as_of,
        height=500,
    )
    fig.update_layout(showlegend=False, margin=dict(r=90))
    place_notes(fig, 58)
    return fig


@builds
def partner_treemap(
    shares: pd.DataFrame, state: ViewState, source: str, year: int, ctx: Context
) -> go.Figure:
    """Countries' shares of the World total as tiles; the tail is one 'Other countries' tile."""
    rows = _in_year(shares, year)
    title = f"{possessive(state.reporter)} {FLOW_WORD[state.flow]} by partner country, {year}"
    countries_ = rows[~rows["partner_is_aggregate"].astype(bool)].sort_values(
        "value", ascending=False
    )
    world = rows.loc[rows["partner"] == "WLD", "value"]
    if countries_.empty or world.empty:
        return no_data(
            f"No partner breakdown of {FLOW_WORD[state.flow]} for {name(state.reporter)} in {year}",
            title,
        )
    world_value = float(world.iloc[0])
    currency = str(countries_["currency"].iloc[0])
    top = countries_.head(TOP_N)
    codes = top["partner"].astype(str).tolist()
    labels = [name(c) for c in codes]
    values = top["value"].tolist()
    tile_colours = colours(codes)
    rest = float(countries_["value"].iloc[TOP_N:].sum())
    if rest > 0:
        labels.append(f"Other countries ({len(countries_) - len(top)})")
        values.append(rest)
        tile_colours.append(OTHER_COLOUR)
    unallocated = world_value - float(countries_["value"].sum())
    # BNS and IMF both publish a residual that no country carries; show it rather than let the
    # tiles pretend to add up to the World row.
    # A tile under MIN_LABELLED of the total is too thin for its label: it is named in the
    # subtitle instead of drawn as an unlabelled sliver (Italy's IMF residual, 0.9%).
    unallocated_note = ""
    if unallocated >= MIN_LABELLED * world_value:
        labels.append("Not allocated to a country")
        values.append(unallocated)
        tile_colours.append("#E5E5E5")
    elif unallocated > 0.0005 * world_value:
        unallocated_note = f"; {fmt_pct(unallocated / world_value)} not allocated to a country"
    shares = [v / world_value for v in values]
    fig = Figure(
        Treemap(
            labels=labels,
            parents=[""] * len(labels),
            values=[round(v / 1e9, 4) for v in values],
            marker=dict(colors=tile_colours),
            sort=False,
            pathbar=dict(visible=False),  # one level: the path bar would only take room
            customdata=[
                [fmt_pct(s), fmt_amount(v, currency)] for s, v in zip(shares, values, strict=True)
            ],
            texttemplate="<b>%{label}</b><br>%{customdata[0]}",
            hovertemplate=(
                f"<b>%{{label}}</b><br>{FLOW_LABEL[state.flow]} {year}: "
                f"%{{customdata[1]}}<br>Share of total: %{{customdata[0]}}<br>Source: "
                f"{ctx.sources.short(source)}<extra></extra>"
            ),
            name=FLOW_LABEL[state.flow],
        )
    )
    extra = " (partner groups overlap, so they are never tiles)" if state.aggregates else ""
    finish(
        fig,
        title=title,
        subtitle=f"{FLOW_LABEL[state.flow]}, share of the total with the world, {year}; "
        f"tile size = {currency} bn; top {TOP_N} countries, the rest as Other{extra}"
        f"{unallocated_note}",
        source=ctx.sources.note(source),
        as_of=ctx.as_of,
        height=480,
    )
    fig.update_layout(margin=dict(l=10, r=10))
    place_notes(fig, 8)
    return fig


@builds
def share_history(
    shares: pd.DataFrame, state: ViewState, source: str, year: int, ctx: Context
) -> go.Figure:
    """100% stacked area of the top partners' shares over time, the rest as Other."""
    rows = shares
    rows = rows.assign(year=year_of(rows))
    groups = state.aggregates
    word = "partner groups'" if groups else "partners'"
    title = f"Top {word} shares of {possessive(state.reporter)} {FLOW_WORD[state.flow]}"
    pick = rows[rows["year"] == year]
    if groups:
        pick = pick[pick["partner_is_aggregate"].astype(bool) & (pick["partner"] != "WLD")]
    else:
        pick = pick[~pick["partner_is_aggregate"].astype(bool)]
    if pick.empty:
        return no_data(f"No partner shares for {name(state.reporter)} in {year}", title)
    codes = pick.sort_values("value", ascending=False)["partner"].astype(str).head(STACK_N)
    codes = codes.tolist()
    years = sorted(rows.loc[rows["partner"] == "WLD", "year"].unique())
    wide = (
        rows[rows["partner"].isin(codes)]
        .pivot_table(index="year", columns="partner", values="share", observed=True)
        .reindex(index=years, columns=codes)
    )
    fig = Figure()
    short = ctx.sources.short(source)
    line_colours = dict(zip(codes, colours(codes), strict=True))
    for code in codes:
        values = (wide[code] * 100).round(3)
        fig.add_trace(
            Scatter(
                x=years,
                y=values.tolist(),
                name=name(code),
                mode="lines",
                line=dict(width=0.5 if not groups else 2.5, color=line_colours[code]),
                stackgroup=None if groups else "shares",
                hovertemplate=f"<b>{name(code)}</b> %{{x}}: %{{y:.1f}}% of total · {short}"
                "<extra></extra>",
            )
        )
    if not groups:
        other = (100 - (wide.fillna(0) * 100).sum(axis=1)).clip(lower=0).round(3)
        fig.add_trace(
            Scatter(
                x=years,
                y=other.tolist(),
                name="All other partners",
                mode="lines",
                line=dict(width=0.5, color=OTHER_COLOUR),
                stackgroup="shares",
                hovertemplate="<b>All other partners</b> %{x}: %{y:.1f}% of total"
                f" · {short}<extra></extra>",
            )
        )
        fig.update_yaxes(range=[0, 100])
    fig.update_yaxes(title="% of total", ticksuffix="%")
    fig.update_xaxes(title=None, dtick=1 if len(years) <= 12 else None)
    how = (
        "lines, not stacked: groups overlap"
        if groups
        else f"stacked to 100%; top {STACK_N} partners of {year}, the rest as Other"
    )
    finish(
        fig,
        title=f"{title}, {years[0]}–{years[-1]}",
        subtitle=f"{FLOW_LABEL[state.flow]}, % of the total with the world · {how}",
        source=ctx.sources.note(source),
        as_of=ctx.as_of,
        height=480,
    )
    legend_on_top(fig)
    place_notes(fig, 32, top=TOP_WITH_LEGEND)
    return fig


@builds
def totals(rows: pd.DataFrame, state: ViewState, source: str, year: int, ctx: Context) -> go.Figure:
    """Total turnover, exports and imports with the world over time.

    `rows`: the reporter's World rows, newest vintage per flow and year, with a `year` column.
    """
    title = f"{possessive(state.reporter)} total trade with the world"
    if rows.empty:
        return no_data(f"No World totals for {name(state.reporter)} in {source}", title)
    currency = str(rows["currency"].iloc[0])
    fig = Figure()
    short = ctx.sources.short(source)
    derived = False
    for flow in ("turnover", "export", "import"):
        part = rows[rows["flow"] == flow]
        if part.empty:
            continue
        derived |= bool((part["derivation"].astype(str) != "").any())
        fig.add_trace(
            Scatter(
                x=part["year"].tolist(),
                y=bn(part["value"]).round(4).tolist(),
                name=FLOW_LABEL[flow].split(" (")[0],
                mode="lines+markers",
                line=dict(color=FLOW_COLOURS[flow], width=3 if flow == "turnover" else 2),
                hovertemplate=f"<b>{FLOW_LABEL[flow]}</b> %{{x}}: {currency} %{{y:,.2f}} bn"
                f" · {short}<extra></extra>",
            )
        )
    years = rows["year"].unique()
    fig.add_vline(x=year, line=dict(color="#999", dash="dot", width=1))
    fig.update_yaxes(title=f"{currency} bn", rangemode="tozero")
    fig.update_xaxes(title=None, dtick=1 if len(years) <= 12 else None)
    extra = "turnover = exports + imports (derived)" if derived else ""
    finish(
        fig,
        title=f"{title}, {years.min()}–{years.max()}",
        subtitle=f"{currency} bn, current prices, calendar years (World rows) · dotted line: "
        f"{year}",
        source=ctx.sources.note(source, extra),
        as_of=ctx.as_of,
        height=440,
    )
    legend_on_top(fig)
    place_notes(fig, 32, top=TOP_WITH_LEGEND)
    return fig

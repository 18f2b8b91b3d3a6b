"""FDI page: investment into the host (state.reporter) from the partner and from the World.

Row grain of `data.fdi`: host x investor x measure x period x vintage, `value` in units of
`currency` (USD or EUR; EUR rows have no USD value and stay EUR). Gross inflows, net inflows and
inward stocks are different concepts from different sources (UNCTAD gross USD, wiiw net and
stocks EUR, NBK quarterly net USD for all investors): a chart shows one measure of one source.
Pure builders: the rows come from `dashboard.views`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import (
    MEASURE_LABEL,
    MEASURE_LOWER,
    Context,
    Unit,
    colours,
    empty_figure,
    finish,
    fmt_amount,
    sources_note,
    unit_for,
)
from dashboard.figures.lean import Bar, Figure, Scatter, builds
from dashboard.state import ViewState
from dashboard.theme import NEGATIVE, POSITIVE, partner_colour
from etl import countries, periods

WORLD = "WLD"
TOP_N = 10
MEASURE_NOTE = {
    "gross_inflow": "gross inflows (new investment, before disinvestment)",
    "net_inflow": "net inflows (new investment minus disinvestment; can be negative)",
    "inward_stock": "inward stock (position at year end)",
}
CLAIM_COLOUR = "#D55E00"


def _bar_or_line(
    measure: str,
    x: list,
    y: list,
    name: str,
    colour: str,
    hover: str,
    xaxis: str = "x",
    yaxis: str = "y",
) -> dict:
    if measure == "inward_stock":
        return Scatter(
            x=x,
            y=y,
            name=name,
            mode="lines+markers",
            line=dict(color=colour),
            hovertemplate=hover,
            xaxis=xaxis,
            yaxis=yaxis,
        )
    return Bar(
        x=x, y=y, name=name, marker_color=colour, hovertemplate=hover, xaxis=xaxis, yaxis=yaxis
    )


def _hover(unit: Unit, what: str, source: str, digits: int = 2) -> str:
    return (
        f"%{{x}}<br>{unit.currency} %{{y:,.{digits}f}} {unit.suffix}<br>{what}"
        f"<br>{source}<extra></extra>"
    )


def _two_panels(fig: Figure, top: str, bottom: str, top_unit: str, bottom_unit: str) -> None:
    """Two stacked panels with their own y axes (never one axis for two scales or concepts)."""
    fig.update_layout(
        xaxis=dict(domain=[0, 1], anchor="y", showticklabels=True, dtick=1),
        yaxis=dict(
            domain=[0.58, 1.0], title=dict(text=top_unit), zeroline=True, zerolinecolor="#999"
        ),
        xaxis2=dict(domain=[0, 1], anchor="y2", matches="x", dtick=1),
        yaxis2=dict(
            domain=[0.0, 0.40], title=dict(text=bottom_unit), zeroline=True, zerolinecolor="#999"
        ),
        showlegend=False,
    )
    for text, y in ((top, 1.0), (bottom, 0.40)):
        fig.add_annotation(
            text=f"<b>{text}</b>",
            xref="paper",
            yref="paper",
            x=0,
            y=y,
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            font=dict(size=13, color="#333"),
        )


@builds
def over_time(rows: pd.DataFrame, source: str | None, state: ViewState, ctx: Context) -> go.Figure:
    """The partner's and the World's series of the selected measure, one source, two panels.

    `rows`: the host's annual rows of the measure (every source); `source`: the one to chart.
    """
    host, partner, measure = state.reporter, state.partner, state.measure
    title = (
        f"{MEASURE_LABEL[measure]} into {countries.label(host)} from "
        f"{countries.label(partner)} and from the World"
    )
    if source is None:
        return empty_figure(
            f"No {MEASURE_LOWER[measure]} data for "
            f"{countries.label(host)} as host in the bundled sources.",
            title,
        )
    rows = rows[rows["source"] == source]
    p = rows[rows["investor"] == partner]
    w = rows[rows["investor"] == WORLD]
    if p.empty and w.empty:
        return empty_figure(
            f"{ctx.sources.label(source)} has no {MEASURE_LOWER[measure]} for "
            f"{countries.label(partner)} or the World into "
            f"{countries.label(host)}.",
            title,
        )
    currency = str(rows["currency"].iloc[0])
    years = f"{int(rows['year'].min())}–{int(rows['year'].max())}"
    src = ctx.sources.label(source)
    fig = Figure()
    p_unit = unit_for(p["value"], currency)
    w_unit = unit_for(w["value"], currency)
    if not w.empty and not p.empty:
        fig.add_trace(
            _bar_or_line(
                measure,
                p["year"].tolist(),
                (p["value"] / p_unit.divisor).tolist(),
                countries.label(partner),
                partner_colour(partner),
                _hover(p_unit, f"{MEASURE_LABEL[measure]} from {countries.label(partner)}", src),
            )
        )
        fig.add_trace(
            _bar_or_line(
                measure,
                w["year"].tolist(),
                (w["value"] / w_unit.divisor).tolist(),
                "World",
                partner_colour(WORLD),
                _hover(w_unit, f"{MEASURE_LABEL[measure]} from all investors", src),
                xaxis="x2",
                yaxis="y2",
            )
        )
        _two_panels(
            fig,
            f"From {countries.label(partner)}",
            "From all investors (World)",
            p_unit.text,
            w_unit.text,
        )
    else:
        one, code = (p, partner) if not p.empty else (w, WORLD)
        unit = unit_for(one["value"], currency)
        fig.add_trace(
            _bar_or_line(
                measure,
                one["year"].tolist(),
                (one["value"] / unit.divisor).tolist(),
                countries.label(code),
                partner_colour(code),
                _hover(unit, f"{MEASURE_LABEL[measure]} from {countries.label(code)}", src),
            )
        )
        missing = "the World total" if code == partner else countries.label(partner)
        fig.update_layout(yaxis_title=unit.text, xaxis=dict(dtick=1), showlegend=False)
        fig.add_annotation(
            text=f"{src} has no series for {missing}",
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            showarrow=False,
            font=dict(size=11, color="#555"),
        )
    eur = " — EUR, not converted" if currency == "EUR" else ""
    units = {
        f"{p_unit.text} ({countries.label(partner)})" if len(p) else "",
        f"{w_unit.text} (World)" if len(w) else "",
    } - {""}
    if len({p_unit.text, w_unit.text}) == 1 or p.empty or w.empty:
        units = {(p_unit if len(p) else w_unit).text}
    subtitle = (
        f"{' and '.join(sorted(units))}, current prices{eur}; {MEASURE_NOTE[measure]}; {years}"
    )
    return finish(
        fig,
        title=title,
        subtitle=subtitle,
        source=sources_note(pd.concat([p, w]), ctx.sources),
        as_of=ctx.as_of,
    )


@builds
def top_investors(
    rows: pd.DataFrame, source: str | None, state: ViewState, ctx: Context
) -> go.Figure:
    """The largest investors (countries) in one year, the partner highlighted (rows as in
    `over_time`)."""
    host, partner, measure = state.reporter, state.partner, state.measure
    title = f"Largest investors in {countries.label(host)}: {MEASURE_LOWER[measure]}"
    if source is None:
        return empty_figure(
            f"No {MEASURE_LOWER[measure]} by investor for "
            f"{countries.label(host)} in the bundled sources.",
            title,
        )
    rows = rows[rows["source"] == source]
    year = state.year if state.year in set(rows["year"]) else int(rows["year"].max())
    note = "" if state.year in (None, year) else f" ({state.year} has no data; showing {year})"
    in_year = rows[rows["year"] == year]
    ranked = in_year[~in_year["investor"].map(countries.is_aggregate)].dropna(subset=["value"])
    ranked = ranked.sort_values("value", ascending=False)
    top = ranked.head(TOP_N)
    if partner not in set(top["investor"]) and partner in set(ranked["investor"]):
        top = pd.concat([top, ranked[ranked["investor"] == partner]])
    if top.empty:
        return empty_figure(
            f"{ctx.sources.label(source)} lists no investor countries for {year}.", title
        )
    currency = str(top["currency"].iloc[0])
    unit = unit_for(top["value"], currency)
    top = top.iloc[::-1]  # largest at the top of a horizontal bar chart
    labels = [countries.label(c) for c in top["investor"]]
    values = (top["value"] / unit.divisor).tolist()
    codes = top["investor"].astype(str).tolist()
    # Each country in its own colour (as on every page); the partner stands out by opacity.
    bar_colours = colours(codes)
    src = ctx.sources.label(source)
    fig = Figure(
        Bar(
            x=values,
            y=labels,
            orientation="h",
            marker=dict(
                color=bar_colours,
                opacity=[1.0 if c == partner else 0.4 for c in codes],
                line=dict(color=["#222222" if c == partner else "white" for c in codes], width=1.5),
            ),
            text=[f"{v:,.2f}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=(
                f"%{{y}}<br>{unit.currency} %{{x:,.2f}} {unit.suffix}<br>{year}"
                f"<br>{MEASURE_LABEL[measure]}<br>{src}<extra></extra>"
            ),
        )
    )
    world = in_year[in_year["investor"] == WORLD]["value"]
    world_text = f"; World total {fmt_amount(float(world.iloc[0]), currency)}" if len(world) else ""
    eur = " (EUR, not converted)" if currency == "EUR" else ""
    fig.update_layout(xaxis_title=unit.text + eur, showlegend=False, margin=dict(l=150, r=60))
    subtitle = f"{unit.text}{eur}, {year}{note}; top {TOP_N} investor countries{world_text}"
    return finish(
        fig, title=title, subtitle=subtitle, source=sources_note(top, ctx.sources), as_of=ctx.as_of
    )


@builds
def cumulative(
    window: pd.Series | None,
    flows: pd.DataFrame | None,
    claim_rows: pd.DataFrame | None,
    state: ViewState,
    ctx: Context,
) -> go.Figure:
    """Annual flows from the partner over a window and their running sum, with its label.

    `window`: the fdi_cumulative row of the window; `flows`: the partner's annual series of
    its source. A curated claim for the same concept (`claim_rows`, e.g. the MFA's 'over USD
    7.6 bn since 2005') is drawn as a marked reference point, never as data, and only beside
    USD flows.
    """
    host, partner, measure = state.reporter, state.partner, state.measure
    title = (
        f"Cumulative {MEASURE_LOWER[measure]} into {countries.label(host)} "
        f"from {countries.label(partner)}"
    )
    if measure == "inward_stock":
        return empty_figure(
            "Stocks are positions at year end and are never summed; choose "
            "gross or net inflows for a cumulative total.",
            title,
        )
    if window is None:
        return empty_figure(
            f"No annual {MEASURE_LOWER[measure]} from "
            f"{countries.label(partner)} into {countries.label(host)} "
            "for this window.",
            title,
        )
    source, currency = str(window["source"]), str(window["currency"])
    lo, hi = int(window["start_year"]), int(window["end_year"])
    assert flows is not None, "a window comes with its annual flows"
    flows = flows[(flows["year"] >= lo) & (flows["year"] <= hi)]
    running = flows["value"].cumsum()
    claim_rows = claim_rows if claim_rows is not None and currency == "USD" else pd.DataFrame()
    peak = [*running.tolist(), *claim_rows.get("stated_value", pd.Series(dtype=float)).tolist()]
    unit = unit_for(peak, currency)
    src = ctx.sources.label(source)
    fig = Figure()
    fig.add_trace(
        Bar(
            x=flows["year"],
            y=flows["value"] / unit.divisor,
            name="Annual flow",
            marker_color=partner_colour(partner),
            opacity=0.55,
            hovertemplate=_hover(unit, f"{MEASURE_LABEL[measure]} in the year", src),
        )
    )
    fig.add_trace(
        Scatter(
            x=flows["year"],
            y=running / unit.divisor,
            name=f"Running sum from {lo}",
            mode="lines+markers",
            line=dict(color="#000000", width=2),
            hovertemplate=_hover(unit, f"Sum of annual flows {lo}–%{{x}}", src),
        )
    )
    total = float(window["value"])
    fig.add_annotation(
        x=hi,
        y=total / unit.divisor,
        text=f"<b>{fmt_amount(total, currency)}</b><br>{lo}–{hi}",
        showarrow=True,
        arrowhead=0,
        ax=-40,
        ay=-36,
        font=dict(size=12),
        align="right",
    )
    for claim in claim_rows.itertuples(index=False):
        _add_claim(fig, claim, unit)
    eur = " — EUR, not converted" if currency == "EUR" else ""
    _shade_gap(
        fig,
        hi,
        claim_rows,
        f"{ctx.sources.short(source)} {MEASURE_LOWER[measure]} from {countries.label(partner)}",
    )
    fig.update_layout(
        yaxis_title=unit.text,
        xaxis=dict(dtick=1),
        legend=dict(orientation="h", y=1.0, x=0.01, xanchor="left", yanchor="top"),
    )
    # The window label says what the sum is made of (e.g. wiiw: BPM5 years to 2012 + BPM6
    # years): a line of its own, so it is never cut off at the right edge.
    subtitle = f"{window['label']}<br>{unit.text}{eur}; {MEASURE_NOTE[measure]}"
    rows = flows if len(flows) else pd.DataFrame({"source": [source], "vintage": [""]})
    finish(
        fig, title=title, subtitle=subtitle, source=sources_note(rows, ctx.sources), as_of=ctx.as_of
    )
    fig.update_layout(margin=dict(t=110))  # a title and a two-line subtitle
    return fig


def _shade_gap(fig: Figure, last_year: int, claim_rows: pd.DataFrame, series: str) -> None:
    """Grey out the years a claim covers but the official series does not, saying which series
    ends where (other sources or measures may reach further: they are not this chart's)."""
    if claim_rows.empty:
        return
    claim_end = max(pd.Timestamp(e).year for e in claim_rows["period_end"])
    if claim_end <= last_year:
        return
    fig.add_vrect(
        x0=last_year + 0.5,
        x1=claim_end + 0.5,
        fillcolor="#EEEEEE",
        opacity=0.6,
        line_width=0,
        layer="below",
    )
    fig.add_annotation(
        x=(last_year + claim_end + 1) / 2,
        y=0,
        yref="y",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=11, color="#555"),
        text=f"{series}: published to {last_year}<br>the claim runs to {claim_end}",
    )


def _add_claim(fig: Figure, claim: object, unit: Unit) -> None:
    """A stated figure as an open marker at the end of its window, labelled as a claim."""
    start = pd.Timestamp(claim.period_start).year
    end = pd.Timestamp(claim.period_end).year
    value = float(claim.stated_value) / unit.divisor
    published = str(claim.citation).split(";")[0]
    fig.add_trace(
        Scatter(
            x=[end],
            y=[value],
            mode="markers",
            name="Claim (not data)",
            marker=dict(symbol="diamond-open", size=13, color=CLAIM_COLOUR, line=dict(width=2)),
            hovertemplate=(
                f"Claim, not official data: '{claim.value_as_stated}' "
                f"({start}–{end})<br>{published}<br>Check: {claim.status}"
                "<extra></extra>"
            ),
        )
    )
    fig.add_shape(
        type="line",
        xref="x",
        yref="y",
        x0=start,
        x1=end,
        y0=value,
        y1=value,
        line=dict(color=CLAIM_COLOUR, width=1, dash="dot"),
    )
    fig.add_annotation(
        x=end,
        y=value,
        yshift=10,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=11, color=CLAIM_COLOUR),
        text=(
            f"Claim, not data: {claim.value_as_stated} {start}–{end}"
            f" (press release; check: {claim.status})"
        ),
    )


@builds
def gross_vs_net(
    gross: pd.DataFrame, net: pd.DataFrame, state: ViewState, ctx: Context
) -> go.Figure:
    """Gross (e.g. UNCTAD, USD) and net (e.g. wiiw, EUR) inflows from the partner, side by side
    (each the partner's annual series from its default source)."""
    host, partner = state.reporter, state.partner
    title = (
        f"Gross vs net FDI inflows into {countries.label(host)} from "
        f"{countries.label(partner)}: two concepts, two currencies"
    )
    if gross.empty and net.empty:
        return empty_figure(
            f"No gross or net inflows from {countries.label(partner)} into "
            f"{countries.label(host)} in the bundled sources.",
            title,
        )
    fig = Figure()
    labels: list[tuple[str, str]] = []
    for rows, measure, axis in ((gross, "gross_inflow", ""), (net, "net_inflow", "2")):
        if rows.empty:
            labels.append((f"{MEASURE_LABEL[measure]}: no data", ""))
            continue
        currency = str(rows["currency"].iloc[0])
        unit = unit_for(rows["value"], currency)
        src = ctx.sources.label(str(rows["source"].iloc[0]))
        fig.add_trace(
            Bar(
                x=rows["year"],
                y=rows["value"] / unit.divisor,
                name=MEASURE_LABEL[measure],
                marker_color=[POSITIVE if v >= 0 else NEGATIVE for v in rows["value"]],
                xaxis=f"x{axis}",
                yaxis=f"y{axis}",
                hovertemplate=_hover(unit, MEASURE_LABEL[measure], src),
            )
        )
        years = f"{int(rows['year'].min())}–{int(rows['year'].max())}"
        eur = ", not converted" if currency == "EUR" else ""
        labels.append((f"{MEASURE_LABEL[measure]}, {unit.text}{eur} ({src}, {years})", unit.text))
    _two_panels(fig, labels[0][0], labels[1][0], labels[0][1], labels[1][1])
    subtitle = (
        "Gross = new investment; net = new investment minus disinvestment (negative bars: "
        "net disinvestment). Never add or compare the two levels."
    )
    return finish(
        fig,
        title=title,
        subtitle=subtitle,
        source=sources_note(pd.concat([gross, net]), ctx.sources),
        as_of=ctx.as_of,
    )


@builds
def world_quarterly(rows: pd.DataFrame | None, state: ViewState, ctx: Context) -> go.Figure:
    """Net FDI inflow into the host from all investors, quarterly (e.g. NBK balance of payments).

    `rows`: one source's quarterly rows, newest vintage per quarter; None: no FDI data loaded.
    """
    host = state.reporter
    title = f"Net FDI inflow into {countries.label(host)} from all investors, quarterly"
    if rows is None:
        return empty_figure("No FDI data loaded.", title)
    if rows.empty:
        return empty_figure(
            f"No quarterly net FDI inflow for {countries.label(host)} in the bundled sources.",
            title,
        )
    source = str(rows["source"].iloc[0])
    currency = str(rows["currency"].iloc[0])
    unit = unit_for(rows["value"], currency)
    labels = [
        periods.label("quarter", s, e)
        for s, e in zip(rows["period_start"], rows["period_end"], strict=True)
    ]
    src = ctx.sources.label(str(source))
    fig = Figure(
        Bar(
            x=rows["period_start"],
            y=rows["value"] / unit.divisor,
            marker_color=[POSITIVE if v >= 0 else NEGATIVE for v in rows["value"]],
            customdata=labels,
            hovertemplate=(
                f"%{{customdata}}<br>{unit.currency} %{{y:,.2f}} {unit.suffix}"
                f"<br>Net FDI inflow, all investors<br>{src}<extra></extra>"
            ),
        )
    )
    fig.update_layout(yaxis_title=unit.text, showlegend=False)
    span = f"{labels[0]}–{labels[-1]}"
    subtitle = (
        f"{unit.text}, net inflow in each quarter (BoP, directional principle; negative = "
        f"net disinvestment), all investor countries; {span}"
    )
    return finish(
        fig, title=title, subtitle=subtitle, source=sources_note(rows, ctx.sources), as_of=ctx.as_of
    )

"""Partner page: one reporter x partner pair over time.

Flows, growth, CAGR, rank and share come from one reporter-declared source (BNS for Kazakhstan
by default). The mirror view sets the reporter's own figures beside the partner's figures for
the same trade; a gap is computed only between series in the same currency (EUR rows have no
USD value: no cited exchange-rate table exists), and otherwise the panels say why not.
Pure builders: the rows come from `dashboard.views`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import (
    FLOW_LABEL,
    TOP_WITH_LEGEND,
    Context,
    bn,
    colour,
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
from dashboard.figures.lean import Bar, Figure, Scatter, builds, make_subplots
from dashboard.state import ViewState
from dashboard.theme import FLOW_COLOURS, NEGATIVE, POSITIVE
from etl import countries, periods
from etl.labels import FLOW_WORD, FLOWS, OPPOSITE_FLOW

# Mirror view: one line style per source; the colour is the declaring country's.
SOURCE_DASHES = ("solid", "dash", "dot", "dashdot")
SOURCE_SYMBOLS = ("circle", "square", "diamond", "triangle-up")
# Gap bars: one grey per comparison, told apart by shade and pattern, never a country's colour.
GAP_STYLES = (("#555555", ""), ("#CCCCCC", "/"), ("#999999", "x"))
MIRROR_YEARS = 20
UNIFORM_TEXT = dict(minsize=11, mode="show")  # every bar label at one size


def change(fraction: float) -> str:
    """'+7.8%', '−24.7%': signed, with a true minus sign like the axis labels."""
    return fmt_pct(fraction, signed=True).replace("-", "−")


def pair(state: ViewState) -> str:
    return f"{name(state.reporter)}–{name(state.partner)}"


@builds
def flows(rows: pd.DataFrame, state: ViewState, source: str, ctx: Context) -> go.Figure:
    """Turnover, exports and imports as lines, the balance as bars.

    `rows`: the pair's annual rows of one source, newest vintage per flow and year; + year.
    """
    title = f"{pair(state)} trade"
    if rows.empty:
        return no_data(f"No annual {pair(state)} trade in {ctx.sources.note(source)}", title)
    currency = str(rows["currency"].iloc[0])
    wide = rows.pivot_table(index="year", columns="flow", values="value", observed=True)
    short = ctx.sources.short(source)
    fig = Figure()
    if {"export", "import"} <= set(wide.columns):
        balance = (wide["export"] - wide["import"]).dropna()
        fig.add_trace(
            Bar(
                x=balance.index.tolist(),
                y=bn(balance).round(4).tolist(),
                name="Balance",
                marker_color=[POSITIVE if v >= 0 else NEGATIVE for v in balance],
                opacity=0.45,
                width=0.4,
                hovertemplate=f"<b>{FLOW_LABEL['balance']}</b> %{{x}}: {currency} %{{y:,.2f}} bn"
                f" · {short}<extra></extra>",
            )
        )
    for flow in FLOWS:
        if flow not in wide:
            continue
        series = wide[flow].dropna()
        fig.add_trace(
            Scatter(
                x=series.index.tolist(),
                y=bn(series).round(4).tolist(),
                name=FLOW_LABEL[flow].split(" (")[0],
                mode="lines+markers",
                line=dict(color=FLOW_COLOURS[flow], width=3 if flow == "turnover" else 2),
                hovertemplate=f"<b>{FLOW_LABEL[flow]}</b> %{{x}}: {currency} %{{y:,.2f}} bn"
                f" · {short}<extra></extra>",
            )
        )
    years = wide.index
    fig.update_yaxes(title=f"{currency} bn", zeroline=True, zerolinecolor="#999")
    fig.update_xaxes(title=None, dtick=1 if len(years) <= 12 else None)
    derived = bool((rows["derivation"].astype(str) != "").any())
    finish(
        fig,
        title=f"{title}, {years.min()}–{years.max()}",
        subtitle=f"{currency} bn, current prices, calendar years, as declared by "
        f"{name(state.reporter)} · bars: balance (exports − imports)",
        source=ctx.sources.note(
            source, "turnover = exports + imports (derived)" if derived else ""
        ),
        as_of=ctx.as_of,
        height=480,
    )
    _legend_and_footnote(fig)
    return fig


def _legend_and_footnote(fig: Figure, below: int = 32) -> None:
    legend_on_top(fig)
    place_notes(fig, below, top=TOP_WITH_LEGEND)


@builds
def growth(rows: pd.DataFrame, state: ViewState, source: str, ctx: Context) -> go.Figure:
    """Year-on-year change of the selected flow, as bars coloured by sign (rows by year)."""
    title = f"{pair(state)} {FLOW_WORD[state.flow]}: change on the previous year"
    if rows.empty:
        return no_data(
            f"Fewer than two consecutive years of {pair(state)} "
            f"{FLOW_WORD[state.flow]} in {ctx.sources.note(source)}",
            title,
        )
    currency = str(rows["currency"].iloc[0])
    pct = (rows["yoy_growth"] * 100).round(2)
    fig = Figure(
        Bar(
            x=rows["year"].tolist(),
            y=pct.tolist(),
            name=f"{FLOW_LABEL[state.flow]}, y/y %",
            marker_color=[POSITIVE if v >= 0 else NEGATIVE for v in pct],
            text=[change(v) for v in rows["yoy_growth"]],
            textposition="outside",
            cliponaxis=False,
            customdata=list(
                zip(
                    rows["comparison"].astype(str),
                    [fmt_amount(v, currency) for v in rows["value"]],
                    [fmt_amount(v, currency) for v in rows["previous_value"]],
                    strict=True,
                )
            ),
            hovertemplate="<b>%{customdata[0]}</b>: %{y:+.1f}%<br>%{customdata[1]} vs "
            f"%{{customdata[2]}} · {ctx.sources.short(source)}<extra></extra>",
        )
    )
    fig.update_yaxes(title="% change", ticksuffix="%", zeroline=True, zerolinecolor="#999")
    fig.update_xaxes(title=None, dtick=1 if len(rows) <= 12 else None)
    finish(
        fig,
        title=title,
        subtitle=f"{FLOW_LABEL[state.flow]}, % change on the same period a year earlier, "
        f"calendar years, {currency} values",
        source=ctx.sources.note(source),
        as_of=ctx.as_of,
        height=400,
    )
    fig.update_layout(showlegend=False, uniformtext=UNIFORM_TEXT)
    place_notes(fig, 32)
    return fig


@builds
def ytd(
    rows: pd.DataFrame,
    world_monthly: bool,
    state: ViewState,
    ctx: Context,
    declarer: str | None = None,
) -> go.Figure:
    """Jan–X of the latest year with monthly or Jan–X data vs the same months a year earlier.

    `rows`: the pair's Jan–X growth rows, flows from the reporter's side; `declarer`: the
    partner when they are the partner's mirror figures (`query.mirror_ytd`: Comext months for
    a reporter that publishes only annual partner data); `world_monthly`: the reporter has Jan–X
    totals with the world (the empty card then points there).
    """
    title = f"{pair(state)}: year to date vs a year earlier"
    if rows.empty:
        hint = (
            f" Monthly totals exist for {name(state.reporter)}'s trade with all partners "
            "combined: choose the partner World."
            if world_monthly
            else ""
        )
        return no_data(
            f"Only annual figures exist for {pair(state)} in the bundled sources,<br>so there "
            f"is no Jan–X comparison.{hint}",
            title,
        )
    latest_end = rows["period_end"].max()
    rows = rows[rows["period_end"] == latest_end]
    source = str(rows.sort_values("source")["source"].iloc[0])
    rows = rows[rows["source"] == source].set_index("flow")
    currency = str(rows["currency"].iloc[0])
    start = rows["period_start"].iloc[0]
    current = periods.label("ytd", start, latest_end)
    previous = periods.label(
        "ytd", start.replace(year=start.year - 1), latest_end - pd.DateOffset(years=1)
    )
    values: dict[str, tuple[float, float]] = {
        str(f): (float(r.value), float(r.previous_value)) for f, r in rows.iterrows()
    }
    derived = ""
    if "turnover" not in values and {"export", "import"} <= set(values):
        values["turnover"] = tuple(
            a + b for a, b in zip(values["export"], values["import"], strict=True)
        )
        derived = "turnover = exports + imports (derived)"
    flows_ = [f for f in FLOWS if f in values]
    labels = [FLOW_LABEL[f].split(" (")[0] for f in flows_]
    fig = Figure()
    fig.add_trace(
        Bar(
            x=labels,
            y=[round(bn(values[f][1]), 4) for f in flows_],
            name=previous,
            marker_color="#BBBBBB",
            text=[fmt_amount(values[f][1], currency) for f in flows_],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"<b>%{{x}}</b>, {previous}: {currency} %{{y:,.2f}} bn"
            f" · {ctx.sources.short(source)}<extra></extra>",
        )
    )
    growth_text = [change(values[f][0] / values[f][1] - 1) if values[f][1] else "" for f in flows_]
    fig.add_trace(
        Bar(
            x=labels,
            y=[round(bn(values[f][0]), 4) for f in flows_],
            name=current,
            marker_color=[FLOW_COLOURS[f] for f in flows_],
            text=[
                f"{fmt_amount(values[f][0], currency)} ({g_})"
                for f, g_ in zip(flows_, growth_text, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"<b>%{{x}}</b>, {current}: {currency} %{{y:,.2f}} bn"
            f" · {ctx.sources.short(source)}<extra></extra>",
        )
    )
    fig.update_layout(barmode="group", uniformtext=UNIFORM_TEXT)
    fig.update_yaxes(title=f"{currency} bn", rangemode="tozero")
    declared = ""
    if declarer is not None:
        to = {"export": "exports to", "import": "imports from"}
        their = " and ".join(
            f"{to[OPPOSITE_FLOW[f]]} {name(state.reporter)}" for f in flows_ if f in to
        )
        declared = (
            f"<br>partner-declared: {possessive(declarer)} {their} ({ctx.sources.short(source)}"
            f"); {name(state.reporter)} publishes only annual figures by partner"
        )
    finish(
        fig,
        title=f"{pair(state)}: {current} vs {previous}"
        + (f", as declared by {name(declarer)}" if declarer else ""),
        subtitle=f"{currency} bn, current prices; cumulative from January; labels: value "
        f"(change on the same months a year earlier){declared}",
        source=ctx.sources.note(source, derived),
        as_of=ctx.as_of,
        height=420,
    )
    _legend_and_footnote(fig)
    return fig


@builds
def cagr(
    c: pd.DataFrame | None,
    span: tuple[int, int] | None,
    state: ViewState,
    source: str,
    ctx: Context,
) -> go.Figure:
    """Compound annual growth of turnover, exports and imports over the chosen window.

    `span`: the window (None when the pair has fewer than two years); `c`: the CAGR rows of
    that window indexed by flow.
    """
    title = f"{pair(state)}: compound annual growth"
    if span is None:
        return no_data(
            f"Fewer than two years of {pair(state)} trade in {ctx.sources.note(source)}", title
        )
    start, end = span
    if start >= end or c is None:
        return no_data(f"Choose a start year before the end year (now {start}–{end}).", title)
    flows_ = [f for f in FLOWS if f in c.index]
    if not flows_:
        return no_data(
            f"No growth rate for {start}–{end}: a flow is zero or missing at "
            "one end of the window.",
            title,
        )
    currency = str(c["currency"].iloc[0])
    pct = [round(float(c.loc[f, "cagr"]) * 100, 3) for f in flows_]
    fig = Figure(
        Bar(
            y=[FLOW_LABEL[f].split(" (")[0] for f in flows_],
            x=pct,
            orientation="h",
            marker_color=[POSITIVE if v >= 0 else NEGATIVE for v in pct],
            text=[change(v / 100) + " a year" for v in pct],
            textposition="outside",
            cliponaxis=False,
            customdata=[
                [
                    fmt_amount(float(c.loc[f, "start_value"]), currency),
                    fmt_amount(float(c.loc[f, "end_value"]), currency),
                ]
                for f in flows_
            ],
            hovertemplate=(
                f"<b>%{{y}}</b>: %{{x:+.2f}}% a year, {start}–{end}<br>"
                f"%{{customdata[0]}} in {start} → %{{customdata[1]}} in {end}"
                f" · {ctx.sources.short(source)}<extra></extra>"
            ),
            name=f"CAGR {start}–{end}",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None)
    # Room on both sides for the outside labels, so a negative bar's label never sits on the
    # category names.
    low, high = min(0.0, *pct), max(0.0, *pct)
    pad = max(high - low, 1.0) * 0.35
    fig.update_xaxes(
        title="% a year",
        ticksuffix="%",
        zeroline=True,
        zerolinecolor="#999",
        range=[low - (pad if low < 0 else 0), high + (pad if high > 0 else 0)],
    )
    finish(
        fig,
        title=f"{title}, {start}–{end}",
        subtitle=f"(value {end} / value {start})^(1/{end - start}) − 1, {currency} values, "
        "calendar years · choose the window above",
        source=ctx.sources.note(source),
        as_of=ctx.as_of,
        height=340,
    )
    fig.update_layout(showlegend=False, margin=dict(r=120), uniformtext=UNIFORM_TEXT)
    place_notes(fig, 58)
    return fig


@builds
def rank_share(rows: pd.DataFrame, state: ViewState, source: str, ctx: Context) -> go.Figure:
    """Partner's share of the reporter's total (top) and its rank among countries (bottom)."""
    title = f"{name(state.partner)} in {possessive(state.reporter)} {FLOW_WORD[state.flow]}"
    if rows.empty or state.partner == "WLD":
        return no_data(
            f"No share or rank for {name(state.partner)}: "
            + (
                "World is the total itself."
                if state.partner == "WLD"
                else f"no rows in {ctx.sources.note(source)}."
            ),
            title,
        )
    rows = rows.assign(year=rows["period_start"].dt.year).sort_values("year")
    short = ctx.sources.short(source)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.6, 0.4]
    )
    fig.add_trace(
        Scatter(
            x=rows["year"].tolist(),
            y=(rows["share"] * 100).round(3).tolist(),
            mode="lines+markers",
            name="Share, %",
            line=dict(color=colour(state.partner), width=2.5),
            hovertemplate=f"<b>{name(state.partner)}</b> %{{x}}: %{{y:.1f}}% of "
            f"{possessive(state.reporter)} {FLOW_WORD[state.flow]} · {short}"
            "<extra></extra>",
        ),
        row=1,
        col=1,
    )
    ranked = rows.dropna(subset=["rank"])
    if not ranked.empty:
        fig.add_trace(
            Scatter(
                x=ranked["year"].tolist(),
                y=ranked["rank"].astype(int).tolist(),
                mode="lines+markers+text",
                name="Rank",
                text=[f"#{int(r)}" for r in ranked["rank"]],
                textposition="top center",
                line=dict(color="#555", width=1.5),
                hovertemplate=f"<b>{name(state.partner)}</b> %{{x}}: rank %{{y}} among partner "
                f"countries · {short}<extra></extra>",
            ),
            row=2,
            col=1,
        )
        worst = int(ranked["rank"].max())
        fig.update_yaxes(
            range=[worst + 1.5, 0.2], tickvals=rank_ticks(worst), title="Rank", row=2, col=1
        )
    fig.update_yaxes(title="% of total", ticksuffix="%", rangemode="tozero", row=1, col=1)
    fig.update_xaxes(dtick=1 if len(rows) <= 12 else None)
    kind = (
        "no rank: groups are not ranked"
        if countries.is_aggregate(state.partner)
        else "rank among partner countries"
    )
    finish(
        fig,
        title=f"{title}: share and rank",
        subtitle=f"{FLOW_LABEL[state.flow]}: % of the total with the world (same source) and "
        f"{kind}, calendar years",
        source=ctx.sources.note(source),
        as_of=ctx.as_of,
        height=460,
    )
    fig.update_layout(showlegend=False)
    place_notes(fig, 32)
    return fig


def rank_ticks(worst: int, most: int = 4) -> list[int]:
    """#1 and a nice step (1, 2, 5, 10, 20, ...) up to the worst rank: at most `most` + 1 ticks,
    so the rank panel (~100 px) never labels every position."""
    step = next(
        s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if worst / s <= most or s == 1000
    )
    return [1, *range(step, worst + 1, step)] if step > 1 else list(range(1, worst + 1))


# ---- mirror view ------------------------------------------------------------------------------


def _series_name(s: dict, ctx: Context) -> str:
    how = [s["how"]] if s["how"] else []
    if s.get("converted_from"):
        how.append(f"{s['converted_from']} converted at ECB monthly average rates")
    short = ctx.sources.short(s["source"])
    return f"{possessive(s['declarer'])} {FLOW_WORD[s['flow']]} ({', '.join([short, *how])})"


def mirror_gaps(series: list[dict]) -> list[dict]:
    """(partner − reporter) / reporter for same-currency pairs, same source preferred.

    EUR series converted by the ETL at ECB monthly averages arrive as USD, so a Comext figure is
    compared with the reporter's USD figure (BNS first, as `query.mirror_series` sorts them).
    """
    gaps = []
    reporter_side = [s for s in series if s["side"] == "reporter"]
    for p in (s for s in series if s["side"] == "partner"):
        same = [r for r in reporter_side if r["currency"] == p["currency"]]
        if not same:
            continue
        r = next((r for r in same if r["source"] == p["source"]), same[0])
        common = r["values"].index.intersection(p["values"].index)
        base = r["values"].loc[common]
        gap = ((p["values"].loc[common] - base) / base.where(base != 0)).dropna()
        if gap.empty:
            continue
        gaps.append(dict(reporter=r, partner=p, gap=gap))
    return gaps


@builds
def mirror(series: list[dict], state: ViewState, flow: str, ctx: Context) -> go.Figure:
    """Reporter-declared vs partner-declared figures for one direction, with their gaps.

    `series`: every annual series of this trade from either side (`query.mirror_series`; EUR
    series already converted to USD). Colour = the declaring country, line style = the source.
    """
    word = "exports to" if flow == "export" else "imports from"
    title = f"Mirror view: {possessive(state.reporter)} {word} {name(state.partner)}"
    if state.partner == state.reporter or countries.is_aggregate(state.partner):
        return no_data("Mirror figures need a partner country (not a group or World).", title)
    series = [dict(s) for s in series]  # trimmed below; the caller's list stays as it was
    mine = [s for s in series if s["side"] == "reporter"]
    theirs = [s for s in series if s["side"] == "partner"]
    if not mine or not theirs:
        missing = name(state.partner) if not theirs else name(state.reporter)
        return no_data(
            f"No figures declared by {missing} for this trade in the bundled "
            "sources,<br>so there is nothing to compare.",
            title,
        )
    # The last MIRROR_YEARS years: IMF files reach back to 1992, when tiny values make the gaps
    # of a few hundred percent that would flatten every recent bar.
    last = max(int(s["values"].index.max()) for s in series)
    first = last - MIRROR_YEARS + 1
    for s in series:
        s["values"] = s["values"][s["values"].index >= first]
    series = [s for s in series if not s["values"].empty]
    currencies = sorted({s["currency"] for s in series}, key=lambda c: (c != "USD", c))
    main = currencies[0]
    left_out = [s for s in series if s["currency"] != main]
    series = [s for s in series if s["currency"] == main]
    first = min(int(s["values"].index.min()) for s in series)
    title = f"{title}, {first}–{last}"
    gaps = mirror_gaps(series)
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.6, 0.4],
        vertical_spacing=0.2,  # the top panel's year labels and the gap panel's title
        shared_xaxes=True,
        subplot_titles=[
            "",  # the axis title says the unit
            "Gap: partner's figure vs reporter's, % of the reporter's figure",
        ],
    )
    fig.update_annotations(font_size=13)  # the panel titles, smaller than the chart title
    country_colour = dict(
        zip((state.reporter, state.partner), colours([state.reporter, state.partner]), strict=True)
    )
    styles: dict[str, int] = {}  # source -> line style, shared by both sides
    for s in series:
        k = styles.setdefault(s["source"], len(styles) % len(SOURCE_DASHES))
        values = s["values"]
        label = _series_name(s, ctx)
        fig.add_trace(
            Scatter(
                x=values.index.tolist(),
                y=bn(values).round(4).tolist(),
                name=label,
                mode="lines+markers",
                line=dict(color=country_colour[s["declarer"]], width=2, dash=SOURCE_DASHES[k]),
                marker=dict(symbol=SOURCE_SYMBOLS[k], size=7),
                hovertemplate=f"<b>{label}</b> %{{x}}: {s['currency']} %{{y:,.2f}} bn"
                "<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for i, g in enumerate(gaps):
        gap = g["gap"]
        label = (
            f"{name(g['partner']['declarer'])} ({ctx.sources.short(g['partner']['source'])})"
            f" vs {name(g['reporter']['declarer'])} "
            f"({ctx.sources.short(g['reporter']['source'])})"
        )
        shade, pattern = GAP_STYLES[i % len(GAP_STYLES)]
        fig.add_trace(
            Bar(
                x=gap.index.tolist(),
                y=(gap * 100).round(2).tolist(),
                name=f"Gap: {label}",
                marker=dict(
                    color=shade,
                    line=dict(color="#333333", width=0.5),
                    pattern=dict(shape=pattern, fgcolor="#333333", solidity=0.3),
                ),
                hovertemplate=f"<b>Gap</b> %{{x}}: %{{y:+.1f}}%<br>{label}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    if not gaps:
        fig.add_annotation(
            text="No year declared by both sides in the same currency: no gap to compute",
            xref="x2 domain",
            yref="y2 domain",
            x=0.5,
            y=0.5,
            showarrow=False,
            font=dict(color="#555"),
        )
    # An explicit year range on both panels: an empty gap panel must not squeeze the years
    # into one vertical line, and the top panel keeps its year labels.
    fig.update_xaxes(range=[first - 0.6, last + 0.6], dtick=1 if last - first < 12 else 2)
    fig.update_xaxes(showticklabels=True, row=1, col=1)
    fig.update_yaxes(
        title="gap, %", ticksuffix="%", zeroline=True, zerolinecolor="#999", row=2, col=1
    )
    fig.update_yaxes(title=f"{main} bn", rangemode="tozero", row=1, col=1)
    fig.update_layout(barmode="group", bargap=0.25)
    sources = sorted({ctx.sources.short(s["source"]) for s in series})
    omitted = (
        f" · not shown: {', '.join(sorted({s['currency'] for s in left_out}))} series "
        "without a USD conversion"
        if left_out
        else ""
    )
    converted = [s for s in series if s.get("converted_from")]
    fx_note = "EUR converted to USD at ECB monthly average rates" if converted else ""
    finish(
        fig,
        title=title,
        subtitle=(
            f"colour: declared by {name(state.reporter)} or by {name(state.partner)} (its "
            f"{FLOW_WORD[OPPOSITE_FLOW[flow]]}); line style: source; calendar years · imports "
            f"are valued CIF, exports FOB{omitted}"
        ),
        source="; ".join([*sources, *([fx_note] if fx_note else [])]),
        as_of=ctx.as_of,
        height=660,
    )
    fig.update_layout(
        legend=dict(
            orientation="h", y=0.01, yanchor="bottom", yref="container", x=0, traceorder="normal"
        ),
    )
    place_notes(fig, 34, top=100)  # title, subtitle and the panel titles
    # Room for the legend under the footnote: one row per series.
    fig.update_layout(margin=dict(b=70 + 21 * len(fig.data)), height=520 + 21 * len(fig.data))
    return fig

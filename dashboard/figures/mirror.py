"""Mirror statistics: what a reporter declares beside what its partner declares (pure figures).

Rows come from `query.mirror_table`: one row per year, reporter flow and pair of national
sources, values in USD, `gap` = reporter − partner, `gap_pct` = gap / partner-declared value.
Exports are usually valued FOB and imports CIF, so part of a gap is freight and insurance; the
valuation each publisher states is shown beside its figure.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import (
    TOP_WITH_LEGEND,
    Context,
    finish,
    fmt_amount,
    fmt_pct,
    no_data,
    possessive,
)
from dashboard.figures.lean import Bar, Figure, Table, builds, make_subplots
from etl import countries

TITLE = "Mirror statistics"


def _declared(flow: str, reporter: str, partner: str) -> tuple[str, str]:
    """('Kazakhstan's imports from Kyrgyzstan', 'Kyrgyzstan's exports to Kazakhstan')."""
    r, p = countries.label(reporter), countries.label(partner)
    if flow == "export":
        return f"{possessive(reporter)} exports to {p}", f"{possessive(partner)} imports from {r}"
    return f"{possessive(reporter)} imports from {p}", f"{possessive(partner)} exports to {r}"


def _who(source: str, how: str, valuation: str, ctx: Context) -> str:
    extra = f", {how}" if how else ""
    return f"{ctx.sources.short(source)}, {valuation}{extra}"


def _message(reporter: str, partner: str) -> str:
    return (
        f"No mirror figures: the bundled national sources do not publish both sides of "
        f"{countries.label(reporter)}–{countries.label(partner)} trade for a common year."
    )


@builds
def asymmetry_table(rows: pd.DataFrame, reporter: str, partner: str, ctx: Context) -> go.Figure:
    """The latest years' pairs of declarations with the gap in USD and %, newest first."""
    if rows.empty:
        return no_data(_message(reporter, partner), TITLE)
    rows = rows.sort_values(["year", "flow"], ascending=[False, True])
    rows = rows[rows["year"] >= rows["year"].max() - 4]
    mine = [_declared(f, reporter, partner)[0] for f in rows["flow"]]
    theirs = [_declared(f, reporter, partner)[1] for f in rows["flow"]]
    header = [
        "Year",
        "Declared by the reporter",
        "Value",
        "Declared by the partner",
        "Value",
        "Gap (reporter − partner)",
        "Gap, % of partner's",
    ]
    cells = [
        rows["year"].astype(str).tolist(),
        [
            f"{m}<br><span style='color:#555'>{_who(s, h, v, ctx)}</span>"
            for m, s, h, v in zip(
                mine,
                rows["reporter_source"],
                rows["reporter_how"],
                rows["reporter_valuation"],
                strict=True,
            )
        ],
        [
            fmt_amount(v, c, 2)
            for v, c in zip(rows["reporter_value"], rows["currency"], strict=True)
        ],
        [
            f"{t}<br><span style='color:#555'>{_who(s, h, v, ctx)}</span>"
            for t, s, h, v in zip(
                theirs,
                rows["partner_source"],
                rows["partner_how"],
                rows["partner_valuation"],
                strict=True,
            )
        ],
        [fmt_amount(v, c, 2) for v, c in zip(rows["partner_value"], rows["currency"], strict=True)],
        [fmt_amount(v, c, 2) for v, c in zip(rows["gap"], rows["currency"], strict=True)],
        [fmt_pct(v, 1, signed=True) for v in rows["gap_pct"]],
    ]
    fig = Figure(
        Table(
            columnwidth=[40, 170, 70, 170, 70, 80, 70],
            header=dict(values=[f"<b>{h}</b>" for h in header], align="left", height=30),
            cells=dict(values=cells, align="left", height=40),
        )
    )
    height = 190 + 44 * len(rows)  # every row visible: ten at most (five years x two flows)
    sources = sorted(set(rows["reporter_source"]) | set(rows["partner_source"]))
    finish(
        fig,
        title=f"{TITLE}: {countries.label(reporter)} and {countries.label(partner)}, as each "
        "declares",
        subtitle="USD (EUR converted at ECB monthly averages); exports usually FOB, imports "
        "CIF; latest five years",
        source="; ".join(ctx.sources.short(s) for s in sources),
        as_of=ctx.as_of,
        height=height,
    )
    fig.update_layout(margin=dict(t=TOP_WITH_LEGEND - 10, b=50, l=10, r=10))
    fig.layout.annotations[-1].update(y=0, yshift=-28)
    return fig


@builds
def asymmetry_chart(rows: pd.DataFrame, reporter: str, partner: str, ctx: Context) -> go.Figure:
    """Gap between the two declarations, % of the partner-declared value, by year and flow."""
    if rows.empty:
        return no_data(_message(reporter, partner), f"{TITLE}: gap")
    fig = make_subplots(rows=1, cols=1)
    palette = {"export": "#0072B2", "import": "#D55E00"}
    for (flow, r_src, p_src), g in rows.groupby(
        ["flow", "reporter_source", "partner_source"], sort=True
    ):
        g = g.sort_values("year")
        mine, theirs = _declared(str(flow), reporter, partner)
        name = f"{mine} ({ctx.sources.short(str(r_src))}) vs {ctx.sources.short(str(p_src))}"
        custom = list(
            zip(
                [fmt_amount(v, "USD", 2) for v in g["reporter_value"]],
                [fmt_amount(v, "USD", 2) for v in g["partner_value"]],
                [fmt_amount(v, "USD", 2) for v in g["gap"]],
                strict=True,
            )
        )
        fig.add_trace(
            Bar(
                x=g["year"],
                y=g["gap_pct"] * 100,
                name=name,
                marker_color=palette.get(str(flow), "#999999"),
                customdata=custom,
                hovertemplate=(
                    f"<b>%{{x}}</b><br>{mine}: %{{customdata[0]}}<br>{theirs}: "
                    "%{customdata[1]}<br>gap %{customdata[2]} (%{y:+.1f}%)<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        barmode="group",
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, xanchor="left"),
        margin=dict(t=TOP_WITH_LEGEND + 20),
    )
    fig.update_yaxes(title="gap, % of the partner-declared value", zeroline=True)
    fig.update_xaxes(dtick=1 if rows["year"].nunique() <= 12 else 2)
    sources = sorted(set(rows["reporter_source"]) | set(rows["partner_source"]))
    return finish(
        fig,
        title=f"Mirror gap: {possessive(reporter)} declarations vs {possessive(partner)}",
        subtitle="(reporter − partner) / partner, %; above 0 = the reporter declares more; "
        "values in USD",
        source="; ".join(ctx.sources.short(s) for s in sources),
        as_of=ctx.as_of,
    )

"""Compare page: several partners of one reporter on one chart (e.g. Italy, Germany, France and
the EU for Kazakhstan), from the same source's annual partner rows.

`rows`: `query.compare_series` output (partner, year, value, share, rank, currency) of one flow.
Groups (the EU) overlap the countries in them: they are compared, never added. Pure builders.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import (
    FLOW_LABEL,
    TOP_WITH_LEGEND,
    Context,
    finish,
    legend_on_top,
    name,
    no_data,
    place_notes,
    possessive,
    unit_for,
)
from dashboard.figures.lean import Figure, Scatter, builds
from dashboard.state import ViewState
from dashboard.theme import partner_colours
from etl import countries
from etl.labels import FLOW_WORD


def label(code: str) -> str:
    """'Italy'; 'European Union (group)' for a partner group."""
    group = countries.is_aggregate(code) and code != "WLD"
    return f"{name(code)} (group)" if group else name(code)


@builds
def partners_over_time(
    rows: pd.DataFrame, partners: tuple[str, ...], state: ViewState, source: str, ctx: Context
) -> go.Figure:
    """One line per chosen partner: the reporter's flow with it each year, one colour each."""
    title = f"{possessive(state.reporter)} {FLOW_WORD[state.flow]} with chosen partners"
    if rows.empty or not partners:
        msg = f"No {FLOW_WORD[state.flow]} by partner for {name(state.reporter)} to compare"
        return no_data(msg, title)
    currency = str(rows["currency"].iloc[0])
    unit = unit_for(rows["value"].astype(float).tolist(), currency)
    palette = partner_colours(partners)
    fig = Figure()
    for code in partners:
        part = rows[rows["partner"] == code].sort_values("year")
        if part.empty:
            continue
        fig.add_trace(
            Scatter(
                x=part["year"].astype(int).tolist(),
                y=(part["value"].astype(float) / unit.divisor).round(4).tolist(),
                mode="lines+markers",
                name=label(code),
                line=dict(color=palette[code], width=2.5),
                marker=dict(color=palette[code], size=6),
                customdata=[
                    f"#{int(r)} · {s * 100:.1f}%" if pd.notna(r) and pd.notna(s) else ""
                    for r, s in zip(part["rank"], part["share"], strict=True)
                ],
                hovertemplate=f"<b>{label(code)}</b> %{{x}}: {currency} %{{y:,.2f}} "
                f"{unit.suffix}<br>rank and share: %{{customdata}}<extra></extra>",
            )
        )
    years = sorted(rows["year"].astype(int).unique())
    fig.update_xaxes(title=None, dtick=1 if len(years) <= 12 else None)
    fig.update_yaxes(title=unit.text, rangemode="tozero")
    groups = [c for c in partners if countries.is_aggregate(c)]
    caveat = " · groups include member countries: compare, do not add" if groups else ""
    finish(
        fig,
        title=title,
        subtitle=f"{FLOW_LABEL[state.flow]}, {unit.text}, current prices, "
        f"{years[0]}–{years[-1]}{caveat}",
        source=ctx.sources.note(source),
        as_of=ctx.as_of,
        height=500,
    )
    legend_on_top(fig)
    place_notes(fig, 40, top=TOP_WITH_LEGEND)
    return fig

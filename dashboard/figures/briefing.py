"""Briefing page charts: the pair's turnover, and published claims set against the data.

Pure builders: the rows and the fact checks come from `dashboard.views` (the sentences beside
these charts are written by dashboard/briefing.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import Context, empty_figure, finish, fmt_amount, sources_note
from dashboard.figures.lean import Bar, Figure, Scatter, builds
from dashboard.state import ViewState
from dashboard.theme import FLOW_COLOURS
from etl import countries

STATUS_COLOURS = {
    "consistent": "#009E73",
    "contradicted": "#D55E00",
    "partial": "#E69F00",
    "not checkable": "#999999",
}


class Check(Protocol):
    """What the chart reads of a fact check (`dashboard.briefing.FactCheck`)."""

    document: str
    stated: str
    stated_value: float
    computed: str
    computed_value: float | None
    status: str
    source: str
    label: str

    @property
    def text(self) -> str: ...


@builds
def turnover(flows: pd.DataFrame, source: str | None, state: ViewState, ctx: Context) -> go.Figure:
    """Exports and imports stacked (= turnover) per year, the latest year's total annotated.

    `flows`: the pair's annual rows of `source` (plain columns, not categoricals); + year.
    """
    reporter, partner = countries.label(state.reporter), countries.label(state.partner)
    title = f"{reporter}–{partner} trade turnover"
    if flows.empty:
        return empty_figure(
            f"No annual trade between {reporter} and {partner} in the bundled sources.", title
        )
    wide = flows.pivot_table(index="year", columns="flow", values="value", aggfunc="first")
    currency = str(flows["currency"].iloc[0])
    short = ctx.sources.short(str(source))
    fig = Figure()
    for flow, label in (("export", f"{reporter}'s exports"), ("import", f"{reporter}'s imports")):
        if flow in wide:
            fig.add_trace(
                Bar(
                    x=wide.index,
                    y=wide[flow] / 1e9,
                    name=label,
                    marker_color=FLOW_COLOURS[flow],
                    hovertemplate=(
                        f"%{{x}}<br>{label}: {currency} %{{y:,.2f}} bn<br>{short}<extra></extra>"
                    ),
                )
            )
    if "turnover" in wide:
        fig.add_trace(
            Scatter(
                x=wide.index,
                y=wide["turnover"] / 1e9,
                name="Turnover",
                mode="markers",
                marker=dict(
                    color=FLOW_COLOURS["turnover"],
                    symbol="line-ew-open",
                    size=30,
                    line=dict(width=2),
                ),
                hovertemplate=(
                    f"%{{x}}<br>Turnover: {currency} %{{y:,.2f}} bn<br>{short}<extra></extra>"
                ),
            )
        )
        year = state.year if state.year in wide.index else int(wide.index.max())
        value = float(wide.loc[year, "turnover"])
        fig.add_annotation(
            x=year,
            y=value / 1e9,
            text=f"<b>{fmt_amount(value, currency)}</b><br>in {year}",
            showarrow=True,
            arrowhead=0,
            ax=0,
            ay=-40,
        )
    first, last = int(wide.index.min()), int(wide.index.max())
    years = f"{first}–{last}"
    fig.update_layout(
        barmode="stack",
        yaxis=dict(title=f"{currency} bn", rangemode="tozero"),
        # The wide turnover markers would stretch the autorange to a year without data each side.
        xaxis=dict(dtick=1, range=[first - 0.6, last + 0.6]),
        legend=dict(orientation="h", y=1.0, x=0.01, yanchor="top", traceorder="normal"),
    )
    subtitle = (
        f"{currency} bn, current prices; exports + imports = turnover; "
        f"{reporter}'s own statistics ({short}), {years}, newest edition per year"
    )
    vintages = flows[["source", "vintage"]].drop_duplicates()
    return finish(
        fig,
        title=title,
        subtitle=subtitle,
        source=sources_note(vintages, ctx.sources),
        as_of=ctx.as_of,
    )


NOT_CHECKABLE = "not checkable"


def _not_checkable(fig: Figure, checks: Sequence[Check], colour: str) -> None:
    """Claims with no official value to compare: their rows say so in words, at the left edge,
    and carry no marker on the % axis (a point at 0 would read as an exact match)."""
    fig.add_trace(
        Scatter(
            x=[None] * len(checks),  # the row exists on the category axis; nothing is plotted
            y=[c.label for c in checks],
            mode="markers",
            name=f"{NOT_CHECKABLE} (no official figure)",
            marker=dict(color=colour, size=13, symbol="circle-open"),
            hoverinfo="skip",
        )
    )
    for c in checks:
        fig.add_annotation(
            x=0,
            xref="paper",
            xanchor="left",
            y=c.label,
            yref="y",
            text=f"○ <i>not checkable</i>: stated {c.stated}, no official figure to compare",
            showarrow=False,
            font=dict(size=11, color="#555"),
            bgcolor="white",
        )


@builds
def facts_chart(checks: Sequence[Check], state: ViewState, ctx: Context) -> go.Figure:
    """Each curated figure's difference from the official value, coloured by the verdict.

    `checks`: the pair's fact checks in the facts file's order (`briefing.fact_checks`).
    """
    reporter, partner = countries.label(state.reporter), countries.label(state.partner)
    title = f"Published claims vs official data: {reporter} and {partner}"
    checks = list(checks)
    if not checks:
        return empty_figure(f"No curated published figures about {reporter} and {partner}.", title)
    checks = checks[::-1]  # first fact at the top
    fig = Figure()
    for status, colour in STATUS_COLOURS.items():
        mine = [c for c in checks if c.status == status]
        if not mine:
            continue
        if status == NOT_CHECKABLE or any(c.computed_value in (None, 0) for c in mine):
            unplaced = [c for c in mine if status == NOT_CHECKABLE or c.computed_value in (None, 0)]
            _not_checkable(fig, unplaced, colour)
            mine = [c for c in mine if c not in unplaced]
            if not mine:
                continue
        x = [(c.stated_value - c.computed_value) / abs(c.computed_value) for c in mine]
        texts = [
            f"stated {c.stated} · data {c.computed}"
            if c.computed and status != "partial"
            else f"stated {c.stated} · data {c.computed} (part of the period)"
            if c.computed
            else f"stated {c.stated} · no official figure"
            for c in mine
        ]
        fig.add_trace(
            Scatter(
                x=x,
                y=[c.label for c in mine],
                mode="markers+text",
                name=status,
                text=texts,
                # labels of far-right points go to their left so they are never cut off
                textposition=["middle left" if v > 0.3 else "middle right" for v in x],
                textfont=dict(size=11),
                marker=dict(
                    color=colour,
                    size=13,
                    symbol="circle-open" if status == "not checkable" else "circle",
                ),
                customdata=[c.text for c in mine],
                hovertemplate="%{y}<br>%{customdata}<extra></extra>",
            )
        )
    fig.add_vline(x=0, line=dict(color="#777", width=1))
    top = max(0.3, *(abs(t) for tr in fig.data for t in tr["x"] if t is not None))
    fig.update_layout(
        xaxis=dict(
            title="Stated value vs official value (% difference; 0 = identical)",
            tickformat="+.0%",
            range=[-top * 0.3, top * 1.9],
            zeroline=False,
        ),
        yaxis=dict(categoryorder="array", categoryarray=[c.label for c in checks]),
        # inside the plot, bottom right: the labels run left to right from 0, rarely that far
        legend=dict(
            orientation="h",
            y=0.0,
            x=1,
            xanchor="right",
            yanchor="bottom",
            bgcolor="rgba(255,255,255,0.8)",
        ),
        margin=dict(l=230, r=30),
    )
    docs = sorted({c.document for c in checks})
    subtitle = (
        "Each published figure beside the value computed from the bundled official "
        f"statistics; claims from {', '.join(d[0].lower() + d[1:] for d in docs)}"
    )
    sources = sorted({c.source for c in checks if c.source})
    source = (
        (", ".join(sources) + " (official); claims as published")
        if sources
        else "claims as published"
    )
    return finish(
        fig,
        title=title,
        subtitle=subtitle,
        source=source,
        as_of=ctx.as_of,
        height=max(520, 38 * len(checks) + 230),
    )

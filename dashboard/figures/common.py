"""Conventions every chart follows, so an exported PNG stands alone.

Title and subtitle (units, basis, period) at the top; source and "data as of" at the bottom,
inside the figure. Missing data gives a figure that says so instead of an empty axis.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from dashboard.theme import TEMPLATE_NAME, register_template


def fmt_amount(value: float | None, currency: str = "USD", digits: int = 1) -> str:
    """'USD 16.1 bn', 'USD 402.6 m', 'EUR 12,345'; '–' for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "-" if value < 0 else ""
    v = abs(value)
    for size, suffix in ((1e9, "bn"), (1e6, "m")):
        if v >= size:
            return f"{sign}{currency} {v / size:,.{digits}f} {suffix}"
    return f"{sign}{currency} {v:,.0f}"


def fmt_pct(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:{'+' if signed else ''}.{digits}f}%"


def fmt_count(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}"


def finish(
    fig: go.Figure, *, title: str, subtitle: str, source: str, as_of: str, height: int = 520
) -> go.Figure:
    """Apply the template, the two-line title and the in-figure source footnote."""
    register_template()
    fig.update_layout(
        template=TEMPLATE_NAME,
        title=dict(
            text=f"<b>{title}</b><br><span style='font-size:13px;color:#555'>{subtitle}</span>"
        ),
        height=height,
    )
    fig.add_annotation(
        text=f"Source: {source} · Data as of {as_of}",
        xref="paper",
        yref="paper",
        x=0,
        y=-0.13,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font=dict(size=11, color="#555"),
        align="left",
    )
    return fig


def empty_figure(message: str, title: str = "", height: int = 520) -> go.Figure:
    """A figure that states why there is no chart (no data for this selection), never blank axes."""
    register_template()
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE_NAME,
        height=height,
        title=dict(text=f"<b>{title}</b>" if title else ""),
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        annotations=[
            dict(
                text=message,
                xref="paper",
                yref="paper",
                x=0.5,
                y=0.5,
                showarrow=False,
                font=dict(size=15, color="#555"),
            )
        ],
    )
    fig.layout.meta = {"empty": True, "message": message}
    return fig

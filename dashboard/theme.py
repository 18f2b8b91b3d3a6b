"""Plotly template, colour-blind-safe palette, consistent partner colours and graph config."""

from __future__ import annotations

import hashlib
import re

import plotly.graph_objects as go
import plotly.io as pio

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
OTHER_COLOUR = "#BBBBBB"
FLOW_COLOURS = {
    "turnover": "#000000",
    "export": "#0072B2",
    "import": "#E69F00",
    "balance": "#009E73",
}
# Fixed colours for the partners that dominate Kazakh trade, so they never change between views.
FIXED = {
    "CHN": "#D55E00",
    "RUS": "#0072B2",
    "ITA": "#009E73",
    "NLD": "#E69F00",
    "DEU": "#CC79A7",
    "TUR": "#56B4E9",
    "KOR": "#F0E442",
    "UZB": "#000000",
    "FRA": "#882255",
    "USA": "#332288",
    "WLD": "#444444",
}
FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
TEMPLATE_NAME = "tradeboard"


def partner_colour(code: str) -> str:
    """The same colour for a partner on every page and in every export."""
    if code in FIXED:
        return FIXED[code]
    digest = int(hashlib.sha1(code.encode()).hexdigest(), 16)
    return PALETTE[digest % len(PALETTE)]


_AXIS = dict(
    showline=True,
    linecolor="#444",
    ticks="outside",
    tickcolor="#444",
    showgrid=False,
    zeroline=False,
    title=dict(standoff=8),
    automargin=True,
)


def register_template() -> None:
    """A lean template: only layout defaults, so every figure stays small and quick to build.

    (Plotly's built-in templates carry defaults for every trace type: ~8 KB in each figure's
    JSON and ~15 ms to validate per figure.)
    """
    if TEMPLATE_NAME in pio.templates:
        return
    template = go.layout.Template(
        layout=dict(
            font=dict(family=FONT, size=13, color="#222"),
            colorway=PALETTE,
            title=dict(x=0.0, xanchor="left", font=dict(size=17)),
            margin=dict(l=70, r=30, t=90, b=95),
            hoverlabel=dict(font_family=FONT),
            separators=".,",
            paper_bgcolor="white",
            plot_bgcolor="white",
            xaxis=_AXIS,
            yaxis=_AXIS,
            legend=dict(bgcolor="rgba(255,255,255,0)"),
        )
    )
    pio.templates[TEMPLATE_NAME] = template


def safe_filename(*parts: object) -> str:
    """'partner_KAZ-ITA_2023_turnover' from parts; only [A-Za-z0-9_-], never a path."""
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_")
    return text[:120] or "tradeboard-chart"


def graph_config(filename: str) -> dict:
    """Modebar PNG download at 2x with a meaningful, sanitised filename."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": "png",
            "filename": safe_filename(filename),
            "scale": 2,
            "width": 1200,
            "height": 700,
        },
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }

"""Conventions every chart follows, so an exported PNG stands alone.

Title and subtitle (units, basis, period) at the top; source, the period the data end with and
the source's edition at the bottom, inside the figure (never the day the ETL ran). Missing data
gives a figure that says so instead of an empty axis.

Also the drawing helpers several pages share (names, units, legend and footnote placement), so
no figure module imports another.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.lean import Figure, builds
from dashboard.sources import SourceNames
from dashboard.theme import OTHER_COLOUR, partner_colour, partner_colours, template_json
from etl import countries
from etl.labels import FDI_MEASURE_TITLE, FLOW_TITLE

EMPTY_HEIGHT = 260
TOP = 80  # px above the plot: title and subtitle
TOP_WITH_LEGEND = 104  # ... and a one-line legend
# A flow as a chart label: the title word, with what turnover and balance are made of.
FLOW_LABEL = {
    **FLOW_TITLE,
    "turnover": f"{FLOW_TITLE['turnover']} (exports + imports)",
    "balance": f"{FLOW_TITLE['balance']} (exports − imports)",
}
# An FDI measure as a chart label: "Gross FDI inflows", "FDI inward stock".
MEASURE_LABEL = {
    m: (f"FDI {t.lower()}" if m == "inward_stock" else t.replace(" ", " FDI ", 1))
    for m, t in FDI_MEASURE_TITLE.items()
}
MEASURE_LOWER = {
    m: t if t.startswith("FDI") else t[0].lower() + t[1:] for m, t in MEASURE_LABEL.items()
}
# Groups are shown only among themselves, so their colours need only differ from each other.
GROUP_COLOURS = {
    "XRW": "#999999",
    "XAS": "#D55E00",
    "XEC": "#332288",
    "EUU": "#0072B2",
    "XCS": "#E69F00",
    "XEA": "#CC79A7",
    "XNE": "#009E73",
    "XAM": "#56B4E9",
    "XNU": "#882255",
    "XAF": "#000000",
    "XOC": "#F0E442",
    "EMU": "#44AA99",
    "XNS": "#BBBBBB",
}


@dataclass(frozen=True)
class Context:
    """What every chart's footnote needs besides its rows: how current the data are, and the
    source names. `as_of` is the footnote's tail after the source, "data to Dec 2023 · edition
    ..." (`data_note`), never the day the ETL ran: a 2014 edition must not look current."""

    as_of: str = ""
    sources: SourceNames = field(default_factory=SourceNames)
    data_end: date | None = None  # the last day of the newest period the chart's data cover


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
STALE_MONTHS = 18  # a page whose newest data are older than this says so at the top


def month_label(day: date) -> str:
    """date(2023, 12, 31) -> 'Dec 2023'."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def data_note(end: date | None, editions: Iterable[str] = ()) -> str:
    """'data to Dec 2023 · edition: 2023 edition published 2024-07-25': the footnote's tail."""
    parts = [f"data to {month_label(end)}"] if end is not None else []
    eds = [e for e in dict.fromkeys(editions) if e]
    if eds:
        parts.append("edition: " + "; ".join(eds))
    return " · ".join(parts)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def stale_sentence(end: date | None, today: date) -> str:
    """'The newest figures on this page end in Dec 2021 — 5 years ago.' when `end` is more than
    STALE_MONTHS before today; '' otherwise."""
    if end is None or months_between(end, today) <= STALE_MONTHS:
        return ""
    months = months_between(end, today)
    years = months // 12
    ago = f"{years} year{'s' if years != 1 else ''} ago" if years >= 2 else f"{months} months ago"
    return f"The newest figures on this page end in {month_label(end)} — {ago}."


def name(code: str) -> str:
    return countries.label(code)


def possessive_name(label: str) -> str:
    """ "Kazakhstan's", "Netherlands'"."""
    return f"{label}'" if label.endswith("s") else f"{label}'s"


def possessive(code: str) -> str:
    return possessive_name(countries.label(code))


def colour(code: str) -> str:
    """A country's fixed colour; partner groups get colours distinct from one another."""
    if countries.is_aggregate(code):
        return GROUP_COLOURS.get(code, OTHER_COLOUR)
    return partner_colour(code)


def colours(codes: Iterable[str]) -> list[str]:
    """`colour` of each code, with no two countries of one figure sharing a colour."""
    codes = [str(c) for c in codes]
    by_country = partner_colours(c for c in codes if not countries.is_aggregate(c))
    return [by_country.get(c) or colour(c) for c in codes]


def bn(values: pd.Series | float) -> pd.Series | float:
    """Base units -> billions, the unit every trade chart plots."""
    return values / 1e9


@dataclass(frozen=True)
class Unit:
    divisor: float
    suffix: str  # "bn" or "m"
    currency: str

    @property
    def text(self) -> str:
        return f"{self.currency} {self.suffix}"


def unit_for(values: pd.Series | list[float], currency: str) -> Unit:
    """Billions when the largest magnitude reaches one billion, else millions."""
    finite = [abs(v) for v in values if v is not None and not math.isnan(v)]
    peak = max(finite) if finite else 0.0
    return Unit(1e9, "bn", currency) if peak >= 1e9 else Unit(1e6, "m", currency)


def vintage_range(vintages: list[str]) -> str:
    """'2023 edition'; '2019–2023 editions' for several editions of one kind."""
    vs = sorted(set(vintages))
    if len(vs) == 1:
        return vs[0]
    heads = [v.rsplit(" ", 1) for v in vs]
    if all(len(h) == 2 for h in heads) and len({h[1] for h in heads}) == 1:
        return f"{heads[0][0]}–{heads[-1][0]} {heads[0][1]}s"
    return f"{vs[0]} … {vs[-1]}"


def sources_note(rows: pd.DataFrame, names: SourceNames) -> str:
    """'UNCTAD (2014–2023 editions); wiiw (2024 edition)' for the rows' sources and vintages."""
    pairs = rows[["source", "vintage"]].drop_duplicates() if len(rows) else rows
    by_source: dict[str, list[str]] = {}
    for source, vintage in pairs.itertuples(index=False):
        by_source.setdefault(str(source), []).append(str(vintage))
    parts = [names.label(source, vintage_range(vs)) for source, vs in by_source.items()]
    return "; ".join(parts) or "–"


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


# Plotly never wraps an annotation: a longer footnote runs past the figure's edge and is cut, on
# screen and in the PNG. At 11 px this many characters fit a 1,200 px export beside its margins.
NOTE_LINE_CHARS = 170


def wrap_note(text: str, width: int = NOTE_LINE_CHARS) -> str:
    """`text` in lines of at most `width` characters, joined by <br>: broken between its
    " · " parts (source, data end, edition), and between words only inside a longer part."""
    lines: list[str] = []
    line = ""
    for part in text.split(" · "):
        candidate = f"{line} · {part}" if line else part
        if len(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for word in part.split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
    return "<br>".join([*lines, line])


def finish(
    fig: Figure, *, title: str, subtitle: str, source: str, as_of: str, height: int = 520
) -> Figure:
    """Apply the template, the two-line title and the in-figure source footnote."""
    fig.layout["template"] = template_json()
    fig.update_layout(
        title=dict(
            text=f"<b>{title}</b><br><span style='font-size:13px;color:#555'>{subtitle}</span>"
        ),
        height=height,
    )
    fig.add_annotation(
        text=wrap_note(f"Source: {source} · {as_of}" if as_of else f"Source: {source}"),
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


@builds
def empty_figure(message: str, title: str = "", height: int = 520) -> Figure:
    """A figure that states why there is no chart (no data for this selection), never blank axes."""
    fig = Figure()
    fig.layout["template"] = template_json()
    fig.update_layout(
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
    fig.layout["meta"] = {"empty": True, "message": message}
    return fig


def no_data(message: str, title: str) -> go.Figure:
    """`empty_figure`, shorter: a sentence needs less room than a chart."""
    return empty_figure(message, title, height=EMPTY_HEIGHT)


def place_notes(fig: Figure, below: int, top: int = TOP) -> None:
    """Title at the top edge; the source footnote `below` px under the plot, whatever the height.

    `finish` places the footnote at a fraction of the plot height, which lands on tick labels
    or axis titles once a chart is shorter or taller than the default; pixels do not.
    """
    for ann in fig.layout.get("annotations", []):
        if str(ann.get("text")).startswith("Source:"):
            ann.update(y=0, yanchor="top", yshift=-below)
    fig.update_layout(
        title=dict(y=1, yanchor="top", pad=dict(t=22)), margin=dict(t=top, b=below + 30)
    )


def legend_on_top(fig: Figure) -> None:
    """A one-line horizontal legend between the subtitle and the plot, in reading order."""
    fig.update_layout(
        legend=dict(
            orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom", traceorder="normal"
        ),
    )

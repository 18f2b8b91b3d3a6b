"""World context: where the reporter stands among every reporter to UN Comtrade.

Rows are `etl.world_context.world_context` output (year, flow, reporter, value_usd, rank, share,
reporters_count, coverage_note): ranks and shares are among the countries that had reported,
of the sum of their World totals, not of true world trade. Pure: rows + parameters in, figure out.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import (
    Context,
    colour,
    finish,
    fmt_pct,
    name,
    place_notes,
    possessive,
)
from dashboard.figures.lean import Bar, builds, make_subplots
from dashboard.theme import OTHER_COLOUR
from etl.labels import FLOW_TITLE

NEIGHBOURS = 5  # reporters shown above and below the reporter's rank
FLOWS = ("export", "import")


def context_year(rows: pd.DataFrame, reporter: str, wanted: int | None) -> int | None:
    """`wanted` if the reporter has a total that year, else its latest year; None if never."""
    years = sorted({int(y) for y in rows.loc[rows["reporter"] == reporter, "year"]})
    if not years:
        return None
    return wanted if wanted in years else years[-1]


def standing(rows: pd.DataFrame, reporter: str, year: int, flow: str) -> pd.Series | None:
    """The reporter's row (rank, share, reporters_count, ...) for the year and flow."""
    hit = rows[(rows["reporter"] == reporter) & (rows["year"] == year) & (rows["flow"] == flow)]
    return hit.iloc[0] if len(hit) else None


def neighbours(rows: pd.DataFrame, reporter: str, year: int, flow: str) -> pd.DataFrame:
    """Reporters ranked within NEIGHBOURS places of the reporter, best rank first."""
    me = standing(rows, reporter, year, flow)
    if me is None:
        return rows.iloc[0:0]
    part = rows[(rows["year"] == year) & (rows["flow"] == flow)]
    near = part[(part["rank"] - int(me["rank"])).abs() <= NEIGHBOURS]
    return near.sort_values(["rank", "reporter"])


def coverage_line(rows: pd.DataFrame, downloaded: str = "") -> str:
    """'2023: 152 reporters · 2024: 53 reporters had reported by April 2025 — partial'."""
    parts = []
    for year, part in rows.groupby("year"):
        n = int(part["reporters_count"].max())
        partial = bool(part["coverage_note"].astype(str).str.len().max())
        if partial:
            when = f" by {downloaded}" if downloaded else ""
            parts.append(f"{year}: {n} reporters had reported{when} — partial")
        else:
            parts.append(f"{year}: {n} reporters")
    return " · ".join(parts)


def summary(rows: pd.DataFrame, reporter: str, year: int) -> str:
    """'Exports: #43 of 152, 0.355% · Imports: #47 of 152, 0.27%' (flows the reporter has)."""
    parts = []
    for flow in FLOWS:
        me = standing(rows, reporter, year, flow)
        if me is not None:
            parts.append(
                f"{FLOW_TITLE[flow]}: #{int(me['rank'])} of {int(me['reporters_count'])}, "
                f"{fmt_pct(float(me['share']), 3)}"
            )
    return " · ".join(parts)


@builds
def world_rank(
    rows: pd.DataFrame,
    reporter: str,
    year: int | None,
    source_note: str,
    ctx: Context,
    downloaded: str = "",
) -> go.Figure | None:
    """The reporter's rank and share among reporters, exports and imports side by side, with
    its ±NEIGHBOURS neighbours in the ranking; None (no card) when the reporter is absent."""
    year = context_year(rows, reporter, year) if len(rows) else None
    if year is None:
        return None
    flows = [f for f in FLOWS if standing(rows, reporter, year, f) is not None]
    fig = make_subplots(
        rows=1,
        cols=len(flows),
        subplot_titles=[f"{FLOW_TITLE[f]} (USD bn)" for f in flows],
        horizontal_spacing=0.22,
    )
    for col, flow in enumerate(flows, start=1):
        near = neighbours(rows, reporter, year, flow)
        fig.add_trace(
            Bar(
                x=(near["value_usd"] / 1e9).round(2).tolist(),
                y=[
                    f"#{int(r)} {name(c)}"
                    for r, c in zip(near["rank"], near["reporter"], strict=True)
                ],
                orientation="h",
                marker_color=[
                    colour(c) if c == reporter else OTHER_COLOUR for c in near["reporter"]
                ],
                text=[fmt_pct(float(s), 2) for s in near["share"]],
                textposition="outside",
                cliponaxis=False,
                name=FLOW_TITLE[flow],
                showlegend=False,
                hovertemplate="%{y}: USD %{x:.2f} bn, %{text} of reported world total"
                "<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(autorange="reversed", row=1, col=col)
        fig.update_xaxes(showgrid=True, row=1, col=col)
    title = f"{possessive(reporter)} place among reporters to UN Comtrade, {year}"
    subtitle = (
        f"{summary(rows, reporter, year)} (share of the reported world total)"
        f"<br>Coverage: {coverage_line(rows, downloaded)}"
    )
    finish(fig, title=title, subtitle=subtitle, source=source_note, as_of=ctx.as_of, height=470)
    place_notes(fig, below=40, top=120)
    return fig

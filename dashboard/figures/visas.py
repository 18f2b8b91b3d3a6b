"""Visas page: the partner's consulates in the reporter's country, and visas to its nationals.

Reading of the selection: issuer = state.partner (e.g. Italy), consulate country / nationality =
state.reporter (e.g. Kazakhstan). Two kinds of source, never mixed in one series:
- Schengen statistics (European Commission): annual counts by *place of application* (the
  consulate's country), not by the applicant's nationality; uniform (C) short-stay visas.
- US State Department NIV reports: monthly visas *issued* by *nationality*; no applications.
  Jan–X sums of monthly reports are approximations (the publisher warns against summing them).
Row grain of `data.visa_summary`: source x issuer x consulate country or nationality x category x
period, with applied / issued / not_issued counts, issuance rate and y/y growth of issued.
Pure builders: the rows come from `dashboard.views`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import (
    Context,
    colours,
    empty_figure,
    finish,
    fmt_count,
    fmt_pct,
    possessive_name,
)
from dashboard.figures.lean import Bar, Figure, Scatter, builds
from dashboard.state import ViewState
from dashboard.theme import OTHER_COLOUR, partner_colour
from etl import countries, periods
from etl.labels import VISA_MEASURE_WORD

MEASURE_COLOURS = {"applied": "#56B4E9", "issued": "#0072B2", "not_issued": "#D55E00"}
MEASURE_TEXT = VISA_MEASURE_WORD
TRACE_NAME = {"applied": "Applications", "issued": "Visas issued", "not_issued": "Not issued"}
BY_PLACE = "by place of application (consulate location, not applicants' nationality)"
SUM_OF_MONTHS = "sum of monthly reports"
US = "USA"  # issuer of the NIV reports: its fixed colour


def _years(rows: pd.DataFrame) -> str:
    lo, hi = int(rows["year"].min()), int(rows["year"].max())
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _names(state: ViewState) -> tuple[str, str]:
    return countries.label(state.partner), countries.label(state.reporter)


EXCEEDS = "issued_exceeds_applied"  # the ETL's check on each consulate row
EXCEEDS_NAME = "Flagged: a consulate issued more visas than it had applications"
EXCEEDS_COLOUR = "#882255"


def _exceeding(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows in which the ETL flags a consulate that issued more visas (uniform: + LTVs) than
    it received applications (none if the column is absent: older clean data)."""
    if EXCEEDS not in rows:
        return rows.iloc[0:0]
    return rows[rows[EXCEEDS].fillna(False).astype(bool)]


def _mark_exceeding(
    fig: Figure, flagged: pd.DataFrame, y: list[float], last: int, src: str
) -> None:
    """A marker above each flagged year (`last`: the axis's last year), counts in its hover."""
    if flagged.empty:
        return
    fig.add_trace(
        Scatter(
            x=flagged["year"].tolist(),
            y=y,
            mode="markers+text",
            name=EXCEEDS_NAME,
            text=["a consulate: issued > applied"] * len(flagged),
            # beside the marker, towards the middle: never cut at either end of the axis
            textposition=[
                "middle left" if year == last else "middle right" for year in flagged["year"]
            ],
            textfont=dict(size=11, color=EXCEEDS_COLOUR),
            marker=dict(symbol="triangle-down", size=12, color=EXCEEDS_COLOUR),
            customdata=list(zip(flagged["issued"], flagged["applied"], strict=True)),
            hovertemplate=(
                f"%{{x}}: at least one consulate in this country issued more visas (uniform "
                "visas plus LTVs) than it received applications, as printed by the source"
                "<br>all consulates: %{customdata[0]:,.0f} issued, %{customdata[1]:,.0f} "
                f"applied<br>{src}<extra></extra>"
            ),
        )
    )


@builds
def consulates_trend(rows: pd.DataFrame, state: ViewState, ctx: Context) -> go.Figure:
    """Applied / issued / not issued per year at the issuer's consulates in the country."""
    issuer, country = _names(state)
    title = f"Schengen visas at {possessive_name(issuer)} consulates in {country}"
    if rows.empty:
        return empty_figure(
            f"No Schengen visa statistics for {possessive_name(issuer)} consulates "
            f"in {country} (issuer = {issuer}, consulate country = {country}).",
            title,
        )
    src = ctx.sources.label(str(rows["source"].iloc[0]))
    fig = Figure()
    for measure in ("applied", "issued", "not_issued"):
        if rows[measure].isna().all():
            continue
        fig.add_trace(
            Bar(
                x=rows["year"],
                y=rows[measure],
                name=TRACE_NAME[measure],
                marker_color=MEASURE_COLOURS[measure],
                hovertemplate=(
                    f"%{{x}}<br>%{{y:,.0f}} uniform visas {MEASURE_TEXT[measure]}"
                    f"<br>{issuer} in {country}<br>{src}<extra></extra>"
                ),
            )
        )
    top = float(rows[["applied", "issued"]].max().max())
    flagged = _exceeding(rows)
    _mark_exceeding(
        fig,
        flagged,
        [
            1.04 * float(max(a, i))
            for a, i in zip(flagged["applied"], flagged["issued"], strict=True)
        ],
        int(rows["year"].max()),
        src,
    )
    fig.update_layout(
        barmode="group",
        # headroom so the legend, inside the plot, never sits on a bar
        yaxis=dict(
            title="Number per year",
            tickformat=",d",
            range=[0, (1.32 if len(flagged) else 1.22) * top],
        ),
        xaxis=dict(dtick=1),
        legend=dict(orientation="h", y=1.0, x=0.01, xanchor="left", yanchor="top"),
    )
    subtitle = f"Uniform (C) short-stay visas, {BY_PLACE}; issued ≠ applied; {_years(rows)}"
    return finish(fig, title=title, subtitle=subtitle, source=src, as_of=ctx.as_of)


@builds
def issuance_rate(rows: pd.DataFrame, state: ViewState, ctx: Context) -> go.Figure:
    issuer, country = _names(state)
    title = f"Share of applications granted at {possessive_name(issuer)} consulates in {country}"
    if not rows.empty:
        rows = rows.dropna(subset=["issuance_rate"])
    if rows.empty:
        return empty_figure(
            f"No applications and decisions for {possessive_name(issuer)} consulates in {country}.",
            title,
        )
    src = ctx.sources.label(str(rows["source"].iloc[0]))
    fig = Figure(
        Scatter(
            x=rows["year"],
            y=rows["issuance_rate"],
            mode="lines+markers+text",
            line=dict(color=MEASURE_COLOURS["issued"], width=2),
            text=[fmt_pct(v) for v in rows["issuance_rate"]],
            textposition="top center",
            customdata=list(zip(rows["issued"], rows["applied"], strict=True)),
            hovertemplate=(
                "%{x}<br>%{y:.1%} issued / applied<br>%{customdata[0]:,.0f} issued of "
                f"%{{customdata[1]:,.0f}} applications<br>{src}<extra></extra>"
            ),
        )
    )
    low = min(0.5, float(rows["issuance_rate"].min()) - 0.05)
    high = max(1.02, float(rows["issuance_rate"].max()) + 0.02)
    flagged = _exceeding(rows)
    _mark_exceeding(fig, flagged, [high - 0.01] * len(flagged), int(rows["year"].max()), src)
    fig.update_layout(
        yaxis=dict(
            title="Issued as % of applied",
            tickformat=".0%",
            range=[max(low, 0), high + (0.06 if len(flagged) else 0)],
        ),
        xaxis=dict(dtick=1),
        showlegend=False,
    )
    subtitle = f"Uniform visas issued ÷ uniform visa applications, %, {BY_PLACE}; {_years(rows)}"
    return finish(fig, title=title, subtitle=subtitle, source=src, as_of=ctx.as_of)


@builds
def issued_growth(rows: pd.DataFrame, state: ViewState, ctx: Context) -> go.Figure:
    issuer, country = _names(state)
    title = f"Change in visas issued by {possessive_name(issuer)} consulates in {country}"
    if not rows.empty:
        rows = rows.dropna(subset=["issued_yoy_growth"])
    if rows.empty:
        return empty_figure(
            f"Fewer than two consecutive years of visas issued by "
            f"{possessive_name(issuer)} consulates in {country}.",
            title,
        )
    src = ctx.sources.label(str(rows["source"].iloc[0]))
    growth = rows["issued_yoy_growth"]
    fig = Figure(
        Bar(
            x=rows["year"],
            y=growth,
            text=[fmt_pct(v, signed=True) for v in growth],
            textposition="outside",
            cliponaxis=False,
            marker_color=[
                MEASURE_COLOURS["issued"] if v >= 0 else MEASURE_COLOURS["not_issued"]
                for v in growth
            ],
            customdata=list(zip(rows["issued"], rows["issued_previous"], strict=True)),
            hovertemplate=(
                "%{x} vs previous year: %{y:+.1%}<br>%{customdata[0]:,.0f} issued vs "
                f"%{{customdata[1]:,.0f}}<br>{src}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        uniformtext=dict(minsize=11, mode="show"),  # every label at one size
        yaxis=dict(
            title="Change on previous year, %",
            tickformat="+.0%",
            zeroline=True,
            zerolinecolor="#999",
        ),
        xaxis=dict(dtick=1),
        showlegend=False,
    )
    subtitle = (
        f"Uniform visas issued, % change on the previous calendar year, {BY_PLACE}; {_years(rows)}"
    )
    return finish(fig, title=title, subtitle=subtitle, source=src, as_of=ctx.as_of)


@builds
def issuers_compared(rows: pd.DataFrame, state: ViewState, ctx: Context) -> go.Figure:
    """Every Schengen state's consulates in the country, one year, the partner highlighted."""
    country = countries.label(state.reporter)
    measure = state.visa_measure
    title = f"Schengen visas {MEASURE_TEXT[measure]} at each state's consulates in {country}"
    if rows.empty:
        return empty_figure(f"No Schengen visa statistics for consulates in {country}.", title)
    year = state.year if state.year in set(rows["year"]) else int(rows["year"].max())
    note = "" if state.year in (None, year) else f" ({state.year} has no data; showing {year})"
    in_year = rows[rows["year"] == year].dropna(subset=[measure])
    in_year = in_year[in_year[measure] > 0].sort_values(measure)
    if in_year.empty:
        return empty_figure(f"No visas {MEASURE_TEXT[measure]} in {country} in {year}.", title)
    src = ctx.sources.label(str(in_year["source"].iloc[0]))
    labels = [countries.label(c) for c in in_year["issuer"]]
    codes = in_year["issuer"].astype(str).tolist()
    bar_colours = colours(codes)  # each state its own colour; the partner stands out by opacity
    fig = Figure(
        Bar(
            x=in_year[measure],
            y=labels,
            orientation="h",
            marker=dict(
                color=bar_colours,
                opacity=[1.0 if c == state.partner else 0.4 for c in codes],
                line=dict(
                    color=["#222222" if c == state.partner else "white" for c in codes], width=1.5
                ),
            ),
            text=[fmt_count(v) for v in in_year[measure]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=(
                f"%{{y}}: %{{x:,.0f}} uniform visas {MEASURE_TEXT[measure]}<br>"
                f"consulates in {country}, {year}<br>{src}<extra></extra>"
            ),
        )
    )
    total = float(in_year[measure].sum())
    fig.update_layout(
        xaxis=dict(title=f"Uniform visas {MEASURE_TEXT[measure]}, number", tickformat=",d"),
        margin=dict(l=150, r=70),
        showlegend=False,
    )
    subtitle = (
        f"Uniform (C) visas, {year}{note}, {BY_PLACE}; issuer = Schengen state; "
        f"all states: {fmt_count(total)}"
    )
    height = max(520, 22 * len(in_year) + 220)
    return finish(fig, title=title, subtitle=subtitle, source=src, as_of=ctx.as_of, height=height)


@builds
def us_monthly(monthly: pd.DataFrame, state: ViewState, ctx: Context) -> go.Figure:
    nationals = countries.label(state.reporter)
    title = f"US nonimmigrant visas issued to nationals of {nationals}, monthly"
    if monthly.empty:
        return empty_figure(f"No US visa issuance data for nationals of {nationals}.", title)
    src = ctx.sources.label(str(monthly["source"].iloc[0]))
    labels = [periods.label("month", s, s) for s in monthly["period_start"]]
    fig = Figure(
        Bar(
            x=monthly["period_start"],
            y=monthly["issued"],
            customdata=labels,
            marker_color=partner_colour(US),
            hovertemplate=(
                f"%{{customdata}}<br>%{{y:,.0f}} visas issued to nationals of {nationals}"
                f"<br>all NIV classes<br>{src}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        yaxis=dict(title="Visas issued per month", tickformat=",d"),
        xaxis=dict(dtick="M3", tickformat="%b\n%Y"),
        showlegend=False,
    )
    span = f"{labels[0]}–{labels[-1]}"
    subtitle = (
        f"Number issued in each month, all nonimmigrant classes, by nationality "
        f"(issuer: United States; not applications); {span}"
    )
    return finish(fig, title=title, subtitle=subtitle, source=src, as_of=ctx.as_of)


@builds
def us_ytd(monthly: pd.DataFrame, cmp: dict | None, state: ViewState, ctx: Context) -> go.Figure:
    """Cumulative Jan–X per year, the latest year against the same months a year earlier.

    `monthly`: visas issued per month (`query.nationality_monthly`); `cmp`: its Jan–X
    comparison (`query.ytd_comparison`), None when there is none.
    """
    nationals = countries.label(state.reporter)
    title = f"US visas issued to nationals of {nationals}: year to date vs a year earlier"
    if cmp is None:
        return empty_figure(
            f"Fewer than two years of monthly US visa data for nationals of {nationals}.", title
        )
    src = ctx.sources.label(cmp["source"])
    m = monthly.assign(year=monthly["period_start"].dt.year, month=monthly["period_start"].dt.month)
    fig = Figure()
    for year, dash_style in ((cmp["year"] - 1, "dot"), (cmp["year"], "solid")):
        y = m[m["year"] == year].sort_values("month")
        complete = y["month"].to_numpy() == range(1, len(y) + 1)
        y = y[complete.cumprod().astype(bool)] if len(y) else y
        months = [periods.MONTH_ABBR[i - 1] for i in y["month"]]
        fig.add_trace(
            Scatter(
                x=months,
                y=y["issued"].cumsum(),
                name=f"{year} ({SUM_OF_MONTHS})",
                mode="lines+markers",
                line=dict(
                    color=partner_colour(US) if year == cmp["year"] else OTHER_COLOUR,
                    dash=dash_style,
                    width=2,
                ),
                hovertemplate=(
                    f"Jan–%{{x}} {year}: %{{y:,.0f}} visas issued<br>{SUM_OF_MONTHS}"
                    f"<br>{src}<extra></extra>"
                ),
            )
        )
    last = periods.MONTH_ABBR[cmp["last_month"] - 1]
    fig.add_annotation(
        x=last,
        y=cmp["value"],
        ax=-60,
        ay=-40,
        showarrow=True,
        arrowhead=0,
        align="right",
        text=(
            f"<b>{cmp['label']}: {fmt_count(cmp['value'])}</b><br>{cmp['previous_label']}: "
            f"{fmt_count(cmp['previous'])} ({fmt_pct(cmp['growth'], signed=True)})"
        ),
    )
    fig.update_layout(
        yaxis=dict(title="Visas issued, cumulative from January", tickformat=",d"),
        legend=dict(orientation="h", y=1.0, x=0.01, yanchor="top"),
    )
    subtitle = (
        f"Jan–month totals as the {SUM_OF_MONTHS} (the publisher warns monthly reports "
        f"do not add up exactly to annual totals); issued, by nationality"
    )
    return finish(fig, title=title, subtitle=subtitle, source=src, as_of=ctx.as_of)

"""Overview page: one reporter's trade with all partners, in one year and over time.

Shares and ranks come from `data.shares` (partner value / the same source's World row, same
vintage); totals from the World rows of `data.trade_all`. Partner groups (EU, CIS, EAEU...) are
shown only when asked (`state.aggregates`) and never beside or stacked with countries, because
they overlap each other and the countries in them.

The selection helpers at the top are shared with the partner page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go

from dashboard.data import CleanData
from dashboard.figures.common import empty_figure, finish, fmt_amount, fmt_pct
from dashboard.state import ViewState
from dashboard.theme import FLOW_COLOURS, OTHER_COLOUR, partner_colour
from etl import countries, registry

T = TypeVar("T")
TOP_N = 10  # bars and treemap tiles
STACK_N = 6
EMPTY_HEIGHT = 260
TOP = 80  # px above the plot: title and subtitle
TOP_WITH_LEGEND = (
    104  # ... and a one-line legend  # partners in the share-over-time stack; the rest is "Other"
)
# Preferred reporter-declared source per reporter; other reporters fall back to whatever source
# has their World row (IMF DOTS).
PREFERRED_SOURCE = {"KAZ": "bns-kz-trade-by-country"}
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
FLOW_LABEL = {
    "turnover": "Turnover (exports + imports)",
    "export": "Exports",
    "import": "Imports",
    "balance": "Balance (exports − imports)",
}
FLOW_WORD = {"turnover": "turnover", "export": "exports", "import": "imports", "balance": "balance"}


# ---- selections shared by the trade pages -----------------------------------------------------


_memo: dict[tuple[str, str], object] = {}
_memo_lock = threading.Lock()


def memo(data: CleanData, key: str, build: Callable[[], T]) -> T:
    """`build()` once per data version (lookups that scan whole frames); old versions dropped."""
    full = (data.version, key)
    if full in _memo:
        return _memo[full]  # type: ignore[return-value]
    value = build()
    with _memo_lock:
        for stale in [k for k in _memo if k[0] != data.version]:
            _memo.pop(stale, None)
        _memo[full] = value
    return value


# Index keys tried in order: a query giving these columns jumps straight to its rows.
_INDEXES = (("reporter", "partner"), ("source", "reporter"))


def select(
    frame_or_name: pd.DataFrame | str, data: CleanData | None = None, **equal: object
) -> pd.DataFrame:
    """Rows whose columns equal the given values (categorical-safe).

    Given a frame name and the data, a per-version index on (reporter, partner) or
    (source, reporter) avoids scanning e.g. the 1.6 million CAGR windows on every request.
    """
    if isinstance(frame_or_name, str):
        assert data is not None
        frame = getattr(data, frame_or_name)
        if frame.empty:
            return frame
        for cols in _INDEXES:
            if all(c in equal for c in cols) and all(c in frame for c in cols):
                positions = memo(
                    data,
                    f"index:{frame_or_name}:{cols}",
                    lambda f=frame, c=cols: {
                        tuple(str(v) for v in k): idx
                        for k, idx in f.groupby(list(c), observed=True).indices.items()
                    },
                )
                hit = positions.get(tuple(str(equal[c]) for c in cols))
                if hit is None:
                    return frame.iloc[0:0]
                frame = frame.iloc[hit]
                equal = {k: v for k, v in equal.items() if k not in cols}
                break
    else:
        frame = frame_or_name
    if frame.empty:
        return frame
    mask = pd.Series(True, index=frame.index)
    for col, value in equal.items():
        mask &= frame[col] == value
    return frame[mask]


def year_of(frame: pd.DataFrame) -> pd.Series:
    return frame["period_start"].dt.year


def trade_sources(data: CleanData, reporter: str) -> list[str]:
    """Sources with an annual World row AND a partner breakdown for this reporter.

    Preferred source first, then by latest year (newest first). A World-only source such as
    the BNS monthly totals cannot show partners, so it is not offered here.
    """
    return memo(data, f"trade_sources:{reporter}", lambda: _trade_sources(data, reporter))


def _trade_sources(data: CleanData, reporter: str) -> list[str]:
    s = data.shares
    if s.empty:
        return []
    rows = s[(s["reporter"] == reporter) & (s["basis"] == "year")]
    has_world = set(rows.loc[rows["partner"] == "WLD", "source"].astype(str))
    has_partners = set(rows.loc[~rows["partner_is_aggregate"].astype(bool), "source"].astype(str))
    found = has_world & has_partners
    latest = {src: int(year_of(rows[rows["source"] == src]).max()) for src in found}
    preferred = PREFERRED_SOURCE.get(reporter)
    return sorted(found, key=lambda src: (src != preferred, -latest[src], src))


def trade_reporters(data: CleanData) -> list[str]:
    """Reporters that have an annual World row and partners in some source."""

    def build() -> list[str]:
        s = data.shares
        if s.empty:
            return []
        rows = s[(s["basis"] == "year") & (s["partner"] == "WLD")]
        reporters = sorted(set(rows["reporter"].astype(str)))
        return sorted(
            (r for r in reporters if trade_sources(data, r)), key=lambda r: (r != "KAZ", r)
        )

    return memo(data, "trade_reporters", build)


def source_for(data: CleanData, state: ViewState) -> str | None:
    """The state's source if it fits the reporter, else the reporter's default source."""
    options = trade_sources(data, state.reporter)
    if state.source in options:
        return state.source
    return options[0] if options else None


def annual_years(data: CleanData, source: str, reporter: str) -> list[int]:
    rows = select("shares", data, source=source, reporter=reporter, partner="WLD", basis="year")
    return sorted({int(y) for y in year_of(rows)})


def year_for(data: CleanData, state: ViewState, source: str) -> int | None:
    """The state's year if the source has it, else the source's latest year."""
    years = annual_years(data, source, state.reporter)
    if not years:
        return None
    return state.year if state.year in years else years[-1]


def source_note(source: str, extra: str = "") -> str:
    """'BNS, Main indicators of ... (annual)' with an optional derivation note."""
    try:
        meta = registry.info(source)
        text = f"{meta.short}, {meta.title}"
    except KeyError:
        text = source
    return f"{text}; {extra}" if extra else text


def bn(values: pd.Series | float) -> pd.Series | float:
    """Base units -> billions, the unit every trade chart plots."""
    return values / 1e9


def colour(code: str) -> str:
    """A country's fixed colour; partner groups get colours distinct from one another."""
    if countries.is_aggregate(code):
        return GROUP_COLOURS.get(code, OTHER_COLOUR)
    return partner_colour(code)


def name(code: str) -> str:
    return countries.label(code)


def possessive(code: str) -> str:
    label = name(code)
    return f"{label}'" if label.endswith("s") else f"{label}'s"


# ---- figures ----------------------------------------------------------------------------------


def no_data(message: str, title: str) -> go.Figure:
    """`empty_figure`, shorter: a sentence needs less room than a chart."""
    return empty_figure(message, title, height=EMPTY_HEIGHT)


def _year_shares(data: CleanData, state: ViewState, source: str, year: int) -> pd.DataFrame:
    rows = select(
        "shares", data, source=source, reporter=state.reporter, flow=state.flow, basis="year"
    )
    return rows[year_of(rows) == year]


def top_partners(data: CleanData, state: ViewState, source: str, year: int) -> go.Figure:
    """Horizontal bars of the top partners (or partner groups), with rank and share labels."""
    rows = _year_shares(data, state, source, year)
    groups = state.aggregates
    kind = "partner groups" if groups else "trading partners"
    title = f"{possessive(state.reporter)} top {kind}, {year}"
    if groups:
        rows = rows[rows["partner_is_aggregate"].astype(bool) & (rows["partner"] != "WLD")]
    else:
        rows = rows[~rows["partner_is_aggregate"].astype(bool)]
    if rows.empty:
        return no_data(
            f"{name(state.reporter)}: no {FLOW_WORD[state.flow]} by partner in "
            f"{year} in {source_note(source)}",
            title,
        )
    top = rows.sort_values("value", ascending=False).head(TOP_N)
    codes = top["partner"].astype(str).tolist()
    labels = [name(c) for c in codes]
    currency = str(top["currency"].iloc[0])
    ranks = ["" if pd.isna(r) else f"#{int(r)}" for r in top["rank"]]
    text = [f"{r} · {fmt_pct(s)}".strip(" ·") for r, s in zip(ranks, top["share"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=bn(top["value"]).round(4).tolist(),
            y=labels,
            orientation="h",
            text=text,
            textposition="outside",
            cliponaxis=False,
            marker_color=[colour(c) for c in codes],
            customdata=list(zip([fmt_pct(s) for s in top["share"]], ranks, strict=True)),
            hovertemplate=(
                f"<b>%{{y}}</b><br>{FLOW_LABEL[state.flow]} {year}: {currency} "
                f"%{{x:,.2f}} bn<br>Share of {possessive(state.reporter)} total: "
                f"%{{customdata[0]}} %{{customdata[1]}}<br>Source: "
                f"{registry_short(source)}<extra></extra>"
            ),
            name=FLOW_LABEL[state.flow],
        )
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=f"{currency} bn", rangemode="tozero")
    label = (
        "share of the total with the world; groups overlap (EAEU is part of the CIS), "
        "so shares do not add up"
        if groups
        else "rank and share of the total with the world"
    )
    finish(
        fig,
        title=title,
        subtitle=f"{FLOW_LABEL[state.flow]}, {currency} bn, current prices, {year} · "
        f"labels: {label}",
        source=source_note(source),
        as_of=data.as_of,
        height=500,
    )
    fig.update_layout(showlegend=False, margin=dict(r=90))
    place_notes(fig, 58)
    return fig


def registry_short(source: str) -> str:
    try:
        return registry.info(source).short
    except KeyError:
        return source


def partner_treemap(data: CleanData, state: ViewState, source: str, year: int) -> go.Figure:
    """Countries' shares of the World total as tiles; the tail is one 'Other countries' tile."""
    rows = _year_shares(data, state, source, year)
    title = f"{possessive(state.reporter)} {FLOW_WORD[state.flow]} by partner country, {year}"
    countries_ = rows[~rows["partner_is_aggregate"].astype(bool)].sort_values(
        "value", ascending=False
    )
    world = rows.loc[rows["partner"] == "WLD", "value"]
    if countries_.empty or world.empty:
        return no_data(
            f"No partner breakdown of {FLOW_WORD[state.flow]} for {name(state.reporter)} in {year}",
            title,
        )
    world_value = float(world.iloc[0])
    currency = str(countries_["currency"].iloc[0])
    top = countries_.head(TOP_N)
    codes = top["partner"].astype(str).tolist()
    labels = [name(c) for c in codes]
    values = top["value"].tolist()
    colours = [colour(c) for c in codes]
    rest = float(countries_["value"].iloc[TOP_N:].sum())
    if rest > 0:
        labels.append(f"Other countries ({len(countries_) - len(top)})")
        values.append(rest)
        colours.append(OTHER_COLOUR)
    unallocated = world_value - float(countries_["value"].sum())
    # BNS and IMF both publish a residual that no country carries; show it rather than let the
    # tiles pretend to add up to the World row.
    if unallocated > 0.0005 * world_value:
        labels.append("Not allocated to a country")
        values.append(unallocated)
        colours.append("#E5E5E5")
    shares = [v / world_value for v in values]
    fig = go.Figure(
        go.Treemap(
            labels=labels,
            parents=[""] * len(labels),
            values=[round(v / 1e9, 4) for v in values],
            marker=dict(colors=colours),
            sort=False,
            pathbar=dict(visible=False),  # one level: the path bar would only take room
            customdata=[
                [fmt_pct(s), fmt_amount(v, currency)] for s, v in zip(shares, values, strict=True)
            ],
            texttemplate="<b>%{label}</b><br>%{customdata[0]}",
            hovertemplate=(
                f"<b>%{{label}}</b><br>{FLOW_LABEL[state.flow]} {year}: "
                f"%{{customdata[1]}}<br>Share of total: %{{customdata[0]}}<br>Source: "
                f"{registry_short(source)}<extra></extra>"
            ),
            name=FLOW_LABEL[state.flow],
        )
    )
    extra = " (partner groups overlap, so they are never tiles)" if state.aggregates else ""
    finish(
        fig,
        title=title,
        subtitle=f"{FLOW_LABEL[state.flow]}, share of the total with the world, {year}; "
        f"tile size = {currency} bn; top {TOP_N} countries, the rest as Other{extra}",
        source=source_note(source),
        as_of=data.as_of,
        height=480,
    )
    fig.update_layout(margin=dict(l=10, r=10))
    place_notes(fig, 8)
    return fig


def share_history(data: CleanData, state: ViewState, source: str, year: int) -> go.Figure:
    """100% stacked area of the top partners' shares over time, the rest as Other."""
    rows = select(
        "shares", data, source=source, reporter=state.reporter, flow=state.flow, basis="year"
    )
    rows = rows.assign(year=year_of(rows))
    groups = state.aggregates
    word = "partner groups'" if groups else "partners'"
    title = f"Top {word} shares of {possessive(state.reporter)} {FLOW_WORD[state.flow]}"
    pick = rows[rows["year"] == year]
    if groups:
        pick = pick[pick["partner_is_aggregate"].astype(bool) & (pick["partner"] != "WLD")]
    else:
        pick = pick[~pick["partner_is_aggregate"].astype(bool)]
    if pick.empty:
        return no_data(f"No partner shares for {name(state.reporter)} in {year}", title)
    codes = pick.sort_values("value", ascending=False)["partner"].astype(str).head(STACK_N)
    codes = codes.tolist()
    years = sorted(rows.loc[rows["partner"] == "WLD", "year"].unique())
    wide = (
        rows[rows["partner"].isin(codes)]
        .pivot_table(index="year", columns="partner", values="share", observed=True)
        .reindex(index=years, columns=codes)
    )
    fig = go.Figure()
    short = registry_short(source)
    for code in codes:
        values = (wide[code] * 100).round(3)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=values.tolist(),
                name=name(code),
                mode="lines",
                line=dict(width=0.5 if not groups else 2.5, color=colour(code)),
                stackgroup=None if groups else "shares",
                hovertemplate=f"<b>{name(code)}</b> %{{x}}: %{{y:.1f}}% of total · {short}"
                "<extra></extra>",
            )
        )
    if not groups:
        other = (100 - (wide.fillna(0) * 100).sum(axis=1)).clip(lower=0).round(3)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=other.tolist(),
                name="All other partners",
                mode="lines",
                line=dict(width=0.5, color=OTHER_COLOUR),
                stackgroup="shares",
                hovertemplate="<b>All other partners</b> %{x}: %{y:.1f}% of total"
                f" · {short}<extra></extra>",
            )
        )
        fig.update_yaxes(range=[0, 100])
    fig.update_yaxes(title="% of total", ticksuffix="%")
    fig.update_xaxes(title=None, dtick=1 if len(years) <= 12 else None)
    how = (
        "lines, not stacked: groups overlap"
        if groups
        else f"stacked to 100%; top {STACK_N} partners of {year}, the rest as Other"
    )
    finish(
        fig,
        title=f"{title}, {years[0]}–{years[-1]}",
        subtitle=f"{FLOW_LABEL[state.flow]}, % of the total with the world · {how}",
        source=source_note(source),
        as_of=data.as_of,
        height=480,
    )
    legend_on_top(fig)
    place_notes(fig, 32, top=TOP_WITH_LEGEND)
    return fig


def place_notes(fig: go.Figure, below: int, top: int = TOP) -> None:
    """Title at the top edge; the source footnote `below` px under the plot, whatever the height.

    `finish` places the footnote at a fraction of the plot height, which lands on tick labels
    or axis titles once a chart is shorter or taller than the default; pixels do not.
    """
    for ann in fig.layout.annotations:
        if str(ann.text).startswith("Source:"):
            ann.update(y=0, yanchor="top", yshift=-below)
    fig.update_layout(
        title=dict(y=1, yanchor="top", pad=dict(t=22)), margin=dict(t=top, b=below + 30)
    )


def legend_on_top(fig: go.Figure) -> None:
    """A one-line horizontal legend between the subtitle and the plot, in reading order."""
    fig.update_layout(
        legend=dict(
            orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom", traceorder="normal"
        ),
    )


def totals(data: CleanData, state: ViewState, source: str, year: int) -> go.Figure:
    """Total turnover, exports and imports with the world over time (World rows)."""
    rows = select(
        "trade_all",
        data,
        source=source,
        reporter=state.reporter,
        partner="WLD",
        basis="year",
        commodity="TOTAL",
    )
    title = f"{possessive(state.reporter)} total trade with the world"
    if rows.empty:
        return no_data(f"No World totals for {name(state.reporter)} in {source}", title)
    rows = rows.sort_values("vintage").drop_duplicates(["flow", "period_start"], keep="last")
    rows = rows.assign(year=year_of(rows)).sort_values("year")
    currency = str(rows["currency"].iloc[0])
    fig = go.Figure()
    short = registry_short(source)
    derived = False
    for flow in ("turnover", "export", "import"):
        part = rows[rows["flow"] == flow]
        if part.empty:
            continue
        derived |= bool((part["derivation"].astype(str) != "").any())
        fig.add_trace(
            go.Scatter(
                x=part["year"].tolist(),
                y=bn(part["value"]).round(4).tolist(),
                name=FLOW_LABEL[flow].split(" (")[0],
                mode="lines+markers",
                line=dict(color=FLOW_COLOURS[flow], width=3 if flow == "turnover" else 2),
                hovertemplate=f"<b>{FLOW_LABEL[flow]}</b> %{{x}}: {currency} %{{y:,.2f}} bn"
                f" · {short}<extra></extra>",
            )
        )
    years = rows["year"].unique()
    fig.add_vline(x=year, line=dict(color="#999", dash="dot", width=1))
    fig.update_yaxes(title=f"{currency} bn", rangemode="tozero")
    fig.update_xaxes(title=None, dtick=1 if len(years) <= 12 else None)
    extra = "turnover = exports + imports (derived)" if derived else ""
    finish(
        fig,
        title=f"{title}, {years.min()}–{years.max()}",
        subtitle=f"{currency} bn, current prices, calendar years (World rows) · dotted line: "
        f"{year}",
        source=source_note(source, extra),
        as_of=data.as_of,
        height=440,
    )
    legend_on_top(fig)
    place_notes(fig, 32, top=TOP_WITH_LEGEND)
    return fig


def figures(data: CleanData, state: ViewState) -> dict[str, go.Figure]:
    source = source_for(data, state)
    if source is None:
        msg = f"No trade data with a World total for {name(state.reporter)}"
        return {"top_partners": no_data(msg, "Top trading partners")}
    year = year_for(data, state, source)
    if year is None:
        msg = f"No annual data for {name(state.reporter)} in {source_note(source)}"
        return {"top_partners": no_data(msg, "Top trading partners")}
    return {
        "top_partners": top_partners(data, state, source, year),
        "partner_treemap": partner_treemap(data, state, source, year),
        "share_history": share_history(data, state, source, year),
        "totals": totals(data, state, source, year),
    }

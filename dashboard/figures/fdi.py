"""FDI page: investment into the host (state.reporter) from the partner and from the World.

Row grain of `data.fdi`: host x investor x measure x period x vintage, `value` in units of
`currency` (USD or EUR; EUR rows have no USD value and stay EUR). Gross inflows, net inflows and
inward stocks are different concepts from different sources (UNCTAD gross USD, wiiw net and
stocks EUR, NBK quarterly net USD for all investors): a chart shows one measure of one source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.data import CleanData
from dashboard.figures.common import empty_figure, finish, fmt_amount
from dashboard.state import ViewState
from dashboard.theme import OTHER_COLOUR, partner_colour
from etl import countries, periods, registry

WORLD = "WLD"
DEFAULT_WINDOW_START = 2005  # the window the Kazakh MFA uses ("since 2005")
TOP_N = 10
MEASURE_LABEL = {
    "gross_inflow": "Gross FDI inflows",
    "net_inflow": "Net FDI inflows",
    "inward_stock": "FDI inward stock",
}
MEASURE_LOWER = {
    "gross_inflow": "gross FDI inflows",
    "net_inflow": "net FDI inflows",
    "inward_stock": "FDI inward stock",
}
MEASURE_NOTE = {
    "gross_inflow": "gross inflows (new investment, before disinvestment)",
    "net_inflow": "net inflows (new investment minus disinvestment; can be negative)",
    "inward_stock": "inward stock (position at year end)",
}
CLAIM_COLOUR = "#D55E00"


# ---- selection helpers (also used by the briefing) --------------------------------------------


def frame(data: CleanData, name: str) -> pd.DataFrame:
    """A clean frame, or an empty one when the ETL did not produce it."""
    return data.frames.get(name, pd.DataFrame())


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """Categoricals to plain objects, so comparisons and groupbys on a small slice are simple."""
    cats = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
    return df.astype({c: object for c in cats}) if cats else df


def source_label(source: str, vintage: str | None = None) -> str:
    """'UNCTAD (2014 edition)': the registry's short name, never a literal in figure code."""
    try:
        short = registry.info(source).short
    except KeyError:
        short = source
    return f"{short} ({vintage})" if vintage else short


def sources_note(rows: pd.DataFrame) -> str:
    pairs = rows[["source", "vintage"]].drop_duplicates() if len(rows) else rows
    by_source: dict[str, list[str]] = {}
    for source, vintage in pairs.itertuples(index=False):
        by_source.setdefault(str(source), []).append(str(vintage))
    parts = [source_label(source, vintage_range(vs)) for source, vs in by_source.items()]
    return "; ".join(parts) or "–"


def vintage_range(vintages: list[str]) -> str:
    """'2023 edition'; '2019–2023 editions' for several editions of one kind."""
    vs = sorted(set(vintages))
    if len(vs) == 1:
        return vs[0]
    heads = [v.rsplit(" ", 1) for v in vs]
    if all(len(h) == 2 for h in heads) and len({h[1] for h in heads}) == 1:
        return f"{heads[0][0]}–{heads[-1][0]} {heads[0][1]}s"
    return f"{vs[0]} … {vs[-1]}"


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


def annual(fdi: pd.DataFrame, host: str, measure: str) -> pd.DataFrame:
    """Annual rows of one host and measure, newest vintage per source, investor and year."""
    if fdi.empty or "host" not in fdi:
        return pd.DataFrame()
    rows = fdi[(fdi["host"] == host) & (fdi["measure"] == measure) & (fdi["basis"] == "year")]
    if rows.empty:
        return pd.DataFrame()
    rows = plain(rows).sort_values("vintage")
    rows = rows.drop_duplicates(["source", "investor", "period_start"], keep="last")
    return rows.assign(year=rows["period_start"].dt.year).sort_values("year")


def pick_source(rows: pd.DataFrame, partner: str, wanted: str | None = None) -> str | None:
    """The source to chart: the requested one if it has the measure, else the one that covers
    the partner in the most years (ties: the latest year)."""
    if rows.empty:
        return None
    available = set(rows["source"])
    if wanted in available:
        return wanted
    scores = []
    for source, g in rows.groupby("source"):
        p = g[g["investor"] == partner]
        scores.append((len(p), int(g["year"].max()), str(source)))
    return max(scores)[2]


def series(
    data: CleanData, host: str, investor: str, measure: str, source: str | None = None
) -> pd.DataFrame:
    """One investor's annual series of one measure from one source (the default source if None)."""
    rows = annual(frame(data, "fdi"), host, measure)
    chosen = pick_source(rows, investor, source)
    if chosen is None:
        return pd.DataFrame()
    return rows[(rows["source"] == chosen) & (rows["investor"] == investor)]


def claims(data: CleanData, reporter: str, partner: str, measure: str) -> pd.DataFrame:
    """Curated cumulative FDI figures (facts check rows) for this host x investor and measure."""
    checks = frame(data, "facts_check")
    if checks.empty or "topic" not in checks:
        return pd.DataFrame()
    hit = checks[
        (checks["topic"] == "fdi")
        & (checks["measure"] == f"{measure}_cumulative")
        & (checks["reporter"] == reporter)
        & (checks["partner"] == partner)
    ]
    return plain(hit)


def cumulative_window(
    data: CleanData,
    host: str,
    investor: str,
    measure: str,
    start: int | None,
    end: int | None,
    source: str | None = None,
) -> pd.Series | None:
    """The fdi_cumulative row for the window [start, end] clamped to the years with data."""
    cum = frame(data, "fdi_cumulative")
    if cum.empty or "host" not in cum:
        return None
    rows = plain(
        cum[(cum["host"] == host) & (cum["investor"] == investor) & (cum["measure"] == measure)]
    )
    if rows.empty:
        return None
    chosen = source if source in set(rows["source"]) else None
    if chosen is None:
        # The source with the longest run of years for this investor.
        span = rows.groupby("source")["end_year"].max() - rows.groupby("source")["start_year"].min()
        chosen = str(span.idxmax())
    rows = rows[rows["source"] == chosen]
    first, last = int(rows["start_year"].min()), int(rows["end_year"].max())
    lo = max(start if start is not None else DEFAULT_WINDOW_START, first)
    hi = min(end if end is not None else last, last)
    if lo > hi:
        return None
    hit = rows[(rows["start_year"] == lo) & (rows["end_year"] == hi)]
    if hit.empty:
        # The exact end year has no value (a gap): take the latest window end before it.
        hit = rows[(rows["start_year"] == lo) & (rows["end_year"] <= hi)].sort_values("end_year")
        if hit.empty:
            return None
    return hit.iloc[-1]


# ---- figures ----------------------------------------------------------------------------------


def _bar_or_line(
    measure: str,
    x: list,
    y: list,
    name: str,
    colour: str,
    hover: str,
    xaxis: str = "x",
    yaxis: str = "y",
) -> go.BaseTraceType:
    if measure == "inward_stock":
        return go.Scatter(
            x=x,
            y=y,
            name=name,
            mode="lines+markers",
            line=dict(color=colour),
            hovertemplate=hover,
            xaxis=xaxis,
            yaxis=yaxis,
        )
    return go.Bar(
        x=x, y=y, name=name, marker_color=colour, hovertemplate=hover, xaxis=xaxis, yaxis=yaxis
    )


def _hover(unit: Unit, what: str, source: str, digits: int = 2) -> str:
    return (
        f"%{{x}}<br>{unit.currency} %{{y:,.{digits}f}} {unit.suffix}<br>{what}"
        f"<br>{source}<extra></extra>"
    )


def _two_panels(fig: go.Figure, top: str, bottom: str, top_unit: str, bottom_unit: str) -> None:
    """Two stacked panels with their own y axes (never one axis for two scales or concepts)."""
    fig.update_layout(
        xaxis=dict(domain=[0, 1], anchor="y", showticklabels=True, dtick=1),
        yaxis=dict(
            domain=[0.58, 1.0], title=dict(text=top_unit), zeroline=True, zerolinecolor="#999"
        ),
        xaxis2=dict(domain=[0, 1], anchor="y2", matches="x", dtick=1),
        yaxis2=dict(
            domain=[0.0, 0.40], title=dict(text=bottom_unit), zeroline=True, zerolinecolor="#999"
        ),
        showlegend=False,
    )
    for text, y in ((top, 1.0), (bottom, 0.40)):
        fig.add_annotation(
            text=f"<b>{text}</b>",
            xref="paper",
            yref="paper",
            x=0,
            y=y,
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            font=dict(size=13, color="#333"),
        )


def over_time(data: CleanData, state: ViewState) -> go.Figure:
    """The partner's and the World's series of the selected measure, one source, two panels."""
    host, partner, measure = state.reporter, state.partner, state.measure
    title = (
        f"{MEASURE_LABEL[measure]} into {countries.label(host)} from "
        f"{countries.label(partner)} and from the World"
    )
    rows = annual(frame(data, "fdi"), host, measure)
    source = pick_source(rows, partner, state.source)
    if source is None:
        return empty_figure(
            f"No {MEASURE_LOWER[measure]} data for "
            f"{countries.label(host)} as host in the bundled sources.",
            title,
        )
    rows = rows[rows["source"] == source]
    p = rows[rows["investor"] == partner]
    w = rows[rows["investor"] == WORLD]
    if p.empty and w.empty:
        return empty_figure(
            f"{source_label(source)} has no {MEASURE_LOWER[measure]} for "
            f"{countries.label(partner)} or the World into "
            f"{countries.label(host)}.",
            title,
        )
    currency = str(rows["currency"].iloc[0])
    years = f"{int(rows['year'].min())}–{int(rows['year'].max())}"
    src = source_label(source)
    fig = go.Figure()
    p_unit = unit_for(p["value"], currency)
    w_unit = unit_for(w["value"], currency)
    if not w.empty and not p.empty:
        fig.add_trace(
            _bar_or_line(
                measure,
                p["year"].tolist(),
                (p["value"] / p_unit.divisor).tolist(),
                countries.label(partner),
                partner_colour(partner),
                _hover(p_unit, f"{MEASURE_LABEL[measure]} from {countries.label(partner)}", src),
            )
        )
        fig.add_trace(
            _bar_or_line(
                measure,
                w["year"].tolist(),
                (w["value"] / w_unit.divisor).tolist(),
                "World",
                partner_colour(WORLD),
                _hover(w_unit, f"{MEASURE_LABEL[measure]} from all investors", src),
                xaxis="x2",
                yaxis="y2",
            )
        )
        _two_panels(
            fig,
            f"From {countries.label(partner)}",
            "From all investors (World)",
            p_unit.text,
            w_unit.text,
        )
    else:
        one, code = (p, partner) if not p.empty else (w, WORLD)
        unit = unit_for(one["value"], currency)
        fig.add_trace(
            _bar_or_line(
                measure,
                one["year"].tolist(),
                (one["value"] / unit.divisor).tolist(),
                countries.label(code),
                partner_colour(code),
                _hover(unit, f"{MEASURE_LABEL[measure]} from {countries.label(code)}", src),
            )
        )
        missing = "the World total" if code == partner else countries.label(partner)
        fig.update_layout(yaxis_title=unit.text, xaxis=dict(dtick=1), showlegend=False)
        fig.add_annotation(
            text=f"{src} has no series for {missing}",
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            showarrow=False,
            font=dict(size=11, color="#555"),
        )
    eur = " — EUR, not converted" if currency == "EUR" else ""
    units = {
        f"{p_unit.text} ({countries.label(partner)})" if len(p) else "",
        f"{w_unit.text} (World)" if len(w) else "",
    } - {""}
    if len({p_unit.text, w_unit.text}) == 1 or p.empty or w.empty:
        units = {(p_unit if len(p) else w_unit).text}
    subtitle = (
        f"{' and '.join(sorted(units))}, current prices{eur}; {MEASURE_NOTE[measure]}; {years}"
    )
    return finish(
        fig,
        title=title,
        subtitle=subtitle,
        source=sources_note(pd.concat([p, w])),
        as_of=data.as_of,
    )


def top_investors(data: CleanData, state: ViewState) -> go.Figure:
    """The largest investors (countries) in one year, the partner highlighted."""
    host, partner, measure = state.reporter, state.partner, state.measure
    rows = annual(frame(data, "fdi"), host, measure)
    title = f"Largest investors in {countries.label(host)}: {MEASURE_LOWER[measure]}"
    source = pick_source(rows, partner, state.source)
    if source is None:
        return empty_figure(
            f"No {MEASURE_LOWER[measure]} by investor for "
            f"{countries.label(host)} in the bundled sources.",
            title,
        )
    rows = rows[rows["source"] == source]
    year = state.year if state.year in set(rows["year"]) else int(rows["year"].max())
    note = "" if state.year in (None, year) else f" ({state.year} has no data; showing {year})"
    in_year = rows[rows["year"] == year]
    ranked = in_year[~in_year["investor"].map(countries.is_aggregate)].dropna(subset=["value"])
    ranked = ranked.sort_values("value", ascending=False)
    top = ranked.head(TOP_N)
    if partner not in set(top["investor"]) and partner in set(ranked["investor"]):
        top = pd.concat([top, ranked[ranked["investor"] == partner]])
    if top.empty:
        return empty_figure(
            f"{source_label(source)} lists no investor countries for {year}.", title
        )
    currency = str(top["currency"].iloc[0])
    unit = unit_for(top["value"], currency)
    top = top.iloc[::-1]  # largest at the top of a horizontal bar chart
    labels = [countries.label(c) for c in top["investor"]]
    values = (top["value"] / unit.divisor).tolist()
    colours = [partner_colour(c) if c == partner else OTHER_COLOUR for c in top["investor"]]
    src = source_label(source)
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=colours,
            text=[f"{v:,.2f}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=(
                f"%{{y}}<br>{unit.currency} %{{x:,.2f}} {unit.suffix}<br>{year}"
                f"<br>{MEASURE_LABEL[measure]}<br>{src}<extra></extra>"
            ),
        )
    )
    world = in_year[in_year["investor"] == WORLD]["value"]
    world_text = f"; World total {fmt_amount(float(world.iloc[0]), currency)}" if len(world) else ""
    eur = " (EUR, not converted)" if currency == "EUR" else ""
    fig.update_layout(xaxis_title=unit.text + eur, showlegend=False, margin=dict(l=150, r=60))
    subtitle = f"{unit.text}{eur}, {year}{note}; top {TOP_N} investor countries{world_text}"
    return finish(fig, title=title, subtitle=subtitle, source=sources_note(top), as_of=data.as_of)


def cumulative(data: CleanData, state: ViewState) -> go.Figure:
    """Annual flows from the partner over a window and their running sum, with its label.

    A curated claim for the same concept (e.g. the MFA's 'over USD 7.6 bn since 2005') is drawn
    as a marked reference point, never as data.
    """
    host, partner, measure = state.reporter, state.partner, state.measure
    title = (
        f"Cumulative {MEASURE_LOWER[measure]} into {countries.label(host)} "
        f"from {countries.label(partner)}"
    )
    if measure == "inward_stock":
        return empty_figure(
            "Stocks are positions at year end and are never summed; choose "
            "gross or net inflows for a cumulative total.",
            title,
        )
    window = cumulative_window(data, host, partner, measure, state.start, state.end, state.source)
    if window is None:
        return empty_figure(
            f"No annual {MEASURE_LOWER[measure]} from "
            f"{countries.label(partner)} into {countries.label(host)} "
            "for this window.",
            title,
        )
    source, currency = str(window["source"]), str(window["currency"])
    lo, hi = int(window["start_year"]), int(window["end_year"])
    flows = series(data, host, partner, measure, source)
    flows = flows[(flows["year"] >= lo) & (flows["year"] <= hi)]
    running = flows["value"].cumsum()
    claim_rows = claims(data, host, partner, measure) if currency == "USD" else pd.DataFrame()
    peak = [*running.tolist(), *claim_rows.get("stated_value", pd.Series(dtype=float)).tolist()]
    unit = unit_for(peak, currency)
    src = source_label(source)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=flows["year"],
            y=flows["value"] / unit.divisor,
            name="Annual flow",
            marker_color=partner_colour(partner),
            opacity=0.55,
            hovertemplate=_hover(unit, f"{MEASURE_LABEL[measure]} in the year", src),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=flows["year"],
            y=running / unit.divisor,
            name=f"Running sum from {lo}",
            mode="lines+markers",
            line=dict(color="#000000", width=2),
            hovertemplate=_hover(unit, f"Sum of annual flows {lo}–%{{x}}", src),
        )
    )
    total = float(window["value"])
    fig.add_annotation(
        x=hi,
        y=total / unit.divisor,
        text=f"<b>{fmt_amount(total, currency)}</b><br>{lo}–{hi}",
        showarrow=True,
        arrowhead=0,
        ax=-40,
        ay=-36,
        font=dict(size=12),
        align="right",
    )
    for claim in claim_rows.itertuples(index=False):
        _add_claim(fig, claim, unit)
    eur = " — EUR, not converted" if currency == "EUR" else ""
    _shade_gap(fig, hi, claim_rows)
    fig.update_layout(
        yaxis_title=unit.text,
        xaxis=dict(dtick=1),
        legend=dict(orientation="h", y=1.0, x=0.01, xanchor="left", yanchor="top"),
    )
    subtitle = f"{window['label']}; {unit.text}{eur}; {MEASURE_NOTE[measure]}"
    rows = flows if len(flows) else pd.DataFrame({"source": [source], "vintage": [""]})
    return finish(fig, title=title, subtitle=subtitle, source=sources_note(rows), as_of=data.as_of)


def _shade_gap(fig: go.Figure, last_year: int, claim_rows: pd.DataFrame) -> None:
    """Grey out the years a claim covers but the official series does not."""
    if claim_rows.empty:
        return
    claim_end = max(pd.Timestamp(e).year for e in claim_rows["period_end"])
    if claim_end <= last_year:
        return
    fig.add_vrect(
        x0=last_year + 0.5,
        x1=claim_end + 0.5,
        fillcolor="#EEEEEE",
        opacity=0.6,
        line_width=0,
        layer="below",
    )
    fig.add_annotation(
        x=(last_year + claim_end + 1) / 2,
        y=0,
        yref="y",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=11, color="#555"),
        text=f"No official data by investor in the bundled sources after {last_year}",
    )


def _add_claim(fig: go.Figure, claim: object, unit: Unit) -> None:
    """A stated figure as an open marker at the end of its window, labelled as a claim."""
    start = pd.Timestamp(claim.period_start).year
    end = pd.Timestamp(claim.period_end).year
    value = float(claim.stated_value) / unit.divisor
    published = str(claim.citation).split(";")[0]
    fig.add_trace(
        go.Scatter(
            x=[end],
            y=[value],
            mode="markers",
            name="Claim (not data)",
            marker=dict(symbol="diamond-open", size=13, color=CLAIM_COLOUR, line=dict(width=2)),
            hovertemplate=(
                f"Claim, not official data: '{claim.value_as_stated}' "
                f"({start}–{end})<br>{published}<br>Check: {claim.status}"
                "<extra></extra>"
            ),
        )
    )
    fig.add_shape(
        type="line",
        xref="x",
        yref="y",
        x0=start,
        x1=end,
        y0=value,
        y1=value,
        line=dict(color=CLAIM_COLOUR, width=1, dash="dot"),
    )
    fig.add_annotation(
        x=end,
        y=value,
        yshift=10,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=11, color=CLAIM_COLOUR),
        text=(
            f"Claim, not data: {claim.value_as_stated} {start}–{end}"
            f" (press release; check: {claim.status})"
        ),
    )


def gross_vs_net(data: CleanData, state: ViewState) -> go.Figure:
    """Gross (e.g. UNCTAD, USD) and net (e.g. wiiw, EUR) inflows from the partner, side by side."""
    host, partner = state.reporter, state.partner
    title = (
        f"Gross vs net FDI inflows into {countries.label(host)} from "
        f"{countries.label(partner)}: two concepts, two currencies"
    )
    gross = series(data, host, partner, "gross_inflow")
    net = series(data, host, partner, "net_inflow")
    if gross.empty and net.empty:
        return empty_figure(
            f"No gross or net inflows from {countries.label(partner)} into "
            f"{countries.label(host)} in the bundled sources.",
            title,
        )
    fig = go.Figure()
    labels: list[tuple[str, str]] = []
    for rows, measure, axis in ((gross, "gross_inflow", ""), (net, "net_inflow", "2")):
        if rows.empty:
            labels.append((f"{MEASURE_LABEL[measure]}: no data", ""))
            continue
        currency = str(rows["currency"].iloc[0])
        unit = unit_for(rows["value"], currency)
        src = source_label(str(rows["source"].iloc[0]))
        colours = [partner_colour(partner) if v >= 0 else CLAIM_COLOUR for v in rows["value"]]
        fig.add_trace(
            go.Bar(
                x=rows["year"],
                y=rows["value"] / unit.divisor,
                name=MEASURE_LABEL[measure],
                marker_color=colours,
                xaxis=f"x{axis}",
                yaxis=f"y{axis}",
                hovertemplate=_hover(unit, MEASURE_LABEL[measure], src),
            )
        )
        years = f"{int(rows['year'].min())}–{int(rows['year'].max())}"
        eur = ", not converted" if currency == "EUR" else ""
        labels.append((f"{MEASURE_LABEL[measure]}, {unit.text}{eur} ({src}, {years})", unit.text))
    _two_panels(fig, labels[0][0], labels[1][0], labels[0][1], labels[1][1])
    subtitle = (
        "Gross = new investment; net = new investment minus disinvestment (negative bars: "
        "net disinvestment). Never add or compare the two levels."
    )
    return finish(
        fig,
        title=title,
        subtitle=subtitle,
        source=sources_note(pd.concat([gross, net])),
        as_of=data.as_of,
    )


def world_quarterly(data: CleanData, state: ViewState) -> go.Figure:
    """Net FDI inflow into the host from all investors, quarterly (e.g. NBK balance of payments)."""
    host = state.reporter
    title = f"Net FDI inflow into {countries.label(host)} from all investors, quarterly"
    fdi = frame(data, "fdi")
    if fdi.empty or "host" not in fdi:
        return empty_figure("No FDI data loaded.", title)
    rows = fdi[
        (fdi["host"] == host)
        & (fdi["investor"] == WORLD)
        & (fdi["measure"] == "net_inflow")
        & (fdi["basis"] == "quarter")
    ]
    if rows.empty:
        return empty_figure(
            f"No quarterly net FDI inflow for {countries.label(host)} in the bundled sources.",
            title,
        )
    rows = (
        plain(rows).sort_values("vintage").drop_duplicates(["source", "period_start"], keep="last")
    )
    source = pick_source(rows.assign(year=rows["period_start"].dt.year), WORLD, state.source)
    rows = rows[rows["source"] == source].sort_values("period_start")
    currency = str(rows["currency"].iloc[0])
    unit = unit_for(rows["value"], currency)
    labels = [
        periods.label("quarter", s, e)
        for s, e in zip(rows["period_start"], rows["period_end"], strict=True)
    ]
    src = source_label(str(source))
    colours = ["#0072B2" if v >= 0 else CLAIM_COLOUR for v in rows["value"]]
    fig = go.Figure(
        go.Bar(
            x=rows["period_start"],
            y=rows["value"] / unit.divisor,
            marker_color=colours,
            customdata=labels,
            hovertemplate=(
                f"%{{customdata}}<br>{unit.currency} %{{y:,.2f}} {unit.suffix}"
                f"<br>Net FDI inflow, all investors<br>{src}<extra></extra>"
            ),
        )
    )
    fig.update_layout(yaxis_title=unit.text, showlegend=False)
    span = f"{labels[0]}–{labels[-1]}"
    subtitle = (
        f"{unit.text}, net inflow in each quarter (BoP, directional principle; negative = "
        f"net disinvestment), all investor countries; {span}"
    )
    return finish(fig, title=title, subtitle=subtitle, source=sources_note(rows), as_of=data.as_of)


def figures(data: CleanData, state: ViewState) -> dict[str, go.Figure]:
    return {
        "over_time": over_time(data, state),
        "top_investors": top_investors(data, state),
        "cumulative": cumulative(data, state),
        "gross_vs_net": gross_vs_net(data, state),
        "world_quarterly": world_quarterly(data, state),
    }

"""Products page: what a reporter trades, by HS chapter, group, section or a national list.

Rows are the clean `products` table (one breakdown = one source, classification, flow and
period) and what etl.concentration derives from it; the Partner page's pair composition comes
from UN Comtrade HS rows of `trade`. Shares are taken of the PUBLISHED total (`total_value`):
a publisher's unallocated remainder (FCS 2022) is its own grey tile/bar, never spread, and a
partial list (Kyrgyz main goods) leaves "goods not in the list" visible. Every subtitle names
the classification, period and coverage read from the rows. Pure builders: the rows come from
`dashboard.views`.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import (
    TOP_WITH_LEGEND,
    Context,
    finish,
    fmt_amount,
    fmt_pct,
    legend_on_top,
    name,
    no_data,
    place_notes,
    possessive,
    unit_for,
)
from dashboard.figures.lean import Bar, Figure, Scatter, Treemap, builds, make_subplots
from dashboard.theme import FLOW_COLOURS, OTHER_COLOUR, PALETTE
from etl import periods, products
from etl.labels import FLOW_TITLE, FLOW_WORD

TREEMAP_N = 12  # product tiles; the rest is one "Other products" tile
BARS_N = 20
GROWTH_N = 12  # largest products whose growth is shown
CHANGED_N = 6  # largest increases and largest falls
LINES_N = 5  # products in the share-over-time chart
LABEL_CHARS = 30  # a tile or bar label; the full label is in the hover
UNALLOCATED_COLOUR = "#D9D9D9"
NOT_LISTED_COLOUR = "#EFEFEF"
NOT_LISTED = "Goods not in the list"
# A remainder under this share of the total is rounding, not goods left out.
REMAINDER_MIN = 0.005
RISE, FALL = "#009E73", "#D55E00"


# ---- words read from the rows -----------------------------------------------------------------


def classification_words(classification: str) -> str:
    """'HS sections (HS92)', 'HS chapters (2-digit)', 'HS chapter groups', 'national list
    (NSC KG 4.03.00.10 main goods)' from the products table's classification."""
    text = str(classification)
    if text.startswith(products.NATIONAL):
        return f"national list ({text.removeprefix(products.NATIONAL).strip()})"
    edition = re.search(r"\((HS\d{2})\)$", text)
    suffix = f" ({edition.group(1)})" if edition else ""
    kind = products.kind_of(text)
    words = {
        "section": "HS sections",
        "chapter": "HS chapters (2-digit)",
        "group": "HS chapter groups",
    }
    return words.get(kind or "", text) + suffix


def level_label(classification: str) -> str:
    """'HS chapter groups', 'National list (NSC KG ...)': a control's choice."""
    words = classification_words(classification)
    return words[:1].upper() + words[1:]


def period_words(basis: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """'2022'; '2019–2021 (3-year sum)'; 'Jan–Apr 2024'."""
    basis = str(basis)
    if basis.endswith("sum"):
        return f"{start.year}–{end.year} ({basis})"
    if basis == "year":
        return str(end.year)
    return periods.label(basis, start, end)


def period_short(basis: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """'2022', '2019–2021': the period for a title."""
    text = period_words(basis, start, end)
    return text.split(" (")[0]


def short_label(row: pd.Series) -> str:
    """A label that fits a tile: the HS code, then the English label up to its first ';' and
    at most LABEL_CHARS characters. OEC's own short section names are used as they are."""
    code = str(row["product_code"])
    if code == products.UNALLOCATED:
        return products.UNALLOCATED_LABEL.capitalize()
    kind = products.kind_of(str(row["classification"]))
    own = str(row.get("product_label") or "")
    if kind == "section" and own.isascii() and 0 < len(own) <= LABEL_CHARS:
        return own
    text = str(row.get("product_label_en") or own or code).split(";")[0].strip()
    if len(text) > LABEL_CHARS:
        text = text[: LABEL_CHARS - 1].rsplit(" ", 1)[0].rstrip(",; ") + "…"
    return f"{code} {text}" if kind in ("chapter", "group") else text


def full_label(row: pd.Series) -> str:
    code = str(row["product_code"])
    if code == products.UNALLOCATED:
        return products.UNALLOCATED_LABEL
    text = str(row.get("product_label_en") or row.get("product_label") or code)
    kind = products.kind_of(str(row["classification"]))
    return f"HS {code}: {text}" if kind in ("chapter", "group") else text


def _wrap(text: str, width: int = 60) -> str:
    """Hover text on several lines: a WCO chapter title runs to 250 characters."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line] if line else lines)


def total_of(rows: pd.DataFrame) -> tuple[float, bool]:
    """(the breakdown's total, published?): the published total, else the sum of the rows (a
    complete HS breakdown without a total, such as OEC's sections)."""
    published = rows["total_value"].dropna()
    if len(published):
        return float(published.iloc[0]), True
    return float(rows["value"].sum()), False


def coverage_words(rows: pd.DataFrame, flow: str) -> str:
    """'the list covers 54.8% of 2023 exports' for a partial list; '' for a full breakdown."""
    if rows.empty:
        return ""
    r = rows.iloc[0]
    if products.kind_of(str(r["classification"])) is not None or pd.isna(r["coverage"]):
        return ""
    period = period_short(r["basis"], r["period_start"], r["period_end"])
    return f"the list covers {fmt_pct(float(r['coverage']))} of {period} {FLOW_WORD[flow]}"


def subtitle(rows: pd.DataFrame, flow: str, what: str) -> str:
    """'Exports · HS chapters (2-digit) · 2022 · <what> · the list covers ...'."""
    r = rows.iloc[0]
    parts = [
        FLOW_TITLE[flow],
        classification_words(str(r["classification"])),
        period_words(r["basis"], r["period_start"], r["period_end"]),
        what,
        coverage_words(rows, flow),
    ]
    return " · ".join(p for p in parts if p)


def source_note(rows: pd.DataFrame, ctx: Context) -> str:
    r = rows.iloc[0]
    return f"{ctx.sources.note(str(r['source']))} ({r['vintage']})"


# ---- one breakdown ------------------------------------------------------------------------


def _pieces(rows: pd.DataFrame, top_n: int) -> tuple[list[dict], float, str]:
    """Tiles/bars of one breakdown: the top products, 'Other products', the unallocated row,
    the goods a partial list leaves out; each with value, share of the total and colour."""
    total, published = total_of(rows)
    items = rows[rows["product_code"] != products.UNALLOCATED].sort_values("value", ascending=False)
    items = items[items["value"] > 0]
    out = []
    for i, (_, r) in enumerate(items.head(top_n).iterrows()):
        out.append(
            dict(
                label=short_label(r),
                full=full_label(r),
                value=float(r["value"]),
                colour=PALETTE[i % len(PALETTE)] if i < len(PALETTE) else "#8FB8DE",
            )
        )
    rest = items.iloc[top_n:]
    if len(rest):
        out.append(
            dict(
                label=f"Other products ({len(rest)})",
                full=f"{len(rest)} smaller products",
                value=float(rest["value"].sum()),
                colour=OTHER_COLOUR,
            )
        )
    unallocated = rows[rows["product_code"] == products.UNALLOCATED]
    if len(unallocated):
        out.append(
            dict(
                label=products.UNALLOCATED_LABEL.capitalize(),
                full=f"{products.UNALLOCATED_LABEL} (published as its own row)",
                value=float(unallocated["value"].sum()),
                colour=UNALLOCATED_COLOUR,
            )
        )
    remainder = total - float(rows["value"].sum())
    if published and remainder > REMAINDER_MIN * total:
        out.append(
            dict(
                label=NOT_LISTED,
                full="the published total minus the goods the list names",
                value=remainder,
                colour=NOT_LISTED_COLOUR,
            )
        )
    for piece in out:
        piece["share"] = piece["value"] / total if total > 0 else math.nan
    denominator = "published total" if published else "sum of the sections (no total published)"
    return out, total, denominator


def _title(reporter: str, flow: str, rows: pd.DataFrame, what: str = "by product") -> str:
    r = rows.iloc[0]
    period = period_short(r["basis"], r["period_start"], r["period_end"])
    return f"{possessive(reporter)} {FLOW_WORD[flow]} {what}, {period}"


@builds
def composition_treemap(rows: pd.DataFrame, reporter: str, flow: str, ctx: Context) -> go.Figure:
    """Tiles of one breakdown's products, sized by value, labelled with the share of the total.

    `rows`: one breakdown (one source, classification, flow and period) of the products table.
    """
    if rows.empty:
        return no_data(
            f"No product breakdown of {FLOW_WORD[flow]} for {name(reporter)}",
            f"{possessive(reporter)} {FLOW_WORD[flow]} by product",
        )
    pieces, total, denominator = _pieces(rows, TREEMAP_N)
    currency = str(rows["currency"].iloc[0])
    fig = Figure(
        Treemap(
            labels=[p["label"] for p in pieces],
            parents=[""] * len(pieces),
            values=[round(p["value"] / 1e9, 4) for p in pieces],
            marker=dict(colors=[p["colour"] for p in pieces]),
            sort=False,
            pathbar=dict(visible=False),
            textfont=dict(size=13),
            customdata=[
                [fmt_pct(p["share"]), fmt_amount(p["value"], currency), _wrap(p["full"])]
                for p in pieces
            ],
            texttemplate="<b>%{label}</b><br>%{customdata[0]}",
            hovertemplate="<b>%{customdata[2]}</b><br>%{customdata[1]} · %{customdata[0]} of "
            "the total<extra></extra>",
            name=FLOW_TITLE[flow],
        )
    )
    finish(
        fig,
        title=_title(reporter, flow, rows),
        subtitle=subtitle(
            rows, flow, f"tile = {currency} bn; % of the {denominator}, {fmt_amount(total)}"
        ),
        source=source_note(rows, ctx),
        as_of=ctx.as_of,
        height=520,
    )
    # A label too big for its tile is hidden (the hover has it), never shrunk to illegibility.
    fig.update_layout(margin=dict(l=10, r=10), uniformtext=dict(minsize=11, mode="hide"))
    place_notes(fig, 8)
    return fig


@builds
def composition_bars(rows: pd.DataFrame, reporter: str, flow: str, ctx: Context) -> go.Figure:
    """Products sorted by value, labelled with the share of the total; the unallocated
    remainder and the goods a partial list leaves out as grey bars at the end."""
    if rows.empty:
        return no_data(
            f"No product breakdown of {FLOW_WORD[flow]} for {name(reporter)}",
            f"Largest products in {possessive(reporter)} {FLOW_WORD[flow]}",
        )
    pieces, _, denominator = _pieces(rows, BARS_N)
    currency = str(rows["currency"].iloc[0])
    unit = unit_for([p["value"] for p in pieces], currency)
    fig = Figure(
        Bar(
            x=[round(p["value"] / unit.divisor, 4) for p in pieces],
            y=[p["label"] for p in pieces],
            orientation="h",
            marker_color=[
                p["colour"]
                if p["colour"] in (UNALLOCATED_COLOUR, NOT_LISTED_COLOUR, OTHER_COLOUR)
                else FLOW_COLOURS[flow]
                for p in pieces
            ],
            marker_line=dict(color="#999", width=[0.5] * len(pieces)),
            text=[fmt_pct(p["share"]) for p in pieces],
            textposition="outside",
            cliponaxis=False,
            customdata=[[_wrap(p["full"]), fmt_amount(p["value"], currency)] for p in pieces],
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]} · %{text} of the total"
            "<extra></extra>",
            name=FLOW_TITLE[flow],
        )
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=unit.text, rangemode="tozero")
    finish(
        fig,
        title=_title(reporter, flow, rows, "by product, largest first"),
        subtitle=subtitle(rows, flow, f"{unit.text}; labels: % of the {denominator}"),
        source=source_note(rows, ctx),
        as_of=ctx.as_of,
        height=max(420, 130 + 24 * len(pieces)),
    )
    fig.update_layout(showlegend=False, margin=dict(r=70))
    place_notes(fig, 58)
    return fig


# ---- changes between periods -------------------------------------------------------------


def _one_period(history: pd.DataFrame, reporter: str, flow: str, title: str) -> go.Figure:
    r = history.iloc[0]
    return no_data(
        f"{name(reporter)}: {classification_words(str(r['classification']))} give one period "
        f"only ({period_words(r['basis'], r['period_start'], r['period_end'])}); growth needs "
        "the same breakdown a year earlier.",
        title,
    )


def _this_year(
    growth: pd.DataFrame, history: pd.DataFrame, year: int, reporter: str, flow: str, title: str
) -> tuple[pd.DataFrame, go.Figure | None]:
    """This year's growth rows by product, or the figure saying why there are none."""
    if history.empty:
        text = f"No product breakdown of {FLOW_WORD[flow]} for {name(reporter)}"
        return growth.iloc[0:0], no_data(text, title)
    now = growth[growth["year"] == year] if not growth.empty else growth
    if now.empty:
        return now, _one_period(history[history["year"] == year], reporter, flow, title)
    return now, None


def _finish_bars(
    fig: Figure, history: pd.DataFrame, year: int, flow: str, title: str, detail: str,
    ctx: Context, bars: int, right: int,
) -> Figure:  # fmt: skip
    """Title, subtitle, source and a height that fits `bars` horizontal bars."""
    rows = history[history["year"] == year]
    finish(
        fig,
        title=f"{title}, {year} on {year - 1}",
        subtitle=subtitle(rows, flow, detail),
        source=source_note(rows, ctx),
        as_of=ctx.as_of,
        height=max(380, 150 + 26 * bars),
    )
    fig.update_layout(showlegend=False, margin=dict(l=10, r=right))
    place_notes(fig, 58)
    return fig


@builds
def growth_by_product(
    growth: pd.DataFrame, history: pd.DataFrame, year: int, reporter: str, flow: str, ctx: Context
) -> go.Figure:
    """Change on a year earlier of the largest products of `year` (same source, classification
    and basis: etl.concentration.product_growth)."""
    title = f"Growth of {possessive(reporter)} largest {FLOW_WORD[flow]} by product"
    now, why_not = _this_year(growth, history, year, reporter, flow, title)
    if why_not is not None:
        return why_not
    top = now.sort_values("value", ascending=False).head(GROWTH_N)
    top = top.assign(growth=top["growth"].astype(float))
    shown = top.dropna(subset=["growth"])
    currency = str(history["currency"].iloc[0])
    labels = [short_label(r) for _, r in shown.iterrows()]
    fig = Figure(
        Bar(
            x=(shown["growth"] * 100).round(2).tolist(),
            y=labels,
            orientation="h",
            marker_color=[RISE if g >= 0 else FALL for g in shown["growth"]],
            text=[fmt_pct(g, signed=True) for g in shown["growth"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[
                [
                    _wrap(full_label(r)),
                    fmt_amount(r["value"], currency),
                    fmt_amount(r["previous_value"], currency),
                ]
                for _, r in shown.iterrows()
            ],
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}, a year earlier "
            "%{customdata[2]}: %{text}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title="% change on a year earlier", ticksuffix="%", zeroline=True)
    detail = f"the {len(shown)} largest products of {year}; current {currency}"
    return _finish_bars(fig, history, year, flow, title, detail, ctx, len(shown), right=70)


@builds
def what_changed(
    growth: pd.DataFrame, history: pd.DataFrame, year: int, reporter: str, flow: str, ctx: Context
) -> go.Figure:
    """The largest absolute increases and falls by product on a year earlier, in money."""
    title = f"What changed in {possessive(reporter)} {FLOW_WORD[flow]}"
    now, why_not = _this_year(growth, history, year, reporter, flow, title)
    if why_not is not None:
        return why_not
    rises = now[now["change"] > 0].sort_values("change", ascending=False).head(CHANGED_N)
    falls = now[now["change"] < 0].sort_values("change").head(CHANGED_N)
    picked = pd.concat([rises, falls.iloc[::-1]])
    currency = str(history["currency"].iloc[0])
    unit = unit_for(picked["change"].tolist(), currency)
    fig = Figure(
        Bar(
            x=(picked["change"] / unit.divisor).round(4).tolist(),
            y=[short_label(r) for _, r in picked.iterrows()],
            orientation="h",
            marker_color=[RISE if c > 0 else FALL for c in picked["change"]],
            text=[
                f"{'+' if c > 0 else '−'}{fmt_amount(abs(c), currency)}" for c in picked["change"]
            ],
            textposition="auto",
            cliponaxis=False,
            customdata=[
                [
                    _wrap(full_label(r)),
                    fmt_amount(r["previous_value"], currency),
                    fmt_amount(r["value"], currency),
                ]
                for _, r in picked.iterrows()
            ],
            hovertemplate=f"<b>%{{customdata[0]}}</b><br>{year - 1}: %{{customdata[1]}} → "
            f"{year}: %{{customdata[2]}}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=f"change, {unit.text}", zeroline=True, zerolinecolor="#444")
    detail = f"largest {CHANGED_N} increases (green) and falls (red) in current {currency}"
    return _finish_bars(fig, history, year, flow, title, detail, ctx, len(picked), right=90)


@builds
def share_over_time(
    history: pd.DataFrame, year: int, reporter: str, flow: str, ctx: Context
) -> go.Figure:
    """Shares of the total of the largest products of `year`, in every period of the same
    classification (lines, not stacked: a partial list does not add up to 100%)."""
    title = f"Largest products' shares of {possessive(reporter)} {FLOW_WORD[flow]}"
    if history.empty:
        return no_data(f"No product breakdown of {FLOW_WORD[flow]} for {name(reporter)}", title)
    years = sorted(history["year"].unique())
    if len(years) < 2:
        r = history.iloc[0]
        return no_data(
            f"{name(reporter)}: {classification_words(str(r['classification']))} give one "
            f"period only ({period_words(r['basis'], r['period_start'], r['period_end'])}).",
            title,
        )
    totals = {y: total_of(g)[0] for y, g in history.groupby("year")}
    items = history[history["product_code"] != products.UNALLOCATED]
    latest = items[items["year"] == year].sort_values("value", ascending=False)
    codes = latest["product_code"].head(LINES_N).tolist()
    fig = Figure()
    for i, code in enumerate(codes):
        part = items[items["product_code"] == code].sort_values("year")
        row = part.iloc[-1]
        shares = [v / totals[y] * 100 for v, y in zip(part["value"], part["year"], strict=True)]
        fig.add_trace(
            Scatter(
                x=part["year"].tolist(),
                y=[round(s, 3) for s in shares],
                name=short_label(row),
                mode="lines+markers",
                line=dict(color=PALETTE[i % len(PALETTE)], width=2),
                hovertemplate=f"<b>{short_label(row)}</b> %{{x}}: %{{y:.1f}}% of the total"
                "<extra></extra>",
            )
        )
    rows = history[history["year"] == year]
    fig.add_vline(x=year, line=dict(color="#999", dash="dot", width=1))
    fig.update_yaxes(title="% of the total", ticksuffix="%", rangemode="tozero")
    fig.update_xaxes(title=None, dtick=1 if len(years) <= 12 else None)
    r = history.iloc[0]
    how = "period-end years" if str(r["basis"]) != "year" else "calendar years"
    finish(
        fig,
        title=f"{title}, {years[0]}–{years[-1]}",
        subtitle=f"{FLOW_TITLE[flow]} · {classification_words(str(r['classification']))} · "
        f"{how} · % of the published total; the {len(codes)} largest products of {year}",
        source=source_note(rows, ctx),
        as_of=ctx.as_of,
        height=460,
    )
    legend_on_top(fig)
    place_notes(fig, 32, top=TOP_WITH_LEGEND + 20)
    return fig


# ---- concentration --------------------------------------------------------------------------


def _concentration(
    rows: pd.DataFrame, *, title: str, subtitle_: str, source: str, ctx: Context, item: str
) -> Figure:
    """Top-1 and top-3 shares (%, left axis) and the HHI (0–1, right axis) per year."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    mode = "lines+markers" if len(rows) > 1 else "markers"
    years = rows["year"].tolist()
    for col, label, colour_, dash in (
        ("top1_share", f"Top-1 {item} share", PALETTE[0], "solid"),
        ("top3_share", f"Top-3 {item}s share", PALETTE[1], "solid"),
    ):
        fig.add_trace(
            Scatter(
                x=years,
                y=(rows[col] * 100).round(2).tolist(),
                name=label,
                mode=mode,
                marker=dict(size=9),
                line=dict(color=colour_, width=2, dash=dash),
                hovertemplate=f"<b>{label}</b> %{{x}}: %{{y:.1f}}% of the total<extra></extra>",
            ),
            secondary_y=False,
        )
    fig.add_trace(
        Scatter(
            x=years,
            y=rows["hhi"].round(4).tolist(),
            name="HHI (right axis, 0–1)",
            mode=mode,
            marker=dict(size=9, symbol="diamond"),
            line=dict(color="#000000", width=2, dash="dot"),
            hovertemplate="<b>HHI</b> %{x}: %{y:.3f}<extra></extra>",
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title="% of the total", ticksuffix="%", range=[0, 100], secondary_y=False)
    fig.update_yaxes(title="HHI (0–1)", range=[0, 1], secondary_y=True, showgrid=False)
    fig.update_xaxes(title=None, dtick=1 if len(years) <= 12 else None)
    finish(fig, title=title, subtitle=subtitle_, source=source, as_of=ctx.as_of, height=440)
    legend_on_top(fig)
    place_notes(fig, 32, top=TOP_WITH_LEGEND)
    return fig


@builds
def product_concentration(
    conc: pd.DataFrame, history: pd.DataFrame, reporter: str, flow: str, ctx: Context
) -> go.Figure:
    """Concentration of the flow by product: HHI, top-1 and top-3 shares of the total per
    period (etl.concentration.concentration), as WITS reports it."""
    title = f"Concentration of {possessive(reporter)} {FLOW_WORD[flow]} by product"
    if conc.empty or conc["hhi"].isna().all():
        return no_data(
            f"No product breakdown of {FLOW_WORD[flow]} with a total for {name(reporter)}", title
        )
    conc = conc.dropna(subset=["hhi"])
    r = history.iloc[0]
    years = conc["year"].tolist()
    span = (
        f"{years[0]}–{years[-1]}"
        if len(years) > 1
        else period_short(r["basis"], r["period_start"], r["period_end"])
    )
    partial = products.kind_of(str(r["classification"])) is None
    caveat = (
        "; a partial list: shares and HHI are lower bounds"
        if partial
        else "; the unallocated remainder is not a product"
        if (history["product_code"] == products.UNALLOCATED).any()
        else ""
    )
    denominator = str(conc["denominator"].iloc[-1])
    when = (
        period_words(r["basis"], r["period_start"], r["period_end"])
        if len(years) == 1
        else "one point per period"
    )
    return _concentration(
        conc,
        title=f"{title}, {span}",
        subtitle_=f"{FLOW_TITLE[flow]} · {classification_words(str(r['classification']))} · "
        f"{when} · shares of the {denominator}{caveat}",
        source=source_note(history, ctx),
        ctx=ctx,
        item="product",
    )


@builds
def partner_concentration(
    conc: pd.DataFrame, reporter: str, flow: str, source: str | None, ctx: Context
) -> go.Figure:
    """Concentration of the flow by partner country per year: HHI, top-1 and top-3 shares of
    the World row of the same source."""
    title = f"Concentration of {possessive(reporter)} {FLOW_WORD[flow]} by partner"
    if conc.empty or source is None:
        msg = f"No {FLOW_WORD[flow]} by partner with a World total for {name(reporter)}"
        return no_data(msg, title)
    years = conc["year"].tolist()
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    top = conc.iloc[-1]
    return _concentration(
        conc,
        title=f"{title}, {span}",
        subtitle_=f"{FLOW_TITLE[flow]} · partner countries (groups left out) · calendar years · "
        f"shares of the World total; largest in {int(top['year'])}: "
        f"{name(str(top['top1_code']))} {fmt_pct(float(top['top1_share']))}",
        source=f"{ctx.sources.note(source)} ({conc['vintage'].iloc[-1]})",
        ctx=ctx,
        item="partner",
    )


# ---- one pair (Partner page) ---------------------------------------------------------------


@builds
def pair_composition(
    rows: pd.DataFrame, reporter: str, partner: str, flow: str, ctx: Context
) -> go.Figure:
    """The pair's trade by HS commodity in the latest year with a breakdown: exports and
    imports side by side (one flow when `flow` is export or import), labelled with the share
    of the same source's TOTAL row. `rows`: query.pair_products."""
    pair = f"{name(reporter)}–{name(partner)}"
    title = f"What {name(reporter)} trades with {name(partner)}"
    if rows.empty:
        return no_data(
            f"No product breakdown of {pair} trade in the bundled sources; UN Comtrade HS "
            "files in data/raw/un-comtrade/ would give it.",
            title,
        )
    flows = [flow] if flow in ("export", "import") else ["export", "import"]
    rows = rows[rows["flow"].isin(flows)]
    if rows.empty:
        return no_data(f"No {FLOW_WORD[flow]} by product for {pair}.", title)
    year = int(rows["year"].max())
    rows = rows[rows["year"] == year]
    source = str(rows["source"].iloc[0])
    rows = rows[rows["source"] == source]
    currency = str(rows["currency"].iloc[0])
    size = rows.groupby("commodity")["value"].sum().sort_values(ascending=False)
    codes = size.index[:BARS_N].tolist()
    labels = [
        f"HS {c}: {products.label_en('chapter', c)[:LABEL_CHARS]}".rstrip(": ")
        if len(c) == 2
        else f"HS {c}"
        for c in codes
    ]
    unit = unit_for(rows["value"].tolist(), currency)
    fig = Figure()
    for fl in flows:
        part = rows[rows["flow"] == fl].set_index("commodity").reindex(codes)
        total = part["total"].dropna()
        denominator = float(total.iloc[0]) if len(total) else math.nan
        shares = part["value"] / denominator
        fig.add_trace(
            Bar(
                x=(part["value"] / unit.divisor).round(4).tolist(),
                y=labels,
                orientation="h",
                name=FLOW_TITLE[fl],
                marker_color=FLOW_COLOURS[fl],
                text=[fmt_pct(s) if pd.notna(s) else "" for s in shares],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=f"<b>%{{y}}</b><br>{FLOW_TITLE[fl]} {year}: {currency} "
                f"%{{x:,.2f}} {unit.suffix} · %{{text}} of the total<extra></extra>",
            )
        )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=unit.text, rangemode="tozero")
    classification = (
        "HS chapters (2-digit)" if all(len(c) == 2 for c in codes) else "HS commodity codes"
    )
    finish(
        fig,
        title=f"{title}, {year}",
        subtitle=f"{' and '.join(FLOW_TITLE[f] for f in flows)} of {name(reporter)} with "
        f"{name(partner)} · {classification} · {year} · {unit.text}; labels: % of the pair's "
        "TOTAL of the flow",
        source=f"{ctx.sources.note(source)} ({rows['vintage'].iloc[0]})",
        as_of=ctx.as_of,
        height=max(420, 150 + 22 * len(codes) * len(flows)),
    )
    fig.update_layout(barmode="group", margin=dict(r=70))
    legend_on_top(fig)
    place_notes(fig, 58, top=TOP_WITH_LEGEND)
    return fig

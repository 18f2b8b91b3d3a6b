"""Every question the pages ask of the clean data, memoised once per data version.

Figures never query: a page's view function (dashboard/views.py) asks these functions for the
rows a chart draws and hands them over. Lookups that scan whole frames (source lists, years,
per-version indexes), one pair's rows and values (bounded) and whole page views are kept by
`memo` for the loaded data (`Store` loads each published version once), so a newly published
version of data/clean/ makes every entry stale at once. Cached values are shared between
requests: callers must not mutate them.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import pandas as pd

from dashboard.data import CleanData, large_trade
from dashboard.state import PRODUCT_LEVELS, ViewState
from etl import concentration, countries, periods, products
from etl import world_context as world_ranks
from etl.labels import FLOWS, OPPOSITE_FLOW

T = TypeVar("T")
WORLD = "WLD"
# Whole page views kept per data version (least recently used dropped); 0 = build every time.
VIEW_CACHE_SIZE = int(os.environ.get("TRADEBOARD_FIGURE_CACHE", "256"))
# Preferred reporter-declared source per reporter; other reporters fall back to whatever source
# has their World row (IMF DOTS).
PREFERRED_SOURCE = {"KAZ": "bns-kz-trade-by-country"}
DEFAULT_WINDOW_START = 2005  # the window the Kazakh MFA uses ("since 2005")
SCHENGEN_CATEGORY = "uniform"  # uniform (C) short-stay visas; ATVs and LTVs are other categories
US = "USA"


# ---- the one cache ----------------------------------------------------------------------------

# Kinds of entries: "lookup" (few keys: sources, years, per-version indexes), "pair" (rows and
# values of one reporter x partner, shared by the pages and controls that show the pair; many
# keys, so bounded) and "view" (whole page views, bounded, switched off by 0).
PAIR_CACHE_SIZE = 1024
# kind -> entries of the loaded data `_memo_data`, least recently used first. Entries belong to
# one loaded CleanData (its version, and the object itself: two frames sets built with the same
# version string, as tests do, never share answers).
_memo: dict[str, OrderedDict[Hashable, object]] = {}
_memo_data: CleanData | None = None
_lock = threading.Lock()


def _limit(kind: str) -> int | None:
    return {"view": VIEW_CACHE_SIZE, "pair": PAIR_CACHE_SIZE}.get(kind)


def memo(
    data: CleanData,
    key: Hashable,
    build: Callable[[], T],
    *,
    view: bool = False,
    pair: bool = False,
) -> T:
    """`build()` once per data version and key; entries of older versions are dropped.

    `view=True` marks a whole page view: those are bounded (VIEW_CACHE_SIZE, least recently
    used dropped first) because their keys hold every control value. `pair=True` marks a
    query's answer for one reporter x partner: bounded by PAIR_CACHE_SIZE. Lookups are few.
    """
    global _memo_data
    kind = "view" if view else "pair" if pair else "lookup"
    limit = _limit(kind)
    if limit is not None and limit <= 0:
        return build()
    with _lock:
        entries = _memo.get(kind) if _memo_data is data else None
        if entries is not None and key in entries:
            entries.move_to_end(key)
            return entries[key]  # type: ignore[return-value]
    value = build()
    with _lock:
        if _memo_data is not data:
            _memo.clear()  # a newly published version makes every entry stale
            _memo_data = data
        entries = _memo.setdefault(kind, OrderedDict())
        entries[key] = value
        entries.move_to_end(key)
        while limit is not None and len(entries) > limit:
            entries.popitem(last=False)
    return value


def clear(kind: str | None = None) -> None:
    """Drop every entry, or those of one kind ("lookup", "pair", "view")."""
    global _memo_data
    with _lock:
        if kind is not None:
            _memo.pop(kind, None)
            return
        _memo.clear()
        _memo_data = None


# ---- selection --------------------------------------------------------------------------------


def frame(data: CleanData, name: str) -> pd.DataFrame:
    """A clean frame, or an empty one when the ETL did not produce it."""
    return data.frames.get(name, pd.DataFrame())


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """Categoricals to plain objects, so comparisons and groupbys on a small slice are simple.

    Each column's categories are converted once (`_plain_categories`) and the slice's codes
    index them: `astype(object)` converted the arrow-backed categories again on every query.
    """
    cats = [c for c, t in df.dtypes.items() if isinstance(t, pd.CategoricalDtype)]
    if not cats:
        return df
    out = df.copy(deep=False)
    for c in cats:
        column = df[c]
        values = _plain_categories(column.dtype).take(column.cat.codes.to_numpy())
        out[c] = pd.Series(values, index=df.index, dtype=object, name=c)
    return out


# id(dtype) -> (dtype, its categories as objects, then the missing value for code -1); the
# dtype is kept so its id is not reused. Frames load once per data version: a few dtypes.
_categories: dict[int, tuple[pd.CategoricalDtype, np.ndarray]] = {}


def _plain_categories(dtype: pd.CategoricalDtype) -> np.ndarray:
    hit = _categories.get(id(dtype))
    if hit is None or hit[0] is not dtype:
        # code -1 (missing) indexes the last item: whatever astype(object) gives for it
        every = pd.Categorical.from_codes([*range(len(dtype.categories)), -1], dtype=dtype)
        values = np.asarray(every.astype(object), dtype=object)
        with _lock:
            if len(_categories) > 1024:  # older data versions' dtypes
                _categories.clear()
            _categories[id(dtype)] = hit = (dtype, values)
    return hit[1]


def year_of(frame_: pd.DataFrame) -> pd.Series:
    return frame_["period_start"].dt.year


# Index keys tried in order: a query giving these columns jumps straight to its rows.
_INDEXES = (
    ("reporter", "partner"),
    ("source", "reporter"),
    ("host", "investor"),
    ("issuer", "consulate_country"),
    ("issuer", "nationality"),
    ("consulate_country", "basis"),
)


def select(
    frame_or_name: pd.DataFrame | str, data: CleanData | None = None, **equal: object
) -> pd.DataFrame:
    """Rows whose columns equal the given values (categorical-safe).

    Given a frame name and the data, a per-version index on (reporter, partner) or
    (source, reporter) avoids scanning e.g. the 1.6 million CAGR windows on every request.
    """
    if isinstance(frame_or_name, str):
        assert data is not None
        frame_ = getattr(data, frame_or_name)
        if frame_.empty:
            return frame_
        for cols in _INDEXES:
            if all(c in equal for c in cols) and all(c in frame_ for c in cols):
                positions = memo(
                    data,
                    ("index", frame_or_name, cols),
                    lambda f=frame_, c=cols: {
                        tuple(str(v) for v in k): idx
                        for k, idx in f.groupby(list(c), observed=True).indices.items()
                    },
                )
                hit = positions.get(tuple(str(equal[c]) for c in cols))
                if hit is None:
                    return frame_.iloc[0:0]
                frame_ = frame_.iloc[hit]
                equal = {k: v for k, v in equal.items() if k not in cols}
                break
    else:
        frame_ = frame_or_name
    if frame_.empty:
        return frame_
    mask = pd.Series(True, index=frame_.index)
    for col, value in equal.items():
        mask &= frame_[col] == value
    return frame_[mask]


def _codes(frame_: pd.DataFrame, *cols: str) -> set[str]:
    out: set[str] = set()
    for col in cols:
        if col in frame_:
            out |= {str(c) for c in frame_[col].dropna().unique()}
    return out


def _years(frame_: pd.DataFrame) -> set[int]:
    if frame_.empty or "period_start" not in frame_:
        return set()
    return {int(y) for y in pd.to_datetime(frame_["period_start"]).dt.year.unique()}


# ---- catalogue: what the controls can offer ---------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    known_codes: frozenset[str]
    years: range
    sources: frozenset[str]
    reporters: tuple[str, ...]


def catalogue(data: CleanData) -> Catalogue:
    """Codes, years and sources known to the data, and the reporters with partner trade."""

    def build() -> Catalogue:
        frames = {n: getattr(data, n, pd.DataFrame()) for n in ("trade_all", "fdi", "visas")}
        codes = _codes(frames["trade_all"], "reporter", "partner")
        codes |= _codes(frames["fdi"], "host", "investor")
        codes |= _codes(frames["visas"], "issuer", "consulate_country", "nationality")
        years = set().union(*(_years(f) for f in frames.values()))
        sources = set().union(*(_codes(f, "source") for f in frames.values()))
        span = range(min(years), max(years) + 1) if years else range(0)
        return Catalogue(frozenset(codes), span, frozenset(sources), tuple(trade_reporters(data)))

    return memo(data, "catalogue", build)


def trade_sources(data: CleanData, reporter: str) -> list[str]:
    """Sources with an annual World row AND a partner breakdown for this reporter.

    Preferred source first, then by latest year (newest first). A World-only source such as
    the BNS monthly totals cannot show partners, so it is not offered here.
    """
    return memo(data, ("trade_sources", reporter), lambda: _trade_sources(data, reporter))


def context_sources(data: CleanData) -> frozenset[str]:
    """Sources of reporters' totals that place a reporter among all others (UN Comtrade+ with
    the World and the USA only): shown as world context, never as a partner breakdown."""
    meta = data.metadata.get("sources") or {}
    return frozenset(k for k, v in meta.items() if v.get("role") == "world context")


def _trade_sources(data: CleanData, reporter: str) -> list[str]:
    s = data.shares
    if s.empty:
        return []
    rows = s[(s["reporter"] == reporter) & (s["basis"] == "year")]
    rows = rows[~rows["source"].isin(context_sources(data))]
    has_world = set(rows.loc[rows["partner"] == WORLD, "source"].astype(str))
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
        rows = s[(s["basis"] == "year") & (s["partner"] == WORLD)]
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
    """Years with the reporter's annual World row in the source."""
    rows = select("shares", data, source=source, reporter=reporter, partner=WORLD, basis="year")
    return sorted({int(y) for y in year_of(rows)})


def year_for(data: CleanData, state: ViewState, source: str) -> int | None:
    """The state's year if the source has it, else the source's latest year."""
    years = annual_years(data, source, state.reporter)
    if not years:
        return None
    return state.year if state.year in years else years[-1]


def trade_partners(data: CleanData, reporter: str) -> list[str]:
    def build() -> list[str]:
        s = data.shares
        rows = s[(s["reporter"] == reporter) & (s["basis"] == "year")] if not s.empty else s
        return sorted(_codes(rows, "partner") - {reporter})

    return memo(data, ("partners", reporter), build)


def annual_partner_totals(data: CleanData, reporter: str) -> pd.DataFrame:
    """Exports + imports per source, country partner and year, as the reporter declares them.

    Annual rows, else Jan–Dec sums of months (FCS publishes its main partners monthly only).
    Columns source, partner, year, value (USD); aggregates and the World are left out.
    """

    def build() -> pd.DataFrame:
        t = data.trade_all
        if t.empty:
            return pd.DataFrame(columns=["source", "partner", "year", "value"])
        rows = t[
            (t["reporter"] == reporter)
            & (t["commodity"] == "TOTAL")
            & t["flow"].isin(["export", "import"])
            & ~t["partner_is_aggregate"].astype(bool)
            & (t["partner"] != WORLD)
            & ~t["source"].isin(context_sources(data))
        ]
        rows = plain(rows)
        whole_year = (rows["basis"] == "year") | (
            (rows["basis"] == "ytd")
            & (rows["period_start"].dt.month == 1)
            & (rows["period_end"].dt.month == 12)
        )
        rows = rows[whole_year & (rows["currency"] == "USD")]
        if rows.empty:
            return pd.DataFrame(columns=["source", "partner", "year", "value"])
        rows = rows.assign(year=year_of(rows)).sort_values("vintage")
        rows = rows.drop_duplicates(["source", "partner", "flow", "year"], keep="last")
        return rows.groupby(["source", "partner", "year"], as_index=False)["value"].sum()

    return memo(data, ("annual-partner-totals", reporter), build)


def default_partner(data: CleanData, reporter: str) -> str | None:
    """The reporter's top partner (exports + imports) in its latest year with country partners.

    The reporter's default source decides when it has country partners that year; else the
    source with the largest partner (FCS: main partners monthly, CIS members annually).
    """
    totals = annual_partner_totals(data, reporter)
    if totals.empty:
        return None
    latest = totals[totals["year"] == totals["year"].max()]
    preferred = trade_sources(data, reporter)[:1]
    mine = latest[latest["source"].isin(preferred)]
    pick = mine if not mine.empty else latest
    return str(pick.sort_values(["value", "partner"], ascending=[False, True])["partner"].iloc[0])


def partners(data: CleanData, reporter: str, kinds: Iterable[str]) -> list[str]:
    """Partners with data of these kinds ('trade', 'fdi', 'visas') for this reporter."""
    kinds = frozenset(kinds)

    def build() -> list[str]:
        codes = set(trade_partners(data, reporter))
        fdi = frame(data, "fdi")
        if "fdi" in kinds and not fdi.empty:
            codes |= _codes(fdi[fdi["host"] == reporter], "investor")
        visas = frame(data, "visas")
        if "visas" in kinds and not visas.empty:
            codes |= _codes(visas, "issuer")
        return sorted(codes - {reporter})

    return memo(data, ("page-partners", kinds, reporter), build)


def years(data: CleanData, kind: str, state: ViewState) -> list[int]:
    """Years a page's year/window controls offer: kind 'reporter' (the reporter's trade with
    the world), 'pair' (the pair's annual trade), 'products' (the years of the products page's
    breakdown), or a frame name ('fdi', 'visas')."""
    if kind == "products":
        choice = product_choice(data, replace(state, year=None))
        if choice is None:
            return []
        return product_years(data, state.reporter, choice.flow, choice.level)
    if kind == "reporter":
        source = source_for(data, state)
        return annual_years(data, source, state.reporter) if source else []
    if kind == "pair":
        source = partner_source(data, state)
        if source is None:
            return []

        def build() -> list[int]:
            rows = annual_flows(data, source, state.reporter, state.partner)
            return sorted({int(y) for y in rows["year"].unique()}) if not rows.empty else []

        return memo(data, ("years", source, state.reporter, state.partner), build, pair=True)
    return sorted(memo(data, ("years", kind), lambda: _years(frame(data, kind))))


# ---- trade: one reporter (overview) -----------------------------------------------------------


def year_shares(data: CleanData, state: ViewState, source: str) -> pd.DataFrame:
    """Annual share rows of the reporter's selected flow, every partner and year."""
    return select(
        "shares", data, source=source, reporter=state.reporter, flow=state.flow, basis="year"
    )


def world_totals(data: CleanData, reporter: str, source: str) -> pd.DataFrame:
    """The reporter's annual World rows (every flow), newest vintage per year; + year."""
    rows = annual_flows(data, source, reporter, WORLD)
    return rows.sort_values("year") if not rows.empty else rows


# ---- trade: one pair (partner page, briefing) ------------------------------------------------


def _pair(data: CleanData, name: str, state: ViewState, source: str, **equal) -> pd.DataFrame:
    """Rows of one clean frame for the state's reporter x partner in one source."""
    return select(
        name, data, source=source, reporter=state.reporter, partner=state.partner, **equal
    )


def partner_source(data: CleanData, state: ViewState) -> str | None:
    """The chosen (or default) source if it has this pair, else the first one that does."""

    def build() -> str | None:
        options = trade_sources(data, state.reporter)
        if state.source in options:
            options = [state.source, *[o for o in options if o != state.source]]
        for source in options:  # share rows, else the pair's Jan–Dec months (FCS main partners)
            if not _pair(data, "shares", state, source, basis="year").empty:
                return source
            if not _jan_dec_flows(data, source, state.reporter, str(state.partner)).empty:
                return source
        return None

    key = ("partner-source", state.reporter, state.partner, state.source)
    return memo(data, key, build, pair=True)


def annual_flows(data: CleanData, source: str, reporter: str, partner: str) -> pd.DataFrame:
    """year x flow values (base units) of one source, newest vintage per year; + currency.

    Kept per pair: the partner and briefing pages, their year controls and the briefing's
    sentences all read it.
    """
    key = ("annual-flows", source, reporter, partner)
    return memo(data, key, lambda: _annual_flows(data, source, reporter, partner), pair=True)


def _annual_flows(data: CleanData, source: str, reporter: str, partner: str) -> pd.DataFrame:
    rows = select(
        "trade_all",
        data,
        source=source,
        reporter=reporter,
        partner=partner,
        basis="year",
        commodity="TOTAL",
    )
    if rows.empty:
        rows = _jan_dec_flows(data, source, reporter, partner)
    if rows.empty:
        return pd.DataFrame()
    rows = rows.sort_values("vintage").drop_duplicates(["flow", "period_start"], keep="last")
    # plain once here: every sentence and chart of the pair reads these rows again
    return plain(rows.assign(year=year_of(rows)))


def _jan_dec_flows(data: CleanData, source: str, reporter: str, partner: str) -> pd.DataFrame:
    """Jan–Dec sums of months as annual rows, for partners a source publishes monthly only
    (FCS's main partners 2006–2021); turnover = exports + imports, citing both."""
    key = ("jan-dec-flows", source, reporter, partner)
    return memo(data, key, lambda: _jan_dec_sums(data, source, reporter, partner), pair=True)


def _jan_dec_sums(data: CleanData, source: str, reporter: str, partner: str) -> pd.DataFrame:
    rows = select(
        "trade_all", data, source=source, reporter=reporter, partner=partner, basis="ytd",
        commodity="TOTAL",
    )  # fmt: skip
    if rows.empty:
        return rows
    rows = plain(rows)
    rows = rows[(rows["period_start"].dt.month == 1) & (rows["period_end"].dt.month == 12)]
    rows = rows[rows["flow"].isin(["export", "import", "turnover"])]
    if rows.empty or "turnover" in set(rows["flow"]):
        return rows.assign(basis="year")
    both = rows.pivot_table(index="period_start", columns="flow", values="value", aggfunc="last")
    both = both.dropna(subset=[c for c in ("export", "import") if c in both] or None)
    if not {"export", "import"} <= set(both.columns):
        return rows.assign(basis="year")
    exports = rows[rows["flow"] == "export"].drop_duplicates("period_start", keep="last")
    exports = exports.set_index("period_start").loc[both.index].reset_index()
    imports = rows[rows["flow"] == "import"].drop_duplicates("period_start", keep="last")
    imports = imports.set_index("period_start").loc[both.index]
    turnover = exports.assign(
        flow="turnover",
        value=(both["export"] + both["import"]).to_numpy(),
        citation=[
            f"Derived: exports + imports. {e}; {i}"
            for e, i in zip(exports["citation"], imports["citation"], strict=True)
        ],
        derivation="turnover = export + import",
    )
    return pd.concat([rows, turnover], ignore_index=True).assign(basis="year")


def pair_growth(data: CleanData, state: ViewState, source: str) -> pd.DataFrame:
    """Year-on-year growth of the pair's selected flow, one source, sorted by year."""
    rows = _pair(data, "growth", state, source, flow=state.flow, basis="year")
    rows = rows.dropna(subset=["yoy_growth"])
    if rows.empty:
        return rows
    return rows.assign(year=year_of(rows)).sort_values("year")


def pair_ytd(data: CleanData, reporter: str, partner: str) -> pd.DataFrame:
    """Jan–X growth rows of the pair's trade flows, every source and period."""
    rows = select("growth", data, reporter=reporter, partner=partner, basis="ytd")
    return rows[rows["flow"].isin(FLOWS)] if not rows.empty else rows


def mirror_ytd(data: CleanData, reporter: str, partner: str) -> pd.DataFrame:
    """Jan–X growth rows declared by `partner` about its trade with `reporter`, with the flows
    turned to the reporter's side (the partner's exports are the reporter's imports)."""
    rows = pair_ytd(data, partner, reporter)
    if rows.empty:
        return rows
    flow = rows["flow"].astype(str).map(OPPOSITE_FLOW)
    return plain(rows).assign(flow=flow.to_numpy(), reporter=reporter, partner=partner)


def world_monthly_sources(data: CleanData, reporter: str) -> list[str]:
    """Sources with Jan–X totals of the reporter's trade with the world."""

    def build() -> list[str]:
        rows = select("growth", data, reporter=reporter, partner=WORLD, basis="ytd")
        return sorted(set(rows["source"].astype(str))) if not rows.empty else []

    return memo(data, ("world-monthly-sources", reporter), build)


def window(data: CleanData, state: ViewState, source: str) -> tuple[int, int] | None:
    """The CAGR window: the state's start/end where the series has them, else first..last."""
    rows = annual_flows(data, source, state.reporter, state.partner)
    years_ = sorted(rows["year"].unique()) if not rows.empty else []
    if len(years_) < 2:
        return None
    start = state.start if state.start in years_ else years_[0]
    end = state.end if state.end in years_ else years_[-1]
    return int(start), int(end)


def pair_cagr(data: CleanData, state: ViewState, source: str, start: int, end: int):
    """CAGR rows of the pair's flows over [start, end], indexed by flow."""
    c = _pair(data, "cagr", state, source, start_year=start, end_year=end)
    return c[c["flow"].isin(FLOWS)].set_index("flow")


def pair_shares(data: CleanData, state: ViewState, source: str) -> pd.DataFrame:
    """The partner's annual share and rank rows in the reporter's selected flow."""
    return _pair(data, "shares", state, source, flow=state.flow, basis="year")


def _annual_of_source(rows: pd.DataFrame, column: str = "value") -> tuple[pd.Series, str]:
    """Annual values of one source's rows: year rows, else Jan–Dec sums of months.

    `column`: "value" (the declared currency) or "value_usd" (EUR rows converted by the ETL).
    """
    year_rows = rows[rows["basis"] == "year"]
    how = ""
    if year_rows.empty:
        # Eurostat publishes months only; the ETL's Jan–Dec cumulative is the annual sum.
        year_rows = rows[(rows["basis"] == "ytd") & (rows["period_end"].dt.month == 12)]
        how = "sum of 12 monthly values"
    if year_rows.empty:
        return pd.Series(dtype=float), how
    year_rows = year_rows.sort_values("vintage").drop_duplicates("period_start", keep="last")
    series_ = year_rows.set_index(year_of(year_rows))[column].sort_index()
    series_.index = series_.index.astype(int)
    return series_, how


def mirror_series(data: CleanData, reporter: str, partner: str, flow: str) -> list[dict]:
    """Every annual series of `reporter`'s `flow` with `partner`, from either side.

    side 'reporter': the reporter declares its flow; side 'partner': the partner declares the
    opposite flow (its imports from the reporter are the reporter's exports to it).
    """
    key = ("mirror-series", reporter, partner, flow)
    return memo(data, key, lambda: _mirror_series(data, reporter, partner, flow), pair=True)


def _mirror_series(data: CleanData, reporter: str, partner: str, flow: str) -> list[dict]:
    out = []
    for side, rep, par, fl in (
        ("reporter", reporter, partner, flow),
        ("partner", partner, reporter, OPPOSITE_FLOW[flow]),
    ):
        rows = select("trade_all", data, reporter=rep, partner=par, commodity="TOTAL", flow=fl)
        if rows.empty:
            continue
        for source in sorted(set(rows["source"].astype(str))):
            part = rows[rows["source"] == source]
            currency = str(part["currency"].iloc[0])
            converted = _usd_convertible(part)
            values, how = _annual_of_source(part, "value_usd" if converted else "value")
            if values.empty:
                continue
            out.append(
                dict(
                    side=side,
                    declarer=rep,
                    source=source,
                    flow=fl,
                    how=how,
                    # EUR rows (Comext) carry value_usd at ECB monthly averages: compared in USD.
                    currency="USD" if converted else currency,
                    converted_from=currency if converted else "",
                    values=values,
                )
            )
    return out


def _usd_convertible(rows: pd.DataFrame) -> bool:
    """Rows in another currency whose every value has a USD conversion from the ETL."""
    return (
        str(rows["currency"].iloc[0]) != "USD"
        and "value_usd" in rows
        and bool(rows["value_usd"].notna().all())
    )


# Sources that compile other reporters' figures (not a national office's own declaration): the
# mirror table compares what two national offices (or Eurostat for an EU member) publish.
COMPILED_SOURCES = frozenset({"imf-dots-annual", "un-comtrade", "un-comtrade-plus-2023-2024"})
MIRROR_COLUMNS = [
    "year", "flow", "reporter", "partner",
    "reporter_source", "reporter_value", "reporter_valuation", "reporter_how",
    "partner_source", "partner_value", "partner_valuation", "partner_how",
    "currency", "gap", "gap_pct",
]  # fmt: skip


def _valuation(rows: pd.DataFrame) -> str:
    """FOB/CIF when the source says so for every row, else 'unknown'."""
    if "valuation" not in rows:
        return "unknown"
    found = set(rows["valuation"].dropna().astype(str)) or {"unknown"}
    return found.pop() if len(found) == 1 else "mixed"


def mirror_table(data: CleanData, reporter: str, partner: str) -> pd.DataFrame:
    """Bilateral asymmetries between national sources: one row per year, flow and source pair.

    `flow` is the reporter's flow: its exports to the partner beside the partner's declared
    imports from it, and its imports beside the partner's exports. Values in USD (base units;
    Eurostat rows are converted at ECB monthly rates by the ETL); `gap` = reporter − partner,
    `gap_pct` = gap / partner-declared value. Annual rows, else Jan–Dec sums of months.
    """

    def build() -> pd.DataFrame:
        if data.trade_all.empty:
            return pd.DataFrame(columns=MIRROR_COLUMNS)
        out = []
        for flow in ("export", "import"):
            sides = {}
            for side, rep, par, fl in (
                ("reporter", reporter, partner, flow),
                ("partner", partner, reporter, OPPOSITE_FLOW[flow]),
            ):
                rows = select(
                    "trade_all", data, reporter=rep, partner=par, commodity="TOTAL", flow=fl
                )
                rows = plain(rows[~rows["source"].isin(COMPILED_SOURCES)])
                if "value_usd" in rows:  # EUR rows carry USD at ECB monthly averages
                    rows = rows.assign(value=rows["value_usd"]).dropna(subset=["value"])
                else:
                    rows = rows[rows["currency"] == "USD"]
                found = []
                for source, part in rows.groupby("source"):
                    values, how = _annual_of_source(part)
                    if not values.empty:
                        found.append((str(source), values, how, _valuation(part)))
                sides[side] = found
            for r_src, r_vals, r_how, r_val in sides["reporter"]:
                for p_src, p_vals, p_how, p_val in sides["partner"]:
                    for year in sorted(set(r_vals.index) & set(p_vals.index)):
                        mine, theirs = float(r_vals[year]), float(p_vals[year])
                        out.append(
                            dict(
                                year=int(year), flow=flow, reporter=reporter, partner=partner,
                                reporter_source=r_src, reporter_value=mine,
                                reporter_valuation=r_val, reporter_how=r_how,
                                partner_source=p_src, partner_value=theirs,
                                partner_valuation=p_val, partner_how=p_how,
                                currency="USD", gap=mine - theirs,
                                gap_pct=(mine - theirs) / theirs if theirs else math.nan,
                            )
                        )  # fmt: skip
        return pd.DataFrame(out, columns=MIRROR_COLUMNS)

    return memo(data, ("mirror-table", reporter, partner), build, pair=True)


# ---- FDI --------------------------------------------------------------------------------------


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


def fdi_annual(data: CleanData, host: str, measure: str) -> pd.DataFrame:
    """`annual` of the clean FDI frame, kept per data version (a few hosts and measures)."""
    return memo(
        data, ("fdi-annual", host, measure), lambda: annual(frame(data, "fdi"), host, measure)
    )


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
    rows = fdi_annual(data, host, measure)
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
    rows = plain(select("fdi_cumulative", data, host=host, investor=investor, measure=measure))
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


def world_quarterly(data: CleanData, host: str, wanted: str | None) -> pd.DataFrame | None:
    """Quarterly net FDI inflow from all investors, one source; None when no FDI is loaded."""
    fdi = frame(data, "fdi")
    if fdi.empty or "host" not in fdi:
        return None
    rows = fdi[
        (fdi["host"] == host)
        & (fdi["investor"] == WORLD)
        & (fdi["measure"] == "net_inflow")
        & (fdi["basis"] == "quarter")
    ]
    if rows.empty:
        return rows
    rows = (
        plain(rows).sort_values("vintage").drop_duplicates(["source", "period_start"], keep="last")
    )
    source = pick_source(rows.assign(year=rows["period_start"].dt.year), WORLD, wanted)
    return rows[rows["source"] == source].sort_values("period_start")


# ---- visas ------------------------------------------------------------------------------------


def _summary(data: CleanData) -> pd.DataFrame:
    s = frame(data, "visa_summary")
    return s if not s.empty and "issuer" in s else pd.DataFrame()


def schengen_annual(data: CleanData, issuer: str | None, country: str) -> pd.DataFrame:
    """Annual counts at consulates located in `country` (all issuers when issuer is None).

    One category: uniform visas when published, else the category with the most visas issued.
    """
    key = ("schengen-annual", issuer, country)
    return memo(data, key, lambda: _schengen_annual(data, issuer, country), pair=True)


def _schengen_annual(data: CleanData, issuer: str | None, country: str) -> pd.DataFrame:
    s = _summary(data)
    if s.empty:
        return s
    equal = {"consulate_country": country, "basis": "year"}
    if issuer is not None:
        equal["issuer"] = issuer
    rows = select("visa_summary", data, **equal)
    if rows.empty:
        return pd.DataFrame()
    rows = plain(rows)
    cats = set(rows["visa_category"])
    if SCHENGEN_CATEGORY in cats:
        category = SCHENGEN_CATEGORY
    else:
        category = str(rows.groupby("visa_category")["issued"].sum().idxmax())
    rows = rows[rows["visa_category"] == category]
    return rows.assign(year=rows["period_start"].dt.year).sort_values("year")


def nationality_monthly(data: CleanData, issuer: str, nationality: str) -> pd.DataFrame:
    """Visas issued per month to `nationality`, summed over visa classes; columns period_start,
    issued, source."""
    key = ("nationality-monthly", issuer, nationality)
    return memo(data, key, lambda: _nationality_monthly(data, issuer, nationality), pair=True)


def _nationality_monthly(data: CleanData, issuer: str, nationality: str) -> pd.DataFrame:
    s = _summary(data)
    if s.empty:
        return s
    rows = select("visa_summary", data, issuer=issuer, nationality=nationality, basis="month")
    if rows.empty:
        return pd.DataFrame()
    rows = plain(rows)
    out = rows.groupby(["source", "period_start"], as_index=False)["issued"].sum()
    return out.sort_values("period_start")


def ytd_comparison(monthly: pd.DataFrame) -> dict | None:
    """Jan–X of the latest year vs Jan–X a year earlier, X = the latest month with every month
    Jan..X present in both years."""
    if monthly.empty:
        return None
    m = monthly.assign(year=monthly["period_start"].dt.year, month=monthly["period_start"].dt.month)
    latest = int(m["year"].max())
    now = m[m["year"] == latest].set_index("month")["issued"]
    before = m[m["year"] == latest - 1].set_index("month")["issued"]
    last = 0
    for month in range(1, 13):
        if month in now.index and month in before.index:
            last = month
        else:
            break
    if last == 0:
        return None
    value = float(now.loc[1:last].sum())
    previous = float(before.loc[1:last].sum())
    start, end = periods.ytd_period(latest, last)
    return {
        "year": latest,
        "last_month": last,
        "value": value,
        "previous": previous,
        "growth": (value - previous) / previous if previous else math.nan,
        "label": periods.label("ytd", start, end),
        "previous_label": periods.label(
            "ytd", start.replace(year=latest - 1), end - pd.DateOffset(years=1)
        ),
        "source": str(monthly["source"].iloc[0]),
    }


# ---- products ---------------------------------------------------------------------------------

# The flows a product breakdown is drawn for (turnover and balance are not compositions).
PRODUCT_FLOWS = ("export", "import")
# One breakdown: a table's rows for one reporter, partner, flow and period.
# Partner concentration needs the countries to cover the World row (FCS's annual rows name only
# the CIS countries, 13% of Russia's exports in 2021).
PARTNER_COVERAGE_MIN = 0.9
_BREAKDOWN = ["source", "flow", "classification", "basis", "period_start", "period_end"]


@dataclass(frozen=True)
class ProductChoice:
    """The breakdown the products page draws: flow, level and year (a period's last year)."""

    flow: str
    level: str
    year: int


def product_level(classification: str) -> str:
    """'chapter', 'group', 'section' or 'national' (a publisher's own list of main goods)."""
    return products.kind_of(classification) or "national"


def reporter_products(data: CleanData, reporter: str, partner: str = WORLD) -> pd.DataFrame:
    """The reporter's product rows with one partner (the world), newest vintage per breakdown;
    + `level` and `year` (the year the period ends: 2021 for the OEC 2019–2021 sum)."""

    def build() -> pd.DataFrame:
        p = frame(data, "products")
        if p.empty or "reporter" not in p:
            return pd.DataFrame()
        rows = plain(p[(p["reporter"] == reporter) & (p["partner"] == partner)])
        if rows.empty:
            return rows
        rows = rows.sort_values("vintage", kind="stable")
        newest = rows.groupby(_BREAKDOWN)["vintage"].transform("last")
        rows = rows[rows["vintage"] == newest]
        return rows.assign(
            level=rows["classification"].map(product_level), year=rows["period_end"].dt.year
        ).reset_index(drop=True)

    return memo(data, ("products", reporter, partner), build)


def product_flows(data: CleanData, reporter: str) -> list[str]:
    rows = reporter_products(data, reporter)
    present = set(rows["flow"]) if not rows.empty else set()
    return [f for f in PRODUCT_FLOWS if f in present]


def product_levels(data: CleanData, reporter: str, flow: str) -> list[tuple[str, str]]:
    """(level, classification) of the reporter's breakdowns of `flow`: the level with the latest
    year first, ties by detail (chapter, group, section, national list)."""
    key = ("product-levels", reporter, flow)
    return memo(data, key, lambda: _product_levels(data, reporter, flow))


def _product_levels(data: CleanData, reporter: str, flow: str) -> list[tuple[str, str]]:
    rows = reporter_products(data, reporter)
    if rows.empty:
        return []
    rows = rows[rows["flow"] == flow]
    latest = rows.groupby("level")["year"].max()
    found = rows.drop_duplicates("level").set_index("level")["classification"]
    order = sorted(latest.index, key=lambda lv: (-int(latest[lv]), PRODUCT_LEVELS.index(lv)))
    return [(str(lv), str(found[lv])) for lv in order]


def product_history(data: CleanData, reporter: str, flow: str, level: str) -> pd.DataFrame:
    """Every period of one level and flow, one source per period (the reporter's own before a
    compiler such as OEC/BACI when both publish the same period)."""
    key = ("product-history", reporter, flow, level)
    return memo(data, key, lambda: _product_history(data, reporter, flow, level))


def _product_history(data: CleanData, reporter: str, flow: str, level: str) -> pd.DataFrame:
    rows = reporter_products(data, reporter)
    if rows.empty:
        return rows
    rows = rows[(rows["flow"] == flow) & (rows["level"] == level)]
    if rows["source"].nunique() > 1:
        rank = rows["source"].str.startswith("oec").astype(int)
        first = rows.assign(_r=rank).sort_values(["_r", "source"]).drop_duplicates("year")
        rows = rows.merge(first[["year", "source"]], on=["year", "source"])
    return rows.sort_values(["period_start", "value"], ascending=[True, False])


def product_years(data: CleanData, reporter: str, flow: str, level: str) -> list[int]:
    rows = product_history(data, reporter, flow, level)
    return sorted({int(y) for y in rows["year"]}) if not rows.empty else []


def product_choice(data: CleanData, state: ViewState) -> ProductChoice | None:
    """The state's flow, level and year where the reporter has them, else the defaults: exports,
    the level with the latest data (or with the chosen year), its latest year."""
    flows = product_flows(data, state.reporter)
    if not flows:
        return None
    flow = state.flow if state.flow in flows else flows[0]
    levels = [lv for lv, _ in product_levels(data, state.reporter, flow)]
    level = state.level
    if level not in levels:
        with_year = [
            lv for lv in levels if state.year in product_years(data, state.reporter, flow, lv)
        ]
        level = (with_year or levels)[0]
    years_ = product_years(data, state.reporter, flow, level)
    year = state.year if state.year in years_ else years_[-1]
    return ProductChoice(flow, level, int(year))


def product_growth(history: pd.DataFrame) -> pd.DataFrame:
    """Each product against the same period a year earlier (same source, classification and
    basis: etl.concentration.product_growth); + year and change (value - previous)."""
    if history.empty:
        return pd.DataFrame()
    cols = [c for c in history.columns if c not in ("level", "year")]
    out = concentration.product_growth(history[cols])
    if out.empty:
        return out
    labels = history.drop_duplicates("product_code").set_index("product_code")
    return out.assign(
        year=out["period_end"].dt.year,
        change=out["value"] - out["previous_value"],
        product_label=out["product_code"].map(labels["product_label"]),
        product_label_en=out["product_code"].map(labels["product_label_en"]),
    )


def product_concentration(history: pd.DataFrame) -> pd.DataFrame:
    """HHI and top-1/top-3 shares of the published total per period (etl.concentration); + year
    and the top product's English label."""
    if history.empty:
        return pd.DataFrame()
    out = concentration.concentration(history)
    labels = history.drop_duplicates("product_code").set_index("product_code")
    return out.assign(
        year=out["period_end"].dt.year,
        top1_label=out["top1_code"].map(labels["product_label_en"]),
    ).sort_values("period_start")


def history_growth(data: CleanData, reporter: str, flow: str, level: str) -> pd.DataFrame:
    """`product_growth` of `product_history`, kept per data version (a few reporters, flows
    and levels; the products page's growth charts read it on every change of year)."""
    key = ("history-growth", reporter, flow, level)
    return memo(data, key, lambda: product_growth(product_history(data, reporter, flow, level)))


def history_concentration(data: CleanData, reporter: str, flow: str, level: str) -> pd.DataFrame:
    """`product_concentration` of `product_history`, kept per data version."""
    key = ("history-concentration", reporter, flow, level)
    return memo(
        data, key, lambda: product_concentration(product_history(data, reporter, flow, level))
    )


def partner_concentration(data: CleanData, reporter: str, flow: str, source: str) -> pd.DataFrame:
    """Per year, the concentration of the reporter's `flow` by partner country: HHI, top-1 and
    top-3 shares of the World row of the same source (as WITS reports it; partner groups left
    out, a residual no country carries stays in the total). Years whose countries hold less than
    PARTNER_COVERAGE_MIN of the World row are left out. Columns: year, n_items, hhi,
    top1_share, top3_share, top1_code, total_value, listed_share, source, vintage."""

    def build() -> pd.DataFrame:
        rows = select("shares", data, source=source, reporter=reporter, flow=flow, basis="year")
        if rows.empty:
            return pd.DataFrame()
        rows = plain(rows).assign(year=year_of(rows))
        out = []
        for year, g in rows.groupby("year"):
            world = g.loc[g["partner"] == WORLD, "value"]
            items = g[~g["partner_is_aggregate"].astype(bool) & (g["value"] > 0)]
            if world.empty or items.empty or float(world.iloc[0]) <= 0:
                continue
            total = float(world.iloc[0])
            values = items["value"].to_numpy(dtype=float)
            listed = float(values.sum() / total)
            if listed < PARTNER_COVERAGE_MIN:
                continue  # FCS annual rows name the CIS countries only: not a breakdown
            try:
                hhi = concentration.hhi(values / total, concentration.ROUNDING)
            except ValueError:  # partners above the World row: not a breakdown of it
                continue
            out.append(
                {
                    "year": int(year),
                    "n_items": len(items),
                    "hhi": hhi,
                    "top1_share": concentration.top_n_share(values, 1, total),
                    "top3_share": concentration.top_n_share(values, 3, total),
                    "top1_code": str(items.loc[items["value"].idxmax(), "partner"]),
                    "total_value": total,
                    "listed_share": listed,
                    "source": source,
                    "vintage": str(g["vintage"].iloc[-1]),
                }
            )
        return pd.DataFrame(out)

    return memo(data, ("partner-concentration", reporter, flow, source), build)


def pair_products(data: CleanData, reporter: str, partner: str) -> pd.DataFrame:
    """The pair's annual trade by commodity (UN Comtrade HS files: `commodity` other than TOTAL),
    newest vintage; + `total` (the same source's TOTAL row of that flow and year) and `year`."""

    key = ("pair-products", reporter, partner)
    return memo(data, key, lambda: _pair_products(data, reporter, partner), pair=True)


def _pair_products(data: CleanData, reporter: str, partner: str) -> pd.DataFrame:
    rows = select("trade_all", data, reporter=reporter, partner=partner)
    large = large_trade(data, reporter, partner)  # only their TOTALs are in trade_all
    if not large.empty:
        large = plain(large)
        rows = pd.concat([plain(rows), large[large["commodity"] != "TOTAL"]], ignore_index=True)
    if rows.empty:
        return pd.DataFrame()
    rows = plain(rows[(rows["basis"] == "year") & rows["flow"].isin(PRODUCT_FLOWS)])
    rows = rows.sort_values("vintage").drop_duplicates(
        ["source", "flow", "commodity", "period_start"], keep="last"
    )
    items = rows[rows["commodity"] != "TOTAL"]
    if items.empty:
        return pd.DataFrame()
    key = ["source", "flow", "period_start"]
    totals = rows[rows["commodity"] == "TOTAL"][[*key, "value"]].rename(columns={"value": "total"})
    merged = items.merge(totals, on=key, how="left")
    return merged.assign(year=year_of(merged))


def partner_concentration_source(data: CleanData, state: ViewState, flow: str) -> str | None:
    """The state's trade source when its partner countries cover the World row, else the first
    of the reporter's sources whose do (IMF DOTS for Russia)."""
    chosen = source_for(data, state)
    options = trade_sources(data, state.reporter)
    for source in [chosen, *[o for o in options if o != chosen]]:
        if source and not partner_concentration(data, state.reporter, flow, source).empty:
            return source
    return None


# ---- coverage: what a page has for a reporter ------------------------------------------------

SCHENGEN_MIN_ISSUED = 1000  # fewer visas a year at consulates in a country = a stray row


def _spans(frame_: pd.DataFrame, who: str, data: CleanData) -> dict[str, str]:
    """'Kazakhstan' -> 'UNCTAD 2001–2012, wiiw 2003–2021': sources and years per country."""
    out: dict[str, str] = {}
    rows = plain(frame_).assign(year=year_of(frame_))
    for code, g in rows.groupby(who):
        parts = []
        for source, s in g.groupby("source"):
            lo, hi = int(s["year"].min()), int(s["year"].max())
            span = str(lo) if lo == hi else f"{lo}–{hi}"
            parts.append(f"{data.sources.short(str(source))} {span}")
        out[str(code)] = ", ".join(parts)
    return out


def coverage_gap(data: CleanData, kind: str, reporter: str) -> str | None:
    """None when the reporter has data of this kind ('trade', 'fdi', 'visas'); else the one
    sentence the page shows instead of charts, naming what the bundled sources do cover."""
    return memo(data, ("coverage-gap", kind, reporter), lambda: _coverage_gap(data, kind, reporter))


def _coverage_gap(data: CleanData, kind: str, reporter: str) -> str | None:
    from etl import countries  # a leaf module; imported here to keep query's imports short

    who = countries.label(reporter)

    def listing(spans: dict[str, str]) -> str:
        return "; ".join(f"{countries.label(c)} ({s})" for c, s in sorted(spans.items()))

    if kind == "trade":
        if reporter in trade_reporters(data):
            return None
        shown = ", ".join(countries.label(r) for r in trade_reporters(data))
        return (
            f"No trade by partner with a World total for {who} in the bundled sources; "
            f"reporters with such data: {shown or 'none'}."
        )
    if kind == "fdi":
        fdi = frame(data, "fdi")
        if fdi.empty or "host" not in fdi:
            return f"No FDI data in the bundled sources for {who} or any other host."
        if (fdi["host"] == reporter).any():
            return None
        return (
            f"No FDI by investor for {who} in the bundled sources; FDI data cover "
            f"{listing(_spans(fdi, 'host', data))}."
        )
    if kind == "visas":
        s = _summary(data)
        if s.empty:
            return f"No visa data in the bundled sources for {who}."
        consulates = s[(s["consulate_country"] == reporter) & (s["basis"] == "year")]
        nationals = s[(s["nationality"] == reporter) & (s["issuer"] == US)]
        if consulates["issued"].sum() >= SCHENGEN_MIN_ISSUED or not nationals.empty:
            return None
        return (
            f"No visa statistics for {who}: the EU's Schengen statistics count visas issued at "
            f"consulates outside the Schengen area and the US State Department counts visas by "
            f"nationality; neither has {who} as a place of issue or a nationality."
        )
    return None


# ---- how current: partner data vs monthly totals (issue 12) ---------------------------------


def monthly_totals_end(data: CleanData, reporter: str) -> pd.Timestamp | None:
    """The end of the newest month of the reporter's own monthly World totals (None if none)."""
    t = data.trade_all
    if t.empty:
        return None
    rows = select("trade_all", data, reporter=reporter, partner=WORLD)
    rows = rows[(rows["basis"] == "month") & (rows["commodity"] == "TOTAL")]
    return None if rows.empty else pd.Timestamp(rows["period_end"].max())


def partner_lag_sentence(data: CleanData, reporter: str, source: str) -> str:
    """'Kazakhstan: partner data end in 2023; monthly totals run to Jun 2026.' when the
    reporter's monthly World totals run a calendar year or more past its partner breakdown."""
    years = annual_years(data, source, reporter)
    monthly = monthly_totals_end(data, reporter)
    if not years or monthly is None or monthly.year <= years[-1]:
        return ""
    return (
        f"{countries.label(reporter)}: partner data ({data.sources.short(source)}) end in "
        f"{years[-1]}; monthly totals run to {monthly.strftime('%b %Y')}. Shares and ranks "
        f"are for {years[-1]}."
    )


# ---- world context: the reporter among all Comtrade reporters (issue 10) ---------------------

# Sources of every reporter's total with the World, best first (one source is ranked, never mixed).
WORLD_CONTEXT_SOURCES = ("un-comtrade-plus-2023-2024", "un-comtrade")


def world_context(data: CleanData) -> tuple[str, pd.DataFrame] | None:
    """(source, etl.world_context frame) of the first WORLD_CONTEXT_SOURCES source in the data:
    each reporter's rank and share among the reporters of a year and flow; None if absent."""

    def build() -> tuple[str, pd.DataFrame] | None:
        t = data.trade_all
        if t.empty:
            return None
        present = set(t["source"].astype(str).unique())
        source = next((s for s in WORLD_CONTEXT_SOURCES if s in present), None)
        if source is None:
            return None
        rows = plain(t[(t["source"] == source) & (t["partner"] == WORLD)])
        rows = rows[(rows["commodity"] == "TOTAL") & (rows["basis"] == "year")]
        # several downloads of one year: the newest vintage stands for it
        rows = rows.sort_values("vintage").drop_duplicates(
            ["reporter", "flow", "period_start"], keep="last"
        )
        frame = world_ranks.world_context(rows)
        return (source, frame) if not frame.empty else None

    return memo(data, "world_context", build)


# ---- compare page: several partners of one reporter (issue 14) --------------------------------

COMPARE_DEFAULT = 4  # partners compared when the URL names none: the reporter's top 4


def compare_choices(data: CleanData, state: ViewState) -> list[str]:
    """Partners (countries and groups, not the World) with annual rows in the page's source."""
    source = source_for(data, state)
    if source is None:
        return []

    def build() -> list[str]:
        rows = select("shares", data, source=source, reporter=state.reporter, basis="year")
        return sorted(_codes(rows, "partner") - {WORLD, state.reporter})

    return memo(data, ("compare_choices", source, state.reporter), build)


def compare_partners(data: CleanData, state: ViewState) -> tuple[str, ...]:
    """The URL's partners the source has, else the reporter's top COMPARE_DEFAULT countries of
    the selected flow in the year shown."""
    choices = set(compare_choices(data, state))
    chosen = tuple(c for c in state.compare if c in choices)
    if chosen:
        return chosen
    source = source_for(data, state)
    year = year_for(data, state, source) if source else None
    if source is None or year is None:
        return ()
    rows = year_shares(data, state, source)
    rows = rows[(year_of(rows) == year) & ~rows["partner_is_aggregate"].astype(bool)]
    rows = rows[~rows["partner"].isin([WORLD, state.reporter])]
    top = plain(rows).sort_values("value", ascending=False)["partner"].head(COMPARE_DEFAULT)
    return tuple(str(c) for c in top)


def compare_series(
    data: CleanData, state: ViewState, source: str, partners: Iterable[str]
) -> pd.DataFrame:
    """Annual rows (value, share, rank) of the selected flow for each partner, every year;
    columns partner, year, value, share, rank, currency, source, vintage, period_end."""
    rows = plain(year_shares(data, state, source))
    rows = rows[rows["partner"].isin(list(partners))]
    return rows.assign(year=year_of(rows)).sort_values(["partner", "year"], ignore_index=True)


def partner_table(data: CleanData, state: ViewState, source: str, year: int) -> pd.DataFrame:
    """Every country partner of the reporter in the year and flow: value (USD), share of the
    World row (0..1), rank, growth on the year before (0.1 = +10 %; NaN if none)."""
    rows = plain(year_shares(data, state, source))
    rows = rows[~rows["partner_is_aggregate"].astype(bool) & (rows["partner"] != WORLD)]
    rows = rows.assign(year=year_of(rows))
    now = rows[rows["year"] == year].set_index("partner")
    before = rows[rows["year"] == year - 1].set_index("partner")["value"]
    growth = now["value"] / before.reindex(now.index) - 1
    out = pd.DataFrame(
        {
            "partner": now.index.astype(str),
            "partner_name": [countries.label(c) for c in now.index],
            "value": now["value"].astype(float).to_numpy(),
            "share": now["share"].astype(float).to_numpy(),
            "rank": now["rank"].to_numpy(),
            "growth": growth.astype(float).to_numpy(),
        }
    )
    return out.sort_values(["rank", "partner"], ignore_index=True)

"""Every question the pages ask of the clean data, memoised once per data version.

Figures never query: a page's view function (dashboard/views.py) asks these functions for the
rows a chart draws and hands them over. Lookups that scan whole frames (source lists, years,
per-version indexes) and whole page views are kept by `memo`, keyed by `data.version`, so a
newly published version of data/clean/ makes every entry stale at once. Cached values are
shared between requests: callers must not mutate them.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from dashboard.data import CleanData
from dashboard.state import ViewState
from etl import periods
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

# (data version, "view" or "lookup", key) -> value, oldest use first.
_memo: OrderedDict[tuple[str, str, Hashable], object] = OrderedDict()
_lock = threading.Lock()


def memo(data: CleanData, key: Hashable, build: Callable[[], T], *, view: bool = False) -> T:
    """`build()` once per data version and key; entries of older versions are dropped.

    `view=True` marks a whole page view: those are bounded (VIEW_CACHE_SIZE, least recently
    used dropped first) because their keys hold every control value; lookups are few.
    """
    if view and VIEW_CACHE_SIZE <= 0:
        return build()
    full = (data.version, "view" if view else "lookup", key)
    with _lock:
        if full in _memo:
            _memo.move_to_end(full)
            return _memo[full]  # type: ignore[return-value]
    value = build()
    with _lock:
        for stale in [k for k in _memo if k[0] != data.version]:
            del _memo[stale]  # a newly published version makes every entry stale
        _memo[full] = value
        views = [k for k in _memo if k[1] == "view"]
        for old in views[: max(0, len(views) - VIEW_CACHE_SIZE)]:
            del _memo[old]
    return value


def clear() -> None:
    with _lock:
        _memo.clear()


# ---- selection --------------------------------------------------------------------------------


def frame(data: CleanData, name: str) -> pd.DataFrame:
    """A clean frame, or an empty one when the ETL did not produce it."""
    return data.frames.get(name, pd.DataFrame())


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """Categoricals to plain objects, so comparisons and groupbys on a small slice are simple."""
    cats = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
    return df.astype({c: object for c in cats}) if cats else df


def year_of(frame_: pd.DataFrame) -> pd.Series:
    return frame_["period_start"].dt.year


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


def _trade_sources(data: CleanData, reporter: str) -> list[str]:
    s = data.shares
    if s.empty:
        return []
    rows = s[(s["reporter"] == reporter) & (s["basis"] == "year")]
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
    the world), 'pair' (the pair's annual trade), or a frame name ('fdi', 'visas')."""
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

        return memo(data, ("years", source, state.reporter, state.partner), build)
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
    options = trade_sources(data, state.reporter)
    if state.source in options:
        options = [state.source, *[o for o in options if o != state.source]]
    for source in options:
        if not _pair(data, "shares", state, source, basis="year").empty:
            return source
    return None


def annual_flows(data: CleanData, source: str, reporter: str, partner: str) -> pd.DataFrame:
    """year x flow values (base units) of one source, newest vintage per year; + currency."""
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
        return pd.DataFrame()
    rows = rows.sort_values("vintage").drop_duplicates(["flow", "period_start"], keep="last")
    return rows.assign(year=year_of(rows))


def pair_growth(data: CleanData, state: ViewState, source: str) -> pd.DataFrame:
    """Year-on-year growth of the pair's selected flow, one source, sorted by year."""
    rows = _pair(data, "growth", state, source, flow=state.flow, basis="year")
    rows = rows.dropna(subset=["yoy_growth"])
    if rows.empty:
        return rows
    return rows.assign(year=year_of(rows)).sort_values("year")


def pair_ytd(data: CleanData, reporter: str, partner: str) -> pd.DataFrame:
    """Jan–X growth rows of the pair's trade flows, every source and period."""
    g = data.growth
    if g.empty:
        return g
    return g[
        (g["reporter"] == reporter)
        & (g["partner"] == partner)
        & (g["basis"] == "ytd")
        & g["flow"].isin(FLOWS)
    ]


def world_monthly_sources(data: CleanData, reporter: str) -> list[str]:
    """Sources with Jan–X totals of the reporter's trade with the world."""
    g = data.growth
    if g.empty:
        return []
    rows = g[(g["reporter"] == reporter) & (g["partner"] == WORLD) & (g["basis"] == "ytd")]
    return sorted(set(rows["source"].astype(str)))


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


def _annual_of_source(rows: pd.DataFrame) -> tuple[pd.Series, str]:
    """Annual values of one source's rows: year rows, else Jan–Dec sums of months."""
    year_rows = rows[rows["basis"] == "year"]
    how = ""
    if year_rows.empty:
        # Eurostat publishes months only; the ETL's Jan–Dec cumulative is the annual sum.
        year_rows = rows[(rows["basis"] == "ytd") & (rows["period_end"].dt.month == 12)]
        how = "sum of 12 monthly values"
    if year_rows.empty:
        return pd.Series(dtype=float), how
    year_rows = year_rows.sort_values("vintage").drop_duplicates("period_start", keep="last")
    series_ = year_rows.set_index(year_of(year_rows))["value"].sort_index()
    series_.index = series_.index.astype(int)
    return series_, how


def mirror_series(data: CleanData, reporter: str, partner: str, flow: str) -> list[dict]:
    """Every annual series of `reporter`'s `flow` with `partner`, from either side.

    side 'reporter': the reporter declares its flow; side 'partner': the partner declares the
    opposite flow (its imports from the reporter are the reporter's exports to it).
    """
    t = data.trade_all
    t = t[
        t["reporter"].isin([reporter, partner])
        & t["partner"].isin([reporter, partner])
        & (t["commodity"] == "TOTAL")
    ]
    out = []
    for side, rep, par, fl in (
        ("reporter", reporter, partner, flow),
        ("partner", partner, reporter, OPPOSITE_FLOW[flow]),
    ):
        rows = t[(t["reporter"] == rep) & (t["partner"] == par) & (t["flow"] == fl)]
        for source in sorted(set(rows["source"].astype(str))):
            part = rows[rows["source"] == source]
            values, how = _annual_of_source(part)
            if values.empty:
                continue
            out.append(
                dict(
                    side=side,
                    declarer=rep,
                    source=source,
                    flow=fl,
                    how=how,
                    currency=str(part["currency"].iloc[0]),
                    values=values,
                )
            )
    return out


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
    return annual(frame(data, "fdi"), host, measure)


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
    s = _summary(data)
    if s.empty:
        return s
    rows = s[(s["consulate_country"] == country) & (s["basis"] == "year")]
    if issuer is not None:
        rows = rows[rows["issuer"] == issuer]
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
    s = _summary(data)
    if s.empty:
        return s
    rows = s[(s["issuer"] == issuer) & (s["nationality"] == nationality) & (s["basis"] == "month")]
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

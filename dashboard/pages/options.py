"""What the controls offer, and how a parsed ViewState is fitted to the data a page has.

`catalogue(data)` (codes, years, sources known to the data) feeds `state.parse`; `options()`
gives each control's choices for the current selection; `resolve()` replaces values the page
cannot show (a year the chosen source lacks, a source without the reporter's World row) with
the page's default and says so in a notice. All pure functions of the clean data, memoised per
data version (`overview.memo`) because the catalogue scans whole frames.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from dashboard.data import CleanData
from dashboard.figures.overview import (
    annual_years,
    memo,
    source_for,
    trade_reporters,
    trade_sources,
)
from dashboard.figures.partner import annual_flows, partner_source
from dashboard.ids import Control
from dashboard.state import FDI_MEASURES, FLOWS, VISA_MEASURES, ViewState
from etl import countries, registry

# Which controls each page shows, in display order. Every other ViewState field still rides
# along in the URL (e.g. the partner on the overview) so switching pages keeps the selection.
CONTROLS: dict[str, tuple[Control, ...]] = {
    "overview": (Control.REPORTER, Control.YEAR, Control.FLOW, Control.SOURCE, Control.AGGREGATES),
    "partner": (
        Control.REPORTER,
        Control.PARTNER,
        Control.FLOW,
        Control.SOURCE,
        Control.START,
        Control.END,
    ),
    "fdi": (
        Control.REPORTER,
        Control.PARTNER,
        Control.MEASURE,
        Control.YEAR,
        Control.START,
        Control.END,
    ),
    "visas": (Control.REPORTER, Control.PARTNER, Control.VISA_MEASURE, Control.YEAR),
    "briefing": (Control.REPORTER, Control.PARTNER, Control.YEAR),
}
LABELS = {
    Control.REPORTER: "Reporter",
    Control.PARTNER: "Partner",
    Control.YEAR: "Year",
    Control.FLOW: "Flow",
    Control.SOURCE: "Source",
    Control.MEASURE: "FDI measure",
    Control.VISA_MEASURE: "Visas",
    Control.START: "From",
    Control.END: "To",
    Control.AGGREGATES: "Partners",
}
FLOW_TEXT = {"turnover": "Turnover", "export": "Exports", "import": "Imports"}
MEASURE_TEXT = {
    "gross_inflow": "Gross inflows",
    "net_inflow": "Net inflows",
    "inward_stock": "Inward stock",
}
VISA_TEXT = {"issued": "Issued", "applied": "Applied for", "not_issued": "Not issued"}


@dataclass(frozen=True)
class Catalogue:
    known_codes: frozenset[str]
    years: range
    sources: frozenset[str]
    reporters: tuple[str, ...]


def _codes(frame: pd.DataFrame, *cols: str) -> set[str]:
    out: set[str] = set()
    for col in cols:
        if col in frame:
            out |= {str(c) for c in frame[col].dropna().unique()}
    return out


def _years(frame: pd.DataFrame) -> set[int]:
    if frame.empty or "period_start" not in frame:
        return set()
    return {int(y) for y in pd.to_datetime(frame["period_start"]).dt.year.unique()}


def catalogue(data: CleanData) -> Catalogue:
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


# ---- choices per control ----------------------------------------------------------------------


def _code_options(codes: list[str]) -> list[dict[str, str]]:
    """World first, then countries by name, then groups (labelled as such)."""

    def key(code: str) -> tuple[int, str]:
        return (
            0 if code == "WLD" else 2 if countries.is_aggregate(code) else 1,
            countries.label(code),
        )

    return [
        {
            "label": countries.label(c)
            + (" (group)" if countries.is_aggregate(c) and c != "WLD" else ""),
            "value": c,
        }
        for c in sorted(codes, key=key)
    ]


def trade_partners(data: CleanData, reporter: str) -> list[str]:
    def build() -> list[str]:
        s = data.shares
        rows = s[(s["reporter"] == reporter) & (s["basis"] == "year")] if not s.empty else s
        return sorted(_codes(rows, "partner") - {reporter})

    return memo(data, f"partners:{reporter}", build)


def page_partners(page: str, data: CleanData, reporter: str) -> list[str]:
    """Partners the page can show for this reporter (trade partners, investors, issuers)."""

    def build() -> list[str]:
        codes = set(trade_partners(data, reporter))
        fdi = getattr(data, "fdi", pd.DataFrame())
        if page in ("fdi", "briefing") and not fdi.empty:
            codes |= _codes(fdi[fdi["host"] == reporter], "investor")
        visas = getattr(data, "visas", pd.DataFrame())
        if page in ("visas", "briefing") and not visas.empty:
            codes |= _codes(visas, "issuer")
        return sorted(codes - {reporter})

    return memo(data, f"page-partners:{page}:{reporter}", build)


def page_years(page: str, data: CleanData, state: ViewState) -> list[int]:
    """Years the page's year/window controls offer for the current selection."""
    if page == "overview":
        source = source_for(data, state)
        return annual_years(data, source, state.reporter) if source else []
    if page in ("partner", "briefing"):
        source = partner_source(data, state)
        if source is None:
            return []

        def build() -> list[int]:
            rows = annual_flows(data, source, state.reporter, state.partner)
            return sorted({int(y) for y in rows["year"].unique()}) if not rows.empty else []

        return memo(data, f"years:{source}:{state.reporter}:{state.partner}", build)
    frame_name = "fdi" if page == "fdi" else "visas"
    return sorted(
        memo(data, f"years:{frame_name}", lambda: _years(getattr(data, frame_name, pd.DataFrame())))
    )


def source_options(data: CleanData, reporter: str) -> list[dict[str, str]]:
    out = []
    for src in trade_sources(data, reporter):
        try:
            label = registry.info(src).short
        except KeyError:
            label = src
        out.append({"label": label, "value": src})
    return out


def options(page: str, data: CleanData, state: ViewState) -> dict[Control, list[dict]]:
    """Choices of every control the page shows, for the current selection."""
    years = [{"label": str(y), "value": y} for y in page_years(page, data, state)]
    out: dict[Control, list[dict]] = {}
    for ctl in CONTROLS[page]:
        if ctl is Control.REPORTER:
            reporters = list(catalogue(data).reporters) or [state.reporter]
            out[ctl] = _code_options(reporters)
        elif ctl is Control.PARTNER:
            out[ctl] = _code_options(page_partners(page, data, state.reporter))
        elif ctl in (Control.YEAR, Control.START, Control.END):
            out[ctl] = years
        elif ctl is Control.FLOW:
            out[ctl] = [{"label": FLOW_TEXT[f], "value": f} for f in FLOWS]
        elif ctl is Control.SOURCE:
            out[ctl] = source_options(data, state.reporter)
        elif ctl is Control.MEASURE:
            out[ctl] = [{"label": MEASURE_TEXT[m], "value": m} for m in FDI_MEASURES]
        elif ctl is Control.VISA_MEASURE:
            out[ctl] = [{"label": VISA_TEXT[m], "value": m} for m in VISA_MEASURES]
        elif ctl is Control.AGGREGATES:
            out[ctl] = [
                {
                    "label": "Groups (EU, CIS, EAEU…) instead of countries",
                    "value": "true",
                }
            ]
    return out


def control_value(ctl: Control, data: CleanData, state: ViewState) -> object:
    """The control's value for a state (checklists hold lists; no source = the default one)."""
    if ctl is Control.AGGREGATES:
        return ["true"] if state.aggregates else []
    if ctl is Control.SOURCE:
        return source_for(data, state)
    return getattr(state, str(ctl))


# ---- fitting a parsed state to the page ------------------------------------------------------


def resolve(page: str, data: CleanData, state: ViewState) -> ViewState:
    """Replace values this page cannot show with its defaults, adding a notice for each."""
    notes = list(state.notices)
    cat = catalogue(data)
    if cat.reporters and state.reporter not in cat.reporters and page in ("overview", "partner"):
        notes.append(
            f"No trade data by partner for {countries.label(state.reporter)}; "
            f"showing {countries.label(cat.reporters[0])}."
        )
        state = replace(state, reporter=cat.reporters[0])
    if page in ("overview", "partner"):
        options_ = trade_sources(data, state.reporter)
        if state.source is not None and state.source not in options_:
            notes.append(
                "That source has no World total for this reporter; showing the default source."
            )
            state = replace(state, source=None)
        if options_ and state.source == options_[0]:
            state = replace(state, source=None)  # the default source stays implicit in the URL
    if Control.PARTNER in CONTROLS[page]:
        partners = page_partners(page, data, state.reporter)
        if partners and state.partner not in partners:
            fallback = ViewState().partner if ViewState().partner in partners else partners[0]
            notes.append(
                f"No {page} data for {countries.label(state.partner)} with "
                f"{countries.label(state.reporter)}; showing "
                f"{countries.label(fallback)}."
            )
            state = replace(state, partner=fallback)
    years = page_years(page, data, state)
    if years and Control.YEAR in CONTROLS[page]:
        if state.year is not None and state.year not in years:
            notes.append(f"No data for {state.year} on this page; showing the latest year.")
            state = replace(state, year=None)
        # The overview's charts need one year; other pages read "latest" from None themselves.
        if page == "overview" and state.year is None:
            state = replace(state, year=years[-1])
    if years and Control.START in CONTROLS[page]:
        start, end = state.start, state.end
        if (start is not None and start not in years) or (end is not None and end not in years):
            notes.append(
                f"The window must lie within {years[0]}–{years[-1]}; showing the default window."
            )
            start = start if start in years else None
            end = end if end in years else None
        if start is not None and end is not None and start >= end:
            notes.append("The window's start must come before its end; showing the default window.")
            start = end = None
        if page == "partner":  # the CAGR chart needs both ends; default = the whole series
            start = years[0] if start is None else start
            end = years[-1] if end is None else end
            if start >= end:
                start, end = years[0], years[-1]
        state = replace(state, start=start, end=end)
    return replace(state, notices=tuple(dict.fromkeys(notes)))

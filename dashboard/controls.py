"""What the controls offer, and how a parsed ViewState is fitted to the data a page has.

`options()` gives each control of a page (listed in dashboard/pages.py) its choices for the
current selection; `resolve()` replaces values the page cannot show (a year the chosen source
lacks, a source without the reporter's World row) with the page's default and says so in a
notice. The data questions behind them are the query layer's (memoised per data version).
"""

from __future__ import annotations

from dataclasses import replace

from dashboard import query
from dashboard.data import CleanData
from dashboard.figures.products import level_label
from dashboard.ids import Control
from dashboard.pages import PAGES
from dashboard.state import ViewState
from etl import countries
from etl.labels import (
    FDI_MEASURE_TITLE,
    FDI_MEASURES,
    FLOW_TITLE,
    FLOW_WORD,
    FLOWS,
    VISA_MEASURE_TITLE,
    VISA_MEASURES,
)

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
    Control.LEVEL: "Products by",
    Control.COMPARE: "Compare partners",
}


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


def page_partners(page: str, data: CleanData, reporter: str) -> list[str]:
    """Partners the page can show for this reporter (trade partners, investors, issuers)."""
    return query.partners(data, reporter, PAGES[page].partners)


def page_years(page: str, data: CleanData, state: ViewState) -> list[int]:
    """Years the page's year/window controls offer for the current selection."""
    return query.years(data, PAGES[page].years, state)


def source_options(data: CleanData, reporter: str) -> list[dict[str, str]]:
    out = []
    for src in query.trade_sources(data, reporter):
        out.append({"label": data.sources.short(src), "value": src})
    return out


def options(page: str, data: CleanData, state: ViewState) -> dict[Control, list[dict]]:
    """Choices of every control the page shows, for the current selection."""
    years = [{"label": str(y), "value": y} for y in page_years(page, data, state)]
    out: dict[Control, list[dict]] = {}
    for ctl in PAGES[page].controls:
        if ctl is Control.REPORTER:
            reporters = list(query.catalogue(data).reporters) or [state.reporter]
            out[ctl] = _code_options(reporters)
        elif ctl is Control.PARTNER:
            out[ctl] = _code_options(page_partners(page, data, state.reporter))
        elif ctl in (Control.YEAR, Control.START, Control.END):
            out[ctl] = years
        elif ctl is Control.FLOW:
            flows = PAGES[page].flows or FLOWS
            out[ctl] = [{"label": FLOW_TITLE[f], "value": f} for f in flows]
        elif ctl is Control.LEVEL:
            out[ctl] = level_options(data, state)
        elif ctl is Control.COMPARE:
            out[ctl] = _code_options(query.compare_choices(data, state))
        elif ctl is Control.SOURCE:
            out[ctl] = source_options(data, state.reporter)
        elif ctl is Control.MEASURE:
            out[ctl] = [{"label": FDI_MEASURE_TITLE[m], "value": m} for m in FDI_MEASURES]
        elif ctl is Control.VISA_MEASURE:
            out[ctl] = [{"label": VISA_MEASURE_TITLE[m], "value": m} for m in VISA_MEASURES]
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
        return query.source_for(data, state)
    if ctl is Control.LEVEL:
        choice = query.product_choice(data, state)
        return choice.level if choice else None
    if ctl is Control.COMPARE:
        return list(query.compare_partners(data, state))
    return getattr(state, str(ctl))


def default_partner(data: CleanData, reporter: str, partners: list[str]) -> str | None:
    """The reporter's top partner in its latest year, if the page offers it; else the first."""
    top = query.default_partner(data, reporter)
    if top in partners or not partners:
        return top
    return partners[0]


def level_options(data: CleanData, state: ViewState) -> list[dict[str, str]]:
    """The reporter's product breakdowns of the chosen flow, named from their classification."""
    choice = query.product_choice(data, state)
    if choice is None:
        return []
    return [
        {"label": level_label(c), "value": level}
        for level, c in query.product_levels(data, state.reporter, choice.flow)
    ]


# ---- fitting a parsed state to the page ------------------------------------------------------


def fit_products(data: CleanData, state: ViewState) -> tuple[ViewState, list[str]]:
    """The products page's flow and level where the reporter has them, with a notice for an
    asked-for one it lacks (the app-wide default flow, turnover, falls back to exports quietly:
    a product breakdown is of exports or imports)."""
    choice = query.product_choice(data, state)
    if choice is None:
        return state, []
    notes = []
    who = countries.label(state.reporter)
    if state.flow != choice.flow and state.flow != ViewState().flow:
        notes.append(
            f"No {FLOW_WORD[state.flow]} by product for {who}; showing {FLOW_WORD[choice.flow]}."
        )
    if state.level is not None and state.level != choice.level:
        notes.append(
            f"No breakdown of {who}'s {FLOW_WORD[choice.flow]} by {state.level}; showing the "
            "default breakdown."
        )
    level = state.level if state.level == choice.level else None
    return replace(state, flow=choice.flow, level=level), notes


def resolve(page: str, data: CleanData, state: ViewState) -> ViewState:
    """Replace values this page cannot show with its defaults, adding a notice for each."""
    notes = list(state.notices)
    cat = query.catalogue(data)
    page_ = PAGES[page]
    if cat.reporters and state.reporter not in cat.reporters and page_.trade:
        notes.append(
            f"No trade data by partner for {countries.label(state.reporter)}; "
            f"showing {countries.label(cat.reporters[0])}."
        )
        state = replace(state, reporter=cat.reporters[0])
    if page_.trade:
        options_ = query.trade_sources(data, state.reporter)
        if state.source is not None and state.source not in options_:
            notes.append(
                "That source has no World total for this reporter; showing the default source."
            )
            state = replace(state, source=None)
        if options_ and state.source == options_[0]:
            state = replace(state, source=None)  # the default source stays implicit in the URL
    if Control.PARTNER in PAGES[page].controls:
        partners = page_partners(page, data, state.reporter)
        fallback = default_partner(data, state.reporter, partners)
        if state.partner is None:
            state = replace(state, partner=fallback)
        elif partners and state.partner not in partners:
            notes.append(
                f"No {page} data for {countries.label(state.partner)} with "
                f"{countries.label(state.reporter)}; showing "
                f"{countries.label(fallback)}."
            )
            state = replace(state, partner=fallback)
    if Control.LEVEL in page_.controls:
        state, more = fit_products(data, state)
        notes += more
    years = page_years(page, data, state)
    if years and Control.YEAR in PAGES[page].controls:
        if state.year is not None and state.year not in years:
            notes.append(f"No data for {state.year} on this page; showing the latest year.")
            state = replace(state, year=None)
        # Some pages' charts need one year; others read "latest" from None themselves.
        if page_.year_required and state.year is None:
            state = replace(state, year=years[-1])
    if years and Control.START in PAGES[page].controls:
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
        if page_.window_required:  # e.g. the CAGR chart; default = the whole series
            start = years[0] if start is None else start
            end = years[-1] if end is None else end
            if start >= end:
                start, end = years[0], years[-1]
        state = replace(state, start=start, end=end)
    return replace(state, notices=tuple(dict.fromkeys(notes)))

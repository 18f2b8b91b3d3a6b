"""What every page is made of: top nav, notice banner, controls, chart cards, footer.

`page_content(page, data, query)` turns a URL query into the page's components; it is what the
app's page layouts call on navigation and what the page callbacks call after a control changes,
so a link and a click always give the same view. The pages and their controls are listed in
dashboard/pages.py; a page with text gets the briefing's sentences with numbered footnotes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode

import dash_ag_grid as dag
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from dashboard import briefing, ids, query
from dashboard import controls as opts
from dashboard import pages as registry
from dashboard.data import CleanData
from dashboard.figures.common import data_note, empty_figure, stale_sentence
from dashboard.ids import Control
from dashboard.pages import PAGES
from dashboard.query import catalogue
from dashboard.state import ViewState, parse
from dashboard.theme import graph_config, safe_filename
from etl import countries
from etl.labels import FLOW_TITLE

log = logging.getLogger(__name__)


# Parameters that describe the bilateral context and follow the user from page to page.
SHARED = ("reporter", "partner")


def state_from_query(page: str, data: CleanData, query: Mapping[str, object]) -> ViewState:
    """Validate raw query values and fit them to what this page can show."""
    cat = catalogue(data)
    state = parse(dict(query), set(cat.known_codes), cat.years or None, set(cat.sources))
    return opts.resolve(page, data, state)


def search(state: ViewState) -> str:
    query = state.query()
    return "?" + urlencode(query) if query else ""


def page_kind(page: str) -> str | None:
    """The kind of data a page needs from its reporter ('trade', 'fdi', 'visas'), if known."""
    if page in ("fdi", "visas"):
        return page
    if PAGES[page].trade or page == "briefing":
        return "trade"
    return None


def page_gap(page: str, data: CleanData | None, reporter: str) -> str | None:
    """The one sentence a page shows instead of charts when it has nothing for the reporter."""
    kind = page_kind(page)
    return None if data is None or kind is None else query.coverage_gap(data, kind, reporter)


def nav_links(page: str, state: ViewState, data: CleanData | None = None) -> list:
    """Links to every page, carrying the pair; pages with nothing for the reporter are greyed
    and say so in their tooltip (still links: the page explains what the sources cover)."""
    carried = {k: v for k, v in state.query().items() if k in SHARED}
    links = []
    for key, meta in PAGES.items():
        href = meta.path + ("?" + urlencode(carried) if carried else "")
        gap = page_gap(key, data, state.reporter)
        classes = "nav-link active" if key == page else "nav-link"
        links.append(
            dcc.Link(
                meta.name,
                href=href,
                title=f"no data for {countries.label(state.reporter)}" if gap else meta.title,
                className=classes + (" nav-empty" if gap else ""),
            )
        )
    return links


def banner(notices: tuple[str, ...]) -> list:
    if not notices:
        return []
    return [
        html.Div(
            [html.Strong("Note: "), *[html.Span(n + " ") for n in notices]], className="notice"
        )
    ]


def control_bar(page: str, data: CleanData, state: ViewState) -> list:
    choices = opts.options(page, data, state)
    items = []
    for ctl in PAGES[page].controls:
        cid = ids.control(page, ctl)
        value = opts.control_value(ctl, data, state)
        if ctl is Control.FLOW:
            widget = dcc.RadioItems(
                id=cid, options=choices[ctl], value=value, inline=True, className="radio"
            )
        elif ctl is Control.AGGREGATES:
            widget = dcc.Checklist(id=cid, options=choices[ctl], value=value, className="check")
        elif ctl is Control.COMPARE:
            widget = dcc.Dropdown(
                id=cid,
                options=choices[ctl],
                value=value,
                multi=True,
                searchable=True,
                placeholder="top partners",
                className="dropdown dropdown-multi",
            )
        else:
            meta = PAGES[page]
            optional = ctl in (Control.YEAR, Control.START, Control.END)
            widget = dcc.Dropdown(
                id=cid,
                options=choices[ctl],
                value=value,
                clearable=optional and not (meta.year_required or meta.window_required),
                searchable=ctl in (Control.REPORTER, Control.PARTNER),
                placeholder="latest" if ctl is Control.YEAR else "default",
                className="dropdown",
            )
        items.append(
            html.Div(
                [html.Label(opts.LABELS[ctl], htmlFor=_dom_id(cid)), widget],
                className=f"control control-{ctl}",
            )
        )
    return items


def _dom_id(cid: dict[str, str]) -> str:
    # Dash serialises dict ids with sorted keys; a label's htmlFor must match that string.
    return json.dumps(cid, sort_keys=True, separators=(",", ":"))


def chart_filename(page: str, state: ViewState, name: str) -> str:
    """'partner_KAZ-ITA_2023_flows', 'overview_KAZ_2023_export_top_partners'.

    Page, pair, year (or window end), the flow when the chart shows only one, and the chart.
    """
    meta = PAGES[page]
    who = f"{state.reporter}-{state.partner}" if meta.pair else state.reporter
    year = state.year if state.year is not None else state.end
    flow = state.flow if name in meta.one_flow_charts else None
    return safe_filename(page, who, year, flow, name)


def page_figures(page: str, data: CleanData, state: ViewState) -> dict[str, go.Figure]:
    """The page's figures; a failing view gives a figure saying so."""
    try:
        return registry.page_figures(page, data, state)
    except Exception:
        log.exception("figures for page %s failed for %s", page, state)
        return {
            "error": empty_figure(
                "These charts could not be drawn for this selection; the error has been logged.",
                PAGES[page].title,
            )
        }


def _is_empty(fig: go.Figure | dict) -> bool:
    """An `empty_figure` (a message instead of a chart), as a Figure or its plain dict."""
    meta = fig.get("layout", {}).get("meta") if isinstance(fig, dict) else fig.layout.meta
    return bool(meta.get("empty")) if isinstance(meta, dict) else False


def _empty_message(fig: go.Figure | dict) -> str:
    meta = fig.get("layout", {}).get("meta") if isinstance(fig, dict) else fig.layout.meta
    text = meta.get("message", "") if isinstance(meta, dict) else ""
    return " ".join(str(text).replace("<br>", " ").split())


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def chart_cards(
    page: str,
    data: CleanData,
    state: ViewState,
    figures: dict[str, go.Figure] | dict[str, dict] | None = None,
) -> list:
    figures = page_figures(page, data, state) if figures is None else figures
    # A message instead of a chart is not a card: the page says once what is missing.
    missing = [_empty_message(fig) for fig in figures.values() if _is_empty(fig)]
    figures = {name: fig for name, fig in figures.items() if not _is_empty(fig)}
    cards = []
    if not figures:
        gap = page_gap(page, data, state.reporter)
        text = gap or "; ".join(dict.fromkeys(m for m in missing if m)) or "No charts."
        return [html.P(_sentence(text), className="page-gap")]
    for name, fig in figures.items():
        empty = False
        cards.append(
            html.Section(
                [
                    dcc.Graph(
                        id=ids.graph(page, name),
                        figure=fig,
                        config=graph_config(chart_filename(page, state, name)),
                        className="graph",
                    ),
                    html.Div(
                        [
                            html.Button(
                                "Download CSV",
                                id=ids.csv_button(page, name),
                                n_clicks=0,
                                className="csv-button",
                                disabled=empty,
                                title="The values plotted in this chart, as CSV",
                            ),
                            dcc.Download(id=ids.csv_download(page, name)),
                        ],
                        className="card-actions",
                    ),
                ],
                className="card",
                **{"data-chart": name},
            )
        )
    if page == "compare":
        cards += partner_table_block(page, data, state)
    if missing:  # after the charts: what this selection cannot show, in one line
        listed = "; ".join(dict.fromkeys(m.rstrip(".") for m in missing if m))
        cards.append(html.P(f"Not shown: {_sentence(listed)}", className="page-gap muted"))
    return cards


def data_end(figures: Mapping[str, go.Figure | dict]) -> date | None:
    """The newest `data_end` any of the charts is marked with (views.dated), or None."""
    ends = []
    for fig in figures.values():
        meta = fig.get("layout", {}).get("meta") if isinstance(fig, dict) else fig.layout.meta
        if isinstance(meta, dict) and meta.get("data_end") and not meta.get("empty"):
            ends.append(date.fromisoformat(str(meta["data_end"])[:10]))
    return max(ends) if ends else None


def currency_lines(
    page: str,
    data: CleanData,
    state: ViewState,
    figures: Mapping[str, go.Figure | dict],
    today: date | None = None,
) -> list:
    """One line each, above the charts: the page's newest data are over 18 months old; on the
    Overview, the partner breakdown ends years before the monthly totals."""
    lines = []
    stale = stale_sentence(data_end(figures), today or date.today())
    if stale:
        lines.append(html.P(stale, className="stale-line", role="note"))
    if page == "overview":
        source = query.source_for(data, state)
        lag = query.partner_lag_sentence(data, state.reporter, source) if source else ""
        if lag:
            lines.append(html.P(lag, className="stale-line", role="note"))
    return lines


def partner_table_block(page: str, data: CleanData, state: ViewState) -> list:
    """Every partner of the reporter in the year and flow in an AG Grid sortable by any column
    (click a header), with a CSV download of all rows; [] when there are no partner rows.

    Numbers are rounded here, not by grid value formatters: those are JavaScript strings the
    grid would evaluate, which the app's CSP forbids.
    """
    source = query.source_for(data, state)
    year = query.year_for(data, state, source) if source else None
    if source is None or year is None:
        return []
    rows = query.partner_table(data, state, source, year)
    if rows.empty:
        return []
    records = pd.DataFrame(
        {
            "rank": rows["rank"].astype("Int64"),
            "partner_name": rows["partner_name"],
            "partner": rows["partner"],
            "value_bn": (rows["value"] / 1e9).round(3),
            "share_pct": (rows["share"] * 100).round(2),
            "growth_pct": (rows["growth"] * 100).round(1),
        }
    )
    records = records.astype(object).where(records.notna(), None).to_dict("records")
    number = {"type": "numericColumn", "filter": False}
    columns = [
        {"field": "rank", "headerName": "Rank", "width": 90, **number},
        {"field": "partner_name", "headerName": "Partner", "flex": 2},
        {"field": "partner", "headerName": "Code", "width": 90},
        {"field": "value_bn", "headerName": "USD bn", "flex": 1, **number},
        {"field": "share_pct", "headerName": "Share of total, %", "flex": 1, **number},
        {"field": "growth_pct", "headerName": f"Growth on {year - 1}, %", "flex": 1, **number},
    ]
    flow = FLOW_TITLE[state.flow].lower()
    title = (
        f"All {len(rows)} partners of {countries.label(state.reporter)}, {flow} {year} "
        f"({data.sources.short(source)})"
    )
    filename = safe_filename(page, state.reporter, year, state.flow, "all_partners")
    return [
        html.Section(
            [
                html.H2(title, className="table-title"),
                html.P(
                    "Click a column header to sort. Source: "
                    f"{data.sources.note(source)} · {data_note_of(data, source, year)}",
                    className="muted",
                ),
                dag.AgGrid(
                    id=ids.table(page, "all_partners"),
                    columnDefs=columns,
                    rowData=records,
                    defaultColDef={"sortable": True, "resizable": True},
                    dashGridOptions={"animateRows": False},
                    csvExportParams={"fileName": f"{filename}.csv"},
                    style={"height": "520px", "width": "100%"},
                ),
                html.Div(
                    html.Button(
                        "Download CSV",
                        id=ids.table_csv_button(page, "all_partners"),
                        n_clicks=0,
                        className="csv-button",
                        title="Every partner in this table, as CSV",
                    ),
                    className="table-actions",
                ),
            ],
            className="card table-card",
            **{"data-chart": "all_partners"},
        )
    ]


def data_note_of(data: CleanData, source: str, year: int) -> str:
    """'data to Dec 2023 · edition: ...' for a table of one year of one source."""
    return data_note(date(year, 12, 31), [data.sources.edition(source)])


def _note_text(note: object) -> str:
    for attr in ("text", "citation"):
        value = getattr(note, attr, None)
        if isinstance(value, str):
            return value
    return str(note)


def _check(check: object) -> html.Div:
    """A published figure beside the computed one, flagged by its status. A claim the bundled
    data cannot check is listed too (muted), so a reader sees which claims stand unverified."""
    status = str(getattr(check, "status", ""))
    return html.Div(
        [html.Span(status, className="check-status"), html.Span(_note_text(check))],
        className=f"check check-{status.replace(' ', '-')}",
    )


def briefing_block(data: CleanData, state: ViewState) -> list:
    """Sentences as a list with superscript footnote links, then the numbered footnotes.

    A published figure the data contradict is shown right after the sentence that gives the
    computed value, flagged by its status; footnotes are numbered once per page, so two
    sentences citing the same table share a number.
    """
    try:
        sentences = list(briefing.briefing_sentences(data, state))
    except Exception:
        log.exception("briefing sentences failed for %s", state)
        return [
            html.P(
                "The briefing text could not be written for this selection; the error "
                "has been logged.",
                className="muted",
            )
        ]
    notes: list[str] = []
    items = []
    for sentence in sentences:
        refs = []
        for note in getattr(sentence, "footnotes", ()) or ():
            text = _note_text(note)
            if text not in notes:
                notes.append(text)
            number = notes.index(text) + 1
            if any(r.children.children == str(number) for r in refs):
                continue  # one marker per source in a sentence, never "1, 1"
            refs.append(
                html.Sup(html.A(str(number), href=f"#fn-{number}", className="fn-ref", title=text))
            )
        checks = [_check(c) for c in getattr(sentence, "checks", ()) or ()]
        items.append(
            html.Li(
                [html.Span(str(getattr(sentence, "text", sentence))), *refs, *checks],
                className="sentence",
            )
        )
    if not items:
        return [html.P("No figures to report for this selection.", className="muted")]
    return [
        html.H2("Key figures"),
        html.Ul(items, className="sentences"),
        html.H3("Sources and notes"),
        html.Ol(
            [html.Li(text, id=f"fn-{i}") for i, text in enumerate(notes, start=1)],
            className="footnotes",
        ),
    ]


def page_content(page: str, data: CleanData, query: Mapping[str, object]) -> html.Div:
    state = state_from_query(page, data, query)
    meta = PAGES[page]
    # Built once: the notices (how old the data are) and the cards read the same figures.
    figures = page_figures(page, data, state)
    body = [
        html.Header(
            [
                html.Div(
                    [
                        html.Span("tradeboard", className="brand"),
                        html.Span(meta.title, className="page-title"),
                    ],
                    className="brand-row",
                ),
                html.Nav(
                    nav_links(page, state, data),
                    id=ids.nav(page),
                    className="nav",
                    **{"aria-label": "Pages"},
                ),
            ],
            className="topbar",
        ),
        html.Div(
            banner(state.notices) + currency_lines(page, data, state, figures),
            id=ids.notices(page),
            role="status",
            className="notices",
            **{"aria-live": "polite"},
        ),
        html.P(meta.description, className="lede"),
        html.Section(
            control_bar(page, data, state), className="controls", **{"aria-label": "Selection"}
        ),
        dcc.Store(id=ids.view(page), data=state.query()),
        # pathname and search set here, so the Location does not report them on mount (which
        # would count as a change and fire the page callback on every page load).
        dcc.Location(id=ids.url(page), refresh=False, pathname=meta.path, search=search(state)),
    ]
    if meta.text:
        body.append(
            html.Div(
                [
                    html.Button(
                        "Download briefing (.docx)",
                        id=ids.docx_button(page),
                        n_clicks=0,
                        className="docx-button",
                        title="These sentences with numbered sources, and the charts, "
                        "as a Word document",
                    ),
                    dcc.Loading(dcc.Download(id=ids.docx_download(page)), type="dot"),
                ],
                className="docx-actions",
            )
        )
        body.append(
            html.Article(briefing_block(data, state), id=ids.text(page), className="briefing")
        )
    body += [
        dcc.Loading(
            html.Div(
                chart_cards(page, data, state, figures), id=ids.charts(page), className="charts"
            ),
            delay_show=400,
            type="dot",
        ),
        html.Footer(footer(data), className="footer"),
    ]
    return html.Div(body, className=f"page page-{page}")


def footer(data: CleanData) -> list:
    return [
        html.Span(
            f"ETL run {data.as_of} · version {data.version[:8]} · "
            "every figure names its source; downloads contain exactly the plotted "
            "values."
        )
    ]

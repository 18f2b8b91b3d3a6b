"""One callback per page: a control changed -> new charts, URL, notices, nav and choices.

The callback never fires on page load (the layout already drew the view the URL asked for). It
writes the query string through the page's own dcc.Location with refresh=False, which pushes
history without telling the Pages router, so the page is not rendered again: no re-render
loop. The Pages router does not see those URLs, so Back and Forward within a page come back
through the same Location (its `search` is also an input) and the view follows the URL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from urllib.parse import parse_qs

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import controls as opts
from dashboard import ids, query
from dashboard import layout as shell
from dashboard.data import CleanData, Store
from dashboard.ids import Control
from dashboard.pages import PAGES, page_figures
from dashboard.state import ViewState

# A control's choices change only when one of these controls changes.
DEPENDS_ON: dict[Control, frozenset[Control]] = {
    Control.PARTNER: frozenset({Control.REPORTER}),
    Control.SOURCE: frozenset({Control.REPORTER}),
    # The products page's years belong to its flow and level.
    Control.YEAR: frozenset(
        {Control.REPORTER, Control.PARTNER, Control.SOURCE, Control.FLOW, Control.LEVEL}
    ),
    Control.LEVEL: frozenset({Control.REPORTER, Control.FLOW}),
    Control.COMPARE: frozenset({Control.REPORTER, Control.SOURCE}),
    Control.START: frozenset({Control.REPORTER, Control.PARTNER, Control.SOURCE}),
    Control.END: frozenset({Control.REPORTER, Control.PARTNER, Control.SOURCE}),
}


def query_from_controls(
    carried: Mapping[str, object] | None, values: Mapping[Control, object]
) -> dict[str, object]:
    """The page's query: what the URL carried, overlaid with the controls' current values."""
    query: dict[str, object] = dict(carried or {})
    for ctl, value in values.items():
        key = str(ctl)
        if ctl is Control.AGGREGATES:
            query[key] = "true" if value else "false"
        elif ctl is Control.COMPARE and isinstance(value, list):
            query[key] = ",".join(str(v) for v in value)  # [] -> "": the default partners
        elif value is None or value == "" or value == []:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query


def update(
    page: str,
    data: CleanData,
    carried: Mapping[str, object] | None,
    values: Mapping[Control, object],
    trigger: Control | None,
) -> dict[str, object]:
    """Everything the page callback outputs after a control changed (testable without a server)."""
    state = shell.state_from_query(page, data, query_from_controls(carried, values))
    out = _view(page, data, state)
    out["search"] = shell.search(state)
    choices = opts.options(page, data, state)
    for ctl in PAGES[page].controls:
        resolved = opts.control_value(ctl, data, state)
        out[f"value:{ctl}"] = resolved if resolved != values.get(ctl) else no_update
        refresh = trigger is not None and trigger in DEPENDS_ON.get(ctl, frozenset())
        out[f"options:{ctl}"] = choices[ctl] if refresh else no_update
    return out


def restore(page: str, data: CleanData, search: str | None) -> dict[str, object]:
    """The outputs after Back/Forward changed the URL: every control follows the URL."""
    query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs((search or "").lstrip("?")).items()}
    state = shell.state_from_query(page, data, query)
    out = _view(page, data, state)
    out["search"] = no_update  # the browser already shows this URL
    choices = opts.options(page, data, state)
    for ctl in PAGES[page].controls:
        out[f"value:{ctl}"] = opts.control_value(ctl, data, state)
        out[f"options:{ctl}"] = choices[ctl]
    return out


def _view(page: str, data: CleanData, state: ViewState) -> dict[str, object]:
    def build() -> tuple[list, list | None, list]:
        # Figures as plain dicts: serialising a cached view is then plain JSON, not a re-walk
        # of plotly's validated objects on every response.
        figures = {n: f.to_plotly_json() for n, f in page_figures(page, data, state).items()}
        text = shell.briefing_block(data, state) if PAGES[page].text else None
        lines = shell.currency_lines(page, data, state, figures)  # issue 12: how old the data
        return shell.chart_cards(page, data, state, figures), text, lines

    charts, text, lines = query.memo(data, ("cards", page, state), build, view=True)
    out: dict[str, object] = {
        "charts": charts,
        "notices": shell.banner(state.notices) + lines,
        "nav": shell.nav_links(page, state, data),
        "view": state.query(),
    }
    if text is not None:
        out["text"] = text
    return out


def register(app: Dash, store: Callable[[], Store], pages: Sequence[str]) -> None:
    for page in pages:
        _register_page(app, store, page)


def _register_page(app: Dash, store: Callable[[], Store], page: str) -> None:
    controls = PAGES[page].controls
    keys = ["charts", "search", "notices", "nav", "view"]
    outputs = [
        Output(ids.charts(page), "children"),
        Output(ids.url(page), "search"),
        Output(ids.notices(page), "children"),
        Output(ids.nav(page), "children"),
        Output(ids.view(page), "data"),
    ]
    if PAGES[page].text:
        keys.append("text")
        outputs.append(Output(ids.text(page), "children"))
    for ctl in controls:
        keys += [f"value:{ctl}", f"options:{ctl}"]
        outputs += [
            Output(ids.control(page, ctl), "value"),
            Output(ids.control(page, ctl), "options"),
        ]

    path = PAGES[page].path

    @app.callback(
        outputs,
        [Input(ids.control(page, ctl), "value") for ctl in controls],
        Input(ids.url(page), "search"),
        State(ids.view(page), "data"),
        State(ids.url(page), "pathname"),
        prevent_initial_call=True,
    )
    def on_change(*args: object) -> list[object]:
        *values, search, carried, pathname = args
        trigger = ctx.triggered_id if isinstance(ctx.triggered_id, dict) else {}
        if trigger.get("type") == "url":
            if pathname != path:  # a link to another page: the Pages router renders that one
                raise PreventUpdate
            result = restore(page, store().get(), search if isinstance(search, str) else "")
            return [result[k] for k in keys]
        trigger = trigger.get("name")
        result = update(
            page,
            store().get(),
            carried if isinstance(carried, dict) else None,
            dict(zip(controls, values, strict=True)),
            Control(trigger) if trigger in set(controls) else None,
        )
        return [result[k] for k in keys]

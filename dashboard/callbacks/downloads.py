"""CSV of exactly what a chart plots, built from the figure's own traces.

The figure is rebuilt server-side from the page's current view (the same pure function that drew
it), so the CSV cannot drift from the chart and the client never uploads a figure.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence

import plotly.graph_objects as go
from dash import MATCH, Dash, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard import layout as shell
from dashboard.data import CleanData, Store

# Trace attributes that hold plotted data, in column order.
DATA_ATTRS = ("x", "y", "labels", "parents", "values", "z")


def _axis_title(fig: go.Figure, axis_ref: str | None, letter: str) -> str:
    ref = axis_ref or letter
    name = f"{letter}axis" + ref[1:]
    axis = fig.layout[name] if name in fig.layout else None  # noqa: SIM401 - no .get
    title = getattr(getattr(axis, "title", None), "text", None) if axis is not None else None
    return str(title or "")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value


def figure_rows(fig: go.Figure) -> tuple[list[str], list[list[object]]]:
    """One row per plotted point: series name, its axes' titles, and the data attributes."""
    attrs = [
        a for a in DATA_ATTRS if any(getattr(t, a, None) is not None and a in t for t in fig.data)
    ]
    header = ["series", *attrs]
    axes = any(hasattr(t, "xaxis") for t in fig.data)
    if axes:
        header += ["x_axis", "y_axis"]
    rows: list[list[object]] = []
    for trace in fig.data:
        columns = {
            a: list(trace[a]) if a in trace and trace[a] is not None else None for a in attrs
        }
        length = max((len(c) for c in columns.values() if c is not None), default=0)
        extra = []
        if axes:
            extra = (
                [
                    _axis_title(fig, getattr(trace, "xaxis", None), "x"),
                    _axis_title(fig, getattr(trace, "yaxis", None), "y"),
                ]
                if hasattr(trace, "xaxis")
                else ["", ""]
            )
        for i in range(length):
            values = [
                _cell(columns[a][i]) if columns[a] is not None and i < len(columns[a]) else ""
                for a in attrs
            ]
            rows.append([trace.name or "", *values, *extra])
    return header, rows


def figure_csv(fig: go.Figure) -> str:
    header, rows = figure_rows(fig)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def chart_csv(page: str, data: CleanData, query: dict, name: str) -> tuple[str, str] | None:
    """(csv text, file name) for one chart of a page in the given view, or None."""
    state = shell.state_from_query(page, data, query or {})
    figures = shell.page_figures(page, data, state)
    fig = figures.get(name)
    if fig is None:
        return None
    return figure_csv(fig), shell.chart_filename(page, state, name) + ".csv"


def register(app: Dash, store: Callable[[], Store], pages: Sequence[str]) -> None:
    for page in pages:
        _register_page(app, store, page)


def _register_page(app: Dash, store: Callable[[], Store], page: str) -> None:
    @app.callback(
        Output({"type": "csv-download", "page": page, "name": MATCH}, "data"),
        Input({"type": "csv-button", "page": page, "name": MATCH}, "n_clicks"),
        State(ids.view(page), "data"),
        prevent_initial_call=True,
    )
    def download(n_clicks: int | None, query: dict | None) -> object:
        if not n_clicks:
            return no_update
        name = ctx.triggered_id["name"] if isinstance(ctx.triggered_id, dict) else None
        if not isinstance(name, str):
            return no_update
        made = chart_csv(page, store().get(), query if isinstance(query, dict) else {}, name)
        if made is None:
            return no_update
        text, filename = made
        return {"content": text, "filename": filename, "type": "text/csv", "base64": False}

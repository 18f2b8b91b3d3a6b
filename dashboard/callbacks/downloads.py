"""CSV of exactly what a chart plots, built from the figure's own traces.

The figure is rebuilt server-side from the page's current view (the same pure function that drew
it), so the CSV cannot drift from the chart and the client never uploads a figure.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Sequence

import plotly.graph_objects as go
from dash import MATCH, Dash, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard import layout as shell
from dashboard.data import CleanData, Store

# Trace types drawn as labelled values rather than on x/y axes.
LABELLED = ("labels", "values", "parents")
# "Source: BNS, ... · data to Dec 2023 · edition: ..." (older clean folders: "· Data as of ...").
_FOOTNOTE = re.compile(
    r"^Source: (?P<source>.*?)(?: · (?:Data as of )?(?P<as_of>(?:data to |edition: |\d).*))?$",
    re.S,
)
_TAGS = re.compile(r"<[^>]+>")


def _axis_title(fig: go.Figure, axis_ref: str | None, letter: str) -> str:
    ref = axis_ref or letter
    name = f"{letter}axis" + ref[1:]
    axis = fig.layout[name] if name in fig.layout else None  # noqa: SIM401 - no .get
    title = getattr(getattr(axis, "title", None), "text", None) if axis is not None else None
    return _TAGS.sub("", str(title or ""))


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value


def _numeric(values: Sequence[object]) -> bool:
    return all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values if v is not None
    )


def _is_year(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1800 <= value <= 2200


def footnote(fig: go.Figure) -> tuple[str, str]:
    """(source, how current) from the figure's own "Source: ... · data to ..." footnote."""
    for ann in fig.layout.annotations:
        match = _FOOTNOTE.match(_TAGS.sub("", str(ann.text or "")))
        if match:
            return match["source"].strip(), (match["as_of"] or "").strip()
    return "", ""


def _points(fig: go.Figure, trace: object) -> tuple[list, list, str, list]:
    """(labels, values, unit, parents) of one trace: the category or year each value is for."""
    if any(getattr(trace, a, None) is not None for a in LABELLED):
        labels = list(trace.labels or [])
        return labels, list(trace.values or []), "", list(trace.parents or [""] * len(labels))
    x = list(trace.x) if getattr(trace, "x", None) is not None else []
    y = list(trace.y) if getattr(trace, "y", None) is not None else []
    horizontal = getattr(trace, "orientation", None) == "h" or (
        x and y and _numeric(x) and not _numeric(y)
    )
    if horizontal:
        return y, x, _axis_title(fig, getattr(trace, "xaxis", None), "x"), []
    return x, y, _axis_title(fig, getattr(trace, "yaxis", None), "y"), []


def figure_rows(fig: go.Figure, version: str = "") -> tuple[list[str], list[list[object]]]:
    """One row per plotted point, columns named for what they hold.

    series, then `year` (or `category` when the points are not years), `value`, its `unit`
    (the value axis's title), `parent` for treemaps, and on every row the chart's `source`
    and `edition` (the data date and version the chart was drawn from).
    """
    source, as_of = footnote(fig)
    edition = "; ".join(
        p
        for p in (
            f"data as of {as_of}" if as_of[:1].isdigit() else as_of,
            f"version {version}" if version else "",
        )
        if p
    )
    points = [(trace.name or "", *_points(fig, trace)) for trace in fig.data]
    labels = [label for _, ls, _, _, _ in points for label in ls]
    key = "year" if labels and all(_is_year(v) for v in labels) else "category"
    treemap = any(any(parents) for *_, parents in points)
    header = ["series", key, "value", "unit", *(["parent"] if treemap else []), "source"]
    header.append("edition")
    rows: list[list[object]] = []
    for series, ls, values, unit, parents in points:
        for i, label in enumerate(ls):
            value = _cell(values[i]) if i < len(values) else ""
            extra = [parents[i] if i < len(parents) else ""] if treemap else []
            rows.append([series, _cell(label), value, unit, *extra, source, edition])
    return header, rows


def figure_csv(fig: go.Figure, version: str = "") -> str:
    header, rows = figure_rows(fig, version)
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
    return figure_csv(fig, data.version), shell.chart_filename(page, state, name) + ".csv"


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

"""Figures built as plain dicts, handed out as `go.Figure` without plotly's per-call validation.

Plotly validates every property on every `add_trace`, `update_layout` and `update_xaxes` call
and walks its object tree again for `to_plotly_json`: that was most of a page callback's time
(issue 14: 120–420 ms per uncached page). `Figure` keeps the subset of go.Figure's API the
figure modules use and writes straight into dicts, following plotly's update rules (magic
underscores, `title="..."` as `title.text`, None clears a property); `figure()` wraps the result
in a `go.Figure` with `_validate=False`, so the JSON a browser or kaleido receives is the one the
validated build gave. Subplot grids come from plotly's `make_subplots` once per shape (memoised).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable
from typing import Any, ParamSpec

import pandas as pd
import plotly.graph_objects as go
from _plotly_utils.basevalidators import CompoundArrayValidator, CompoundValidator
from plotly.basedatatypes import BaseFigure
from plotly.subplots import make_subplots as plotly_subplots
from plotly.validator_cache import ValidatorCache

P = ParamSpec("P")
_SUBPLOT = re.compile(r"^([xy]axis)\d+$")
# Item paths of the layout's arrays of objects (annotations -> layout.annotation, ...).
_ITEMS = {"annotations": "annotation", "shapes": "shape", "images": "image"}


class Attrs(dict):
    """A dict whose keys read as attributes too (`trace.x`), as graph objects do."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value


@functools.cache
def _path(key: str) -> tuple[str, ...]:
    # plotly's own split: "legend_title_text" -> legend.title.text, "plot_bgcolor" stays whole.
    return tuple(str(p) for p in BaseFigure._str_to_dict_path(key))


@functools.cache
def _kind(parent: str, prop: str) -> str:
    """'compound', 'array' (of objects) or 'value' for `prop` of the object at `parent`."""
    validator = ValidatorCache.get_validator(parent, _SUBPLOT.sub(r"\1", prop))
    if isinstance(validator, CompoundValidator):
        return "compound"
    if isinstance(validator, CompoundArrayValidator):
        return "array"
    return "value"


def _child(parent: str, prop: str) -> str:
    return parent + "." + _SUBPLOT.sub(r"\1", prop)


def _set(target: dict, parent: str, key: str, value: Any, init: bool = False) -> None:
    """plotly's update of `key` (maybe a magic-underscore path) on the object at `parent`.

    `init`: as a constructor does (None and empty objects are left out) rather than an update
    (None clears a property; on an object it leaves an empty one, as plotly does).
    """
    *head, prop = _path(key)
    for part in head:
        parent = _child(parent, part)
        target = target.setdefault(part, Attrs())
    kind = _kind(parent, prop)
    if value is None:
        if not init:
            if kind == "compound":
                target[prop] = Attrs()
            else:
                target.pop(prop, None)
        return
    if kind == "compound" and isinstance(value, dict):
        child = target.get(prop)
        fresh = Attrs() if child is None else child
        for k, v in value.items():
            _set(fresh, _child(parent, prop), k, v, init)
        if child is None and fresh:
            target[prop] = fresh
    elif kind == "compound" and isinstance(value, str):
        target[prop] = Attrs(text=value)  # title="..." is title.text
    elif kind == "array" and isinstance(value, (list, tuple)):
        item = f"{parent}.{_ITEMS.get(prop, prop)}"
        old = target.get(prop) or []
        new = []
        for i, one in enumerate(value):
            base = old[i] if i < len(old) and not init else Attrs()
            for k, v in one.items():
                _set(base, item, k, v, init)
            new.append(base)
        target[prop] = new + old[len(value) :] if not init else new
    elif isinstance(value, (pd.Series, pd.Index)):
        target[prop] = value.to_numpy()  # as plotly stores a column: `trace.y[-1]` is by position
    else:
        target[prop] = value


def trace(kind: str, **props: Any) -> Attrs:
    """A trace as a dict, as `go.<Kind>(**props).to_plotly_json()` would give it."""
    out = Attrs()
    for key, value in props.items():
        _set(out, kind, key, value, init=True)
    out["type"] = kind
    return out


Bar = functools.partial(trace, "bar")
Scatter = functools.partial(trace, "scatter")
Treemap = functools.partial(trace, "treemap")
Table = functools.partial(trace, "table")


class Figure:
    """The subset of `go.Figure` the figure modules use, on plain dicts (see module doc)."""

    def __init__(self, data: list[dict] | dict | None = None, layout: dict | None = None):
        self.data: list[Attrs] = []
        self.layout: Attrs = Attrs()
        self._grid: dict[tuple[int, int], list[dict[str, str]]] = {}
        for one in [data] if isinstance(data, dict) else data or []:
            self.add_trace(one)
        for key, value in (layout or {}).items():
            _set(self.layout, "layout", key, value, init=True)

    def add_trace(
        self,
        one: dict,
        row: int | None = None,
        col: int | None = None,
        secondary_y: bool | None = None,
    ) -> Figure:
        one = Attrs(one)
        if secondary_y is not None and row is None:
            row = col = 1  # as plotly: secondary_y alone means the first cell
        if row is not None:
            refs = self._grid[(row, col or 1)]
            one.update(refs[1 if secondary_y else 0])
        self.data.append(one)
        return self

    def update_layout(self, dict1: dict | None = None, **kwargs: Any) -> Figure:
        for key, value in {**(dict1 or {}), **kwargs}.items():
            _set(self.layout, "layout", key, value)
        return self

    def _axes(
        self, letter: str, row: int | None, col: int | None, secondary_y: bool | None
    ) -> list[str]:
        if row is not None or col is not None:
            cells = [
                refs for (r, c), refs in self._grid.items() if row in (None, r) and col in (None, c)
            ]
            refs = [
                ref
                for cell in cells
                for i, ref in enumerate(cell)
                if secondary_y is None or (i == 1) == secondary_y
            ]
            return [_axis_key(ref[f"{letter}axis"]) for ref in refs]
        keys = [k for k in self.layout if re.fullmatch(rf"{letter}axis\d*", k)]
        if secondary_y is not None:
            secondary = {
                _axis_key(c[1][f"{letter}axis"]) for c in self._grid.values() if len(c) > 1
            }
            keys = [k for k in keys if (k in secondary) == secondary_y]
        return sorted(keys or [f"{letter}axis"], key=lambda k: int(k[5:] or 1))

    def update_xaxes(
        self,
        dict1: dict | None = None,
        row: int | None = None,
        col: int | None = None,
        **kwargs: Any,
    ) -> Figure:
        for axis in self._axes("x", row, col, None):
            _set(self.layout, "layout", axis, {**(dict1 or {}), **kwargs})
        return self

    def update_yaxes(
        self,
        dict1: dict | None = None,
        row: int | None = None,
        col: int | None = None,
        secondary_y: bool | None = None,
        **kwargs: Any,
    ) -> Figure:
        for axis in self._axes("y", row, col, secondary_y):
            _set(self.layout, "layout", axis, {**(dict1 or {}), **kwargs})
        return self

    def update_annotations(self, dict1: dict | None = None, **kwargs: Any) -> Figure:
        for ann in self.layout.get("annotations", []):
            for key, value in {**(dict1 or {}), **kwargs}.items():
                _set(ann, "layout.annotation", key, value)
        return self

    def _append(self, prop: str, item: str, props: dict) -> Figure:
        one = Attrs()
        for key, value in props.items():
            _set(one, f"layout.{item}", key, value, init=True)
        self.layout.setdefault(prop, []).append(one)
        return self

    def add_annotation(self, dict1: dict | None = None, **kwargs: Any) -> Figure:
        return self._append("annotations", "annotation", {**(dict1 or {}), **kwargs})

    def add_shape(self, dict1: dict | None = None, **kwargs: Any) -> Figure:
        return self._append("shapes", "shape", {**(dict1 or {}), **kwargs})

    def add_vline(self, x: Any, **kwargs: Any) -> Figure:
        """A line across the plot's height at `x` (single-plot figures: x on the x axis)."""
        line = dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain")
        return self.add_shape({**line, **kwargs})

    def add_vrect(self, x0: Any, x1: Any, **kwargs: Any) -> Figure:
        """A band across the plot's height from `x0` to `x1` (single-plot figures)."""
        rect = dict(type="rect", x0=x0, x1=x1, xref="x", y0=0, y1=1, yref="y domain")
        return self.add_shape({**rect, **kwargs})

    def figure(self) -> go.Figure:
        """The go.Figure, built without validation: its JSON is `data` and `layout` as they are."""
        return go.Figure({"data": self.data, "layout": self.layout}, _validate=False)


def _axis_key(ref: str) -> str:
    """'x2' -> 'xaxis2', 'y' -> 'yaxis'."""
    return f"{ref[0]}axis{ref[1:]}"


@functools.lru_cache(maxsize=64)
def _grid(key: str) -> tuple[dict, dict[tuple[int, int], list[dict[str, str]]]]:
    fig = plotly_subplots(**json.loads(key))
    layout = fig.to_plotly_json()["layout"]
    layout.pop("template", None)  # figures set their own (common.finish)
    grid = {}
    for r, row in enumerate(fig._grid_ref, start=1):
        for c, cell in enumerate(row, start=1):
            if cell:
                grid[(r, c)] = [dict(ref.trace_kwargs) for ref in cell]
    return layout, grid


def make_subplots(**kwargs: Any) -> Figure:
    """plotly's make_subplots layout (domains, anchors, panel titles), computed once per shape."""
    layout, grid = _grid(json.dumps(kwargs, sort_keys=True))
    fig = Figure()
    fig.layout = _attrs(copy.deepcopy(layout))
    fig._grid = grid
    return fig


def _attrs(value: Any) -> Any:
    if isinstance(value, dict):
        return Attrs({k: _attrs(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_attrs(v) for v in value]
    return value


def builds(function: Callable[P, Figure | go.Figure]) -> Callable[P, go.Figure]:
    """Hand out a lean `Figure` a builder returns as a go.Figure (others pass through)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        fig = function(*args, **kwargs)
        return fig.figure() if isinstance(fig, Figure) else fig

    return wrapper

"""One source of truth for 'which charts a page shows': used by the app and the batch export.

Each page module in dashboard/figures/ exposes `figures(data, state) -> dict[str, go.Figure]`
(ordered; keys are stable chart names used in filenames and component ids).

Building a page's figures costs tens of milliseconds (plotly validates every property), and
many users ask for the same few views (KAZ–ITA, the latest year), so results are kept for the
loaded data version in a small LRU cache. Cached figures are shared: callers must not mutate
them.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

import plotly.graph_objects as go

from dashboard.data import CleanData
from dashboard.state import PAGES, ViewState

FIGURE_MODULES = {
    "overview": "dashboard.figures.overview",
    "partner": "dashboard.figures.partner",
    "fdi": "dashboard.figures.fdi",
    "visas": "dashboard.figures.visas",
    "briefing": "dashboard.figures.briefing",
}
T = TypeVar("T")
CACHE_SIZE = int(os.environ.get("TRADEBOARD_FIGURE_CACHE", "256"))

# key (id(data), *key) -> (data, value); holding `data` keeps its id from being reused.
_cache: OrderedDict[tuple, tuple[CleanData, object]] = OrderedDict()
_lock = threading.Lock()


def build_page_figures(page: str, data: CleanData, state: ViewState) -> dict[str, go.Figure]:
    """The figures of a page, built afresh."""
    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}; pages are {', '.join(PAGES)}")
    module = importlib.import_module(FIGURE_MODULES[page])
    return module.figures(data, state)


def cached(data: CleanData, key: tuple, build: Callable[[], T]) -> T:
    """`build()` once per loaded data version and key; least recently used entries dropped."""
    if CACHE_SIZE <= 0:
        return build()
    full = (id(data), *key)
    with _lock:
        hit = _cache.get(full)
        if hit is not None:
            _cache.move_to_end(full)
            return hit[1]  # type: ignore[return-value]
    value = build()
    with _lock:
        _cache[full] = (data, value)
        for old in [k for k in _cache if k[0] != id(data)]:
            del _cache[old]  # a newly loaded version makes every cached view stale
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def page_figures(page: str, data: CleanData, state: ViewState) -> dict[str, go.Figure]:
    """The figures of a page, from the cache when this view was built before."""
    return cached(data, ("figures", page, state), lambda: build_page_figures(page, data, state))

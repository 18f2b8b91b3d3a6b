"""One source of truth for 'which charts a page shows': used by the app and the batch export.

Each page module in dashboard/figures/ exposes `figures(data, state) -> dict[str, go.Figure]`
(ordered; keys are stable chart names used in filenames and component ids).
"""

from __future__ import annotations

import importlib

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


def page_figures(page: str, data: CleanData, state: ViewState) -> dict[str, go.Figure]:
    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}; pages are {', '.join(PAGES)}")
    module = importlib.import_module(FIGURE_MODULES[page])
    return module.figures(data, state)

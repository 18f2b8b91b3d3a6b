"""Thin callback adapters: validate input, call pure functions, return components.

`register(app, store)` wires every callback of the app; nothing here keeps state between calls.
"""

from __future__ import annotations

from collections.abc import Callable

from dash import Dash

from dashboard.callbacks import docx, downloads, pages, tables
from dashboard.data import Store
from dashboard.pages import PAGES


def register(app: Dash, store: Callable[[], Store]) -> None:
    pages.register(app, store, list(PAGES))
    downloads.register(app, store, list(PAGES))
    docx.register(app, store, [key for key, page in PAGES.items() if page.text])
    tables.register(app, list(PAGES))

"""Overview page (`/`): one reporter with all partners."""

from __future__ import annotations

from collections.abc import Mapping

from dash import html

from dashboard.data import CleanData
from dashboard.pages.shell import page_content

PAGE = "overview"


def layout(data: CleanData, query: Mapping[str, object]) -> html.Div:
    return page_content(PAGE, data, query)

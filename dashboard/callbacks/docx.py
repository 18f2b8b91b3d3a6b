"""The Briefing page's "Download briefing (.docx)" button: the page's current view as a Word
document (`dashboard.docx_briefing`), built server-side from the view the URL describes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from dash import Dash, Input, Output, State, dcc, no_update

from dashboard import ids
from dashboard import layout as shell
from dashboard.data import CleanData, Store

log = logging.getLogger(__name__)


def briefing_download(page: str, data: CleanData, query: dict) -> dict:
    """dcc.Download data of the briefing document for the page's view."""
    from dashboard.docx_briefing import docx_bytes, docx_filename  # python-docx, kaleido

    state = shell.state_from_query(page, data, query or {})
    return dcc.send_bytes(docx_bytes(data, state), docx_filename(state))


def register(app: Dash, store: Callable[[], Store], pages: Sequence[str]) -> None:
    for page in pages:
        _register_page(app, store, page)


def _register_page(app: Dash, store: Callable[[], Store], page: str) -> None:
    @app.callback(
        Output(ids.docx_download(page), "data"),
        Input(ids.docx_button(page), "n_clicks"),
        State(ids.view(page), "data"),
        prevent_initial_call=True,
    )
    def download(n_clicks: int | None, query: dict | None) -> object:
        if not n_clicks:
            return no_update
        return briefing_download(page, store().get(), query if isinstance(query, dict) else {})

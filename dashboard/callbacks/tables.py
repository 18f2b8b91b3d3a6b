"""CSV of a page's data table: the button asks the AG Grid to export every row (all partners,
whatever the sort), client-side, from the rows the server sent."""

from __future__ import annotations

from collections.abc import Sequence

from dash import MATCH, Dash, Input, Output, no_update

# Pages that show a data table (layout.partner_table_block).
TABLE_PAGES = ("compare",)


def register(app: Dash, pages: Sequence[str]) -> None:
    for page in pages:
        if page in TABLE_PAGES:
            _register_page(app, page)


def _register_page(app: Dash, page: str) -> None:
    @app.callback(
        Output({"type": "table", "page": page, "name": MATCH}, "exportDataAsCsv"),
        Input({"type": "table-csv-button", "page": page, "name": MATCH}, "n_clicks"),
        prevent_initial_call=True,
    )
    def export(n_clicks: int | None) -> object:
        return True if n_clicks else no_update

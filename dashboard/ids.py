"""Component ids in one place: fixed ids as a StrEnum, per-page and per-chart ids as dicts.

Per-page ids carry the page name so one page's callbacks never fire for another page's
controls; per-chart ids are dicts so one pattern-matching callback serves every CSV button.
"""

from __future__ import annotations

from enum import StrEnum


class Control(StrEnum):
    """Controls; the value is also the query-string parameter it stands for."""

    REPORTER = "reporter"
    PARTNER = "partner"
    YEAR = "year"
    FLOW = "flow"
    SOURCE = "source"
    MEASURE = "measure"
    VISA_MEASURE = "visa_measure"
    START = "start"
    END = "end"
    AGGREGATES = "aggregates"
    LEVEL = "level"  # products page: HS chapter, group, section or a national list
    COMPARE = "compare"  # compare page: several partners, comma-separated in the URL


def control(page: str, name: str) -> dict[str, str]:
    return {"type": "control", "page": page, "name": str(name)}


def url(page: str) -> dict[str, str]:
    """The page's own dcc.Location (refresh=False): writes the query string only.

    It lives inside the page, not in the app shell: Dash fires a callback whose inputs arrive in
    a new page chunk when any of its outputs lies outside that chunk, prevent_initial_call or not.
    """
    return {"type": "url", "page": page}


def view(page: str) -> dict[str, str]:
    """dcc.Store holding the page's full query (incl. parameters it has no control for)."""
    return {"type": "view", "page": page}


def charts(page: str) -> dict[str, str]:
    return {"type": "charts", "page": page}


def notices(page: str) -> dict[str, str]:
    return {"type": "notices", "page": page}


def nav(page: str) -> dict[str, str]:
    return {"type": "nav", "page": page}


def text(page: str) -> dict[str, str]:
    """Prose block (the briefing's sentences and footnotes)."""
    return {"type": "text", "page": page}


def graph(page: str, name: str) -> dict[str, str]:
    return {"type": "graph", "page": page, "name": name}


def csv_button(page: str, name: str) -> dict[str, str]:
    return {"type": "csv-button", "page": page, "name": name}


def csv_download(page: str, name: str) -> dict[str, str]:
    return {"type": "csv-download", "page": page, "name": name}


def table(page: str, name: str) -> dict[str, str]:
    """A data table of a page (the compare page's table of every partner)."""
    return {"type": "table", "page": page, "name": name}


def docx_button(page: str) -> dict[str, str]:
    return {"type": "docx-button", "page": page}


def docx_download(page: str) -> dict[str, str]:
    return {"type": "docx-download", "page": page}


def table_csv_button(page: str, name: str) -> dict[str, str]:
    return {"type": "table-csv-button", "page": page, "name": name}

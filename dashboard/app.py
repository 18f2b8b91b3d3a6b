"""The Dash app: `create_app(clean)` for `python -m dashboard` and tests, `server()` for gunicorn.

Nothing happens at import time. The clean data are read once per process, on first use, by
`dashboard.data.Store` (and again only when the ETL publishes a new version). Every response
gets security headers; JSON, HTML, CSS and JS responses over 1 KB are gzipped when the client
accepts it (flask-compress is not a dependency; this is the few lines it would do for us).
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import dash
import flask
from dash import dcc, html

from dashboard import callbacks
from dashboard.data import NoCleanData, Store
from dashboard.layout import nav_links, page_content
from dashboard.pages import PAGES
from dashboard.state import ViewState
from etl import paths

log = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parent / "assets"
STORE_KEY = "TRADEBOARD_STORE"
GZIP_TYPES = {
    "application/json",
    "text/html",
    "text/css",
    "application/javascript",
    "text/javascript",
    "image/svg+xml",
    "text/csv",
}
GZIP_MIN_BYTES = 1024
INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def _page_layout(page: str) -> Callable[..., html.Div]:
    """Dash Pages calls this with the URL's query parameters as keyword arguments."""

    def layout(**query: object) -> html.Div:
        store: Store = flask.current_app.config[STORE_KEY]
        try:
            data = store.get()
        except NoCleanData as exc:
            return html.Div(
                [html.H1("tradeboard"), html.P(f"No data to show yet: {exc}.")],
                className="page",
            )
        return page_content(page, data, query)

    layout.__name__ = f"{page}_layout"
    return layout


def _not_found(**_: object) -> html.Div:
    """The page for an unknown path: the top nav, and a sentence with the way back."""
    store: Store = flask.current_app.config[STORE_KEY]
    try:
        data = store.get()
    except NoCleanData:
        data = None
    return html.Div(
        [
            html.Header(
                [
                    html.Div(
                        [
                            html.Span("tradeboard", className="brand"),
                            html.Span("Page not found", className="page-title"),
                        ],
                        className="brand-row",
                    ),
                    html.Nav(
                        nav_links("", ViewState(), data),
                        className="nav",
                        **{"aria-label": "Pages"},
                    ),
                ],
                className="topbar",
            ),
            html.H1("Page not found (404)"),
            html.P(
                "There is no page at this address. Choose a page above, or start from the overview."
            ),
            dcc.Link("Go to the overview", href="/"),
        ],
        className="page page-not-found",
    )


def is_page_path(path: str) -> bool:
    """A path the app has a page for (or serves files and callbacks at)."""
    if path.startswith(("/_dash-", "/assets/", "/_favicon", "/_reload-hash")):
        return True
    return (path.rstrip("/") or "/") in {meta.path for meta in PAGES.values()}


def create_app(clean: Path | None = None) -> dash.Dash:
    store = Store(Path(clean) if clean is not None else paths.clean_dir())
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        title="tradeboard",
        update_title=None,
        # Pages render their controls on navigation, so callbacks refer to ids not yet in the
        # initial layout; the unit tests check every callback id against the page layouts.
        suppress_callback_exceptions=True,
        include_pages_meta=False,  # its twitter:url tag would echo the query string
        serve_locally=True,
        compress=False,
    )
    app.index_string = INDEX
    app.server.config[STORE_KEY] = store
    for order, (page, meta) in enumerate(PAGES.items()):
        dash.register_page(
            f"dashboard.pages.{page}",
            path=meta.path,
            name=meta.name,
            title=f"{meta.title} · tradeboard",
            description=meta.description,
            order=order,
            layout=_page_layout(page),
        )
    # Dash Pages shows the module "not_found_404" for unknown paths; the HTTP status is set to
    # 404 in `_add_http_hooks`.
    dash.register_page(
        "not_found_404", path="/404", title="Page not found · tradeboard", layout=_not_found
    )
    app.layout = html.Div([dash.page_container])
    callbacks.register(app, lambda: store)
    _add_http_hooks(app)
    return app


def server() -> flask.Flask:
    """gunicorn 'dashboard.app:server()' (TRADEBOARD_CLEAN selects the data folder).

    Loads the data now, once per worker, so the first visitor does not wait for it; without
    data the server still starts and each page says to run the ETL.
    """
    app = create_app()
    try:
        app.server.config[STORE_KEY].get()
    except NoCleanData as exc:
        log.warning("%s", exc)
    return app.server


# ---- HTTP: security headers and gzip ----------------------------------------------------------


def content_security_policy(app: dash.Dash) -> str:
    """Scripts only from this origin plus the hashes of Dash's own inline scripts.

    Styles need 'unsafe-inline': Plotly and Dash set style attributes and inject <style>.
    Images allow data:/blob: for the modebar's PNG download.
    """
    scripts = " ".join(["'self'", *app.csp_hashes()])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


class _GzipCache:
    """Compressed static bundles (plotly.js is ~4.6 MB) are compressed once, not per request."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, int, int], make: Callable[[], bytes]) -> bytes:
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
                return hit
        value = make()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


MAX_BODY_BYTES = 1 << 20  # callback bodies are a few KB; anything larger is refused (413)


_LOCATION_PROPS = {"pathname", "search", "hash", "href"}
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9/_-]{0,64}$")


def _valid_location(prop: str, value: object) -> bool:
    """URL parts from dcc.Location: strings the browser could send; paths only of our shape."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    return prop != "pathname" or bool(_SAFE_PATH.match(value))


def _valid_callback_body(body: object, callback_map: dict) -> bool:
    """The shape Dash's dispatcher assumes; anything else would end in a KeyError (500)."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return False
    spec = callback_map.get(body["output"])
    if spec is None or not isinstance(body.get("outputs"), dict | list):
        return False
    for key in ("inputs", "state"):
        items = body.get(key, [])  # the renderer leaves out an empty "state"
        if not isinstance(items, list) or len(items) != len(spec.get(key, [])):
            return False
        for item in items:
            # pattern-matching inputs arrive as lists of {id, property, value}
            group = item if isinstance(item, list) else [item]
            for i in group:
                if not (isinstance(i, dict) and "id" in i and isinstance(i.get("property"), str)):
                    return False
                # Dash's own Pages router breaks on non-string URL parts; the pages' callbacks
                # validate theirs and answer with the default view and a notice.
                if (
                    i["id"] == "_pages_location"
                    and i["property"] in _LOCATION_PROPS
                    and not _valid_location(i["property"], i.get("value"))
                ):
                    return False
    changed = body.get("changedPropIds", [])
    return isinstance(changed, list) and all(isinstance(c, str) for c in changed)


def _add_http_hooks(app: dash.Dash) -> None:
    cache = _GzipCache()
    csp: dict[int, str] = {}
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @app.server.before_request
    def refuse_malformed() -> flask.Response | None:
        path = flask.request.path
        if path == "/_reload-hash" and not app._dev_tools.hot_reload:
            flask.abort(404)  # a dev endpoint that lists installed packages
        if path == "/_dash-update-component" and flask.request.method == "POST":
            body = flask.request.get_json(silent=True)
            if not _valid_callback_body(body, app.callback_map):
                return flask.Response("malformed callback request", status=400,
                                      mimetype="text/plain")  # fmt: skip
        return None

    @app.server.errorhandler(dash.exceptions.DependencyException)
    def unknown_bundle(_: Exception) -> flask.Response:
        return flask.Response("not found", status=404, mimetype="text/plain")

    @app.server.after_request
    def harden(response: flask.Response) -> flask.Response:
        # Dash adds inline scripts (clientside callbacks) when the first request arrives, so the
        # policy is computed after that and recomputed only if their number changes.
        n = len(app._inline_scripts) + len(dash._callback.GLOBAL_INLINE_SCRIPTS)
        if n not in csp:
            csp.clear()
            csp[n] = content_security_policy(app)
        if (
            response.status_code == 200
            and response.mimetype == "text/html"
            and not is_page_path(flask.request.path)
        ):
            response.status_code = 404  # Dash answers every path with its page shell
        headers = response.headers
        headers["Content-Security-Policy"] = csp[n]
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return _gzip(response, cache)


def _gzip(response: flask.Response, cache: _GzipCache) -> flask.Response:
    accepts = "gzip" in flask.request.headers.get("Accept-Encoding", "").lower()
    if (
        not accepts
        or response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or response.mimetype not in GZIP_TYPES
    ):
        return response
    body = response.get_data()
    if len(body) < GZIP_MIN_BYTES:
        return response
    if flask.request.path.startswith(("/_dash-component-suites/", "/assets/")):
        key = (flask.request.path, len(body), zlib.crc32(body))
        packed = cache.get(key, lambda: gzip.compress(body, compresslevel=6))
    else:
        packed = gzip.compress(body, compresslevel=5)
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(packed))
    response.vary.add("Accept-Encoding")
    return response

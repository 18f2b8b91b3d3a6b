"""The Dash app: `create_app(clean)` for `python -m dashboard` and tests, `server()` for gunicorn.

Nothing happens at import time. The clean data are read once per process, on first use, by
`dashboard.data.Store` (and again only when the ETL publishes a new version). Every response
gets security headers; JSON, HTML, CSS and JS responses over 1 KB are gzipped when the client
accepts it (flask-compress is not a dependency; this is the few lines it would do for us).

Static files (Dash's fingerprinted bundles, /assets/ with their ?m= stamp) are read and gzipped
once per worker and then answered from memory with a one-year `immutable` cache lifetime: their
URLs change whenever their content does. Plotly.js is the partial bundle in
assets/plotly-tradeboard.min.js (core, bar, table, treemap: 1.3 MB instead of 4.8 MB; how it is
built is in assets/plotly-tradeboard.README.md); TRADEBOARD_PLOTLY=full serves Dash's stock
bundle instead, for the first-render benchmark's "before".

Callback answers are kept per worker, already gzipped, keyed by the data version and the exact
request body (`dashboard.responses`): a view someone asked for before costs a lookup.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import dash
import flask
from dash import dcc, html
from dash.fingerprint import check_fingerprint

from dashboard import callbacks
from dashboard.data import NoCleanData, Store
from dashboard.layout import nav_links, page_content
from dashboard.pages import PAGES
from dashboard.responses import Answer, AnswerCache, max_bytes_from_env, request_key
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
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
IMMUTABLE = "public, max-age=31536000, immutable"
PLOTLY_PARTIAL = "plotly-tradeboard.min.js"  # in ASSETS; see plotly-tradeboard.README.md
PLOTLY_STOCK = "package_data/plotly.min.js"  # what dash.dcc lists (from the plotly package)
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


def plotly_bundle() -> str:
    """'partial' (the default) or 'full' (Dash's stock plotly.min.js), from TRADEBOARD_PLOTLY."""
    value = os.environ.get("TRADEBOARD_PLOTLY", "partial").strip().lower()
    if value not in ("partial", "full"):
        raise ValueError(f"TRADEBOARD_PLOTLY={value!r}: use 'partial' (default) or 'full'")
    return value


def _use_partial_plotly() -> None:
    """Drop the stock plotly.js from dash.dcc's script list: dcc.Graph then uses window.Plotly,
    which assets/plotly-tradeboard.min.js defines before any graph renders.

    The list is module state that every `dash.Dash()` appends the stock bundle to again, so this
    runs after the app is made; a 'full' app made later in the same process brings it back.
    """
    dcc._js_dist[:] = [r for r in dcc._js_dist if r.get("relative_package_path") != PLOTLY_STOCK]


def create_app(clean: Path | None = None, plotly: str | None = None) -> dash.Dash:
    """The app over the clean folder; `plotly` is 'partial' or 'full' (default: plotly_bundle())."""
    plotly = plotly or plotly_bundle()
    store = Store(Path(clean) if clean is not None else paths.clean_dir())
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        assets_ignore=re.escape(PLOTLY_PARTIAL) if plotly == "full" else "",
        title="tradeboard",
        update_title=None,
        # Pages render their controls on navigation, so callbacks refer to ids not yet in the
        # initial layout; the unit tests check every callback id against the page layouts.
        suppress_callback_exceptions=True,
        include_pages_meta=False,  # its twitter:url tag would echo the query string
        serve_locally=True,
        compress=False,
    )
    if plotly == "partial":
        _use_partial_plotly()
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


class _Static:
    """One static file as served: body, its gzip, and the headers every answer carries."""

    def __init__(self, url: str, body: bytes, mimetype: str, content_type: str) -> None:
        self.url = url
        self.body = body
        self.packed = gzip.compress(body, compresslevel=9) if len(body) >= GZIP_MIN_BYTES else None
        self.mimetype = mimetype
        self.content_type = content_type
        self.etag = hashlib.blake2b(body, digest_size=12).hexdigest()

    def response(self, accepts_gzip: bool, if_none_match: str) -> flask.Response:
        if if_none_match.strip('W/"') == self.etag:
            response = flask.Response(status=304)
        elif accepts_gzip and self.packed is not None and self.mimetype in GZIP_TYPES:
            response = flask.Response(self.packed, content_type=self.content_type)
            response.headers["Content-Encoding"] = "gzip"
        else:
            response = flask.Response(self.body, content_type=self.content_type)
        response.set_etag(self.etag)
        response.headers["Cache-Control"] = IMMUTABLE
        response.vary.add("Accept-Encoding")
        return response


class _StaticCache:
    """Static files by their path without the fingerprint, least recently used first out.

    Each entry also records the URL it was first served at. A request for that URL is answered
    from memory; any other version stamp (a new deploy, or one a client made up) goes through
    Dash once more and reuses the compressed body when the file's bytes are unchanged, so made-up
    stamps cost a file read, never a recompression.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.items: OrderedDict[str, _Static] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> _Static | None:
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
            return hit

    def put(self, key: str, value: _Static) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def static_key(path: str) -> str:
    """The file a static URL names: Dash's fingerprint taken out; ?m= is not part of a path."""
    return check_fingerprint(path)[0] if path.startswith("/_dash-component-suites/") else path


def is_immutable_static(path: str, query: bytes) -> bool:
    """A static URL whose content never changes: it names the file's version or mtime."""
    if path.startswith("/_dash-component-suites/"):
        return check_fingerprint(path)[1]  # name.v<version>m<mtime>.ext, as Dash builds it
    return path.startswith("/assets/") and query.startswith(b"m=")  # Dash's ?m=<mtime>


CALLBACK_PATH = "/_dash-update-component"
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
    statics = _StaticCache()
    answers = AnswerCache(max_bytes_from_env())
    store: Store = app.server.config[STORE_KEY]
    csp: dict[int, str] = {}
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @app.server.before_request
    def static_from_memory() -> flask.Response | None:
        """A static file seen before: no file read, no compression (headers added after)."""
        request = flask.request
        if request.method in ("GET", "HEAD") and request.path.startswith(STATIC_PREFIXES):
            hit = statics.get(static_key(request.path))
            if hit is not None and hit.url == request.full_path:
                flask.g.static_from_memory = True
                return hit.response(_accepts_gzip(), request.headers.get("If-None-Match", ""))
        return None

    @app.server.before_request
    def refuse_malformed() -> flask.Response | None:
        path = flask.request.path
        if path == "/_reload-hash" and not app._dev_tools.hot_reload:
            flask.abort(404)  # a dev endpoint that lists installed packages
        if path == CALLBACK_PATH and flask.request.method == "POST":
            body = flask.request.get_json(silent=True)
            if not _valid_callback_body(body, app.callback_map):
                return flask.Response("malformed callback request", status=400,
                                      mimetype="text/plain")  # fmt: skip
        return None

    @app.server.before_request
    def answer_from_memory() -> flask.Response | None:
        """A callback body answered before under this data version: the same bytes again.

        Runs after `refuse_malformed`, so only a body that passed its checks is looked up.
        """
        request = flask.request
        if request.method != "POST" or request.path != CALLBACK_PATH:
            return None
        try:
            version = store.get().version
        except NoCleanData:
            return None
        key = request_key(version, request.full_path, request.get_data(cache=True))
        hit = answers.get(key)
        if hit is None:
            flask.g.answer_key = key  # kept by `harden` if Dash answers 200
            return None
        return _send(flask.Response(), hit)

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
        request = flask.request
        if (
            response.status_code == 200
            and request.method == "GET"
            and not flask.g.get("static_from_memory")
            and request.path.startswith(STATIC_PREFIXES)
            and is_immutable_static(request.path, request.query_string)
        ):
            # Not answered from memory: keep this file, then send what later answers will be.
            response.direct_passthrough = False  # Flask's send_file streams the file
            body = response.get_data()
            key = static_key(request.path)
            static = statics.get(key)
            if static is None or static.body != body:
                static = _Static(
                    request.full_path, body, response.mimetype or "", response.content_type
                )
                statics.put(key, static)
            cached = static.response(_accepts_gzip(), "")
            cached.headers.update({k: v for k, v in headers.items() if k in _SECURITY_HEADERS})
            return cached
        key = flask.g.get("answer_key")
        if key is not None and _is_plain_json(response) and _version(store) == key[0]:
            # Same version before and after: the callback read no other data than the key says.
            answer = Answer.of(response.get_data(), response.content_type)
            answers.put(key, answer)
            return _send(response, answer)
        return _gzip(response)


def _version(store: Store) -> str | None:
    try:
        return store.get().version
    except NoCleanData:
        return None


def _is_plain_json(response: flask.Response) -> bool:
    """A whole JSON answer as Dash made it (not an error, a stream or already encoded)."""
    return (
        response.status_code == 200
        and response.mimetype == "application/json"
        and not response.direct_passthrough
        and not response.is_streamed
        and "Content-Encoding" not in response.headers
    )


def _send(response: flask.Response, answer: Answer) -> flask.Response:
    """`response` carrying a kept answer: gzipped as kept, or unpacked for other clients."""
    if answer.packed and _accepts_gzip():
        response.set_data(answer.body)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(answer.plain())
    response.content_type = answer.content_type
    if answer.packed:
        response.vary.add("Accept-Encoding")
    return response


_SECURITY_HEADERS = {
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
}


def _accepts_gzip() -> bool:
    return "gzip" in flask.request.headers.get("Accept-Encoding", "").lower()


def _gzip(response: flask.Response) -> flask.Response:
    """Dynamic answers (pages, callbacks, layout, dependencies): compressed per request."""
    if (
        not _accepts_gzip()
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
    packed = gzip.compress(body, compresslevel=5)
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(packed))
    response.vary.add("Accept-Encoding")
    return response

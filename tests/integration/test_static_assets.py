"""Static files: served once from memory, compressed, cached for a year, still hardened.

And plotly.js is the partial bundle in dashboard/assets/, which must hold every trace type the
pages draw (the browser tests then draw each page with a clean console).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import flask
import plotly
import pytest
from dash import dcc

from dashboard.app import (
    ASSETS,
    PLOTLY_PARTIAL,
    PLOTLY_STOCK,
    _use_partial_plotly,
    create_app,
    plotly_bundle,
)
from tests.integration.test_app_server import route

YEAR_S = 31_536_000
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
# The trace modules registered in dashboard/assets/plotly-tradeboard.min.js (see its README).
BUNDLED_TRACES = {"scatter", "bar", "table", "treemap"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> flask.testing.FlaskClient:
    """No data needed: the static files and the page shell are served without it."""
    return create_app(tmp_path_factory.mktemp("no-data")).server.test_client()


def static_urls(client: flask.testing.FlaskClient) -> list[str]:
    html = client.get("/").get_data(as_text=True)
    return re.findall(r'<script src="([^"]+)"', html) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', html
    )


def assert_hardened(response, url: str) -> None:
    headers = response.headers
    assert "script-src 'self' 'sha256-" in headers["Content-Security-Policy"], url
    assert "object-src 'none'" in headers["Content-Security-Policy"], url
    assert headers["X-Content-Type-Options"] == "nosniff", url
    assert headers["Referrer-Policy"] == "same-origin", url
    assert headers["X-Frame-Options"] == "SAMEORIGIN", url


def test_every_static_file_is_gzipped_cached_for_a_year_and_hardened(client) -> None:
    urls = static_urls(client)
    assert len(urls) >= 10  # React, the Dash renderer and components, plotly.js, our css and js
    for url in urls:
        for attempt in ("first (read from disk)", "second (from memory)"):
            response = client.get(url, headers=GZIP)
            assert response.status_code == 200, (url, attempt)
            assert response.headers["Content-Encoding"] == "gzip", (url, attempt)
            cache = response.headers["Cache-Control"]
            assert f"max-age={YEAR_S}" in cache and "immutable" in cache, (url, attempt)
            assert "Accept-Encoding" in response.headers["Vary"], (url, attempt)
            assert response.headers["ETag"], (url, attempt)
            assert_hardened(response, url)


def test_static_bodies_are_the_files_with_or_without_gzip(client) -> None:
    url = next(u for u in static_urls(client) if u.startswith("/assets/tradeboard.css"))
    on_disk = (ASSETS / "tradeboard.css").read_bytes()
    packed = client.get(url, headers=GZIP)
    plain = client.get(url)
    assert gzip.decompress(packed.get_data()) == on_disk
    assert "Content-Encoding" not in plain.headers
    assert plain.get_data() == on_disk
    assert plain.mimetype == "text/css"


def test_a_revalidation_is_answered_304_with_the_headers(client) -> None:
    url = next(u for u in static_urls(client) if "dash_renderer" in u)
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert_hardened(again, url)


def test_unfingerprinted_and_unknown_paths_are_not_cached_for_a_year(client) -> None:
    bare = client.get("/assets/tradeboard.css")  # no ?m= stamp: its content may change
    assert bare.status_code == 200
    assert "immutable" not in bare.headers.get("Cache-Control", "")
    assert_hardened(bare, "/assets/tradeboard.css")
    missing = client.get("/assets/no-such-file.js?m=1")
    assert missing.status_code == 404
    assert "immutable" not in missing.headers.get("Cache-Control", "")


def test_the_page_loads_the_partial_plotly_bundle_not_the_stock_one(client) -> None:
    urls = static_urls(client)
    assert any(u.startswith(f"/assets/{PLOTLY_PARTIAL}?m=") for u in urls)
    assert not any("plotly.min" in u for u in urls)
    stock = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js")
    assert stock.status_code == 404  # no longer a registered bundle
    assert_hardened(stock, "stock plotly.js")
    partial = (ASSETS / PLOTLY_PARTIAL).read_bytes()
    stock_bytes = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    # Same plotly.js release as the plotly package the figures are built with.
    version = re.search(rb"plotly\.js v(\d+\.\d+\.\d+)", stock_bytes[:200]).group(1)
    assert f"plotly.js v{version.decode()} partial bundle".encode() in partial[:300]
    assert len(partial) < len(stock_bytes) / 3
    packed = client.get(next(u for u in urls if PLOTLY_PARTIAL in u), headers=GZIP)
    assert len(packed.get_data()) < 500_000  # the stock bundle gzips to ~1.47 MB


def test_plotly_bundle_setting() -> None:
    assert plotly_bundle() in ("partial", "full")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRADEBOARD_PLOTLY", "Full")
        assert plotly_bundle() == "full"
        mp.setenv("TRADEBOARD_PLOTLY", "basic")
        with pytest.raises(ValueError, match="TRADEBOARD_PLOTLY='basic'"):
            plotly_bundle()


def test_full_plotly_serves_the_stock_bundle(tmp_path: Path) -> None:
    """The first-render benchmark's "before"; dcc's script list is module state, restored after."""
    try:
        full = create_app(tmp_path, plotly="full").server.test_client()
        urls = static_urls(full)
        assert not any(PLOTLY_PARTIAL in u for u in urls)
        stock = full.get("/_dash-component-suites/plotly/package_data/plotly.min.js")
        assert stock.status_code == 200
        assert b"plotly.js v" in stock.get_data()[:100]
    finally:
        _use_partial_plotly()
    assert not any(r.get("relative_package_path") == PLOTLY_STOCK for r in dcc._js_dist)


def _trace_types(tree: object) -> set[str]:
    found: set[str] = set()
    if isinstance(tree, dict):
        figure = tree.get("figure")
        if isinstance(figure, dict):
            found |= {t.get("type", "scatter") for t in figure.get("data", [])}
        for value in tree.values():
            found |= _trace_types(value)
    elif isinstance(tree, list):
        for item in tree:
            found |= _trace_types(item)
    return found


@pytest.mark.shared_data
def test_every_trace_type_the_pages_draw_is_in_the_bundle(clean_dir: Path) -> None:
    client = create_app(clean_dir).server.test_client()
    assert client.get("/").status_code == 200  # registers the Pages router
    drawn: set[str] = set()
    for path, search in [
        ("/", ""),
        ("/partner", "?reporter=KAZ&partner=ITA"),
        ("/fdi", ""),
        ("/visas", ""),
        ("/briefing", ""),
    ]:
        drawn |= _trace_types(route(client, path, search))  # asserts a 200
    assert {"bar", "scatter"} <= drawn  # the pages did draw figures
    assert drawn <= BUNDLED_TRACES, f"not in {PLOTLY_PARTIAL}: {drawn - BUNDLED_TRACES}"


def test_made_up_version_stamps_never_recompress(client, monkeypatch) -> None:
    """Each new ?m= or fingerprint a client invents costs a file read, not a gzip of 1.3 MB."""
    import dashboard.app

    url = next(u for u in static_urls(client) if PLOTLY_PARTIAL in u)
    real = client.get(url, headers=GZIP).get_data()
    calls: list[int] = []
    compress = dashboard.app.gzip.compress

    def counting(data: bytes, *args, **kwargs) -> bytes:
        calls.append(len(data))
        return compress(data, *args, **kwargs)

    monkeypatch.setattr(dashboard.app.gzip, "compress", counting)
    for stamp in ("1", "2", "999999"):
        made_up = client.get(f"/assets/{PLOTLY_PARTIAL}?m={stamp}", headers=GZIP)
        assert made_up.status_code == 200
        assert made_up.get_data() == real
    renderer = next(u for u in static_urls(client) if "dash_renderer" in u)
    fake = re.sub(r"\.v[\w-]+m[0-9a-f]+\.", ".v0_0_0m12345678.", renderer)
    assert fake != renderer and client.get(fake, headers=GZIP).status_code == 200
    assert client.get(url, headers=GZIP).get_data() == real  # the page's URL: still from memory
    assert calls == []

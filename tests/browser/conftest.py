"""One live server and one headless Chromium per session, on the real clean data.

Chromium is Debian's /usr/bin/chromium. Without it the browser tests skip locally but fail on
CI (env CI set), so a CI image that lost its browser cannot pass silently.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("TRADEBOARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(message + " (required on CI)")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(clean_dir: Path) -> Iterator[str]:
    """The app on 127.0.0.1 at a free port, served from a background thread."""
    from werkzeug.serving import make_server

    from dashboard.app import STORE_KEY, create_app

    app = create_app(clean_dir)
    app.server.config[STORE_KEY].get()  # load before the first page, not during it
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()

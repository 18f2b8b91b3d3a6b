"""What the Dash renderer posts, for tests that talk to the server without a browser."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient

from dashboard.app import STORE_KEY, create_app
from dashboard.data import Store
from etl import paths, pipeline
from tests.conftest import source_folder

CALLBACK = "/_dash-update-component"
ROUTER = ".._pages_content.children..._pages_store.data.."


def router_body(path: str, search: object = "") -> dict:
    """The body the renderer posts to the Pages router when a URL opens."""
    return {
        "output": ROUTER,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }


@dataclass
class LiveApp:
    """An app on a copy of the clean data, checking for a new publish on every request, and the
    raw folder of the quickest source to republish that copy from."""

    raw: Path
    clean: Path
    store: Store
    client: FlaskClient


REPUBLISHED = "bns-kz-monthly-trade-totals"  # the quickest source to republish


def live_app(shared_data: Path, clean_dir: Path, tmp_path: Path) -> LiveApp:
    raw = tmp_path / "raw"
    shutil.copytree(source_folder(shared_data, REPUBLISHED), raw / REPUBLISHED)
    clean = tmp_path / "clean"
    shutil.copytree(clean_dir, clean)
    app = create_app(clean)
    store = app.server.config[STORE_KEY]
    store.check_every = 0.0  # check the stamp on every request
    return LiveApp(raw, clean, store, app.server.test_client())


def republish(live: LiveApp) -> None:
    pipeline.run(live.raw, live.clean, paths.facts_file(), only=[REPUBLISHED])

"""The Flask server behind the Dash app, driven through its HTTP callback protocol (no browser).

Covers what a browser test would be slow to pin down: headers, gzip, hostile query strings in the
router callback, a control change and the CSV download, and that nothing is read at import time.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import flask
import pytest

from dashboard import ids
from dashboard.app import create_app, server
from dashboard.ids import Control
from dashboard.pages import PAGES
from tests.dash_requests import router_body

pytestmark = pytest.mark.shared_data
ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def client(clean_dir: Path) -> flask.testing.FlaskClient:
    app = create_app(clean_dir)
    test_client = app.server.test_client()
    test_client.app_ref = app  # type: ignore[attr-defined]
    assert test_client.get("/").status_code == 200  # first request registers the Pages router
    return test_client


def post(client, body: dict) -> dict:
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def route(client, path: str, search: str = "") -> dict:
    """What the Pages router renders for a URL (the page's component tree, as JSON)."""
    return post(client, router_body(path, search))


def callback_key(client, must: str) -> str:
    keys = [k for k in client.app_ref.callback_map if must in k]
    assert len(keys) == 1, keys
    return keys[0]


def id_str(component_id: dict) -> str:
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def change_control(client, page: str, values: dict, changed: Control, carried: dict) -> dict:
    controls = PAGES[page].controls
    outputs = [
        {"id": ids.charts(page), "property": "children"},
        {"id": ids.url(page), "property": "search"},
        {"id": ids.notices(page), "property": "children"},
        {"id": ids.nav(page), "property": "children"},
        {"id": ids.view(page), "property": "data"},
    ]
    for ctl in controls:
        outputs += [
            {"id": ids.control(page, ctl), "property": "value"},
            {"id": ids.control(page, ctl), "property": "options"},
        ]
    return post(
        client,
        {
            "output": callback_key(client, id_str(ids.charts(page)) + ".children"),
            "outputs": outputs,
            "inputs": [
                *(
                    {"id": ids.control(page, c), "property": "value", "value": values[c]}
                    for c in controls
                ),
                {"id": ids.url(page), "property": "search", "value": ""},
            ],
            "state": [
                {"id": ids.view(page), "property": "data", "value": carried},
                {"id": ids.url(page), "property": "pathname", "value": "/" + page},
            ],
            "changedPropIds": [id_str(ids.control(page, changed)) + ".value"],
        },
    )


def test_security_headers_on_every_response(client) -> None:
    for path in ("/", "/partner", "/_dash-layout", "/assets/tradeboard.css"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self' 'sha256-" in csp and "unsafe-eval" not in csp, path
        assert "object-src 'none'" in csp


def test_large_responses_are_gzipped_small_ones_not(client) -> None:
    page = route(client, "/partner")
    assert page  # warm
    big = client.post(
        "/_dash-update-component",
        json={
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": "/"},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            "changedPropIds": ["_pages_location.pathname"],
        },
        headers={"Accept-Encoding": "gzip, deflate"},
    )
    assert big.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in big.headers["Vary"]
    assert json.loads(gzip.decompress(big.get_data()))["response"]
    plain = client.get("/_favicon.ico", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    unasked = client.get("/")
    assert "Content-Encoding" not in unasked.headers


def test_plotly_bundle_is_compressed_once_and_served_from_cache(client) -> None:
    html = client.get("/").get_data(as_text=True)
    script = next(
        part.split('"')[0]
        for part in html.split('src="')[1:]
        if "dash_renderer" in part.split('"')[0]
    )
    first = client.get(script, headers={"Accept-Encoding": "gzip"})
    second = client.get(script, headers={"Accept-Encoding": "gzip"})
    assert first.headers.get("Content-Encoding") == "gzip"
    assert first.get_data() == second.get_data()


def test_every_page_routes_with_its_charts(client) -> None:
    for path in ("/", "/partner", "/fdi", "/visas", "/briefing"):
        text = json.dumps(route(client, path))
        assert '"type": "graph"' in text.replace('"type":"graph"', '"type": "graph"'), path
        assert "Download CSV" in text, path


@pytest.mark.parametrize(
    "search",
    [
        "?partner=" + HOSTILE,
        "?partner=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "?year=" + "9" * 5000,
        "?flow=<img src=x onerror=alert(1)>&flow=export",
        "?store=1&pathname_=2&reporter[]=KAZ",
        "?aggregates=%00%ff",
    ],
)
def test_hostile_queries_give_the_default_view_and_a_notice(client, search: str) -> None:
    body = route(client, "/partner", search)
    text = json.dumps(body)
    assert "<script" not in text and "<img" not in text and "onerror" not in text
    raw = client.get("/partner" + search)
    assert raw.status_code == 200
    assert b"<script>alert" not in raw.get_data() and b"onerror" not in raw.get_data()
    if "store=" not in search:
        assert "Note: " in text  # the banner says what was ignored


def test_changing_partner_returns_new_charts_url_and_nav(client) -> None:
    values = {
        Control.REPORTER: "KAZ",
        Control.PARTNER: "CHN",
        Control.FLOW: "turnover",
        Control.SOURCE: "bns-kz-trade-by-country",
        Control.START: 2018,
        Control.END: 2023,
    }
    body = change_control(client, "partner", values, Control.PARTNER, {})
    response = body["response"]
    url = response[id_str(ids.url("partner"))]["search"]
    assert url == "?partner=CHN&start=2018&end=2023"
    charts = json.dumps(response[id_str(ids.charts("partner"))]["children"])
    assert "Kazakhstan\\u2013China" in charts or "Kazakhstan–China" in charts
    nav = json.dumps(response[id_str(ids.nav("partner"))]["children"])
    assert "/fdi?partner=CHN" in nav


def test_csv_download_is_the_plotted_data(client) -> None:
    name = "flows"
    body = post(
        client,
        {
            "output": callback_key(client, '"page":"partner","type":"csv-download"'),
            "outputs": {"id": ids.csv_download("partner", name), "property": "data"},
            "inputs": [{"id": ids.csv_button("partner", name), "property": "n_clicks", "value": 1}],
            "state": [{"id": ids.view("partner"), "property": "data", "value": {"partner": "ITA"}}],
            "changedPropIds": [id_str(ids.csv_button("partner", name)) + ".n_clicks"],
        },
    )
    payload = body["response"][id_str(ids.csv_download("partner", name))]["data"]
    assert payload["filename"] == "partner_KAZ-ITA_2023_flows.csv"
    rows = list(csv.DictReader(io.StringIO(payload["content"])))
    turnover = {int(r["year"]): float(r["value"]) for r in rows if r["series"] == "Turnover"}
    assert turnover[2023] == pytest.approx(16.0755)


def test_create_app_reads_nothing_until_asked(tmp_path: Path) -> None:
    app = create_app(tmp_path / "no-such-folder")  # would raise if it loaded data
    assert app.server is not None


def test_gunicorn_factory_uses_the_configured_folder(monkeypatch, clean_dir: Path) -> None:
    monkeypatch.setenv("TRADEBOARD_CLEAN", str(clean_dir))
    flask_app = server()
    assert flask_app.config["TRADEBOARD_STORE"].clean == clean_dir


def test_cli_fails_with_advice_when_there_is_no_data(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dashboard", "--clean", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 2
    assert "make etl" in run.stderr


def test_importing_the_app_does_no_io() -> None:
    code = (
        "import pandas\n"
        "calls = []\n"
        "pandas.read_parquet = lambda *a, **k: calls.append(a)\n"
        "import dashboard.app, dashboard.__main__\n"
        "assert not calls, calls\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def _layout_ids(component: object) -> list[object]:
    found = []
    component_id = getattr(component, "id", None)
    if component_id is not None:
        found.append(component_id)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += _layout_ids(child)
    return found


def _matches(pattern: dict, concrete: object) -> bool:
    if not isinstance(concrete, dict) or set(pattern) != set(concrete):
        return False
    return all(isinstance(v, list) or concrete[k] == v for k, v in pattern.items())


def test_every_callback_id_exists_in_its_page_layout(client, clean_dir: Path) -> None:
    """suppress_callback_exceptions hides typos in ids from Dash; this test does not."""
    from dashboard import layout as shell
    from dashboard.data import Store

    data = Store(clean_dir).get()
    layouts = {page: _layout_ids(shell.page_content(page, data, {})) for page in PAGES}
    used: list[str] = []
    for key, spec in client.app_ref.callback_map.items():
        used += [part.rsplit(".", 1)[0] for part in key.strip(".").split("...")]
        used += [dep["id"] for dep in spec["inputs"] + spec.get("state", [])]
    checked = 0
    for raw in set(used):
        if raw.startswith("_pages"):
            continue  # Dash Pages' own components
        pattern = json.loads(raw)
        candidates = layouts[pattern["page"]]
        assert any(_matches(pattern, c) for c in candidates), raw
        checked += 1
    assert checked >= 5 * 8


def test_without_data_the_pages_say_how_to_get_it(tmp_path: Path) -> None:
    app = create_app(tmp_path)
    test_client = app.server.test_client()
    test_client.get("/")
    test_client.app_ref = app  # type: ignore[attr-defined]
    assert "make etl" in json.dumps(route(test_client, "/partner"))

"""What a hostile visitor can send the app, through Flask's test client on the real clean data.

Every query-string value and callback input ends in the default view with a notice, or in a 4xx
for a callback body the Dash renderer could not have sent; never in a 500, and the raw input is
never reflected. Download names are sanitised, no route serves files outside its folder, dev
tools are off, security headers are on every response, the CLI binds loopback by default, and
callback answers are gzipped for clients that accept it.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

import flask
import pytest

from dashboard import ids
from dashboard.app import STORE_KEY, create_app, server
from dashboard.ids import Control
from dashboard.pages import PAGES
from dashboard.theme import graph_config, safe_filename
from tests.dash_requests import CALLBACK, router_body

pytestmark = pytest.mark.shared_data
ROOT = Path(__file__).resolve().parents[2]
SAFE_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # what a validated view value looks like
SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,120}$")
# Strings that only a file outside the served folders would contain.
LEAKS = (b"root:x:0:", b"[build-system]", b"def create_app", b"[core]", b"from __future__ import")


# ---- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(clean_dir: Path):
    dash_app = create_app(clean_dir)
    first = dash_app.server.test_client().get("/")  # registers the Pages router's callbacks
    assert first.status_code == 200
    return dash_app


@pytest.fixture(scope="module")
def client(app) -> flask.testing.FlaskClient:
    return app.server.test_client()


def id_str(component_id: object) -> str:
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def strings(node: object) -> Iterator[str]:
    """Every string of a JSON answer except Plotly's base64 arrays (random letters)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "bdata":
                yield key
                yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def reflected(answer: object, raw: str) -> bool:
    """Whether `raw` comes back in a string; a word-like value only as a whole word ('99999'
    inside the colour '#999999' is not an echo)."""
    if re.fullmatch(r"\w+", raw):
        pattern = re.compile(rf"(?<![\w#]){re.escape(raw)}(?!\w)")
        return any(pattern.search(s) for s in strings(answer))
    return any(raw in s for s in strings(answer))


def find(node: object, component_id: Mapping[str, str]) -> dict | None:
    """The props of the component with this id in a component tree."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props
        for value in node.values():
            hit = find(value, component_id)
            if hit is not None:
                return hit
    elif isinstance(node, list):
        for value in node:
            hit = find(value, component_id)
            if hit is not None:
                return hit
    return None


def page_body(app, page: str, values: Mapping[str, object], changed: str) -> dict:
    """The page callback's request after control `changed` moved, from the app's callback map
    (dependencies in registration order, as the renderer sends them)."""
    key = next(k for k in app.callback_map if k.startswith("..") and id_str(ids.charts(page)) in k)
    spec = app.callback_map[key]
    outputs = []
    for part in key.strip(".").split("..."):
        component, prop = part.rsplit(".", 1)
        outputs.append({"id": json.loads(component), "property": prop})

    def value(component: dict, prop: str) -> object:
        if component.get("type") == "control":
            return values.get(component["name"])
        if prop == "pathname":
            return PAGES[page].path
        if prop == "data":
            return values.get("view", {})
        return values.get("search", "")

    def deps(items: list[dict]) -> list[dict]:
        out = []
        for dep in items:
            component = json.loads(dep["id"])
            out.append(
                {
                    "id": component,
                    "property": dep["property"],
                    "value": value(component, dep["property"]),
                }
            )
        return out

    return {
        "output": key,
        "outputs": outputs,
        "inputs": deps(spec["inputs"]),
        "state": deps(spec["state"]),
        "changedPropIds": [id_str(ids.control(page, changed)) + ".value"],
    }


def csv_body(app, page: str, name: object, view: object, clicks: object = 1) -> dict:
    button = {"type": "csv-button", "page": page, "name": name}
    download = {"type": "csv-download", "page": page, "name": name}
    key = next(
        k
        for k in app.callback_map
        if k.endswith(".data") and '"csv-download"' in k and f'"page":"{page}"' in k
    )
    return {
        "output": key,
        "outputs": {"id": download, "property": "data"},
        "inputs": [{"id": button, "property": "n_clicks", "value": clicks}],
        "state": [{"id": ids.view(page), "property": "data", "value": view}],
        "changedPropIds": [id_str(button) + ".n_clicks"],
    }


def answer(response: flask.Response) -> dict:
    assert response.status_code == 200, (response.status_code, response.get_data()[:300])
    return response.get_json()


def assert_default_view_with_notice(body: dict, raw: str, view: object) -> None:
    """A notice says what was ignored; the view holds only validated values; no echo."""
    assert "Note: " in json.dumps(body), "no notice"
    assert not reflected(body, raw), f"{raw[:40]!r} reflected"
    assert isinstance(view, dict), view
    for key, value in view.items():
        assert SAFE_VALUE.match(key) and SAFE_VALUE.match(str(value)), (key, value)


# ---- query strings -----------------------------------------------------------------------------

# (id, query string, text that must not come back)
HOSTILE_QUERIES = [
    ("script", "?partner=<script>alert(1)</script>", "alert(1)"),
    ("script-encoded", "?partner=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "alert(1)"),
    ("img-onerror", "?flow=<img src=x onerror=alert(1)>", "onerror"),
    ("traversal", "?reporter=../../etc/passwd", "etc/passwd"),
    ("100-kb", "?partner=" + "Zq" * 51_200, "ZqZqZqZq"),
    ("year-five-digits", "?year=99999", "99999"),
    ("year-word", "?year=notayearq", "notayearq"),
    ("repeated-hostile-first", "?partner=<b>x</b>&partner=CHN", "<b>x"),
    ("repeated-years", "?year=notayearq&year=2021&start=1&start=2", "notayearq"),
    ("non-utf8", "?partner=%ff%fe%fd", "\ufffd"),
    ("overlong-utf8", "?reporter=%c0%ae%c0%ae%c0%af", "\ufffd"),
    ("nul", "?partner=IT%00A", "IT\x00A"),
    ("bidi-override", "?flow=%E2%80%AEexport", "\u202e"),
    ("sql-ish", "?source=x'%20OR%201=1--", "OR 1=1"),
]
PAGE_NAMES = list(PAGES)


@pytest.mark.parametrize(
    ("search", "raw"), [q[1:] for q in HOSTILE_QUERIES], ids=[q[0] for q in HOSTILE_QUERIES]
)
def test_hostile_query_gives_the_default_partner_view_with_a_notice(client, search, raw) -> None:
    page = client.get("/partner" + search)
    assert page.status_code == 200
    assert raw.encode("utf-8", "replace") not in page.get_data()
    body = answer(client.post(CALLBACK, json=router_body("/partner", search)))
    assert_default_view_with_notice(body, raw, find(body, ids.view("partner"))["data"])


@pytest.mark.parametrize("page", PAGE_NAMES)
@pytest.mark.parametrize(
    ("search", "raw"), [q[1:] for q in HOSTILE_QUERIES[:4]], ids=[q[0] for q in HOSTILE_QUERIES[:4]]
)
def test_every_page_validates_its_query(client, page: str, search: str, raw: str) -> None:
    path = PAGES[page].path
    assert client.get(path + search).status_code == 200
    body = answer(client.post(CALLBACK, json=router_body(path, search)))
    assert_default_view_with_notice(body, raw, find(body, ids.view(page))["data"])


def test_a_valid_query_shows_that_view_without_a_notice(client) -> None:
    body = answer(client.post(CALLBACK, json=router_body("/partner", "?partner=CHN")))
    assert find(body, ids.view("partner"))["data"]["partner"] == "CHN"
    assert "Note: " not in json.dumps(body)


def test_a_repeated_valid_parameter_says_which_value_it_used(client) -> None:
    body = answer(client.post(CALLBACK, json=router_body("/partner", "?partner=CHN&partner=RUS")))
    assert "Note: " in json.dumps(body)


def test_a_very_long_url_is_refused_or_handled(client) -> None:
    """A 100 KB query string on the page URL itself (gunicorn refuses > 4 KB request lines)."""
    response = client.get("/partner?partner=" + "Zq" * 51_200)
    assert response.status_code in (200, 414)
    assert b"ZqZqZqZq" not in response.get_data()


# ---- callback inputs ---------------------------------------------------------------------------

WRONG_TYPES = [
    ("number", 123),
    ("float", 1e308),
    ("bool", True),
    ("list", ["CHN"]),
    ("nested", [[{"a": []}]]),
    ("dict", {"value": "CHN"}),
    ("script", "<script>alert(1)</script>"),
    ("100-kb", "Zq" * 51_200),
]


@pytest.mark.parametrize("value", [w[1] for w in WRONG_TYPES], ids=[w[0] for w in WRONG_TYPES])
def test_wrong_type_in_a_control_gives_the_default_view_with_a_notice(app, client, value) -> None:
    values = {"reporter": "KAZ", "partner": value, "flow": "turnover"}
    body = answer(client.post(CALLBACK, json=page_body(app, "partner", values, "partner")))
    response = body["response"]
    raw = value if isinstance(value, str) else json.dumps(value)
    assert_default_view_with_notice(body, raw, response[id_str(ids.view("partner"))]["data"])
    search = response[id_str(ids.url("partner"))]["search"]  # the URL the browser will show
    assert all(SAFE_VALUE.match(v[0]) for v in parse_qs(search.lstrip("?")).values()), search


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_every_page_callback_survives_wrong_types(app, client, page: str) -> None:
    values = {
        "reporter": ["KAZ"],
        "partner": {"x": 1},
        "year": "<svg onload=alert(2)>",
        "flow": 7,
        "measure": [],
        "visa_measure": None,
        "start": "<svg onload=alert(2)>",
        "end": 99999,
    }
    changed = "partner" if Control.PARTNER in PAGES[page].controls else "year"
    body = answer(client.post(CALLBACK, json=page_body(app, page, values, changed)))
    view = body["response"][id_str(ids.view(page))]["data"]
    assert_default_view_with_notice(body, "alert(2)", view)


@pytest.mark.parametrize(
    ("view", "search"),
    [
        ({"partner": "<script>alert(1)</script>", "year": [1, 2], "reporter": {"a": 1}}, ""),
        ({"partner": "CHN"}, 12345),
        (None, ["?partner=CHN"]),
        ("partner=CHN", None),
        pytest.param([1, 2], {"a": 1}, id="list-view"),
    ],
)
def test_wrong_types_in_state_and_url_never_fail(app, client, view, search) -> None:
    values = {"reporter": "KAZ", "partner": "CHN", "view": view, "search": search}
    response = client.post(CALLBACK, json=page_body(app, "partner", values, "partner"))
    assert response.status_code == 200
    assert b"alert(1)" not in response.get_data()


MALFORMED = [
    pytest.param(b"", "application/json", id="empty"),
    pytest.param(b"{not json", "application/json", id="invalid-json"),
    pytest.param(b'{"output": "x"}', "text/plain", id="not-json-type"),
    pytest.param(b"[1, 2]", "application/json", id="json-list"),
    pytest.param(b'"output"', "application/json", id="json-string"),
    pytest.param(b"{}", "application/json", id="empty-object"),
    pytest.param(b"\xff\xfe{}", "application/json", id="not-utf8"),
]


@pytest.mark.parametrize(("data", "content_type"), MALFORMED)
def test_malformed_callback_body_is_a_4xx(client, data: bytes, content_type: str) -> None:
    response = client.post(CALLBACK, data=data, content_type=content_type)
    assert 400 <= response.status_code < 500, response.status_code
    assert b"Traceback" not in response.get_data()


def _drop(key: str):
    return lambda body: {k: v for k, v in body.items() if k != key}


def _set(key: str, value: object):
    return lambda body: {**body, key: value}


BROKEN = [
    pytest.param(_drop("output"), id="no-output"),
    pytest.param(_drop("outputs"), id="no-outputs"),
    pytest.param(_drop("inputs"), id="no-inputs"),
    pytest.param(_drop("state"), id="no-state"),
    pytest.param(_set("output", "nope.children"), id="unknown-output"),
    pytest.param(_set("output", 5), id="output-number"),
    pytest.param(_set("inputs", {"a": 1}), id="inputs-object"),
    pytest.param(lambda b: {**b, "inputs": b["inputs"][:2]}, id="inputs-short"),
    pytest.param(_set("changedPropIds", "x"), id="changed-string"),
]


@pytest.mark.parametrize("breaks", BROKEN)
def test_callback_body_the_renderer_could_not_send_is_a_4xx(app, client, breaks) -> None:
    values = {"reporter": "KAZ", "partner": "CHN"}
    response = client.post(CALLBACK, json=breaks(page_body(app, "partner", values, "partner")))
    assert 400 <= response.status_code < 500, response.status_code


ROUTER_VALUES = [
    pytest.param("/partner", "<b>x</b>", id="search-markup"),
    pytest.param("/partner", None, id="search-none"),
    pytest.param(None, None, id="pathname-none"),
    pytest.param("/partner", 123, id="search-number"),
    pytest.param("/partner", ["?partner=CHN"], id="search-list"),
    pytest.param({"a": 1}, "", id="pathname-object"),
    pytest.param("<b>x</b>", "", id="pathname-markup"),
    pytest.param("../../etc/passwd", "", id="pathname-traversal"),
]


@pytest.mark.parametrize(("path", "search"), ROUTER_VALUES)
def test_router_inputs_of_the_wrong_kind_never_fail(client, path, search) -> None:
    response = client.post(CALLBACK, json=router_body(path, search))
    assert response.status_code < 500
    text = response.get_data(as_text=True)
    assert "<b>x" not in text and "etc/passwd" not in text


def test_huge_callback_payload_is_refused(client) -> None:
    body = json.dumps(router_body("/partner", "?partner=" + "x" * 5_000_000)).encode()
    response = client.post(CALLBACK, data=body, content_type="application/json")
    assert response.status_code == 413


# ---- downloads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parts",
    [
        ("../../etc/passwd",),
        ("partner", "KAZ/../../x", 2023, "flows"),
        ("<script>alert(1)</script>",),
        ("a\x00b", "c\r\nd", "e\\f"),
        ("Қазақстан", "Italia"),
        ("x" * 500,),
        ("..",),
        ("",),
        (None,),
        ("-rf", "--help"),
    ],
)
def test_safe_filename_is_a_plain_name(parts: tuple) -> None:
    name = safe_filename(*parts)
    assert SAFE_NAME.match(name), name
    assert not name.startswith("-")
    assert graph_config(name)["toImageButtonOptions"]["filename"] == name


@pytest.mark.parametrize(
    "view",
    [
        {},
        {"partner": "../../etc/passwd", "reporter": "<script>", "year": "2021/../x"},
        {"partner": ["CHN", "../x"], "end": {"a": 1}},
        None,
    ],
)
def test_csv_download_name_is_sanitised(app, client, view) -> None:
    body = answer(client.post(CALLBACK, json=csv_body(app, "partner", "flows", view)))
    (payload,) = body["response"].values()
    filename = payload["data"]["filename"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,120}\.csv", filename), filename
    assert "<script" not in payload["data"]["content"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "<script>", "flows\x00", 5, ["flows"]])
def test_csv_of_an_unknown_chart_sends_no_file(app, client, name) -> None:
    response = client.post(CALLBACK, json=csv_body(app, "partner", name, {}))
    assert response.status_code in (200, 204)
    assert b'"filename"' not in response.get_data()


@pytest.mark.parametrize(
    "view",
    [
        pytest.param("partner=CHN", id="string"),
        pytest.param([1, 2], id="list"),
    ],
)
def test_csv_with_a_view_of_the_wrong_type_never_fails(app, client, view) -> None:
    response = client.post(CALLBACK, json=csv_body(app, "partner", "flows", view))
    assert response.status_code < 500


# ---- files outside the served folders ----------------------------------------------------------

TRAVERSALS = [
    "/assets/../etc/passwd",
    "/assets/../../../../../../etc/passwd",
    "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/assets/%252e%252e/%252e%252e/pyproject.toml",
    "/assets/..%5c..%5cpyproject.toml",
    "/assets/../app.py",
    "/assets/..%2fapp.py",
    "/assets//etc/passwd",
    "/assets/%2fetc%2fpasswd",
    "/assets/../../pyproject.toml",
    "/assets/../../.git/config",
    "/static/../../pyproject.toml",
    "/..%2f..%2fetc%2fpasswd",
    "/.git/config",
    "/_dash-layout/../../etc/passwd",
]
SUITE_TRAVERSALS = [
    "/_dash-component-suites/../../etc/passwd",
    "/_dash-component-suites/dash/../../../../etc/passwd",
    "/_dash-component-suites/dash/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/_dash-component-suites/dash/deps/../../../../../../etc/passwd",
    "/_dash-component-suites/dash/dcc/..%2f..%2f_callback.py",
    "/_dash-component-suites/dash/dash.py",
    "/_dash-component-suites/plotly/__init__.py",
    "/_dash-component-suites/etl/paths.py",
]


def assert_no_file(response: flask.Response) -> None:
    data = response.get_data()
    for leak in LEAKS:
        assert leak not in data, leak
    if response.status_code == 200:  # Dash answers unknown paths with its page shell
        assert response.mimetype == "text/html" and b'id="_dash-config"' in data


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_route_serves_files_outside_its_folder(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 400, 403, 404), response.status_code
    assert_no_file(response)


@pytest.mark.parametrize("path", SUITE_TRAVERSALS)
def test_component_suites_serve_only_registered_bundles(client, path: str) -> None:
    response = client.get(path)
    assert_no_file(response)


@pytest.mark.parametrize("path", SUITE_TRAVERSALS)
def test_an_unknown_bundle_is_a_404_not_a_500(client, path: str) -> None:
    assert client.get(path).status_code == 404


# ---- dev tools, headers, binding, compression ---------------------------------------------------


@pytest.fixture(scope="module")
def production(clean_dir: Path) -> Iterator[flask.testing.FlaskClient]:
    """The gunicorn entry point, `server()`, exactly as `make serve` builds it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRADEBOARD_CLEAN", str(clean_dir))
        flask_app = server()
    test_client = flask_app.test_client()
    assert test_client.get("/").status_code == 200
    yield test_client


def test_debug_and_dev_tools_are_off_in_production(production) -> None:
    assert production.application.debug is False
    html = production.get("/").get_data(as_text=True)
    config = json.loads(re.search(r'id="_dash-config"[^>]*>(.*?)</script>', html, re.S)[1])
    assert config["ui"] is False  # no dev-tools menu in the page
    assert config["props_check"] is False
    assert "hot_reload" not in config
    assert "dash-debug-menu" not in html


def test_no_reload_hash_dev_endpoint(production) -> None:
    response = production.get("/_reload-hash")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/", None),
        ("GET", "/partner?partner=<script>", None),
        ("GET", "/_dash-layout", None),
        ("GET", "/_dash-dependencies", None),
        ("GET", "/assets/tradeboard.css", None),
        ("GET", "/assets/../etc/passwd", None),
        ("POST", CALLBACK, router_body("/partner", "")),
        ("POST", CALLBACK, b"{not json"),
    ],
)
def test_security_headers_on_every_kind_of_response(client, method, path, body) -> None:
    if isinstance(body, bytes):
        response = client.open(path, method=method, data=body, content_type="application/json")
    else:
        response = client.open(path, method=method, json=body)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    )
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors", "base-uri"):
        assert directive in csp, directive
    assert "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


def test_cli_binds_loopback_by_default(monkeypatch) -> None:
    from dashboard import __main__ as cli

    calls: dict[str, object] = {}
    store = SimpleNamespace(get=lambda: None)  # data "loaded"; nothing is served
    fake = SimpleNamespace(
        server=SimpleNamespace(config={STORE_KEY: store}), run=lambda **kw: calls.update(kw)
    )
    monkeypatch.setattr("dashboard.app.create_app", lambda clean: fake)
    assert cli.main([]) == 0
    assert calls["host"] == "127.0.0.1"
    assert calls["debug"] is False


def test_cli_help_and_makefile_say_loopback() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dashboard", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert "127.0.0.1" in run.stdout
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", makefile, re.M)
    assert "--bind $(HOST):$(PORT)" in makefile


def test_callback_answers_are_gzipped_when_accepted(app, client) -> None:
    values = {"reporter": "KAZ", "partner": "CHN", "flow": "turnover"}
    body = page_body(app, "partner", values, "partner")
    packed = client.post(CALLBACK, json=body, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert json.loads(gzip.decompress(packed.get_data()))["response"]
    plain = client.post(CALLBACK, json=body)
    assert "Content-Encoding" not in plain.headers
    assert len(packed.get_data()) < len(plain.get_data()) / 3

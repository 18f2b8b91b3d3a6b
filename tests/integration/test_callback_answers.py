"""Callback answers kept per data version (dashboard.responses), through the real app and data.

A body answered once gets the same bytes again without running the callback, gzipped or not as
the client asks, with every security header; a republished data/clean is answered from the new
version on the next request; errors are never kept, and a body that fails the request checks is
refused before any lookup.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import dashboard.app
from dashboard.app import create_app
from dashboard.responses import Answer, AnswerCache, request_key
from tests import dash_requests
from tests.dash_requests import CALLBACK, live_app, republish

pytestmark = pytest.mark.shared_data
GZIP = {"Accept-Encoding": "gzip"}


def router_body(path: str, search: str = "") -> bytes:
    """The router's body as the renderer sends it (compact JSON): the cache keys on the bytes."""
    return json.dumps(dash_requests.router_body(path, search), separators=(",", ":")).encode()


def post(client, body: bytes, headers: dict | None = None, content_type: str = "application/json"):
    return client.post(CALLBACK, data=body, headers=headers or {}, content_type=content_type)


def unpacked(response) -> dict:
    data = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return json.loads(data)


@pytest.fixture(scope="module")
def app(clean_dir: Path):
    dash_app = create_app(clean_dir)
    assert dash_app.server.test_client().get("/").status_code == 200  # registers the router
    return dash_app


@pytest.fixture
def counted(monkeypatch) -> list[str]:
    """Pages the router callback built (it builds one on every dispatch)."""
    calls: list[str] = []
    real = dashboard.app.page_content

    def counting(page, data, query):
        calls.append(page)
        return real(page, data, query)

    monkeypatch.setattr(dashboard.app, "page_content", counting)
    return calls


def test_a_repeated_body_gets_the_same_bytes_without_running_the_callback(app, counted) -> None:
    client = app.server.test_client()
    body = router_body("/partner", "?partner=KOR")
    first = post(client, body, GZIP)
    second = post(client, body, GZIP)
    assert first.status_code == second.status_code == 200
    assert counted == ["partner"]  # the second answer came from memory
    assert second.get_data() == first.get_data()
    assert second.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in second.headers["Vary"]
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert second.headers[header] == first.headers[header], header
    plain = post(client, body)  # a client that does not accept gzip gets the JSON itself
    assert "Content-Encoding" not in plain.headers
    assert plain.get_json() == unpacked(first)
    assert counted == ["partner"]
    assert "KOR" in json.dumps(unpacked(first)["response"]["_pages_content"])


def test_a_body_that_fails_the_checks_is_refused_even_when_its_bytes_were_answered(app) -> None:
    client = app.server.test_client()
    body = router_body("/visas", "?partner=DEU")
    assert post(client, body).status_code == 200
    refused = post(client, body, content_type="text/plain")  # not JSON to Flask: no body
    assert refused.status_code == 400


def test_a_failed_answer_is_not_kept(app, monkeypatch) -> None:
    client = app.server.test_client()
    body = router_body("/partner", "?partner=ESP")
    real = dashboard.app.page_content

    def failing(page, data, query):
        raise RuntimeError("a bug in the page")

    monkeypatch.setattr(dashboard.app, "page_content", failing)
    assert post(client, body).status_code == 500
    monkeypatch.setattr(dashboard.app, "page_content", real)
    fixed = post(client, body)
    assert fixed.status_code == 200
    assert "ESP" in json.dumps(fixed.get_json()["response"]["_pages_content"])


def test_a_republished_clean_folder_is_answered_from_the_new_version(
    shared_data: Path, clean_dir: Path, tmp_path: Path
) -> None:
    live = live_app(shared_data, clean_dir, tmp_path)
    store, client = live.store, live.client
    assert client.get("/").status_code == 200
    body = router_body("/partner", "?partner=ITA")
    before = store.get().version
    post(client, body, GZIP)
    old = json.dumps(unpacked(post(client, body, GZIP)))  # the second from memory
    assert f"version {before[:8]}" in old  # the footer names the data version

    republish(live)
    after = store.get().version
    assert after != before
    new = post(client, body, GZIP)
    assert new.status_code == 200
    text = json.dumps(unpacked(new))
    assert f"version {after[:8]}" in text
    assert f"version {before[:8]}" not in text


def test_the_cache_keeps_recent_answers_within_its_bytes_and_one_version() -> None:
    cache = AnswerCache(max_bytes=64_000)
    answers = {
        i: Answer.of(json.dumps({"i": i, "pad": list(range(i, i + 3000))}).encode(), "x")
        for i in range(40)
    }
    for i, answer in answers.items():
        cache.put(request_key("v1", "/cb", str(i).encode()), answer)
    assert 0 < cache.bytes <= 64_000
    assert cache.get(request_key("v1", "/cb", b"39")) is answers[39]  # the newest is kept
    assert cache.get(request_key("v1", "/cb", b"0")) is None  # the oldest went first
    assert json.loads(answers[39].plain())["i"] == 39
    cache.put(request_key("v2", "/cb", b"1"), answers[1])
    assert len(cache) == 1  # a new data version drops every older answer
    assert cache.get(request_key("v1", "/cb", b"39")) is None
    huge = Answer(b"x" * 10_000, False, "x")  # more than an eighth of the cache
    cache.put(request_key("v2", "/cb", b"huge"), huge)
    assert cache.get(request_key("v2", "/cb", b"huge")) is None


def test_a_zero_sized_cache_keeps_nothing(monkeypatch) -> None:
    from dashboard.responses import MAX_BYTES, max_bytes_from_env

    monkeypatch.setenv("TRADEBOARD_ANSWER_CACHE_MB", "0")
    cache = AnswerCache(max_bytes_from_env())
    cache.put(request_key("v1", "/x", b"{}"), Answer.of(b"{}", "application/json"))
    assert len(cache) == 0
    monkeypatch.setenv("TRADEBOARD_ANSWER_CACHE_MB", "not a number")
    assert max_bytes_from_env() == MAX_BYTES

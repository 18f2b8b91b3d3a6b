"""An unknown path is a real 404 with the site's navigation (issue 14 item 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import app as app_module
from dashboard.pages import PAGES


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    # No clean data needed: the status and the 404 page do not depend on it.
    empty = tmp_path_factory.mktemp("no-clean")
    return app_module.create_app(Path(empty)).server.test_client()


@pytest.mark.parametrize("path", ["/nonexistent", "/partner/extra", "/404", "/Partner"])
def test_unknown_paths_answer_404(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "text/html" in response.content_type  # the app shell, which draws the 404 page


@pytest.mark.parametrize("path", [*(p.path for p in PAGES.values()), "/partner/"])
def test_pages_answer_200(client, path: str) -> None:
    assert client.get(path).status_code == 200


def test_the_404_page_has_the_navigation_and_a_way_back(client) -> None:
    with client.application.test_request_context("/nonexistent"):
        page = app_module._not_found()
    text = str(page)
    assert "Page not found (404)" in text
    for meta in PAGES.values():
        assert f"'{meta.name}'" in text or f'"{meta.name}"' in text, meta.name
    assert "href='/'" in text or 'href="/"' in text

"""Issue 14 in the browser: the partner search box, the modebar, the 404 page (items 4, 11, 14).

Every test ends asserting a clean console.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.test_dashboard import Tab

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]


@pytest.fixture
def page_tab(browser, live_server: str) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    try:
        yield Tab(page, live_server)
    finally:
        context.close()


def test_partner_dropdown_puts_the_cursor_in_its_search_box(page_tab: Tab) -> None:
    tab = page_tab
    tab.open("/partner?partner=ITA")
    tab.page.locator(".control-partner button.dash-dropdown").click()
    # The dropdown itself moves focus to the selected option a little after opening.
    tab.page.wait_for_timeout(1000)
    active = "() => document.activeElement.className"
    tab.wait_until(lambda: "dash-dropdown-search" in tab.page.evaluate(active), timeout=5)
    tab.page.keyboard.type("Germ")  # into the search box: no click on it first
    first = "() => (document.querySelector('[role=option]') || {}).textContent"
    tab.wait_until(lambda: tab.page.evaluate(first) == "Germany")  # the list has filtered
    tab.page.keyboard.press("Enter")
    tab.wait_until(lambda: tab.query().get("partner") == "DEU")
    tab.wait_until(lambda: "Kazakhstan–Germany" in tab.titles()[0])
    tab.assert_clean_console()


def test_modebar_has_no_button_that_uploads_the_chart(page_tab: Tab) -> None:
    tab = page_tab
    tab.open("/partner?partner=ITA")
    tab.page.locator(".js-plotly-plot").first.hover()
    tab.page.wait_for_selector(".modebar-btn", state="attached")
    titles = tab.page.evaluate(
        "() => [...document.querySelectorAll('.modebar-btn')].map(b => b.dataset.title || '')"
    )
    assert any("png" in t.lower() for t in titles)  # the download stays
    assert not [t for t in titles if "share" in t.lower() or "cloud" in t.lower()], titles
    assert not [t for t in titles if "chart studio" in t.lower()], titles
    tab.assert_clean_console()


def test_unknown_path_is_a_404_page_with_the_navigation(page_tab: Tab) -> None:
    tab = page_tab
    response = tab.page.goto(tab.base + "/nonexistent")
    assert response is not None and response.status == 404
    tab.page.wait_for_selector("text=Page not found (404)", timeout=20_000)
    links = tab.page.locator(".nav a").all_inner_texts()
    assert {"Overview", "Partner", "Briefing"} <= set(links)
    tab.page.locator(".nav a", has_text="Partner").click()
    tab.page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
    # the 404 response logs one "Failed to load resource" line for the document itself
    tab.errors = [e for e in tab.errors if "404" not in e]
    tab.assert_clean_console()

"""Every page for each reporter with partner trade draws, shows no empty chart card (a page with
nothing says so in one sentence) and leaves a clean console."""

from __future__ import annotations

import pytest

from tests.browser.test_dashboard import Tab, tab  # noqa: F401  (the Tab helper and fixture)

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]
REPORTERS = ("KAZ", "KGZ", "UZB", "RUS")
PATHS = ("/", "/partner", "/products", "/fdi", "/visas", "/briefing")
EMPTY_CARDS = """() => [...document.querySelectorAll('.card .js-plotly-plot')]
    .filter(gd => gd.layout && gd.layout.meta && gd.layout.meta.empty).length"""


@pytest.mark.parametrize("reporter", REPORTERS)
def test_every_page_draws_for_the_reporter_without_empty_cards(tab: Tab, reporter: str) -> None:  # noqa: F811
    for path in PATHS:
        tab.page.goto(f"{tab.base}{path}?reporter={reporter}")
        tab.page.wait_for_selector(".page-gap, .js-plotly-plot .main-svg", timeout=20_000)
        tab.wait_until(lambda: not tab.loading())
        assert tab.page.evaluate(EMPTY_CARDS) == 0, (reporter, path)
        if tab.graph_count() == 0:  # nothing for this reporter: exactly one sentence
            gaps = tab.page.locator(".page-gap").all_inner_texts()
            assert len(gaps) == 1 and gaps[0].endswith("."), (reporter, path, gaps)
    tab.assert_clean_console()

"""The Products page in headless Chromium: it draws for Russia, Kazakhstan and Kyrgyzstan, the
flow and level follow the URL and the controls, and the console stays clean."""

from __future__ import annotations

import pytest

from tests.browser.test_dashboard import Tab, tab  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]


def test_products_page_draws_for_three_reporters_with_a_clean_console(tab: Tab) -> None:  # noqa: F811
    tab.open("/products?reporter=RUS&level=chapter&year=2022")
    graphs = tab.drawn()
    assert len(graphs) == 7 and all(g["traces"] and g["marks"] for g in graphs)
    assert graphs[0]["title"].startswith("Russia's exports by product, 2022")
    assert "HS chapters (2-digit)" in graphs[0]["title"]
    tiles = tab.page.evaluate(
        "() => document.querySelector('[data-chart=\"composition_treemap\"] .js-plotly-plot')"
        ".data[0].labels"
    )
    assert "Not allocated by the publisher" in tiles
    assert tab.dropdown_text("level") == "HS chapters (2-digit)"

    tab.open("/products?reporter=KAZ")
    titles = tab.titles()
    assert titles[0].startswith("Kazakhstan's exports by product, 2019–2021")
    assert "HS sections (HS92)" in titles[0]
    # One OEC period (a 2019–2021 sum): the growth card says why there is no chart.
    assert "give one period only" in tab.page.inner_text("body")

    tab.open("/products?reporter=KGZ")
    assert "the list covers 54.8% of 2023 exports" in tab.titles()[0]
    tab.page.locator(".control-flow label", has_text="Imports").click()
    tab.wait_until(lambda: tab.query().get("flow") == "import")
    tab.wait_until(lambda: tab.titles()[0].startswith("Kyrgyzstan's imports by product"))
    assert "4.03.00.12" in tab.titles()[0]
    tab.assert_clean_console()

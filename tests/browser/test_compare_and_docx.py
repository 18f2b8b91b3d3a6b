"""Issue 14 in the browser: the compare page's chart and sortable table of every partner (CSV
export of all rows), and the Briefing page's Word download. Each test ends with a clean console.
"""

from __future__ import annotations

import csv

import pytest
from docx import Document

from tests.browser import test_dashboard as base
from tests.browser.test_dashboard import Tab

tab = base.tab  # the fixture: a fresh browser context per test
pytestmark = [pytest.mark.browser, pytest.mark.shared_data]
TABLE = '[data-chart="all_partners"]'


def cell(tab: Tab, row: int, column_id: str) -> str:
    """The text of a grid cell by its displayed row (AG Grid renders only the visible rows)."""
    row_ = f'{TABLE} .ag-center-cols-container .ag-row[row-index="{row}"]'
    return tab.page.locator(f'{row_} .ag-cell[col-id="{column_id}"]').inner_text()


def column(tab: Tab, column_id: str, rows: int) -> list[str]:
    return [cell(tab, i, column_id) for i in range(rows)]


def test_compare_chart_and_table_sort_and_export_every_partner(tab: Tab) -> None:
    tab.open("/compare?compare=ITA,DEU,FRA,EUU")
    names = [t["name"] for t in tab.plotted("partners_compared")]
    assert names == ["Italy", "Germany", "France", "European Union (group)"]
    assert tab.query()["compare"] == "ITA,DEU,FRA,EUU"
    title = tab.page.locator(f"{TABLE} .table-title").inner_text()
    total = int(title.split()[1])  # "All 204 partners of Kazakhstan, ..."
    assert total > 150
    tab.wait_until(lambda: tab.page.locator(f"{TABLE} .ag-row").count() > 0)
    assert column(tab, "partner_name", 3) == ["China", "Russia", "Italy"]

    header = tab.page.locator(f'{TABLE} .ag-header-cell[col-id="value_bn"] .ag-header-cell-label')
    header.click()  # ascending: the smallest partner first
    tab.wait_until(lambda: cell(tab, 0, "partner_name") != "China")
    values = [float(v) for v in column(tab, "value_bn", 10)]
    assert values == sorted(values)
    header.click()  # descending: China first again
    tab.wait_until(lambda: cell(tab, 0, "partner_name") == "China")
    assert [int(r) for r in column(tab, "rank", 10)] == list(range(1, 11))

    with tab.page.expect_download() as info:
        tab.page.locator(f"{TABLE} .csv-button").click()
    assert info.value.suggested_filename == "compare_KAZ_2023_turnover_all_partners.csv"
    with open(info.value.path(), newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == total  # every partner, not only the rows on screen
    italy = next(r for r in rows if r["Code"] == "ITA")
    assert (italy["Rank"], italy["Partner"], italy["USD bn"]) == ("3", "Italy", "16.075")
    tab.assert_clean_console()


def test_compare_control_changes_chart_and_url(tab: Tab) -> None:
    tab.open("/compare?compare=ITA,DEU")
    assert len(tab.plotted("partners_compared")) == 2
    tab.page.locator(".control-compare button.dash-dropdown").click()
    tab.page.locator(".dash-dropdown-search").fill("France")
    tab.page.locator("[role=option]", has_text="France").first.click()
    tab.page.keyboard.press("Escape")
    tab.wait_until(lambda: tab.query().get("compare") == "ITA,DEU,FRA")
    tab.wait_until(lambda: len(tab.plotted("partners_compared")) == 3)
    tab.assert_clean_console()


def test_briefing_docx_download_opens_with_sentences_and_charts(tab: Tab) -> None:
    tab.open("/briefing?partner=ITA")
    with tab.page.expect_download(timeout=90_000) as info:
        tab.page.locator(".docx-button").click()
    assert info.value.suggested_filename == "briefing_KAZ-ITA.docx"
    doc = Document(info.value.path())
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "trade turnover was USD 16.1 bn in 2023" in text
    assert "Italy is Kazakhstan's 3rd largest trading partner" in text
    assert len(doc.inline_shapes) >= 3
    tab.assert_clean_console()

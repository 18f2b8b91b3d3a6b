"""The dashboard in headless Chromium: pages draw, controls drive the URL, links restore views,
downloads hold what is plotted, hostile URLs are harmless. Every test ends with a clean console.

Playwright's wait_for_function evaluates strings in the page, which the app's CSP (rightly)
forbids; the helpers below poll from Python instead.
"""

from __future__ import annotations

import csv
import struct
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]
PAGES = ["/", "/partner", "/fdi", "/visas", "/briefing"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRAPHS = "() => [...document.querySelectorAll('.js-plotly-plot')]"


class Tab:
    """A page plus everything its console said."""

    def __init__(self, page: object, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
        self.wait_until(lambda: self.graph_count() > 0 and not self.loading())

    def wait_until(self, check: Callable[[], bool], timeout: float = 15.0) -> None:
        end = time.monotonic() + timeout
        while not check():
            if time.monotonic() > end:
                raise AssertionError(f"timed out after {timeout}s waiting for {check}")
            self.page.wait_for_timeout(100)

    def loading(self) -> bool:
        return bool(self.page.evaluate("() => !!document.querySelector('[data-dash-is-loading]')"))

    def graph_count(self) -> int:
        return self.page.evaluate(GRAPHS + ".length")

    def drawn(self) -> list[dict]:
        """Per graph: traces in its data, and SVG marks Plotly actually drew."""
        return self.page.evaluate(
            GRAPHS
            + """.map(gd => ({
                traces: (gd.data || []).length,
                marks: gd.querySelectorAll('g.trace, g.slice, g.point, path.surface').length,
                title: (gd.querySelector('.gtitle') || {}).textContent || ''}))"""
        )

    def titles(self) -> list[str]:
        return [g["title"] for g in self.drawn()]

    def plotted(self, chart: str) -> list[dict]:
        return self.page.evaluate(
            f"""() => document.querySelector('[data-chart="{chart}"] .js-plotly-plot').data
                .map(t => ({{name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || [])}}))"""
        )

    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.page.url).query).items()}

    def choose(self, control: str, label: str) -> None:
        """Pick an option of a Dash 4 dropdown by typing into its search box."""
        self.page.locator(f".control-{control} button.dash-dropdown").click()
        self.page.locator(".dash-dropdown-search").fill(label)
        self.page.locator("[role=option]", has_text=label).first.click()

    def dropdown_text(self, control: str) -> str:
        return self.page.locator(f".control-{control} .dash-dropdown-value").inner_text()

    def assert_clean_console(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs


@pytest.fixture
def tab(browser, live_server: str) -> Iterator[Tab]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 900})
    page = context.new_page()
    try:
        yield Tab(page, live_server)
    finally:
        context.close()


def test_every_page_draws_its_charts(tab: Tab) -> None:
    for path in PAGES:
        tab.open(path)
        graphs = tab.drawn()
        assert graphs, path
        assert any(g["traces"] > 0 and g["marks"] > 0 for g in graphs), (path, graphs)
        for g in graphs:  # a chart is either drawn or says why not: never blank axes
            assert g["title"], (path, g)
    tab.assert_clean_console()


def test_changing_partner_updates_charts_and_url_and_back_restores(tab: Tab) -> None:
    tab.open("/partner?partner=ITA")
    assert "Kazakhstan–Italy" in tab.titles()[0]
    requests: list[str] = []
    tab.page.on("request", lambda r: "_dash-update-component" in r.url and requests.append(r.url))
    tab.choose("partner", "China")
    tab.wait_until(lambda: tab.query().get("partner") == "CHN")
    tab.wait_until(lambda: "Kazakhstan–China" in tab.titles()[0])
    assert urlsplit(tab.page.url).path == "/partner"
    tab.page.wait_for_timeout(500)
    assert len(requests) == 1  # one callback; the URL change did not re-render the page
    assert "partner=CHN" in tab.page.locator(".nav a", has_text="Investment").get_attribute("href")
    tab.page.go_back()
    tab.wait_until(lambda: "Kazakhstan–Italy" in tab.titles()[0])
    assert tab.dropdown_text("partner") == "Italy"
    tab.assert_clean_console()


def test_opening_a_url_restores_the_view(tab: Tab) -> None:
    tab.open("/partner?partner=CHN&flow=export&start=2019&end=2022")
    assert tab.dropdown_text("partner") == "China"
    assert tab.page.locator(".control-flow input[value=export]").is_checked()
    titles = tab.titles()
    assert any("compound annual growth, 2019–2022" in t for t in titles), titles
    assert any("Kazakhstan–China exports: change" in t for t in titles), titles
    tab.open("/?year=2021&flow=import&aggregates=true")
    assert tab.dropdown_text("year") == "2021"
    assert tab.page.locator(".control-aggregates input").is_checked()
    assert "partner groups, 2021" in tab.titles()[0]
    tab.assert_clean_console()


def test_modebar_png_download_is_a_png_at_twice_the_size(tab: Tab) -> None:
    tab.open("/partner?partner=ITA")
    card = tab.page.locator('[data-chart="flows"]')
    card.locator(".js-plotly-plot").hover()
    with tab.page.expect_download() as info:
        card.locator('.modebar-btn[data-title^="Download plot"]').click()
    download = info.value
    assert download.suggested_filename == "partner_KAZ-ITA_2023_flows.png"
    data = open(download.path(), "rb").read()  # noqa: SIM115 - small file, read once
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    assert (width, height) == (2400, 1400)
    tab.assert_clean_console()


def test_csv_download_matches_the_plotted_values(tab: Tab) -> None:
    tab.open("/partner?partner=ITA")
    for chart in ("flows", "rank_share"):
        with tab.page.expect_download() as info:
            tab.page.locator(f'[data-chart="{chart}"] .csv-button').click()
        download = info.value
        flow = "turnover_" if chart == "rank_share" else ""
        assert download.suggested_filename == f"partner_KAZ-ITA_2023_{flow}{chart}.csv"
        with open(download.path(), newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        from_csv = {(r["series"], r["year"]): float(r["value"]) for r in rows if r["value"] != ""}
        plotted = {
            (t["name"], str(x)): float(y)
            for t in tab.plotted(chart)
            for x, y in zip(t["x"], t["y"], strict=True)
            if y is not None
        }
        assert from_csv == plotted, chart
    assert plotted[("Rank", "2023")] == 3
    tab.assert_clean_console()


def test_script_in_the_url_shows_the_default_and_a_notice(tab: Tab) -> None:
    tab.open("/partner?partner=<script>alert(1)</script>")
    notice = tab.page.locator(".notice")
    assert notice.is_visible()
    assert "Unknown partner code" in notice.inner_text()
    # The default partner is the reporter's top partner: China for Kazakhstan.
    assert tab.dropdown_text("partner") == "China"
    assert "Kazakhstan–China" in tab.titles()[0]
    html = tab.page.content()
    assert "<script>alert(1)" not in html and "alert(1)" not in html
    tab.assert_clean_console()

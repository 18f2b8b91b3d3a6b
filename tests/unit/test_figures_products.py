"""Products page on the real clean data, and a pair's composition from a Comtrade HS file.

The numbers are the ones a reader checks against the publishers' tables: FCS's 2022 export
table by HS chapter (an unallocated remainder of USD 7,306.9 million), OEC/BACI's Kazakh
exports by HS section summed over 2019-2021 (Mineral Products USD 108,523,154,206), the Kyrgyz
NSC list of main export goods (54.8% of 2023 exports).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dashboard import briefing, controls, layout, query, views
from dashboard.data import CleanData, Store
from dashboard.figures import products as product_figures
from dashboard.state import ViewState
from etl import paths, pipeline
from etl.sources import comtrade

UNALLOCATED = "Not allocated by the publisher"


@pytest.fixture(scope="module")
def data(clean_dir: Path) -> CleanData:
    return Store(clean_dir).get()


def _view(data: CleanData, **query_: str) -> tuple[ViewState, dict]:
    state = layout.state_from_query("products", data, query_)
    return state, views.products_view(data, state)


@pytest.mark.shared_data
def test_russia_2022_exports_by_chapter_keep_the_unallocated_row_apart(data: CleanData) -> None:
    state, figs = _view(data, reporter="RUS", level="chapter", year="2022")
    assert (state.flow, state.level, state.year, state.notices) == ("export", "chapter", 2022, ())
    tiles = figs["composition_treemap"].data[0]
    labels = list(tiles.labels)
    assert labels[0].startswith("27 Mineral fuels")
    # The remainder FCS publishes as its own row: one grey tile, never spread over chapters.
    at = labels.index(UNALLOCATED)
    assert tiles.values[at] == pytest.approx(7.30693, abs=1e-4)  # USD bn = 7,306.9 million
    assert tiles.marker.colors[at] == product_figures.UNALLOCATED_COLOUR
    assert tiles.customdata[at][0] == "1.2%"  # of the published total, USD 591.5 bn
    assert tiles.customdata[0][0] == "64.9%"  # chapter 27
    bars = figs["composition_bars"].data[0]
    assert list(bars.y)[-1] == UNALLOCATED
    assert bars.x[-1] == pytest.approx(7.30693, abs=1e-4)
    assert list(bars.y).count(UNALLOCATED) == 1
    subtitle = figs["composition_treemap"].layout.title.text
    assert "HS chapters (2-digit)" in subtitle and "USD 591.5 bn" in subtitle
    assert "FCS Russia" in figs["composition_treemap"].layout.annotations[-1].text
    # What changed 2022 on 2021: chapter 71 (precious stones and metals) fell USD 13.1 bn.
    changed = figs["what_changed"].data[0]
    falls = dict(zip(changed.y, changed.x, strict=True))
    assert falls["71 Natural or cultured pearls…"] == pytest.approx(-13.083, abs=0.001)


@pytest.mark.shared_data
def test_russia_concentration_by_product_and_by_partner(data: CleanData) -> None:
    _, figs = _view(data, reporter="RUS", level="chapter", year="2022")
    top1, top3, hhi = figs["concentration_products"].data
    assert list(top1.x) == [2021, 2022]
    assert top1.y[-1] == pytest.approx(64.88, abs=0.01)  # chapter 27 of the published total
    assert top3.y[-1] == pytest.approx(76.0, abs=0.01)
    assert hhi.y[-1] == pytest.approx(0.4311, abs=1e-4)
    # By partner: FCS's annual rows name the CIS only, so IMF DOTS (all partners) is used.
    partners = figs["concentration_partners"]
    assert "IMF" in partners.layout.annotations[-1].text
    assert max(partners.data[0].y) > 10  # China's share, not Belarus's 4.7% of FCS's CIS rows


@pytest.mark.shared_data
def test_kazakhstan_oec_mineral_products_are_65_percent_top1(data: CleanData) -> None:
    state, figs = _view(data, reporter="KAZ")
    assert (state.flow, state.level, state.year) == ("export", None, 2021)  # default level
    assert query.product_choice(data, state) == query.ProductChoice("export", "section", 2021)
    tiles = figs["composition_treemap"].data[0]
    assert tiles.labels[0] == "Mineral Products"
    assert tiles.values[0] == pytest.approx(108.5232, abs=1e-4)  # USD bn, 4 decimals
    assert tiles.customdata[0][0] == "65.1%"
    title = figs["composition_treemap"].layout.title.text
    assert "HS sections (HS92)" in title and "2019–2021 (3-year sum)" in title
    top1 = figs["concentration_products"].data[0]
    assert top1.y[0] == pytest.approx(65.12, abs=0.01)
    history = query.product_history(data, "KAZ", "export", "section")
    conc = query.product_concentration(history).iloc[0]
    assert conc["top1_share"] == pytest.approx(0.6512, abs=1e-4)
    assert conc["top1_code"] == "5"
    top = history[history["product_code"] == "5"]["value"].iloc[0]
    assert top == pytest.approx(108_523_154_206, abs=1)  # USD, as OEC publishes it
    # One period only: no growth, and one card says so instead of three empty ones.
    assert figs["growth"].layout.meta["empty"]
    assert "what_changed" not in figs and "share_history" not in figs


@pytest.mark.shared_data
def test_kyrgyz_main_goods_subtitle_states_the_list_coverage(data: CleanData) -> None:
    state, figs = _view(data, reporter="KGZ")
    assert query.product_choice(data, state) == query.ProductChoice("export", "national", 2023)
    title = figs["composition_treemap"].layout.title.text
    assert "national list (NSC KG 4.03.00.10 main goods)" in title
    assert "the list covers 54.8% of 2023 exports" in title
    tiles = figs["composition_treemap"].data[0]
    assert tiles.labels[0] == "Gold"
    assert product_figures.NOT_LISTED in tiles.labels  # the 45.2% the list leaves out
    at = list(tiles.labels).index(product_figures.NOT_LISTED)
    assert tiles.customdata[at][0] == "45.2%"
    gold = figs["share_history"].data[0]  # gold's share of all exports, 1995-2023
    assert (gold.name, gold.x[0], gold.x[-1]) == ("Gold", 1995, 2023)
    assert gold.y[-1] == pytest.approx(37.94, abs=0.01)


@pytest.mark.shared_data
def test_unknown_level_and_missing_flow_fall_back_with_a_notice(data: CleanData) -> None:
    state = layout.state_from_query("products", data, {"reporter": "KAZ", "level": "chapter"})
    assert state.level is None and state.year == 2021
    assert any("by chapter" in n for n in state.notices)
    state = layout.state_from_query("products", data, {"reporter": "KAZ", "flow": "import"})
    assert state.flow == "export" and any("No imports by product" in n for n in state.notices)
    state = layout.state_from_query("products", data, {"reporter": "KAZ", "level": "x<y>"})
    assert state.level is None and any("'level' must be one of" in n for n in state.notices)
    labels = [o["label"] for o in controls.level_options(data, ViewState(reporter="RUS"))]
    assert labels == ["HS chapter groups", "HS chapters (2-digit)", "HS sections (HS92)"]


@pytest.mark.shared_data
def test_briefing_states_the_largest_product_with_its_source(data: CleanData) -> None:
    sentences = briefing.briefing_sentences(data, ViewState(reporter="KAZ", partner="ITA"))
    hit = [s for s in sentences if s.topic == "products"]
    assert len(hit) == 1
    assert hit[0].text.startswith("Mineral products made up 65.1% of Kazakhstan's exports in ")
    assert "2019–2021" in hit[0].text and "OEC/BACI, HS sections (HS92), 3-year sum" in hit[0].text
    assert "BACI HS92" in hit[0].footnotes[0].citation


@pytest.mark.shared_data
def test_partner_page_says_which_source_would_give_the_pair_composition(
    data: CleanData,
) -> None:
    fig = views.partner_view(data, ViewState(reporter="KAZ", partner="ITA"))["products"]
    assert fig.layout.meta["empty"]
    assert "UN Comtrade HS files in data/raw/un-comtrade/" in fig.layout.meta["message"]


# ---- a Comtrade HS file: the pair's composition on the Partner page -----------------------

HS2 = {"27": 7_000_000_000, "26": 1_500_000_000, "72": 900_000_000, "28": 600_000_000}
HS2_IMPORTS = {"84": 1_200_000_000, "87": 800_000_000}
ROW = {
    "typeCode": "C", "freqCode": "A", "period": "2023", "refYear": "2023",
    "reporterCode": "398", "reporterISO": "KAZ", "flowCode": "X", "partner2Code": "0",
    "classificationCode": "H6", "customsCode": "C00", "motCode": "0", "mosCode": "0",
    "qtyUnitCode": "-1", "isAggregate": "True",
}  # fmt: skip


def _write_comtrade(folder: Path) -> None:
    """KAZ trade 2023 in the Comtrade+ 47-column layout: World and Italy TOTAL rows, and
    Italy by HS chapter adding up to Italy's TOTAL, for exports (X) and imports (M)."""
    rows = []
    for flow, chapters, world in (("X", HS2, "60000000000"), ("M", HS2_IMPORTS, "40000000000")):
        rows += [
            {"flowCode": flow, "partnerCode": "0", "cmdCode": "TOTAL", "primaryValue": world},
            {
                "flowCode": flow,
                "partnerCode": "381",
                "cmdCode": "TOTAL",
                "primaryValue": str(sum(chapters.values())),
            },
            *(
                {"flowCode": flow, "partnerCode": "381", "cmdCode": c, "primaryValue": str(v)}
                for c, v in chapters.items()
            ),
        ]
    folder.mkdir(parents=True)
    with (folder / "kaz_ita_hs2_2023.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(comtrade.COLUMNS)
        for row in rows:
            values = ROW | {"aggrLevel": "2" if row["cmdCode"] != "TOTAL" else "0"} | row
            writer.writerow([values.get(c, "") for c in comtrade.COLUMNS])


def test_comtrade_hs_rows_give_the_pair_composition_on_the_partner_page(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _write_comtrade(raw / "un-comtrade")
    clean = tmp_path / "clean"
    pipeline.run(raw, clean, paths.facts_file(), only=["un-comtrade"])
    data = Store(clean).get()
    query_ = {"reporter": "KAZ", "partner": "ITA", "flow": "export"}
    state = layout.state_from_query("partner", data, query_)
    rows = query.pair_products(data, "KAZ", "ITA")
    exports = rows[rows["flow"] == "export"]
    assert exports["value"].sum() == exports["total"].iloc[0] == sum(HS2.values())
    fig = views.partner_view(data, state)["products"]
    assert not (fig.layout.meta or {}).get("empty")
    (bars,) = fig.data  # the selected flow only
    assert bars.name == "Exports" and bars.y[0].startswith("HS 27: Mineral fuels")
    assert list(bars.x) == pytest.approx([7.0, 1.5, 0.9, 0.6])  # USD bn, largest first
    assert list(bars.text) == ["70.0%", "15.0%", "9.0%", "6.0%"]  # of the pair's TOTAL
    assert "2023" in fig.layout.title.text and "UN Comtrade" in fig.layout.annotations[-1].text
    # Turnover selected: exports and imports side by side, each against its own TOTAL.
    both = views.partner_view(
        data, layout.state_from_query("partner", data, query_ | {"flow": "turnover"})
    )
    assert [t.name for t in both["products"].data] == ["Exports", "Imports"]
    imports = both["products"].data[1]
    assert [t for t in imports.text if t] == ["60.0%", "40.0%"]  # of Italy's 2.0 bn TOTAL

"""Issue 10: the Overview's world-context card, from UN Comtrade+ totals of every reporter.

The expected rank and share are recomputed here from the downloaded CSVs themselves. A clean
folder built before the pipeline read `un-comtrade-plus-2023-2024` gets those World rows added,
so the card is tested either way.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from dashboard import query, views
from dashboard.data import CleanData, Store, _categorise
from dashboard.figures import context as world_figures
from dashboard.state import ViewState
from tests.conftest import source_folder

pytestmark = pytest.mark.shared_data
SOURCE = "un-comtrade-plus-2023-2024"


def comtrade_plus_world_rows(folder: Path) -> pd.DataFrame:
    """Every reporter's total with the World (partnerCode 0) as tidy trade rows, USD."""
    raw = pd.concat(
        [pd.read_csv(f, encoding="latin-1", index_col=False) for f in sorted(folder.glob("*.csv"))]
    )
    raw = raw[(raw["partnerCode"] == 0) & (raw["cmdCode"] == "TOTAL")]
    start = pd.to_datetime(raw["refYear"].astype(str) + "-01-01")
    return pd.DataFrame(
        {
            "source": SOURCE,
            "reporter": raw["reporterISO"].astype(str).to_numpy(),
            "partner": "WLD",
            "partner_is_aggregate": True,
            "commodity": "TOTAL",
            "flow": raw["flowCode"].map({"X": "export", "M": "import"}).to_numpy(),
            "value": raw["primaryValue"].to_numpy(),
            "value_usd": raw["primaryValue"].to_numpy(),
            "currency": "USD",
            "basis": "year",
            "period_start": start.to_numpy(),
            "period_end": (start + pd.offsets.YearEnd(0)).to_numpy(),
            "vintage": "Downloaded 2025-04-04",
        }
    )


@pytest.fixture(scope="module")
def world_rows(shared_data: Path) -> pd.DataFrame:
    return comtrade_plus_world_rows(source_folder(shared_data, SOURCE))


@pytest.fixture(scope="module")
def data(clean_dir: Path, world_rows: pd.DataFrame) -> CleanData:
    base = Store(clean_dir).get()
    if SOURCE in set(base.trade_all["source"].astype(str)):
        return base  # the pipeline reads the folder
    frames = dict(base.frames)
    trade = pd.concat([query.plain(base.trade_all), world_rows], ignore_index=True)
    frames["trade_all"] = _categorise(trade)
    return replace(base, version=base.version + "+comtrade-plus", frames=frames)


def test_kazakhstan_2023_export_rank_43_of_152(data: CleanData, world_rows) -> None:
    # recomputed from the frame: KAZ's 2023 exports against every reporter's
    x = world_rows[(world_rows["flow"] == "export") & (world_rows["period_start"].dt.year == 2023)]
    kaz = float(x.loc[x["reporter"] == "KAZ", "value_usd"].iloc[0])
    expected_rank = int((x["value_usd"] > kaz).sum()) + 1
    expected_share = kaz / x["value_usd"].sum()
    assert (expected_rank, len(x)) == (43, 152)
    assert expected_share * 100 == pytest.approx(0.35515, abs=5e-6)

    source, rows = query.world_context(data)
    assert source == SOURCE
    me = world_figures.standing(rows, "KAZ", 2023, "export")
    assert int(me["rank"]) == expected_rank
    assert int(me["reporters_count"]) == 152
    assert float(me["share"]) == pytest.approx(expected_share, rel=1e-12)


def test_overview_card_shows_rank_share_neighbours_and_coverage(data: CleanData) -> None:
    fig = views.overview_view(data, ViewState())["world_context"]
    subtitle = fig.layout.title.text
    assert "Kazakhstan's place among reporters to UN Comtrade, 2023" in subtitle
    assert "Exports: #43 of 152, 0.355%" in subtitle
    assert "2024: 53 reporters had reported by April 2025 — partial" in subtitle
    exports = fig.data[0]
    assert len(exports.y) == 11  # ranks 38..48
    assert exports.y[5] == "#43 Kazakhstan"
    assert exports.x[5] == pytest.approx(78.74, abs=0.01)  # USD bn, PROVENANCE check figure
    note = next(a.text for a in fig.layout.annotations if str(a.text).startswith("Source:"))
    assert "UN Comtrade+" in note and "data to Dec 2023" in note and "2025-04-04" in note


def test_no_card_without_comtrade_data(data: CleanData) -> None:
    frames = dict(data.frames)
    t = data.trade_all
    frames["trade_all"] = t[~t["source"].isin(query.WORLD_CONTEXT_SOURCES)]
    without = replace(data, version=data.version + "-no-comtrade", frames=frames)
    assert query.world_context(without) is None
    figures = views.overview_view(without, ViewState())
    assert "world_context" not in figures and "top_partners" in figures


def test_no_card_for_a_reporter_comtrade_does_not_list(data: CleanData) -> None:
    _, rows = query.world_context(data)
    assert world_figures.world_rank(rows[rows["reporter"] != "KAZ"], "KAZ", 2023, "", None) is None

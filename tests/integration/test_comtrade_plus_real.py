"""Comtrade+ downloads (un-comtrade-plus-2023-2024) through the existing Comtrade reader, and the
world context (rank and share among reporters) computed from them.

The files are ISO-8859-1 («Türkiye», «Côte d'Ivoire» in reporterDesc), yet the reader takes them
as they are: it parses only code and value columns (ASCII), never the description columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.schemas import Trade
from etl.sources import comtrade
from etl.world_context import world_context
from tests.conftest import source_folder

pytestmark = pytest.mark.shared_data
FOLDER = "un-comtrade-plus-2023-2024"


@pytest.fixture(scope="module")
def trade(shared_data: Path) -> pd.DataFrame:
    folder = source_folder(shared_data, FOLDER)
    files = comtrade.data_files(folder)
    assert len(files) == 4
    dropped = comtrade.DropLog()
    chunks = [chunk for path in files for chunk in comtrade.iter_chunks(path, dropped=dropped)]
    assert dropped.count == 0  # every row is a reporter's TOTAL with the World or the USA
    return pd.concat(chunks, ignore_index=True)


def value(trade: pd.DataFrame, reporter: str, partner: str, flow: str, year: int) -> float:
    hit = trade[
        (trade["reporter"] == reporter)
        & (trade["partner"] == partner)
        & (trade["flow"] == flow)
        & (trade["period_start"] == pd.Timestamp(year, 1, 1))
    ]
    assert len(hit) == 1, hit
    return float(hit["value"].iloc[0])


def test_files_are_latin1_and_still_read(shared_data: Path) -> None:
    raw = (source_folder(shared_data, FOLDER) / "TradeData_4_4_2025_15_19_17.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "Côte d'Ivoire" in raw.decode("latin-1")


def test_kazakhstan_2023_with_world_and_usa_match_provenance(trade: pd.DataFrame) -> None:
    Trade.validate(trade, lazy=True)
    assert value(trade, "KAZ", "WLD", "export", 2023) == pytest.approx(78_735_590_866.92, abs=0.01)
    assert value(trade, "KAZ", "WLD", "import", 2023) == pytest.approx(61_160_501_425.8, abs=0.01)
    assert value(trade, "KAZ", "USA", "export", 2023) == pytest.approx(1_509_870_177.22, abs=0.01)
    assert value(trade, "KAZ", "USA", "import", 2023) == pytest.approx(2_556_763_288.86, abs=0.01)
    kaz = trade[trade["reporter"] == "KAZ"]
    assert set(kaz["period_start"].dt.year) == {2023}  # no 2024 row in these downloads
    assert set(kaz["basis"]) == {"year"}
    # Countries written in Latin-1 in the file are read by their codes.
    assert {"TUR", "CIV"} <= set(trade["reporter"].astype(str))


def test_world_context_ranks_kazakhstan_and_shares_the_reported_total(
    trade: pd.DataFrame,
) -> None:
    context = world_context(trade)
    exports_2023 = context[(context["year"] == 2023) & (context["flow"] == "export")]
    kaz = exports_2023.set_index("reporter").loc["KAZ"]
    reported_world = trade[
        (trade["partner"] == "WLD")
        & (trade["flow"] == "export")
        & (trade["period_start"].dt.year == 2023)
    ]["value"].sum()
    assert kaz["share"] == pytest.approx(78_735_590_866.92 / reported_world)
    assert kaz["share"] == pytest.approx(0.0035515, abs=1e-7)  # 0.355 % of reported exports
    assert kaz["rank"] == 43
    assert kaz["reporters_count"] == 152
    assert kaz["coverage_note"] == ""
    assert exports_2023.set_index("rank").loc[1, "reporter"] == "CHN"
    assert exports_2023["share"].sum() == pytest.approx(1.0)


def test_world_context_says_2024_is_partial(trade: pd.DataFrame) -> None:
    context = world_context(trade)
    y2024 = context[context["year"] == 2024]
    assert set(y2024["reporters_count"]) == {53}
    assert y2024["coverage_note"].str.startswith("partial: 53 reporters").all()
    assert "KAZ" not in set(y2024["reporter"])

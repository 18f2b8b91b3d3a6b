"""Eurostat Comext downloads without codes (EU trade with KGZ, UZB, RUS, ARM) on the real files.

Figures are the cells of named files in ../shared/data/eurostat-comext-eu-trade-with-neighbours-
monthly/ (see its PROVENANCE.md): each folder holds 68 months, January 2019 to August 2024, and
imports-from-KGZ holds February 2024 twice.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl import schemas
from etl.sources import eurostat_comext_neighbours as neighbours
from etl.sources import load
from etl.sources.base import SourceResult
from tests.conftest import source_folder

GERMANY = "DEU"
EU27 = "EUU"
RV = "Relational_View_2024-11-"  # the files' names: download time, UTC
FEB_TWICE = "imports-from-KGZ/Relational_View_2024-11-16T04_52_25.930Z.csv"
FEB_KEPT = "imports-from-KGZ/Relational_View_2024-11-16T04_50_00.553Z.csv"


@pytest.fixture(scope="module")
def result(shared_data: Path) -> SourceResult:
    return load(neighbours.SOURCE, source_folder(shared_data, neighbours.SOURCE))


@pytest.fixture(scope="module")
def trade(result: SourceResult) -> pd.DataFrame:
    return result.frames["trade"]


def one(trade: pd.DataFrame, reporter: str, flow: str, partner: str, month: str) -> pd.Series:
    rows = trade[
        (trade["reporter"] == reporter)
        & (trade["flow"] == flow)
        & (trade["partner"] == partner)
        & (trade["period_start"] == pd.Timestamp(month))
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("flow", "partner", "reporter", "month", "value", "file"),
    [
        (
            "export",
            "KGZ",
            GERMANY,
            "2024-08",
            56_858_255,
            "exports-to-KGZ/" + RV + "16T05_46_58.864Z.csv",
        ),
        (
            "import",
            "KGZ",
            GERMANY,
            "2024-08",
            821_296,
            "imports-from-KGZ/" + RV + "16T04_51_42.930Z.csv",
        ),
        (
            "export",
            "UZB",
            GERMANY,
            "2024-08",
            164_151_520,
            "exports-to-UZB/" + RV + "25T16_44_48.123Z.csv",
        ),
        (
            "export",
            "RUS",
            GERMANY,
            "2024-08",
            628_069_989,
            "exports-to-RUS/" + RV + "16T07_39_22.386Z.csv",
        ),
        (
            "export",
            "ARM",
            EU27,
            "2024-08",
            162_635_477,
            "exports-to-ARM/" + RV + "16T06_38_12.719Z.csv",
        ),
        ("import", "KGZ", GERMANY, "2024-02", 1_546_487, FEB_KEPT),
    ],
)
def test_one_value_per_folder_as_in_the_file(
    trade: pd.DataFrame, flow: str, partner: str, reporter: str, month: str, value: int, file: str
) -> None:
    row = one(trade, reporter, flow, partner, month)
    assert row["value"] == value and row["currency"] == "EUR"
    assert row["valuation"] == ("FOB" if flow == "export" else "CIF")
    assert row["location"].startswith(f"{file}: line ")


def test_every_folder_covers_68_months(trade: pd.DataFrame) -> None:
    months = trade.groupby(["flow", "partner"])["period_start"].agg(["nunique", "min", "max"])
    assert months["nunique"].to_dict() == {
        ("export", "ARM"): 68,
        ("export", "KGZ"): 68,
        ("export", "RUS"): 68,
        ("export", "UZB"): 68,
        ("import", "KGZ"): 68,
    }
    assert set(months["min"]) == {pd.Timestamp(2019, 1, 1)}
    assert set(months["max"]) == {pd.Timestamp(2024, 8, 1)}
    assert set(trade["basis"]) == {"month"} and set(trade["commodity"]) == {"TOTAL"}


def test_february_2024_downloaded_twice_is_counted_once(
    result: SourceResult, trade: pd.DataFrame
) -> None:
    feb = trade[(trade["flow"] == "import") & (trade["period_start"] == pd.Timestamp(2024, 2, 1))]
    assert not feb.duplicated(["reporter"]).any()
    assert set(feb["location"].str.split(":").str[0]) == {FEB_KEPT}
    assert {d.file for d in result.dropped} == {FEB_TWICE}
    assert len(result.dropped) == len(feb)  # every row of the second copy, one note each
    assert all("counted once" in d.reason for d in result.dropped)
    assert result.rows_in == len(trade) + len(result.dropped)


def test_frame_is_valid_with_aggregates_flagged(result: SourceResult, trade: pd.DataFrame) -> None:
    schemas.Trade.validate(trade, lazy=True)
    assert set(trade["partner"]) == {"KGZ", "UZB", "RUS", "ARM"}
    assert set(trade.loc[trade["partner"] == "RUS", "partner_label"]) == {
        "Russian Federation (Russia)"
    }
    aggregates = trade[trade["flag"] == "aggregate reporter"]
    assert set(aggregates["reporter"]) == {"EUU", "XEM", "EMU", "XZM"}
    assert result.unread == [{"file": "PROVENANCE.md", "reason": "documentation, not data"}]

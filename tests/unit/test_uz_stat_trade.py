"""Uzbekistan (stat.uz) exports/imports by partner: real check figures and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import schemas
from etl.errors import InputError
from etl.sources import uz_stat_trade
from tests.conftest import source_folder


@pytest.fixture(scope="module")
def trade(shared_data: Path):
    folder = source_folder(shared_data, uz_stat_trade.SOURCE)
    return uz_stat_trade.load(folder).frames["trade"]


def _one(trade, flow: str, partner: str, year: int):
    rows = trade[
        (trade["flow"] == flow)
        & (trade["partner"] == partner)
        & (trade["period_start"].dt.year == year)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def test_exports_to_kazakhstan_2023_in_thousand_and_base_units(trade) -> None:
    row = _one(trade, "export", "KAZ", 2023)
    assert row["value_original"] == pytest.approx(1417053.6)
    assert row["unit_original"] == "thousand USD"
    assert row["value"] == pytest.approx(1_417_053_600)
    assert row["value_usd"] == pytest.approx(1_417_053_600)
    assert row["reporter"] == "UZB" and row["currency"] == "USD"
    assert row["location"] == "sdmx_data_1105.csv, line 45, column 2023"


def test_exports_to_kazakhstan_2021_to_2023(trade) -> None:
    got = [_one(trade, "export", "KAZ", y)["value_original"] for y in (2021, 2022, 2023)]
    assert got == pytest.approx([1178376.7, 1407547.5, 1417053.6])


def test_world_is_the_derived_sum_of_partners(trade) -> None:
    world = _one(trade, "export", "WLD", 2023)
    assert world["value_original"] == pytest.approx(24869366.3)
    assert world["partner_is_aggregate"]
    assert world["flag"] == "sum of partners (no total published)"
    assert "sum of partners (no total published)" in world["citation"]
    assert _one(trade, "import", "WLD", 2023)["value_original"] == pytest.approx(38659064.8)


def test_imports_from_china_2023(trade) -> None:
    assert _one(trade, "import", "CHN", 2023)["value_original"] == pytest.approx(11339099.0)


def test_frame_passes_the_trade_schema(trade) -> None:
    schemas.Trade.validate(trade, lazy=True)


def _csv(tmp_path: Path, name: str, code: str = "398") -> Path:
    path = tmp_path / name
    text = (
        "\ufeffCode,Klassifikator,Klassifikator_ru,Klassifikator_en,2022,2023\n"
        f"{code},Qozog'iston,Казахстан,Kazakhstan,1.5,2.5\n"
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_a_code_that_maps_to_nothing_is_an_error(tmp_path: Path) -> None:
    path = _csv(tmp_path, "sdmx_data_1105.csv", code="999")
    with pytest.raises(InputError) as exc:
        uz_stat_trade.normalize(uz_stat_trade.read(path))
    assert exc.value.problems[0].column == "Code"
    assert exc.value.problems[0].value == "999"


def test_an_unknown_dataset_id_is_refused_not_guessed(tmp_path: Path) -> None:
    path = _csv(tmp_path, "sdmx_data_2000.csv")
    with pytest.raises(InputError, match=r"unknown stat\.uz dataset id"):
        uz_stat_trade.normalize(uz_stat_trade.read(path))

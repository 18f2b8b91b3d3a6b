"""Kyrgyzstan (NSC) exports/imports by partner: real check figures, groups, footnotes, units."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from etl import schemas
from etl.errors import InputError
from etl.sources import kg_nsc_trade
from tests.conftest import source_folder

EXPORTS = "kg_nsc_4.03.00.18_exports_by_country.xlsx"
IMPORTS = "kg_nsc_4.03.00.20_imports_by_country.xlsx"


@pytest.fixture(scope="module")
def folder(shared_data: Path) -> Path:
    return source_folder(shared_data, kg_nsc_trade.SOURCE)


@pytest.fixture(scope="module")
def trade(folder: Path):
    return kg_nsc_trade.load(folder).frames["trade"]


def _value(trade, flow: str, partner: str, year: int) -> float:
    rows = trade[
        (trade["flow"] == flow)
        & (trade["partner"] == partner)
        & (trade["period_start"].dt.year == year)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("flow", "partner", "thousand_usd"),
    [
        ("export", "WLD", 3384856.093),
        ("export", "KAZ", 449009.325),
        ("export", "RUS", 823728.781),
        ("export", "CHN", 80446.343),
        ("import", "WLD", 12351968.058),
        ("import", "CHN", 5353257.336),
        ("import", "KAZ", 862182.567),
    ],
)
def test_2023_check_figures(trade, flow: str, partner: str, thousand_usd: float) -> None:
    row = _value(trade, flow, partner, 2023)
    assert row["value_original"] == pytest.approx(thousand_usd)
    assert row["value"] == pytest.approx(thousand_usd * 1000)
    assert row["unit_original"] == "thousand USD"
    assert row["reporter"] == "KGZ"


def test_groups_are_flagged_aggregates(trade) -> None:
    groups = trade[trade["partner_label"].isin(["The EU", "CIS", "SCO", "EAEU", "Europe"])]
    assert set(groups["partner"]) == {"EUU", "XCS", "XSC", "XEA", "XEC"}
    assert groups["partner_is_aggregate"].all()
    assert not _value(trade, "export", "KAZ", 2023)["partner_is_aggregate"]


def test_preliminary_year_is_flagged_from_the_footnote(trade) -> None:
    assert _value(trade, "import", "CHN", 2023)["flag"] == "preliminary"
    assert _value(trade, "import", "CHN", 2022)["flag"] is None or (
        str(_value(trade, "import", "CHN", 2022)["flag"]) == "<NA>"
    )
    assert str(_value(trade, "export", "KAZ", 2023)["flag"]) == "<NA>"


def test_dash_means_no_row(trade) -> None:
    # Andorra exports: '-' in 2021-2023 in the file
    andorra = trade[(trade["partner"] == "AND") & (trade["flow"] == "export")]
    assert 2023 not in set(andorra["period_start"].dt.year)


def test_location_names_the_cell_and_valuation_is_unknown(trade) -> None:
    row = _value(trade, "export", "KAZ", 2023)
    assert row["location"] == f"{EXPORTS}, sheet 'Лист1', row 72, column AG"
    assert row["valuation"] == "unknown"


def test_frame_passes_the_trade_schema(trade) -> None:
    schemas.Trade.validate(trade, lazy=True)


def test_footnote_marker_glued_to_a_label_is_stripped(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / EXPORTS
    shutil.copy(folder / EXPORTS, path)
    book = openpyxl.load_workbook(path, data_only=True)  # keeps the saved values
    sheet = book.active
    sheet["C5"] = "Total 2"
    sheet["B5"] = "Всего2"
    sheet["C170"] = "2 Including estimates"
    book.save(path)
    tidy = kg_nsc_trade.normalize(kg_nsc_trade.read(path))
    world = tidy[(tidy["partner"] == "WLD") & (tidy["period_start"].dt.year == 2023)].iloc[0]
    assert world["partner_label"] == "Total"
    assert world["flag"] == "note 2: Including estimates"


def test_a_table_in_som_is_refused_never_read_as_usd(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / EXPORTS
    shutil.copy(folder / EXPORTS, path)
    book = openpyxl.load_workbook(path, data_only=True)  # keeps the saved values
    sheet = book.active
    sheet["A2"] = "(миң сом)"
    sheet["B2"] = "(тыс. сомов)"
    sheet["C2"] = "(thousand soms)"
    book.save(path)
    with pytest.raises(InputError) as exc:
        kg_nsc_trade.read(path)
    values = {p.value for p in exc.value.problems}
    assert "(тыс. сомов)" in values
    assert all("not read as USD" in p.rule for p in exc.value.problems)


def test_an_unknown_partner_fails_loudly(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / EXPORTS
    shutil.copy(folder / EXPORTS, path)
    book = openpyxl.load_workbook(path, data_only=True)  # keeps the saved values
    book.active["C72"] = "Kazakstan-ish"
    book.active["B72"] = "Казахстанчик"
    book.save(path)
    with pytest.raises(InputError) as exc:
        kg_nsc_trade.normalize(kg_nsc_trade.read(path))
    problem = exc.value.problems[0]
    assert problem.value == "Kazakstan-ish"
    assert "row 72" in problem.location and "kg_nsc.csv" in problem.rule

"""The products table from the real files in ../shared/data: FCS chapter and group tables, OEC
exports by HS section, Kyrgyz NSC main goods; check figures from each folder's PROVENANCE.md."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from etl import concentration, schemas
from etl.sources import kg_nsc_goods, oec_exports, ru_fcs_products
from tests.conftest import source_folder


@pytest.fixture(scope="module")
def fcs_folder(shared_data: Path) -> Path:
    return source_folder(shared_data, ru_fcs_products.SOURCE)


@pytest.fixture(scope="module")
def fcs(fcs_folder: Path) -> pd.DataFrame:
    frame = ru_fcs_products.load(fcs_folder).frames["products"]
    return schemas.Products.validate(frame, lazy=True)


@pytest.fixture(scope="module")
def oec(shared_data: Path) -> pd.DataFrame:
    result = oec_exports.load(source_folder(shared_data, oec_exports.SOURCE))
    return schemas.Products.validate(result.frames["products"], lazy=True)


@pytest.fixture(scope="module")
def kg(shared_data: Path) -> pd.DataFrame:
    result = kg_nsc_goods.load(source_folder(shared_data, kg_nsc_goods.SOURCE))
    return schemas.Products.validate(result.frames["products"], lazy=True)


def rows(frame: pd.DataFrame, **where: object) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    return frame[mask]


# ---- Russia, FCS ---------------------------------------------------------------------------


def test_fcs_2022_exports_total_rows_and_unallocated_remainder(fcs: pd.DataFrame) -> None:
    exports = rows(
        fcs, flow="export", classification="HS2 (chapter)", period_start=pd.Timestamp(2022, 1, 1)
    )
    assert exports["total_value"].unique().tolist() == [pytest.approx(591_459.6e6)]
    assert exports["unit_original"].unique().tolist() == ["million USD"]
    listed = exports[exports["product_code"] != "unallocated"]
    assert listed["value_original"].sum() == pytest.approx(584_152.7, abs=0.05)
    assert len(listed) == 71  # 01-24 as one row, chapters 25-97 without 77 and 93
    assert "93" not in set(listed["product_code"])
    (remainder,) = exports.loc[exports["product_code"] == "unallocated"].to_dict("records")
    assert remainder["value_original"] == pytest.approx(7_306.9, abs=0.05)
    assert remainder["value"] == pytest.approx(7_306.93e6)
    assert remainder["product_label"] == "not allocated by the publisher"
    fuels = listed.set_index("product_code").loc["27"]
    assert fuels["value_original"] == pytest.approx(383_730.47)
    assert fuels["product_label_en"].startswith("Mineral fuels, mineral oils")
    assert (
        fuels["location"] == "publikatsiya_tstv_2022.xlsx, sheet 'Публикация (1)', row 10, column F"
    )
    assert listed.set_index("product_code").loc["01-24", "is_range"]


def test_fcs_2021_exports_from_the_same_table(fcs: pd.DataFrame) -> None:
    exports = rows(
        fcs, flow="export", classification="HS2 (chapter)", period_start=pd.Timestamp(2021, 1, 1)
    )
    assert exports["total_value"].iat[0] == pytest.approx(493_096.1e6)
    listed = exports[exports["product_code"] != "unallocated"]
    assert listed["value_original"].sum() == pytest.approx(482_074.2, abs=0.05)
    assert exports["coverage"].iat[0] == pytest.approx(482_074.17 / 493_096.1)


def test_fcs_group_table_is_in_billions(fcs: pd.DataFrame) -> None:
    groups = rows(fcs, classification="HS-group", period_start=pd.Timestamp(2023, 1, 1))
    totals = groups.groupby("flow")["total_value"].first()
    assert totals["export"] == pytest.approx(425.088e9)
    assert totals["import"] == pytest.approx(285.057e9)
    assert set(groups["unit_original"]) == {"billion USD"}
    exports = groups[groups["flow"] == "export"].set_index("product_code")
    assert exports.loc["25-27", "value"] == pytest.approx(260.127e9)
    assert exports.loc["68-70, 84-97", "product_label_en"].startswith("Machinery")
    # Groups add up to Всего within rounding (425.089 vs 425.088): no remainder row.
    assert "unallocated" not in exports.index
    assert set(groups["vintage"]) == {"Jan–Dec 2023 edition"}


def test_fcs_later_edition_reads_with_no_code_change(fcs_folder: Path, tmp_path: Path) -> None:
    """struktura_122023.xlsx with its headings changed to Jan–Jun: a new edition, read as ytd."""
    book = load_workbook(fcs_folder / "struktura_122023.xlsx", data_only=True)
    sheet = book.active
    renamed = {"январь-декабрь 2022": "январь-июнь 2023", "январь-декабрь 2023": "январь-июнь 2024"}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip() in renamed:
                cell.value = renamed[cell.value.strip()]
    folder = tmp_path / ru_fcs_products.SOURCE
    folder.mkdir()
    book.save(folder / "struktura_062024.xlsx")
    frame = ru_fcs_products.load(folder).frames["products"]
    schemas.Products.validate(frame, lazy=True)
    assert set(frame["basis"]) == {"ytd"}
    assert set(frame["period_end"]) == {pd.Timestamp(2023, 6, 30), pd.Timestamp(2024, 6, 30)}
    assert set(frame["vintage"]) == {"Jan–Jun 2024 edition"}
    latest = rows(frame, flow="export", period_end=pd.Timestamp(2024, 6, 30))
    assert latest["total_value"].iat[0] == pytest.approx(425.088e9)


# ---- OEC / BACI ----------------------------------------------------------------------------


def test_oec_kazakhstan_sections(oec: pd.DataFrame) -> None:
    kaz = rows(oec, reporter="KAZ").set_index("product_code")
    assert len(kaz) == 21
    assert kaz.loc["5", "value"] == 108_523_154_206
    assert kaz.loc["5", "product_label"] == "Mineral Products"
    assert kaz.loc["5", "product_label_en"] == "Mineral products"
    assert kaz.loc["2", "value"] == 6_694_554_686
    assert set(kaz["basis"]) == {"3-year sum"}
    assert set(kaz["period_start"]) == {pd.Timestamp(2019, 1, 1)}
    assert set(kaz["period_end"]) == {pd.Timestamp(2021, 12, 31)}
    assert (
        kaz["citation"]
        .iat[0]
        .startswith("OEC (Observatory of Economic Complexity), from CEPII BACI HS92")
    )


def test_oec_ids_are_alpha3(oec: pd.DataFrame) -> None:
    assert oec["reporter"].nunique() == 226
    assert {"KAZ", "TWN", "ATF", "CHN"} <= set(oec["reporter"])
    assert set(oec["partner"]) == {"WLD"}


def test_oec_kazakhstan_concentration(oec: pd.DataFrame) -> None:
    (out,) = concentration.concentration(rows(oec, reporter="KAZ")).to_dict("records")
    assert out["n_items"] == 21
    assert out["total_value"] == pytest.approx(166_652_354_691)
    assert out["denominator"] == concentration.SUM_OF_ITEMS
    assert out["hhi"] == pytest.approx(0.458740, abs=1e-6)
    assert out["hhi_normalized"] == pytest.approx(0.431677, abs=1e-6)
    assert out["top1_share"] == pytest.approx(108_523_154_206 / 166_652_354_691)  # 0.6512
    assert out["top3_share"] == pytest.approx(0.871508, abs=1e-6)
    assert out["top1_code"] == "5"


# ---- Kyrgyzstan, NSC main goods --------------------------------------------------------------


def test_kg_gold_exports_2023_and_coverage(kg: pd.DataFrame) -> None:
    exports = rows(kg, flow="export", period_start=pd.Timestamp(2023, 1, 1)).set_index(
        "product_code"
    )
    gold = exports.loc["Gold"]
    assert gold["value_original"] == pytest.approx(1_284_332.757)
    assert gold["value"] == pytest.approx(1_284_332_757)
    assert gold["product_label"] == "Золото"
    assert gold["location"].endswith("sheet 'Лист1', row 28, column AG")
    # The Total row of the same table (PROVENANCE: exports 2023 = 3,384,856.093 thousand USD).
    assert gold["total_value"] == pytest.approx(3_384_856_093)
    assert len(exports) == 25
    assert gold["coverage"] == pytest.approx(1_855_459.193 / 3_384_856.093)  # 0.548
    assert set(exports["classification"]) == {"national:NSC KG 4.03.00.10 main goods"}


def test_kg_imports_from_the_legacy_xls(kg: pd.DataFrame) -> None:
    imports = rows(kg, flow="import", period_start=pd.Timestamp(2023, 1, 1)).set_index(
        "product_code"
    )
    assert imports.loc["Cars", "value_original"] == pytest.approx(2_772_170.253)
    assert imports["total_value"].iat[0] == pytest.approx(12_517_912_380)
    assert imports["coverage"].iat[0] == pytest.approx(0.379572, abs=1e-6)


def test_kg_concentration_is_of_the_total(kg: pd.DataFrame) -> None:
    year = rows(kg, flow="export", period_start=pd.Timestamp(2023, 1, 1))
    (out,) = concentration.concentration(year).to_dict("records")
    assert out["top1_code"] == "Gold"
    assert out["top1_share"] == pytest.approx(1_284_332.757 / 3_384_856.093)
    assert out["listed_share"] == pytest.approx(0.548165, abs=1e-6)


def test_fcs_growth_matches_the_published_rate(fcs: pd.DataFrame) -> None:
    growth = concentration.product_growth(fcs)
    fuels = rows(growth, flow="export", product_code="27").to_dict("records")
    (row,) = fuels
    # FCS prints the growth rate of chapter 27 exports as 142.754 %.
    assert row["growth"] == pytest.approx(0.427541, abs=1e-6)

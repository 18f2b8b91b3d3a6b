"""The product dimension: HS labels and codes, the Products schema, and the three readers on
small crafted workbooks (FCS chapter and group tables, a later FCS edition, Kyrgyz main goods,
OEC ids)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors as pa_errors
import pytest
from openpyxl import Workbook

from etl import products, schemas
from etl.errors import InputError
from etl.sources import kg_nsc_goods, oec_exports, ru_fcs_products


def write_rows(path: Path, rows: list[list[object]], sheet: str = "Лист1") -> Path:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


# ---- HS labels and codes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "code", "label"),
    [
        (
            "chapter",
            "27",
            "Mineral fuels, mineral oils and products of their distillation; bituminous "
            "substances; mineral waxes",
        ),
        ("section", "5", "Mineral products"),
        ("section", "05", "Mineral products"),
        ("chapter", "72", "Iron and steel"),
        ("group", "68-70, 84-97", "Machinery, equipment, transport vehicles and other goods"),
        ("group", "68-70,84-97", "Machinery, equipment, transport vehicles and other goods"),
        # FCS writes '01-24' among its chapters: the group's label answers.
        ("chapter", "01-24", "Food products and agricultural raw materials (except textile)"),
        ("chapter", "77", "(Reserved for possible future use in the Harmonized System)"),
    ],
)
def test_hs_label_table(kind: str, code: str, label: str) -> None:
    assert products.label_en(kind, code) == label


def test_hs_label_table_is_complete() -> None:
    table = products.labels()
    assert {int(c) for k, c in table if k == "section"} == set(range(1, 22))
    assert {int(c) for k, c in table if k == "chapter"} == set(range(1, 98))
    assert products.label_en("chapter", "98") == ""


def test_ranges_are_parsed_and_kept() -> None:
    code = products.parse_code("68-70, 84-97")
    assert code.text == "68-70, 84-97"
    assert code.ranges == ((68, 70), (84, 97))
    assert code.is_range
    assert len(code.chapters) == 3 + 14
    assert not products.parse_code("84").is_range
    assert products.parse_code("01-24").chapters == frozenset(range(1, 25))


@pytest.mark.parametrize("bad", ["8A", "70-68", "00", "1-24", "84-", ""])
def test_bad_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="chapter"):
        products.parse_code(bad)


def test_overlapping_codes_are_found() -> None:
    assert products.overlapping(["01-24", "25", "20"]) == [("01-24", "20")]
    assert products.overlapping(["01-24", "25-27", "68-70, 84-97", "71-83"]) == []


# ---- the Products schema ---------------------------------------------------------------------


def product_rows(**changes: object) -> pd.DataFrame:
    """Two chapters and an unallocated remainder of a 100 USD total, all valid."""
    base = {
        "source": "test", "reporter": "RUS", "partner": "WLD", "flow": "export",
        "classification": products.HS_CHAPTER, "product_label": "x", "product_label_en": "x",
        "is_range": False, "basis": "year", "period_start": pd.Timestamp(2022, 1, 1),
        "period_end": pd.Timestamp(2022, 12, 31), "unit_original": "USD", "currency": "USD",
        "total_value": 100.0, "coverage": 0.9, "vintage": "v", "citation": "c",
        "location": "f.xlsx, row 1", "flag": None,
    }  # fmt: skip
    rows = [
        {**base, "product_code": "27", "value": 60.0, "value_original": 60.0},
        {**base, "product_code": "01-24", "value": 30.0, "value_original": 30.0},
        {**base, "product_code": "unallocated", "value": 10.0, "value_original": 10.0},
    ]
    frame = pd.DataFrame(rows)
    for column, value in changes.items():
        frame[column] = value
    return frame


def failed_checks(frame: pd.DataFrame) -> set[str]:
    try:
        schemas.Products.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        return set(exc.failure_cases["check"].astype(str))
    return set()


def test_products_schema_accepts_a_breakdown_with_its_remainder() -> None:
    assert failed_checks(product_rows()) == set()


def test_a_breakdown_above_its_total_is_refused() -> None:
    assert "a product breakdown never exceeds its total" in failed_checks(
        product_rows(total_value=90.0)
    )


def test_overlapping_hs_codes_are_refused() -> None:
    frame = product_rows()
    frame.loc[0, "product_code"] = "20"  # inside 01-24
    assert "HS codes of one breakdown do not overlap" in failed_checks(frame)


def test_three_year_sum_basis_needs_three_whole_years() -> None:
    end = pd.Timestamp(2021, 12, 31)
    ok = product_rows(basis="3-year sum", period_start=pd.Timestamp(2019, 1, 1), period_end=end)
    assert failed_checks(ok) == set()
    short = product_rows(basis="3-year sum", period_start=pd.Timestamp(2020, 1, 1), period_end=end)
    assert "basis matches the period's length" in failed_checks(short)
    assert "basis matches the period's length" in failed_checks(product_rows(basis="month"))


def test_negative_values_and_repeated_keys_are_refused() -> None:
    frame = product_rows()
    frame.loc[0, "value"] = -1.0
    assert any("greater_than_or_equal_to" in c for c in failed_checks(frame))
    repeated = pd.concat([product_rows(), product_rows()], ignore_index=True)
    assert any("unique" in c.lower() or "duplicate" in c.lower() for c in failed_checks(repeated))


# ---- FCS: chapter and group tables -----------------------------------------------------------

CHAPTER_TABLE = [
    ["Внешняя торговля Российской Федерации "],
    ["(миллионов долларов США)"],
    [],
    [None, "Январь - декабрь 2021 г.", None, "Январь - декабрь 2022 г.", None, "ТЕМПЫ РОСТА, %"],
    [None, "ЭКСПОРТ", "ИМПОРТ", "ЭКСПОРТ", "ИМПОРТ", "ЭКСПОРТ"],
    ["ВСЕГО", 100.0, 50.0, 120.0, 60.0, 120.0],
    ["01-24-Продовольственные товары", 10.0, 20.0, 12.0, 25.0, 120.0],
    ["27-ТОПЛИВО МИНЕРАЛЬНОЕ, НЕФТЬ", 80.0, 5.0, 108.0, 6.0, 135.0],
    ["89-ШТ-СУДА, ЛОДКИ", 5.0, 25.0, None, 29.0, 0.0],
]


def fcs(path: Path) -> pd.DataFrame:
    frame, _ = ru_fcs_products.build(ru_fcs_products.read(path))
    schemas.Products.validate(frame, lazy=True)
    return frame


def test_fcs_chapter_table_publishes_the_remainder_as_its_own_row(tmp_path: Path) -> None:
    frame = fcs(write_rows(tmp_path / "publikatsiya_tstv_2022.xlsx", CHAPTER_TABLE))
    exports_2022 = frame[(frame["flow"] == "export") & (frame["period_start"].dt.year == 2022)]
    values = exports_2022.set_index("product_code")["value"]
    # 89 has no 2022 export value: no row; 120 - (12 + 108) = 0 -> no remainder row either.
    assert values.to_dict() == {"01-24": 12e6, "27": 108e6}
    exports_2021 = frame[(frame["flow"] == "export") & (frame["period_start"].dt.year == 2021)]
    remainder = exports_2021.set_index("product_code").loc["unallocated"]
    assert remainder["value_original"] == pytest.approx(100 - 10 - 80 - 5)
    assert remainder["product_label_en"] == "not allocated by the publisher"
    assert remainder["total_value"] == 100e6
    assert exports_2021["coverage"].iloc[0] == pytest.approx(0.95)
    first = frame.set_index(["flow", "period_start", "product_code"]).sort_index()
    row = first.loc[("export", pd.Timestamp(2021, 1, 1), "89")]
    assert row["product_label"] == "ШТ-СУДА, ЛОДКИ"
    assert row["product_label_en"] == "Ships, boats and floating structures"
    assert not row["is_range"]
    assert first.loc[("export", pd.Timestamp(2021, 1, 1), "01-24"), "is_range"]
    assert set(frame["classification"]) == {"HS2 (chapter)"}
    assert set(frame["vintage"]) == {"Jan–Dec 2022 edition"}
    assert row["location"].endswith("sheet 'Лист1', row 9, column B")


def group_table(unit: str, periods: tuple[str, str]) -> list[list[object]]:
    return [
        [f"Экспорт и импорт товаров Российской Федерации\n{unit}"],
        [],
        [],
        [None, "Экспорт", None, None, "Импорт", None, None],
        [None, periods[0], periods[1], "темп роста, %", periods[0], periods[1], "темп роста, %"],
        ["Всего", 100.5, 130.25, 129.6, 50.0, 60.0, 120.0],
        ["в том числе:"],
        ["01-24-Продовольственные товары", 10.0, 12.0, 120.0, 20.0, 25.0, 125.0],
        ["25-27-Минеральные продукты", 90.5, 118.25, 130.7, 30.0, 35.0, 116.7],
    ]


def test_fcs_later_edition_reads_with_its_own_period(tmp_path: Path) -> None:
    rows = group_table("(млрд. долл. США)", ("январь-март 2023", "январь-март 2024"))
    frame = fcs(write_rows(tmp_path / "struktura_032024.xlsx", rows, "структура"))
    assert set(frame["basis"]) == {"ytd"}
    assert set(frame["period_end"]) == {pd.Timestamp(2023, 3, 31), pd.Timestamp(2024, 3, 31)}
    assert set(frame["vintage"]) == {"Jan–Mar 2024 edition"}
    assert set(frame["classification"]) == {"HS-group"}
    latest = frame[(frame["flow"] == "export") & (frame["period_end"].dt.year == 2024)]
    assert latest.set_index("product_code")["value"].to_dict() == {
        "01-24": 12e9,
        "25-27": 118.25e9,
    }
    assert latest["total_value"].iloc[0] == 130.25e9
    assert latest["unit_original"].iloc[0] == "billion USD"


@pytest.mark.parametrize(
    ("unit", "periods", "rule"),
    [
        ("(тыс. сомов)", ("январь-декабрь 2022", "январь-декабрь 2023"), "unknown unit"),
        ("(млрд. долл. США)", ("I квартал 2023", "I квартал 2024"), "expected a period heading"),
        ("(млрд. долл. США)", ("март-май 2023", "март-май 2024"), "does not start in January"),
        ("(млрд. долл. США)", ("январь-мартт 2023", "январь-март 2024"), "unknown month name"),
    ],
)
def test_fcs_unreadable_headings_are_refused(
    tmp_path: Path, unit: str, periods: tuple[str, str], rule: str
) -> None:
    path = write_rows(tmp_path / "struktura_x.xlsx", group_table(unit, periods), "структура")
    with pytest.raises(InputError) as caught:
        ru_fcs_products.build(ru_fcs_products.read(path))
    assert any(rule in p.rule and p.file == "struktura_x.xlsx" for p in caught.value.problems)


def test_fcs_rows_above_the_total_are_refused(tmp_path: Path) -> None:
    rows = group_table("(млрд. долл. США)", ("январь-декабрь 2022", "январь-декабрь 2023"))
    rows[5][1] = 50.0  # Всего below its two groups (100.5)
    path = write_rows(tmp_path / "struktura_y.xlsx", rows, "структура")
    with pytest.raises(InputError, match="add up to more than 'ВСЕГО'"):
        ru_fcs_products.build(ru_fcs_products.read(path))


def test_fcs_value_in_a_column_without_headings_is_refused(tmp_path: Path) -> None:
    rows = [list(r) for r in CHAPTER_TABLE]
    rows[6] = [*rows[6], None, 7.0]  # column H, right of the growth column, has no heading
    path = write_rows(tmp_path / "publikatsiya_tstv_2024.xlsx", rows)
    with pytest.raises(InputError) as caught:
        ru_fcs_products.build(ru_fcs_products.read(path))
    assert {(p.column, p.rule) for p in caught.value.problems} >= {
        ("H", "no flow heading (экспорт, импорт, оборот) above this column")
    }


def test_fcs_unknown_row_label_is_refused(tmp_path: Path) -> None:
    rows = [*CHAPTER_TABLE, ["Прочие товары", 1.0, 1.0, 1.0, 1.0, 1.0]]
    path = write_rows(tmp_path / "publikatsiya_tstv_2023.xlsx", rows)
    with pytest.raises(InputError) as caught:
        ru_fcs_products.build(ru_fcs_products.read(path))
    (problem,) = caught.value.problems
    assert problem.location == "sheet 'Лист1', row 10, column A"
    assert problem.value == "Прочие товары"


# ---- Kyrgyz NSC main goods -------------------------------------------------------------------


def kg_table(unit: str = "(thousand US dollars)") -> list[list[object]]:
    return [
        ["4.03.00.10 Товарлардын экспорту1", "4.03.00.10 Экспорт основных видов товаров 1",
         "4.03.00.10 Export of basic commodities 1"],
        ["(миң АКШ доллары)", "(тыс.долларов США)", unit],
        ["Көрсөткөчтөрдөн аталышы", "Наименование показателей", "Items", 2022.0, 2023.0],
        ["Бардыгы 2", "Всего 2", "Total 2", 1000.0, 2000.0],
        [],
        ["Алтын", " Золото", "Gold", 400.0, 1200.5],
        ["Сүт", " Молоко", "Milk and dairy products", "-", "100,5"],
        [None, None, None, None, None],
        ["1 маалымат", "1 Данные имеются с 1994 г.", "1 Data are available from 1994"],
    ]  # fmt: skip


def test_kg_main_goods_coverage_is_of_the_published_total(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "kg_nsc_4.03.00.10_exports_main_goods.xlsx", kg_table())
    tidy = kg_nsc_goods.tidy_frames(kg_nsc_goods.read(path))
    frame = schemas.Products.validate(tidy.frames["products"], lazy=True)
    y2023 = frame[frame["period_start"].dt.year == 2023].set_index("product_code")
    assert y2023.loc["Gold", "value"] == pytest.approx(1_200_500.0)
    assert y2023.loc["Gold", "product_label"] == "Золото"
    assert y2023.loc["Milk and dairy products", "value_original"] == 100.5
    assert y2023.loc["Milk and dairy products", "flag"] == "text cell with a decimal comma"
    assert y2023["total_value"].iloc[0] == 2_000_000.0
    assert y2023["coverage"].iloc[0] == pytest.approx((1200.5 + 100.5) / 2000)
    assert set(frame["classification"]) == {"national:NSC KG 4.03.00.10 main goods"}
    assert set(frame["flow"]) == {"export"}
    # '-' is no data: no 2022 milk row, and the row says why.
    assert ("Milk and dairy products", 2022) not in {
        (c, d.year) for c, d in zip(frame["product_code"], frame["period_start"], strict=True)
    }
    assert any(d.reason.startswith("'-'") for d in tidy.dropped)


def test_kg_year_without_total_has_no_coverage(tmp_path: Path) -> None:
    rows = kg_table()
    rows[3][4] = "-"  # no Total for 2023
    path = write_rows(tmp_path / "kg_nsc_4.03.00.10_exports_main_goods.xlsx", rows)
    tidy = kg_nsc_goods.tidy_frames(kg_nsc_goods.read(path))
    frame = schemas.Products.validate(tidy.frames["products"], lazy=True)
    y2023 = frame[frame["period_start"].dt.year == 2023]
    assert y2023["total_value"].isna().all() and y2023["coverage"].isna().all()
    assert frame.loc[frame["period_start"].dt.year == 2022, "coverage"].iat[0] == 0.4
    assert tidy.warnings == [
        "kg_nsc_4.03.00.10_exports_main_goods.xlsx: no 'Total' value for 2023: coverage of "
        "the total is left empty for those years"
    ]


def test_kg_unknown_unit_is_refused(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "kg_nsc_4.03.00.10_x.xlsx", kg_table("(thousand soms)"))
    with pytest.raises(InputError) as caught:
        kg_nsc_goods.tidy_frames(kg_nsc_goods.read(path))
    (problem,) = caught.value.problems
    assert "unknown unit" in problem.rule
    assert problem.value == "(thousand soms)"


# ---- OEC ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("oec_id", "code"), [("askaz", "KAZ"), ("eudeu", "DEU"), ("asxxb", "TWN"), ("anatf", "ATF")]
)
def test_oec_ids_map_to_alpha3(oec_id: str, code: str) -> None:
    assert oec_exports.reporter_code(oec_id) == code


@pytest.mark.parametrize(
    ("oec_id", "rule"),
    [
        ("askzz", "not an ISO 3166 alpha-3 country code"),
        ("euwld", "not an ISO 3166 alpha-3 country code"),  # an aggregate is not an exporter
        ("xxkaz", "not an OEC country id"),
        ("kaz", "not an OEC country id"),
    ],
)
def test_oec_unknown_ids_fail_loudly(oec_id: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        oec_exports.reporter_code(oec_id)


def test_oec_reader_refuses_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "global_exports.csv"
    path.write_text(
        "Country ID,Country,Section ID,Section,Trade Value\n"
        "askaz,Kazakhstan,5,Mineral Products,108523154206\n"
        "asxyz,Nowhere,5,Mineral Products,1\n"
        "askaz,Kazakhstan,22,Other,1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        oec_exports.tidy_frames(oec_exports.read(path))
    found = {(p.location, p.column) for p in caught.value.problems}
    assert found == {("line 3", "Country ID"), ("line 4", "Section ID")}

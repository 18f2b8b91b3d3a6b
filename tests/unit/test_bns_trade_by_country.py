"""BNS annual trade by country: layout parsing on crafted grids and crafted .xlsx workbooks.

The grids mimic a BNS data sheet (2023 edition values for a few partners). `parse_grid` takes the
grid `pd.read_excel(header=None)` returns, so header shifts and layout variants need no .xls.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl.errors import InputError
from etl.schemas import Trade
from etl.sources import bns_trade_by_country as bns

FILE = "bns_foreign_trade_by_country_2023.xls"
TITLE = "Основные показатели внешней торговли Республики Казахстан"
UNIT = "тыс. долларов США"
HEADINGS = ["Наименование", "Товарооборот", None, "Экспорт", None, "Импорт", None]
SUBHEADINGS = [
    None,
    "всего",
    "удельный вес страны в общем объеме товарооборота, %",
    "всего",
    "удельный вес страны в общем объеме экспорта, %",
    "всего",
    "удельный вес страны в общем объеме импорта, %",
]
# 2023 edition, sheet '2023' (thousand USD, shares in %); Andorra has no exports (blank cells).
BODY = [
    ["Всего", 139551038.0123, 100, 79138754.67736, 100, 60412283.33494, 100],
    ["Страны СНГ", 36891616.5383, 26.43593, 16515806.68899, 20.86943, 20375809.84931, 33.72793],
    ["Россия", 27054449.63674, 19.38678, 10207415.70534, 12.89813, 16847033.9314, 27.88677],
    ["Остальные страны мира", 102659421.474, 73.56407, 62622947.98837, 79.13057,
     40036473.48563, 66.27207],
    ["Италия", 16075483.11167, 11.51943, 14833289.8896, 18.7434, 1242193.22207, 2.05619],
    ["Андорра", 68.6439, 5e-05, None, None, 68.6439, 0.00011],
]  # fmt: skip
FIRST_BODY_ROW = 6  # 1-based spreadsheet row of «Всего» in the unshifted grid
ITALY_ROW = FIRST_BODY_ROW + 4


def grid(
    body: list[list[object]] | None = None,
    *,
    title: str = "2023 год",
    unit: str = UNIT,
    top: int = 0,
    left: int = 0,
    trailing: int = 0,
    subheadings: bool = True,
) -> pd.DataFrame:
    """A BNS-like sheet: `top` blank rows and `left` blank columns before it, `trailing` after."""
    rows: list[list[object]] = [
        [TITLE, *[None] * 6],
        [title, *[None] * 6],
        [None, None, None, None, unit, None, None],
        list(HEADINGS),
    ]
    if subheadings:
        rows.append(list(SUBHEADINGS))
    rows += [list(r) for r in (BODY if body is None else body)]
    width = left + 7 + trailing
    cells = [[None] * width for _ in range(top)]
    cells += [[None] * left + r + [None] * trailing for r in rows]
    return pd.DataFrame(cells, dtype=object)


def body_with(label: str, **changes: object) -> list[list[object]]:
    """BODY with one partner's cells changed: turnover=..., export_share=... (column names)."""
    names = ["label", *bns.NUMERIC_COLUMNS]
    out = [list(r) for r in BODY]
    for row in out:
        if row[0] == label:
            for name, value in changes.items():
                row[names.index(name.rstrip("_"))] = value  # import_ -> import
    return out


def parse(g: pd.DataFrame, sheet: str = "2023") -> pd.DataFrame:
    table = bns.parse_grid(g, FILE, sheet)
    assert table is not None
    return table.frame


def italy(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index("partner_label").loc["Италия"]


def value(tidy: pd.DataFrame, partner: str, flow: str) -> float:
    hit = tidy[(tidy["partner"] == partner) & (tidy["flow"] == flow)]
    assert len(hit) == 1, f"{partner} {flow}: {len(hit)} rows"
    return float(hit["value"].iloc[0])


# ---- layout -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("top", "left"), [(0, 0), (1, 0), (3, 0), (0, 2), (2, 1)])
def test_header_is_found_by_its_text_wherever_it_sits(top: int, left: int) -> None:
    frame = parse(grid(top=top, left=left))
    row = italy(frame)
    assert row["turnover"] == pytest.approx(16075483.11167)
    assert row["export"] == pytest.approx(14833289.8896)
    assert row["import"] == pytest.approx(1242193.22207)
    assert row["turnover_share"] == pytest.approx(11.51943)
    assert row["location"] == f"sheet '2023', row {ITALY_ROW + top}"
    assert row["export_column"] == bns.column_letter(3 + left)
    assert frame["partner_label"].iloc[0] == "Всего"


def test_single_header_row_does_not_swallow_the_total_row() -> None:
    frame = parse(grid(subheadings=False))
    assert frame["partner_label"].iloc[0] == "Всего"
    assert italy(frame)["export"] == pytest.approx(14833289.8896)
    assert frame["export_share"].isna().all()


def test_twelve_column_sheet_with_trailing_blank_columns_reads_like_seven() -> None:
    # 2022 edition, sheet '2021': 5 trailing empty columns, one holding a lone space.
    g = grid(title="за  2021 год", trailing=5)
    g.iloc[8, 11] = " "
    table = bns.parse_grid(g, "bns_foreign_trade_by_country_2022.xls", "2021")
    assert table is not None
    assert table.warnings == []
    assert italy(table.frame)["turnover"] == pytest.approx(16075483.11167)


def test_values_outside_the_headed_columns_are_reported_not_read() -> None:
    g = grid(trailing=2)
    g.iloc[9, 8] = 123.4
    table = bns.parse_grid(g, FILE, "2023")
    assert table is not None
    assert len(table.warnings) == 1
    assert "row 10, column I" in table.warnings[0] and "123.4" in table.warnings[0]


def test_title_year_and_edition_come_from_the_title_row() -> None:
    frame = parse(grid(title="за январь-декабрь 2019 года"), sheet="12_2019")
    assert set(frame["data_year"]) == {2019}
    assert set(frame["last_month"]) == {12}
    assert set(frame["edition_year"]) == {2019}


def test_year_falls_back_to_the_sheet_name_when_the_title_has_none() -> None:
    frame = parse(grid(title="по странам"), sheet="12_2018")
    assert set(frame["data_year"]) == {2018}


def test_title_year_contradicting_the_sheet_name_is_an_error() -> None:
    with pytest.raises(InputError, match=r"title's year 2022 disagrees with the sheet name '2023'"):
        bns.parse_grid(grid(title="2022 год"), FILE, "2023")


def test_january_to_september_title_gives_a_year_to_date_period() -> None:
    frame = parse(grid(title="за январь-сентябрь 2024 года"), sheet="09_2024")
    tidy = bns.normalize(frame)
    assert set(tidy["basis"]) == {"ytd"}
    assert set(tidy["period_end"]) == {pd.Timestamp(2024, 9, 30)}


def test_front_matter_sheet_is_skipped_by_content() -> None:
    cover = pd.DataFrame(
        [[None], ["Дата опубликования: 25.07.2024"], [TITLE], ["2023 год"]], dtype=object
    )
    assert bns.parse_grid(cover, FILE, "Data") is None


def test_sheet_with_numbers_but_no_header_is_an_error_not_front_matter() -> None:
    g = grid()
    g.iloc[3, 1] = "Оборот"  # the «Товарооборот» heading renamed
    with pytest.raises(InputError, match=r"no header row with «Товарооборот»") as err:
        bns.parse_grid(g, FILE, "2023")
    assert FILE in str(err.value) and "sheet '2023'" in str(err.value)


def test_missing_name_heading_is_an_error() -> None:
    g = grid()
    g.iloc[3, 0] = None
    with pytest.raises(InputError, match=r"«Наименование…»"):
        bns.parse_grid(g, FILE, "2023")


# ---- units and cells --------------------------------------------------------------------------


def test_unit_other_than_thousand_usd_is_an_error_naming_the_cell() -> None:
    with pytest.raises(InputError) as err:
        bns.parse_grid(grid(unit="млн. долларов США"), FILE, "2023")
    message = str(err.value)
    assert "sheet '2023', row 3, column 'E'" in message
    assert "'млн. долларов США'" in message
    assert "unit must be «тыс. долларов США»" in message


def test_missing_unit_row_is_an_error() -> None:
    with pytest.raises(InputError, match=r"no unit row «тыс. долларов США»"):
        bns.parse_grid(grid(unit=None), FILE, "2023")  # type: ignore[arg-type]


def test_text_in_a_numeric_cell_names_file_sheet_row_column_and_value() -> None:
    with pytest.raises(InputError) as err:
        bns.parse_grid(grid(body_with("Италия", export="н/д")), FILE, "2023")
    (problem,) = err.value.problems
    assert problem.file == FILE
    assert problem.location == f"sheet '2023', row {ITALY_ROW}"
    assert problem.column.startswith("D (Экспорт / всего)")
    assert problem.value == "н/д"
    assert "expected a number" in problem.rule


def test_every_bad_cell_is_reported_in_one_error() -> None:
    body = body_with("Италия", export="н/д", import_=None)
    body = [list(r) for r in body]
    body[2][1] = "abc"
    body[3][5] = -5.0
    with pytest.raises(InputError) as err:
        bns.parse_grid(grid(body), FILE, "2023")
    rules = [p.rule for p in err.value.problems]
    assert len(rules) == 3
    assert any("cannot be negative" in r for r in rules)


def test_numbers_written_as_russian_text_and_dashes_are_understood() -> None:
    body = body_with("Андорра", turnover="68,6439", export="-", import_="68,6439")
    frame = parse(grid(body))
    andorra = frame.set_index("partner_label").loc["Андорра"]
    assert andorra["turnover"] == pytest.approx(68.6439)
    assert pd.isna(andorra["export"])


def test_values_without_a_partner_name_are_an_error() -> None:
    body = [*BODY, [None, 1.0, None, 1.0, None, None, None]]
    with pytest.raises(InputError, match=r"values without a partner name"):
        bns.parse_grid(grid(body), FILE, "2023")


# ---- normalising ------------------------------------------------------------------------------


def test_tidy_rows_are_usd_with_original_thousands_and_validate() -> None:
    tidy = bns.normalize(parse(grid()))
    Trade.validate(tidy, lazy=True)
    assert value(tidy, "ITA", "turnover") == pytest.approx(16_075_483_111.67)
    assert value(tidy, "ITA", "export") == pytest.approx(14_833_289_889.6)
    assert value(tidy, "WLD", "turnover") == pytest.approx(139_551_038_012.3)
    ita = tidy[tidy["partner"] == "ITA"].set_index("flow")
    assert ita.loc["turnover", "value_original"] == pytest.approx(16075483.11167)
    assert ita.loc["export", "valuation"] == "FOB"
    assert ita.loc["import", "valuation"] == "CIF"
    assert ita.loc["turnover", "valuation"] == "unknown"
    assert set(tidy["unit_original"]) == {"thousand USD"}
    assert set(tidy["currency"]) == {"USD"}
    assert (tidy["value_usd"] == tidy["value"]).all()
    assert set(tidy["vintage"]) == {"2023 edition"}
    assert set(tidy["basis"]) == {"year"}
    assert set(tidy["period_start"]) == {pd.Timestamp(2023, 1, 1)}
    assert set(tidy["period_end"]) == {pd.Timestamp(2023, 12, 31)}
    assert set(tidy["reporter"]) == {"KAZ"} and set(tidy["commodity"]) == {"TOTAL"}
    assert tidy["flag"].isna().all()
    assert "sheet '2023'" in ita.loc["export", "citation"]
    aggregates = set(tidy.loc[tidy["partner_is_aggregate"], "partner"])
    assert aggregates == {"WLD", "XCS", "XRW"}


def test_blank_cell_publishes_no_row_and_is_listed_as_dropped() -> None:
    frame = parse(grid())
    tidy = bns.normalize(frame)
    assert set(tidy.loc[tidy["partner"] == "AND", "flow"]) == {"turnover", "import"}
    dropped = bns.split(frame).dropped
    (blank,) = dropped
    assert blank.file == FILE
    assert blank.location == f"sheet '2023', row {ITALY_ROW + 1}, column D"
    assert "blank cell: no exports" in blank.reason
    assert blank.content.startswith("Андорра")


def test_2018_total_label_with_embedded_newline_is_the_world_row() -> None:
    body = [list(r) for r in BODY]
    body[0][0] = "Всего\nв том числе"
    tidy = bns.normalize(parse(grid(body, title="за январь-декабрь 2018 года"), sheet="12_2018"))
    world = tidy[tidy["partner"] == "WLD"]
    assert set(world["partner_label"]) == {"Всего в том числе"}
    assert len(world) == 3
    assert value(tidy, "WLD", "export") == pytest.approx(79_138_754_677.36)


def test_unknown_country_names_file_sheet_row_column_and_table_to_extend() -> None:
    body = [*BODY, ["Атлантида", 1.0, None, 1.0, None, None, None]]
    frame = parse(grid(body))
    with pytest.raises(InputError) as err:
        bns.normalize(frame)
    (problem,) = err.value.problems
    assert problem.file == FILE
    assert problem.location == f"sheet '2023', row {FIRST_BODY_ROW + len(BODY)}"
    assert problem.column == "A (name)"
    assert problem.value == "Атлантида"
    assert "etl/country_names/ru.csv" in problem.rule


def test_share_that_disagrees_with_value_over_total_is_a_warning() -> None:
    frame = parse(grid(body_with("Италия", turnover_share=12.6)))
    warnings = bns.split(frame).warnings
    (warning,) = warnings
    assert "Италия" in warning and "turnover share 12.6 %" in warning
    assert f"row {ITALY_ROW}" in warning


def test_shares_rounded_to_a_tenth_do_not_warn() -> None:
    # The 2018 sheet prints shares to 0.1 %: Italy 11.5 for 11.519 % is within 0.05 pp.
    frame = parse(grid(body_with("Италия", turnover_share=11.5)))
    assert bns.split(frame).warnings == []


def test_partner_listed_twice_with_identical_values_is_kept_once() -> None:
    body = [*BODY, list(BODY[4])]  # Italy again
    frame = parse(grid(body))
    parts = bns.split(frame)
    tidy = bns.tidy(parts.long)
    assert len(tidy[tidy["partner"] == "ITA"]) == 3
    repeats = [d for d in parts.dropped if "listed twice" in d.reason]
    assert len(repeats) == 3
    assert repeats[0].location == f"sheet '2023', row {FIRST_BODY_ROW + len(BODY)}"
    assert f"kept {FILE} sheet '2023', row {ITALY_ROW}" in repeats[0].reason


def test_partner_listed_twice_with_different_values_is_an_error() -> None:
    again = list(BODY[4])
    again[1] = 1.0
    frame = parse(grid([*BODY, again]))
    with pytest.raises(InputError, match=r"partner ITA listed twice with different turnover"):
        bns.normalize(frame)


def test_table_without_a_total_row_is_an_error() -> None:
    frame = parse(grid(BODY[1:]))
    with pytest.raises(InputError, match=r"no «Всего»"):
        bns.normalize(frame)


# ---- workbooks --------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, g in sheets.items():
        sheet = book.create_sheet(name)
        for row in g.itertuples(index=False):
            sheet.append([None if pd.isna(v) else v for v in row])
    book.save(path)
    return path


def test_load_skips_front_matter_and_dates_every_sheet_by_the_newest_edition(
    tmp_path: Path,
) -> None:
    cover = pd.DataFrame([["Дата опубликования: 25.07.2024"], [TITLE], ["2023 год"]])
    write_xlsx(
        tmp_path / "bns_2023.xlsx",
        {"Обложка": cover, "2022": grid(title="2022 год", top=1), "2023": grid()},
    )
    result = bns.load(tmp_path)
    tidy = result.frames["trade"]
    Trade.validate(tidy, lazy=True)
    assert set(tidy["vintage"]) == {"2023 edition"}
    assert set(tidy["period_start"].dt.year) == {2022, 2023}
    assert result.rows_in == 2 * len(BODY)
    assert len(tidy) == 2 * (3 * len(BODY) - 1)
    front = [d for d in result.dropped if "front-matter" in d.reason]
    assert [d.location for d in front] == ["sheet 'Обложка'"]
    assert result.warnings == []


def test_unreadable_workbook_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.xls").write_bytes(b"\xd0\xcf\x11\xe0 truncated")
    with pytest.raises(InputError, match=r"broken\.xls.*cannot read the workbook"):
        bns.load(tmp_path)


def test_folder_without_workbooks_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no \.xls or \.xlsx workbook"):
        bns.load(tmp_path)


def test_workbook_without_any_trade_table_is_an_input_error(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "cover.xlsx", {"Обложка": pd.DataFrame([[TITLE]])})
    with pytest.raises(InputError, match=r"cover\.xlsx.*no sheet with a trade table"):
        bns.load(tmp_path)


def eu_rows(members: dict[str, float], group: float) -> pd.DataFrame:
    """«Страны ЕС», its members, then «Страны вне ЕС», as `split` sees them (codes mapped)."""
    rows = [("EUU", "Страны ЕС", group), *((c, c, v) for c, v in members.items())]
    rows.append(("XNU", "Страны вне ЕС", 1.0))
    return pd.DataFrame(
        [
            {"file": "f.xls", "sheet": "2022", "row": 22 + i,
             "location": f"sheet '2022', row {22 + i}", "partner": code, "partner_label": label,
             "turnover": v, "export": v / 2, "import": v / 2}
            for i, (code, label, v) in enumerate(rows)
        ]
    )  # fmt: skip


def test_eu_group_listing_the_uk_is_eu28() -> None:
    frame = eu_rows({"DEU": 10.0, "ITA": 20.0, "GBR": 5.0}, 35.0)
    codes, warnings = bns.eu_membership(frame)
    assert codes.iloc[0] == "EU28" and list(codes.iloc[1:]) == ["DEU", "ITA", "GBR", "XNU"]
    assert warnings == []


def test_eu_group_without_the_uk_stays_eu27() -> None:
    codes, warnings = bns.eu_membership(eu_rows({"DEU": 10.0, "ITA": 20.0}, 30.0))
    assert codes.iloc[0] == "EUU" and warnings == []


def test_eu_group_that_is_not_the_sum_of_its_listed_members_is_warned_about() -> None:
    codes, warnings = bns.eu_membership(eu_rows({"DEU": 10.0, "GBR": 5.0}, 99.0))
    assert codes.iloc[0] == "EUU"
    assert warnings == [
        "f.xls: sheet '2022', row 22: «Страны ЕС» is not the sum of the 2 countries listed under "
        "it (turnover 99.0 vs 15.0; exports 49.5 vs 7.5; imports 49.5 vs 7.5 thousand USD); "
        "published as EUU"
    ]

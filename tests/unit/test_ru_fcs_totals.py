"""FCS 94itog (annual main indicators) and страны (continents, YTD) readers, crafted and real."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl import sources
from etl.errors import InputError
from etl.schemas import Trade
from etl.sources import ru_fcs, ru_fcs_continents, ru_fcs_totals
from tests.conftest import source_folder

ITOG_ROWS = [
    ("Экспорт ", 100.0), (" со странами дальнего зарубежья", 80.0), (" со странами СНГ", 20.0),
    ("Казахстан", 7.5), ("Импорт", 60.0), (" со странами дальнего зарубежья", 50.0),
    (" со странами СНГ", 10.0), ("Киргизия", 1.2),
]  # fmt: skip


def itog(folder: Path, rows=ITOG_ROWS, year: int = 2021, sheet: str = "2021",
         unit: str = "(млн долларов США)") -> Path:  # fmt: skip
    book = openpyxl.Workbook()
    book.active.title = "Содержание"
    book.active.append([None, "год", year])
    ws = book.create_sheet(sheet)
    ws.append(["К содержанию"])
    ws.append(["Основные показатели Российской Федерации"])
    ws.append(["(по данным ФТС России)", unit])
    ws.append([None, year])
    for row in rows:
        ws.append(list(row))
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / "94itog.xlsx")
    return folder / "94itog.xlsx"


APRILS = ("Январь-апрель 2023", "Январь-апрель 2024")


def strany(folder: Path, name: str = "strany_042024.xlsx", unit: str = "(млрд. долл. США)",
           periods: tuple[str, str] = APRILS) -> Path:  # fmt: skip
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "1"
    ws.append([f"Экспорт и импорт товаров Российской Федерации по группам стран\n{unit}"])
    ws.append([])
    ws.append([])
    ws.append([None, "Экспорт", None, None, "Импорт", None, None])
    ws.append([None, *periods, "темп роста, %", *periods, "темп роста, %"])
    ws.append(["Весь мир", 135.546, 135.1346, 99.7, 93.0353, 84.5673, 90.9])
    ws.append(["в том числе:", 0, 0, 0, None, None, 0])
    ws.append(["ЕВРОПА", 34.8838, 21.0175, 60.3, 27.4616, 22.1977, 80.8])
    ws.append(["ОКЕАНИЯ", 0.0018, 0.0026, 144.4, 0.0608, 0.0346, 56.9])
    ws.append([])
    ws.append(["* При использовании информации просьба указывать ссылку на ФТС России"])
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / name)
    return folder / name


# ---- 94itog ------------------------------------------------------------------------------------


def test_itog_totals_far_abroad_and_cis_are_world_and_aggregates(tmp_path: Path) -> None:
    itog(tmp_path)
    result = ru_fcs_totals.load(tmp_path)
    trade = Trade.validate(result.frames["trade"], lazy=True)
    export = trade[trade["flow"] == "export"].set_index("partner")
    assert export["value_original"].to_dict() == {"WLD": 100.0, "XRW": 80.0, "XCS": 20.0,
                                                  "KAZ": 7.5}  # fmt: skip
    assert export.loc["WLD", "value"] == 100e6 and export.loc["WLD", "partner_label"] == "Экспорт"
    assert (
        export.loc["XCS", "partner_is_aggregate"] and not export.loc["KAZ", "partner_is_aggregate"]
    )
    assert set(trade["basis"]) == {"year"}
    assert set(trade["period_start"]) == {pd.Timestamp(2021, 1, 1)}
    assert export.loc["WLD", "location"] == "94itog.xlsx, sheet '2021', row 5, column B"
    assert result.warnings == []


def test_itog_parts_that_miss_the_total_are_a_warning(tmp_path: Path) -> None:
    rows = [("Экспорт", 100.0), ("со странами дальнего зарубежья", 70.0), ("со странами СНГ", 20.0)]
    itog(tmp_path, rows=rows)
    result = ru_fcs_totals.load(tmp_path)
    [warning] = result.warnings
    assert "sheet '2021'" in warning and "gap -10.0" in warning
    assert len(result.frames["trade"]) == 3  # published as the file states them


def test_itog_year_heading_must_match_the_sheet_name(tmp_path: Path) -> None:
    itog(tmp_path, year=2020, sheet="2021")
    with pytest.raises(InputError) as err:
        ru_fcs_totals.load(tmp_path)
    assert err.value.problems[0].location == "sheet '2021', row 4, column B"


def test_itog_thousand_roubles_are_refused(tmp_path: Path) -> None:
    itog(tmp_path, unit="(тыс. рублей)")
    with pytest.raises(InputError) as err:
        ru_fcs_totals.load(tmp_path)
    assert "not converted" in err.value.problems[0].rule


def test_itog_empty_indicator_cell_is_an_error(tmp_path: Path) -> None:
    itog(tmp_path, rows=[("Экспорт", 100.0), ("со странами СНГ", None), ("Армения", 1.0)])
    with pytest.raises(InputError) as err:
        ru_fcs_totals.load(tmp_path)
    # An empty cell in the label's row: the row has a label, so it is read and refused.
    assert err.value.problems[0].location == "sheet '2021', row 6, column B"


# ---- страны ------------------------------------------------------------------------------------


def test_strany_reads_billions_from_the_heading_and_both_periods(tmp_path: Path) -> None:
    strany(tmp_path)
    result = ru_fcs_continents.load(tmp_path)
    trade = Trade.validate(result.frames["trade"], lazy=True)
    world = trade[(trade["partner"] == "WLD") & (trade["flow"] == "export")]
    by_year = world.set_index(world["period_start"].dt.year)
    assert by_year.loc[2024, "value"] == pytest.approx(135.1346e9)
    assert by_year.loc[2024, "unit_original"] == "billion USD"
    assert set(world["basis"]) == {"ytd"}
    assert set(world["period_end"]) == {pd.Timestamp(2023, 4, 30), pd.Timestamp(2024, 4, 30)}
    # Both periods carry this table's edition as their vintage.
    assert set(trade["vintage"]) == {"FCS data to 2024-04 (strany_042024)"}
    assert set(trade["partner"]) == {"WLD", "XEC", "XOC"}
    assert len(trade) == 3 * 2 * 2  # growth-rate columns are not published
    [dropped] = result.dropped
    assert dropped.content == "в том числе:"


def test_strany_january_to_december_is_a_year(tmp_path: Path) -> None:
    strany(tmp_path, "strany_122023.xlsx", periods=("январь-декабрь 2022", "январь-декабрь 2023"))
    trade = ru_fcs_continents.load(tmp_path).frames["trade"]
    assert set(trade["basis"]) == {"year"}
    assert set(trade["vintage"]) == {"FCS data to 2023-12 (strany_122023)"}


def test_strany_unknown_period_heading_is_an_error(tmp_path: Path) -> None:
    strany(tmp_path, periods=("I квартал 2023", "Январь-апрель 2024"))
    with pytest.raises(InputError) as err:
        ru_fcs_continents.load(tmp_path)
    problems = {(p.location, p.value) for p in err.value.problems}
    assert ("sheet '1', row 5, column B", "I квартал 2023") in problems


def test_strany_million_roubles_are_refused(tmp_path: Path) -> None:
    strany(tmp_path, unit="(млрд. руб.)")
    with pytest.raises(InputError) as err:
        ru_fcs_continents.load(tmp_path)
    assert err.value.problems[0].value == "(млрд. руб.)"


# ---- the real files ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(shared_data: Path) -> Path:
    return source_folder(shared_data, ru_fcs.SOURCE)


@pytest.mark.shared_data
def test_real_itog_2021_as_read_off_the_sheet(folder: Path) -> None:
    # Read off 94itog.xlsx with openpyxl: sheet '2021', B3 '(млн долларов США)', B5 (Экспорт)
    # 493096, B6 (дальнее зарубежье) 428162, B7 (СНГ) 64934, B10 (Казахстан) 18496,
    # B14 (Импорт) 293531.
    sheet = openpyxl.load_workbook(folder / "94itog.xlsx", read_only=True)["2021"]
    assert [sheet[c].value for c in ("B5", "B6", "B7", "B10", "B14")] == [
        493096, 428162, 64934, 18496, 293531,
    ]  # fmt: skip
    result = ru_fcs_totals.load(folder)
    trade = Trade.validate(result.frames["trade"], lazy=True)
    y2021 = trade[trade["period_start"] == pd.Timestamp(2021, 1, 1)]
    values = y2021.set_index(["flow", "partner"])["value"]
    assert values[("export", "WLD")] == 493_096e6
    assert values[("export", "XRW")] == 428_162e6
    assert values[("export", "XCS")] == 64_934e6
    assert values[("export", "KAZ")] == 18_496e6
    assert values[("import", "WLD")] == 293_531e6
    assert trade["period_start"].dt.year.agg(["min", "max"]).tolist() == [1994, 2021]
    # 1994 export, sheet '1994' B5: 63286.
    y1994 = trade[(trade["period_start"].dt.year == 1994) & (trade["partner"] == "WLD")]
    assert y1994.set_index("flow").loc["export", "value_original"] == 63286
    # The one year where far abroad + CIS misses the total: 2017 exports (357,261 vs 357,266).
    assert len(result.warnings) == 1 and "'2017'" in result.warnings[0]


@pytest.mark.shared_data
def test_real_strany_world_and_continents(folder: Path) -> None:
    result = ru_fcs_continents.load(folder)
    trade = Trade.validate(result.frames["trade"], lazy=True)
    world = trade[(trade["partner"] == "WLD") & (trade["flow"] == "export")].set_index(
        ["vintage", "period_end"]
    )["value"]
    ytd_2024 = ("FCS data to 2024-04 (strany_042024)", pd.Timestamp(2024, 4, 30))
    assert world[ytd_2024] == pytest.approx(135.1346e9)
    assert world[("FCS data to 2023-12 (strany_122023)", pd.Timestamp(2023, 12, 31))] == (
        pytest.approx(425.088e9)
    )
    # The same-period-a-year-earlier figure kept as that edition states it.
    assert world[("FCS data to 2024-04 (strany_042024)", pd.Timestamp(2023, 4, 30))] == (
        pytest.approx(135.546e9)
    )
    assert set(trade["partner"]) == {"WLD", "XEC", "XAS", "XAF", "XAM", "XOC"}
    assert set(trade["unit_original"]) == {"billion USD"}


@pytest.mark.shared_data
def test_real_folder_reads_every_table_once(folder: Path) -> None:
    result = sources.load(ru_fcs.SOURCE, folder)
    assert result.unread == [{"file": "PROVENANCE.md", "reason": "documentation, not data"}]
    names = sorted(p.name for p in result.files)
    assert names == sorted(
        ["96stran.xlsx", "94itog.xlsx", "strany_122023.xlsx", "strany_042024.xlsx",
         "publikatsiya_tstv_2022.xlsx", "struktura_122023.xlsx"]
    )  # fmt: skip
    Trade.validate(result.frames["trade"], lazy=True)  # one key per value across the tables

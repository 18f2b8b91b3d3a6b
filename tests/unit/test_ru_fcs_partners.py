"""FCS 96stran reader (monthly trade with main partners): crafted workbooks and the real file."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl.errors import InputError
from etl.schemas import Trade
from etl.sources import ru_fcs, ru_fcs_partners
from tests.conftest import source_folder

MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
          "октябрь", "ноябрь", "декабрь"]  # fmt: skip


def workbook(
    folder: Path,
    partners: tuple[str, ...] = ("Китaй", "Республикa \nКорея"),
    unit: str = "(млн доллалов США)",
    year_values: tuple[object, ...] | None = None,
    cells: dict[tuple[int, int], object] | None = None,
    name: str = "96stran.xlsx",
) -> Path:
    """A 96stran-like workbook: contents sheet, then «Экспорт» with one year of months."""
    book = openpyxl.Workbook()
    book.active.title = "Содержание"
    book.active["B6"] = "Экспорт"
    sheet = book.create_sheet("Экспорт")
    sheet.append(["К содержанию"])
    sheet.append(["Экспорт Российской Федерации в основные страны"])
    sheet.append(["(по данным ФТС России)"])
    sheet.append([unit])
    sheet.append([None, *partners])
    sheet.append([2006, *(year_values or [None] * len(partners))])
    for m, month in enumerate(MONTHS, start=1):
        sheet.append([f"  {month}", *[float(m * (k + 1)) for k in range(len(partners))]])
    for (row, col), value in (cells or {}).items():
        sheet.cell(row, col, value)
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / name)
    return folder / name


def test_latin_look_alikes_are_read_as_cyrillic() -> None:
    assert ru_fcs.cyrillic_look_alikes("Китaй") == "Китай"
    assert ru_fcs.cyrillic_look_alikes("Тaйвaнь") == "Тайвань"
    assert ru_fcs.cyrillic_look_alikes("Taiwan") == "Taiwan"  # no Cyrillic: not a typo
    assert ru_fcs.partner_code("Республикa \nКорея") == "KOR"


def test_months_are_single_months_in_usd_with_the_label_as_written(tmp_path: Path) -> None:
    workbook(tmp_path)
    result = ru_fcs_partners.load(tmp_path)
    trade = Trade.validate(result.frames["trade"], lazy=True)
    china = trade[trade["partner"] == "CHN"].set_index("period_start")
    assert len(china) == 12
    may = china.loc[pd.Timestamp(2006, 5, 1)]
    assert (may["basis"], may["period_end"]) == ("month", pd.Timestamp(2006, 5, 31))
    assert (may["value_original"], may["value"], may["unit_original"]) == (5.0, 5e6, "million USD")
    assert may["partner_label"] == "Китaй"  # as the file writes it, Latin 'a' included
    assert may["location"] == "96stran.xlsx, sheet 'Экспорт', row 11, column B"
    assert set(trade["partner"]) == {"CHN", "KOR"}  # no World row: the file has no total column
    assert set(trade["flow"]) == {"export"}


def test_unit_in_another_currency_is_refused(tmp_path: Path) -> None:
    workbook(tmp_path, unit="(млн рублей)")
    with pytest.raises(InputError) as err:
        ru_fcs_partners.load(tmp_path)
    problem = err.value.problems[0]
    assert (problem.location, problem.value) == ("sheet 'Экспорт', row 4, column A", "(млн рублей)")
    assert "not converted" in problem.rule


def test_unknown_partner_fails_naming_the_heading_cell(tmp_path: Path) -> None:
    workbook(tmp_path, partners=("Китaй", "Атлантида"))
    with pytest.raises(InputError) as err:
        ru_fcs_partners.load(tmp_path)
    [problem] = err.value.problems
    assert (problem.location, problem.value) == ("sheet 'Экспорт', row 5, column C", "Атлантида")
    assert "country_names/ru.csv" in problem.rule


def test_not_available_mark_publishes_no_row_and_is_listed(tmp_path: Path) -> None:
    workbook(tmp_path, cells={(13, 2): "…"})  # July 2006, China
    result = ru_fcs_partners.load(tmp_path)
    china = result.frames["trade"].query("partner == 'CHN'")
    assert len(china) == 11
    [dropped] = result.dropped
    assert dropped.location == "96stran.xlsx, sheet 'Экспорт', row 13, column B"
    assert "«…»" in dropped.reason


def test_text_in_a_value_cell_is_an_error(tmp_path: Path) -> None:
    workbook(tmp_path, cells={(13, 2): "12,3 млн"})
    with pytest.raises(InputError) as err:
        ru_fcs_partners.load(tmp_path)
    assert err.value.problems[0].location == "sheet 'Экспорт', row 13, column B"


def test_a_year_total_is_published_as_stated_and_checked_against_its_months(
    tmp_path: Path,
) -> None:
    # China's months sum to 78; Korea's to 156 but the file says 150.
    workbook(tmp_path, year_values=(78.0, 150.0))
    result = ru_fcs_partners.load(tmp_path)
    trade = Trade.validate(result.frames["trade"], lazy=True)
    years = trade[trade["basis"] == "year"].set_index("partner")["value_original"]
    assert years.to_dict() == {"CHN": 78.0, "KOR": 150.0}
    [warning] = result.warnings
    assert "Республикa Корея" in warning and "156.00" in warning


def test_a_month_before_any_year_row_is_an_error(tmp_path: Path) -> None:
    workbook(tmp_path, cells={(6, 1): "год"})  # the year heading lost
    with pytest.raises(InputError) as err:
        ru_fcs_partners.load(tmp_path)
    assert "before any year row" in err.value.problems[0].rule


# ---- the real file -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_data: Path) -> pd.DataFrame:
    folder = source_folder(shared_data, ru_fcs_partners.SOURCE)
    return ru_fcs_partners.load(folder).frames["trade"]


@pytest.mark.shared_data
def test_real_exports_to_china_match_provenance(real: pd.DataFrame) -> None:
    Trade.validate(real, lazy=True)
    china = real[(real["partner"] == "CHN") & (real["flow"] == "export")]
    by_month = china.set_index("period_start")["value_original"]
    assert by_month[pd.Timestamp(2021, 5, 1)] == pytest.approx(4800.98, abs=0.005)
    assert by_month[pd.Timestamp(2006, 1, 1)] == pytest.approx(1197.01, abs=0.005)
    assert china["value"].max() == pytest.approx(by_month.max() * 1e6)
    assert (china["period_start"].min(), china["period_end"].max()) == (
        pd.Timestamp(2006, 1, 1),
        pd.Timestamp(2021, 12, 31),
    )
    assert len(china) == 16 * 12 and set(china["basis"]) == {"month"}


@pytest.mark.shared_data
def test_real_file_has_29_partners_both_flows_and_no_world(real: pd.DataFrame) -> None:
    assert real["partner"].nunique() == 29
    assert {"CHN", "TWN", "KOR", "CZE", "KAZ"} <= set(real["partner"])
    assert "WLD" not in set(real["partner"])
    assert set(real["flow"]) == {"export", "import"}
    # Kazakhstan July–December 2010 is «…» in both sheets (customs union border controls ended).
    kaz_2010 = real[(real["partner"] == "KAZ") & (real["period_start"].dt.year == 2010)]
    assert sorted(kaz_2010["period_start"].dt.month.unique()) == [1, 2, 3, 4, 5, 6]

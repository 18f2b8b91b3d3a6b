"""Later editions of the national tables: read, kept as vintages, or refused with the reason.

Every workbook and CSV here is built at test time from the REAL files in ../shared/data, changed
only the way the publisher's own editions change (a new year column or sheet, new month rows, a
title row more, another unit, a renamed sheet). Where a new period is needed, real values are
copied under the new label: these are layout fixtures, and the tests assert that the copied
values come back under the new period, never that they are the publisher's figures for it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from etl import metrics
from etl.errors import InputError
from etl.sources import bns_monthly_totals as monthly
from etl.sources import bns_trade_by_country as bns
from etl.sources import kg_nsc_trade as kg
from etl.sources import ru_fcs_partners as fcs
from etl.sources import uz_stat_trade as uz
from tests.conftest import source_folder

pytestmark = pytest.mark.shared_data

Rows = list[list[object]]


# ---- building editions from the real files ----------------------------------------------------


def sheets_of(path: Path) -> dict[str, Rows]:
    """Every sheet of a real workbook as rows of cells (empty cells as None)."""
    book = CalamineWorkbook.from_path(str(path))
    return {
        name: [
            [None if c == "" else c for c in row]
            for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        ]
        for name in book.sheet_names
    }


def write_book(path: Path, sheets: dict[str, Rows]) -> Path:
    """An .xlsx holding `sheets` as values (what Excel saves when a user pastes values)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def relabel(rows: Rows, old: str, new: str, above: int) -> Rows:
    """The rows with `old` replaced by `new` in the text cells of the first `above` rows."""
    return [
        [c.replace(old, new) if i < above and isinstance(c, str) else c for c in row]
        for i, row in enumerate(rows)
    ]


def one_value(trade: pd.DataFrame, **match: object) -> pd.Series:
    hit = trade
    for column, value in match.items():
        hit = hit[hit[column] == value]
    assert len(hit) == 1, f"{match}: {len(hit)} rows"
    return hit.iloc[0]


def problems_text(exc: pytest.ExceptionInfo[InputError]) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


# ---- BNS Kazakhstan, annual by country (one sheet per year) -----------------------------------

BNS_2023 = "bns_foreign_trade_by_country_2023.xls"
BNS_HEADER = 3  # 0-based row of «Наименование | Товарооборот | Экспорт | Импорт»


@pytest.fixture(scope="module")
def bns_sheets(shared_data: Path) -> dict[str, Rows]:
    return sheets_of(source_folder(shared_data, bns.SOURCE) / BNS_2023)


def bns_folder(tmp_path: Path, shared_data: Path, *real: str) -> Path:
    folder = tmp_path / bns.SOURCE
    folder.mkdir()
    for name in real:
        shutil.copy(shared_data / bns.SOURCE / name, folder / name)
    return folder


def test_bns_next_edition_adds_a_year_and_revises_the_last(
    tmp_path: Path, shared_data: Path, bns_sheets: dict[str, Rows]
) -> None:
    folder = bns_folder(tmp_path, shared_data, BNS_2023)
    # Layout fixture: the 2023 sheet relabelled «2024 год» stands for the 2024 sheet.
    later = {"2023": bns_sheets["2023"], "2024": relabel(bns_sheets["2023"], "2023", "2024", 3)}
    write_book(folder / "bns_foreign_trade_by_country_2024.xlsx", later)

    trade = bns.load(folder).frames["trade"]

    ita = one_value(trade, vintage="2024 edition", partner="ITA", flow="turnover",
                    period_start=pd.Timestamp(2024, 1, 1))  # fmt: skip
    assert ita["value_original"] == pytest.approx(16_075_483.1, abs=0.05)  # the copied 2023 cell
    assert ita["location"].endswith("sheet '2024', row " + str(ita["location"].split()[-1]))
    # 2023 now stands in two editions; both are kept, and the newest is the one shown.
    year_2023 = trade[trade["period_start"] == pd.Timestamp(2023, 1, 1)]
    assert set(year_2023["vintage"]) == {"2023 edition", "2024 edition"}
    latest = metrics.latest_vintage(year_2023)
    assert set(latest["vintage"]) == {"2024 edition"}


def test_bns_revised_year_keeps_both_vintages_and_shows_the_newer(
    tmp_path: Path, shared_data: Path
) -> None:
    # The publisher's own revision: 2019 as first published (2019 edition) and revised (2020).
    folder = bns_folder(tmp_path, shared_data, "bns_foreign_trade_by_country_2019.xls",
                        "bns_foreign_trade_by_country_2020.xls")  # fmt: skip
    trade = bns.load(folder).frames["trade"]
    world = trade[(trade["partner"] == "WLD") & (trade["flow"] == "export")
                  & (trade["period_start"] == pd.Timestamp(2019, 1, 1))]  # fmt: skip
    assert set(world["vintage"]) == {"2019 edition", "2020 edition"}
    shown = metrics.latest_vintage(world)
    assert shown["vintage"].tolist() == ["2020 edition"]
    assert shown["value"].iat[0] == world.loc[world["vintage"] == "2020 edition", "value"].iat[0]


def test_bns_two_files_of_one_edition_that_disagree_are_refused_naming_both(
    tmp_path: Path, shared_data: Path, bns_sheets: dict[str, Rows]
) -> None:
    folder = bns_folder(tmp_path, shared_data, BNS_2023)
    # Layout fixture: another "2023 edition" whose 2023 sheet holds the 2022 sheet's values.
    other = {"2023": relabel(bns_sheets["2022"], "2022", "2023", 3)}
    write_book(folder / "bns_foreign_trade_by_country_2023_other.xlsx", other)

    with pytest.raises(InputError) as exc:
        bns.load(folder)

    text = problems_text(exc)
    assert BNS_2023 in text and "bns_foreign_trade_by_country_2023_other.xlsx" in text
    assert "keep one of the two files" in text
    # one problem per pair of files and sheet, not one per partner and flow
    assert len(exc.value.problems) == 1


def test_bns_title_row_above_the_header_is_read(
    tmp_path: Path, bns_sheets: dict[str, Rows], shared_data: Path
) -> None:
    folder = bns_folder(tmp_path, shared_data)
    title = ["Бюро национальной статистики"] + [None] * 6
    write_book(folder / "bns_foreign_trade_by_country_2023.xlsx",
               {"2023": [title, *bns_sheets["2023"]]})  # fmt: skip
    trade = bns.load(folder).frames["trade"]
    ita = one_value(trade, partner="ITA", flow="export")
    assert ita["value_original"] == pytest.approx(14_833_289.9, abs=0.05)


def test_bns_extra_headed_column_is_reported_once_and_the_table_read(
    tmp_path: Path, bns_sheets: dict[str, Rows], shared_data: Path
) -> None:
    folder = bns_folder(tmp_path, shared_data)
    rows = [list(r) for r in bns_sheets["2023"]]
    rows[BNS_HEADER].append("Сальдо")
    for row in rows[BNS_HEADER + 2 :]:  # a copy of column B stands for the new column's values
        row.append(row[1])
    write_book(folder / "bns_foreign_trade_by_country_2023.xlsx", {"2023": rows})

    result = bns.load(folder)

    ita = one_value(result.frames["trade"], partner="ITA", flow="turnover")
    assert ita["value_original"] == pytest.approx(16_075_483.1, abs=0.05)
    about_h = [w for w in result.warnings if "column H" in w]
    assert len(about_h) == 1, about_h[:3]
    assert "«Сальдо»" in about_h[0] and "not read" in about_h[0]


def test_bns_renamed_sheet_is_read_by_its_title_or_refused_when_they_disagree(
    tmp_path: Path, bns_sheets: dict[str, Rows], shared_data: Path
) -> None:
    folder = bns_folder(tmp_path, shared_data)
    book = folder / "bns_foreign_trade_by_country_2023.xlsx"
    write_book(book, {"Лист1": bns_sheets["2023"]})
    trade = bns.load(folder).frames["trade"]
    assert set(trade["period_start"]) == {pd.Timestamp(2023, 1, 1)}

    write_book(book, {"2022": bns_sheets["2023"]})
    with pytest.raises(InputError) as exc:
        bns.load(folder)
    [problem] = exc.value.problems
    assert problem.file == book.name and problem.location == "sheet '2022'"
    assert "disagrees with the sheet name" in problem.rule and "fix one" in problem.rule


def test_bns_million_usd_edition_is_refused_naming_the_unit_cell(
    tmp_path: Path, bns_sheets: dict[str, Rows], shared_data: Path
) -> None:
    # BNS has printed thousand USD in every edition seen; a sheet in another unit is refused
    # (never read as thousands), naming the cell.
    folder = bns_folder(tmp_path, shared_data)
    rows = [list(r) for r in bns_sheets["2023"]]
    rows[2][4] = "млн. долларов США"
    for row in rows[BNS_HEADER + 2 :]:  # the same table in million USD: value columns / 1000
        for c in (1, 3, 5):
            row[c] = row[c] / 1000 if isinstance(row[c], float) else row[c]
    write_book(folder / "bns_foreign_trade_by_country_2023.xlsx", {"2023": rows})
    with pytest.raises(InputError) as exc:
        bns.load(folder)
    [problem] = exc.value.problems
    assert (problem.location, problem.column, problem.value) == ("sheet '2023', row 3", "E",
                                                                 "млн. долларов США")  # fmt: skip
    assert "does not convert units" in problem.rule


def test_bns_unit_in_another_currency_is_refused_with_the_cell(
    tmp_path: Path, bns_sheets: dict[str, Rows], shared_data: Path
) -> None:
    folder = bns_folder(tmp_path, shared_data)
    rows = [list(r) for r in bns_sheets["2023"]]
    rows[2][4] = "млн. тенге"
    write_book(folder / "bns_foreign_trade_by_country_2023.xlsx", {"2023": rows})
    with pytest.raises(InputError) as exc:
        bns.load(folder)
    [problem] = exc.value.problems
    assert (problem.location, problem.column, problem.value) == ("sheet '2023', row 3", "E",
                                                                 "млн. тенге")  # fmt: skip
    assert "does not convert" in problem.rule or "US dollars" in problem.rule


# ---- NSC Kyrgyzstan by country (a column per year) --------------------------------------------

KG_EXPORTS = "kg_nsc_4.03.00.18_exports_by_country.xlsx"
KG_HEADER = 4  # 1-based row of the year header in the real exports table


def kg_edition(shared_data: Path, target: Path, change: object) -> Path:
    """The real exports table, opened as values, changed by `change(sheet)`, saved at `target`."""
    book = openpyxl.load_workbook(source_folder(shared_data, kg.SOURCE) / KG_EXPORTS,
                                  data_only=True)  # fmt: skip
    change(book.active)  # type: ignore[operator]
    target.parent.mkdir(exist_ok=True)
    book.save(target)
    return target


def last_year_column(sheet: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """1-based column of the last year heading (the sheet's formatted area runs further)."""
    return max(c for c in range(1, sheet.max_column + 1) if sheet.cell(KG_HEADER, c).value)


def test_kg_next_edition_gains_a_year_column(tmp_path: Path, shared_data: Path) -> None:
    def add_2024(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        last = last_year_column(sheet)
        # Layout fixture: the 2023 column copied under a 2024 heading.
        for row in range(1, sheet.max_row + 1):
            sheet.cell(row, last + 1, sheet.cell(row, last).value)
        sheet.cell(KG_HEADER, last + 1, 2024)

    folder = tmp_path / kg.SOURCE
    folder.mkdir()
    shutil.copy(shared_data / kg.SOURCE / KG_EXPORTS, folder / KG_EXPORTS)
    kg_edition(shared_data, folder / "kg_nsc_4.03.00.18_exports_by_country_2024.xlsx", add_2024)

    trade = kg.load(folder).frames["trade"]

    kaz = trade[(trade["partner"] == "KAZ") & (trade["period_start"].dt.year >= 2023)]
    by = kaz.set_index(["vintage", kaz["period_start"].dt.year])["value_original"]
    assert by[("edition with data to 2024", 2024)] == pytest.approx(449_009.325)
    assert by[("edition with data to 2024", 2023)] == pytest.approx(449_009.325)
    assert by[("edition with data to 2023", 2023)] == pytest.approx(449_009.325)
    shown = metrics.latest_vintage(kaz[kaz["period_start"].dt.year == 2023])
    assert shown["vintage"].tolist() == ["edition with data to 2024"]


def test_kg_title_row_above_is_read_and_million_usd_is_converted(
    tmp_path: Path, shared_data: Path
) -> None:
    def to_million(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        for col, unit in zip((1, 2, 3), ("(млн. АКШ доллары)", "(млн. долларов США)",
                                         "(million US dollars)"), strict=True):  # fmt: skip
            sheet.cell(2, col, unit)
        for row in range(KG_HEADER + 1, sheet.max_row + 1):
            for col in range(4, sheet.max_column + 1):
                value = sheet.cell(row, col).value
                if isinstance(value, int | float):
                    sheet.cell(row, col, value / 1000)
        sheet.insert_rows(1)
        sheet.cell(1, 3, "National Statistical Committee of the Kyrgyz Republic")

    folder = tmp_path / kg.SOURCE
    kg_edition(shared_data, folder / KG_EXPORTS, to_million)
    trade = kg.load(folder).frames["trade"]
    kaz = one_value(trade, partner="KAZ", period_start=pd.Timestamp(2023, 1, 1))
    assert kaz["unit_original"] == "million USD"
    assert kaz["value"] == pytest.approx(449_009_325, rel=1e-9)
    real = kg.load(source_folder(shared_data, kg.SOURCE)).frames["trade"]
    real_kaz = one_value(real, partner="KAZ", flow="export", period_start=pd.Timestamp(2023, 1, 1))
    row = int(re.search(r"row (\d+)", real_kaz["location"])[1])  # type: ignore[index]
    assert f"row {row + 1}, column AG" in kaz["location"]  # one title row more


def test_kg_units_that_disagree_between_languages_are_refused(
    tmp_path: Path, shared_data: Path
) -> None:
    folder = tmp_path / kg.SOURCE
    kg_edition(shared_data, folder / KG_EXPORTS,
               lambda sheet: sheet.cell(2, 3, "(million US dollars)"))  # fmt: skip
    with pytest.raises(InputError) as exc:
        kg.load(folder)
    [problem] = exc.value.problems
    assert problem.file == KG_EXPORTS and "disagree" in problem.rule


def test_kg_extra_column_that_is_not_a_year_is_reported(tmp_path: Path, shared_data: Path) -> None:
    def add_share(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        last = last_year_column(sheet)
        sheet.cell(KG_HEADER, last + 1, "Share in 2023, %")
        for row in range(KG_HEADER + 1, sheet.max_row + 1):
            sheet.cell(row, last + 1, sheet.cell(row, last).value)

    folder = tmp_path / kg.SOURCE
    kg_edition(shared_data, folder / KG_EXPORTS, add_share)
    result = kg.load(folder)
    assert one_value(result.frames["trade"], partner="KAZ",
                     period_start=pd.Timestamp(2023, 1, 1))["value_original"] == pytest.approx(
        449_009.325
    )  # fmt: skip
    [warning] = [w for w in result.warnings if "Share in 2023" in w]
    assert KG_EXPORTS in warning and "column AH" in warning and "not read" in warning


# ---- Statistics Agency of Uzbekistan (CSV, a column per year) ---------------------------------

UZ_EXPORTS = "sdmx_data_1105.csv"


def uz_lines(shared_data: Path) -> list[str]:
    text = (source_folder(shared_data, uz.SOURCE) / UZ_EXPORTS).read_text("utf-8-sig")
    return text.splitlines()


def with_2024(lines: list[str]) -> list[str]:
    """Layout fixture: the 2023 column copied under a 2024 heading."""
    header, *body = lines
    return [f"{header},2024"] + [f"{line},{line.rsplit(',', 1)[1]}" for line in body if line]


def test_uz_later_edition_beside_the_first_keeps_both_vintages(
    tmp_path: Path, shared_data: Path
) -> None:
    folder = tmp_path / uz.SOURCE
    folder.mkdir()
    shutil.copy(shared_data / uz.SOURCE / UZ_EXPORTS, folder / UZ_EXPORTS)
    later = folder / "sdmx_data_1105_2024.csv"
    later.write_text("\n".join(with_2024(uz_lines(shared_data))) + "\n", "utf-8-sig")

    trade = uz.load(folder).frames["trade"]

    kaz = trade[trade["partner"] == "KAZ"]
    by = kaz.set_index(["vintage", kaz["period_start"].dt.year])["value_original"]
    assert by[("edition with data to 2024", 2024)] == pytest.approx(1_417_053.6)
    assert by[("edition with data to 2023", 2023)] == pytest.approx(1_417_053.6)
    assert set(kaz["flow"]) == {"export"}
    shown = metrics.latest_vintage(kaz[kaz["period_start"].dt.year == 2023])
    assert shown["vintage"].tolist() == ["edition with data to 2024"]


def test_uz_two_downloads_of_one_edition_are_refused_naming_both(
    tmp_path: Path, shared_data: Path
) -> None:
    folder = tmp_path / uz.SOURCE
    folder.mkdir()
    shutil.copy(shared_data / uz.SOURCE / UZ_EXPORTS, folder / UZ_EXPORTS)
    shutil.copy(shared_data / uz.SOURCE / UZ_EXPORTS, folder / "sdmx_data_1105 (1).csv")
    with pytest.raises(InputError) as exc:
        uz.load(folder)
    [problem] = exc.value.problems
    assert "sdmx_data_1105 (1).csv" in str(problem) and UZ_EXPORTS in str(problem)
    assert "keep one" in problem.rule


def test_uz_title_line_above_the_header_is_read(tmp_path: Path, shared_data: Path) -> None:
    folder = tmp_path / uz.SOURCE
    folder.mkdir()
    lines = ["Eksport / Экспорт / Exports,,,", *uz_lines(shared_data)]
    (folder / UZ_EXPORTS).write_text("\n".join(lines) + "\n", "utf-8-sig")
    trade = uz.load(folder).frames["trade"]
    kaz = one_value(trade, partner="KAZ", period_start=pd.Timestamp(2023, 1, 1))
    assert kaz["value_original"] == pytest.approx(1_417_053.6)
    assert kaz["location"].startswith(f"{UZ_EXPORTS}, line ")


def test_uz_unknown_column_is_refused_with_its_name(tmp_path: Path, shared_data: Path) -> None:
    folder = tmp_path / uz.SOURCE
    folder.mkdir()
    lines = uz_lines(shared_data)
    # A column the agency could add (a unit), copied from the English label column's position.
    lines = [lines[0] + ",Unit"] + [f"{line},thousand USD" for line in lines[1:] if line]
    (folder / UZ_EXPORTS).write_text("\n".join(lines) + "\n", "utf-8-sig")
    with pytest.raises(InputError) as exc:
        uz.load(folder)
    [problem] = exc.value.problems
    assert (problem.file, problem.location, problem.value) == (UZ_EXPORTS, "line 1", "Unit")
    assert "remove" in problem.rule


# ---- BNS monthly totals (CSV, rows appended each month) ---------------------------------------


def monthly_folder(tmp_path: Path, shared_data: Path) -> Path:
    folder = tmp_path / monthly.SOURCE
    shutil.copytree(source_folder(shared_data, monthly.SOURCE), folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def test_monthly_later_edition_with_new_months_says_its_data_end(
    tmp_path: Path, shared_data: Path
) -> None:
    folder = monthly_folder(tmp_path, shared_data)
    exports = folder / "exports.csv"
    lines = exports.read_text("utf-8").splitlines()
    # Layout fixture: June 2026's line copied as July 2026.
    june = next(line for line in lines if line.startswith("2026-06-01,"))
    exports.write_text("\r\n".join([*lines, june.replace("2026-06-01", "2026-07-01")]) + "\r\n")

    trade = monthly.load(folder).frames["trade"]

    july = one_value(trade, flow="export", period_start=pd.Timestamp(2026, 7, 1))
    assert july["value"] == pytest.approx(float(june.split(",")[1]) * 1000)
    # one vintage for the folder, named by the month its data end with (not a fixed label)
    assert set(trade["vintage"]) == {"data to 2026-07"}
    assert trade[trade["flow"] == "turnover"]["period_start"].max() == pd.Timestamp(2026, 6, 1)


def test_monthly_extra_column_is_read_as_usual(tmp_path: Path, shared_data: Path) -> None:
    # The project's rule for these CSVs (tests/fixtures/hostile/bns_monthly.py): a column beyond
    # date, value, transformation is not read and the values are read as before.
    folder = monthly_folder(tmp_path, shared_data)
    exports = folder / "exports.csv"
    lines = exports.read_text("utf-8").splitlines()
    exports.write_text(
        "\r\n".join([lines[0] + ",unit"] + [f"{line},thousand USD" for line in lines[1:]]) + "\r\n"
    )
    trade = monthly.load(folder).frames["trade"]
    first = one_value(trade, flow="export", period_start=pd.Timestamp(2019, 1, 1))
    assert first["value"] == pytest.approx(5_351_587_748.33999)


def test_monthly_second_exports_file_is_refused_with_the_remedy(
    tmp_path: Path, shared_data: Path
) -> None:
    folder = monthly_folder(tmp_path, shared_data)
    shutil.copy(folder / "exports.csv", folder / "exports_2026-10.csv")
    with pytest.raises(InputError) as exc:
        monthly.load(folder)
    [problem] = exc.value.problems
    assert problem.file == "exports_2026-10.csv"
    assert "exports" in problem.rule and "imports" in problem.rule


# ---- Russian FCS, monthly by main partner (96stran: rows of months) ---------------------------

FCS_PARTNERS = "96stran.xlsx"


def fcs_edition(shared_data: Path, target: Path, change: object) -> Path:
    book = openpyxl.load_workbook(source_folder(shared_data, fcs.SOURCE) / FCS_PARTNERS,
                                  data_only=True)  # fmt: skip
    for name in ("Экспорт", "Импорт"):
        change(book[name])  # type: ignore[operator]
    target.parent.mkdir(exist_ok=True)
    book.save(target)
    return target


def test_fcs_later_edition_with_a_new_year_of_months(tmp_path: Path, shared_data: Path) -> None:
    def add_2022(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        last = sheet.max_row
        # Layout fixture: the 2021 block (a year row, then 12 months) copied as 2022.
        block = [[c.value for c in sheet[r]] for r in range(last - 12, last + 1)]
        assert block[0][0] == 2021
        block[0][0] = 2022
        for row in block:
            sheet.append(row)

    folder = tmp_path / fcs.SOURCE
    folder.mkdir()
    shutil.copy(shared_data / fcs.SOURCE / FCS_PARTNERS, folder / FCS_PARTNERS)
    fcs_edition(shared_data, folder / "96stran_2022.xlsx", add_2022)

    trade = fcs.load(folder).frames["trade"]

    china = trade[(trade["partner"] == "CHN") & (trade["flow"] == "export")]
    may = china[china["period_start"].dt.strftime("%Y-%m").isin(["2021-05", "2022-05"])]
    by = may.set_index(["vintage", may["period_start"].dt.year])["value_original"]
    assert by[("FCS data to 2022-12 (96stran_2022)", 2022)] == pytest.approx(4_800.98, abs=0.01)
    assert by[("FCS data to 2021-12 (96stran)", 2021)] == pytest.approx(4_800.98, abs=0.01)
    shown = metrics.latest_vintage(may[may["period_start"].dt.year == 2021])
    assert shown["vintage"].tolist() == ["FCS data to 2022-12 (96stran_2022)"]


def test_fcs_billion_usd_title_row_and_renamed_sheet_are_read(
    tmp_path: Path, shared_data: Path
) -> None:
    def change(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        assert sheet.cell(4, 1).value == "(млн доллалов США)"
        sheet.cell(4, 1, "(млрд. долл. США)")
        for row in sheet.iter_rows(min_row=6, min_col=2):
            for cell in row:
                if isinstance(cell.value, int | float):
                    cell.value = cell.value / 1000
        sheet.insert_rows(1)
        sheet.cell(1, 1, "Федеральная таможенная служба")
        sheet.title = "Лист " + sheet.title  # «Лист Экспорт»: the flow is still in the name

    folder = tmp_path / fcs.SOURCE
    fcs_edition(shared_data, folder / FCS_PARTNERS, change)
    trade = fcs.load(folder).frames["trade"]
    jan = one_value(trade, partner="CHN", flow="export", period_start=pd.Timestamp(2006, 1, 1))
    assert jan["unit_original"] == "billion USD"
    assert jan["value"] == pytest.approx(1_197_010_990, rel=1e-9)
    assert "sheet 'Лист Экспорт', row 8" in jan["location"]


def test_fcs_unknown_partner_column_is_refused_with_its_cell(
    tmp_path: Path, shared_data: Path
) -> None:
    def add_column(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        new = sheet.max_column + 1
        sheet.cell(5, new, "Прочие страны дальнего зарубежья")
        for row in range(6, sheet.max_row + 1):  # column B's values copied into it
            sheet.cell(row, new, sheet.cell(row, 2).value)

    folder = tmp_path / fcs.SOURCE
    fcs_edition(shared_data, folder / FCS_PARTNERS, add_column)
    with pytest.raises(InputError) as exc:
        fcs.load(folder)
    where = {(p.file, p.location, p.value) for p in exc.value.problems}
    assert (FCS_PARTNERS, "sheet 'Экспорт', row 5, column AE",
            "Прочие страны дальнего зарубежья") in where  # fmt: skip
    assert all("country_names/ru.csv" in p.rule for p in exc.value.problems)

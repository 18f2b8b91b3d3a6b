"""IMF DOTS reader on small workbooks written with openpyxl in the legacy data.imf.org layout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from etl import schemas
from etl.errors import InputError
from etl.sources import imf_dots

YEARS = ["2018", "2019", "2020"]
EXPORT_ROWS = [
    ("Australia", [1.5, 2.0, 2.5]),  # DOTS puts Australia first and again under Advanced Economies
    ("World", [60653.9, 57676.7, 46926.8]),
    ("Advanced Economies", [30000.0, 30627.1, 20598.3]),
    ("Australia", [1.5, 2.0, 2.5]),
    ("Italy", [11732.8, 8373.7, 6644.7]),
    ("Netherlands, The", ["13.35 e", None, 4.0]),
    ("China, P.R.: Mainland", [None, None, None]),
    ("Memorandum Items", [None, None, None]),
    ("Emerging Market and Developing Economies by Source of Export Earnings: Fuel", [1, 2, 3]),
]
IMPORT_ROWS = [("World", [38000.0, 38419.0, 38142.9]), ("Italy", [500.0, 600.0, 700.0])]


def write_dots(
    path: Path,
    sheets: dict[str, list[tuple[str, list]]] | None = None,
    reporter: str = "Kazakhstan, Rep. of",
    unit: str = "US Dollars, Millions",
    row_shift: int = 0,
    col_shift: int = 0,
    gap_column: bool = False,
    years: list = YEARS,
) -> Path:
    """A DOTS workbook: title B2, reporter B4, unit B5, years as text in row 7, partners from 8.

    `row_shift`/`col_shift` move the whole table; `gap_column` puts an empty column between the
    partner names and the first year, as a later edition might.
    """
    sheets = sheets or {"Exports, FOB": EXPORT_ROWS, "Imports, CIF": IMPORT_ROWS}
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        label_col = 2 + col_shift
        first_year_col = label_col + 1 + (1 if gap_column else 0)
        title = f"{name} to Partner Countries" if "Export" in name else f"{name} from Partners"
        ws.cell(2 + row_shift, label_col, title)
        ws.cell(4 + row_shift, label_col, reporter)
        ws.cell(5 + row_shift, label_col, unit)
        for k, year in enumerate(years):
            ws.cell(7 + row_shift, first_year_col + k, year)
        for i, (label, values) in enumerate(rows):
            ws.cell(8 + row_shift + i, label_col, label)
            for k, value in enumerate(values):
                if value is not None:
                    ws.cell(8 + row_shift + i, first_year_col + k, value)
    book.save(path)
    return path


def tidy_of(path: Path) -> pd.DataFrame:
    return imf_dots.normalize(imf_dots.read(path))


def value(df: pd.DataFrame, partner: str, flow: str, year: int) -> float:
    hit = df[(df["partner"] == partner) & (df["flow"] == flow)]
    return float(hit.loc[hit["period_start"].dt.year == year, "value"].item())


def test_values_are_usd_with_flow_valuation_and_reporter(tmp_path: Path) -> None:
    df = tidy_of(write_dots(tmp_path / "kaz.xlsx"))
    schemas.Trade.validate(df, lazy=True)
    assert value(df, "ITA", "export", 2018) == pytest.approx(11_732.8e6)
    assert value(df, "WLD", "export", 2020) == pytest.approx(46_926.8e6)
    assert value(df, "ITA", "import", 2020) == pytest.approx(700e6)
    assert set(df["reporter"]) == {"KAZ"}
    exports = df[df["flow"] == "export"]
    assert set(exports["valuation"]) == {"FOB"}
    assert set(df.loc[df["flow"] == "import", "valuation"]) == {"CIF"}
    assert set(df["unit_original"]) == {"USD m"} and set(df["currency"]) == {"USD"}
    assert (df["value_usd"] == df["value"]).all()
    assert set(df["basis"]) == {"year"} and set(df["vintage"]) == {"2022 download"}
    assert "turnover" not in set(df["flow"])
    row = exports[(exports["partner"] == "ITA") & (exports["period_start"].dt.year == 2019)]
    assert row["value_original"].item() == pytest.approx(8373.7)
    assert row["period_end"].item() == pd.Timestamp(2019, 12, 31)
    assert "sheet 'Exports, FOB'" in row["citation"].item()


def test_estimate_flag_is_split_from_the_number(tmp_path: Path) -> None:
    df = tidy_of(write_dots(tmp_path / "kaz.xlsx"))
    nld = df[(df["partner"] == "NLD") & (df["flow"] == "export")]
    nld = nld.set_index(nld["period_start"].dt.year)
    assert nld.loc[2018, "value"] == pytest.approx(13.35e6)
    assert nld.loc[2018, "flag"] == "e"
    assert pd.isna(nld.loc[2020, "flag"])
    assert 2019 not in nld.index  # empty cell: no row


def test_aggregates_are_coded_and_flagged(tmp_path: Path) -> None:
    df = tidy_of(write_dots(tmp_path / "kaz.xlsx"))
    flags = df.drop_duplicates("partner").set_index("partner")["partner_is_aggregate"]
    assert flags["WLD"] and flags["XAD"] and flags["XFU"]
    assert not flags["ITA"] and not flags["NLD"]
    labels = df.drop_duplicates("partner").set_index("partner")["partner_label"]
    assert labels["XFU"].endswith("Source of Export Earnings: Fuel")
    assert "Memorandum Items" not in set(df["partner_label"])


def test_repeated_partner_with_same_values_is_kept_once_and_listed(tmp_path: Path) -> None:
    path = write_dots(tmp_path / "kaz.xlsx")
    result = imf_dots.load(tmp_path)
    df = result.frames["trade"]
    assert len(df[(df["partner"] == "AUS") & (df["flow"] == "export")]) == 3
    repeat = [d for d in result.dropped if d.location == "sheet 'Exports, FOB', row 11"]
    assert repeat[0].reason == "partner repeated with identical values; row 8 kept"
    memo = [d for d in result.dropped if d.content == "Memorandum Items"]
    assert memo and memo[0].location == "sheet 'Exports, FOB', row 15"
    empty = [d for d in result.dropped if d.content.startswith("Netherlands, The")]
    assert empty[0].content == "Netherlands, The: 2019"
    assert result.files == [path]
    # 9 export rows x 3 years + 2 import rows x 3 years, empty cells included
    assert result.rows_in == 33


def test_the_table_may_move_and_gain_an_empty_column(tmp_path: Path) -> None:
    plain = tidy_of(write_dots(tmp_path / "a.xlsx"))
    moved = tidy_of(write_dots(tmp_path / "b.xlsx", row_shift=3, col_shift=2, gap_column=True))
    cols = ["partner", "flow", "period_start", "value", "flag"]
    pd.testing.assert_frame_equal(plain[cols], moved[cols])
    ita = moved[(moved["partner"] == "ITA") & (moved["flow"] == "export")]
    # row 8 + 4 partners + 3 shifted rows; first year in column F (D + gap + E)
    assert ita["location"].iat[0] == "b.xlsx: sheet 'Exports, FOB', row 15, column F"


def test_years_as_numbers_and_renamed_sheets_are_accepted(tmp_path: Path) -> None:
    sheets = {"Exports FOB": EXPORT_ROWS, "Sheet2": IMPORT_ROWS}
    path = write_dots(tmp_path / "kaz.xlsx", sheets=sheets, years=[2018, 2019, 2020])
    # Sheet2's title says "Sheet2 from Partners": neither says the flow, so it must fail...
    with pytest.raises(InputError, match="must say the flow"):
        tidy_of(path)
    # ...while an exports sheet whose name lacks the comma still reads.
    path = write_dots(tmp_path / "kaz2.xlsx", sheets={"Exports FOB": EXPORT_ROWS})
    assert set(tidy_of(path)["flow"]) == {"export"}


def test_other_unit_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    path = write_dots(tmp_path / "kaz.xlsx", unit="US Dollars, Billions")
    with pytest.raises(InputError) as err:
        tidy_of(path)
    message = str(err.value)
    assert "kaz.xlsx: sheet 'Exports, FOB', row 5, column B" in message
    assert "'US Dollars, Billions'" in message and "US Dollars, Millions" in message


def test_text_and_negative_cells_are_reported_with_their_cell(tmp_path: Path) -> None:
    rows = [("World", [1.0, "n.a.", 3.0]), ("Italy", [1.0, -2.0, 1.0])]
    path = write_dots(tmp_path / "kaz.xlsx", sheets={"Exports, FOB": rows})
    with pytest.raises(InputError) as err:
        tidy_of(path)
    problems = {(p.location, p.column, p.value) for p in err.value.problems}
    assert ("sheet 'Exports, FOB', row 8, column D", "2019", "n.a.") in problems
    assert ("sheet 'Exports, FOB', row 9, column D", "2019", "-2.0") in problems
    assert "cannot be negative" in str(err.value)


def test_unknown_partner_and_reporter_are_reported(tmp_path: Path) -> None:
    rows = [("World", [1.0, 2.0, 3.0]), ("Atlantis", [1.0, 1.0, 1.0])]
    path = write_dots(tmp_path / "x.xlsx", sheets={"Exports, FOB": rows}, reporter="Narnia")
    with pytest.raises(InputError) as err:
        tidy_of(path)
    message = str(err.value)
    assert "sheet 'Exports, FOB', row 9, column 'partner': value 'Atlantis'" in message
    assert "row 4, column B, column 'reporter': value 'Narnia'" in message
    assert "etl/country_names/imf.csv" in message


def test_repeated_partner_with_other_values_is_an_error(tmp_path: Path) -> None:
    rows = [("Italy", [1.0, 2.0, 3.0]), ("World", [9.0, 9.0, 9.0]), ("Italy", [1.0, 2.0, 4.0])]
    path = write_dots(tmp_path / "x.xlsx", sheets={"Exports, FOB": rows})
    with pytest.raises(InputError, match=r"row 10.*listed again with different values"):
        tidy_of(path)


def test_two_labels_for_one_code_in_a_year_is_an_error(tmp_path: Path) -> None:
    rows = [("Yemen Arab Rep.", [1.0, None, None]), ("Yemen, Rep. of", [2.0, 3.0, 4.0])]
    path = write_dots(tmp_path / "x.xlsx", sheets={"Exports, FOB": rows})
    with pytest.raises(InputError, match="both map to YEM for the same year"):
        tidy_of(path)


def test_missing_header_and_unreadable_file(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Exports, FOB"
    book.active["B2"] = "Exports, FOB to Partner Countries"
    book.active["B8"] = "World"
    book.save(tmp_path / "nohead.xlsx")
    with pytest.raises(InputError, match="no header row of years"):
        imf_dots.read(tmp_path / "nohead.xlsx")
    (tmp_path / "text.xlsx").write_text("not a workbook")
    with pytest.raises(InputError, match=r"text\.xlsx.*cannot open as an \.xlsx workbook"):
        imf_dots.read(tmp_path / "text.xlsx")


def test_load_reports_problems_of_every_file(tmp_path: Path) -> None:
    write_dots(tmp_path / "a.xlsx", unit="Euros, Millions")
    write_dots(tmp_path / "b.xlsx", reporter="Narnia")
    with pytest.raises(InputError) as err:
        imf_dots.load(tmp_path)
    files = {p.file for p in err.value.problems}
    assert files == {"a.xlsx", "b.xlsx"}

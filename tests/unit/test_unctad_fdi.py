"""UNCTAD Table 1 reader: display-number parsing, grid layout, hierarchy, host and bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.errors import InputError
from etl.schemas import Fdi
from etl.sources import unctad_fdi
from etl.sources.unctad_fdi import parse_unctad_number

YEARS = ["2011", "2012"]
TITLE = "Table 1. FDI flows in the host economy, by geographical origin"
NA = None  # R writes the filler column as a bare NA


# ---- number parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 557", 4557.0),
        ("28 833", 28833.0),
        ("123 456", 123456.0),
        ("0", 0.0),
        ("7", 7.0),
        ("- -5", -5.0),
        ("- -44", -44.0),
        ("-- 156", -156.0),
        ("--1 234", -1234.0),
        ("--12 345", -12345.0),
        ("4\xa0557", 4557.0),
        ("--1\xa0234", -1234.0),
        (" 4 557 ", 4557.0),
        ("..", None),
    ],
)
def test_parse_unctad_number_reads_display_text(text: str, expected: float | None) -> None:
    assert parse_unctad_number(text) == expected


def test_minus_zero_is_zero_without_sign() -> None:
    value = parse_unctad_number("- -0")
    assert value == 0.0
    assert math.copysign(1.0, value) == 1.0


@pytest.mark.parametrize(
    "text", ["", "-", "--", "abc", "4,557", "4.5", "12 34", "1 2345", "4  557", "n/a", "...", "+5"]
)
def test_parse_unctad_number_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="thousands separated by spaces"):
        parse_unctad_number(text)


def unctad_format(number: int, minus: str, space: str) -> str:
    """Print an integer the way UNCTAD's fact sheets do."""
    digits = f"{abs(number):,}".replace(",", space)
    return f"{minus}{digits}" if number < 0 else digits


@given(
    number=st.integers(min_value=-(10**9), max_value=10**9),
    minus=st.sampled_from(["- -", "--", "-- ", "-"]),
    space=st.sampled_from([" ", "\xa0"]),
)
def test_formatting_the_unctad_way_round_trips(number: int, minus: str, space: str) -> None:
    assert parse_unctad_number(unctad_format(number, minus, space)) == number


# ---- crafted files -----------------------------------------------------------------------------


def _cell(value: str | None) -> str:
    return "NA" if value is None else '"' + value.replace('"', '""') + '"'


def write_sheet(
    path: Path, host: str, grid: list[list[str | None]], *, row_names: bool = True
) -> Path:
    """An R write.csv dump of a spreadsheet grid: R names header, optional row-number column."""
    width = len(grid[0])
    names = [host, "X", *[f"X.{i}" for i in range(1, width - 1)]]
    lines = [",".join(_cell(v) for v in ([""] if row_names else []) + names)]
    for number, row in enumerate(grid, start=1):
        cells = ([str(number)] if row_names else []) + row
        lines.append(",".join(_cell(v) for v in cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def text_row(text: str, years: list[str] = YEARS) -> list[str | None]:
    return [text, "", "", "", "", NA, *[""] * len(years)]


def header_row(years: list[str] = YEARS) -> list[str | None]:
    return ["Region / economy", "", "", "", "", NA, *years]


def name_row(level: int, name: str, *values: str) -> list[str | None]:
    labels = [""] * 5
    labels[level] = name
    return [*labels, NA, *values]


def kaz_grid(note: str = "Note:  Data refer to gross inflows.") -> list[list[str | None]]:
    grid = [
        text_row(TITLE),
        text_row("(Millions of US dollars)"),
        header_row(),
        name_row(0, "World", "26 457", "28 833"),
        name_row(1, "Developed economies", "19 781", "21 245"),
        name_row(2, "Europe", "17 341", "17 975"),
        name_row(3, "European Union", "13 348", "14 268"),
        name_row(4, "Austria", "47", "-- 156"),
        name_row(4, "Italy", "483", "814"),
        [*[""] * 5, NA, "", "/..."],
        text_row(TITLE + " (concluded)"),
        text_row("(Millions of US dollars)"),
        header_row(),
        name_row(2, "North America", "1 689", "2 654"),
        name_row(3, "Canada", "576", ".."),
        name_row(1, "Unspecified ", "1 418", "1 791"),
        text_row(
            "Source:  UNCTAD FDI/TNC database, based on data from the National Bank of Kazakhstan."
        ),
    ]
    if note:
        grid.append(text_row(note))
    return grid


def tidy_of(path: Path) -> pd.DataFrame:
    return unctad_fdi.normalize(unctad_fdi.read(path))


def value(tidy: pd.DataFrame, investor: str, year: int) -> float:
    row = tidy[(tidy["investor"] == investor) & (tidy["period_start"].dt.year == year)]
    assert len(row) == 1, (investor, year)
    return float(row["value"].iloc[0])


def test_reads_values_in_dollars_with_the_hierarchy_flagged(tmp_path: Path) -> None:
    tidy = tidy_of(write_sheet(tmp_path / "KAZ.csv", "Kazakhstan", kaz_grid()))
    assert value(tidy, "WLD", 2012) == 28_833e6
    assert value(tidy, "ITA", 2011) == 483e6
    assert value(tidy, "AUT", 2012) == -156e6
    assert value(tidy, "CAN", 2011) == 576e6  # an economy standing in the sub-region column
    flags = tidy.drop_duplicates("investor").set_index("investor")["investor_is_aggregate"]
    assert flags.to_dict() == {
        "WLD": True,
        "XDV": True,
        "XEC": True,
        "EUU": True,
        "AUT": False,
        "ITA": False,
        "XNA": True,
        "CAN": False,
        "XNS": True,
    }
    labels = tidy.drop_duplicates("investor").set_index("investor")["investor_label"]
    assert labels["XNS"] == "Unspecified"
    assert set(tidy["host"]) == {"KAZ"}
    assert set(tidy["unit_original"]) == {"USD m"}
    assert (tidy["value_usd"] == tidy["value"]).all()
    assert set(tidy["vintage"]) == {"2014 edition"}


def test_gross_inflow_footnote_sets_the_measure_and_the_note(tmp_path: Path) -> None:
    tidy = tidy_of(write_sheet(tmp_path / "KAZ.csv", "Kazakhstan", kaz_grid()))
    assert set(tidy["measure"]) == {"gross_inflow"}
    note = tidy["note"].iloc[0]
    assert note.startswith("Data refer to gross inflows.")
    assert "National Bank of Kazakhstan" in note


def test_without_a_gross_note_flows_are_net_and_validate(tmp_path: Path) -> None:
    grid = kaz_grid(note="Note:  Data exclude Special Purpose Entities.")
    tidy = tidy_of(write_sheet(tmp_path / "NLD.csv", "Netherlands", grid))
    assert set(tidy["measure"]) == {"net_inflow"}
    assert set(tidy["host"]) == {"NLD"}
    assert tidy["note"].iloc[0].startswith("Data exclude Special Purpose Entities.")
    Fdi.validate(tidy, lazy=True)


def test_not_available_cells_are_dropped_with_reason_and_counted(tmp_path: Path) -> None:
    folder = tmp_path / "unctad"
    folder.mkdir()
    write_sheet(folder / "KAZ.csv", "Kazakhstan", kaz_grid())
    result = unctad_fdi.load(folder)
    fdi = result.frames["fdi"]
    assert [d.content for d in result.dropped] == ["Canada 2012: '..'"]
    assert result.dropped[0].location == "line 16, column 2012"
    assert "not available" in result.dropped[0].reason
    assert result.rows_in == len(fdi) + len(result.dropped) == 18


def test_layout_changes_give_the_same_frame(tmp_path: Path) -> None:
    base = tidy_of(write_sheet(tmp_path / "KAZ.csv", "Kazakhstan", kaz_grid()))
    # Header block moved down by blank lines, empty columns added, no R row-number column.
    moved = [[*[""] * 5, NA, "", ""], [*[""] * 5, NA, "", ""], *kaz_grid()]
    widened = [["", *row[:6], "", *row[6:]] for row in moved]
    other = tmp_path / "other"
    other.mkdir()
    path = write_sheet(other / "KAZ.csv", "Kazakhstan", widened, row_names=False)
    shifted = tidy_of(path)
    columns = ["investor", "period_start", "value", "measure"]
    pd.testing.assert_frame_equal(base[columns], shifted[columns])


def test_more_years_are_read_from_the_header(tmp_path: Path) -> None:
    years = ["2010", "2011", "2012"]
    grid = [
        text_row(TITLE, years),
        text_row("(Millions of US dollars)", years),
        header_row(years),
        name_row(0, "World", "1", "2", "3"),
    ]
    tidy = tidy_of(write_sheet(tmp_path / "KGZ.csv", "Kyrgyzstan", grid))
    assert tidy["period_start"].dt.year.tolist() == [2010, 2011, 2012]


@pytest.mark.parametrize(
    ("name", "header", "host"),
    [
        ("KAZ.csv", "Kazakhstan", "KAZ"),
        ("webdiaeia2014d3_CHN.csv", "CHINA", "CHN"),
        ("table.csv", "Italy", "ITA"),
        ("ITA.csv", "X", "ITA"),
    ],
)
def test_host_from_file_name_and_header(tmp_path: Path, name: str, header: str, host: str) -> None:
    tidy = tidy_of(write_sheet(tmp_path / name, header, kaz_grid()))
    assert set(tidy["host"]) == {host}


def test_host_in_header_must_agree_with_file_name(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "ITA.csv", "Kazakhstan", kaz_grid())
    with pytest.raises(InputError, match=r"ITA.csv: line 1.*'Kazakhstan'.*KAZ.*ITA"):
        tidy_of(path)


def test_unknown_host_name_is_reported(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "table.csv", "Atlantis", kaz_grid())
    with pytest.raises(InputError, match=r"'Atlantis'.*etl/country_names/unctad.csv"):
        tidy_of(path)


def test_every_bad_cell_is_reported_with_line_year_and_value(tmp_path: Path) -> None:
    grid = kaz_grid()
    grid[7] = name_row(4, "Austria", "4,557", "47")
    grid[8] = name_row(4, "Atlantis", "1", "n/a")
    path = write_sheet(tmp_path / "KAZ.csv", "Kazakhstan", grid)
    with pytest.raises(InputError) as info:
        tidy_of(path)
    message = str(info.value)
    assert "3 problem(s)" in message
    assert "KAZ.csv: line 9, column '2011': value '4,557'" in message
    assert "KAZ.csv: line 10, column 'Region / economy': value 'Atlantis'" in message
    assert "column '2012': value 'n/a'" in message


def test_a_country_in_the_world_column_is_rejected(tmp_path: Path) -> None:
    grid = kaz_grid()
    grid[3] = name_row(0, "Italy", "1", "2")
    with pytest.raises(InputError, match="must be a grouping, but it maps to the economy ITA"):
        tidy_of(write_sheet(tmp_path / "KAZ.csv", "Kazakhstan", grid))


def test_missing_header_row_is_reported(tmp_path: Path) -> None:
    grid = [row for row in kaz_grid() if row[0] != "Region / economy"]
    with pytest.raises(InputError, match="no header row 'Region / economy'"):
        unctad_fdi.read(write_sheet(tmp_path / "KAZ.csv", "Kazakhstan", grid))


def test_other_tables_and_units_are_refused(tmp_path: Path) -> None:
    grid = kaz_grid()
    grid[0] = text_row("Table 3. FDI stock in the host economy, by geographical origin")
    grid[1] = text_row("(Billions of euros)")
    grid[11] = text_row("(Billions of euros)")
    with pytest.raises(InputError) as info:
        unctad_fdi.read(write_sheet(tmp_path / "KAZ.csv", "Kazakhstan", grid))
    message = str(info.value)
    assert "only 'Table 1. FDI flows in the host economy" in message
    assert "unit line must be one of ['(millions of us dollars)']" in message


def test_truncated_row_is_reported(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "KAZ.csv", "Kazakhstan", kaz_grid())
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[8] = lines[8].rsplit(",", 1)[0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 9, .*row has 8 cells but the header line has 9"):
        unctad_fdi.read(path)


def test_empty_value_cell_is_reported(tmp_path: Path) -> None:
    grid = kaz_grid()
    grid[8] = name_row(4, "Italy", "", "814")
    with pytest.raises(InputError, match=r"column '2011'.*empty value cell for 'Italy'"):
        unctad_fdi.read(write_sheet(tmp_path / "KAZ.csv", "Kazakhstan", grid))


def test_windows_1252_file_is_decoded_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "unctad"
    folder.mkdir()
    grid = kaz_grid()
    grid[7] = name_row(4, "Côte d' Ivoire", "0", "1")
    path = write_sheet(folder / "ITA.csv", "Italy", grid)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    result = unctad_fdi.load(folder)
    assert "CIV" in set(result.frames["fdi"]["investor"])
    assert result.warnings == ["ITA.csv: not UTF-8; decoded as Windows-1252"]


def test_empty_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no UNCTAD host-economy CSV or \.xls files found"):
        unctad_fdi.load(tmp_path)

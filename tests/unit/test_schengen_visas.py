"""Schengen consulate workbooks: header variants between editions, year detection, bad input."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine

from etl.errors import InputError
from etl.schemas import Visas
from etl.sources import schengen_visas as sv

# Header texts exactly as the editions print them (double space and trailing newline up to 2023).
ISSUED_2019 = "Total  uniform visas issued (including MEV) \n"
ISSUED_2024 = "Total uniform visas issued (including MEV) \n"


def main_header(issued: str = ISSUED_2019, ltv: str = "Total LTVs issued") -> list[str]:
    return [
        "Schengen State", "Country where consulate is located", "Consulate",
        "Airport transit visas (ATVs) applied for ", " ATVs issued (including multiple)",
        "Multiple ATVs issued", "ATVs not issued ", "Not issued rate for ATVs",
        "Uniform visas applied for", issued, "Multiple entry uniform visas (MEVs) issued",
        "Share of MEVs on total number of uniform visas issued", ltv,
        "Uniform visas not issued", "Not issued rate for uniform visas",
    ]  # fmt: skip


def national_header(style: str = "2019") -> list[str]:
    kind = "short-stay" if style == "2019" else "uniform"
    extra = [] if style == "2019" else ["Total LTV visas issued"]
    return [
        "Member State", "Country where consulate is located", "Consulate",
        "Airport transit visas (ATVs) applied for ", " ATVs issued (including multiple)",
        "ATVs not issued ", f"{kind.capitalize()} visas applied for",
        f"Total  {kind} visas issued (including MEV) \n", *extra,
        f"{kind.capitalize()} visas not issued",
    ]  # fmt: skip


def main_row(state, country, city, applied, issued, not_issued, ltv=None, atv=(None, None, None)):
    a_applied, a_issued, a_not = atv
    # rates and shares are not read: left blank
    return [
        state, country, city, a_applied, a_issued, None, a_not, None, applied, issued, None,
        None, ltv, not_issued, None,
    ]  # fmt: skip


MAIN_ROWS = [
    main_row("Italy", "KAZAKHSTAN", "ALMATY", 22073, 20313, 1760, ltv=5),
    main_row("Germany", "KAZAKHSTAN", "NUR-SULTAN", 100, 90, 10, atv=(4, 3, 1)),
    main_row("Spain", "TÜRKIYE", "ISTANBUL", 50, 45, None),
    main_row("France", "USA", "NEW YORK, NY", 7, 7, 0),
]
TOTAL_ROWS = [
    [None] * 15,
    [None, None, "Selection Sub total in 2019", 4, 3, None, 1, None, 22230, 20455, None, None,
     5, 1770, None],
    [None, None, "Total worldwide 2019", 4, 3, None, 1, None, 22230, 20455, None, None, 5, 1770,
     None],
]  # fmt: skip


def totals_sheet(rows: list[tuple[str, int]], issued: str = ISSUED_2019) -> list[list]:
    return [
        [None, None, "Data"],
        ["No.", "Country where consulate is located", "Uniform visas applied for", issued],
        *[[i, name, None, value] for i, (name, value) in enumerate(rows, start=1)],
        [None, "Grand Total", None, sum(v for _, v in rows)],
    ]


def write_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def edition_2019(tmp_path: Path, name: str = "2019-consulates-schengen-visa-stats.xlsx") -> Path:
    return write_book(
        tmp_path / name,
        {
            "Description": [[None, 'The subtotals ("Selection subtotal in 2019")']],
            "Data for consulates": [main_header(), *MAIN_ROWS, *TOTAL_ROWS],
            "Totals - third country ": totals_sheet(
                [("KAZAKHSTAN", 20403), ("TURKEY", 45), ("USA", 7)]
            ),
            "BG, CY, HR, RO": [
                national_header("2019"),
                ["Bulgaria", "KAZAKHSTAN", "ASTANA", None, None, None, 300, 280, 20],
                ["Cyprus", "UKRAINE (H.C)", "ODESSA", None, None, None, 12, 11, 1],
            ],
        },
    )


def tidy_of(path: Path) -> pd.DataFrame:
    return sv.normalize(sv.read(path))


def one(frame: pd.DataFrame, **where) -> int:
    hit = frame
    for column, value in where.items():
        hit = hit[hit[column] == value]
    assert len(hit) == 1, f"{len(hit)} rows for {where}"
    return int(hit["count"].iloc[0])


# ---- header variants ---------------------------------------------------------------------------


def test_2019_style_headers_give_italy_in_almaty(tmp_path):
    tidy = tidy_of(edition_2019(tmp_path))
    italy = {"issuer": "ITA", "consulate_country": "KAZ", "visa_category": "uniform"}
    assert one(tidy, **italy, measure="applied") == 22073
    assert one(tidy, **italy, measure="issued") == 20313
    assert one(tidy, **italy, measure="not_issued") == 1760
    assert one(tidy, issuer="ITA", visa_category="ltv", measure="issued") == 5
    assert set(tidy.loc[tidy["issuer"] == "ITA", "consulate"]) == {"Almaty"}
    assert (tidy["period_start"] == pd.Timestamp(2019, 1, 1)).all()
    assert set(tidy["vintage"]) == {"2019 edition"}
    Visas.validate(tidy, lazy=True)


def test_2024_style_headers_and_national_sheet_named_differently(tmp_path):
    write_book(
        tmp_path / "2024-schengen-visa-statistics-consulates_en.xlsx",
        {
            "Description": [[None, "Bulgaria and Romania (until 31/03/2024) ... 2024"]],
            "Data for consulates": [
                main_header(ISSUED_2024),
                main_row("Italy", "KAZAKHSTAN", "ASTANA", 26562, 25108, 1437, ltv=17),
                main_row("Spain", "KAZAKHSTAN", "NUR-SULTAN", 23138, 21280, 1491),
            ],
            "Totals - third country": totals_sheet([("KAZAKHSTAN", 46388)], ISSUED_2024),
            # renamed sheet, 'uniform' headers and an LTV column as in the 2024 edition
            "BG, RO (national)": [
                national_header("2024"),
                ["Bulgaria", "ALBANIA", "TIRANA", None, None, None, 40, 33, 33, 5],
            ],
        },
    )
    result = sv.load(tmp_path)
    tidy = result.frames["visas"]
    assert one(tidy, issuer="ITA", visa_category="uniform", measure="issued") == 25108
    # both spellings of the capital are one consulate city
    assert set(tidy.loc[tidy["consulate_country"] == "KAZ", "consulate"]) == {"Astana"}
    bulgaria = tidy[tidy["issuer"] == "BGR"]
    assert set(bulgaria["visa_category"]) == {
        "short_stay_national"
    }  # the LTV copy is not published
    assert one(bulgaria, measure="issued") == 33
    # Bulgaria's national visas of the 2024 edition cover Q1 only
    assert set(bulgaria["basis"]) == {"quarter"}
    assert bulgaria["period_end"].iloc[0] == pd.Timestamp(2024, 3, 31)
    assert not any("Totals - third country" in w for w in result.warnings)
    Visas.validate(tidy, lazy=True)


def test_header_row_moved_down_keeps_spreadsheet_row_numbers(tmp_path):
    path = write_book(
        tmp_path / "visa_statistics_for_consulates_2021.xlsx",
        {
            "Data for consulates": [
                ["Visa statistics for consulates, 2021"],
                [],
                [None, "Source: Member States"],
                main_header(),
                main_row("Italy", "KAZAKHSTAN", "NUR-SULTAN", 1478, 1285, 164),
            ],
            "BG, CY, HR, RO": [national_header("2019")],
        },
    )
    tidy = tidy_of(path)
    assert one(tidy, issuer="ITA", measure="applied") == 1478
    assert tidy["citation"].str.contains(r"sheet 'Data for consulates', row 5\)").all()
    assert set(tidy["vintage"]) == {"2021 edition"}


def test_extra_empty_trailing_column_is_ignored(tmp_path):
    # openpyxl writes no empty cell: a lone space stands for an empty but present cell
    header, italy = (
        [*main_header(), " "],
        [*main_row("Italy", "KAZAKHSTAN", "ASTANA", 1, 1, 0), " "],
    )
    path = write_book(
        tmp_path / "2023-schengen-visa-statistics-consulates_en.xlsx",
        {"Data for consulates": [header, italy], "BG, CY, RO": [national_header()]},
    )
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert len(sv.sheet_rows(book, "Data for consulates")[0]) == 16
    frame = sv.read(path)
    unused = frame.loc[frame["kind"] == "unused_columns", "raw"].iloc[0]
    assert "no header" not in unused
    assert one(sv.normalize(frame), issuer="ITA", measure="applied") == 1


def test_stray_values_under_an_empty_header_are_listed_as_unpublished(tmp_path):
    # As in the 2023 edition: column T has no header but two zeros in the blank rows above the
    # totals; the rows stay empty rows and the column is listed as not published.
    italy = main_row("Italy", "KAZAKHSTAN", "ASTANA", 1, 1, 0)
    stray = [*[None] * 15, 0]
    write_book(
        tmp_path / "2023-x.xlsx",
        {"Data for consulates": [[*main_header(), None], italy, stray, stray]},
    )
    result = sv.load(tmp_path)
    unused = result.dropped[0]
    assert unused.location == "sheet 'Data for consulates', header row 1"
    assert "(no header, column P)" in unused.content
    assert any(d.location == "sheet 'Data for consulates', rows 3-4" for d in result.dropped)
    assert len(result.frames["visas"]) == 3


def test_missing_required_header_names_file_sheet_and_column(tmp_path):
    header = [h for h in main_header() if h != "Uniform visas not issued"]
    path = write_book(
        tmp_path / "visa_statistics_for_consulates_2022.xlsx",
        {"Data for consulates": [header], "BG, CY, HR, RO": [national_header("2019")]},
    )
    with pytest.raises(InputError) as err:
        sv.read(path)
    message = str(err.value)
    assert "visa_statistics_for_consulates_2022.xlsx" in message
    assert "sheet 'Data for consulates', header row 1" in message
    assert "'Uniform visas not issued'" in message
    assert "expected header is missing" in message


def test_workbook_without_consulate_table_says_which_sheets_it_has(tmp_path):
    path = write_book(tmp_path / "2020-visas.xlsx", {"Description": [["x"]], "Other": [["a"]]})
    with pytest.raises(InputError, match=r"no 'Data for consulates' sheet"):
        sv.read(path)


def test_text_in_a_count_cell_and_unknown_country_are_reported_together(tmp_path):
    rows = [
        main_header(),
        main_row("Italy", "KAZAKHSTAN", "ALMATY", "n/a", 5, 0),
        main_row("Italy", "ATLANTIS", "POSEIDONIA", 3, 3, 0),
    ]
    path = write_book(tmp_path / "2019-x.xlsx", {"Data for consulates": rows})
    with pytest.raises(InputError) as err:
        tidy_of(path)
    message = str(err.value)
    assert "2 problem(s)" in message
    assert "sheet 'Data for consulates', row 2, column 'Uniform visas applied for'" in message
    assert "'n/a': text in a numeric cell" in message
    assert "row 3, column 'Country where consulate is located': value 'ATLANTIS'" in message


def test_negative_or_fractional_counts_are_rejected(tmp_path):
    rows = [main_header(), main_row("Italy", "KAZAKHSTAN", "ALMATY", -1, 2.5, 0)]
    path = write_book(tmp_path / "2019-x.xlsx", {"Data for consulates": rows})
    with pytest.raises(InputError, match=r"whole number >= 0") as err:
        tidy_of(path)
    assert len(err.value.problems) == 2


def test_unreadable_workbook_is_an_input_error(tmp_path):
    path = tmp_path / "2019-truncated.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"2019-truncated.xlsx: whole file.*not a readable Excel"):
        sv.read(path)


# ---- rows dropped, checks ----------------------------------------------------------------------


def test_blank_cells_give_no_row_and_total_rows_are_listed(tmp_path):
    result = sv.load(edition_2019(tmp_path).parent)
    tidy = result.frames["visas"]
    # Spain's blank 'not issued' and the blank ATV cells publish nothing
    assert tidy[(tidy["issuer"] == "ESP") & (tidy["measure"] == "not_issued")].empty
    assert len(tidy[(tidy["issuer"] == "DEU") & (tidy["visa_category"] == "atv")]) == 3
    # zero is a value, not a blank
    assert one(tidy, issuer="FRA", visa_category="uniform", measure="not_issued") == 0
    locations = {d.location for d in result.dropped}
    assert "sheet 'Data for consulates', row 7" in locations  # Selection Sub total
    assert "sheet 'Data for consulates', row 8" in locations  # Total worldwide
    blanks = [d for d in result.dropped if d.reason.startswith("blank cell")]
    assert any("column 'Uniform visas not issued'" in d.location for d in blanks)
    assert result.rows_in == 7 + 2  # rows below the headers of both consulate tables


def test_totals_cross_check_passes_and_warns_on_a_mismatch(tmp_path):
    path = edition_2019(tmp_path)
    assert not any("Totals - third country" in w for w in sv.load(tmp_path).warnings)
    book = openpyxl.load_workbook(path)
    book["Totals - third country "]["D3"] = 20000  # KAZAKHSTAN
    book.save(path)
    warnings = sv.load(tmp_path).warnings
    assert any(
        "uniform visas issued in KAZ: consulate rows add up to 20,403, "
        "'Totals - third country' says 20,000" in w
        for w in warnings
    )


def test_total_worldwide_row_is_checked_against_the_rows(tmp_path):
    path = edition_2019(tmp_path)
    book = openpyxl.load_workbook(path)
    book["Data for consulates"]["I8"] = 1  # 'Total worldwide' applied for
    book.save(path)
    warnings = sv.load(tmp_path).warnings
    assert any(
        "'Total worldwide 2019' says 1 for 'Uniform visas applied for'" in w for w in warnings
    )


def test_national_sheet_rows_and_honorary_consulates(tmp_path):
    tidy = tidy_of(edition_2019(tmp_path))
    bulgaria = {"issuer": "BGR", "visa_category": "short_stay_national"}
    assert one(tidy, **bulgaria, measure="applied") == 300
    assert one(tidy, **bulgaria, measure="issued") == 280
    cyprus = tidy[tidy["issuer"] == "CYP"]
    assert set(cyprus["consulate_country"]) == {"UKR"}
    assert set(cyprus["consulate"]) == {"Odessa (H.C)"}
    assert set(cyprus["basis"]) == {"year"}


def test_same_consulate_twice_with_other_values_is_a_problem(tmp_path):
    rows = [
        main_header(),
        main_row("Italy", "KAZAKHSTAN", "NUR-SULTAN", 10, 9, 1),
        main_row("Italy", "KAZAKHSTAN", "ASTANA", 12, 9, 1),
    ]
    path = write_book(tmp_path / "2021-x.xlsx", {"Data for consulates": rows})
    with pytest.raises(InputError) as err:
        tidy_of(path)
    assert "row 3, column 'Uniform visas applied for': value '12'" in str(err.value)
    assert "same consulate as sheet 'Data for consulates', row 2" in str(err.value)


def test_note_rows_are_dropped_and_half_labelled_rows_are_problems(tmp_path):
    rows = [
        main_header(),
        main_row("Italy", "KAZAKHSTAN", "ALMATY", 1, 1, 0),
        [None, None, "* Liechtenstein does not issue visas"],
    ]
    path = write_book(tmp_path / "2019-x.xlsx", {"Data for consulates": rows})
    result = sv.load(tmp_path)
    assert any(d.location == "sheet 'Data for consulates', row 3" for d in result.dropped)
    book = openpyxl.load_workbook(path)
    book["Data for consulates"]["B3"] = "KAZAKHSTAN"
    book.save(path)
    with pytest.raises(InputError, match=r"row 3, column 'Schengen State'"):
        sv.load(tmp_path)


# ---- year of the edition, city names -----------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "description", "year", "warns"),
    [
        ("2019-consulates-schengen-visa-stats.xlsx", "subtotal in 2019 ... in 2019", 2019, False),
        ("visa_statistics_for_consulates_2021.xlsx", "", 2021, False),
        # the 2020 edition's Description was not updated: the file name wins, with a warning
        ("visa_statistics_for_consulates_2020.xlsx", "subtotal in 2019 ... in 2019", 2020, True),
        ("Visa statistics for consulates in 2022_en.xlsx", "in 2022", 2022, False),
        ("visa-statistics.xlsx", "Selection Sub total in 2023 ... worldwide 2023", 2023, False),
        ("stats_2019-2020.xlsx", "subtotal in 2020, total 2020", 2020, False),
        ("stats_2019-2020.xlsx", "", None, False),
        ("visa-statistics.xlsx", "", None, False),
        ("consulates_12345.xlsx", "2018 2019", None, False),
    ],
)
def test_edition_year(file_name, description, year, warns):
    found, warnings = sv.edition_year(file_name, description)
    assert found == year
    assert bool(warnings) is warns


def test_year_nowhere_to_be_found_is_an_input_error(tmp_path):
    path = write_book(tmp_path / "visas.xlsx", {"Data for consulates": [main_header()]})
    with pytest.raises(InputError, match=r"cannot tell the edition's year"):
        sv.read(path)


def test_year_from_description_when_the_file_name_has_none(tmp_path):
    path = write_book(
        tmp_path / "visas.xlsx",
        {
            "Description": [[None, '("Selection Sub total in 2022"), ("Total worldwide 2022")']],
            "Data for consulates": [main_header(), main_row("Italy", "KAZAKHSTAN", "A", 1, 1, 0)],
        },
    )
    assert set(tidy_of(path)["vintage"]) == {"2022 edition"}


@pytest.mark.parametrize(
    ("label", "city"),
    [
        ("NUR-SULTAN", "Astana"),
        ("ASTANA", "Astana"),
        ("Astana ", "Astana"),
        ("ALMATY", "Almaty"),
        ("NEW YORK, NY", "New York, NY"),
        ("SAN JUAN. PR", "San Juan. PR"),
        ("N'DJAMENA", "N'djamena"),
        ("SANA'A", "Sana'a"),
        ("ST. PETERSBURG", "St. Petersburg"),
        ("FRANKFURT/MAIN", "Frankfurt/Main"),
        ("ROSARIO (Santa Fé)", "Rosario (Santa Fé)"),
    ],
)
def test_city_names(label, city):
    assert sv.city_name(label) == city


def test_header_matching_ignores_spacing_and_case():
    assert (
        sv.norm(ISSUED_2019) == sv.norm(ISSUED_2024) == "total uniform visas issued (including mev)"
    )
    assert sv.norm(" ATVs  not issued \n") == "atvs not issued"


# ---- known publisher errors: etl/corrections.yml and its guards -------------------------------


def edition_2024(
    tmp_path: Path,
    description: str = "Bulgaria and Romania (until 31/03/2024) ... 2024",
    spain_city: str = "NUR-SULTAN",
) -> Path:
    return write_book(
        tmp_path / "2024-schengen-visa-statistics-consulates_en.xlsx",
        {
            "Description": [[None, description]],
            "Data for consulates": [
                main_header(ISSUED_2024),
                main_row("Italy", "KAZAKHSTAN", "ASTANA", 26562, 25108, 1437, ltv=17),
                main_row("Spain", "KAZAKHSTAN", spain_city, 23138, 21280, 1491),
            ],
            "Totals - third country": totals_sheet([("KAZAKHSTAN", 46388)], ISSUED_2024),
            "BG, RO (national)": [
                national_header("2024"),
                ["Romania", "KAZAKHSTAN", "ASTANA", None, None, None, 40, 33, 33, 5],
            ],
        },
    )


def test_corrections_come_from_the_corrections_file_with_reason_and_guard(tmp_path):
    from etl import corrections

    entries = {c.id: c for c in corrections.for_source(sv.SOURCE)}
    assert set(entries) == {"schengen-astana-spelling", "schengen-bg-ro-national-sheet-q1-2024"}
    assert all(c.reason and c.wrong and c.guard for c in entries.values())
    assert sv.city_name("NUR-SULTAN") == sv.city_name("Nursultan") == "Astana"
    romania = sv.load(edition_2024(tmp_path).parent).frames["visas"]
    romania = romania[romania["issuer"] == "ROU"]
    assert set(romania["basis"]) == {"quarter"}
    assert romania["period_end"].max() == pd.Timestamp(2024, 3, 31)
    issued = romania[romania["measure"] == "issued"]
    assert issued["count"].tolist() == [33] and issued["consulate"].tolist() == ["Astana"]


def test_the_q1_guard_fails_once_the_description_no_longer_says_31_march(tmp_path):
    edition_2024(tmp_path, description="Bulgaria and Romania applied the acquis in 2024")
    with pytest.raises(InputError) as err:
        sv.load(tmp_path)
    message = str(err.value)
    assert "2024-schengen-visa-statistics-consulates_en.xlsx: sheet 'Description'" in message
    assert "correction 'schengen-bg-ro-national-sheet-q1-2024' in etl/corrections.yml" in message
    assert "the publisher seems to have fixed it" in message


def test_the_astana_guard_fails_once_spain_no_longer_writes_nur_sultan(tmp_path):
    edition_2024(tmp_path, spain_city="ASTANA")
    with pytest.raises(InputError) as err:
        sv.load(tmp_path)
    message = str(err.value)
    assert "sheet 'Data for consulates', row 3" in message
    assert "value 'ASTANA'" in message
    assert "correction 'schengen-astana-spelling' in etl/corrections.yml no longer" in message


def test_header_spellings_come_from_the_column_map():
    columns = sv.column_map()
    issued = next(c for c in columns.national if c.role == "issued")
    assert issued.headers == (
        "total short-stay visas issued (including mev)",
        "total uniform visas issued (including mev)",
    )
    assert issued.category == "short_stay_national"
    assert [c.role for c in columns.labels] == ["state", "country", "consulate"]
    assert "country where the consulate is located" in columns.label("country").headers

"""wiiw FDI-by-partner reader: units, measures, codes, footnotes, what is dropped, bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.schemas import Fdi
from etl.sources import wiiw_fdi

HEADER = (
    '"Tree Level 1","Country-Code","Country","Direction","Partner-Code","Partner","Unit",'
    '"Footnotes","Sources",_2019,_2020,_2021'
)
GENERAL = (
    "Equity + reinvestment of earnings + debt instruments - valid for all countries. "
    "From 2013 based on BPM6, directional principle."
)


def line(direction: str, code: str, partner: str, unit: str, values: str, note: str = "-") -> str:
    return (
        f'"FDI by partner","KZ","Kazakhstan","{direction}","{code}","{partner}","{unit}",'
        f'"{note}","National Bank of Kazakhstan",{values}'
    )


ROWS = [
    line(
        "FDI inflow", "WORLD", "Total by countries", "EUR m", "2933.4675647,3226.2,2851.1", GENERAL
    ),
    line("FDI inflow", "WORLD", "Total by countries", "in % of total", "100,100,100", GENERAL),
    line(
        "FDI inflow", "EU27_2020", "EU - 27 countries (from 2020)", "EUR m", "-880.3,1559.8,638.8"
    ),
    line("FDI inflow", "EU28_2013", "EU - 28 countries (2013-2020)", "EUR m", "-1120.4,.,."),
    line("FDI inflow", "IT", "Italy", "EUR m", "99.668096,71.5,89.3"),
    line("FDI inflow", "IT", "Italy", "in % of total", "3.4,2.2,3.1"),
    line(
        "FDI inflow",
        "AN",
        "Netherlands Antilles",
        "EUR m",
        ".,1.6,-5.3",
        "This time serie is no longer being updated.",
    ),
    line("FDI inward stock", "IT", "Italy", "EUR m", "135.2,107.3,118.936974"),
    line("FDI inward stock", "KR", "Korea Republic", "EUR m", "1,2,3"),
]


def write(path: Path, rows: list[str] = ROWS, header: str = HEADER, above: str = "") -> Path:
    path.write_text(above + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def tidy_of(path: Path) -> pd.DataFrame:
    return wiiw_fdi.normalize(wiiw_fdi.read(path))


def value(tidy: pd.DataFrame, investor: str, measure: str, year: int) -> float:
    hit = tidy[
        (tidy["investor"] == investor)
        & (tidy["measure"] == measure)
        & (tidy["period_start"].dt.year == year)
    ]
    assert len(hit) == 1, (investor, measure, year)
    return float(hit["value"].iloc[0])


def test_eur_millions_become_euros_with_measures_and_codes(tmp_path: Path) -> None:
    tidy = tidy_of(write(tmp_path / "wiiw_partners.csv"))
    Fdi.validate(tidy, lazy=True)
    assert value(tidy, "WLD", "net_inflow", 2019) == pytest.approx(2_933_467_564.7)
    assert value(tidy, "ITA", "net_inflow", 2019) == pytest.approx(99_668_096.0)
    assert value(tidy, "ITA", "inward_stock", 2021) == pytest.approx(118_936_974.0)
    assert value(tidy, "EUU", "net_inflow", 2019) == pytest.approx(-880.3e6)
    assert value(tidy, "XEU", "net_inflow", 2019) == pytest.approx(-1120.4e6)
    assert value(tidy, "ANT", "net_inflow", 2021) == pytest.approx(-5.3e6)
    assert value(tidy, "KOR", "inward_stock", 2019) == 1e6
    assert set(tidy["host"]) == {"KAZ"}
    assert set(tidy["currency"]) == {"EUR"}
    assert set(tidy["unit_original"]) == {"EUR m"}
    assert tidy["value_usd"].isna().all()
    assert set(tidy["vintage"]) == {"2023-04 export"}
    flags = tidy.drop_duplicates("investor").set_index("investor")["investor_is_aggregate"]
    assert flags[["WLD", "EUU", "XEU"]].all() and not flags[["ITA", "ANT", "KOR"]].any()
    labels = tidy.drop_duplicates("investor").set_index("investor")["investor_label"]
    assert labels["WLD"] == "Total by countries"


def test_footnote_valid_for_all_countries_reaches_every_row_of_its_direction(
    tmp_path: Path,
) -> None:
    tidy = tidy_of(write(tmp_path / "wiiw_partners.csv"))
    notes = tidy.drop_duplicates(["investor", "measure"]).set_index(["investor", "measure"])["note"]
    bpm6 = wiiw_fdi.BPM6_NOTE  # the fixture's years (2019-2021) are BPM6 years
    assert notes[("ITA", "net_inflow")] == f"{bpm6} {GENERAL}"
    assert (
        notes[("ANT", "net_inflow")]
        == f"{bpm6} This time serie is no longer being updated. {GENERAL}"
    )
    # The stock rows in this file carry no general footnote of their own.
    assert pd.isna(notes[("ITA", "inward_stock")])


def test_percentages_and_dots_are_dropped_with_reasons_and_counted(tmp_path: Path) -> None:
    write(tmp_path / "wiiw_partners.csv")
    result = wiiw_fdi.load(tmp_path)
    reasons = pd.Series([d.reason for d in result.dropped]).value_counts().to_dict()
    assert reasons == {wiiw_fdi.PERCENT_REASON: 6, wiiw_fdi.MISSING_REASON: 3}
    assert result.rows_in == len(result.frames["fdi"]) + len(result.dropped) == 27
    dot = next(d for d in result.dropped if d.reason == wiiw_fdi.MISSING_REASON)
    assert dot.location == "line 5, column _2020"
    assert dot.content == "FDI inflow | EU - 28 countries (2013-2020) | EUR m | 2020: '.'"


def test_activity_table_is_listed_with_a_warning_not_read(tmp_path: Path) -> None:
    write(tmp_path / "wiiw_partners.csv")
    (tmp_path / "wiiw-fdi-database.csv").write_text(
        '"Tree Level 1","Country-Code","Country","Direction","Classification","Digit",'
        '"Industry/Product","Unit","Footnotes","Sources",_2021\n',
        encoding="utf-8",
    )
    result = wiiw_fdi.load(tmp_path)
    assert [p.name for p in result.files] == ["wiiw-fdi-database.csv", "wiiw_partners.csv"]
    assert result.warnings == ["wiiw-fdi-database.csv: activity breakdown not used"]


def test_header_below_a_title_and_reordered_columns_are_found(tmp_path: Path) -> None:
    base = tidy_of(write(tmp_path / "a.csv"))
    header = HEADER.replace('"Footnotes","Sources"', '"Sources","Footnotes"') + ",_extra_"
    rows = []
    for row in ROWS:
        cells = row.split('","')
        cells[7], cells[8] = cells[8].split('",')[0], cells[7] + '",' + cells[8].split('",')[1]
        rows.append('","'.join(cells) + ",")
    shifted = tidy_of(write(tmp_path / "b.csv", rows, header, above="wiiw FDI Database\n\n"))
    columns = ["investor", "measure", "period_start", "value", "note"]
    pd.testing.assert_frame_equal(base[columns], shifted[columns])


def test_missing_header_columns_are_named(tmp_path: Path) -> None:
    header = HEADER.replace('"Unit",', "").replace('"Direction",', '"Flow",')
    with pytest.raises(InputError) as info:
        wiiw_fdi.read(write(tmp_path / "p.csv", [], header))
    message = str(info.value)
    assert "column 'Direction': value '': missing expected header" in message
    assert "column 'Unit': value '': missing expected header" in message


def test_every_bad_cell_code_and_label_is_reported(tmp_path: Path) -> None:
    rows = [
        line("FDI inflow", "IT", "Italy", "EUR m", "99.7,n/a,1"),
        line("FDI inflow", "QQ", "Atlantis", "EUR m", "1,2,3"),
        line("FDI inflow", "FR", "Italy", "EUR m", "1,2,3"),
        line("FDI inflow", "DE", "Germany", "USD m", "1,2,3"),
        line("FDI flows", "AT", "Austria", "EUR m", "1,2,3"),
    ]
    with pytest.raises(InputError) as info:
        tidy_of(write(tmp_path / "wiiw_partners.csv", rows))
    message = str(info.value)
    assert "wiiw_partners.csv: line 2, column '_2020': value 'n/a': expected a number" in message
    assert "line 3, column 'Partner-Code': value 'QQ': neither ISO 3166 alpha-2" in message
    assert "line 4, column 'Partner-Code': value 'FR': code 'FR' is FRA but the name" in message
    assert "line 5, column 'Unit': value 'USD m': unit must be one of ['eur m']" in message
    assert "line 6, column 'Direction': value 'FDI flows': direction must be one of" in message


def test_outward_rows_are_dropped_not_mixed_in(tmp_path: Path) -> None:
    rows = [*ROWS[:1], line("FDI outflow", "IT", "Italy", "EUR m", "1,2,3")]
    write(tmp_path / "wiiw_partners.csv", rows)
    result = wiiw_fdi.load(tmp_path)
    assert set(result.frames["fdi"]["investor"]) == {"WLD"}
    assert sum(d.reason == wiiw_fdi.OUTWARD_REASON for d in result.dropped) == 3


def test_truncated_row_is_reported(tmp_path: Path) -> None:
    rows = [ROWS[0], ROWS[4].rsplit(",", 1)[0]]
    with pytest.raises(InputError, match=r"line 3, .*row has 11 cells but the header has 12"):
        wiiw_fdi.read(write(tmp_path / "wiiw_partners.csv", rows))


def test_folder_without_partner_table_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no wiiw 'FDI by partner' CSV"):
        wiiw_fdi.load(tmp_path)


def test_non_utf8_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "wiiw_partners.csv"
    path.write_bytes((HEADER + "\n").encode("utf-8") + b'"\xff\xfe"\n')
    with pytest.raises(InputError, match="file must be UTF-8"):
        wiiw_fdi.read(path)


@pytest.mark.parametrize(
    ("year", "opens_with"), [(2012, "BPM5 basis."), (2013, "BPM6 basis (directional principle).")]
)
def test_each_row_says_its_methodology_by_the_year_the_footnote_names(
    year: int, opens_with: str
) -> None:
    note = wiiw_fdi.methodology_note(GENERAL, year)
    assert note == f"{opens_with} {GENERAL}"


def test_a_note_without_the_bpm6_year_is_left_as_it_is() -> None:
    assert wiiw_fdi.methodology_note("-", 2010) == "-"
    assert wiiw_fdi.methodology_note(None, 2010) is None

"""Eurostat Comext reader on small CSV texts in the relational-view layout (CRLF, quoted)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl import schemas
from etl.errors import InputError
from etl.sources import eurostat_comext as comext
from etl.sources import eurostat_comext_neighbours as neighbours
from etl.sources import load as load_source

HEADER = "REPORTER,PARTNER,PRODUCT,FLOW,STAT_PROCEDURE,PERIOD,VALUE_IN_EUR"
ITALY = "Italy (incl. San Marino 'SM' -> 1993)"
EU27 = (
    "European Union - 27 countries (AT, BE, BG, CY, CZ, DE, DK, EE, ES, FI, FR, GR, HR, HU, IE, "
    "IT, LT, LU, LV, MT, NL, PL, PT, RO, SE, SI, SK)"
)
EU_MOVING = "European Union (AT-01/1995, BE-01/1958, GB-01/1973->01/2020, SK-05/2004)"
EURO_AREA = "Euro area (AT-01/1999, BE-01/1999, HR-01/2023, SK-01/2009)"


def line(reporter: str, period: str, value: str, flow: str = "2-EXPORT") -> str:
    return f'"{reporter}","Kazakhstan","TOTAL-Total","{flow}","T-Total","{period}",{value}'


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def sample(tmp_path: Path) -> Path:
    return write(
        tmp_path / "comext.csv",
        [
            HEADER,
            line(ITALY, "202404-Apr. 2024", "100998875"),
            line(ITALY, "202405-May. 2024", "120000000"),
            line(EU27, "202404-Apr. 2024", "900000000"),
            line(EU_MOVING, "202404-Apr. 2024", "900000001"),
            line(EURO_AREA, "202404-Apr. 2024", "700000000"),
            line("Malta", "201901-Jan. 2019", "66962"),
        ],
    )


def test_rows_are_monthly_eur_exports_to_kazakhstan(tmp_path: Path) -> None:
    df = comext.normalize(comext.read(sample(tmp_path)))
    schemas.Trade.validate(df, lazy=True)
    italy = df[df["reporter"] == "ITA"].set_index("period_start")
    april = italy.loc[pd.Timestamp(2024, 4, 1)]
    assert april["value"] == 100_998_875 and april["value_original"] == 100_998_875
    assert april["period_end"] == pd.Timestamp(2024, 4, 30)
    assert italy.loc[pd.Timestamp(2024, 5, 1), "value"] == 120_000_000
    assert set(df["partner"]) == {"KAZ"} and set(df["partner_label"]) == {"Kazakhstan"}
    assert not df["partner_is_aggregate"].any()
    assert set(df["flow"]) == {"export"} and set(df["valuation"]) == {"FOB"}
    assert set(df["currency"]) == {"EUR"} and set(df["unit_original"]) == {"EUR"}
    assert df["value_usd"].isna().all()
    assert set(df["commodity"]) == {"TOTAL"} and set(df["basis"]) == {"month"}
    assert set(df["vintage"]) == {"2024-11-17 extract"}
    assert "comext.csv" in april["citation"]


def test_eu_aggregates_get_distinct_codes(tmp_path: Path) -> None:
    df = comext.normalize(comext.read(sample(tmp_path)))
    codes = dict(zip(df["reporter_label"], df["reporter"], strict=True))
    assert codes[EU27] == "EUU"
    assert codes[EU_MOVING] == "XEM"  # moving composition, incl. GB until 01/2020
    assert codes[EURO_AREA] == "XZM"
    assert codes["Malta"] == "MLT"


def test_long_labels_of_a_later_edition_fall_back_to_the_name_before_the_note() -> None:
    assert comext.to_code("Euro area (AT-01/1999, BG-01/2026, SK-01/2009)") == "XZM"
    assert comext.to_code("Italy (incl. San Marino 'SM' -> 1993)") == "ITA"
    assert comext.to_code("Euro area - 20 countries (AT, BE)") == "EMU"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("202404-Apr. 2024", (2024, 4)),
        ("202405-May. 2024", (2024, 5)),
        ("202409-Sept. 2024", (2024, 9)),
        ("202408", (2024, 8)),
        ("Aug. 2024", (2024, 8)),
    ],
)
def test_period_code_and_label(text: str, expected: tuple[int, int]) -> None:
    assert comext.parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("202404-May. 2024", "disagree"),
        ("202404-Apr. 2023", "disagree"),
        ("202413-Jan. 2024", "not a month"),
        ("2024-Q1", "not a month such as"),
    ],
)
def test_bad_periods(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        comext.parse_period(text)


def test_bad_lines_are_all_reported_with_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.csv",
        [
            HEADER,
            line(ITALY, "202404-Apr. 2024", "12", flow="3-TRANSIT"),
            line("Atlantis", "202404-Apr. 2024", "12"),
            line(ITALY, "202404-May. 2024", "12"),
            line(ITALY, "202403-Mar. 2024", "12 EUR"),
            line(ITALY, "202402-Feb. 2024", "-5"),
        ],
    )
    with pytest.raises(InputError) as err:
        comext.normalize(comext.read(path))
    found = {(p.location, p.column) for p in err.value.problems}
    assert found == {
        ("line 2", "FLOW"),
        ("line 3", "REPORTER"),
        ("line 4", "PERIOD"),
        ("line 5", "VALUE_IN_EUR"),
        ("line 6", "VALUE_IN_EUR"),
    }
    message = str(err.value)
    assert "bad.csv: line 2, column 'FLOW': value '3-TRANSIT': unknown flow" in message
    assert "etl/country_names/comext.csv" in message
    assert "cannot be negative" in message


def test_duplicate_month_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "dup.csv",
        [HEADER, line(ITALY, "202404-Apr. 2024", "1"), line(ITALY, "202404-Apr. 2024", "2")],
    )
    with pytest.raises(InputError, match=r"line 3.*same reporter, partner, product.*line 2"):
        comext.normalize(comext.read(path))


def test_repeated_headers_and_missing_values_are_dropped(tmp_path: Path) -> None:
    write(
        tmp_path / "concat.csv",
        [
            HEADER,
            line(ITALY, "202404-Apr. 2024", "5"),
            HEADER,
            line(ITALY, "202403-Mar. 2024", ":"),
            line(ITALY, "202402-Feb. 2024", ""),
        ],
    )
    result = comext.load(tmp_path)
    assert len(result.frames["trade"]) == 1
    assert result.rows_in == 4
    assert [(d.location, d.reason) for d in result.dropped] == [
        ("line 3", "repeated header line"),
        ("line 4", "no value (empty or ':')"),
        ("line 5", "no value (empty or ':')"),
    ]


def test_semicolon_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "semi.csv", [HEADER.replace(",", ";"), "Italy;Kazakhstan;..."])
    with pytest.raises(InputError, match=r"semi\.csv: line 1.*separated by semicolons"):
        comext.read(path)


def test_utf16_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "u16.csv", [HEADER, line(ITALY, "202404-Apr. 2024", "5")], "utf-16")
    with pytest.raises(InputError, match=r"u16\.csv: line 1.*UTF-16"):
        comext.read(path)


def test_latin1_file_names_the_line(tmp_path: Path) -> None:
    france = "France (incl. Saint Barthélemy 'BL' -> 2012)"
    lines = [HEADER, line(ITALY, "202404-Apr. 2024", "5"), line(france, "202404-Apr. 2024", "5")]
    path = write(tmp_path / "latin.csv", lines, "latin-1")
    with pytest.raises(InputError, match=r"latin\.csv: line 3.*not valid UTF-8"):
        comext.read(path)


def test_missing_column_and_truncated_line(tmp_path: Path) -> None:
    path = write(tmp_path / "cols.csv", ["REPORTER,PARTNER,PERIOD", "a,b,c"])
    with pytest.raises(
        InputError, match=r"missing column\(s\) \['PRODUCT', 'FLOW', 'VALUE_IN_EUR'\]"
    ):
        comext.read(path)
    path = write(
        tmp_path / "cut.csv", [HEADER, line(ITALY, "202404-Apr. 2024", "5"), '"Malta","Ka']
    )
    with pytest.raises(InputError, match=r"cut\.csv: line 3.*expected 7 fields"):
        comext.read(path)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv: line 1.*the file is empty"):
        comext.read(tmp_path / "empty.csv")


def test_same_month_in_two_files_with_different_values_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a.csv", [HEADER, line(ITALY, "202404-Apr. 2024", "5")])
    write(tmp_path / "b.csv", [HEADER, line(ITALY, "202404-Apr. 2024", "6")])
    with pytest.raises(InputError, match=r"a.csv: line 2 \(5 EUR\) and b.csv: line 2 \(6 EUR\)"):
        comext.load(tmp_path)


def test_same_month_in_two_files_with_the_same_value_is_counted_once(tmp_path: Path) -> None:
    write(tmp_path / "a.csv", [HEADER, line(ITALY, "202404-Apr. 2024", "5")])
    write(tmp_path / "b.csv", [HEADER, line(ITALY, "202404-Apr. 2024", "5")])
    result = comext.load(tmp_path)
    assert result.frames["trade"]["value"].tolist() == [5.0]
    assert result.rows_in == 2
    [note] = result.dropped
    assert (note.file, note.location) == ("b.csv", "line 2")
    assert "counted once" in note.reason and "a.csv: line 2" in note.reason


# ---- layouts: without codes, other interface languages -----------------------------------------

NO_CODES = [
    HEADER,
    f'"{ITALY}","Kazakhstan","Total","EXPORT","Total","Apr. 2024",100998875',
    f'"{ITALY}","Kazakhstan","Total","EXPORT","Total","May. 2024",120000000',
    '"Malta","Kazakhstan","Total","IMPORT","Total","Jan. 2019",66962',
]
CODED = [
    HEADER,
    line(ITALY, "202404-Apr. 2024", "100998875"),
    line(ITALY, "202405-May. 2024", "120000000"),
    line("Malta", "201901-Jan. 2019", "66962", flow="1-IMPORT"),
]
GERMAN = [
    "MELDELAND,PARTNERLAND,PRODUKT,WARENSTROM,STATISTISCHES_VERFAHREN,ZEITRAUM,WERT_IN_EUR",
    f'"{ITALY}","Kazakhstan","Insgesamt","AUSFUHR","Insgesamt","Apr. 2024",100998875',
    f'"{ITALY}","Kazakhstan","Insgesamt","AUSFUHR","Insgesamt","Mai. 2024",120000000',
    '"Malta","Kazakhstan","Insgesamt","EINFUHR","Insgesamt","Jan. 2019",66962',
]
FRENCH = [
    "DECLARANT,PARTENAIRE,PRODUIT,FLUX,REGIME_STATISTIQUE,PERIODE,VALEUR_EN_EUR",
    f'"{ITALY}","Kazakhstan","TOTAL-Total","2-EXPORTATIONS","T-Total","Avr. 2024",100998875',
    f'"{ITALY}","Kazakhstan","TOTAL-Total","2-EXPORTATIONS","T-Total","202405-Mai 2024",120000000',
    '"Malta","Kazakhstan","TOTAL-Total","1-IMPORTATIONS","T-Total","Janv. 2019",66962',
]
SAME = ["reporter", "partner", "commodity", "flow", "basis", "period_start", "period_end", "value",
        "valuation", "currency"]  # fmt: skip


def tidy_of(tmp_path: Path, name: str, lines: list[str]) -> pd.DataFrame:
    df = comext.normalize(comext.read(write(tmp_path / name, lines)))
    schemas.Trade.validate(df, lazy=True)
    return df[SAME].sort_values(SAME).reset_index(drop=True)


@pytest.mark.parametrize(("name", "lines"), [("no_codes", NO_CODES), ("german", GERMAN),
                                             ("french", FRENCH)])  # fmt: skip
def test_other_layouts_read_the_same_as_the_coded_one(
    tmp_path: Path, name: str, lines: list[str]
) -> None:
    coded = tidy_of(tmp_path, "coded.csv", CODED)
    other = tidy_of(tmp_path, f"{name}.csv", lines)
    pd.testing.assert_frame_equal(other, coded)
    malta = coded[coded["reporter"] == "MLT"].iloc[0]
    assert (malta["flow"], malta["valuation"], malta["value"]) == ("import", "CIF", 66_962)
    assert set(coded["commodity"]) == {"TOTAL"}


def test_unknown_header_spelling_names_the_column_map(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", [HEADER.replace("FLOW", "RICHTUNG"), CODED[1]])
    with pytest.raises(InputError, match=r"missing column\(s\) \['FLOW'\].*eurostat_comext.csv"):
        comext.read(path)


def test_product_without_code_other_than_total_is_refused(tmp_path: Path) -> None:
    bad = f'"{ITALY}","Kazakhstan","Live animals","EXPORT","Total","Apr. 2024",5'
    path = write(tmp_path / "x.csv", [HEADER, bad])
    with pytest.raises(InputError, match=r"line 2.*PRODUCT.*Live animals.*product without a code"):
        comext.normalize(comext.read(path))


@pytest.mark.parametrize(
    ("text", "basis", "start", "end"),
    [
        ("Jan.-Dec. 2016", "year", "2016-01-01", "2016-12-31"),
        ("2016", "year", "2016-01-01", "2016-12-31"),
        ("201652", "year", "2016-01-01", "2016-12-31"),
        ("201652-Jan.-Dec. 2016", "year", "2016-01-01", "2016-12-31"),
        ("Jan.-Aug. 2024", "ytd", "2024-01-01", "2024-08-31"),
        ("Janv.-Août 2024", "ytd", "2024-01-01", "2024-08-31"),
        ("Aug. 2024", "month", "2024-08-01", "2024-08-31"),
        ("Mär. 2024", "month", "2024-03-01", "2024-03-31"),
        ("202402-Feb. 2024", "month", "2024-02-01", "2024-02-29"),
    ],
)
def test_years_and_cumulative_periods(text: str, basis: str, start: str, end: str) -> None:
    assert comext.parse_span(text) == (basis, pd.Timestamp(start), pd.Timestamp(end))


@pytest.mark.parametrize(
    ("text", "message"),
    [("Mar.-Aug. 2024", "from January"), ("201652-Jan.-Dec. 2015", "disagree")],
)
def test_bad_spans(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        comext.parse_span(text)


def test_annual_rows_and_the_eu_aggregate_as_a_code(tmp_path: Path) -> None:
    path = write(
        tmp_path / "annual.csv",
        [
            HEADER,
            '"EU27_2020","Kazakhstan","Total","EXPORT","Total","Jan.-Dec. 2016",9000000000',
            '"European Union - 27 countries (from 2020)","Kazakhstan","Total","EXPORT","Total",'
            '"Jan.-Aug. 2017",6000000000',
            f'"{ITALY}","Kazakhstan","Total","EXPORT","Total","2016",1000000000',
        ],
    )
    df = comext.normalize(comext.read(path)).set_index("reporter_label")
    schemas.Trade.validate(df.reset_index(), lazy=True)
    eu = df.loc["EU27_2020"]
    assert (eu["reporter"], eu["basis"], eu["value"]) == ("EUU", "year", 9e9)
    assert eu["flag"] == comext.AGGREGATE_REPORTER
    ytd = df.loc["European Union - 27 countries (from 2020)"]
    assert (ytd["reporter"], ytd["basis"], ytd["period_end"]) == (
        "EUU",
        "ytd",
        pd.Timestamp(2017, 8, 31),
    )
    assert pd.isna(df.loc[ITALY, "flag"]) and df.loc[ITALY, "basis"] == "year"


# ---- a folder of sub-folders (etl.sources.eurostat_comext_neighbours) --------------------------


def kgz(reporter: str, period: str, value: str, flow: str = "EXPORT") -> str:
    return f'"{reporter}","Kyrgyzstan","Total","{flow}","Total","{period}",{value}'


def test_sub_folders_are_read_and_other_files_listed(tmp_path: Path) -> None:
    exports, imports = tmp_path / "exports-to-KGZ", tmp_path / "imports-from-KGZ"
    exports.mkdir(), imports.mkdir()
    write(exports / "Relational_View_1.csv", [HEADER, kgz(ITALY, "Aug. 2024", "7")])
    write(imports / "Relational_View_2.csv", [HEADER, kgz(ITALY, "Aug. 2024", "3", "IMPORT")])
    (imports / "notes.txt").write_text("downloaded by hand", "utf-8")
    (tmp_path / "PROVENANCE.md").write_text("# where from", "utf-8")
    result = load_source(neighbours.SOURCE, tmp_path)
    df = result.frames["trade"].set_index("flow")
    assert df.loc["export", "value"] == 7 and df.loc["import", "value"] == 3
    assert df.loc["import", "location"] == "imports-from-KGZ/Relational_View_2.csv: line 2"
    assert df.loc["import", "valuation"] == "CIF" and df.loc["export", "valuation"] == "FOB"
    unread = {u["file"]: u["reason"] for u in result.unread}
    assert unread["PROVENANCE.md"] == "documentation, not data"
    assert "no reader for .txt files" in unread["imports-from-KGZ/notes.txt"]
    assert "exports-to-KGZ" not in unread and "imports-from-KGZ" not in unread


def test_a_file_in_the_wrong_sub_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "exports-to-KGZ").mkdir()
    write(tmp_path / "exports-to-KGZ" / "a.csv", [HEADER, kgz(ITALY, "Aug. 2024", "3", "IMPORT")])
    with pytest.raises(InputError, match=r"exports-to-KGZ/a.csv: line 2.*wrong folder"):
        neighbours.load(tmp_path)

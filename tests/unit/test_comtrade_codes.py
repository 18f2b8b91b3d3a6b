"""Integrity of etl/country_names/comtrade_codes.csv, the UN Comtrade code -> ISO alpha-3 table."""

from __future__ import annotations

import csv
from importlib import resources

import pycountry
import pytest

from etl import countries
from etl.country_names import build_comtrade_codes


def table_rows() -> list[dict[str, str]]:
    path = resources.files("etl") / "country_names" / "comtrade_codes.csv"
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def by_code() -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in table_rows()}


def test_columns_and_unique_integer_codes() -> None:
    rows = table_rows()
    assert list(rows[0]) == ["code", "iso3", "label"]
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    assert all(code.isdigit() and str(int(code)) == code for code in codes)
    assert all(row["label"].strip() for row in rows)


def test_every_tidy_code_is_known() -> None:
    known = countries.known_codes()
    unknown = {row["iso3"] for row in table_rows() if row["iso3"] and row["iso3"] not in known}
    assert unknown == set()


@pytest.mark.parametrize(
    ("code", "iso3", "label"),
    [
        ("842", "USA", "USA"),
        ("757", "CHE", "Switzerland"),
        ("699", "IND", "India"),
        ("251", "FRA", "France"),
        ("579", "NOR", "Norway"),
        ("381", "ITA", "Italy"),
        ("490", "TWN", "Other Asia, nes"),
        ("0", "WLD", "World"),
        ("899", "XNS", "Areas, nes"),
        ("97", "EUU", "European Union"),
        ("398", "KAZ", "Kazakhstan"),
        ("643", "RUS", "Russian Federation"),
        ("156", "CHN", "China"),
        ("810", "SUN", "Fmr USSR"),
        ("890", "YUG", "Fmr Yugoslavia"),
        ("891", "SCG", "Serbia and Montenegro"),
        ("200", "CSK", "Czechoslovakia"),
        ("278", "DDR", "Fmr Dem. Rep. of Germany"),
        ("492", "", "Europe EU, nes"),  # not Monaco, whose ISO numeric code is also 492
        ("837", "", "Bunkers"),
    ],
)
def test_spot_checks(code: str, iso3: str, label: str) -> None:
    row = by_code()[code]
    assert (row["iso3"], row["label"]) == (iso3, label)


def test_aggregates_are_flagged_and_countries_are_not() -> None:
    table = by_code()
    assert countries.is_aggregate(table["0"]["iso3"])
    assert countries.is_aggregate(table["899"]["iso3"])
    assert countries.is_aggregate(table["97"]["iso3"])
    assert not countries.is_aggregate(table["490"]["iso3"])
    assert not countries.is_aggregate(table["842"]["iso3"])


def test_iso_numeric_codes_agree_with_pycountry_unless_listed_as_comtrade_specific() -> None:
    specific = build_comtrade_codes.COMTRADE_SPECIFIC
    disagree = []
    for row in table_rows():
        hit = pycountry.countries.get(numeric=f"{int(row['code']):03d}")
        if hit is not None and int(row["code"]) not in specific and row["iso3"] != hit.alpha_3:
            disagree.append((row["code"], row["iso3"], hit.alpha_3))
    assert disagree == []


def test_comtrade_codes_that_differ_from_iso_are_not_the_iso_numeric_codes() -> None:
    codes = set(by_code())
    # Comtrade writes 842, 757, 699, 251, 579 for these countries, never the ISO numbers.
    assert {"840", "756", "356", "250", "578"} & codes == {"356"}  # 356 = India excl. Sikkim
    assert by_code()["356"]["label"] == "India, excl. Sikkim"


def test_csv_is_what_the_build_script_writes() -> None:
    expected = [(str(code), iso3, label) for code, iso3, label in build_comtrade_codes.rows()]
    got = [(row["code"], row["iso3"], row["label"]) for row in table_rows()]
    assert got == expected

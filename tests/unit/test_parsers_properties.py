"""Property-based tests of the readers' number, count, period and country parsers.

Two kinds of property for each parser: what a source writes parses back to the value it was
made from (round trip), and arbitrary text either raises (or returns None, where the parser
says "no value") or yields exactly the number its digits spell: never a plausible wrong number.
"""

from __future__ import annotations

import csv
import math
import re
from datetime import date
from importlib import resources

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from etl import countries, facts, periods
from etl.sources import (
    bns_monthly_totals,
    bns_trade_by_country,
    eurostat_comext,
    imf_dots,
    nbk_fdi,
    unctad_fdi,
    us_niv_visas,
)
from etl.sources.base import parse_decimal

# Text a hostile file may hold in a number cell: digits mixed with separators, signs, letters.
NUMBERISH = st.text(alphabet="0123456789 ,.-+e\xa0\u202f_naifNAIF/'", max_size=16)
ANY_TEXT = st.one_of(NUMBERISH, st.text(max_size=16))
SPACES = st.sampled_from([" ", "\xa0", "\u202f"])


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def grouped(number: int, sep: str) -> str:
    """1234567 -> '1 234 567' with `sep` between groups of three digits."""
    return f"{number:,}".replace(",", sep)


# ---- UNCTAD display numbers: '4 557', '--1 234', '..' ---------------------------------------


@given(st.integers(-(10**12), 10**12), st.sampled_from(["- -", "--", "-- ", "-"]), SPACES)
def test_unctad_numbers_round_trip(number: int, minus: str, sep: str) -> None:
    text = grouped(abs(number), sep)
    assert unctad_fdi.parse_unctad_number(f"{minus}{text}" if number < 0 else text) == number


@given(ANY_TEXT)
@example("1 2345")
@example("12 34")
@example("4,557")
@example("4.5")
def test_unctad_garbage_raises_or_reads_its_own_digits(text: str) -> None:
    try:
        value = unctad_fdi.parse_unctad_number(text)
    except ValueError:
        return
    if value is None:
        assert text.strip() == ".."
        return
    # every digit group after the first has exactly three digits, and no digit is lost
    groups = text.translate(str.maketrans("\xa0\u202f", "  ")).strip().lstrip("- ").split(" ")
    assert all(len(g) == 3 for g in groups[1:]), text
    assert abs(value) == int(digits(text))
    assert (value < 0) == ("-" in text and value != 0)


# ---- BNS annual cells: 14833289.8896 or text "14 833 289,8896" ------------------------------


@given(st.integers(0, 10**12), st.integers(0, 99999), SPACES, st.sampled_from([",", "."]))
def test_russian_number_text_round_trips(whole: int, frac: int, sep: str, mark: str) -> None:
    text = f"{grouped(whole, sep)}{mark}{frac:05d}"
    assert bns_trade_by_country.parse_number(text) == pytest.approx(float(f"{whole}.{frac:05d}"))


@given(st.floats(min_value=0, max_value=1e15, allow_nan=False))
def test_numeric_cells_are_taken_as_they_are(value: float) -> None:
    assert bns_trade_by_country.parse_number(value) == value


@given(ANY_TEXT)
@example("nan")
@example("inf")
@example("1.234,5")
@example("14,833,289.9")
@example("1 23 456")
@example("1_000")
def test_russian_number_garbage_raises_or_reads_its_own_digits(text: str) -> None:
    try:
        value = bns_trade_by_country.parse_number(text)
    except ValueError:
        return
    if math.isnan(value):  # a blank cell or «-»: no flow, not a number
        assert text.strip() in ("", "-", "–", "—")
        return
    cleaned = re.sub(r"[\s\xa0\u202f]", "", text.strip())
    assert value == float(cleaned.replace(",", "."))
    assert cleaned.count(",") + cleaned.count(".") <= 1, text
    groups = re.split(r"[\s\xa0\u202f]+", text.strip().split(",")[0].split(".")[0])
    assert all(len(g) == 3 for g in groups[1:]), text


# ---- plain machine-written decimals (NBK, wiiw, Comext) --------------------------------------


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_plain_decimals_round_trip(value: float) -> None:
    assert parse_decimal(repr(value)) == value


@given(ANY_TEXT)
@example("nan")
@example("-inf")
@example("1_000")
@example(" 12")
@example("1 234.5")
@example("99,7")
def test_plain_decimal_garbage_raises(text: str) -> None:
    try:
        value = parse_decimal(text)
    except ValueError:
        return
    assert math.isfinite(value)
    assert re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text), text


# ---- IMF DOTS cells: 11732.8, '11,732.8', '13.35 e' ----------------------------------------


@given(st.integers(0, 10**9), st.integers(0, 9), st.sampled_from(["", " e", "e", " E"]))
def test_imf_flagged_numbers_round_trip(whole: int, tenth: int, flag: str) -> None:
    value, got_flag, error = imf_dots._parse_cell(f"{whole:,}.{tenth}{flag}")
    assert error is None
    assert value == pytest.approx(float(f"{whole}.{tenth}"))
    assert got_flag == ("e" if flag else None)


@given(ANY_TEXT)
@example("8373,7")
@example("1,23.4")
@example("8.4 bn")
@example("12 m")
def test_imf_cell_garbage_is_an_error_or_its_own_digits(text: str) -> None:
    value, flag, error = imf_dots._parse_cell(text)
    if error is not None:
        assert value is None
        return
    assert flag in (None, "e")
    numeric = re.sub(r"[A-Za-z\s]", "", text)  # the flag letter and spaces out
    assert value == float(numeric.replace(",", ""))
    assert "," not in numeric or re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d*)?", numeric), text


# ---- US NIV counts: '2,309' -----------------------------------------------------------------


@given(st.integers(0, 10**10))
def test_us_counts_round_trip(number: int) -> None:
    assert us_niv_visas.parse_count(f"{number:,}") == number
    assert us_niv_visas.parse_count(str(number)) == number


@given(ANY_TEXT)
@example("2.309")
@example("23,09")
@example("-5")
@example("2 309")
def test_us_count_garbage_is_none_or_its_own_digits(text: str) -> None:
    value = us_niv_visas.parse_count(text)
    if value is None:
        return
    assert value == int(digits(text))
    assert re.fullmatch(r"\d{1,3}(,\d{3})*|\d+", text.strip()), text


# ---- periods: Comext PERIOD codes, BNS monthly dates, NBK quarters, facts, etl.periods -------


@given(st.integers(1900, 2100), st.integers(1, 12), st.sampled_from([". ", " ", ". "]))
def test_comext_periods_round_trip(year: int, month: int, dot: str) -> None:
    label = f"{periods.MONTH_ABBR[month - 1]}{dot}{year}"
    assert eurostat_comext.parse_period(f"{year}{month:02d}-{label}") == (year, month)
    assert eurostat_comext.parse_period(f"{year}{month:02d}") == (year, month)
    assert eurostat_comext.parse_period(label) == (year, month)


@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 12))
def test_comext_code_and_label_that_disagree_are_refused(year: int, month: int, other: int) -> None:
    label = f"{periods.MONTH_ABBR[other - 1]}. {year}"
    if other == month:
        assert eurostat_comext.parse_period(f"{year}{month:02d}-{label}") == (year, month)
    else:
        with pytest.raises(ValueError, match="disagree"):
            eurostat_comext.parse_period(f"{year}{month:02d}-{label}")


@given(ANY_TEXT)
@example("202413")
@example("202400-Jan. 2024")
@example("Jam. 2024")
def test_comext_period_garbage_raises_or_matches_its_digits(text: str) -> None:
    try:
        year, month = eurostat_comext.parse_period(text)
    except ValueError:
        return
    assert 1 <= month <= 12
    assert str(year) in text


@given(st.integers(1900, 2100), st.integers(1, 12))
def test_bns_monthly_dates_round_trip(year: int, month: int) -> None:
    assert bns_monthly_totals._month_of(f"{year}-{month:02d}-01") == (year, month)


@given(st.text(alphabet="0123456789-./ ", max_size=12))
@example("2024-04-15")
@example("2024-13-01")
@example("01.04.2024")
def test_bns_monthly_date_garbage_raises(text: str) -> None:
    try:
        year, month = bns_monthly_totals._month_of(text)
    except ValueError:
        return
    assert text == f"{year:04d}-{month:02d}-01"


@given(st.integers(1901, 2100), st.integers(1, 4))
def test_nbk_quarter_dates_round_trip(year: int, quarter: int) -> None:
    first = date(year, 3 * quarter - 2, 1)
    assert nbk_fdi.quarter_of(first, "quarter_start") == (year, quarter)
    # under the default convention the date is the day after the quarter measured
    after = pd.Timestamp(periods.quarter_period(year, quarter)[1]) + pd.Timedelta(days=1)
    assert nbk_fdi.quarter_of(after.date(), "previous_quarter_end") == (year, quarter)


@given(st.dates(date(1990, 1, 1), date(2100, 12, 31)))
def test_nbk_dates_other_than_quarter_starts_are_refused(day: date) -> None:
    if day.day == 1 and day.month in (1, 4, 7, 10):
        return
    with pytest.raises(ValueError, match="first day of a quarter"):
        nbk_fdi.quarter_of(day)


@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(1900, 2100))
def test_facts_periods_round_trip(year: int, month: int, last: int) -> None:
    assert facts.parse_period("year", str(year)) == periods.year_period(year)
    assert facts.parse_period("ytd", f"{year}-{month:02d}") == periods.ytd_period(year, month)
    assert facts.parse_period("month", f"{year}-{month:02d}") == periods.month_period(year, month)
    first, end = facts.parse_period("cumulative", f"{year}..{last}")
    assert (first.year, end.year, end.month, end.day) == (year, last, 12, 31)


@given(st.sampled_from(["year", "ytd", "month", "cumulative"]), ANY_TEXT)
@example("year", "2023 ")
@example("ytd", "2024-4")
@example("month", "2024-13")
@example("year", "2024-04")
def test_facts_period_garbage_raises(basis: str, text: str) -> None:
    try:
        start, end = facts.parse_period(basis, text)
    except ValueError:
        return
    assert start <= end or basis == "cumulative"
    assert str(start.year) in text


@given(st.integers(1900, 2100), st.integers(1, 12))
def test_periods_cover_whole_months_and_say_their_basis(year: int, month: int) -> None:
    start, end = periods.month_period(year, month)
    assert (start.day, (end + pd.Timedelta(days=1)).day) == (1, 1)
    assert periods.months_covered(*periods.ytd_period(year, month)) == month
    assert periods.label("month", start, end) == f"{periods.MONTH_ABBR[month - 1]} {year}"
    quarter = (month - 1) // 3 + 1
    assert "quarter" in periods.expected_basis(*periods.quarter_period(year, quarter))
    assert periods.label("quarter", *periods.quarter_period(year, quarter)) == f"Q{quarter} {year}"


@given(st.integers(1900, 2100), st.integers(-99, 99).filter(lambda m: not 1 <= m <= 12))
def test_impossible_months_and_quarters_raise(year: int, month: int) -> None:
    with pytest.raises(ValueError):
        periods.ytd_period(year, month)
    with pytest.raises(ValueError):
        periods.month_period(year, month)
    if not 1 <= month <= 4:
        with pytest.raises(ValueError):
            periods.quarter_period(year, month)


# ---- country names: every alias-table row maps to its code ----------------------------------


def alias_rows() -> list[tuple[str, str, str]]:
    rows = []
    for path in sorted((resources.files("etl") / "country_names").iterdir()):
        if not path.name.endswith(".csv") or path.name in ("aggregates.csv", "comtrade_codes.csv"):
            continue
        with path.open(encoding="utf-8") as fh:
            table = csv.DictReader(fh)
            if not {"name", "iso3"} <= set(table.fieldnames or ()):
                continue  # an id table (e.g. oec_ids.csv), not names -> codes
            rows += [(path.name[:-4], r["name"], r["iso3"]) for r in table]
    return rows


ALIASES = alias_rows()


def test_every_alias_table_is_covered() -> None:
    families = {family for family, _, _ in ALIASES}
    assert {"ru", "imf", "comext", "schengen", "unctad", "us_state", "wiiw"} <= families
    assert len(ALIASES) > 400


@pytest.mark.parametrize(("family", "name", "code"), ALIASES, ids=lambda v: str(v))
def test_every_alias_row_maps_to_its_code(family: str, name: str, code: str) -> None:
    assert countries.to_iso3(name, family) == code.strip().upper()
    assert code.strip().upper() in countries.known_codes()


@given(st.sampled_from(ALIASES), st.sampled_from([str.upper, str.lower, str.title, str]), SPACES)
def test_aliases_survive_case_and_spacing(row: tuple[str, str, str], case, space: str) -> None:
    family, name, code = row
    variant = f"  {case(name).replace(' ', space)} "
    if case(name).casefold() != name.casefold():  # str.title can change 'ß' and the like
        return
    assert countries.to_iso3(variant, family) == code.strip().upper()


@given(st.sampled_from(sorted({f for f, _, _ in ALIASES})), st.text(max_size=24))
@example("us_state", "Korea")
@example("ru", "Корея")
@example("imf", "Congo, Rep.")
def test_unknown_names_raise_and_never_guess(family: str, name: str) -> None:
    try:
        code = countries.to_iso3(name, family)
    except countries.UnknownCountry as exc:
        assert family in str(exc)
        return
    key = countries.normalise_name(name)
    listed = {countries.normalise_name(n): c for f, n, c in ALIASES if f == family}
    assert code == listed.get(key) or (
        family in countries.ENGLISH_FAMILIES and key in countries._pycountry_names()
    ), name

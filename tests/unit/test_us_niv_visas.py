"""US monthly NIV JSONL: good rows kept, every garbled line listed, bad values reported."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.schemas import Visas
from etl.sources import us_niv_visas as us

GLUED = "NationalityVisa ClassIssuances"
FOOTNOTE = (
    '*"Non-nationality based issuances" includes individuals presenting travel documents issued '
    "by a \ncompetent authority other than their country of nationality."
)


def row(nationality: str | None, visa_class: str | None, issuances: str | None, **extra) -> str:
    obj = {"Nationality": nationality, "Visa Class": visa_class, "Issuances": issuances, **extra}
    # the State Department files escape the slash: "B1\/B2"
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")


def write(folder: Path, name: str, lines: list[str], trailing_newline: bool = True) -> Path:
    path = folder / name
    text = "\n".join(lines) + ("\n" if trailing_newline else "")
    path.write_text(text, encoding="utf-8")
    return path


# A month with every defect seen in the 2023-06, 2024-01 and 2024-11 files, and a cut last line.
GARBLED_MONTH = [
    row("Kazakhstan", "B1/B2", "1,901", **{GLUED: None}),  # line 1
    row("Kazakhstan", "J1", "2,309", **{GLUED: None}),
    row("China - mainland", "F1", "12", **{GLUED: None}),
    row("Korea, South", "B1/B2", "3", **{GLUED: None}),
    row("*Non-Nationality Based Issuances", "B1/B2", "148", **{GLUED: None}),  # line 5
    row("Unknown", "B1/B2", "7", **{GLUED: None}),
    row(None, None, None, **{GLUED: "Zimbabwe\nR1\n1"}),  # recoverable glued row
    row(None, None, None, **{GLUED: "Zimbabwe\nR2"}),  # does not split into three
    row(None, None, None, **{GLUED: "Atlantis\nB1\n4"}),  # unknown name: not recovered
    '{"Nationality":"Kazakhstan","Visa Class":"F1",',  # line 10: broken JSON
    row("Kazakhstan", "F1", "5"),
    row("Kazakhstan", "F1", "5"),  # line 12: identical repeat
    row("Portugal", "A2", "7"),
    row("Portugal", "A2", "1"),  # line 14: same class, another count: summed
    row(None, None, None, **{GLUED: "GRAND TOTAL\n4,399"}),  # line 15
    row(None, None, None, **{GLUED: FOOTNOTE}),
    row(FOOTNOTE, "", ""),  # line 17: the footnote as a normal row
    row(None, None, None, **{GLUED: None}),  # line 18: nothing at all
    '{"Nationality":"Kazakhstan","Visa Cl',  # line 19: truncated last line
]


@pytest.fixture
def garbled(tmp_path: Path) -> Path:
    write(tmp_path, "2024-01-01.jsonl", GARBLED_MONTH, trailing_newline=False)
    return tmp_path


def issued(frame: pd.DataFrame, nationality: str, visa_class: str) -> int:
    hit = frame[(frame["nationality"] == nationality) & (frame["visa_category"] == visa_class)]
    assert len(hit) == 1
    return int(hit["count"].iloc[0])


def test_good_rows_are_kept_with_counts_from_text(garbled):
    tidy = us.load(garbled).frames["visas"]
    assert issued(tidy, "KAZ", "B1/B2") == 1901
    assert issued(tidy, "KAZ", "J1") == 2309
    assert issued(tidy, "CHN", "F1") == 12
    assert issued(tidy, "KOR", "B1/B2") == 3
    assert set(tidy["issuer"]) == {"USA"}
    assert tidy["consulate_country"].isna().all()
    assert set(tidy["measure"]) == {"issued"}
    assert set(tidy["basis"]) == {"month"}
    assert set(tidy["period_start"]) == {pd.Timestamp(2024, 1, 1)}
    assert set(tidy["period_end"]) == {pd.Timestamp(2024, 1, 31)}
    assert set(tidy["vintage"]) == {"monthly report"}
    Visas.validate(tidy, lazy=True)


def test_pseudo_nationalities_are_kept_with_their_own_codes(garbled):
    tidy = us.load(garbled).frames["visas"]
    assert issued(tidy, "XNN", "B1/B2") == 148  # *Non-Nationality Based Issuances
    assert issued(tidy, "XNS", "B1/B2") == 7  # Unknown


def test_a_glued_row_that_splits_cleanly_is_recovered(garbled):
    tidy = us.load(garbled).frames["visas"]
    zimbabwe = tidy[tidy["nationality"] == "ZWE"]
    assert zimbabwe["visa_category"].tolist() == ["R1"]
    assert zimbabwe["count"].tolist() == [1]
    assert zimbabwe["citation"].iloc[0].endswith("(2024-01-01.jsonl, line 7)")


def test_every_bad_line_is_listed_with_its_line_number(garbled):
    result = us.load(garbled)
    reasons = {d.location: d.reason for d in result.dropped}
    assert all(d.file == "2024-01-01.jsonl" for d in result.dropped)
    assert reasons["line 8"].startswith("garbled row")
    assert reasons["line 9"].startswith("garbled row")
    assert reasons["line 10"].startswith("malformed JSON")
    assert reasons["line 12"].startswith("repeats line 11")
    assert reasons["line 14"].startswith("added to line 13")
    assert reasons["line 15"].startswith("GRAND TOTAL")
    assert reasons["line 16"].startswith("footnote")
    assert reasons["line 17"].startswith("footnote")
    assert reasons["line 18"].startswith("empty row")
    assert reasons["line 19"].startswith("malformed JSON")
    assert len(result.dropped) == 10
    assert result.rows_in == 19
    assert len(result.frames["visas"]) == 9


def test_truncated_last_line_is_flagged(garbled):
    warnings = us.load(garbled).warnings
    assert any("last line (19) is not valid JSON; the file may be truncated" in w for w in warnings)


def test_repeated_class_with_other_counts_is_summed_as_the_grand_total_does(garbled):
    result = us.load(garbled)
    tidy = result.frames["visas"]
    assert issued(tidy, "PRT", "A2") == 8
    assert issued(tidy, "KAZ", "F1") == 5  # identical repeat kept once
    assert tidy.loc[tidy["nationality"] == "PRT", "citation"].iloc[0].endswith("lines 13, 14)")
    assert any("Portugal A2 is listed on lines 13, 14" in w for w in result.warnings)
    # 1901 + 2309 + 12 + 3 + 148 + 7 + 1 + 5 + 8 = 4,394, while the GRAND TOTAL line says 4,399
    assert any("rows add up to 4,394 but GRAND TOTAL says 4,399" in w for w in result.warnings)


def test_grand_total_row_checks_the_sum(tmp_path):
    write(
        tmp_path,
        "2023-04-01.jsonl",
        [
            row("Kazakhstan", "J1", "4,000"),
            row("Kazakhstan", "B1/B2", "395"),
            row("GRAND TOTAL", "", "4,395"),
            row(FOOTNOTE, "", ""),
        ],
    )
    result = us.load(tmp_path)
    assert result.warnings == []
    assert result.frames["visas"]["count"].sum() == 4395
    assert [d.location for d in result.dropped] == ["line 3", "line 4"]


def test_a_month_without_grand_total_is_unchecked(tmp_path):
    write(tmp_path, "2023-04-01.jsonl", [row("Kazakhstan", "J1", "4")])
    assert us.load(tmp_path).warnings == [
        "2023-04-01.jsonl: no GRAND TOTAL line; the sum of rows is unchecked"
    ]


def test_unknown_nationality_and_bad_counts_are_problems_with_line_numbers(tmp_path):
    write(
        tmp_path,
        "2023-05-01.jsonl",
        [
            row("Kazakhstan", "B1/B2", "12"),
            row("Atlantis", "B1/B2", "3"),
            row("Kazakhstan", "F1", "1.5"),
            row("Kazakhstan", "", "-4"),
        ],
    )
    with pytest.raises(InputError) as err:
        us.load(tmp_path)
    message = str(err.value)
    assert "4 problem(s)" in message
    assert "2023-05-01.jsonl: line 2, column 'Nationality': value 'Atlantis': unknown" in message
    assert "etl/country_names/us_state.csv" in message
    assert "line 3, column 'Issuances': value '1.5'" in message
    assert "line 4, column 'Issuances': value '-4'" in message
    assert "line 4, column 'Visa Class': value ''" in message


@pytest.mark.parametrize("name", ["2023-13-01.jsonl", "2023-04-15.jsonl", "april-2023.jsonl"])
def test_file_name_must_be_a_month(tmp_path, name):
    write(tmp_path, name, [row("Kazakhstan", "J1", "4")])
    with pytest.raises(InputError, match=rf"{name}: file name.*YYYY-MM-01\.jsonl"):
        us.load(tmp_path)


def test_text_that_is_not_utf8_is_an_input_error(tmp_path):
    path = tmp_path / "2023-04-01.jsonl"
    path.write_bytes(row("Kazakhstan", "J1", "4").encode() + b"\n" + b'{"Nationality":"C\xf4te"}\n')
    with pytest.raises(InputError, match=r"2023-04-01.jsonl: line 2.*not UTF-8"):
        us.load(tmp_path)


@pytest.mark.parametrize("lines", [[], ['{"Nationality":"Kaz'], [row("GRAND TOTAL", "", "0")]])
def test_a_file_without_any_data_row_is_an_input_error(tmp_path, lines):
    write(tmp_path, "2023-04-01.jsonl", lines, trailing_newline=bool(lines))
    with pytest.raises(InputError, match=r"2023-04-01.jsonl: whole file.*no nationality"):
        us.load(tmp_path)


def test_months_are_kept_apart_and_read_from_the_file_name(tmp_path):
    write(tmp_path, "2023-04-01.jsonl", [row("Kazakhstan", "J1", "4,000")])
    write(tmp_path, "2024-04-01.jsonl", [row("Kazakhstan", "J1", "4,500")])
    tidy = us.load(tmp_path).frames["visas"]
    by_month = dict(zip(tidy["period_start"].dt.strftime("%Y-%m"), tidy["count"], strict=True))
    assert by_month == {"2023-04": 4000, "2024-04": 4500}


@pytest.mark.parametrize(
    ("text", "count"),
    [("2,309", 2309), ("1,109,079", 1109079), ("7", 7), ("0", 0), ("12,34", None), ("", None)],
)
def test_parse_count(text, count):
    assert us.parse_count(text) == count


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("China - mainland born", "CHN"),
        ("China - Taiwan born", "TWN"),
        ("Korea, South", "KOR"),
        ("Korea, North", "PRK"),
        ("Great Britain and Northern Ireland", "GBR"),
        ("British National Overseas (Hong Kong) Passport", "XBN"),
        ("Hong Kong S.A.R.", "HKG"),
        ("Bahamas, The", "BHS"),
        ("Burma", "MMR"),
        ("Kosovo", "XKX"),
        ("Palestinian Authority Travel Document", "PSE"),
    ],
)
def test_state_department_names(name, code):
    from etl import countries

    assert countries.to_iso3(name, us.FAMILY) == code

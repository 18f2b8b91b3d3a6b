"""Both visa readers on the real files: the check values published in each PROVENANCE.md."""

from __future__ import annotations

import pandas as pd
import pytest

from etl import metrics, visa_checks
from etl.schemas import Visas
from etl.sources import schengen_visas, us_niv_visas
from tests.conftest import source_folder

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def schengen(shared_data):
    return schengen_visas.load(source_folder(shared_data, schengen_visas.SOURCE))


@pytest.fixture(scope="module")
def us(shared_data):
    return us_niv_visas.load(source_folder(shared_data, us_niv_visas.SOURCE))


def year(frame: pd.DataFrame, y: int) -> pd.DataFrame:
    return frame[(frame["vintage"] == f"{y} edition") & (frame["basis"] == "year")]


# ---- Schengen consulates ---------------------------------------------------------------------

ITALY_IN_KAZAKHSTAN = {
    2019: (22073, 20313),
    2020: (3794, 3528),
    2021: (1478, 1285),
    2022: (15609, 14713),
    2023: (19756, 18622),
    2024: (26562, 25108),
}


def test_schengen_frame_is_valid(schengen):
    Visas.validate(schengen.frames["visas"], lazy=True)
    assert len(schengen.files) == 6


@pytest.mark.parametrize(("y", "expected"), ITALY_IN_KAZAKHSTAN.items())
def test_italy_in_kazakhstan_uniform_applied_and_issued(schengen, y, expected):
    frame = year(schengen.frames["visas"], y)
    italy = frame[
        (frame["issuer"] == "ITA")
        & (frame["consulate_country"] == "KAZ")
        & (frame["visa_category"] == "uniform")
    ]
    assert not italy.empty, f"Italy's consulate in Kazakhstan missing in {y}"
    by_measure = italy.groupby("measure")["count"].sum()
    assert (by_measure["applied"], by_measure["issued"]) == expected
    if y == 2019:
        assert set(italy["consulate"]) == {"Almaty"}
    else:
        assert set(italy["consulate"]) == {"Astana"}


@pytest.mark.parametrize(("y", "expected"), [(2019, 160334), (2023, 143970), (2024, 161432)])
def test_all_schengen_consulates_in_kazakhstan_uniform_issued(schengen, y, expected):
    frame = year(schengen.frames["visas"], y)
    kz = frame[
        (frame["consulate_country"] == "KAZ")
        & (frame["visa_category"] == "uniform")
        & (frame["measure"] == "issued")
    ]
    assert kz["count"].sum() == expected


def test_kazakhstan_capital_is_one_city(schengen):
    frame = schengen.frames["visas"]
    assert set(frame.loc[frame["consulate_country"] == "KAZ", "consulate"]) == {"Almaty", "Astana"}


@pytest.mark.parametrize(
    ("file", "rows"),
    [
        ("2019-consulates-schengen-visa-stats.xlsx", 1841),
        ("visa_statistics_for_consulates_2020.xlsx", 1712),
        ("visa_statistics_for_consulates_2021.xlsx", 1691),
        ("visa_statistics_for_consulates_2022.xlsx", 1773),
        ("2023-schengen-visa-statistics-consulates_en.xlsx", 1767),
        ("2024-schengen-visa-statistics-consulates_en.xlsx", 2042),
    ],
)
def test_data_for_consulates_row_counts(shared_data, file, rows):
    """Rows below the header (PROVENANCE counts), of which all but 7 are consulates."""
    frame = schengen_visas.read(source_folder(shared_data, schengen_visas.SOURCE) / file)
    main = frame[(frame["sheet"] == "Data for consulates") & (frame["kind"] != "unused_columns")]
    per_row = main.drop_duplicates("row")
    assert len(per_row) == rows
    # 4 empty rows, 'Selection Sub total', 'Total worldwide', 'Share of subtotal'
    assert (per_row["kind"] == "consulate").sum() == rows - 7


def test_every_total_row_is_listed_as_dropped(schengen):
    totals = [d for d in schengen.dropped if d.reason.startswith("subtotal")]
    # 3 rows in each 'Data for consulates' and in each national sheet but 2024's (no totals)
    assert len(totals) == 6 * 3 + 5 * 3
    assert all(d.location.startswith("sheet '") and ", row " in d.location for d in totals)


def test_totals_third_country_agree_with_the_consulate_rows(schengen):
    assert not [w for w in schengen.warnings if "Totals - third country" in w]


def test_known_upstream_quirks_are_reported(schengen):
    warnings = "\n".join(schengen.warnings)
    assert (
        "visa_statistics_for_consulates_2020.xlsx: the Description sheet mentions 2019" in warnings
    )
    # the 2024 'Total worldwide' LTV cell (41,617) disagrees with its rows and with the totals sheet
    assert "'Total worldwide 2024' says 41,617 for 'Total LTVs issued'" in warnings
    assert "BGR is in both 'Data for consulates' and the national sheet" in warnings


def test_bulgaria_and_romania_national_visas_2024_cover_q1(schengen):
    frame = schengen.frames["visas"]
    national = frame[
        (frame["visa_category"] == "short_stay_national") & (frame["vintage"] == "2024 edition")
    ]
    assert set(national.loc[national["issuer"].isin(["BGR", "ROU"]), "basis"]) == {"quarter"}
    assert set(national.loc[national["issuer"] == "CYP", "basis"]) == {"year"}
    issued = national[national["measure"] == "issued"].groupby("issuer")["count"].sum()
    assert issued.to_dict() == {"BGR": 33652, "CYP": 109637, "ROU": 9313}


# ---- US NIV ---------------------------------------------------------------------------------


def kazakhstan(frame: pd.DataFrame, start: str, end: str) -> int:
    kz = frame[(frame["nationality"] == "KAZ") & frame["period_start"].between(start, end)]
    return int(kz["count"].sum())


def test_us_frame_is_valid_and_every_line_is_accounted_for(us):
    Visas.validate(us.frames["visas"], lazy=True)
    assert us.rows_in == 88825
    assert len(us.files) == 24
    # published rows + dropped lines = lines read (two rows absorb a repeated line each)
    assert len(us.frames["visas"]) + len(us.dropped) == 88825


def test_kazakhstan_jan_may_sums_of_monthly_reports(us):
    frame = us.frames["visas"]
    assert kazakhstan(frame, "2023-01-01", "2023-05-01") == 13874
    assert kazakhstan(frame, "2024-01-01", "2024-05-01") == 14506


def test_april_is_kazakhstans_peak_month(us):
    frame = us.frames["visas"]
    assert kazakhstan(frame, "2023-04-01", "2023-04-01") == 4395
    assert kazakhstan(frame, "2024-04-01", "2024-04-01") == 5165


def test_grand_totals_match_the_rows(us):
    assert not [w for w in us.warnings if "GRAND TOTAL" in w]


def test_garbled_lines_of_the_extraction(us):
    by_place = {(d.file, d.location): d.reason for d in us.dropped}
    assert by_place[("2024-01-01.jsonl", "line 3614")].startswith("GRAND TOTAL")
    assert by_place[("2024-11-01.jsonl", "line 3571")].startswith("GRAND TOTAL")
    assert by_place[("2023-06-01.jsonl", "line 3779")].startswith("footnote")
    # the glued 'Zimbabwe\nR1\n1' line of January 2024 is published
    frame = us.frames["visas"]
    zimbabwe = frame[
        (frame["nationality"] == "ZWE")
        & (frame["visa_category"] == "R1")
        & (frame["period_start"] == "2024-01-01")
    ]
    assert zimbabwe["count"].tolist() == [1]
    assert zimbabwe["citation"].iloc[0].endswith("line 3613)")


def test_pseudo_nationalities_have_their_own_codes(us):
    codes = set(us.frames["visas"]["nationality"])
    assert {"XNN", "XNS", "XBN", "CHN", "TWN", "HKG", "KOR", "GBR"} <= codes


# ---- issue 14: exact places, zero months, issued above applied --------------------------------

MAIN_2024 = "2024-schengen-visa-statistics-consulates_en.xlsx, sheet 'Data for consulates'"


def test_each_schengen_row_names_its_exact_row(schengen):
    frame = schengen.frames["visas"]
    y2024 = frame[frame["vintage"] == "2024 edition"]
    ita = y2024[(y2024["issuer"] == "ITA") & (y2024["visa_category"] == "uniform")]
    at = ita.drop_duplicates("location").set_index("location")["consulate_country"]
    assert at[f"{MAIN_2024}, row 1036"] == "KAZ"  # Astana
    assert at[f"{MAIN_2024}, row 961"] == "ALB"  # Tirana: never cited for Kazakhstan
    assert frame["location"].notna().all()


def test_visa_summary_cites_the_rows_it_sums(schengen):
    summary = metrics.visa_summary(schengen.frames["visas"])
    ita = summary[
        (summary["issuer"] == "ITA")
        & (summary["consulate_country"] == "KAZ")
        & (summary["visa_category"] == "uniform")
        & (summary["period_start"] == pd.Timestamp(2024, 1, 1))
    ]
    assert ita["location"].item() == f"{MAIN_2024}, row 1036"
    assert ita["issued"].item() == 25108


def test_jan_may_per_class_sums_equal_the_total(us):
    """A class without a row in a month had no visa that month: 14,506, not 14,429."""
    summary = metrics.visa_summary(us.frames["visas"])
    kz = summary[(summary["nationality"] == "KAZ") & (summary["basis"] == "ytd")]
    may = kz.groupby("period_end")["issued"].sum()
    assert may[pd.Timestamp(2024, 5, 31)] == 14506
    assert may[pd.Timestamp(2023, 5, 31)] == 13874
    assert us_niv_visas.MISSING_MONTH_IS_ZERO
    zimbabwe = us.frames["visas"]
    zimbabwe = zimbabwe[
        (zimbabwe["nationality"] == "ZWE")
        & (zimbabwe["visa_category"] == "R1")
        & (zimbabwe["period_start"] == "2024-01-01")
    ]
    assert zimbabwe["location"].item() == "2024-01-01.jsonl, line 3613"


def test_every_row_issuing_more_than_applied_is_warned_about(schengen):
    warnings = [w for w in schengen.warnings if "visa applications (kept as printed" in w]
    assert (
        "2019-consulates-schengen-visa-stats.xlsx, sheet 'Data for consulates', row 441: FRA "
        "consulate in Almaty (KAZ), 2019: 50 uniform visas issued, more than the 3 uniform visa "
        "applications" in "\n".join(warnings)
    )
    assert (
        f"{MAIN_2024}, row 187: BGR consulate in Astana (KAZ), 2024: 5,199 uniform visas issued "
        "+ 1,733 LTVs = 6,932, more than the 5,673 uniform visa applications" in "\n".join(warnings)
    )
    # 86 rows issue more uniform visas than applied for; with LTVs added, 274
    excess = visa_checks.issued_exceeds_applied(schengen.frames["visas"])
    uniform_rows = excess[excess["visa_category"] == "uniform"]
    assert (uniform_rows["issued"] > uniform_rows["applied"]).sum() == 86
    assert len(uniform_rows) == 274
    assert len(warnings) == len(excess)
    summary = metrics.visa_summary(schengen.frames["visas"])
    bgr = summary[
        (summary["issuer"] == "BGR")
        & (summary["consulate_country"] == "KAZ")
        & (summary["visa_category"] == "uniform")
    ]
    assert bgr.set_index("period_start")["issued_exceeds_applied"].to_dict() == {
        pd.Timestamp(2024, 1, 1): True
    }

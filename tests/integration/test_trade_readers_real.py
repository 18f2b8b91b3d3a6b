"""The three trade readers on the real files in ../shared/data, against PROVENANCE.md checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl import schemas
from etl.sources import bns_monthly_totals, eurostat_comext, imf_dots
from etl.sources.base import SourceResult
from tests.conftest import source_folder

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def imf(shared_data: Path) -> SourceResult:
    return imf_dots.load(source_folder(shared_data, imf_dots.SOURCE))


@pytest.fixture(scope="module")
def comext(shared_data: Path) -> SourceResult:
    return eurostat_comext.load(source_folder(shared_data, eurostat_comext.SOURCE))


@pytest.fixture(scope="module")
def bns(shared_data: Path) -> SourceResult:
    return bns_monthly_totals.load(source_folder(shared_data, bns_monthly_totals.SOURCE))


def yearly(df: pd.DataFrame, reporter: str, partner: str, flow: str) -> pd.Series:
    rows = df[(df["reporter"] == reporter) & (df["partner"] == partner) & (df["flow"] == flow)]
    return rows.set_index(rows["period_start"].dt.year)["value_original"]


def months(df: pd.DataFrame, year: int, last_month: int = 12) -> pd.DataFrame:
    start = df["period_start"]
    return df[(start.dt.year == year) & (start.dt.month <= last_month)]


# ---- IMF DOTS ------------------------------------------------------------------------------


def test_imf_frame_is_valid_and_covers_four_reporters(imf: SourceResult) -> None:
    df = imf.frames["trade"]
    schemas.Trade.validate(df, lazy=True)
    assert len(imf.files) == 4
    assert set(df["reporter"]) == {"KAZ", "ITA", "CHN", "RUS"}
    assert set(df["flow"]) == {"export", "import"}
    assert len(df) == 57_794
    assert df.groupby("reporter")["period_start"].min().dt.year.to_dict() == {
        "CHN": 1961, "ITA": 1960, "KAZ": 1992, "RUS": 1992,
    }  # fmt: skip


def test_imf_kazakhstan_exports_to_italy_and_world(imf: SourceResult) -> None:
    df = imf.frames["trade"]
    italy = yearly(df, "KAZ", "ITA", "export")
    world = yearly(df, "KAZ", "WLD", "export")
    assert [round(italy[y], 1) for y in (2018, 2019, 2020)] == [11_732.8, 8_373.7, 6_644.7]
    assert [round(world[y], 1) for y in (2018, 2019, 2020)] == [60_653.9, 57_676.7, 46_926.8]
    rows = df[(df["reporter"] == "KAZ") & (df["partner"] == "ITA") & (df["flow"] == "export")]
    in_2018 = rows[rows["period_start"] == pd.Timestamp(2018, 1, 1)]
    assert in_2018["value"].item() == pytest.approx(11_732.8e6, abs=0.05e6)  # USD, not USD m
    assert set(rows["valuation"]) == {"FOB"} and set(rows["unit_original"]) == {"USD m"}


def test_imf_italy_imports_from_kazakhstan_mirror(imf: SourceResult) -> None:
    imports = yearly(imf.frames["trade"], "ITA", "KAZ", "import")
    assert round(imports[2019], 1) == 2_359.7
    assert round(imports[2020], 1) == 1_428.9


def test_imf_groupings_are_flagged_and_headers_dropped(imf: SourceResult) -> None:
    df = imf.frames["trade"]
    flagged = df.drop_duplicates("partner_label").set_index("partner_label")
    for label, code in [
        ("World", "WLD"),
        ("Advanced Economies", "XAD"),
        ("Emerging and Developing Economies", "XED"),
        ("Euro Area", "EMU"),
        ("European Union", "EUU"),
        ("Countries & Areas not specified", "XNS"),
        ("Emerging Market and Developing Economies by Source of Export Earnings: Fuel", "XFU"),
        ("Sub-Saharan Africa", "XSS"),
    ]:
        assert flagged.loc[label, "partner"] == code
        assert flagged.loc[label, "partner_is_aggregate"]
    for label, code in [
        ("China, P.R.: Mainland", "CHN"),
        ("Netherlands, The", "NLD"),
        ("Korea, Rep. of", "KOR"),
        ("Kazakhstan, Rep. of", "KAZ"),
        ("Aruba, Kingdom of the Netherlands", "ABW"),
        ("USSR", "SUN"),
    ]:
        assert flagged.loc[label, "partner"] == code
        assert not flagged.loc[label, "partner_is_aggregate"]
    assert "Memorandum Items" not in flagged.index
    memo = [d for d in imf.dropped if d.content == "Memorandum Items"]
    assert len(memo) == 8  # one header row per sheet, two sheets in four files


def test_imf_repeated_australia_is_kept_once(imf: SourceResult) -> None:
    df = imf.frames["trade"]
    aus = df[(df["reporter"] == "KAZ") & (df["partner"] == "AUS") & (df["flow"] == "export")]
    assert aus["period_start"].is_unique
    repeats = [d for d in imf.dropped if "repeated with identical values" in d.reason]
    assert len(repeats) == 8


def test_imf_estimates_keep_their_flag(imf: SourceResult) -> None:
    df = imf.frames["trade"]
    flagged = df[df["flag"] == "e"]
    assert len(flagged) == 130
    assert flagged["period_start"].dt.year.max() < 2000  # IMF estimates are mostly the 1990s


# ---- Eurostat Comext -----------------------------------------------------------------------


def test_comext_frame_is_valid_with_all_lines(comext: SourceResult) -> None:
    df = comext.frames["trade"]
    schemas.Trade.validate(df, lazy=True)
    assert comext.rows_in == 2_089 and len(df) == 2_089 and not comext.dropped
    assert df["reporter_label"].nunique() == 32
    assert df["reporter"].nunique() == 32
    assert {"EUU", "XEM", "EMU", "XZM"} <= set(df["reporter"])
    assert (df["period_start"].min(), df["period_start"].max()) == (
        pd.Timestamp(2019, 1, 1),
        pd.Timestamp(2024, 8, 1),
    )
    assert len(df[df["reporter"] == "GBR"]) == 13 and len(df[df["reporter"] == "MLT"]) == 36


def test_comext_italy_exports_to_kazakhstan(comext: SourceResult) -> None:
    italy = comext.frames["trade"].query("reporter == 'ITA'")
    assert months(italy, 2024, 4)["value"].sum() == 405_998_875
    assert months(italy, 2023, 4)["value"].sum() == 323_408_865
    assert months(italy, 2023)["value"].sum() == 1_067_165_356
    assert set(italy["currency"]) == {"EUR"} and italy["value_usd"].isna().all()


def test_comext_eu27_2023(comext: SourceResult) -> None:
    eu = comext.frames["trade"].query("reporter == 'EUU'")
    assert months(eu, 2023)["value"].sum() == 12_110_101_391


# ---- BNS monthly totals ---------------------------------------------------------------------


def test_bns_frame_is_valid(bns: SourceResult) -> None:
    df = bns.frames["trade"]
    schemas.Trade.validate(df, lazy=True)
    assert df.groupby("flow").size().to_dict() == {"export": 90, "import": 90, "turnover": 90}
    assert bns.rows_in == 180 and not bns.dropped and not bns.warnings


def test_bns_annual_and_jan_apr_sums(bns: SourceResult) -> None:
    df = bns.frames["trade"]
    exports = df[df["flow"] == "export"]
    imports = df[df["flow"] == "import"]
    turnover = df[df["flow"] == "turnover"]
    assert months(exports, 2023)["value_original"].sum() == pytest.approx(79_138_754.7, abs=0.5)
    assert months(exports, 2019)["value_original"].sum() == pytest.approx(58_065_588.8, abs=0.5)
    assert months(exports, 2024, 4)["value_original"].sum() == pytest.approx(25_707_150, abs=1)
    assert months(imports, 2024, 4)["value_original"].sum() == pytest.approx(18_268_472, abs=1)
    assert months(turnover, 2024, 4)["value_original"].sum() == pytest.approx(43_975_622, abs=1)
    assert months(turnover, 2023, 4)["value_original"].sum() == pytest.approx(45_118_142, abs=1)
    assert months(exports, 2024, 4)["value"].sum() == pytest.approx(25_707_150e3, abs=1e3)

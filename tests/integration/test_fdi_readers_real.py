"""The three FDI readers on the real files: the published check values and cross-source sanity."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.schemas import Fdi
from etl.sources import nbk_fdi, unctad_fdi, wiiw_fdi
from etl.sources.base import SourceResult
from tests.conftest import source_folder

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def unctad(shared_data: Path) -> SourceResult:
    return unctad_fdi.load(source_folder(shared_data, unctad_fdi.SOURCE))


@pytest.fixture(scope="module")
def wiiw(shared_data: Path) -> SourceResult:
    return wiiw_fdi.load(source_folder(shared_data, wiiw_fdi.SOURCE))


@pytest.fixture(scope="module")
def nbk_folder(shared_data: Path) -> Path:
    return source_folder(shared_data, nbk_fdi.SOURCE)


def usd_m(frame: pd.DataFrame, host: str, investor: str, year: int, measure: str) -> float:
    hit = frame[
        (frame["host"] == host)
        & (frame["investor"] == investor)
        & (frame["measure"] == measure)
        & (frame["period_start"] == pd.Timestamp(year, 1, 1))
        & (frame["basis"] == "year")
    ]
    assert len(hit) == 1, (host, investor, year, measure)
    return float(hit["value"].iloc[0]) / 1e6


# ---- UNCTAD ------------------------------------------------------------------------------------


def test_unctad_kazakhstan_world_gross_inflows(unctad: SourceResult) -> None:
    fdi = unctad.frames["fdi"]
    assert usd_m(fdi, "KAZ", "WLD", 2005, "gross_inflow") == 7_916
    assert usd_m(fdi, "KAZ", "WLD", 2012, "gross_inflow") == 28_833


def test_unctad_kazakhstan_gross_inflows_from_italy(unctad: SourceResult) -> None:
    fdi = unctad.frames["fdi"]
    expected = {2005: 326, 2006: 382, 2007: 522, 2008: 699, 2009: 685, 2010: 648, 2011: 483}
    expected[2012] = 814
    got = {year: usd_m(fdi, "KAZ", "ITA", year, "gross_inflow") for year in expected}
    assert got == expected
    assert sum(got.values()) == 4_559


def test_unctad_measure_follows_each_hosts_footnote(unctad: SourceResult) -> None:
    fdi = unctad.frames["fdi"]
    measures = fdi.groupby("host")["measure"].unique().map(list).to_dict()
    assert measures == {
        "CHN": ["net_inflow"],
        "DEU": ["net_inflow"],
        "ITA": ["net_inflow"],
        "KAZ": ["gross_inflow"],
        "KGZ": ["net_inflow"],
        "NLD": ["net_inflow"],
    }
    notes = fdi.groupby("host")["note"].first()
    assert notes["KAZ"].startswith("Data refer to gross inflows.")
    assert notes["NLD"].startswith("Data exclude Special Purpose Entities.")
    assert "Deutsche Bundesbank" in notes["DEU"]


def test_unctad_counts_hierarchy_and_dropped_cells(unctad: SourceResult) -> None:
    fdi = unctad.frames["fdi"]
    assert fdi.groupby("host").size().to_dict() == {
        "CHN": 576, "DEU": 1920, "ITA": 1824, "KAZ": 1332, "KGZ": 744, "NLD": 758,
    }  # fmt: skip
    assert len(unctad.dropped) == 46
    assert {d.file for d in unctad.dropped} == {"CHN.csv", "NLD.csv"}
    assert unctad.rows_in == len(fdi) + len(unctad.dropped)
    kaz = fdi[fdi["host"] == "KAZ"].drop_duplicates("investor").set_index("investor")
    assert kaz.loc["XCS", "investor_label"] == "CIS"
    assert kaz.loc[["WLD", "XDV", "XEC", "EUU", "XCS", "XNS"], "investor_is_aggregate"].all()
    assert not kaz.loc[["ITA", "USA", "RUS", "GEO"], "investor_is_aggregate"].any()
    # Italy's file was written in Windows-1252 ("Côte d' Ivoire").
    assert "CIV" in set(fdi.loc[fdi["host"] == "ITA", "investor"])
    assert unctad.warnings == ["ITA.csv: not UTF-8; decoded as Windows-1252"]


def test_unctad_net_hosts_validate(unctad: SourceResult) -> None:
    fdi = unctad.frames["fdi"]
    Fdi.validate(fdi[fdi["host"] != "KAZ"], lazy=True)


def test_unctad_kazakhstan_gross_inflows_hold_negative_cells(unctad: SourceResult) -> None:
    """The KAZ file prints 22 negative 'gross inflows' (e.g. Austria 2010 '-- 156'), kept as read.

    NBK's gross inflow by country includes reinvested earnings and debt flows, which can be
    negative; the schema's rule 'gross inflows are non-negative' rejects them (see next test).
    """
    fdi = unctad.frames["fdi"]
    negative = fdi[(fdi["host"] == "KAZ") & (fdi["value"] < 0)]
    assert len(negative) == 22
    assert usd_m(fdi, "KAZ", "AUT", 2010, "gross_inflow") == -156
    assert usd_m(fdi, "KAZ", "BEL", 2005, "gross_inflow") == -5


def test_unctad_kazakhstan_validates(unctad: SourceResult) -> None:
    fdi = unctad.frames["fdi"]
    Fdi.validate(fdi[fdi["host"] == "KAZ"], lazy=True)


# ---- wiiw --------------------------------------------------------------------------------------


def test_wiiw_total_by_countries_net_inflow(wiiw: SourceResult) -> None:
    fdi = wiiw.frames["fdi"]
    got = {y: round(usd_m(fdi, "KAZ", "WLD", y, "net_inflow"), 1) for y in (2019, 2020, 2021)}
    assert got == {2019: 2_933.5, 2020: 3_226.2, 2021: 2_851.1}  # EUR m


def test_wiiw_italy_net_inflow_and_stock(wiiw: SourceResult) -> None:
    fdi = wiiw.frames["fdi"]
    years = (2005, 2012, 2019, 2020, 2021)
    got = {y: round(usd_m(fdi, "KAZ", "ITA", y, "net_inflow"), 1) for y in years}
    assert got == {2005: -273.7, 2012: -281.2, 2019: 99.7, 2020: 71.5, 2021: 89.3}  # EUR m
    assert round(usd_m(fdi, "KAZ", "ITA", 2021, "inward_stock"), 1) == 118.9


def test_wiiw_frame_is_euro_valid_and_accounts_for_every_cell(wiiw: SourceResult) -> None:
    fdi = wiiw.frames["fdi"]
    Fdi.validate(fdi, lazy=True)
    assert len(fdi) == 2_923
    assert fdi.groupby("measure").size().to_dict() == {"inward_stock": 1_487, "net_inflow": 1_436}
    assert set(fdi["currency"]) == {"EUR"} and fdi["value_usd"].isna().all()
    reasons = pd.Series([d.reason for d in wiiw.dropped]).value_counts().to_dict()
    assert reasons == {wiiw_fdi.PERCENT_REASON: 3_192, wiiw_fdi.MISSING_REASON: 269}
    assert wiiw.rows_in == len(fdi) + len(wiiw.dropped) == 336 * 19
    assert wiiw.warnings == ["wiiw-fdi-database.csv: activity breakdown not used"]
    assert fdi["note"].str.contains("From 2013 based on BPM6").all()


# ---- NBK ---------------------------------------------------------------------------------------


def test_nbk_quarterly_net_inflow_check_values(nbk_folder: Path) -> None:
    result = nbk_fdi.load(nbk_folder)
    fdi = result.frames["fdi"]
    Fdi.validate(fdi, lazy=True)
    assert len(fdi) == result.rows_in == 85
    by_mark = fdi.assign(mark=fdi["note"].str.extract(r"date (\d{4}-\d{2}-\d{2})")[0])
    by_mark = by_mark.set_index("mark")
    assert round(by_mark.loc["2019-07-01", "value"] / 1e6, 1) == -1_442.8
    assert round(by_mark.loc["2024-10-01", "value"] / 1e6, 1) == -1_494.1
    # Under the default convention 2019-07-01 marks Q2 2019 and the series runs Q1 2005-Q1 2026.
    assert by_mark.loc["2019-07-01", "period_start"] == pd.Timestamp(2019, 4, 1)
    assert fdi["period_start"].min() == pd.Timestamp(2005, 1, 1)
    assert fdi["period_end"].max() == pd.Timestamp(2026, 3, 31)


def test_nbk_quarter_start_convention_shifts_every_quarter(nbk_folder: Path) -> None:
    fdi = nbk_fdi.load(nbk_folder, date_marks="quarter_start").frames["fdi"]
    hit = fdi[fdi["period_start"] == pd.Timestamp(2019, 7, 1)]
    assert round(float(hit["value"].iloc[0]) / 1e6, 1) == -1_442.8


def _usd_per_eur(nbk: pd.DataFrame, wiiw: pd.DataFrame) -> pd.Series:
    """NBK quarters summed by calendar year (USD) over wiiw's annual total inflow (EUR)."""
    annual = nbk.groupby(nbk["period_start"].dt.year)["value"].agg(["sum", "count"])
    annual = annual[annual["count"] == 4]["sum"]
    world = wiiw[(wiiw["investor"] == "WLD") & (wiiw["measure"] == "net_inflow")]
    eur = world.set_index(world["period_start"].dt.year)["value"]
    return (annual / eur).dropna()


def test_nbk_date_convention_agrees_with_wiiw_annual_totals(
    nbk_folder: Path, wiiw: SourceResult
) -> None:
    """Both series are the NBK's net inflow; only the default convention makes them agree.

    With the right quarters, USD over EUR is the year's exchange rate: steady, 1.1-1.5.
    """
    eur = wiiw.frames["fdi"]
    default = _usd_per_eur(nbk_fdi.load(nbk_folder).frames["fdi"], eur)
    assert list(default.index) == list(range(2005, 2022))
    assert default.between(1.10, 1.48).all()
    assert round(default[2019], 3) == 1.120
    other = _usd_per_eur(nbk_fdi.load(nbk_folder, "quarter_start").frames["fdi"], eur)
    assert not other.between(1.0, 1.6).all()

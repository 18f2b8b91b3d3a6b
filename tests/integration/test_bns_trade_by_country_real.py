"""BNS annual trade by country on the five real editions (2019-2023) in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl import metrics
from etl.schemas import Trade
from etl.sources import bns_trade_by_country as bns
from etl.sources.base import SourceResult
from tests.conftest import source_folder

pytestmark = pytest.mark.shared_data

FILES = {
    2019: ["12_2019", "12_2018"],
    2020: ["12_2020", "12_2019"],
    2021: ["12_2021", "12_2020"],
    2022: ["2022", "2021"],
    2023: ["2022", "2023"],
}


@pytest.fixture(scope="module")
def result(shared_data: Path) -> SourceResult:
    return bns.load(source_folder(shared_data, bns.SOURCE))


@pytest.fixture(scope="module")
def trade(result: SourceResult) -> pd.DataFrame:
    return result.frames["trade"]


def thousand_usd(trade: pd.DataFrame, vintage: str, year: int, partner: str, flow: str) -> float:
    hit = trade[
        (trade["vintage"] == vintage)
        & (trade["period_start"] == pd.Timestamp(year, 1, 1))
        & (trade["partner"] == partner)
        & (trade["flow"] == flow)
    ]
    assert len(hit) == 1, f"{vintage} {year} {partner} {flow}: {len(hit)} rows"
    row = hit.iloc[0]
    assert row["value"] == pytest.approx(row["value_original"] * 1000)
    return float(row["value_original"])


def test_frame_validates_against_the_trade_schema(trade: pd.DataFrame) -> None:
    Trade.validate(trade, lazy=True)


@pytest.mark.parametrize(
    ("partner", "flow", "expected"),
    [
        ("ITA", "turnover", 16_075_483.1),
        ("ITA", "export", 14_833_289.9),
        ("ITA", "import", 1_242_193.2),
        ("WLD", "turnover", 139_551_038.0),
        ("WLD", "export", 79_138_754.7),
        ("WLD", "import", 60_412_283.3),
        ("CHN", "turnover", 30_055_389.6),
        ("RUS", "turnover", 27_054_449.6),
    ],
)
def test_2023_check_values_from_provenance(
    trade: pd.DataFrame, partner: str, flow: str, expected: float
) -> None:
    assert round(thousand_usd(trade, "2023 edition", 2023, partner, flow), 1) == expected


def test_italy_2023_turnover_in_usd(trade: pd.DataFrame) -> None:
    ita = trade[
        (trade["vintage"] == "2023 edition")
        & (trade["period_start"].dt.year == 2023)
        & (trade["partner"] == "ITA")
        & (trade["flow"] == "turnover")
    ]
    assert ita["value"].iloc[0] == pytest.approx(16_075_483_100, abs=100)
    assert ita["value_usd"].iloc[0] == ita["value"].iloc[0]
    assert ita["partner_label"].iloc[0] == "Италия"
    assert ita["valuation"].iloc[0] == "unknown"


def test_italy_ranks_third_by_turnover_in_2023(trade: pd.DataFrame) -> None:
    countries_2023 = trade[
        (trade["vintage"] == "2023 edition")
        & (trade["period_start"].dt.year == 2023)
        & (trade["flow"] == "turnover")
        & ~trade["partner_is_aggregate"]
    ]
    top = countries_2023.nlargest(3, "value")["partner"].tolist()
    assert top == ["CHN", "RUS", "ITA"]


def test_every_sheet_of_every_file_produces_rows(trade: pd.DataFrame) -> None:
    for edition, sheets in FILES.items():
        name = f"bns_foreign_trade_by_country_{edition}.xls"
        for sheet in sheets:
            rows = trade[trade["citation"].str.contains(f"{name}, sheet '{sheet}'", regex=False)]
            assert len(rows) > 400, f"{name} sheet {sheet}: {len(rows)} rows"
            year = int(sheet[-4:])
            assert set(rows["period_start"].dt.year) == {year}
            assert set(rows["vintage"]) == {f"{edition} edition"}


def test_2022_is_kept_in_both_editions_that_carry_it(trade: pd.DataFrame) -> None:
    assert thousand_usd(trade, "2022 edition", 2022, "WLD", "turnover") == pytest.approx(
        thousand_usd(trade, "2023 edition", 2022, "WLD", "turnover")
    )
    editions = trade.loc[trade["period_start"].dt.year == 2022, "vintage"]
    assert set(editions) == {"2022 edition", "2023 edition"}


def test_2018_total_row_with_newline_label_is_the_world(trade: pd.DataFrame) -> None:
    assert thousand_usd(trade, "2019 edition", 2018, "WLD", "turnover") == pytest.approx(
        94_769_740.8
    )
    world = trade[(trade["vintage"] == "2019 edition") & (trade["partner"] == "WLD")]
    assert "Всего в том числе" in set(world["partner_label"])


def test_row_counts_and_dropped_cells(result: SourceResult, trade: pd.DataFrame) -> None:
    # 10 data sheets, 2041 partner rows; 3 flows each minus the blank cells (no flow).
    assert result.rows_in == 2041
    blanks = [d for d in result.dropped if d.reason.startswith("blank cell")]
    assert len(trade) == 3 * result.rows_in - len(blanks) == 5408
    front = [d.location for d in result.dropped if "front-matter" in d.reason]
    assert front == [
        "sheet 'Обложка'",
        "sheet 'Усл.обозначения'",
        "sheet 'Содержание'",
        "sheet 'Метод.пояснения'",
    ]
    assert len(result.files) == 5


def test_andorra_2023_has_no_export_row(result: SourceResult, trade: pd.DataFrame) -> None:
    andorra = trade[
        (trade["vintage"] == "2023 edition")
        & (trade["period_start"].dt.year == 2023)
        & (trade["partner"] == "AND")
    ]
    assert set(andorra["flow"]) == {"turnover", "import"}
    assert any(
        d.file == "bns_foreign_trade_by_country_2023.xls"
        and d.location == "sheet '2023', row 51, column D"
        for d in result.dropped
    )


def test_file_shares_agree_with_recomputed_shares(result: SourceResult) -> None:
    # Every printed share is within 0.05 pp of value / «Всего»; none needs a warning.
    assert result.warnings == []


def test_keys_are_unique_and_codes_iso(trade: pd.DataFrame) -> None:
    key = ["partner", "flow", "basis", "period_start", "period_end", "vintage"]
    assert not trade.duplicated(subset=key).any()
    assert set(trade["reporter"]) == {"KAZ"}
    aggregates = set(trade.loc[trade["partner_is_aggregate"], "partner"])
    assert aggregates == {"WLD", "XCS", "XEA", "XNE", "XRW", "XEC", "EUU", "EU28", "XNU", "XAS",
                          "XAM", "XAF", "XOC"}  # fmt: skip


def test_read_keeps_the_file_faithful(shared_data: Path) -> None:
    path = source_folder(shared_data, bns.SOURCE) / "bns_foreign_trade_by_country_2023.xls"
    frame = bns.read(path)
    italy = frame[(frame["sheet"] == "2023") & (frame["partner_label"] == "Италия")].iloc[0]
    assert italy["unit"] == "тыс. долларов США"
    assert italy["title"] == "2023 год"
    assert italy["row"] == 38
    assert italy["turnover_share"] == pytest.approx(11.51943)
    assert set(frame["edition_year"]) == {2023}


# ---- issue 14: «Страны ЕС» is what each sheet lists under it ---------------------------------


@pytest.mark.parametrize(
    ("edition", "sheet", "code"),
    [(e, s, "EUU" if s == "2023" else "EU28") for e, sheets in FILES.items() for s in sheets],
)
def test_eu_group_is_coded_by_the_members_its_sheet_lists(
    trade: pd.DataFrame, edition: int, sheet: str, code: str
) -> None:
    rows = trade[
        (trade["vintage"] == f"{edition} edition")
        & trade["location"].str.contains(f"sheet '{sheet}',", regex=False)
        & (trade["partner_label"] == "Страны ЕС")
    ]
    assert set(rows["partner"]) == {code}


def test_eu28_is_the_sum_of_27_members_and_the_uk(trade: pd.DataFrame) -> None:
    eu28 = thousand_usd(trade, "2023 edition", 2022, "EU28", "turnover")
    gbr = thousand_usd(trade, "2023 edition", 2022, "GBR", "turnover")
    eu27 = thousand_usd(trade, "2023 edition", 2023, "EUU", "turnover")
    assert eu28 == pytest.approx(41_875_385.2, abs=0.05)
    assert eu27 == pytest.approx(41_302_826.2, abs=0.05)
    assert eu27 / eu28 - 1 == pytest.approx(-0.0137, abs=5e-5)  # the unlike comparison
    assert eu27 / (eu28 - gbr) - 1 == pytest.approx(0.0318, abs=5e-5)


def test_2023_eu_growth_is_on_a_constant_eu27_basis(result: SourceResult) -> None:
    assert not [w for w in result.warnings if "Страны ЕС" in w]
    growth = metrics.growth(result.frames["trade"])
    eu = growth[
        (growth["partner"].isin(["EUU", "EU28"]))
        & (growth["period_start"] == pd.Timestamp(2023, 1, 1))
        & (growth["flow"] == "turnover")
    ]
    assert len(eu) == 1
    row = eu.iloc[0]
    assert row["partner"] == "EUU"
    assert row["yoy_growth"] == pytest.approx(0.0318, abs=5e-5)  # not -1.37 % on EU-28
    assert "constant basis" in row["comparison"] and "less United Kingdom" in row["comparison"]

"""`python -m etl --raw ../shared/data`: the figures a briefing writer checks first."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from etl.sources import READERS


def read(clean: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(clean / f"{name}.parquet")


def bns_2023(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[
        (frame["source"] == "bns-kz-trade-by-country")
        & (frame["basis"] == "year")
        & (frame["period_start"] == pd.Timestamp(2023, 1, 1))
    ]


def test_italy_2023_turnover_exports_imports_in_thousand_usd(clean_dir: Path):
    trade = bns_2023(read(clean_dir, "trade"))
    ita = trade[(trade["partner"] == "ITA") & (trade["vintage"] == "2023 edition")]
    got = ita.set_index("flow")["value_original"].to_dict()
    assert got == pytest.approx(
        {"turnover": 16_075_483.1, "export": 14_833_289.9, "import": 1_242_193.2}, abs=0.05
    )
    assert set(ita["unit_original"]) == {"thousand USD"}
    assert ita.set_index("flow")["value_usd"]["turnover"] == pytest.approx(16_075_483_100, abs=50)


def test_italy_is_third_after_china_and_russia_with_11_52_percent(clean_dir: Path):
    shares = bns_2023(read(clean_dir, "shares"))
    turnover = shares[(shares["flow"] == "turnover") & shares["rank"].notna()]
    top = turnover.sort_values("rank").head(3)
    assert list(top["partner"]) == ["CHN", "RUS", "ITA"]
    assert top.iloc[2]["share"] == pytest.approx(0.1152, abs=5e-5)


def test_the_facts_check_flags_the_releases_14_4_percent(clean_dir: Path):
    check = read(clean_dir, "facts_check").set_index("fact_id")
    share = check.loc["kaz-ita-share-2023"]
    assert share["status"] == "contradicted"
    assert share["computed_value"] == pytest.approx(0.1152, abs=5e-5)
    assert "Jan–Apr 2024" in share["note"]  # 6.4 bn is 14.55% of Jan–Apr 2024 turnover
    assert check.loc["kaz-ita-rank-2023", "status"] == "consistent"
    assert check.loc["kaz-ita-turnover-2023", "status"] == "consistent"
    assert check.loc["kaz-ita-fdi-since-2005", "status"] == "partial"


def test_every_source_folder_produces_rows(clean_dir: Path):
    report = json.loads((clean_dir / "report.json").read_text())
    for source in READERS:
        rows = sum(report["sources"][source]["rows_out"].values())
        assert rows > 0, f"{source} produced no rows"
    files = {f["name"] for f in report["files"]} if report["files"] else set()
    assert report["tables"]["trade"] > 60_000 and report["outputs"]
    assert files == set() or "bns_foreign_trade_by_country_2023.xls" in files


def test_italys_consulates_in_kazakhstan_every_year(clean_dir: Path):
    visas = read(clean_dir, "visas")
    ita = visas[
        (visas["source"] == "eu-schengen-visa-stats")
        & (visas["issuer"] == "ITA")
        & (visas["consulate_country"] == "KAZ")
        & (visas["visa_category"] == "uniform")
        & (visas["measure"] == "issued")
    ]
    by_year = ita.groupby(ita["period_start"].dt.year)["count"].sum().to_dict()
    assert by_year == {2019: 20_313, 2020: 3_528, 2021: 1_285, 2022: 14_713, 2023: 18_622,
                       2024: 25_108}  # fmt: skip


def test_cumulative_fdi_is_a_labelled_sum_of_gross_inflows(clean_dir: Path):
    cum = read(clean_dir, "fdi_cumulative")
    row = cum[(cum["investor"] == "ITA") & (cum["measure"] == "gross_inflow")
              & (cum["start_year"] == 2005) & (cum["end_year"] == 2012)]  # fmt: skip
    assert row["value"].item() == pytest.approx(4_559e6)
    assert row["label"].item() == "Sum of annual gross FDI inflows 2005–2012"


def test_jan_apr_2024_is_compared_with_jan_apr_2023(clean_dir: Path):
    growth = read(clean_dir, "growth")
    row = growth[(growth["source"] == "bns-kz-monthly-trade-totals") & (growth["basis"] == "ytd")
                 & (growth["flow"] == "turnover")
                 & (growth["period_end"] == pd.Timestamp(2024, 4, 30))]  # fmt: skip
    assert row["comparison"].item() == "Jan–Apr 2024 vs Jan–Apr 2023"
    assert row["value"].item() == pytest.approx(43_975_622e3, rel=1e-6)
    assert row["previous_value"].item() == pytest.approx(45_118_142e3, rel=1e-6)


def test_metadata_names_every_source_the_report_lists(clean_dir: Path):
    """metadata.json beside report.json: the dashboard's only source of names and words."""
    meta = json.loads((clean_dir / "metadata.json").read_text(encoding="utf-8"))
    report = json.loads((clean_dir / "report.json").read_text())
    bns = meta["sources"]["bns-kz-trade-by-country"]
    assert bns["short"] == "BNS"
    assert bns["publisher"] == "Bureau of National Statistics of Kazakhstan (BNS)"
    assert bns["edition"].startswith("Editions 2019-2023")
    assert set(bns) == {
        "short", "publisher", "title", "edition", "landing_page", "licence", "concept", "role",
        "latest_period_end",
    }  # fmt: skip
    assert bns["role"] == ""
    assert meta["sources"]["un-comtrade-plus-2023-2024"]["role"] == "world context"
    assert bns["latest_period_end"] == "2023-12-31"  # data end beside the edition (staleness)
    assert set(report["sources"]) <= set(meta["sources"])
    assert meta["labels"]["flow_title"]["turnover"] == "Turnover"
    assert meta["labels"]["fdi_cumulative_title"]["gross_inflow"] == (
        "Sum of annual gross FDI inflows"
    )
    assert "metadata.json" in report["outputs"]  # published and checksummed with the parquet


def test_every_source_reports_its_unread_files(clean_dir: Path):
    report = json.loads((clean_dir / "report.json").read_text())
    for source, entry in report["sources"].items():
        assert isinstance(entry["unread"], list), source
        for item in entry["unread"]:
            warned = any(source in w and item["file"] in w for w in report["warnings"])
            # documentation (PROVENANCE.md) is listed but never warned about; data files are
            assert warned == (item["reason"] != "documentation, not data"), item


# ---- issue 14, items 15-19: what the published frames say about themselves ---------------------


def test_visa_summary_names_the_astana_row_and_marks_issued_above_applied(clean_dir: Path):
    s = read(clean_dir, "visa_summary")
    kz = s[(s["consulate_country"] == "KAZ") & (s["visa_category"] == "uniform")]
    ita = kz[(kz["issuer"] == "ITA") & (kz["period_start"] == pd.Timestamp(2024, 1, 1))]
    assert ita["location"].item() == (
        "2024-schengen-visa-statistics-consulates_en.xlsx, sheet 'Data for consulates', row 1036"
    )
    flagged = kz[kz["issued_exceeds_applied"]]
    years = {(i, y.year) for i, y in zip(flagged["issuer"], flagged["period_start"], strict=True)}
    assert {("FRA", 2019), ("BGR", 2024)} <= years


def test_us_jan_may_2024_per_class_sums_to_14506(clean_dir: Path):
    s = read(clean_dir, "visa_summary")
    kz = s[(s["nationality"] == "KAZ") & (s["basis"] == "ytd")]
    assert kz.loc[kz["period_end"] == pd.Timestamp(2024, 5, 31), "issued"].sum() == 14506


def test_report_warns_about_each_row_issuing_more_than_applied(clean_dir: Path):
    report = json.loads((clean_dir / "report.json").read_text())
    warnings = report["sources"]["eu-schengen-visa-stats"]["warnings"]
    assert any(
        w.startswith(
            "2019-consulates-schengen-visa-stats.xlsx, sheet 'Data for consulates', row 441: FRA "
            "consulate in Almaty (KAZ), 2019: 50 uniform visas issued"
        )
        for w in warnings
    )


def test_eu_growth_2023_is_on_a_constant_eu27_basis(clean_dir: Path):
    growth = read(clean_dir, "growth")
    eu = growth[(growth["source"] == "bns-kz-trade-by-country") & (growth["flow"] == "turnover")
                & (growth["period_start"] == pd.Timestamp(2023, 1, 1))
                & growth["partner"].isin(["EUU", "EU28"])]  # fmt: skip
    assert eu["partner"].tolist() == ["EUU"]
    assert eu["yoy_growth"].item() == pytest.approx(0.0318, abs=5e-5)
    assert "constant basis" in eu["comparison"].item()


def test_wiiw_net_fdi_2005_2021_says_it_sums_bpm5_and_bpm6_years(clean_dir: Path):
    cum = read(clean_dir, "fdi_cumulative")
    row = cum[(cum["source"] == "wiiw-fdi-kazakhstan") & (cum["investor"] == "WLD")
              & (cum["measure"] == "net_inflow")
              & (cum["start_year"] == 2005) & (cum["end_year"] == 2021)]  # fmt: skip
    assert row["label"].item().endswith("(sums BPM5 (2005–2012) and BPM6 (2013–2021) years)")
    fdi = read(clean_dir, "fdi")
    wiiw = fdi[(fdi["source"] == "wiiw-fdi-kazakhstan") & (fdi["investor"] == "WLD")
               & (fdi["measure"] == "net_inflow")]  # fmt: skip
    notes = wiiw.set_index(wiiw["period_start"].dt.year)["note"]
    assert notes[2012].startswith("BPM5 basis.") and notes[2013].startswith("BPM6 basis")

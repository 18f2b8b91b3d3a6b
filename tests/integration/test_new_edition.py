"""A new edition taken in with `etl add` is read by the next ETL run; fetched Comtrade snapshots
are read (the newest only); metadata.json says each source's data end and edition; unread files
are reported, and only data files among them are warned about."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pandas as pd
import pytest
import respx

from etl import paths, pipeline
from etl.fetch.cli import main as fetch
from etl.snapshots import add_files
from tests.conftest import source_folder

COMEXT = "eurostat-comext-eu-exports-to-kaz-monthly"
# Read beside Comext: etl.metrics.turnover_from_flows needs imports and USD values somewhere in
# the run (a run of EUR exports alone fails there; reported to the lead).
IMF = "imf-dots-annual"
ITALY = "Italy (incl. San Marino 'SM' -> 1993)"
LATER = (
    "REPORTER,PARTNER,PRODUCT,FLOW,STAT_PROCEDURE,PERIOD,VALUE_IN_EUR\r\n"
    f'"{ITALY}","Kazakhstan","TOTAL-Total","2-EXPORT","T-Total","202409-Sep. 2024",123456789\r\n'
    '"Malta","Kazakhstan","TOTAL-Total","2-EXPORT","T-Total","202409-Sep. 2024",70000\r\n'
)


def section(text: str, source: str) -> str:
    """The manifest's lines for one source: its table and its files, up to the next source."""
    start = text.index(f'[sources."{source}"]')
    rest = text[start + 1 :]
    ends = [i for i in (rest.find("\n[sources."),) if i >= 0]
    body = text[start : start + 1 + ends[0]] if ends else text[start:]
    extra = "".join(
        block
        for block in text.split("\n\n")
        if block.strip().startswith(f'[[sources."{source}".files]]') and block not in body
    )
    return body + "\n" + extra + "\n"


@pytest.fixture(scope="module")
def run_with_new_edition(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source_folder(shared_data, COMEXT)
    tmp = tmp_path_factory.mktemp("edition")
    manifest = tmp / "sources.toml"
    text = paths.manifest().read_text("utf-8")
    manifest.write_text(section(text, COMEXT) + section(text, IMF), "utf-8")
    later = tmp / "incoming" / "comext_2024-09.csv"
    later.parent.mkdir()
    later.write_bytes(LATER.encode())
    raw = tmp / "raw"
    add_files([later], COMEXT, raw, manifest, edition="Relational view exported 2024-10-20")
    (raw / COMEXT / "notes.xlsx").write_bytes(b"PK\x03\x04 not read by any reader")
    (raw / COMEXT / "PROVENANCE.md").write_text("# where these files came from\n", "utf-8")
    clean = tmp / "clean"
    pipeline.run(raw, clean, paths.facts_file(), manifest=manifest, mirror=shared_data,
                 only=[COMEXT, IMF])  # fmt: skip
    return clean


def test_the_added_edition_is_in_the_clean_trade(run_with_new_edition: Path) -> None:
    trade = pd.read_parquet(run_with_new_edition / "trade.parquet")
    sept = trade[trade["period_start"] == pd.Timestamp(2024, 9, 1)].set_index("reporter")
    assert sept.loc["ITA", "value"] == 123_456_789
    assert sept.loc["MLT", "value"] == 70_000
    assert sept.loc["ITA", "location"] == "comext_2024-09.csv: line 2"
    # the snapshot's own months are still there: Italy's April 2024 exports (line 149 of the file)
    april = trade[
        (trade["reporter"] == "ITA") & (trade["period_start"] == pd.Timestamp(2024, 4, 1))
    ]
    assert april["value"].tolist() == [92_262_515]
    assert april["location"].str.endswith(": line 149").all()


def test_metadata_says_data_end_and_edition(run_with_new_edition: Path) -> None:
    meta = json.loads((run_with_new_edition / "metadata.json").read_text("utf-8"))
    comext = meta["sources"][COMEXT]
    assert comext["latest_period_end"] == "2024-09-30"  # the added month, not August
    assert comext["edition"] == "Relational view exported 2024-11-17"


def test_unread_data_files_are_warned_about_and_documentation_is_not(
    run_with_new_edition: Path,
) -> None:
    report = json.loads((run_with_new_edition / "report.json").read_text("utf-8"))
    unread = {u["file"]: u["reason"] for u in report["sources"][COMEXT]["unread"]}
    assert "no reader for .xlsx files" in unread["notes.xlsx"]
    assert unread["PROVENANCE.md"] == "documentation, not data"
    warned = [w for w in report["warnings"] if "was not read" in w]
    assert warned == [f"{COMEXT}: notes.xlsx was not read ({unread['notes.xlsx']})"]
    assert "comext_2024-09.csv" in report["sources"][COMEXT]["files"]


# ---- Comtrade: the newest fetched snapshot is read -----------------------------------------


@respx.mock
def test_the_newest_fetched_comtrade_snapshot_is_read(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = source_folder(shared_data, "api-responses") / "comtrade-api-v1-get-C-A-HS.json"
    monkeypatch.setenv("COMTRADE_API_KEY", "test-key")
    respx.get("https://comtradeapi.un.org/data/v1/get/C/A/HS").mock(
        return_value=httpx.Response(200, content=recorded.read_bytes())
    )
    raw = tmp_path / "raw"
    argv = ["--source", "comtrade", "--raw", str(raw), "--reporter", "156", "--partner", "32,276",
            "--period", "2010"]  # fmt: skip
    assert fetch([*argv, "--date", "2026-04-20"], sleep=lambda s: None) == 0
    fetched = raw / "un-comtrade" / "fetched"
    # an older snapshot of the same query: reading it too would count every row twice
    shutil.copytree(fetched / "2026-04-20", fetched / "2026-04-01")

    report = pipeline.run(raw, tmp_path / "clean", paths.facts_file(), only=["un-comtrade"])

    assert report["sources"]["un-comtrade"]["files"] == ["comtrade.csv"]
    trade = pd.read_parquet(tmp_path / "clean" / "trade.parquet")
    total = trade[trade["commodity"] == "TOTAL"].set_index(["partner", "flow"])
    assert total.loc[("DEU", "export"), "value"] == 68_047_133_397
    assert total.loc[("ARG", "import"), "value"] == 6_804_128_143
    assert set(trade["vintage"]) == {"UN Comtrade API, fetched 2026-04-20"}
    assert set(trade["location"].str.split(",").str[0]) == {"fetched/2026-04-20/comtrade.csv"}
    meta = json.loads((tmp_path / "clean" / "metadata.json").read_text("utf-8"))
    assert meta["sources"]["un-comtrade"]["latest_period_end"] == "2010-12-31"

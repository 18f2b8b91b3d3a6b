"""Every file of a source folder is read or reported: `etl.sources.load` and `unread`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from etl import sources
from etl.errors import InputError
from tests.conftest import source_folder

IMF = "imf-dots-annual"
BNS_MONTHLY = "bns-kz-monthly-trade-totals"
EXPORTS = (
    "date,value,transformation\r\n2024-01-01,5351587.7,level\r\n2024-02-01,4559264.1,level\r\n"
)


def unread(result: sources.SourceResult) -> dict[str, str]:
    return {u["file"]: u["reason"] for u in result.unread}


def test_an_xls_beside_the_xlsx_and_a_notes_file_are_reported_by_name(
    shared_data: Path, tmp_path: Path
) -> None:
    """A real DOTS workbook is read; the same workbook saved as .xls is not silently skipped."""
    real = source_folder(shared_data, IMF)
    folder = tmp_path / IMF
    folder.mkdir()
    shutil.copy(real / "dots_kazakhstan.xlsx", folder)
    shutil.copy(real / "PROVENANCE.md", folder)
    shutil.copy(real / "dots_kazakhstan.xlsx", folder / "dots_kazakhstan_old.xls")
    (folder / "notes.txt").write_text("downloaded by hand\n", encoding="utf-8")
    (folder / "~$dots_kazakhstan.xlsx").write_bytes(b"lock")

    result = sources.load(IMF, folder)

    assert unread(result) == {
        "PROVENANCE.md": "documentation, not data",
        "dots_kazakhstan_old.xls": (
            "no reader for .xls files in this folder; readers here read *.xlsx"
        ),
        "notes.txt": "no reader for .txt files in this folder; readers here read *.xlsx",
        "~$dots_kazakhstan.xlsx": "an Excel lock file (the workbook is open in Excel), not data",
    }
    assert [p.name for p in result.files] == ["dots_kazakhstan.xlsx"]
    # the workbook is still read in full: Kazakhstan's 2019 exports FOB to Italy, USD 8,373.7 m
    trade = result.frames["trade"]
    italy = trade[(trade["partner"] == "ITA") & (trade["flow"] == "export")]
    value = italy.loc[italy["period_start"].dt.year == 2019, "value"]
    assert value.tolist() == [pytest.approx(8_373.7e6, abs=0.05e6)]
    json.dumps(result.unread)  # goes into report.json as it is


def test_a_sub_folder_and_an_unknown_csv_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / BNS_MONTHLY
    (folder / "old").mkdir(parents=True)
    (folder / "exports.csv").write_bytes(EXPORTS.encode())
    (folder / "README").write_text("see PROVENANCE.md", encoding="utf-8")
    (folder / "data.json").write_text("{}", encoding="utf-8")

    result = sources.load(BNS_MONTHLY, folder)

    assert unread(result) == {
        "README": "documentation, not data",
        "data.json": "no reader for .json files in this folder; readers here read *.csv",
        "old": f"a folder: readers here read only files directly in {BNS_MONTHLY}/",
    }
    trade = result.frames["trade"]
    assert trade.loc[trade["period_start"].dt.month == 2, "value"].tolist() == [4_559_264_100.0]


def test_a_csv_the_reader_matches_but_cannot_place_is_unread_with_its_reason(
    tmp_path: Path,
) -> None:
    """wiiw: a CSV that is neither the partner nor the activity table."""
    from tests.unit.test_wiiw_fdi import ROWS, write

    folder = tmp_path / "wiiw-fdi-kazakhstan"
    folder.mkdir()
    write(folder / "wiiw_partners.csv", ROWS)
    (folder / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")

    result = sources.load("wiiw-fdi-kazakhstan", folder)

    assert unread(result) == {"other.csv": "neither wiiw's partner nor activity table"}
    assert [p.name for p in result.files] == ["wiiw_partners.csv"]


def test_a_folder_with_two_formats_runs_both_readers_and_merges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several readers for one folder (as the Kyrgyz folder will have): each reads its files."""
    monkeypatch.setitem(
        sources.READERS,
        "two-formats",
        ("etl.sources.bns_monthly_totals", "etl.sources.us_niv_visas"),
    )
    folder = tmp_path / "two-formats"
    folder.mkdir()
    (folder / "exports.csv").write_bytes(EXPORTS.encode())
    month = '{"Nationality":"Kazakhstan","Visa Class":"J1","Issuances":"1,204"}\n'
    (folder / "2023-04-01.jsonl").write_text(month, encoding="utf-8")
    (folder / "rates.xls").write_bytes(b"\xd0\xcf\x11\xe0")

    result = sources.load("two-formats", folder)

    assert result.source == "two-formats"
    assert sorted(result.frames) == ["trade", "visas"]
    assert result.frames["visas"]["count"].tolist() == [1204]
    assert len(result.frames["trade"]) == 2
    assert [p.name for p in result.files] == ["exports.csv", "2023-04-01.jsonl"]
    assert unread(result) == {
        "rates.xls": "no reader for .xls files in this folder; readers here read *.csv, *.jsonl"
    }


def test_a_folder_none_of_whose_readers_finds_a_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        sources.READERS, "two-formats", ("etl.sources.imf_dots", "etl.sources.us_niv_visas")
    )
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"value '\*.xlsx \*.jsonl': no file any reader"):
        sources.load("two-formats", tmp_path)
    with pytest.raises(InputError, match=r"no \.xlsx workbook in the folder"):
        sources.load(IMF, tmp_path)

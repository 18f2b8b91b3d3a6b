"""`python -m etl add`: new editions copied into data/raw/<source>/ and recorded in the manifest."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from etl import __main__ as cli
from etl import paths, snapshots
from etl.snapshots import AddRefused, add_files

COMEXT = "eurostat-comext-eu-exports-to-kaz-monthly"
NEIGHBOURS = "eurostat-comext-eu-trade-with-neighbours-monthly"
NOW = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)
HEADER = "REPORTER,PARTNER,PRODUCT,FLOW,STAT_PROCEDURE,PERIOD,VALUE_IN_EUR\r\n"


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    """A copy of the real manifest: add_files appends to it."""
    copy = tmp_path / "sources.toml"
    copy.write_bytes(paths.manifest().read_bytes())
    return copy


def crafted(tmp_path: Path, name: str, value: str = "5") -> Path:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    row = f'"Malta","Kazakhstan","Total","EXPORT","Total","Sep. 2024",{value}\r\n'
    path.write_bytes((HEADER + row).encode())
    return path


def entries(manifest: Path, source: str) -> dict[str, dict]:
    with manifest.open("rb") as fh:
        files = tomllib.load(fh)["sources"][source]["files"]
    return {f["name"]: f for f in files}


def test_a_file_is_copied_and_recorded_with_checksum_size_edition_and_time(
    tmp_path: Path, manifest: Path
) -> None:
    before = manifest.read_text("utf-8")
    new = crafted(tmp_path, "comext_2024-09.csv")
    [added] = add_files([new], COMEXT, tmp_path / "raw", manifest, "2024-10 extract", now=NOW)
    assert added.action == "added"
    copy = tmp_path / "raw" / COMEXT / "comext_2024-09.csv"
    assert copy.read_bytes() == new.read_bytes()
    entry = entries(manifest, COMEXT)["comext_2024-09.csv"]
    assert entry == {
        "name": "comext_2024-09.csv",
        "sha256": snapshots.sha256(new),
        "bytes": new.stat().st_size,
        "edition": "2024-10 extract",
        "added_utc": "2025-01-31T12:00:00+00:00",
    }
    assert manifest.read_text("utf-8").startswith(before.rstrip("\n"))  # appended, not rewritten
    # the existing file of the source is still listed
    assert "comext_eu_member_exports_to_kazakhstan_monthly_2019-01_2024-08.csv" in entries(
        manifest, COMEXT
    )


def test_an_unknown_source_is_refused_with_the_known_ones(tmp_path: Path, manifest: Path) -> None:
    with pytest.raises(AddRefused, match=r"unknown source 'comext'; known sources: .*" + COMEXT):
        add_files([crafted(tmp_path, "a.csv")], "comext", tmp_path / "raw", manifest)
    assert not (tmp_path / "raw").exists()


def test_a_file_no_reader_reads_is_refused_with_their_patterns(
    tmp_path: Path, manifest: Path
) -> None:
    notes = tmp_path / "notes.xlsx"
    notes.write_bytes(b"PK")
    with pytest.raises(
        AddRefused, match=r"notes.xlsx: no reader of .* would read it; they read \*\.csv"
    ):
        add_files([notes], COMEXT, tmp_path / "raw", manifest)
    assert manifest.read_bytes() == paths.manifest().read_bytes()


def test_sub_folder_readers_need_into(tmp_path: Path, manifest: Path) -> None:
    new = crafted(tmp_path, "Relational_View_2024-12-01.csv")
    with pytest.raises(AddRefused, match=r"exports-to-\*/\*\.csv.*\(use --into\)"):
        add_files([new], NEIGHBOURS, tmp_path / "raw", manifest)
    [added] = add_files([new], NEIGHBOURS, tmp_path / "raw", manifest, into="exports-to-KGZ")
    assert added.name == "exports-to-KGZ/Relational_View_2024-12-01.csv"
    assert (tmp_path / "raw" / NEIGHBOURS / added.name).is_file()
    assert added.name in entries(manifest, NEIGHBOURS)


def test_a_name_clash_with_other_bytes_is_refused_unless_replace(
    tmp_path: Path, manifest: Path
) -> None:
    raw = tmp_path / "raw"
    add_files([crafted(tmp_path, "x.csv", "5")], COMEXT, raw, manifest, "first")
    again = add_files([crafted(tmp_path, "x.csv", "5")], COMEXT, raw, manifest, "first")
    assert [a.action for a in again] == ["unchanged"]
    changed = crafted(tmp_path, "x.csv", "6")
    with pytest.raises(AddRefused, match=r"x.csv: .* already has a file of that name.*--replace"):
        add_files([changed], COMEXT, raw, manifest, "second")
    assert entries(manifest, COMEXT)["x.csv"]["edition"] == "first"

    [replaced] = add_files([changed], COMEXT, raw, manifest, "second", replace=True)
    assert replaced.action == "replaced"
    text = manifest.read_text("utf-8")
    assert text.count('name = "x.csv"') == 1
    assert entries(manifest, COMEXT)["x.csv"]["sha256"] == snapshots.sha256(changed)
    assert entries(manifest, COMEXT)["x.csv"]["edition"] == "second"
    assert (raw / COMEXT / "x.csv").read_bytes() == changed.read_bytes()


def test_cli_add_prints_what_it_did_and_refusals_exit_2(
    tmp_path: Path, manifest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = crafted(tmp_path, "y.csv")
    common = ["--raw", str(tmp_path / "raw"), "--manifest", str(manifest)]
    assert cli.main(["add", str(new), "--source", COMEXT, "--edition", "E", *common]) == 0
    assert "added: " in capsys.readouterr().out
    assert cli.main(["add", str(new), "--source", "nope", *common]) == 2
    assert "etl add refused: unknown source 'nope'" in capsys.readouterr().err


def test_fetch_is_dispatched_to_etl_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr("etl.fetch.cli.main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["fetch", "--source", "ecb"]) == 0
    assert seen == [["--source", "ecb"]]


def test_online_runs_the_etl_even_when_the_fetch_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_fetch(argv: list[str]) -> int:
        print("comtrade: offline (no route to host): no previous snapshot")
        return 1

    runs: list[Path] = []

    def fake_run(raw: Path, clean: Path, *args: object, **kwargs: object) -> dict:
        runs.append(raw)
        return {"tables": {"trade": 1}, "seconds": 0.1, "warnings": []}

    monkeypatch.setattr("etl.fetch.cli.main", failing_fetch)
    monkeypatch.setattr("etl.pipeline.run", fake_run)
    raw = tmp_path / "raw"
    assert cli.main(["--online", "--raw", str(raw), "--clean", str(tmp_path / "clean")]) == 0
    assert runs == [raw]
    out = capsys.readouterr()
    assert "comtrade: offline" in out.out
    assert "the ETL runs on the files present" in out.err

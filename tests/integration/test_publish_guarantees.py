"""A failed or killed ETL run leaves data/clean/ exactly as it was; a finished one replaces it."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl import paths, snapshots
from tests.conftest import source_folder

FAST_SOURCE = "bns-kz-monthly-trade-totals"
ROOT = Path(__file__).resolve().parents[2]


def etl_cmd(raw: Path, clean: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "etl",
        "--raw",
        str(raw),
        "--clean",
        str(clean),
        "--only",
        FAST_SOURCE,
    ]


def snapshot(clean: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(clean.iterdir())}


def assert_one_complete_version(clean: Path) -> str:
    report = json.loads((clean / "report.json").read_text())
    published = [*clean.glob("*.parquet"), clean / "metadata.json"]
    on_disk = {p.name: snapshots.sha256(p) for p in sorted(published)}
    assert on_disk == report["outputs"], "clean/ mixes files of different runs"
    return report["run_id"]


@pytest.fixture
def raw_copy(shared_data: Path, tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(source_folder(shared_data, FAST_SOURCE), raw / FAST_SOURCE)
    return raw


@pytest.fixture
def published(raw_copy: Path, tmp_path: Path) -> Path:
    clean = tmp_path / "clean"
    subprocess.run(etl_cmd(raw_copy, clean), check=True, cwd=ROOT, capture_output=True)
    return clean


def test_bad_input_fails_with_file_row_column_and_leaves_clean_identical(
    raw_copy: Path, published: Path
):
    before = snapshot(published)
    exports = raw_copy / FAST_SOURCE / "exports.csv"
    lines = exports.read_text().splitlines()
    lines[3] = "2019-03-01,three million,level"
    exports.write_text("\n".join(lines) + "\n")
    result = subprocess.run(etl_cmd(raw_copy, published), cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "exports.csv" in result.stderr and "three million" in result.stderr
    assert "unchanged" in result.stderr
    assert snapshot(published) == before


def test_a_run_killed_at_random_moments_never_leaves_a_mix(raw_copy: Path, published: Path):
    rng = random.Random(20261125)
    versions = {assert_one_complete_version(published)}
    for _ in range(20):
        proc = subprocess.Popen(
            etl_cmd(raw_copy, published),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.0, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        versions.add(assert_one_complete_version(published))
    leftovers = [p.name for p in published.parent.iterdir() if p.name.startswith(".clean.tmp")]
    # A killed run may leave its staging folder; the next run removes it before writing.
    assert len(leftovers) <= 1
    assert len(versions) >= 1


def test_a_second_concurrent_run_refuses_with_a_clear_message(raw_copy: Path, published: Path):
    from etl.atomic import run_lock

    with run_lock(published):
        result = subprocess.run(
            etl_cmd(raw_copy, published), cwd=ROOT, capture_output=True, text=True
        )
    assert result.returncode == 75
    assert "another ETL run" in result.stderr


def test_changed_snapshot_file_is_refused_unless_accepted(tmp_path: Path, shared_data: Path):
    source_folder(shared_data, FAST_SOURCE)
    raw = tmp_path / "raw"
    manifest = paths.manifest()
    (raw / FAST_SOURCE).mkdir(parents=True)
    (raw / FAST_SOURCE / "exports.csv").write_text("date,value,transformation\n")
    records, problems, _ = snapshots.materialise(manifest, raw, shared_data)
    changed = [p for p in problems if p.file.endswith("exports.csv")]
    assert changed and "--accept-new-vintage" in changed[0].rule
    _, problems, warnings = snapshots.materialise(
        manifest, raw, shared_data, accept_new_vintage=True
    )
    assert not problems and any("new vintage" in w for w in warnings)
    # Missing files were copied from the mirror and verified.
    assert (raw / "imf-dots-annual" / "dots_italy.xlsx").is_file()
    assert os.access(raw / "imf-dots-annual" / "dots_italy.xlsx", os.R_OK)
    assert len(records) == len(snapshots.manifest_files(manifest))

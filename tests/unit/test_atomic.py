"""The publish step: a clean directory is swapped whole, and only one run writes at a time."""

from pathlib import Path

import pytest

from etl.atomic import EtlBusy, publish, run_lock, staging_dir


def tree(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_publish_replaces_the_whole_directory(tmp_path: Path):
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "old.parquet").write_bytes(b"old")
    staging = staging_dir(clean)
    (staging / "new.parquet").write_bytes(b"new")
    publish(staging, clean)
    assert tree(clean) == {"new.parquet": b"new"}
    assert not staging.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["clean"]


def test_publish_creates_a_missing_directory(tmp_path: Path):
    clean = tmp_path / "sub" / "clean"
    staging = staging_dir(clean)
    (staging / "a").write_bytes(b"1")
    publish(staging, clean)
    assert tree(clean) == {"a": b"1"}


def test_a_killed_runs_staging_directory_is_removed_by_the_next(tmp_path: Path):
    clean = tmp_path / "clean"
    leftover = tmp_path / ".clean.tmp-999999"
    leftover.mkdir()
    staging_dir(clean)
    assert not leftover.exists()


def test_a_second_concurrent_run_is_refused_with_a_clear_message(tmp_path: Path):
    clean = tmp_path / "clean"
    with run_lock(clean), pytest.raises(EtlBusy, match="another ETL run"), run_lock(clean):
        pass
    with run_lock(clean):  # released after the first run ends
        pass

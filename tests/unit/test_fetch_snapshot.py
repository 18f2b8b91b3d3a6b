"""Dated snapshot folders: manifest contents, latest(), and all-or-nothing writes."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest

from etl.fetch import snapshot
from etl.fetch.snapshot import SnapshotFile

NOW = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)


def file(name: str, body: bytes, release: str | None = None) -> SnapshotFile:
    request = {"url": f"https://example.org/{name}", "params": {"q": "1"}, "headers": {}}
    return SnapshotFile(name, body, request, 200, "text/plain", release)


def test_manifest_lists_each_file_with_checksum_size_request_and_release(tmp_path):
    target = snapshot.write(
        tmp_path, "src", date(2026, 4, 20),
        [file("a.txt", b"alpha", "2026-04-01"), file("b.txt", b"beta", "2026-04-02")],
        NOW, {"source": "src"},
    )  # fmt: skip
    assert target == tmp_path / "src" / "fetched" / "2026-04-20"
    manifest = snapshot.read_manifest(target)
    a, b = manifest["files"]
    assert (b["name"], b["bytes"], b["release"]) == ("b.txt", 4, "2026-04-02")
    assert a["sha256"] == hashlib.sha256(b"alpha").hexdigest()
    assert (a["bytes"], a["status"], a["url"], a["params"]) == (
        5, 200, "https://example.org/a.txt", {"q": "1"},
    )  # fmt: skip
    assert manifest["release"] == "2026-04-02"  # the newest release among the files
    assert manifest["fetched_utc"] == "2026-04-20T09:30:00Z"
    assert (target / "b.txt").read_bytes() == b"beta"


def test_latest_ignores_incomplete_and_foreign_folders(tmp_path):
    for day in ("2026-04-13", "2026-04-01"):
        snapshot.write(tmp_path, "src", date.fromisoformat(day), [file("a", b"x")], NOW, {})
    root = tmp_path / "src" / "fetched"
    (root / "2026-05-01").mkdir()  # no snapshot.json: not a complete snapshot
    (root / "notes").mkdir()
    assert snapshot.snapshots(tmp_path, "src") == ["2026-04-01", "2026-04-13"]
    assert snapshot.latest(tmp_path, "src") == "2026-04-13"
    assert snapshot.latest(tmp_path, "other") is None


def test_same_day_rewrite_replaces_the_folder_whole(tmp_path):
    day = date(2026, 4, 20)
    snapshot.write(tmp_path, "src", day, [file("old.txt", b"old")], NOW, {})
    target = snapshot.write(tmp_path, "src", day, [file("new.txt", b"new")], NOW, {})
    assert sorted(p.name for p in target.iterdir()) == ["new.txt", "snapshot.json"]
    assert [p.name for p in target.parent.iterdir()] == ["2026-04-20"]  # no staging left


def test_a_failing_write_leaves_the_previous_snapshot(tmp_path):
    day = date(2026, 4, 20)
    target = snapshot.write(tmp_path, "src", day, [file("a.txt", b"a")], NOW, {})
    with pytest.raises(ValueError, match="unique"):
        snapshot.write(tmp_path, "src", day, [file("x", b"1"), file("x", b"2")], NOW, {})
    with pytest.raises(TypeError):  # not JSON-serialisable metadata, after the files are staged
        snapshot.write(tmp_path, "src", day, [file("b.txt", b"b")], NOW, {"bad": object()})
    assert sorted(p.name for p in target.iterdir()) == ["a.txt", "snapshot.json"]
    assert [p.name for p in target.parent.iterdir()] == ["2026-04-20"]

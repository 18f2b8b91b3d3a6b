"""Dated snapshot folders: data/raw/<folder>/fetched/<YYYY-MM-DD>/ with files and snapshot.json.

Like OWID's snapshots, a download is kept as received beside its metadata: URL, request
parameters, fetched_utc, sha256 and bytes of each file, HTTP status, and the publisher's release
or preparation date where the service gives one. The folder is built in a hidden sibling and
swapped in whole (etl.atomic.publish), so a failed or interrupted download leaves the previous
snapshot, including one of the same day, untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from etl.atomic import publish

MANIFEST = "snapshot.json"
FETCHED = "fetched"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class SnapshotFile:
    """One file of a snapshot: the bytes and how they were obtained."""

    name: str
    body: bytes
    request: dict[str, object]  # Request.record(): url, params, headers (no secrets)
    status: int | None  # None for a file derived from others (e.g. a CSV converted from JSON)
    content_type: str = ""
    release: str | None = None  # publisher's release/preparation date, ISO 8601 as given
    derived_from: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)


def folder(raw: Path, source_folder: str) -> Path:
    return Path(raw) / source_folder / FETCHED


def snapshots(raw: Path, source_folder: str) -> list[str]:
    """Dates (YYYY-MM-DD) of the complete snapshots of a source, oldest first."""
    root = folder(raw, source_folder)
    if not root.is_dir():
        return []
    return sorted(
        p.name for p in root.iterdir() if _DAY.fullmatch(p.name) and (p / MANIFEST).is_file()
    )


def latest(raw: Path, source_folder: str) -> str | None:
    days = snapshots(raw, source_folder)
    return days[-1] if days else None


def write(
    raw: Path,
    source_folder: str,
    day: date,
    files: list[SnapshotFile],
    fetched_utc: datetime,
    meta: dict[str, object],
) -> Path:
    """Write the snapshot of `day` atomically and return its folder.

    `meta` holds the source-level facts (source, publisher, query); each file adds its own
    request, status, sha256, bytes and release date.
    """
    names = [f.name for f in files]
    if len(set(names)) != len(names) or MANIFEST in names:
        raise ValueError(f"snapshot file names must be unique and not {MANIFEST}: {names}")
    root = folder(raw, source_folder)
    root.mkdir(parents=True, exist_ok=True)
    target = root / day.isoformat()
    staging = root / f".{day.isoformat()}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)  # left by a killed run
    staging.mkdir()
    try:
        records = []
        for f in files:
            (staging / f.name).write_bytes(f.body)
            record: dict[str, object] = {
                "name": f.name,
                "sha256": hashlib.sha256(f.body).hexdigest(),
                "bytes": len(f.body),
                "status": f.status,
                "content_type": f.content_type,
                "release": f.release,
                **f.request,
            }
            if f.derived_from:
                record["derived_from"] = list(f.derived_from)
            record.update(f.extra)
            records.append(record)
        releases = sorted({f.release for f in files if f.release})
        manifest = {
            **meta,
            "fetched_utc": fetched_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "release": releases[-1] if releases else None,
            "files": records,
        }
        (staging / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        publish(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def read_manifest(snapshot_dir: Path) -> dict:
    return json.loads((Path(snapshot_dir) / MANIFEST).read_text(encoding="utf-8"))

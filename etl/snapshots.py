"""Snapshots of third-party files: manifest, materialisation from a URL or mirror, sha256 checks.

Like OWID's snapshots, the repository commits only metadata (data/raw/sources.toml); the files
themselves are fetched on demand into data/raw/<source>/ and verified against their checksum.
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from etl.errors import Problem


@dataclass(frozen=True)
class SnapshotFile:
    source: str
    name: str
    sha256: str
    bytes: int
    url: str | None


def manifest_files(manifest: Path) -> list[SnapshotFile]:
    with manifest.open("rb") as fh:
        raw = tomllib.load(fh)
    return [
        SnapshotFile(key, f["name"], f["sha256"], int(f.get("bytes", -1)), f.get("url"))
        for key, entry in raw["sources"].items()
        for f in entry.get("files", [])
    ]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, target: Path, timeout: float = 20.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, target.open("wb") as out:
            shutil.copyfileobj(resp, out)
        return True
    except OSError:
        target.unlink(missing_ok=True)
        return False


def materialise(
    manifest: Path, raw: Path, mirror: Path | None, accept_new_vintage: bool = False
) -> tuple[list[dict], list[Problem], list[str]]:
    """Make every manifest file present in raw/<source>/ and verified.

    Returns (file records for the report, problems, warnings). Files already present are only
    verified; a checksum mismatch is a problem unless `accept_new_vintage`.
    """
    records: list[dict] = []
    problems: list[Problem] = []
    warnings: list[str] = []
    for snap in manifest_files(manifest):
        target = raw / snap.source / snap.name
        origin = "present"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".part")
            if snap.url and _download(snap.url, tmp):
                origin = "downloaded"
            elif mirror is not None and (mirror / snap.source / snap.name).is_file():
                shutil.copyfile(mirror / snap.source / snap.name, tmp)
                origin = f"copied from mirror {mirror}"
            else:
                problems.append(
                    Problem(
                        f"{snap.source}/{snap.name}",
                        "whole file",
                        "-",
                        "-",
                        "snapshot file missing: not downloadable here and not in a mirror; "
                        "run `make etl MIRROR=<folder holding the source folders>`",
                    )
                )
                continue
            tmp.replace(target)
        digest = sha256(target)
        if digest != snap.sha256:
            if accept_new_vintage:
                warnings.append(
                    f"{snap.source}/{snap.name}: sha256 {digest} differs from the manifest "
                    f"({snap.sha256}); accepted as a new vintage (--accept-new-vintage): "
                    "update data/raw/sources.toml"
                )
            else:
                problems.append(
                    Problem(
                        f"{snap.source}/{snap.name}",
                        "whole file",
                        "sha256",
                        digest,
                        f"differs from the manifest's {snap.sha256}: the publisher changed the "
                        "file; check it, then rerun with --accept-new-vintage",
                    )
                )
        records.append(
            {
                "source": snap.source,
                "name": snap.name,
                "sha256": digest,
                "bytes": target.stat().st_size,
                "origin": origin,
            }
        )
    return records, problems, warnings

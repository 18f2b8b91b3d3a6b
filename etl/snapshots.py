"""Snapshots of third-party files: manifest, materialisation from a URL or mirror, sha256 checks.

Like OWID's snapshots, the repository commits only metadata (data/raw/sources.toml); the files
themselves are fetched on demand into data/raw/<source>/ and verified against their checksum.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
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


# ---- adding a new edition: `python -m etl add PATH... --source NAME` ---------------------------


@dataclass(frozen=True)
class Added:
    """One file `add_files` took in: its manifest name, checksum, size and what was done."""

    name: str
    sha256: str
    bytes: int
    action: str  # "added", "replaced" or "unchanged" (the same bytes were already recorded)


class AddRefused(ValueError):
    """A file `add_files` will not take in; the message says why and what to do."""


def reader_patterns(source: str) -> list[str]:
    """The globs of the files the readers of `source` read (relative to its folder)."""
    from etl import sources  # the readers are heavy; only `etl add` needs them here

    patterns: list[str] = []
    for module in sources.readers(source):
        if getattr(module, "PATTERNS", None):
            patterns += module.PATTERNS
        elif getattr(module, "DATA_SUFFIXES", None):  # streamed readers list suffixes instead
            compressed = getattr(module, "COMPRESSED_SUFFIXES", ("",))
            patterns += [f"*{s}{c}" for s in module.DATA_SUFFIXES for c in compressed]
    return list(dict.fromkeys(patterns))


def is_read_by(name: str, patterns: list[str]) -> bool:
    """Whether a file at `name` (relative, '/'-separated) matches a reader's glob; '*' never
    crosses a '/', as in the readers' own folder globs."""
    parts = name.split("/")
    for pattern in patterns:
        globs = pattern.split("/")
        if len(globs) == len(parts) and all(map(fnmatchcase, parts, globs)):
            return True
    return False


def known_sources(manifest: Path) -> list[str]:
    """Sources that are both described in the manifest and have a reader."""
    from etl import sources

    with manifest.open("rb") as fh:
        described = tomllib.load(fh)["sources"]
    readable = {*sources.READERS, *sources.OPTIONAL_READERS}
    return [s for s in described if s in readable]


def add_files(
    files: list[Path],
    source: str,
    raw: Path,
    manifest: Path,
    edition: str | None = None,
    replace: bool = False,
    into: str | None = None,
    now: datetime | None = None,
) -> list[Added]:
    """Copy `files` into raw/<source>/[into/] and record them in the manifest under `source`.

    Every check runs before anything is written, so a refused call changes nothing: an unknown
    source (the known ones are listed), a file no reader of the source would read (their globs
    are named), a name already recorded or present with other bytes (unless `replace`).
    """
    known = known_sources(manifest)
    if source not in known:
        raise AddRefused(f"unknown source {source!r}; known sources: {', '.join(known)}")
    patterns = reader_patterns(source)
    recorded = {f.name: f for f in manifest_files(manifest) if f.source == source}
    plan: list[tuple[Path, Added]] = []
    for path in files:
        if not path.is_file():
            raise AddRefused(f"{path}: no such file")
        name = f"{into.strip('/')}/{path.name}" if into else path.name
        if not is_read_by(name, patterns):
            raise AddRefused(
                f"{name}: no reader of {source} would read it; they read {', '.join(patterns)}"
                + ("" if into or not any("/" in p for p in patterns) else " (use --into)")
            )
        digest, size = sha256(path), path.stat().st_size
        target = raw / source / name
        old = recorded.get(name)
        on_disk = sha256(target) if target.is_file() else None
        if (old is None or old.sha256 == digest) and on_disk in (None, digest):
            action = "unchanged" if old is not None else "added"
        elif replace:
            action = "replaced"
        else:
            was = old.sha256 if old is not None else on_disk
            raise AddRefused(
                f"{name}: {source} already has a file of that name with sha256 {was} "
                f"(this one: {digest}); rename the new edition or rerun with --replace"
            )
        plan.append((path, Added(name, digest, size, action)))
    names = [a.name for _, a in plan]
    if len(set(names)) != len(names):
        raise AddRefused(f"two files of the same name given: {names}")

    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    text = manifest.read_text("utf-8")
    for path, added in plan:
        if added.action == "unchanged":
            continue
        target = raw / source / added.name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
        text = _without_entry(text, source, added.name) + _entry(source, added, edition, stamp)
    tomllib.loads(text)  # the manifest must stay valid TOML before it replaces the old one
    tmp_manifest = manifest.with_name(manifest.name + ".part")
    tmp_manifest.write_text(text, "utf-8")
    tmp_manifest.replace(manifest)
    return [a for _, a in plan]


def _entry(source: str, added: Added, edition: str | None, stamp: str) -> str:
    lines = [
        "",
        f"[[sources.{json.dumps(source)}.files]]",
        f"name = {json.dumps(added.name)}",
        f'sha256 = "{added.sha256}"',
        f"bytes = {added.bytes}",
        f"edition = {json.dumps(edition or 'not stated (added with python -m etl add)')}",
        f'added_utc = "{stamp}"',
    ]
    return "\n".join(lines) + "\n"


def _without_entry(text: str, source: str, name: str) -> str:
    """The manifest text without the `[[sources."source".files]]` block that names `name`."""
    header = f"[[sources.{json.dumps(source)}.files]]"
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == header:
            end = i + 1
            while end < len(lines) and not lines[end].lstrip().startswith("["):
                end += 1
            block = lines[i:end]
            if any(tomllib.loads(b).get("name") == name for b in block if b.startswith("name")):
                i = end
                continue
        out.append(lines[i])
        i += 1
    return "".join(out).rstrip("\n") + "\n"

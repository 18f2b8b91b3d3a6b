"""Default locations, relative to the repository; overridable from the command line."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def raw_dir() -> Path:
    return Path(os.environ.get("TRADEBOARD_RAW", ROOT / "data" / "raw"))


def clean_dir() -> Path:
    return Path(os.environ.get("TRADEBOARD_CLEAN", ROOT / "data" / "clean"))


def manifest() -> Path:
    return ROOT / "data" / "raw" / "sources.toml"


def facts_file() -> Path:
    return ROOT / "data" / "raw" / "facts" / "facts.yaml"


def shared_data() -> Path:
    """The local mirror of the real datasets, beside the repository when it exists."""
    return Path(os.environ.get("TRADEBOARD_MIRROR", ROOT.parent / "shared" / "data"))

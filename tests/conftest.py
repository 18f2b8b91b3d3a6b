"""Shared fixtures: the real datasets beside the repository, and temporary data directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import paths


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (the real public datasets); tests that need it skip when it is absent."""
    root = paths.shared_data()
    if not root.is_dir():
        pytest.skip(f"real datasets not found at {root} (set TRADEBOARD_MIRROR to their folder)")
    return root


def source_folder(shared: Path, name: str) -> Path:
    folder = shared / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder

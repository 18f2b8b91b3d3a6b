"""Shared fixtures: the real datasets beside the repository, and temporary data directories."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from etl import paths

# Deadlines flake on a loaded 2-core machine (first calls import pandas/pandera); examples stay.
settings.register_profile("tradeboard", deadline=None)
settings.load_profile("tradeboard")


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


@pytest.fixture(scope="session")
def clean_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real clean frames, built once per test session from ../shared/data."""
    from etl import pipeline  # heavy; only sessions that need real clean data pay for it

    clean = tmp_path_factory.mktemp("clean")
    pipeline.run(raw=shared_data, clean=clean, facts_path=paths.facts_file())
    return clean

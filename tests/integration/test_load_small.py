"""A small load test of the production server (the full one is `make load`).

gunicorn with 2 sync workers (as `make serve`), 10 concurrent clients replaying what Chromium sent
on the partner page for 4 s: every request must succeed, no worker may restart or log a traceback,
and the workers' memory must not grow by more than 10% between the first and last third of the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.benchmarks import load
from tests.browser.conftest import CHROMIUM

pytestmark = [pytest.mark.shared_data, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def report(clean_dir: Path) -> dict:
    pytest.importorskip("gunicorn")
    if not CHROMIUM.exists():  # the capture step records what a real browser sends
        message = f"{CHROMIUM} not found: install Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(message + " (required on CI)")
        pytest.skip(message)
    return load.run(
        clean_dir, clients=10, seconds=4, workers=2, warmup=0.5, pages=("partner",), seed=7
    )


def test_every_request_succeeds(report: dict) -> None:
    assert report["errors"] == 0, report["error_samples"]
    assert report["server_log_problems"] == {}
    assert report["worker_restarts"] == 0
    assert report["stuck_clients"] == 0


def test_the_traffic_was_browser_like_and_not_trivial(report: dict) -> None:
    kinds = report["kinds"]
    assert kinds["all"]["requests"] >= 30
    for kind in ("page", "meta", "route", "control"):
        assert kinds[kind]["requests"] > 0, kind
    assert report["capture"]["pages"]["partner"] == ["change", "csv"]


def test_memory_does_not_grow(report: dict) -> None:
    memory = report["memory"]
    assert memory["samples"] >= 3
    assert memory["growth_pct"] <= 10.0, memory
    assert load.passed(report)

"""A running dashboard follows `data/clean/` being republished: new version, no mix, no crash."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from dashboard.app import STORE_KEY, create_app
from etl import paths, pipeline
from tests.conftest import source_folder

FAST = "bns-kz-monthly-trade-totals"


@pytest.fixture
def raw(shared_data: Path, tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(source_folder(shared_data, FAST), raw / FAST)
    return raw


def test_the_next_request_after_a_publish_sees_the_new_version(
    raw: Path, tmp_path: Path, clean_dir: Path
):
    clean = tmp_path / "clean"
    shutil.copytree(clean_dir, clean)
    app = create_app(clean)
    store = app.server.config[STORE_KEY]
    store.check_every = 0.0  # check the stamp on every request
    client = app.server.test_client()
    assert client.get("/partner?reporter=KAZ&partner=ITA").status_code == 200
    before = store.get().version

    statuses: list[int] = []
    stop = threading.Event()

    def browse() -> None:
        while not stop.is_set():
            statuses.append(client.get("/?reporter=KAZ").status_code)

    readers = [threading.Thread(target=browse) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for _ in range(3):  # republish while requests are being served
            pipeline.run(raw, clean, paths.facts_file(), only=[FAST])
            time.sleep(0.2)
    finally:
        stop.set()
        for t in readers:
            t.join()

    after = store.get()
    assert after.version != before
    assert after.report["run_id"] == after.version  # frames and stamp from one publish
    assert statuses and set(statuses) == {200}  # never an error mid-swap
    assert len(after.trade) == after.report["tables"]["trade"]  # the new version, whole

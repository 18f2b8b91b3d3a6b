"""A running dashboard follows `data/clean/` being republished: new version, no mix, no crash."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.dash_requests import live_app, republish


def test_the_next_request_after_a_publish_sees_the_new_version(
    shared_data: Path, tmp_path: Path, clean_dir: Path
):
    live = live_app(shared_data, clean_dir, tmp_path)
    store, client = live.store, live.client
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
            republish(live)
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

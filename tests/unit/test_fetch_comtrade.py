"""Comtrade client replayed on the recorded /data/v1/get/C/A/HS answer (China 2010, ARG and DEU)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest
import respx

from etl.fetch import comtrade
from etl.fetch.cli import main
from etl.fetch.http import FetchError, Request, Response
from etl.sources import comtrade as reader
from tests.conftest import source_folder

GET_URL = "https://comtradeapi.un.org/data/v1/get/C/A/HS"
PREVIEW_URL = "https://comtradeapi.un.org/public/v1/preview/C/A/HS"
NOW = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)
CHINA_2010 = ["--reporter", "156", "--partner", "32,276", "--period", "2010"]
# primaryValue of the four rows in the recorded answer (USD): imports CIF, exports FOB.
EXPECTED = {
    ("ARG", "import"): 6_804_128_143,
    ("DEU", "import"): 74_251_272_075,
    ("ARG", "export"): 6_115_764_185,
    ("DEU", "export"): 68_047_133_397,
}


@pytest.fixture(scope="module")
def recorded(shared_data: Path) -> bytes:
    folder = source_folder(shared_data, "api-responses")
    return (folder / "comtrade-api-v1-get-C-A-HS.json").read_bytes()


def run(raw: Path, *extra: str, sleep=lambda s: None) -> int:
    argv = ["--source", "comtrade", "--raw", str(raw), "--date", "2026-04-20", *extra]
    return main(argv, sleep=sleep, now=NOW)


def test_without_a_key_the_request_is_the_public_preview():
    req = comtrade.build_request(comtrade.Query(reporter="398", period="2022,2023"))
    assert req.url == PREVIEW_URL
    assert req.params["reporterCode"] == "398"
    assert req.params["period"] == "2022,2023"
    assert req.params["maxRecords"] == "500"
    assert (req.params["customsCode"], req.params["motCode"], req.params["partner2Code"]) == (
        "C00", "0", "0",
    )  # fmt: skip
    assert req.secret_headers == {}


def test_with_a_key_the_request_is_final_data_and_the_key_is_never_recorded():
    req = comtrade.build_request(comtrade.Query(), api_key="s3cret")
    assert req.url == GET_URL
    assert req.params["maxRecords"] == "100000"
    assert req.secret_headers == {"Ocp-Apim-Subscription-Key": "s3cret"}
    assert "s3cret" not in json.dumps(req.record())


@respx.mock
def test_replay_yields_chinas_2010_trade_with_argentina_and_germany(
    tmp_path, recorded, monkeypatch
):
    monkeypatch.setenv("COMTRADE_API_KEY", "test-key")
    route = respx.get(GET_URL).mock(return_value=httpx.Response(200, content=recorded))

    assert run(tmp_path, *CHINA_2010) == 0

    sent = route.calls.last.request
    assert sent.headers["Ocp-Apim-Subscription-Key"] == "test-key"
    assert sent.url.params["reporterCode"] == "156"
    assert sent.url.params["partnerCode"] == "32,276"
    folder = tmp_path / "un-comtrade" / "fetched" / "2026-04-20"
    assert (folder / "answer-001.json").read_bytes() == recorded  # kept as received
    manifest_text = (folder / "snapshot.json").read_text()
    assert "test-key" not in manifest_text
    manifest = json.loads(manifest_text)
    answer, csv = manifest["files"]
    assert answer["sha256"] == hashlib.sha256(recorded).hexdigest()
    assert (answer["status"], answer["rows"], answer["release"]) == (200, 4, None)
    assert csv["derived_from"] == ["answer-001.json"]
    assert manifest["endpoint"].startswith("final data")

    # The converted CSV is read by the project's own Comtrade reader.
    trade = pd.concat(list(reader.iter_chunks(folder / "comtrade.csv")), ignore_index=True)
    assert len(trade) == 4
    got = {
        (str(r.partner), str(r.flow)): r.value_usd
        for r in trade.itertuples()
        if str(r.reporter) == "CHN" and str(r.commodity) == "TOTAL"
    }
    assert got == EXPECTED
    assert set(trade["period_start"].astype(str)) == {"2010-01-01"}


def test_csv_has_the_47_comtrade_columns_in_order(recorded):
    data = comtrade.rows(recorded)
    lines = comtrade.to_csv(data).decode().splitlines()
    assert lines[0].split(",") == list(reader.COLUMNS)
    assert len(lines[0].split(",")) == 47
    first = dict(zip(reader.COLUMNS, lines[1].split(","), strict=True))
    assert first["primaryValue"] == "6804128143"
    assert first["fobvalue"] == ""  # null in the JSON
    assert first["isReported"] == "True"


@respx.mock
def test_rate_limit_429_then_200_backs_off_without_sleeping(tmp_path, recorded, monkeypatch):
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    route = respx.get(PREVIEW_URL).mock(
        side_effect=[
            httpx.Response(429, text="Rate limit is exceeded."),
            httpx.Response(429, headers={"Retry-After": "7"}, text="Rate limit is exceeded."),
            httpx.Response(200, content=recorded),
        ]
    )
    waits: list[float] = []

    assert run(tmp_path, *CHINA_2010, sleep=waits.append) == 0

    assert route.call_count == 3
    assert waits == [2.0, 7.0]  # exponential backoff, then the service's Retry-After
    manifest = json.loads(
        (tmp_path / "un-comtrade" / "fetched" / "2026-04-20" / "snapshot.json").read_text()
    )
    assert manifest["files"][0]["attempts"] == 3
    assert manifest["files"][0]["url"].startswith(PREVIEW_URL + "?")


@respx.mock
def test_persistent_429_is_refused_after_bounded_retries(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    route = respx.get(PREVIEW_URL).mock(return_value=httpx.Response(429, text="slow down"))
    waits: list[float] = []

    assert run(tmp_path, "--retries", "2", sleep=waits.append) == 1

    assert route.call_count == 3
    assert waits == [2.0, 4.0]
    assert capsys.readouterr().err.splitlines()[-1] == (
        "comtrade: refused (HTTP 429 from comtradeapi.un.org after 3 attempts: slow down): "
        "no previous snapshot"
    )
    assert not (tmp_path / "un-comtrade").exists()


def _replay(body: bytes) -> tuple[list[Request], object]:
    """A `get` that answers every request with the recorded body, remembering the requests."""
    asked: list[Request] = []

    def get(request: Request) -> Response:
        asked.append(request)
        return Response(request, 200, body, "application/json", 0.0, 1)

    return asked, get


def test_an_answer_at_the_row_cap_is_split_by_period_then_partner(recorded, monkeypatch):
    # The recorded answer has 4 rows; with a cap of 4 it counts as truncated.
    monkeypatch.setattr(comtrade, "FINAL_CAP", 4)
    asked, get = _replay(recorded)
    query = comtrade.Query(reporter="156", partner="32,276", period="2010,2011")

    with pytest.raises(FetchError, match=r"period 2010, partner 32 holds exactly 4 rows"):
        list(comtrade.fetch(query, get, api_key="k"))

    asked_for = [(r.params["period"], r.params["partnerCode"]) for r in asked]
    assert asked_for == [("2010,2011", "32,276"), ("2010", "32,276"), ("2010", "32")]


def test_answers_under_the_cap_are_kept_as_they_come(recorded):
    asked, get = _replay(recorded)
    answers = list(comtrade.fetch(comtrade.Query(period="2010,2011"), get, api_key="k"))
    assert len(answers) == 1 and len(answers[0][2]) == 4
    assert len(asked) == 1


def test_an_error_text_in_the_answer_is_a_refusal():
    body = json.dumps({"elapsedTime": "0 secs", "count": 0, "data": [], "error": "bad period"})
    with pytest.raises(FetchError, match=r"comtradeapi\.un\.org says: bad period"):
        comtrade.rows(body.encode())

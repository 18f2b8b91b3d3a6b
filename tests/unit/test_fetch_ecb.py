"""ECB client replayed on the recorded SDMX-ML answer: snapshot, release date, monthly average."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest
import respx

from etl.fetch import ecb, snapshot
from etl.fetch.cli import main
from tests.conftest import source_folder

URL = "https://data-api.ecb.europa.eu/service/data/EXR/M.USD.EUR.SP00.A"
NOW = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)
RECORDED = "ecb-sdmx-EXR-M.USD.EUR.SP00.A.xml"


@pytest.fixture(scope="module")
def recorded(shared_data: Path) -> bytes:
    return (source_folder(shared_data, "api-responses") / RECORDED).read_bytes()


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its sha256: equal trees are byte-identical."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run(raw: Path, *extra: str) -> int:
    return main(["--source", "ecb", "--raw", str(raw), *extra], sleep=lambda s: None, now=NOW)


def test_request_is_the_sdmx_query_for_usd_per_eur():
    req = ecb.build_request("D", start="2019-12", end="2019-12")
    assert req.full_url() == (
        "https://data-api.ecb.europa.eu/service/data/EXR/D.USD.EUR.SP00.A"
        "?startPeriod=2019-12&endPeriod=2019-12"
    )
    assert "genericdata" in req.headers["Accept"]
    with pytest.raises(ValueError, match="frequency 'Q'"):
        ecb.build_request("Q")


@respx.mock
def test_snapshot_keeps_the_answer_with_sha256_and_release_date(tmp_path, recorded, capsys):
    route = respx.get(URL).mock(return_value=httpx.Response(200, content=recorded))

    assert run(tmp_path) == 0

    assert route.call_count == 1
    folder = tmp_path / "ecb-euro-reference-rates" / "fetched" / "2026-04-20"
    saved = folder / "EXR-M.USD.EUR.SP00.A.xml"
    assert saved.read_bytes() == recorded
    manifest = json.loads((folder / "snapshot.json").read_text())
    (record,) = manifest["files"]
    assert record["sha256"] == hashlib.sha256(recorded).hexdigest()
    assert record["bytes"] == 52_121
    assert record["status"] == 200
    assert record["url"] == URL
    assert record["release"] == "2020-01-16T08:16:20.341+01:00"  # the SDMX header's Prepared
    assert manifest["release"] == "2020-01-16T08:16:20.341+01:00"
    assert manifest["fetched_utc"] == "2026-04-20T09:30:00Z"
    assert manifest["publisher"].startswith("European Central Bank")
    out = capsys.readouterr()
    assert "ecb: GET " + URL in out.err  # progress line
    assert "ecb: 1 files, 52,121 bytes, released 2020-01-16T08:16:20.341+01:00" in out.out
    assert [p.name for p in folder.parent.iterdir()] == ["2026-04-20"]  # no temp folder left


def test_monthly_average_for_2019_12_is_the_mean_of_the_daily_rates(tmp_path, recorded,
                                                                    shared_data):  # fmt: skip
    path = tmp_path / "EXR-M.USD.EUR.SP00.A.xml"
    path.write_bytes(recorded)
    monthly = ecb.ecb_monthly(path)

    zip_path = source_folder(shared_data, "ecb-euro-reference-rates") / "eurofxref-hist.zip"
    with zipfile.ZipFile(zip_path) as z, z.open("eurofxref-hist.csv") as fh:
        daily = pd.read_csv(fh, usecols=["Date", "USD"])
    december = daily.loc[daily["Date"].str.startswith("2019-12"), "USD"]
    assert len(december) == 20  # TARGET working days in December 2019

    row = monthly.set_index("period").loc["2019-12"]
    assert row["usd_per_eur"] == pytest.approx(december.mean(), abs=1e-9)
    assert row["usd_per_eur"] == pytest.approx(1.111345)
    assert len(monthly) == 252
    assert monthly["period"].iloc[0] == "1999-01"
    assert monthly["usd_per_eur"].iloc[0] == pytest.approx(1.16078)


def test_a_daily_file_is_not_read_as_monthly(tmp_path, recorded):
    path = tmp_path / "x.xml"
    path.write_bytes(recorded)
    with pytest.raises(ValueError, match=r"x\.xml: column FREQ holds \['M'\], expected only 'D'"):
        ecb.ecb_daily(path)


@respx.mock
def test_offline_keeps_the_previous_snapshot_byte_identical(tmp_path, capsys):
    previous = tmp_path / "ecb-euro-reference-rates" / "fetched" / "2026-04-13"
    previous.mkdir(parents=True)
    (previous / "EXR-M.USD.EUR.SP00.A.xml").write_bytes(b"<old/>")
    (previous / "snapshot.json").write_text('{"files": []}\n')
    (previous / "sentinel.txt").write_bytes(b"do not touch\n")
    before = tree(tmp_path)
    route = respx.get(URL).mock(side_effect=httpx.ConnectError("[Errno -3] name resolution"))

    assert run(tmp_path) == 1

    assert tree(tmp_path) == before
    assert route.call_count == 4  # first attempt + 3 retries, bounded
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (
        "ecb: offline (cannot reach data-api.ecb.europa.eu): previous snapshot 2026-04-13 kept"
    )
    assert [line for line in err if "offline" in line] == [err[-1]]  # one line per source


@respx.mock
def test_a_failed_refetch_on_the_same_day_keeps_that_days_snapshot(tmp_path, recorded, capsys):
    respx.get(URL).mock(return_value=httpx.Response(200, content=recorded))
    assert run(tmp_path) == 0
    before = tree(tmp_path)
    respx.get(URL).mock(return_value=httpx.Response(404, text="No results found."))

    assert run(tmp_path) == 1

    assert tree(tmp_path) == before
    assert capsys.readouterr().err.splitlines()[-1] == (
        "ecb: refused (HTTP 404 from data-api.ecb.europa.eu: No results found.): "
        "previous snapshot 2026-04-20 kept"
    )


@respx.mock
def test_an_html_page_served_with_200_is_refused_and_nothing_written(tmp_path, capsys):
    html = {"Content-Type": "text/html"}
    page = httpx.Response(200, text="<html>maintenance</html>", headers=html)
    respx.get(URL).mock(return_value=page)
    assert run(tmp_path) == 1
    assert snapshot.latest(tmp_path, ecb.FOLDER) is None
    assert not any(tmp_path.rglob("*.xml"))
    assert "ecb: refused (data-api.ecb.europa.eu answered 200 with something that is not" in (
        capsys.readouterr().err
    )

"""Eurostat Comext and IMF IMTS clients: the request built, and offline/refused behaviour.

No recorded answers exist for these services, so no body is served here: only failures.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
import pytest
import respx

from etl.fetch import eurostat, http, imf
from etl.fetch.cli import main

NOW = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)


def test_comext_request_for_italys_monthly_exports_to_kazakhstan():
    query = eurostat.Query(reporter="IT", partner="KZ", start="2024-01", end="2024-04")
    req = eurostat.build_request(query)
    assert req.full_url() == (
        "https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1/data/DS-045409/"
        "M.IT.KZ.TOTAL.2.VALUE_IN_EUROS?startPeriod=2024-01&endPeriod=2024-04"
    )
    assert eurostat.file_name(query) == "DS-045409-M.IT.KZ.TOTAL.2.VALUE_IN_EUROS.xml"


def test_comext_both_flows_and_several_products_use_sdmx_or():
    query = eurostat.Query(product="27+72", flow="export+import", freq="A")
    assert query.key() == "A.EU27_2020.KZ.27+72.2+1.VALUE_IN_EUROS"


def test_imf_imts_request_follows_the_sdmx_3_dataflow_path():
    req = imf.build_request(imf.Query(reporter="KAZ", partner="CHN", start="2015", end="2023"))
    assert req.url == (
        "https://api.imf.org/external/sdmx/3.0/data/dataflow/IMF.STA/IMTS/+/"
        "KAZ.XG_FOB_USD+MG_CIF_USD.CHN.A"
    )
    assert req.params == {"c[TIME_PERIOD]": "ge:2015+le:2023"}
    assert unquote(req.full_url()).endswith("?c[TIME_PERIOD]=ge:2015+le:2023")
    assert req.headers["Accept"] == "application/vnd.sdmx.data+xml;version=3.0.0"
    assert imf.file_name(imf.Query()) == "IMTS-KAZ.XG_FOB_USD_MG_CIF_USD.all.A.xml"


@pytest.mark.parametrize(
    ("source", "host", "extra"),
    [
        ("eurostat", "ec.europa.eu", ["--reporter", "IT", "--start", "2024-01"]),
        ("imf", "api.imf.org", ["--reporter", "KAZ", "--flow", "export"]),
        ("comtrade", "comtradeapi.un.org", ["--period", "2023"]),
    ],
)
@respx.mock
def test_offline_source_writes_nothing_and_exits_non_zero(source, host, extra, tmp_path, capsys):
    route = respx.route(host=host).mock(side_effect=httpx.ConnectError("unreachable"))

    assert main(["--source", source, "--raw", str(tmp_path), *extra],
                sleep=lambda s: None, now=NOW) == 1  # fmt: skip

    assert route.call_count == http.DEFAULT_RETRIES + 1
    assert list(tmp_path.iterdir()) == []
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{source}: offline (cannot reach {host}): no previous snapshot"
    )


@respx.mock
def test_every_source_reports_one_line_when_all_are_offline(tmp_path, capsys):
    respx.route().mock(side_effect=httpx.ConnectError("unreachable"))
    assert main(["--raw", str(tmp_path), "--retries", "0"], now=NOW) == 1
    lines = [x for x in capsys.readouterr().err.splitlines() if "offline" in x]
    assert [x.split(":")[0] for x in lines] == ["comtrade", "ecb", "eurostat", "imf"]


@respx.mock
def test_timeouts_are_retried_then_reported_offline(tmp_path, capsys):
    route = respx.route(host="api.imf.org").mock(side_effect=httpx.ReadTimeout("slow"))
    waits: list[float] = []
    code = main(["--source", "imf", "--raw", str(tmp_path), "--timeout", "5"],
                sleep=waits.append, now=NOW)  # fmt: skip
    assert code == 1
    assert route.call_count == 4
    assert waits == [2.0, 4.0, 8.0]
    assert capsys.readouterr().err.splitlines()[-1] == (
        "imf: offline (no answer from api.imf.org within 5 s, 4 attempts: ReadTimeout): "
        "no previous snapshot"
    )


@respx.mock
def test_a_client_error_is_not_retried(tmp_path, capsys):
    route = respx.route(host="ec.europa.eu").mock(return_value=httpx.Response(400, text="Bad key"))
    assert main(["--source", "eurostat", "--raw", str(tmp_path)], now=NOW) == 1
    assert route.call_count == 1
    assert "eurostat: refused (HTTP 400 from ec.europa.eu: Bad key)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--reporter", "KAZ"], "--reporter is in one service's codes"),
        (["--source", "ecb", "--period", "2023"], "--period is for Comtrade"),
        (["--source", "ecb", "--retries", "50"], "--retries must be between 0 and 10"),
    ],
)
def test_ambiguous_options_are_refused_before_any_download(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--raw", str(tmp_path)], now=NOW)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []

"""ECB euro reference rates, US dollars per euro: SDMX series EXR/{M,D}.USD.EUR.SP00.A.

Grain: one value per month (M, the average of the daily reference rates) or per TARGET working
day (D), in US dollars per 1 euro. The file is kept as received, SDMX-ML 2.1 generic data (the
format of the recorded response api-responses/ecb-sdmx-EXR-M.USD.EUR.SP00.A.xml); the release
date is the message header's `Prepared`. Service root as in sdmx1's source list (`ECB`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.fetch import sdmxml
from etl.fetch.http import Request

NAME = "ecb"
FOLDER = "ecb-euro-reference-rates"
PUBLISHER = "European Central Bank (ECB), euro foreign exchange reference rates"
BASE_URL = "https://data-api.ecb.europa.eu/service/data"
FLOW = "EXR"
SERIES = {"M": "M.USD.EUR.SP00.A", "D": "D.USD.EUR.SP00.A"}


def file_name(freq: str) -> str:
    return f"{FLOW}-{SERIES[freq]}.xml"


def build_request(freq: str = "M", start: str | None = None, end: str | None = None) -> Request:
    """The SDMX REST query for the USD/EUR series of frequency `freq` (M or D)."""
    if freq not in SERIES:
        raise ValueError(f"ECB frequency {freq!r}: expected one of {', '.join(SERIES)}")
    return sdmxml.data_request(f"{BASE_URL}/{FLOW}/{SERIES[freq]}", start, end)


def read(path: Path) -> pd.DataFrame:
    """The observations of an EXR SDMX-ML file as written: TIME_PERIOD, FREQ, ..., value."""
    import sdmx  # sdmx1; imported here so `python -m etl.fetch --help` stays instant

    series = sdmx.to_pandas(sdmx.read_sdmx(Path(path)))
    return series.reset_index()


def usd_per_eur(path: Path, freq: str) -> pd.DataFrame:
    """period (text as published: 2019-12 or 2019-12-31) and usd_per_eur of one EXR file.

    Raises ValueError naming the file when it holds another series than USD per EUR at `freq`.
    """
    raw = read(path)
    expected = dict(zip(("FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX"),
                        SERIES[freq].split("."), strict=True))  # fmt: skip
    for column, value in expected.items():
        found = sorted(raw[column].astype(str).unique())
        if found != [value]:
            raise ValueError(
                f"{path}: column {column} holds {found}, expected only {value!r} "
                f"(series EXR/{SERIES[freq]})"
            )
    out = pd.DataFrame(
        {"period": raw["TIME_PERIOD"].astype(str), "usd_per_eur": raw["value"].astype(float)}
    )
    return out.sort_values("period", ignore_index=True)


def ecb_monthly(path: Path) -> pd.DataFrame:
    """Monthly average USD per EUR: period ('1999-01'...) and usd_per_eur, oldest first."""
    return usd_per_eur(path, "M")


def ecb_daily(path: Path) -> pd.DataFrame:
    """Daily reference rate USD per EUR: period ('1999-01-04'...) and usd_per_eur."""
    return usd_per_eur(path, "D")

"""IMF International Trade in Goods (IMTS, formerly DOTS), SDMX 3.0 API at api.imf.org (no key).

Dataflow IMF.STA/IMTS, key COUNTRY.INDICATOR.COUNTERPART_COUNTRY.FREQUENCY with ISO alpha-3
countries, e.g. KAZ.XG_FOB_USD.CHN.A = Kazakhstan's annual exports to China, FOB, US dollars
(MG_CIF_USD imports CIF). The path follows OWID's IMTS snapshot
(etl/snapshots/imf/2025-07-08/trade.py: /data/dataflow/IMF.STA/IMTS/+/{key}); the period
filter is SDMX 3.0's `c[TIME_PERIOD]`. There is no recorded answer of this service in the
repository: only the request and the offline behaviour are tested.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.fetch import sdmxml
from etl.fetch.http import Request

NAME = "imf"
FOLDER = "imf-imts"
PUBLISHER = "International Monetary Fund (IMF), International Trade in Goods (IMTS)"
BASE_URL = "https://api.imf.org/external/sdmx/3.0/data/dataflow/IMF.STA/IMTS/+"
INDICATORS = {"export": "XG_FOB_USD", "import": "MG_CIF_USD"}


@dataclass(frozen=True)
class Query:
    """ISO alpha-3 codes, several joined with '+'; `*` for all."""

    reporter: str = "KAZ"
    partner: str = "*"
    flow: str = "export+import"
    freq: str = "A"
    start: str | None = None  # 2015, 2015-Q1 or 2015-M01 as IMF writes periods
    end: str | None = None

    def key(self) -> str:
        indicators = "+".join(INDICATORS.get(f, f) for f in self.flow.split("+"))
        return ".".join((self.reporter, indicators, self.partner, self.freq))


def build_request(query: Query) -> Request:
    return sdmxml.data_request(f"{BASE_URL}/{query.key()}", query.start, query.end, "3.0")


def file_name(query: Query) -> str:
    key = query.key().replace("+", "_").replace("*", "all")
    return f"IMTS-{key}.xml"

"""Eurostat Comext: EU trade by partner and product, SDMX 2.1 dissemination API (no key).

Dataset DS-045409 ("EU trade since 1988 by HS2-4-6 and CN8"), key
FREQ.REPORTER.PARTNER.PRODUCT.FLOW.INDICATORS, e.g. M.IT.KZ.TOTAL.2.VALUE_IN_EUROS = Italy's
monthly exports to Kazakhstan, all products, in euro. Flow 1 = import, 2 = export; Comext reports
from the EU member state's side. Service root as in sdmx1's source list (`ESTAT_COMEXT`).
There is no recorded answer of this service in the repository: only the request and the
offline behaviour are tested.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.fetch import sdmxml
from etl.fetch.http import Request

NAME = "eurostat"
FOLDER = "eurostat-comext"
PUBLISHER = "Eurostat, international trade in goods (Comext)"
BASE_URL = "https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1/data"
DATASET = "DS-045409"
FLOWS = {"import": "1", "export": "2"}


@dataclass(frozen=True)
class Query:
    """Comext codes: reporter/partner ISO 3166 alpha-2 (EL Greece, EU27_2020 the EU), product
    CN/HS code or TOTAL; several values joined with '+' (SDMX OR)."""

    reporter: str = "EU27_2020"
    partner: str = "KZ"
    product: str = "TOTAL"
    flow: str = "export"
    freq: str = "M"
    indicator: str = "VALUE_IN_EUROS"
    start: str | None = None  # 2023-01 (monthly) or 2023 (annual)
    end: str | None = None

    def key(self) -> str:
        flows = "+".join(FLOWS.get(f, f) for f in self.flow.split("+"))
        return ".".join(
            (self.freq, self.reporter, self.partner, self.product, flows, self.indicator)
        )


def build_request(query: Query) -> Request:
    return sdmxml.data_request(f"{BASE_URL}/{DATASET}/{query.key()}", query.start, query.end)


def file_name(query: Query) -> str:
    return f"{DATASET}-{query.key().replace('+', '_')}.xml"

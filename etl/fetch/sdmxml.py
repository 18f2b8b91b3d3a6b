"""What the SDMX fetch clients share: the data query they send (`data_request`) and what they
need from an SDMX-ML answer without parsing it (the header dates)."""

from __future__ import annotations

import re

from etl.fetch.http import Request

# <message:Prepared>2020-01-16T08:16:20.341+01:00</message:Prepared> in SDMX-ML 2.1 and 3.0; the
# header comes first, so the head of the body is enough even for a large message.
_PREPARED = re.compile(rb"<(?:\w+:)?Prepared>\s*([^<\s]+)\s*</(?:\w+:)?Prepared>")
HEAD_BYTES = 64 << 10

GENERIC_DATA_21 = "application/vnd.sdmx.genericdata+xml;version=2.1"
DATA_30 = "application/vnd.sdmx.data+xml;version=3.0.0"


def data_request(
    url: str, start: str | None = None, end: str | None = None, version: str = "2.1"
) -> Request:
    """GET `url` for SDMX-ML data, the periods bounded only where `start` / `end` are given.

    SDMX 2.1 REST (ECB, Eurostat) asks for generic data with startPeriod / endPeriod; SDMX 3.0
    (IMF) for structure-specific data with one filter, c[TIME_PERIOD]=ge:2015+le:2023.
    """
    if version == "2.1":
        params = {"startPeriod": start, "endPeriod": end}
        return Request(url, {k: v for k, v in params.items() if v}, {"Accept": GENERIC_DATA_21})
    if version != "3.0":
        raise ValueError(f"SDMX version {version!r}: expected 2.1 or 3.0")
    bounds = [f"ge:{start}"] if start else []
    bounds += [f"le:{end}"] if end else []
    params = {"c[TIME_PERIOD]": "+".join(bounds)} if bounds else {}
    return Request(url, params, {"Accept": DATA_30})


def prepared(body: bytes) -> str | None:
    """The message header's `Prepared` timestamp as written, or None when absent."""
    hit = _PREPARED.search(body[:HEAD_BYTES])
    return hit.group(1).decode("ascii", "replace") if hit else None


def is_sdmx_ml(body: bytes) -> bool:
    """An SDMX-ML message (not an HTML error page served with status 200)."""
    head = body[:4096].lstrip()
    return head.startswith(b"<?xml") or head.startswith(b"<message:")

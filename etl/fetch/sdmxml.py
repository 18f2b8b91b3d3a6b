"""What the fetch clients need from an SDMX-ML message without parsing it: the header dates."""

from __future__ import annotations

import re

# <message:Prepared>2020-01-16T08:16:20.341+01:00</message:Prepared> in SDMX-ML 2.1 and 3.0; the
# header comes first, so the head of the body is enough even for a large message.
_PREPARED = re.compile(rb"<(?:\w+:)?Prepared>\s*([^<\s]+)\s*</(?:\w+:)?Prepared>")
HEAD_BYTES = 64 << 10

GENERIC_DATA_21 = "application/vnd.sdmx.genericdata+xml;version=2.1"
DATA_30 = "application/vnd.sdmx.data+xml;version=3.0.0"


def prepared(body: bytes) -> str | None:
    """The message header's `Prepared` timestamp as written, or None when absent."""
    hit = _PREPARED.search(body[:HEAD_BYTES])
    return hit.group(1).decode("ascii", "replace") if hit else None


def is_sdmx_ml(body: bytes) -> bool:
    """An SDMX-ML message (not an HTML error page served with status 200)."""
    head = body[:4096].lstrip()
    return head.startswith(b"<?xml") or head.startswith(b"<message:")

"""UN Comtrade final data through the Comtrade API: the public preview, or `get` with a key.

The same endpoints and query parameters as UN's own client `comtradeapicall` (1.3.2,
PreviewGet.getPreviewData): /public/v1/preview/{type}/{freq}/{cl} without a key (at most 500
rows per answer) and /data/v1/get/{type}/{freq}/{cl} with a subscription key (100,000 rows here).
The requests are made with httpx rather than through comtradeapicall because that client prints
HTTP errors and returns None: the status, the bytes received and a 429 would be lost. The key is
sent as the API-management header, so it never appears in a URL or a snapshot.

An answer holding exactly the row cap is probably truncated: the query is split by period, then by
partner, and a single period x partner at the cap is refused with a message. Each answer is kept
as received (JSON) and converted to one CSV in the 47-column layout etl/sources/comtrade.py reads.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from etl.fetch.http import FetchError, Request, Response

NAME = "comtrade"
FOLDER = "un-comtrade"
PUBLISHER = "United Nations Statistics Division (UN Comtrade)"
HOST = "https://comtradeapi.un.org"
PREVIEW_CAP = 500  # rows; the public preview's maximum answer
FINAL_CAP = 100_000  # rows asked per keyed request; an answer this long is split
KEY_HEADER = "Ocp-Apim-Subscription-Key"
RELEASE_FIELDS = ("lastReleased", "refreshDate")  # per-row dates, present in some answers


@dataclass(frozen=True)
class Query:
    """What to ask for; codes are Comtrade's own (reporter 398 Kazakhstan, partner 0 World).

    Several values are comma-separated, as the API takes them (period "2022,2023").
    """

    reporter: str = "398"
    partner: str = "0"
    period: str = "2023"
    flow: str = "M,X"
    cmd_code: str = "TOTAL"
    freq: str = "A"
    type_code: str = "C"
    classification: str = "HS"
    partner2: str = "0"
    customs: str = "C00"
    mot: str = "0"

    def params(self, cap: int) -> dict[str, str]:
        return {
            "reporterCode": self.reporter,
            "period": self.period,
            "partnerCode": self.partner,
            "partner2Code": self.partner2,
            "cmdCode": self.cmd_code,
            "flowCode": self.flow,
            "customsCode": self.customs,
            "motCode": self.mot,
            "maxRecords": str(cap),
            "format": "JSON",
            "includeDesc": "true",
        }


def cap(api_key: str | None) -> int:
    return FINAL_CAP if api_key else PREVIEW_CAP


def build_request(query: Query, api_key: str | None = None) -> Request:
    """Preview without a key, final-data `get` with one (COMTRADE_API_KEY)."""
    path = f"{query.type_code}/{query.freq}/{query.classification}"
    if api_key:
        return Request(
            f"{HOST}/data/v1/get/{path}",
            query.params(cap(api_key)),
            {"Accept": "application/json"},
            {KEY_HEADER: api_key},
        )
    return Request(
        f"{HOST}/public/v1/preview/{path}",
        query.params(cap(api_key)),
        {"Accept": "application/json"},
    )


def rows(body: bytes, host: str = HOST) -> list[dict]:
    """The `data` rows of one answer; an `error` text or a body that is not the API's JSON is
    a refusal."""
    try:
        doc = json.loads(body)
    except ValueError:
        raise FetchError(
            "refused", host, f"answer from {host} is not JSON: {body[:80]!r}"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise FetchError("refused", host, f"answer from {host} has no `data` list")
    if doc.get("error"):
        raise FetchError("refused", host, f"{host} says: {doc['error']}")
    return doc["data"]


def _split(query: Query) -> list[Query] | None:
    """Smaller queries covering the same data: one per period, else one per partner."""
    for attr in ("period", "partner"):
        values = [v for v in getattr(query, attr).split(",") if v]
        if len(values) > 1:
            return [replace(query, **{attr: v}) for v in values]
    return None


def fetch(
    query: Query, get: Callable[[Request], Response], api_key: str | None = None
) -> Iterator[tuple[Query, Response, list[dict]]]:
    """Every answer needed for `query`, splitting any answer that holds exactly the row cap.

    Raises FetchError('refused') when a query that cannot be split further hits the cap.
    """
    limit = cap(api_key)
    pending = [query]
    while pending:
        q = pending.pop(0)
        response = get(build_request(q, api_key))
        data = rows(response.body, response.request.host)
        if len(data) < limit:
            yield q, response, data
            continue
        parts = _split(q)
        if parts is None:
            raise FetchError(
                "refused",
                response.request.host,
                f"the answer for period {q.period}, partner {q.partner} holds exactly {limit:,} "
                "rows, the API's cap, so it is probably truncated; narrow the query "
                "(--cmd-code, --flow)" + ("" if api_key else " or set COMTRADE_API_KEY"),
            )
        pending = parts + pending


def release(data: list[dict]) -> str | None:
    """The newest of the rows' release dates (lastReleased/refreshDate) when the answer has any."""
    dates = sorted({str(r[f]) for r in data for f in RELEASE_FIELDS if r.get(f)})
    return dates[-1] if dates else None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"  # as Comtrade+ CSV exports write them
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_csv(data: list[dict]) -> bytes:
    """Rows of the API's JSON as a CSV in the Comtrade+ column order (`COLUMNS`).

    Fields outside the 47 columns (lastReleased, refreshDate...) are not part of that layout and
    stay in the JSON only; a missing field is an empty cell.
    """
    from etl.sources.comtrade import COLUMNS  # the reader's layout; pandas/pyarrow load lazily

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in data:
        writer.writerow([_cell(row.get(c)) for c in COLUMNS])
    return out.getvalue().encode("utf-8")

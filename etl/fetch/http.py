"""One HTTP GET with bounded retries: timeouts, connection errors, 429 and 5xx back off.

Every client builds a `Request` (URL, parameters, headers) and calls `get`. The secret headers
(API keys) are sent but never recorded: `Request.record()` is what a snapshot stores.
`sleep` is injectable so tests exercise the backoff without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = 60.0  # seconds per attempt; Comtrade's own client waits 120 s for large queries
DEFAULT_RETRIES = 3  # attempts after the first
BACKOFF_SECONDS = 2.0  # first wait; doubles each retry
MAX_WAIT_SECONDS = 60.0  # a Retry-After of an hour is not worth waiting for in a CLI
USER_AGENT = "tradeboard-etl/0.1 (python-httpx)"


@dataclass(frozen=True)
class Request:
    url: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    secret_headers: dict[str, str] = field(default_factory=dict)  # sent, never recorded

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or self.url

    def full_url(self) -> str:
        """The URL with its query string, as sent (secrets are headers, never in the URL)."""
        return str(httpx.URL(self.url, params=self.params))

    def record(self) -> dict[str, object]:
        return {"url": self.full_url(), "params": dict(self.params), "headers": dict(self.headers)}


@dataclass(frozen=True)
class Response:
    request: Request
    status: int
    body: bytes
    content_type: str
    seconds: float
    attempts: int


class FetchError(Exception):
    """A download that did not succeed; `kind` is 'offline' or 'refused' for the one-line report."""

    def __init__(self, kind: str, host: str, detail: str) -> None:
        super().__init__(f"{kind} ({detail})")
        self.kind = kind
        self.host = host
        self.detail = detail


def _wait(response: httpx.Response | None, attempt: int, backoff: float) -> float:
    """Retry-After when the service says how long (seconds form), else exponential backoff."""
    if response is not None:
        after = response.headers.get("Retry-After", "").strip()
        if after.isdigit():
            return min(float(after), MAX_WAIT_SECONDS)
    return min(backoff * 2**attempt, MAX_WAIT_SECONDS)


def get(
    request: Request,
    client: httpx.Client | None = None,
    *,
    retries: int = DEFAULT_RETRIES,
    backoff: float = BACKOFF_SECONDS,
    timeout: float = DEFAULT_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] | None = None,
) -> Response:
    """GET `request`; 200 returns the body, anything else raises FetchError after the retries.

    Retried: timeouts and connection errors (-> 'offline' when they persist), HTTP 429 and 5xx
    (-> 'refused'). Other statuses (400, 401, 404...) are refused at once: asking again will not
    change the answer.
    """
    own = client is None
    client = client or httpx.Client(follow_redirects=True)
    headers = {"User-Agent": USER_AGENT, **request.headers, **request.secret_headers}
    started = time.perf_counter()
    try:
        for attempt in range(retries + 1):
            last = attempt == retries
            try:
                resp = client.get(request.url, params=request.params, headers=headers,
                                  timeout=timeout)  # fmt: skip
            except httpx.TimeoutException as exc:
                if last:
                    raise FetchError(
                        "offline", request.host,
                        f"no answer from {request.host} within {timeout:g} s, "
                        f"{retries + 1} attempts: {type(exc).__name__}",
                    ) from exc  # fmt: skip
                wait = _wait(None, attempt, backoff)
                note = f"no answer from {request.host} within {timeout:g} s"
            except httpx.TransportError as exc:
                if last:
                    raise FetchError(
                        "offline", request.host, f"cannot reach {request.host}"
                    ) from exc
                wait = _wait(None, attempt, backoff)
                note = f"cannot reach {request.host} ({type(exc).__name__})"
            else:
                if resp.status_code == 200:
                    return Response(
                        request,
                        resp.status_code,
                        resp.content,
                        resp.headers.get("Content-Type", ""),
                        time.perf_counter() - started,
                        attempt + 1,
                    )
                if resp.status_code not in RETRY_STATUS or last:
                    text = " ".join(resp.text[:160].split())
                    raise FetchError(
                        "refused", request.host,
                        f"HTTP {resp.status_code} from {request.host}"
                        + (f" after {attempt + 1} attempts" if attempt else "")
                        + (f": {text}" if text else ""),
                    )  # fmt: skip
                wait = _wait(resp, attempt, backoff)
                note = f"HTTP {resp.status_code} from {request.host}"
            if log:
                log(f"  {note}: retry {attempt + 1} of {retries} in {wait:g} s")
            sleep(wait)
    finally:
        if own:
            client.close()
    raise AssertionError("unreachable: the loop returns or raises")

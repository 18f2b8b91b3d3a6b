"""python -m etl.fetch: download live sources into dated snapshot folders.

One progress line per download and one result line per source. A source that cannot be fetched
(offline, refused, truncated) writes nothing, keeps its previous snapshot, and makes the exit
status 1. Codes are the chosen service's own: Comtrade numeric (398 Kazakhstan, 0 World),
Eurostat ISO alpha-2 (KZ, EU27_2020), IMF ISO alpha-3 (KAZ).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from etl import paths
from etl.fetch import comtrade, ecb, eurostat, http, imf, sdmxml, snapshot
from etl.fetch.http import FetchError, Request, Response
from etl.fetch.snapshot import SnapshotFile

SOURCES = {m.NAME: m for m in (comtrade, ecb, eurostat, imf)}
FLOW_CHOICES = ("export", "import", "both")
FLOW_NAMES = {"export": "export", "import": "import"}
# Options that name codes or periods of one service: meaningless when several sources run.
SOURCE_SPECIFIC = ("reporter", "partner", "period", "product", "freq", "flow", "start", "end")


@dataclass
class Context:
    """Everything a download needs; tests inject the client (respx), the sleep and the clock."""

    raw: Path
    day: date
    now: datetime
    retries: int = http.DEFAULT_RETRIES
    timeout: float = http.DEFAULT_TIMEOUT
    client: httpx.Client | None = None
    sleep: Callable[[float], None] = time.sleep
    err: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr))

    def getter(self, source: str) -> Callable[[Request], Response]:
        def get(request: Request) -> Response:
            self.err(f"{source}: GET {request.full_url()}")
            response = http.get(
                request,
                self.client,
                retries=self.retries,
                timeout=self.timeout,
                sleep=self.sleep,
                log=self.err,
            )
            self.err(
                f"{source}: HTTP {response.status}, {len(response.body):,} bytes "
                f"in {response.seconds:.1f} s"
            )
            return response

        return get


def _file(name: str, response: Response, release: str | None, **extra: object) -> SnapshotFile:
    return SnapshotFile(
        name=name,
        body=response.body,
        request=response.request.record(),
        status=response.status,
        content_type=response.content_type,
        release=release,
        extra={"attempts": response.attempts, **extra},
    )


def _sdmx_file(name: str, response: Response) -> SnapshotFile:
    if not sdmxml.is_sdmx_ml(response.body):
        raise FetchError(
            "refused",
            response.request.host,
            f"{response.request.host} answered 200 with something that is not SDMX-ML "
            f"({response.content_type or 'no content type'}): {response.body[:60]!r}",
        )
    return _file(name, response, sdmxml.prepared(response.body))


def _flow(args: argparse.Namespace, both: str, names: dict[str, str]) -> str:
    return both if args.flow in (None, "both") else names[args.flow]


def plan_comtrade(args: argparse.Namespace, ctx: Context) -> tuple[list[SnapshotFile], dict]:
    key = os.environ.get("COMTRADE_API_KEY", "").strip() or None
    defaults = comtrade.Query()
    query = comtrade.Query(
        reporter=args.reporter or defaults.reporter,
        partner=args.partner or defaults.partner,
        period=args.period or defaults.period,
        flow=_flow(args, defaults.flow, {"export": "X", "import": "M"}),
        cmd_code=args.product or defaults.cmd_code,
        freq=args.freq or defaults.freq,
    )
    files: list[SnapshotFile] = []
    every: list[dict] = []
    answers = comtrade.fetch(query, ctx.getter("comtrade"), key)
    for i, (part, response, data) in enumerate(answers, start=1):
        release = comtrade.release(data)
        files.append(_file(f"answer-{i:03d}.json", response, release, rows=len(data),
                           query=vars(part)))  # fmt: skip
        every.extend(data)
    csv = SnapshotFile(
        name="comtrade.csv",
        body=comtrade.to_csv(every),
        request={},
        status=None,
        content_type="text/csv",
        release=comtrade.release(every),
        derived_from=tuple(f.name for f in files),
        extra={"rows": len(every), "layout": "Comtrade+ 47 columns (etl.sources.comtrade)"},
    )
    endpoint = "final data (data/v1/get, key)" if key else "public preview (no key)"
    return [*files, csv], {"query": vars(query), "endpoint": endpoint}


def plan_ecb(args: argparse.Namespace, ctx: Context) -> tuple[list[SnapshotFile], dict]:
    freqs = (args.freq or "M").split(",")
    get = ctx.getter("ecb")
    files = [
        _sdmx_file(ecb.file_name(f), get(ecb.build_request(f, args.start, args.end))) for f in freqs
    ]
    return files, {"query": {"freq": freqs, "start": args.start, "end": args.end}}


def plan_eurostat(args: argparse.Namespace, ctx: Context) -> tuple[list[SnapshotFile], dict]:
    d = eurostat.Query()
    query = eurostat.Query(
        reporter=args.reporter or d.reporter,
        partner=args.partner or d.partner,
        product=args.product or d.product,
        flow=_flow(args, "export+import", FLOW_NAMES) if args.flow else d.flow,
        freq=args.freq or d.freq,
        start=args.start,
        end=args.end,
    )
    response = ctx.getter("eurostat")(eurostat.build_request(query))
    return [_sdmx_file(eurostat.file_name(query), response)], {"query": vars(query)}


def plan_imf(args: argparse.Namespace, ctx: Context) -> tuple[list[SnapshotFile], dict]:
    d = imf.Query()
    query = imf.Query(
        reporter=args.reporter or d.reporter,
        partner=args.partner or d.partner,
        flow=_flow(args, d.flow, FLOW_NAMES),
        freq=args.freq or d.freq,
        start=args.start,
        end=args.end,
    )
    response = ctx.getter("imf")(imf.build_request(query))
    return [_sdmx_file(imf.file_name(query), response)], {"query": vars(query)}


PLANS = {"comtrade": plan_comtrade, "ecb": plan_ecb, "eurostat": plan_eurostat, "imf": plan_imf}


def fetch_source(name: str, args: argparse.Namespace, ctx: Context) -> tuple[bool, str]:
    """Download one source and write its snapshot; (ok, the one result line)."""
    module = SOURCES[name]
    previous = snapshot.latest(ctx.raw, module.FOLDER)
    kept = f"previous snapshot {previous} kept" if previous else "no previous snapshot"
    try:
        files, meta = PLANS[name](args, ctx)
    except FetchError as exc:
        return False, f"{name}: {exc.kind} ({exc.detail}): {kept}"
    target = snapshot.write(
        ctx.raw,
        module.FOLDER,
        ctx.day,
        files,
        ctx.now,
        {"source": name, "folder": module.FOLDER, "publisher": module.PUBLISHER, **meta},
    )
    size = sum(len(f.body) for f in files)
    releases = sorted({f.release for f in files if f.release})
    released = f", released {releases[-1]}" if releases else ""
    return True, f"{name}: {len(files)} files, {size:,} bytes{released} -> {target}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl.fetch", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--source", action="append", choices=sorted(SOURCES),
                   help="source to fetch (repeatable; default all)")  # fmt: skip
    p.add_argument("--raw", type=Path, default=None, help="raw data folder (default data/raw)")
    p.add_argument("--date", type=date.fromisoformat, default=None,
                   help="snapshot folder date YYYY-MM-DD (default today, UTC)")  # fmt: skip
    p.add_argument("--reporter", help="reporter code(s) in the service's own codes")
    p.add_argument("--partner", help="partner code(s)")
    p.add_argument("--period", help="Comtrade periods, comma-separated (2022,2023 or 202301)")
    p.add_argument("--start", help="first period (ECB, Eurostat, IMF)")
    p.add_argument("--end", help="last period (ECB, Eurostat, IMF)")
    p.add_argument("--flow", choices=FLOW_CHOICES, help="default: the source's usual flows")
    p.add_argument("--product", help="Comtrade cmdCode or Comext product (default TOTAL)")
    p.add_argument("--freq", help="Comtrade A|M, ECB M|D|M,D, Eurostat M|A, IMF A|Q|M")
    p.add_argument("--retries", type=int, default=http.DEFAULT_RETRIES,
                   help="retries after the first attempt (bounded backoff)")  # fmt: skip
    p.add_argument("--timeout", type=float, default=http.DEFAULT_TIMEOUT,
                   help="seconds per attempt")  # fmt: skip
    return p


def main(
    argv: list[str] | None = None,
    *,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: datetime | None = None,
) -> int:
    p = parser()
    args = p.parse_args(argv)
    names = args.source or list(SOURCES)
    given = [o for o in SOURCE_SPECIFIC if getattr(args, o) is not None]
    if given and len(names) > 1:
        p.error(f"--{given[0]} is in one service's codes: choose the service with --source")
    if args.period and names != ["comtrade"]:
        p.error("--period is for Comtrade; use --start/--end for ECB, Eurostat and IMF")
    if args.retries < 0 or args.retries > 10:
        p.error("--retries must be between 0 and 10")
    now = now or datetime.now(UTC)
    ctx = Context(
        raw=args.raw or paths.raw_dir(),
        day=args.date or now.date(),
        now=now,
        retries=args.retries,
        timeout=args.timeout,
        client=client,
        sleep=sleep,
    )
    failed = 0
    for name in dict.fromkeys(names):
        ok, line = fetch_source(name, args, ctx)
        print(line, file=sys.stdout if ok else sys.stderr)
        failed += not ok
    return 1 if failed else 0

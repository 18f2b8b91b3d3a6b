"""Page callbacks with the view cache off, in-process: CPU ms per call, per page, and a profile.

    python -m tests.benchmarks.uncached_callbacks --clean DIR [--calls 40] [--profile partner]
        [--dump DIR] [--json FILE] [--cold-pairs]

Each call goes through Dash's own request handling (a Flask test client posting the page's main
callback body, as the browser does after a control changes), so the time includes building the
figures, the cards and the response's JSON. CPU time of this process (`time.process_time`) is
reported beside wall time: it is what the request costs, whatever else the machine is doing.
`--dump` writes each state's callback response (sorted keys) to compare builds before and after
a change: what users see must not change; it builds every response twice and fails if the second
differs (a cached frame mutated by a caller). `--cold-pairs` drops the query layer's per-pair
entries (`query.memo(..., pair=True)`) before every call: the cost of a pair nobody has asked for
yet, with the per-version lookups and indexes warm.

The pair pages cycle through STATES; compare and products through their own states
(dashboard_bench.STATES: those pages take no partner). Every answer must hold a figure with data.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

from tests.benchmarks import dashboard_bench
from tests.benchmarks.dashboard_bench import _maker, check_answer

PAGES = {
    "overview": "/",
    "partner": "/partner",
    "products": "/products",
    "compare": "/compare",
    "fdi": "/fdi",
    "visas": "/visas",
    "briefing": "/briefing",
}
# Kazakhstan with its main partners, then other reporters with one of theirs (with 20 M synthetic
# rows published, every one of these pairs has rows in trade_large/).
STATES = (
    ("KAZ", "ITA"),
    ("KAZ", "CHN"),
    ("KAZ", "DEU"),
    ("KAZ", "RUS"),
    ("KAZ", "USA"),
    ("RUS", "CHN"),
    ("KGZ", "KAZ"),
    ("UZB", "RUS"),
)
# Reporters the bundled sources have no FDI for: the fdi page answers its no-data paragraph.
NO_FDI = frozenset({"RUS", "UZB"})
DUMP_STATES = (*STATES, ("KAZ", "FRA"), ("KAZ", "TUR"), ("KAZ", "NLD"), ("RUS", "KAZ"))


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _bodies(client) -> dict[str, Callable[[str], dict]]:
    """page -> (URL query string -> the page callback's request body after the URL changed)."""
    deps = json.loads(client.get("/_dash-dependencies").data)
    makers = {}
    for cb in deps:
        for page, path in PAGES.items():
            key = json.dumps({"page": page, "type": "charts"}, separators=(",", ":"))
            if key in cb["output"]:
                makers[page] = _maker(cb, page, path)
    return makers


def _body(make, reporter: str, partner: str) -> dict:
    return make(f"?reporter={reporter}&partner={partner}")


def _searches(page: str) -> tuple[str, ...]:
    """The query strings a page's calls cycle through."""
    if page in ("compare", "products"):
        return dashboard_bench.STATES[page]
    return tuple(f"?reporter={reporter}&partner={partner}" for reporter, partner in STATES)


def _post(client, body: dict) -> bytes:
    resp = client.post("/_dash-update-component", json=body)
    if resp.status_code not in (200, 204):
        raise RuntimeError(f"callback answered {resp.status_code}: {resp.data[:300]!r}")
    return resp.data


def measure(
    client, makers: dict, calls: int, profile: str | None, cold_pairs: bool = False
) -> dict[str, dict]:
    from dashboard import query

    out = {}
    prof = cProfile.Profile()
    for page, make in makers.items():
        cpu, wall = [], []
        searches = _searches(page)
        for i in range(calls + len(searches)):
            search = searches[i % len(searches)]
            body = make(search)
            # A key Dash ignores, unique per call: a whole-answer cache in front of the
            # callbacks (dashboard/responses.py) must not answer, the callback must run.
            body["bench_call"] = f"{page}-{i}-{time.perf_counter_ns()}"
            if cold_pairs:
                query.clear("pair")
            on = page == profile and i >= len(searches)
            if on:
                prof.enable()
            c0, w0 = time.process_time(), time.perf_counter()
            raw = _post(client, body)
            c1, w1 = time.process_time(), time.perf_counter()
            if on:
                prof.disable()
            reporter = parse_qs(search.lstrip("?"))["reporter"][0]
            check_answer(page, search, raw, gap=page == "fdi" and reporter in NO_FDI)
            if i >= len(searches):  # the first round warms per-version lookups and indexes
                cpu.append((c1 - c0) * 1000)
                wall.append((w1 - w0) * 1000)
        out[page] = {
            "cpu_p50_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(_percentile(cpu, 95), 1),
            "wall_p50_ms": round(statistics.median(wall), 1),
            "wall_p95_ms": round(_percentile(wall, 95), 1),
        }
        print(page, out[page], flush=True)
    if profile:
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(60)
        print(text.getvalue())
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(30)
        print(text.getvalue())
    return out


def dump(client, makers: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for page, make in makers.items():
        for reporter, partner in DUMP_STATES:
            raw = _post(client, _body(make, reporter, partner))
            text = json.dumps(json.loads(raw), sort_keys=True, indent=1)
            (folder / f"{page}_{reporter}_{partner}.json").write_text(text)
    # Again, from the query layer's kept frames: a caller that mutated one changes an answer.
    for page, make in makers.items():
        for reporter, partner in DUMP_STATES:
            raw = _post(client, _body(make, reporter, partner))
            text = json.dumps(json.loads(raw), sort_keys=True, indent=1)
            if text != (folder / f"{page}_{reporter}_{partner}.json").read_text():
                raise RuntimeError(f"{page} {reporter}-{partner}: second answer differs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", type=Path, required=True)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--profile", help="a page to profile with cProfile")
    parser.add_argument("--dump", type=Path, help="write each state's response here")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--pages", help="comma-separated pages (default: all)")
    parser.add_argument(
        "--cold-pairs", action="store_true", help="drop per-pair query entries before each call"
    )
    args = parser.parse_args()
    os.environ["TRADEBOARD_FIGURE_CACHE"] = "0"  # read when dashboard.query is imported
    from dashboard.app import create_app

    client = create_app(args.clean).server.test_client()
    client.get("/")
    makers = _bodies(client)
    if args.pages:
        makers = {p: m for p, m in makers.items() if p in args.pages.split(",")}
    if args.dump:
        dump(client, makers, args.dump)
        return
    result = measure(client, makers, args.calls, args.profile, args.cold_pairs)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

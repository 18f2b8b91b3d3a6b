"""Dashboard benchmarks: callback latency and payload, first render, PNG batch export.

Callbacks are measured against a server loaded with the real clean data plus 20 M synthetic
UN Comtrade rows (TRADEBOARD_BENCH_DASHBOARD_ROWS=1000000 for a quicker trial), with a callback
that does nothing (the CSV button's callback before any click) as the framework floor in the same
run. Every measured answer must be a 200 holding a figure with data: a page that broke and
answers an error or an empty chart must not look fast.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from etl import paths
from tests.benchmarks.etl_bench import dataset

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "overview": "/",
    "partner": "/partner",
    "compare": "/compare",
    "products": "/products",
    "fdi": "/fdi",
    "visas": "/visas",
    "briefing": "/briefing",
}
CALLS = 200
PARTNERS = ("ITA", "CHN", "RUS", "DEU", "NLD", "TUR", "FRA", "USA", "KOR", "UZB")
SYNTHETIC_ROWS = 20_000_000
ROWS_ENV = "TRADEBOARD_BENCH_DASHBOARD_ROWS"
# The URL query strings each page's calls cycle through. The synthetic files have 200 reporters,
# written month by month in Comtrade code order (generate_comtrade): 20 M rows hold 2019-01..04
# of all of them and most of 2019-05, KAZ, RUS, CHN, KGZ, UZB and ITA included, with rows for
# every pair below; 1 M rows hold part of 2019-01 only (CHN, not KAZ). The partner page is the
# one reader of trade_large/ (query.pair_products -> dashboard.data.large_trade), so at 20 M
# each of its KAZ pairs reads synthetic rows; every trade page filters trade_all, which holds the
# synthetic TOTAL rows. The products page reads products.parquet (OEC, FCS, NSC KG) and
# trade_all, never trade_large/: its states cover each real breakdown (flow x level) instead.
PAIR_STATES = tuple(f"?reporter=KAZ&partner={p}" for p in PARTNERS)
STATES: dict[str, tuple[str, ...]] = {
    "overview": PAIR_STATES,
    "partner": PAIR_STATES,
    "compare": (
        "?reporter=KAZ",
        "?reporter=KAZ&flow=export",
        "?reporter=KAZ&flow=import",
        "?reporter=KAZ&compare=CHN,RUS,ITA",
        "?reporter=KAZ&compare=DEU,NLD,TUR,FRA,USA,KOR,UZB,CHN",
        "?reporter=RUS&year=2021",  # FCS's 2023 (the default year) lists CIS partners only
        "?reporter=CHN",
        "?reporter=KGZ",
        "?reporter=UZB",
        "?reporter=ITA",
    ),
    "products": (
        "?reporter=KAZ",
        "?reporter=RUS&flow=export&level=chapter",
        "?reporter=RUS&flow=import&level=chapter",
        "?reporter=RUS&flow=export&level=group",
        "?reporter=RUS&flow=import&level=group",
        "?reporter=KGZ&flow=export",
        "?reporter=KGZ&flow=import",
        "?reporter=KGZ&flow=export&year=2010",
        "?reporter=UZB",
        "?reporter=CHN",
    ),
    "fdi": PAIR_STATES,
    "visas": PAIR_STATES,
    "briefing": PAIR_STATES,
}


def synthetic_rows() -> int:
    """SYNTHETIC_ROWS, or the row count TRADEBOARD_BENCH_DASHBOARD_ROWS asks for."""
    text = os.environ.get(ROWS_ENV, "").replace("_", "").replace(",", "").strip()
    if not text:
        return SYNTHETIC_ROWS
    if not text.isdigit() or int(text) <= 0:
        raise SystemExit(f"{ROWS_ENV}={os.environ[ROWS_ENV]!r}: give a row count, e.g. 1000000")
    return int(text)


def clean_with_synthetic(work: Path, rows: int = SYNTHETIC_ROWS) -> Path:
    """Real sources + `rows` synthetic Comtrade rows, built once by the real ETL."""
    clean = work / f"clean-real+{rows}"
    if (clean / "report.json").exists():
        return clean
    raw = work / f"raw-real+{rows}"
    raw.mkdir(parents=True, exist_ok=True)
    for folder in paths.shared_data().iterdir():
        link = raw / folder.name
        if folder.is_dir() and not link.exists():
            link.symlink_to(folder)
    comtrade = raw / "un-comtrade"
    if not comtrade.exists():
        comtrade.symlink_to(dataset(rows, work) / "un-comtrade")
    subprocess.run([sys.executable, "-m", "etl", "--raw", str(raw), "--clean", str(clean)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    return clean


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m dashboard` on a free loopback port, as users run it."""

    def __init__(self, clean: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "--clean", str(clean), "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                self.get("/")
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("dashboard did not start")

    def get(self, path: str) -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request("GET", path)
        body = conn.getresponse().read()
        conn.close()
        return body

    def post(
        self, body: dict, conn: http.client.HTTPConnection, ok: tuple[int, ...] = (200, 204)
    ) -> tuple[float, int, bytes]:
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept-Encoding": "gzip"}
        t0 = time.perf_counter()
        conn.request("POST", "/_dash-update-component", body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        seconds = time.perf_counter() - t0
        if resp.status not in ok:
            raise RuntimeError(f"callback answered {resp.status}: {raw[:300]!r}")
        return seconds, len(raw), raw

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _id(text: str) -> object:
    return json.loads(text) if text.startswith("{") else text


def _parse_outputs(output: str) -> list[dict]:
    parts = output.strip(".").split("...")
    out = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        out.append({"id": _id(ident), "property": prop})
    return out


def page_bodies(server: Server) -> tuple[dict[str, Callable[[str], dict]], dict]:
    """Request-body makers for each page's main callback (URL-driven) and for the floor."""
    deps = json.loads(server.get("/_dash-dependencies"))
    makers = {}
    noop = None
    for cb in deps:
        output = cb["output"]
        for page, path in PAGES.items():
            key = json.dumps({"page": page, "type": "charts"}, separators=(",", ":"))
            if key in output:
                makers[page] = _maker(cb, page, path)
        if noop is None and '"csv-download"' in output and '"page":"partner"' in output:
            noop = _noop_body(cb)
    return makers, noop


def _maker(cb: dict, page: str, path: str) -> Callable[[str], dict]:
    """The page callback's body after its URL's query string became `search` (Back/Forward)."""
    outputs = _parse_outputs(cb["output"])

    def make(search: str) -> dict:
        inputs = []
        changed = None
        for item in cb["inputs"]:
            ident = _id(item["id"])
            if item["property"] == "search":
                inputs.append({"id": ident, "property": "search", "value": search})
                changed = f"{item['id']}.search"
            else:
                inputs.append({"id": ident, "property": item["property"], "value": None})
        state = []
        for item in cb["state"]:
            value = path if item["property"] == "pathname" else None
            state.append({"id": _id(item["id"]), "property": item["property"], "value": value})
        return {
            "output": cb["output"],
            "outputs": outputs,
            "inputs": inputs,
            "changedPropIds": [changed],
            "state": state,
        }

    return make


def _noop_body(cb: dict) -> dict:
    ident = {"type": "csv-button", "page": "partner", "name": "flows"}
    out_id = {"type": "csv-download", "page": "partner", "name": "flows"}
    return {
        "output": cb["output"],
        "outputs": {"id": out_id, "property": "data"},
        "inputs": [{"id": ident, "property": "n_clicks", "value": 0}],
        "changedPropIds": [json.dumps(ident, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
        "state": [{"id": {"page": "partner", "type": "view"}, "property": "data", "value": {}}],
    }


def _text(raw: bytes) -> bytes:
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def figures_in(raw: bytes) -> list[dict]:
    """Every figure of a callback answer (gzipped or not)."""
    text = _text(raw)
    figures: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "figure" in node and isinstance(node["figure"], dict):
                figures.append(node["figure"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(text))
    return figures


def _drawn(trace: dict) -> bool:
    """A trace with points: a no-data card is a figure with an annotation and no traces."""
    for key in ("x", "y", "values", "labels", "z", "cells"):
        value = trace.get(key)
        if isinstance(value, dict):  # plotly's typed arrays ({"dtype", "bdata"}), table cells
            value = value.get("bdata") or value.get("values")
        if value is not None and len(value) > 0:
            return True
    return False


def check_answer(page: str, search: str, raw: bytes, gap: bool = False) -> list[dict]:
    """The answer's figures; raises unless at least one of them has data, or with `gap` (a
    state the bundled sources have nothing for) unless it is the page's no-data paragraph."""
    figures = figures_in(raw) if raw else []
    if gap:
        if figures or b'"page-gap"' not in _text(raw):
            raise RuntimeError(f"{page}{search}: expected the page's no-data paragraph")
        return figures
    if not any(_drawn(t) for f in figures for t in f.get("data", [])):
        raise RuntimeError(
            f"{page}{search}: the answer has {len(figures)} figure(s) and none with data; "
            "a broken or empty page would be timed as fast"
        )
    return figures


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure(
    server: Server,
    bodies: list[dict],
    calls: int = CALLS,
    check: Callable[[int, bytes], list[dict]] | None = None,
) -> dict:
    """`calls` posts cycling through `bodies` after one warm-up round; with `check`, every
    answer must be a 200 that `check(index of the body, answer)` accepts."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    times, sizes, fig_sizes = [], [], []
    # The warm-up builds every state once (per-version indexes, per-pair reads, views): with
    # the cache on, a measured call is then the cached answer, never a first build.
    warm = max(5, len(bodies))
    ok = (200,) if check else (200, 204)
    for i in range(calls + warm):
        seconds, size, raw = server.post(bodies[i % len(bodies)], conn, ok)
        figures = check(i % len(bodies), raw) if check else []
        if i >= warm:
            times.append(seconds * 1000)
            sizes.append(size)
            if i < warm + 10:
                fig_sizes += [len(json.dumps(f, separators=(",", ":"))) for f in figures]
    conn.close()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 95), 2),
        "payload_kb": round(max(sizes) / 1024, 1),
        "max_figure_kb": round(max(fig_sizes) / 1024, 1) if fig_sizes else 0.0,
    }


FIRST_RENDER_URL = "/partner?reporter=KAZ&partner=ITA"
# Every graph container on the page has drawn its SVG (the page renders its cards, then each
# dcc.Graph loads plotly.js and draws), and there are at least as many as the partner page has.
DRAWN = """(least) => {
    const graphs = [...document.querySelectorAll('.dash-graph')];
    return graphs.length >= least && graphs.every(g => g.querySelector('.main-svg'));
}"""
# What arrived when, in ms since navigation start, from the browser's own timings.
TIMELINE = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const rows = performance.getEntriesByType('resource').map(r => ({
        name: r.name.replace(location.origin, '').split('?')[0],
        kind: r.initiatorType,
        start_ms: Math.round(r.startTime),
        end_ms: Math.round(r.responseEnd),
        kb: Math.round(r.transferSize / 102.4) / 10,
    }));
    return {
        html_ms: Math.round(nav.responseEnd),
        dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
        load_ms: Math.round(nav.loadEventEnd),
        graphs: document.querySelectorAll('.dash-graph').length,
        resources: rows.sort((a, b) => a.end_ms - b.end_ms),
    };
}"""


def first_render(server: Server, runs: int = 5) -> dict:
    """The partner page opened in a fresh browser context (empty cache) until every graph has
    drawn: median seconds over `runs`, and the timeline of the median run."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    url = f"http://127.0.0.1:{server.port}{FIRST_RENDER_URL}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        warm = browser.new_page()  # warms the server's caches (data, views), not the browser's
        warm.goto(url)
        warm.wait_for_function(DRAWN, arg=1, timeout=60_000)
        graphs = warm.evaluate("() => document.querySelectorAll('.dash-graph').length")
        warm.close()
        measured = []
        for _ in range(runs):
            context = browser.new_context()
            tab = context.new_page()
            t0 = time.perf_counter()
            tab.goto(url)
            tab.wait_for_function(DRAWN, arg=graphs, timeout=60_000)
            seconds = time.perf_counter() - t0
            timeline = tab.evaluate(TIMELINE)
            timeline["drawn_ms"] = round(seconds * 1000)
            measured.append((seconds, timeline))
            context.close()
        browser.close()
    measured.sort(key=lambda m: m[0])
    seconds, timeline = measured[len(measured) // 2]
    return {
        "median_s": round(seconds, 2),
        "runs_s": [round(m[0], 2) for m in measured],
        "timeline": timeline,
    }


def _first_render_before_after(clean: Path) -> dict:
    """Dash's stock plotly.js (before) and the partial bundle (after), one server each, same run."""
    out = {}
    for label, bundle in (("before", "full"), ("after", "partial")):
        server = Server(clean, env={"TRADEBOARD_PLOTLY": bundle})
        try:
            out[label] = {"plotly": bundle, **first_render(server)}
        finally:
            server.stop()
        print(f"  first render {label} ({bundle} plotly.js): {out[label]['runs_s']} s", flush=True)
    return out


def _callbacks(clean: Path, cache: bool) -> dict:
    """Each page's main callback over its STATES in turn; `cache=False` rebuilds every figure."""
    # Off means nothing kept: neither views nor whole answers (repeated bodies would be replayed).
    off = {"TRADEBOARD_FIGURE_CACHE": "0", "TRADEBOARD_ANSWER_CACHE_MB": "0"}
    server = Server(clean, env=None if cache else off)
    try:
        makers, noop = page_bodies(server)
        missing = set(PAGES) - set(makers)
        if missing or noop is None:
            raise RuntimeError(f"no page callback for {sorted(missing)} (or no no-op callback)")
        floor = measure(server, [noop])
        pages = []
        for page, make in makers.items():
            states = STATES[page]

            def check(k: int, raw: bytes, page: str = page, states: tuple = states) -> list[dict]:
                return check_answer(page, states[k], raw)

            stats = measure(server, [make(s) for s in states], check=check)
            pages.append({"page": page, "states": len(states), **stats})
            print(f"  callback {page} ({'cached' if cache else 'uncached'}): {stats}", flush=True)
        return {"noop": floor, "pages": pages, "port": server.port}
    finally:
        server.stop()


def bench_dashboard(work: Path, parts: set[str]) -> dict:
    rows = synthetic_rows()
    clean = clean_with_synthetic(work, rows)
    out: dict = {
        "callbacks_data": f"real sources + {rows:,} synthetic Comtrade rows published",
        "callbacks_synthetic_rows": rows,
    }
    if "callbacks" in parts:
        warm = _callbacks(clean, cache=True)
        cold = _callbacks(clean, cache=False)
        out["noop_p95_ms"] = warm["noop"]["p95_ms"]
        out["noop_p50_ms"] = warm["noop"]["p50_ms"]
        out["callbacks"] = warm["pages"]
        out["callbacks_uncached"] = cold["pages"]
        out["callbacks_calls"] = CALLS
        out["callbacks_states"] = {page: list(STATES[page]) for page in PAGES}
        out["callbacks_note"] = (
            f"callbacks: {CALLS} calls per page cycling its states (callbacks_states; KAZ with "
            "10 partners on the pair pages) after one warm-up round, figure cache on (a view "
            "built once per data version is served from memory); callbacks_uncached: the same "
            "calls with the cache off, every figure rebuilt; every answer checked: a 200 with a "
            "figure holding data"
        )
    if "first_render" in parts:
        render = _first_render_before_after(clean)
        out["first_render_s"] = render["after"]["median_s"]
        out["first_render_before_s"] = render["before"]["median_s"]
        out["first_render"] = render
    return out


def bench_png(work: Path, figures: int = 20) -> float:
    from dashboard.export import export

    clean = work / "clean-real"
    if not (clean / "report.json").exists():
        subprocess.run(
            [sys.executable, "-m", "etl", "--raw", str(paths.shared_data()), "--clean", str(clean)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    result = export(
        clean,
        work / "png",
        "KAZ",
        "ITA",
        ["overview", "partner", "fdi", "visas", "briefing"],
        log=lambda *_: None,
    )
    seconds = result.seconds[:figures] if len(result.seconds) >= figures else result.seconds
    return round(sum(seconds) / len(seconds), 3)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")

"""Dashboard benchmarks: callback latency and payload, first render, PNG batch export.

Callbacks are measured against a server loaded with the real clean data plus 5 M synthetic
UN Comtrade rows, with a callback that does nothing (the CSV button's callback before any click)
as the framework floor in the same run.
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
from pathlib import Path

from etl import paths
from tests.benchmarks.etl_bench import dataset

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "overview": "/",
    "partner": "/partner",
    "fdi": "/fdi",
    "visas": "/visas",
    "briefing": "/briefing",
}
CALLS = 200
PARTNERS = ("ITA", "CHN", "RUS", "DEU", "NLD", "TUR", "FRA", "USA", "KOR", "UZB")
SYNTHETIC_ROWS = 5_000_000


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

    def post(self, body: dict, conn: http.client.HTTPConnection) -> tuple[float, int, bytes]:
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept-Encoding": "gzip"}
        t0 = time.perf_counter()
        conn.request("POST", "/_dash-update-component", body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        seconds = time.perf_counter() - t0
        if resp.status not in (200, 204):
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


def page_bodies(server: Server) -> tuple[dict[str, callable], dict]:
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


def _maker(cb: dict, page: str, path: str):
    outputs = _parse_outputs(cb["output"])

    def make(partner: str) -> dict:
        search = f"?reporter=KAZ&partner={partner}"
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


def _figure_sizes(raw: bytes) -> list[int]:
    text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    sizes: list[int] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "figure" in node and isinstance(node["figure"], dict):
                sizes.append(len(json.dumps(node["figure"], separators=(",", ":"))))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(text))
    return sizes


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure(server: Server, body_for, calls: int = CALLS) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    times, sizes, fig_sizes = [], [], []
    for i in range(calls + 5):
        seconds, size, raw = server.post(body_for(i), conn)
        if i >= 5:  # the first calls warm caches (per-version indexes)
            times.append(seconds * 1000)
            sizes.append(size)
            if i < 15 and raw:
                fig_sizes += _figure_sizes(raw)
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
    """Each page's main callback over 10 partners in turn; `cache=False` rebuilds every figure."""
    # Off means nothing kept: neither views nor whole answers (repeated bodies would be replayed).
    off = {"TRADEBOARD_FIGURE_CACHE": "0", "TRADEBOARD_ANSWER_CACHE_MB": "0"}
    server = Server(clean, env=None if cache else off)
    try:
        makers, noop = page_bodies(server)
        floor = measure(server, lambda i: noop)
        pages = []
        for page, make in makers.items():
            stats = measure(server, lambda i, make=make: make(PARTNERS[i % len(PARTNERS)]))
            pages.append({"page": page, **stats})
            print(f"  callback {page} ({'cached' if cache else 'uncached'}): {stats}", flush=True)
        return {"noop": floor, "pages": pages, "port": server.port}
    finally:
        server.stop()


def bench_dashboard(work: Path, parts: set[str]) -> dict:
    clean = clean_with_synthetic(work)
    out: dict = {"callbacks_data": f"real sources + {SYNTHETIC_ROWS:,} synthetic Comtrade rows"}
    if "callbacks" in parts:
        warm = _callbacks(clean, cache=True)
        cold = _callbacks(clean, cache=False)
        out["noop_p95_ms"] = warm["noop"]["p95_ms"]
        out["noop_p50_ms"] = warm["noop"]["p50_ms"]
        out["callbacks"] = warm["pages"]
        out["callbacks_uncached"] = cold["pages"]
        out["callbacks_note"] = (
            "callbacks: 200 calls per page cycling 10 partners, figure cache on (a view built "
            "once per data version is served from memory); callbacks_uncached: the same calls "
            "with the cache off, every figure rebuilt"
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

"""`make load`: the production server (gunicorn) under concurrent browser-like traffic, on loopback.

    python -m tests.benchmarks.load [--clients 50] [--seconds 60] [--workers 4] [--threads 1]
                                    [--clean DIR]

1. Starts `gunicorn 'dashboard.app:server()'` as `make serve` does (--workers sync workers;
   --threads N > 1: gthread workers of N threads) on a socket this process binds to
   127.0.0.1 on a free port (handed over as fd://, so no other program can take the port in
   between), with TRADEBOARD_CLEAN pointing at the clean folder.
2. Opens every page once in headless Chromium and records what the browser sends: the page's
   static files, Dash's layout/dependency fetches, the Pages router callback, the callback a
   partner (or year) change fires, and a CSV download. Nothing about the callback protocol is
   written by hand here, so the replay stays faithful when the app's callbacks change.
3. --clients threads replay browser visits with varied partners and years for --seconds (after
   a short warm-up): page HTML, static files (a cold visit in ten), layout and dependencies,
   the router callback, 0-3 control changes, sometimes a CSV. No think time: the server is
   saturated on purpose. Each thread stops at the deadline or at --max-requests in all.
4. Samples the RSS of the gunicorn master and workers every second.

Prints a table per request kind (count, errors, p50/p95/p99/max latency, rate) and memory, and
writes docs/load.json. Exit status 1 on any error (status other than 200, a body that is not
what the browser would get, a traceback in the server log, a worker restart) or when memory
grows by more than --memory-bound between the first and last third of the run.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psutil

from tests.benchmarks.run import machine

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "load.json"
BENCHMARKS = ROOT / "docs" / "benchmarks.json"
HOST = "127.0.0.1"
CALLBACK = "/_dash-update-component"
# Where each page is first opened (the brief's example view for the partner page).
START = {
    "overview": "/",
    "partner": "/partner?reporter=KAZ&partner=ITA",
    "fdi": "/fdi",
    "visas": "/visas",
    "briefing": "/briefing",
}
COLD_SHARE = 0.1  # visits with an empty browser cache (they fetch every static file)
CSV_SHARE = 0.2  # visits to a page with CSV buttons that download one CSV
MAX_CHANGES = 3  # control changes per visit, uniform 0..MAX_CHANGES
TIMEOUT_S = 60.0  # per request; a request that slow counts as an error
KINDS = ("page", "static", "meta", "route", "control", "csv")


# ---- the server ---------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def processes(self) -> list[psutil.Process]:
        master = psutil.Process(self.process.pid)
        return [master, *master.children(recursive=True)]


def wait_ready(server: Server, workers: int, timeout_s: float = 120.0) -> None:
    """Until every worker exists and the app answers (each worker loads the data as it boots)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.process.returncode}); see {server.log}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _, _ = fetch(server.base, "GET", "/_dash-layout", None, timeout=5)
            if status == 200 and len(server.processes()) == workers + 1:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready after {timeout_s:.0f}s; see {server.log}")


@contextlib.contextmanager
def gunicorn(
    clean: Path, workers: int, log: Path, wait: bool = True, threads: int = 1
) -> Iterator[Server]:
    """The production command of `make serve`, on a loopback socket bound here.

    threads > 1 runs gunicorn's gthread workers with that many threads each (sync otherwise).
    With wait=False it yields as soon as the master runs: call `wait_ready` before use.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    sock.listen(2048)
    port = sock.getsockname()[1]
    env = {**os.environ, "TRADEBOARD_CLEAN": str(clean)}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
        "--bind",
        f"fd://{sock.fileno()}",
        "--no-control-socket",  # else every run shares ~/.gunicorn/gunicorn.ctl
        "dashboard.app:server()",
    ]
    with log.open("w") as err:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=err, stderr=err, pass_fds=(sock.fileno(),)
        )
    sock.close()  # gunicorn holds its own copy
    server = Server(process, port, log)
    try:
        if wait:
            wait_ready(server, workers)
        yield server
    finally:
        _stop(server)


def _stop(server: Server) -> None:
    """SIGTERM to the master (it stops its workers); SIGKILL to each of our processes if stuck."""
    try:
        children = server.processes()[1:]
    except psutil.NoSuchProcess:
        children = []
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def server_log_problems(log: Path) -> dict[str, int]:
    """What went wrong according to the server log (even behind a 200), with counts.

    A traceback counts as its last line plus the frame that raised, so 400 identical failures
    read as one line with a count.
    """
    marks = ("[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "Exception in worker")
    found: Counter[str] = Counter()
    lines = log.read_text(errors="replace").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and lines[j].startswith(" "):
                j += 1
            frame = next(
                (x.strip() for x in reversed(lines[i:j]) if x.strip().startswith("File")), ""
            )
            summary = lines[j] if j < len(lines) else "?"
            found[f"{summary} ({frame})" if frame else summary] += 1
            i = j + 1
            continue
        if any(m in line for m in marks) and "ERROR in app: Exception on" not in line:
            found[line.split("] ", 2)[-1]] += 1  # without the timestamp and pid
        i += 1
    return dict(found.most_common(20))


# ---- what a browser sends -----------------------------------------------------------------------


@dataclass
class PageCapture:
    """One page as the browser loaded it: bodies are the exact JSON it posted."""

    name: str
    path: str
    route: dict
    # The URL the renderer posts to: Dash 4 appends ?endId=<signed token> (used only by
    # background callbacks, but replayed as sent).
    callback: str = CALLBACK
    change: dict | None = None
    csv: dict | None = None
    choices: dict[str, list] = field(default_factory=dict)  # control name -> option values
    values: dict[str, object] = field(default_factory=dict)  # control name -> value on load


@dataclass
class Capture:
    pages: list[PageCapture]
    statics: list[str]  # GET paths of a cold page load besides the HTML and meta fetches
    meta: list[str]  # /_dash-layout, /_dash-dependencies


def _controls(tree: object) -> Iterator[dict]:
    """Props of every control component in a callback response (dicts with an 'options' prop)."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict):
            cid = props.get("id")
            if isinstance(cid, dict) and cid.get("type") == "control" and "options" in props:
                yield props
        for value in tree.values():
            yield from _controls(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _controls(item)


def _other_option(options: list[dict], current: object) -> dict:
    """An option other than the current one (China when offered: a big partner everywhere)."""
    others = [o for o in options if isinstance(o, dict) and o.get("value") != current]
    return next((o for o in others if o.get("value") == "CHN"), others[0])


def _is_callback(response: object) -> bool:
    request = response.request
    return request.method == "POST" and urlsplit(request.url).path == CALLBACK


def _capture_page(page: object, base: str, name: str) -> PageCapture:
    """Load one page, change its partner (or year), download a CSV; keep what was posted."""
    with page.expect_response(_is_callback, timeout=60_000) as routed:
        page.goto(base + START[name], wait_until="commit")
    response = routed.value
    if response.status != 200:
        raise RuntimeError(f"router callback of {name} answered {response.status}")
    url = urlsplit(response.request.url)
    got = PageCapture(
        name,
        urlsplit(START[name]).path,
        response.request.post_data_json,
        callback=url.path + (f"?{url.query}" if url.query else ""),
    )
    options: dict[str, list[dict]] = {}
    for props in _controls(response.json()):
        ctl = props["id"]["name"]
        options[ctl] = [o for o in props["options"] if isinstance(o, dict) and "value" in o]
        got.choices[ctl] = [o["value"] for o in options[ctl]]
        got.values[ctl] = props.get("value")
    ctl = "partner" if "partner" in options else "year"
    if len(options.get(ctl, [])) > 1:
        label = str(_other_option(options[ctl], got.values.get(ctl))["label"])
        page.locator(f".control-{ctl} button.dash-dropdown").click()
        search = page.locator(".dash-dropdown-search")
        if search.count():
            search.fill(label)
        with page.expect_response(_is_callback, timeout=60_000) as changed:
            page.get_by_role("option", name=label, exact=True).first.click()
        got.change = changed.value.request.post_data_json
    button = page.locator(".csv-button:not([disabled])")
    if button.count():
        with page.expect_response(_is_callback, timeout=60_000) as downloaded:
            button.first.click()
        got.csv = downloaded.value.request.post_data_json
    return got


def capture(base: str, pages: Sequence[str], ready: Callable[[], None] = lambda: None) -> Capture:
    """`_capture` in a thread of its own: Playwright's sync API refuses to start in a thread
    that already runs an asyncio loop (as pytest's main thread does after the browser tests)."""
    result: dict[str, object] = {}

    def work() -> None:
        try:
            result["value"] = _capture(base, pages, ready)
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=work, name="capture")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["value"]  # type: ignore[return-value]


def _capture(base: str, pages: Sequence[str], ready: Callable[[], None] = lambda: None) -> Capture:
    """Open each page in headless Chromium (one cache, so the first load is a cold one).

    `ready()` is called once the browser runs: it may wait for the server meanwhile booting.
    """
    from playwright.sync_api import sync_playwright

    # The browser tests' Chromium and flags (no sandbox in containers, no network chatter).
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    seen: list[tuple[str, str, str]] = []  # method, path, resource type

    def record(request: object) -> None:
        if request.url.startswith(base):
            seen.append((request.method, request.url[len(base) :], request.resource_type))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", record)
            ready()
            captured = [_capture_page(page, base, name) for name in pages]
        finally:
            browser.close()
    statics = [p for m, p, kind in seen if m == "GET" and kind not in ("document", "fetch", "xhr")]
    meta = [p for m, p, kind in seen if m == "GET" and kind in ("fetch", "xhr")]
    return Capture(captured, sorted(set(statics)), sorted(set(meta)))


# ---- replaying visits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    body: bytes | None = None


def _prop_key(component_id: object, prop: str) -> str:
    """How Dash names a changed property: dict ids serialised with sorted keys."""
    text = (
        json.dumps(component_id, sort_keys=True, separators=(",", ":"))
        if isinstance(component_id, dict)
        else str(component_id)
    )
    return f"{text}.{prop}"


def _with_search(route: dict, search: str) -> dict:
    body = json.loads(json.dumps(route))
    for item in body["inputs"]:
        if item.get("property") == "search":
            item["value"] = search
    return body


def _with_change(change: dict, choices: dict[str, list], rng: random.Random) -> dict:
    """The recorded control change with the changed control set to another of its options."""
    body = json.loads(json.dumps(change))
    changed = body["changedPropIds"][0]
    for item in body["inputs"]:
        if _prop_key(item["id"], item["property"]) == changed:
            options = choices.get(item["id"].get("name"), [])
            if options:
                item["value"] = rng.choice(options)
    return body


def _query(got: PageCapture, rng: random.Random) -> str:
    params: dict[str, object] = {}
    if "reporter" in got.values and rng.random() < 0.5:
        params["reporter"] = got.values["reporter"]
    if got.choices.get("partner"):
        params["partner"] = rng.choice(got.choices["partner"])
    if got.choices.get("year") and rng.random() < 0.5:
        params["year"] = rng.choice(got.choices["year"])
    return "?" + urlencode(params) if params else ""


def visit(cap: Capture, rng: random.Random) -> list[Request]:
    """The requests of one browser visit to a page, with a varied view."""
    got = rng.choice(cap.pages)
    search = _query(got, rng)
    out = [Request("page", "GET", got.path + search)]
    if rng.random() < COLD_SHARE:
        out += [Request("static", "GET", p) for p in cap.statics]
    out += [Request("meta", "GET", p) for p in cap.meta]
    out.append(Request("route", "POST", got.callback, _json(_with_search(got.route, search))))
    if got.change is not None:
        for _ in range(rng.randint(0, MAX_CHANGES)):
            body = _with_change(got.change, got.choices, rng)
            out.append(Request("control", "POST", got.callback, _json(body)))
    if got.csv is not None and rng.random() < CSV_SHARE:
        out.append(Request("csv", "POST", got.callback, _json(got.csv)))
    return out


def _json(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def fetch(
    base: str, method: str, path: str, body: bytes | None, timeout: float = TIMEOUT_S
) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection (gunicorn's sync workers close each one), gzip accepted."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        headers = {"Accept-Encoding": "gzip"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        got = {k.lower(): v for k, v in response.getheaders()}
        if got.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return response.status, got, data
    finally:
        conn.close()


def check(request: Request, status: int, data: bytes) -> str | None:
    """Why a response is not what the browser would get, or None."""
    if status != 200:
        return f"HTTP {status}"
    if request.kind in ("route", "control", "csv") and b'"response"' not in data[:200]:
        return "callback answer without 'response'"
    if request.kind == "page" and b"_dash-renderer" not in data and b"dash_renderer" not in data:
        return "page without the Dash renderer"
    if not data:
        return "empty body"
    return None


# ---- the run ------------------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    start: float  # seconds since the measured window opened (negative: warm-up)
    latency: float
    error: str | None


class Budget:
    """Shared request allowance: the run stops at its deadline or its request cap."""

    def __init__(self, cap: int) -> None:
        self.left = cap
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            self.left -= 1
            return self.left >= 0


def client(
    base: str,
    cap: Capture,
    rng: random.Random,
    opened: float,
    deadline: float,
    budget: Budget,
    out: list[Result],
) -> None:
    while time.monotonic() < deadline:
        for request in visit(cap, rng):
            if time.monotonic() >= deadline or not budget.take():
                return
            t0 = time.monotonic()
            try:
                status, _, data = fetch(base, request.method, request.path, request.body)
                error = check(request, status, data)
            except (OSError, http.client.HTTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"
            out.append(Result(request.kind, t0 - opened, time.monotonic() - t0, error))


class MemorySampler(threading.Thread):
    """RSS of the master and every worker, once a second, with the requests done so far."""

    def __init__(self, server: Server, done: Callable[[], int], opened: float) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        self.server, self.done, self.opened = server, done, opened
        self.samples: list[dict] = []
        self.pids: set[int] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            rss: dict[int, int] = {}
            with contextlib.suppress(psutil.NoSuchProcess):
                for proc in self.server.processes():
                    with contextlib.suppress(psutil.NoSuchProcess):
                        rss[proc.pid] = proc.memory_info().rss
            self.pids |= set(rss)
            self.samples.append(
                {
                    "t_s": round(time.monotonic() - self.opened, 2),
                    "requests": self.done(),
                    "rss_mb": round(sum(rss.values()) / 2**20, 1),
                    "processes": len(rss),
                }
            )
            self.stop.wait(1.0)


def _cpu_seconds(processes: Sequence[psutil.Process]) -> float:
    total = 0.0
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def _machine_busy_seconds() -> float:
    """CPU seconds this machine's processes spent, all CPUs together (guest time is in user)."""
    times = psutil.cpu_times()
    return sum(getattr(times, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq"))


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an ascending sequence."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise_kinds(results: Sequence[Result], seconds: float) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for kind in (*KINDS, "all"):
        rows = [r for r in results if kind in ("all", r.kind)]
        if not rows:
            continue
        ms = sorted(r.latency * 1000 for r in rows)
        out[kind] = {
            "requests": len(rows),
            "errors": sum(r.error is not None for r in rows),
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(ms[-1], 1),
            "per_s": round(len(rows) / seconds, 1),
        }
    return out


def _slope(samples: Sequence[dict]) -> float:
    """Least-squares MB of RSS per request over the samples (0 when there are too few)."""
    xs = [s["requests"] for s in samples]
    ys = [s["rss_mb"] for s in samples]
    if len(xs) < 3 or max(xs) == min(xs):
        return 0.0
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def summarise_memory(samples: Sequence[dict], bound_pct: float) -> dict:
    """Mean RSS of the first and last third of the measured window, and the growth between."""
    window = [s for s in samples if s["t_s"] >= 0]
    third = max(1, len(window) // 3)
    first = sum(s["rss_mb"] for s in window[:third]) / third
    last = sum(s["rss_mb"] for s in window[-third:]) / third
    growth = (last - first) / first * 100 if first else math.nan
    return {
        "samples": len(window),
        "first_third_mb": round(first, 1),
        "last_third_mb": round(last, 1),
        "growth_pct": round(growth, 2),
        # The first third holds start-up transients; a creep shows as a slope over the rest.
        "slope_mb_per_1000_requests": round(_slope(window[third:]) * 1000, 2),
        "bound_pct": bound_pct,
        "peak_mb": max(s["rss_mb"] for s in window),
        "requests_in_window": window[-1]["requests"] - window[0]["requests"],
        "stable": growth <= bound_pct,
    }


def run(
    clean: Path,
    clients: int = 50,
    seconds: float = 60.0,
    workers: int = 2,
    warmup: float = 5.0,
    pages: Sequence[str] = tuple(START),
    max_requests: int = 1_000_000,
    memory_bound_pct: float = 10.0,
    seed: int = 1,
    threads: int = 1,  # sync workers, as `make serve`
) -> dict:
    """Start the server, capture, warm up, measure; everything the report needs, as a dict."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="tradeboard-load-") as tmp:
        log = Path(tmp) / "gunicorn.log"
        t0 = time.monotonic()
        with gunicorn(clean, workers, log, wait=False, threads=threads) as server:
            # Chromium starts while the workers load the data.
            cap = capture(server.base, pages, lambda: wait_ready(server, workers))
            capture_s = time.monotonic() - t0
            lists: list[list[Result]] = [[] for _ in range(clients)]
            opened = time.monotonic() + warmup
            sampler = MemorySampler(server, lambda: sum(len(x) for x in lists), opened)
            budget = Budget(max_requests)
            pool = [
                threading.Thread(
                    target=client,
                    args=(
                        server.base,
                        cap,
                        random.Random(seed * 1000 + i),
                        opened,
                        opened + seconds,
                        budget,
                        lists[i],
                    ),
                    name=f"client-{i}",
                    daemon=True,
                )
                for i in range(clients)
            ]
            sampler.start()
            for thread in pool:
                thread.start()
            time.sleep(max(0.0, opened - time.monotonic()))
            cpu0 = (
                _cpu_seconds(server.processes()),
                _cpu_seconds([psutil.Process()]),
                _machine_busy_seconds(),
            )
            for thread in pool:
                thread.join(timeout=seconds + warmup + TIMEOUT_S + 30)
            stuck = sum(t.is_alive() for t in pool)
            elapsed = time.monotonic() - opened
            cpu = (
                _cpu_seconds(server.processes()) - cpu0[0],
                _cpu_seconds([psutil.Process()]) - cpu0[1],
                _machine_busy_seconds() - cpu0[2],
            )
            sampler.stop.set()
            sampler.join()
            workers_seen = len(sampler.pids) - 1
        problems = server_log_problems(log)
    results = [r for rows in lists for r in rows]
    measured = [r for r in results if r.start >= 0]
    warm = [r for r in results if r.start < 0]
    errors = [r for r in results if r.error is not None]
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {
            "clients": clients,
            "seconds": seconds,
            "warmup_s": warmup,
            "workers": workers,
            "worker_class": "gthread" if threads > 1 else "sync",
            "threads": threads,
            "pages": list(pages),
            "cold_share": COLD_SHARE,
            "csv_share": CSV_SHARE,
            "max_changes_per_visit": MAX_CHANGES,
            "clean": str(clean),
        },
        "capture": {
            "boot_and_capture_s": round(capture_s, 1),
            "statics": len(cap.statics),
            "meta": cap.meta,
            "pages": {
                p.name: sorted(k for k in ("change", "csv") if getattr(p, k)) for p in cap.pages
            },
        },
        "load_average_before": round(load_before, 2),  # other work on the machine skews it
        "measured_s": round(elapsed, 1),
        # Server and load generator share the machine; their CPU use says who was the bottleneck.
        "cpu_share": {
            "server": round(cpu[0] / elapsed / (os.cpu_count() or 1), 2),
            "load_generator": round(cpu[1] / elapsed / (os.cpu_count() or 1), 2),
            "other_processes": round(
                max(0.0, cpu[2] - cpu[0] - cpu[1]) / elapsed / (os.cpu_count() or 1), 2
            ),
        },
        # Server CPU per request: unlike req/s, it does not depend on what else the machine runs.
        # The capacity is what the server alone would answer with every CPU busy on this mix.
        "server_cpu_ms_per_request": round(cpu[0] * 1000 / max(1, len(measured)), 1),
        "capacity_per_s_at_full_cpu": round((os.cpu_count() or 1) * len(measured) / cpu[0], 1)
        if cpu[0] > 0
        else None,
        "requests": len(measured),
        "warmup_requests": len(warm),
        "errors": len(errors),
        "error_samples": [f"{r.kind}: {r.error}" for r in errors[:10]],
        "error_reasons": dict(Counter(r.error for r in errors)),
        "kinds": summarise_kinds(measured, elapsed),
        "throughput_per_s": round(len(measured) / elapsed, 1),
        "memory": summarise_memory(sampler.samples, memory_bound_pct),
        "memory_samples": sampler.samples,
        "worker_restarts": max(0, workers_seen - workers),
        "stuck_clients": stuck,
        "server_log_problems": problems,
    }


def passed(report: dict) -> bool:
    return (
        report["errors"] == 0
        and report["worker_restarts"] == 0
        and report["stuck_clients"] == 0
        and not report["server_log_problems"]
        and report["memory"]["stable"]
    )


def _workers(cfg: dict) -> str:
    """'2 gthread workers x 4 threads', '4 sync workers' (reports written before: sync)."""
    threads = cfg.get("threads", 1)
    text = f"{cfg['workers']} {cfg.get('worker_class', 'sync')} gunicorn workers"
    return text + (f" x {threads} threads" if threads > 1 else "")


def table(report: dict) -> str:
    cfg = report["config"]
    lines = [
        f"tradeboard load test: {cfg['clients']} clients, {_workers(cfg)}, "
        f"{report['measured_s']} s measured after {cfg['warmup_s']:g} s warm-up "
        f"({report['machine']['cpus']} CPUs)",
        "",
        f"{'kind':<8} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'req/s':>7}",
    ]
    for kind, k in report["kinds"].items():
        lines.append(
            f"{kind:<8} {k['requests']:>9,} {k['errors']:>7} {k['p50_ms']:>8.1f} "
            f"{k['p95_ms']:>8.1f} {k['p99_ms']:>8.1f} {k['max_ms']:>8.1f} {k['per_s']:>7.1f}"
        )
    m = report["memory"]
    lines += [
        "",
        f"memory (RSS, master + workers, {m['samples']} samples over "
        f"{m['requests_in_window']:,} requests): first third {m['first_third_mb']:,.0f} MB, "
        f"last third {m['last_third_mb']:,.0f} MB, growth {m['growth_pct']:+.1f}% "
        f"(bound {m['bound_pct']:g}%), peak {m['peak_mb']:,.0f} MB, after the first third "
        f"{m['slope_mb_per_1000_requests']:+.1f} MB per 1,000 requests",
        f"CPU (share of all {report['machine']['cpus']} CPUs): server "
        f"{report['cpu_share']['server']:.0%}, load generator "
        f"{report['cpu_share']['load_generator']:.0%}, other processes "
        f"{report['cpu_share']['other_processes']:.0%}; server CPU per request "
        f"{report['server_cpu_ms_per_request']} ms (capacity with every CPU on this mix: "
        f"{report['capacity_per_s_at_full_cpu']} req/s)",
        f"worker restarts {report['worker_restarts']}, server log problems "
        f"{sum(report['server_log_problems'].values())}, stuck clients {report['stuck_clients']}",
        f"verdict: {'PASS' if passed(report) else 'FAIL'}",
    ]
    if report["error_samples"]:
        lines += ["", "errors:", *(f"  {e}" for e in report["error_samples"])]
    if report["server_log_problems"]:
        problems = report["server_log_problems"].items()
        lines += ["", "server log:", *(f"  {n} x {text}" for text, n in problems)]
    return "\n".join(lines)


def summary(report: dict) -> dict:
    """The run in a few numbers, for docs/benchmarks.json ("load")."""
    cfg = report["config"]
    total = report["kinds"]["all"]
    return {
        "when": report["when"],
        "config": f"{cfg['clients']} clients, {_workers(cfg)}, "
        f"{cfg['seconds']:g} s, {report['machine']['cpus']} CPUs",
        "requests": report["requests"],
        "measured_s": report["measured_s"],
        "errors": report["errors"],
        "throughput_per_s": report["throughput_per_s"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "cpu_share": report["cpu_share"],
        "server_cpu_ms_per_request": report["server_cpu_ms_per_request"],
        "capacity_per_s_at_full_cpu": report["capacity_per_s_at_full_cpu"],
        "passed": passed(report),
    }


def record(report: dict, path: Path = BENCHMARKS) -> None:
    """Put the summary into docs/benchmarks.json (other entries kept) and redo benchmarks.md."""
    from tests.benchmarks.run import markdown

    result = json.loads(path.read_text()) if path.exists() else {}
    result["load"] = summary(report)
    path.write_text(json.dumps(result, indent=1) + "\n")
    if "machine" in result and "date" in result:
        path.with_suffix(".md").write_text(markdown(result))


def main(argv: list[str] | None = None) -> int:
    from etl import paths

    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.load", description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    # As `make serve`: sync workers, two per core. Measured on 2 cores, 50 clients: 4 sync
    # workers 208 req/s, p95 379 ms; 2 gthread workers x 4 threads 168 req/s, p95 928 ms (a cheap
    # request waits for the GIL behind its threads' page builds; sync workers serve in turn).
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (1: sync workers)"
    )
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument(
        "--clean", type=Path, default=paths.clean_dir(), help="clean folder (TRADEBOARD_CLEAN)"
    )
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="cap on requests")
    parser.add_argument(
        "--memory-bound", type=float, default=10.0, help="max RSS growth, %% (first→last third)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="JSON report (default docs/)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not (args.clean / "report.json").is_file():
        print(f"error: no clean data in {args.clean}: run `make etl` first", file=sys.stderr)
        return 2
    report = run(
        args.clean.resolve(),
        clients=args.clients,
        seconds=args.seconds,
        workers=args.workers,
        warmup=args.warmup,
        max_requests=args.max_requests,
        memory_bound_pct=args.memory_bound,
        seed=args.seed,
        threads=args.threads,
    )
    print(table(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nwritten {args.out}")
    if args.out == OUT:  # the run `make load` documents
        record(report)
        print(f"updated {BENCHMARKS} (load)")
    return 0 if passed(report) else 1


if __name__ == "__main__":
    sys.exit(main())

"""python -m dashboard.export: every chart of the chosen pages as PNG/SVG, plus a briefing.md.

The figures are the app's own (`dashboard.pages.page_figures`), so an exported chart and the one
on screen never differ. Kaleido 1.x renders them in a headless Chromium: one persistent render
server for the whole batch (starting Chromium costs ~3 s, each chart then ~0.2 s). Each page's
view is resolved as the app resolves a URL (`layout.state_from_query`), and files are named by
the function that names the modebar's PNGs (`layout.chart_filename`, e.g.
`partner_KAZ-ITA_2023_flows.png`); a card that only says there are no data is not exported.
Files are written atomically; a chart that fails is reported and the rest are still written,
and the exit status is then non-zero.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from etl import paths

EXIT_FAILED_CHARTS = 1
EXIT_USAGE = 2
EXIT_NO_BROWSER = 3
EXIT_NO_DATA = 4
INSTALL_HINT = "sudo apt-get install chromium"
_CODE = re.compile(r"^[A-Za-z]{3}$")
_TAGS = re.compile(r"<[^>]+>")


class NoBrowser(RuntimeError):
    """No Chromium-based browser for kaleido; the message says how to install one."""


def find_browser() -> str | None:
    """Path of the Chromium kaleido would use (BROWSER_PATH, a kaleido download, or PATH)."""
    override = os.environ.get("BROWSER_PATH")
    if override:
        return override if os.access(override, os.X_OK) else None
    from choreographer.browsers.chromium import Chromium  # kaleido's own browser lookup

    found = Chromium.find_browser(skip_local=False)
    return found if found and os.access(found, os.X_OK) else None


def require_browser() -> str:
    path = find_browser()
    if path is not None:
        return path
    override = os.environ.get("BROWSER_PATH")
    where = f"BROWSER_PATH={override!r} is not an executable file. " if override else ""
    raise NoBrowser(
        f"Chromium was not found. {where}Kaleido needs a Chromium-based browser to write "
        f"PNG/SVG files. Install it with:\n\n    {INSTALL_HINT}\n\n"
        "(or set BROWSER_PATH to a Chrome/Chromium executable) and run the export again."
    )


@dataclass
class Result:
    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # cards that only say "no data"
    seconds: list[float] = field(default_factory=list)
    startup: float = 0.0
    briefing: Path | None = None


def is_empty(fig: object) -> bool:
    """A card that states why there is no chart (`figures.common.empty_figure`)."""
    meta = getattr(fig.layout, "meta", None)  # type: ignore[attr-defined]
    return isinstance(meta, dict) and bool(meta.get("empty"))


def plain_title(fig: object) -> str:
    """The figure's main title without markup (first line), for captions."""
    text = getattr(getattr(fig.layout, "title", None), "text", None) or ""  # type: ignore[attr-defined]
    return _TAGS.sub("", text.split("<br>")[0]).strip()


def _write_atomic(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, path)


def export(
    clean: Path,
    out: Path,
    reporter: str,
    partner: str,
    pages: Sequence[str],
    year: int | None = None,
    fmt: str = "png",
    scale: float = 2.0,
    width: int = 1200,
    height: int = 700,
    log=print,
) -> Result:
    """Render every chart of `pages` into `out` and write out/briefing.md; never raises for a
    single chart (it is listed in Result.failed)."""
    require_browser()
    import kaleido  # heavy: imported only once a browser is known to exist

    from dashboard.briefing import briefing_markdown
    from dashboard.data import load
    from dashboard.layout import chart_filename, state_from_query
    from dashboard.pages import PAGES, page_figures
    from dashboard.state import ViewState

    data = load(clean)
    asked = {"reporter": reporter, "partner": partner}
    if year is not None:
        asked["year"] = str(year)
    state = ViewState(reporter=reporter, partner=partner, year=year)
    out.mkdir(parents=True, exist_ok=True)
    result = Result()
    jobs = []
    for page in pages:
        try:
            page_state = state_from_query(page, data, asked)
            figs = page_figures(page, data, page_state)
        except Exception as exc:  # a broken page must not stop the other pages
            result.failed.append(page)
            log(f"[{page}] building the figures failed: {type(exc).__name__}: {exc}")
            continue
        for chart, fig in figs.items():
            if is_empty(fig):
                result.skipped.append(chart_filename(page, page_state, chart))
                continue
            jobs.append((f"{chart_filename(page, page_state, chart)}.{fmt}", fig))
    if result.skipped:
        log(f"Not exported (no data for this selection): {', '.join(result.skipped)}")
    images: dict[str, str] = {}
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    try:
        # Chromium starts on the first render; time it apart so per-chart times are honest.
        started = time.perf_counter()
        try:
            kaleido.calc_fig_sync({"data": [], "layout": {}}, opts={**opts, "scale": 1})
        except Exception as exc:  # a browser that cannot start is the user's to fix
            raise NoBrowser(
                f"Chromium at {find_browser()} could not render a chart "
                f"({type(exc).__name__}: {exc}). Reinstall it with:\n\n    {INSTALL_HINT}\n"
            ) from exc
        result.startup = time.perf_counter() - started
        log(f"Chromium ready in {result.startup:.1f}s; {len(jobs)} charts to write")
        for i, (name, fig) in enumerate(jobs, 1):
            started = time.perf_counter()
            try:
                payload = kaleido.calc_fig_sync(fig, opts=opts)
                _write_atomic(out / name, payload)
            except Exception as exc:  # report, keep going, fail at the end
                result.failed.append(name)
                log(f"[{i}/{len(jobs)}] {name} FAILED: {type(exc).__name__}: {exc}")
                continue
            seconds = time.perf_counter() - started
            result.seconds.append(seconds)
            result.written.append(out / name)
            images[name] = plain_title(fig) or name
            log(f"[{i}/{len(jobs)}] {name} {seconds:.2f}s")
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    briefing = out / "briefing.md"
    headings = {key: page.heading for key, page in PAGES.items()}
    _write_atomic(briefing, briefing_markdown(data, state, images, headings).encode("utf-8"))
    result.briefing = briefing
    return result


def export_docx(
    clean: Path, out: Path, reporter: str, partner: str, year: int | None = None, log=print
) -> Path:
    """Write out/briefing_<reporter>-<partner>.docx: the briefing sentences with numbered
    source notes, the briefing charts as images with captions, and the sources list."""
    require_browser()
    from dashboard.data import load
    from dashboard.docx_briefing import docx_bytes, docx_filename
    from dashboard.layout import state_from_query

    data = load(clean)
    asked = {"reporter": reporter, "partner": partner}
    if year is not None:
        asked["year"] = str(year)
    state = state_from_query("briefing", data, asked)
    out.mkdir(parents=True, exist_ok=True)
    path = out / docx_filename(state)
    _write_atomic(path, docx_bytes(data, state))
    log(f"Wrote {path}")
    return path


def _code(value: str, what: str) -> str:
    from etl import countries

    code = value.strip().upper()
    if not _CODE.match(code) or code not in countries.known_codes():
        shown = f" {code!r}" if _CODE.match(code) else ""
        raise argparse.ArgumentTypeError(
            f"unknown {what} code{shown}: use an ISO 3166 alpha-3 code such as KAZ or ITA"
        )
    return code


def _parser() -> argparse.ArgumentParser:
    from dashboard.pages import PAGES

    p = argparse.ArgumentParser(
        prog="python -m dashboard.export",
        description="Write every chart of the chosen dashboard pages as image files, plus a "
        "briefing.md with the key facts, the images and numbered sources.",
    )
    p.add_argument(
        "--reporter",
        default="KAZ",
        type=lambda v: _code(v, "reporter"),
        help="reporter (host) country, ISO alpha-3 (default KAZ)",
    )
    p.add_argument(
        "--partner",
        default="ITA",
        type=lambda v: _code(v, "partner"),
        help="partner country, ISO alpha-3 (default ITA)",
    )
    p.add_argument(
        "--pages",
        default=",".join(PAGES),
        help=f"comma-separated pages (default all: {','.join(PAGES)})",
    )
    p.add_argument(
        "--year",
        type=int,
        default=None,
        help="year shown where a chart picks one (default: the latest year with data)",
    )
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("png", "svg", "docx"),
        default="png",
        help="png/svg: every chart of the pages, plus briefing.md; docx: the briefing as a "
        "Word document with its charts (--pages is then ignored)",
    )
    p.add_argument("--scale", type=float, default=2.0, help="pixel density (default 2)")
    p.add_argument("--width", type=int, default=1200, help="layout width in px (default 1200)")
    p.add_argument("--height", type=int, default=700, help="layout height in px (default 700)")
    p.add_argument(
        "--clean",
        type=Path,
        default=paths.clean_dir(),
        help="clean data folder written by `python -m etl` (default data/clean)",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder (created if needed)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from dashboard.pages import PAGES

    parser = _parser()
    args = parser.parse_args(argv)
    pages = [p.strip().lower() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in pages if p not in PAGES]
    if unknown or not pages:
        parser.error(f"--pages must be a comma-separated subset of {','.join(PAGES)}")
    if args.year is not None and not 1900 <= args.year <= 2100:
        parser.error("--year must be a four-digit year")
    if not 0.25 <= args.scale <= 6:
        parser.error("--scale must be between 0.25 and 6")
    if not (200 <= args.width <= 6000 and 200 <= args.height <= 6000):
        parser.error("--width and --height must be between 200 and 6000 pixels")

    from dashboard.data import NoCleanData

    started = time.perf_counter()
    try:
        if args.fmt == "docx":
            export_docx(args.clean, args.out, args.reporter, args.partner, args.year)
            return 0
        result = export(
            args.clean,
            args.out,
            args.reporter,
            args.partner,
            pages,
            args.year,
            args.fmt,
            args.scale,
            args.width,
            args.height,
            log=lambda line: print(line, flush=True),
        )
    except NoBrowser as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_BROWSER
    except NoCleanData as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_DATA
    total = time.perf_counter() - started
    per = sum(result.seconds) / len(result.seconds) if result.seconds else 0.0
    print(
        f"Wrote {len(result.written)} charts ({per:.2f} s/chart) and {result.briefing} "
        f"in {total:.1f} s."
    )
    if result.failed:
        print(f"error: {len(result.failed)} failed: {', '.join(result.failed)}", file=sys.stderr)
        return EXIT_FAILED_CHARTS
    return 0


if __name__ == "__main__":
    sys.exit(main())

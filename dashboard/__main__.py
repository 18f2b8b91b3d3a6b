"""python -m dashboard [--host 127.0.0.1] [--port 8050] [--clean DIR] [--open] [--debug]"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import webbrowser
from pathlib import Path

from etl import paths


def _can_open_browser() -> bool:
    """Only where a graphical browser can appear: a text-mode browser would take the terminal."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_later(url: str) -> None:
    def go() -> None:
        with contextlib.suppress(webbrowser.Error):  # no browser: the URL is printed anyway
            webbrowser.open(url, new=2)

    threading.Timer(1.0, go).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default 127.0.0.1, this machine only)",
    )
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument(
        "--clean",
        type=Path,
        default=paths.clean_dir(),
        help="folder written by `python -m etl` (default data/clean)",
    )
    parser.add_argument(
        "--open", action="store_true", help="open the dashboard in a browser when one is available"
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="Dash debug mode (reloader, dev tools); never on a shared host",
    )
    args = parser.parse_args(argv)

    from dashboard.app import STORE_KEY, create_app  # heavy imports after parsing
    from dashboard.data import NoCleanData

    app = create_app(args.clean)
    try:
        app.server.config[STORE_KEY].get()  # fail now, with advice, rather than on first visit
    except NoCleanData as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    url = f"http://{args.host}:{args.port}/"
    print(f"tradeboard on {url} (data: {args.clean}); Ctrl+C stops it", file=sys.stderr)
    if args.open:
        if _can_open_browser():
            _open_later(url)
        else:
            print("--open: no graphical browser here; open the URL yourself", file=sys.stderr)
    # The version check of Dash's dev tools would call plotly.com; the CSP blocks it anyway.
    app.run(host=args.host, port=args.port, debug=args.debug, dev_tools_disable_version_check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

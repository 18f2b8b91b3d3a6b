"""The KAZ–ITA briefing pack exported from the real clean data with Chromium, file by file."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from dashboard import export
from dashboard.pages import PAGES

ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT, SCALE = 1200, 700, 2
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


# ---- a PNG reader that needs no Pillow (Chromium writes 8-bit RGBA, filter 'Up') -------------


def _chunks(payload: bytes):
    pos = len(PNG_SIGNATURE)
    while pos < len(payload):
        (length,) = struct.unpack(">I", payload[pos : pos + 4])
        kind = payload[pos + 4 : pos + 8]
        yield kind, payload[pos + 8 : pos + 8 + length]
        pos += 12 + length


def png_size(payload: bytes) -> tuple[int, int]:
    assert payload[:8] == PNG_SIGNATURE, "not a PNG file"
    kind, data = next(_chunks(payload))
    assert kind == b"IHDR"
    width, height = struct.unpack(">II", data[:8])
    return width, height


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def png_pixels(payload: bytes) -> np.ndarray:
    """(height, width, channels) uint8 for non-interlaced 8-bit RGB/RGBA/grey PNGs."""
    try:
        import io

        from PIL import Image  # faster when installed; not a dependency

        return np.asarray(Image.open(io.BytesIO(payload)).convert("RGBA"))
    except ImportError:
        pass
    header = dict(_chunks(payload))[b"IHDR"]
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0, "only 8-bit non-interlaced PNGs are decoded here"
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(b"".join(d for k, d in _chunks(payload) if k == b"IDAT"))
    stride = width * bpp
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prior = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            recon = line.copy()
        elif kind == 1:  # Sub: running sum per channel
            recon = (np.cumsum(line.reshape(-1, bpp), axis=0) % 256).astype(np.uint8).ravel()
        elif kind == 2:  # Up
            recon = line + prior
        else:  # Average and Paeth depend on the byte just decoded: byte by byte
            recon = bytearray(stride)
            for i in range(stride):
                a = recon[i - bpp] if i >= bpp else 0
                b = int(prior[i])
                if kind == 3:
                    pred = (a + b) // 2
                else:
                    pred = _paeth(a, b, int(prior[i - bpp]) if i >= bpp else 0)
                recon[i] = (int(line[i]) + pred) % 256
            recon = np.frombuffer(bytes(recon), dtype=np.uint8)
        out[y] = recon
        prior = out[y]
    return out.reshape(height, width, bpp)


def distinct_colours(pixels: np.ndarray) -> int:
    flat = pixels.reshape(-1, pixels.shape[-1])
    packed = np.zeros(len(flat), dtype=np.uint32)
    for channel in range(flat.shape[1]):
        packed = (packed << 8) | flat[:, channel]
    return len(np.unique(packed))


# ---- the pack ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> str:
    path = export.find_browser()
    if path is None:
        pytest.skip(f"Chromium is not installed ({export.INSTALL_HINT})")
    return path


@pytest.fixture(scope="module")
def pack(clean_dir: Path, browser: str, tmp_path_factory) -> tuple[Path, str]:
    """Export every page once, through the real command line, as a user would."""
    out = tmp_path_factory.mktemp("pack")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard.export",
            "--reporter",
            "KAZ",
            "--partner",
            "ITA",
            "--clean",
            str(clean_dir),
            "--out",
            str(out),
            "--scale",
            str(SCALE),
            "--width",
            str(WIDTH),
            "--height",
            str(HEIGHT),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


@pytest.fixture(scope="module")
def expected(clean_dir: Path) -> dict[str, object]:
    """file name -> the figure the app shows for it (same function, same state)."""
    from dashboard.data import load
    from dashboard.layout import chart_filename, state_from_query
    from dashboard.pages import page_figures

    data = load(clean_dir)
    out = {}
    for page in PAGES:
        state = state_from_query(page, data, {"reporter": "KAZ", "partner": "ITA"})
        for name, fig in page_figures(page, data, state).items():
            if not export.is_empty(fig):  # cards saying "no data" are not exported
                out[f"{chart_filename(page, state, name)}.png"] = fig
    return out


def test_one_file_per_chart_with_stable_names(pack, expected):
    out, _ = pack
    assert sorted(p.name for p in out.glob("*.png")) == sorted(expected)
    assert all(re.fullmatch(r"[a-z]+_KAZ(-ITA)?_[a-z0-9_]+\.png", name) for name in expected)
    assert "partner_KAZ-ITA_2023_flows.png" in expected  # named like the modebar's PNG


def test_every_png_is_valid_sized_and_not_blank(pack):
    out, _ = pack
    for path in sorted(out.glob("*.png")):
        payload = path.read_bytes()
        assert png_size(payload) == (WIDTH * SCALE, HEIGHT * SCALE), path.name
        # Anti-aliased text alone gives dozens of shades; a blank render gives one or two.
        assert distinct_colours(png_pixels(payload)) > 40, f"{path.name} looks blank"


def test_titles_keep_a_left_margin(pack):
    """Issue 14 item 10: the title used to start at pixel 0 of the PNG."""
    out, _ = pack
    for path in sorted(out.glob("*.png")):
        pixels = png_pixels(path.read_bytes())
        edge = pixels[: 60 * SCALE, : 10 * SCALE, :3]  # title rows, the first 10 layout px
        assert (edge >= 250).all(), f"{path.name}: ink at the left edge"


def test_every_chart_has_its_title_in_the_figure(expected):
    for name, fig in expected.items():
        title = export.plain_title(fig)
        assert title, f"{name} has no title"
        # what kaleido renders is the JSON: the title must survive serialisation
        assert title in json.loads(fig.to_json())["layout"]["title"]["text"], name


def test_progress_line_per_chart(pack, expected):
    _, stdout = pack
    n = len(expected)
    for i, name in enumerate(expected, 1):
        assert re.search(rf"^\[{i}/{n}\] {re.escape(name)} \d+\.\d\ds$", stdout, re.M), name
    assert f"Wrote {n} charts" in stdout


def test_briefing_md_is_a_ready_pack(pack, expected):
    out, _ = pack
    text = (out / "briefing.md").read_text(encoding="utf-8")
    for name, fig in expected.items():
        assert f"]({name})" in text, f"briefing.md does not show {name}"
        assert f"![{export.plain_title(fig)}]" in text
    assert "3rd largest trading partner (after China and Russia)" in text
    assert "11.5% of turnover in 2023" in text
    assert "USD 16.1 bn in 2023" in text
    assert "states 14.4% for 2023; BNS data give 11.5%" in text
    assert "the stated share may refer to Jan–Apr 2024" in text  # 6.4 bn / Jan–Apr total
    # every footnote reference has its source note
    refs = set(re.findall(r"\[\^(\d+)\](?!:)", text))
    notes = set(re.findall(r"^\[\^(\d+)\]: \S", text, re.M))
    assert refs and refs == notes
    assert "Bureau of National Statistics of Kazakhstan" in text


def test_svg_export(clean_dir, browser, tmp_path):
    code = export.main(
        [
            "--pages",
            "briefing",
            "--format",
            "svg",
            "--clean",
            str(clean_dir),
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    svgs = sorted(tmp_path.glob("*.svg"))
    assert [p.name for p in svgs] == [
        "briefing_KAZ-ITA_facts_check.svg",
        "briefing_KAZ-ITA_turnover.svg",
    ]
    assert all(p.read_text()[:200].lstrip().startswith("<svg") for p in svgs)


# ---- failures the user must be told about -----------------------------------------------------


def test_missing_chromium_names_the_install_command(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(export, "find_browser", lambda: None)
    code = export.main(["--out", str(tmp_path / "out")])
    assert code == export.EXIT_NO_BROWSER
    err = capsys.readouterr().err
    assert "Chromium was not found" in err and "sudo apt-get install chromium" in err
    assert not (tmp_path / "out").exists()


def test_a_browser_path_that_is_not_there_is_reported(tmp_path):
    env = {**os.environ, "BROWSER_PATH": str(tmp_path / "no-chromium")}
    proc = subprocess.run(
        [sys.executable, "-m", "dashboard.export", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == export.EXIT_NO_BROWSER
    assert "BROWSER_PATH=" in proc.stderr and "sudo apt-get install chromium" in proc.stderr


def test_a_failing_chart_is_reported_and_the_rest_written(clean_dir, monkeypatch, tmp_path, capsys):
    import kaleido

    monkeypatch.setattr(export, "find_browser", lambda: "/usr/bin/true")
    monkeypatch.setattr(kaleido, "start_sync_server", lambda **_: None)
    monkeypatch.setattr(kaleido, "stop_sync_server", lambda **_: None)

    def render(fig, opts):
        title = fig["layout"].get("title", {}) if isinstance(fig, dict) else fig.layout.title
        if "Published claims" in str(title):
            raise RuntimeError("render failed")
        return PNG_SIGNATURE + b"fake"

    monkeypatch.setattr(kaleido, "calc_fig_sync", render)
    code = export.main(["--pages", "briefing", "--clean", str(clean_dir), "--out", str(tmp_path)])
    assert code == export.EXIT_FAILED_CHARTS
    captured = capsys.readouterr()
    assert "briefing_KAZ-ITA_facts_check.png FAILED: RuntimeError: render failed" in (captured.out)
    assert (tmp_path / "briefing_KAZ-ITA_turnover.png").exists()
    assert not (tmp_path / "briefing_KAZ-ITA_facts_check.png").exists()
    text = (tmp_path / "briefing.md").read_text()
    assert "turnover.png" in text and "facts_check.png" not in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--reporter", "XXQ"], "unknown reporter code 'XXQ'"),
        (["--partner", "../../etc/passwd"], "unknown partner code: use an ISO 3166 alpha-3"),
        (["--pages", "overview,secret"], "--pages must be a comma-separated subset"),
        (["--scale", "50"], "--scale must be between"),
    ],
)
def test_bad_arguments_are_refused_without_echoing_paths(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        export.main([*argv, "--out", str(tmp_path)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "passwd" not in err

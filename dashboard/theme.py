"""Plotly template, colour-blind-safe palette, consistent partner colours and graph config."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable

import plotly.graph_objects as go
import plotly.io as pio

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
OTHER_COLOUR = "#BBBBBB"
FLOW_COLOURS = {
    "turnover": "#000000",
    "export": "#0072B2",
    "import": "#E69F00",
    "balance": "#009E73",
}
# Signs: a rise/surplus and a fall/deficit look the same on every chart.
POSITIVE = "#0072B2"
NEGATIVE = "#D55E00"
# One colour per country everywhere. The fixed table covers the 40 countries most often among
# the top 12 partners of any reporter, source, flow and year in the clean data (DEU, USA, GBR,
# ... down to TKM); every hex differs. Beyond the eight Okabe-Ito colours, each was chosen to look
# unlike (MIN_DELTA_E) the countries it shares a top-12 chart with in the clean data: of 5,179
# fixed-colour places in 488 such charts, 33 must change colour to stay distinct. Other countries
# get an EXTRA colour that looks unlike every other in the same figure (`partner_colours`).
FIXED = {
    "CHN": "#D55E00",
    "RUS": "#0072B2",
    "ITA": "#009E73",
    "NLD": "#E69F00",
    "DEU": "#CC79A7",
    "TUR": "#56B4E9",
    "KOR": "#F0E442",
    "UZB": "#000000",
    "FRA": "#882255",
    "USA": "#332288",
    "GBR": "#EE6677",
    "JPN": "#228833",
    "CHE": "#999933",
    "KAZ": "#AA4499",
    "UKR": "#222255",
    "BLR": "#225555",
    "AUT": "#225522",
    "ESP": "#663333",
    "TJK": "#666633",
    "POL": "#EE8866",
    "SUN": "#EEDD88",
    "HKG": "#D62728",
    "KGZ": "#DDCC77",
    "AUS": "#66CCEE",
    "SGP": "#997700",
    "LBY": "#88CCEE",
    "TWN": "#FF7F0E",
    "ARM": "#4477AA",
    "BEL": "#44AA99",
    "CAN": "#EE3377",
    "IRN": "#2CA02C",
    "FIN": "#FFAABB",
    "IND": "#994455",
    "SAU": "#44BB99",
    "BRA": "#AAAA00",
    "MYS": "#AA3377",
    "ARE": "#117733",
    "GRC": "#BBCC33",
    "YUG": "#0077BB",
    "TKM": "#009988",
    "WLD": "#444444",
}
EXTRA = (
    "#004488",
    "#EECC66",
    "#EE99AA",
    "#BB5566",
    "#9467BD",
    "#8C564B",
    "#17BECF",
    "#BCBD22",
    "#E377C2",
    "#76B7B2",
    "#B07AA1",
    "#9C755F",
    "#59A14F",
    "#F28E2B",
    "#E15759",
    "#4E79A7",
    "#EDC948",
    "#FF9DA7",
    "#5A3D99",
    "#2F6B5E",
)
FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
TEMPLATE_NAME = "tradeboard"
TITLE_INSET = 16  # px between the image edge and the title


def _preferred(code: str) -> int:
    return int(hashlib.sha1(code.encode()).hexdigest(), 16) % len(EXTRA)


# Two colours closer than this (CIE76 distance in CIELAB) read as one on a chart: Kazakhstan's
# #66CCEE beside Türkiye's #56B4E9 is 14.3 apart, and readers took them for one country.
MIN_DELTA_E = 20.0


@functools.cache
def _lab(colour: str) -> tuple[float, float, float]:
    """sRGB hex -> CIELAB (D65)."""
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92 for c in rgb)
    xyz = (
        (r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047,
        r * 0.2126 + g * 0.7152 + b * 0.0722,
        (r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883,
    )
    fx, fy, fz = (v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str) -> float:
    """How far apart two colours look (CIE76)."""
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5


def _nearest(colour: str, used: Iterable[str]) -> float:
    return min((delta_e(colour, u) for u in used), default=float("inf"))


def partner_colours(codes: Iterable[str]) -> dict[str, str]:
    """Each code's colour, no two alike within one figure (at least MIN_DELTA_E apart).

    Codes come in the figure's order (largest partner first). Countries in FIXED are placed first
    and keep their colour unless one before them in this figure has a look-alike; the rest, in
    order, take the first colour of their hashed EXTRA ring (then the palette) that looks unlike
    every colour already used, or the most distinct one left.
    """
    codes = list(dict.fromkeys(codes))
    placed: dict[str, str] = {}
    for code in codes:
        fixed = FIXED.get(code)
        if fixed and _nearest(fixed, placed.values()) >= MIN_DELTA_E:
            placed[code] = fixed
    for code in codes:
        if code in placed:
            continue
        used = list(placed.values())
        start = _preferred(code)
        ring = [EXTRA[(start + k) % len(EXTRA)] for k in range(len(EXTRA))]
        pool = [c for c in (*ring, *PALETTE, *FIXED.values()) if c not in used]
        pick = next((c for c in pool if _nearest(c, used) >= MIN_DELTA_E), None)
        placed[code] = pick or max(pool, key=lambda c: _nearest(c, used), default=OTHER_COLOUR)
    return {code: placed[code] for code in codes}


def partner_colour(code: str) -> str:
    """The same colour for a partner on every page and in every export (figures that show
    several countries not in FIXED use `partner_colours`, which keeps them apart)."""
    return partner_colours([code])[code]


_AXIS = dict(
    showline=True,
    linecolor="#444",
    ticks="outside",
    tickcolor="#444",
    showgrid=False,
    zeroline=False,
    title=dict(standoff=8),
    automargin=True,
)


def register_template() -> None:
    """A lean template: only layout defaults, so every figure stays small and quick to build.

    (Plotly's built-in templates carry defaults for every trace type: ~8 KB in each figure's
    JSON and ~15 ms to validate per figure.)
    """
    if TEMPLATE_NAME in pio.templates:
        return
    template = go.layout.Template(
        layout=dict(
            font=dict(family=FONT, size=13, color="#222"),
            colorway=PALETTE,
            # pad.l: a PNG's title must not start at pixel 0 (x is relative to the container)
            title=dict(x=0.0, xanchor="left", pad=dict(l=TITLE_INSET), font=dict(size=17)),
            margin=dict(l=70, r=30, t=90, b=95),
            hoverlabel=dict(font_family=FONT),
            separators=".,",
            paper_bgcolor="white",
            plot_bgcolor="white",
            xaxis=_AXIS,
            yaxis=_AXIS,
            legend=dict(bgcolor="rgba(255,255,255,0)"),
        )
    )
    pio.templates[TEMPLATE_NAME] = template


@functools.cache
def template_json() -> dict:
    """The registered template as the plain dict plotly writes into each figure's layout
    (built once: validating the template per figure cost ~1 ms each). Shared: do not mutate."""
    register_template()
    return pio.templates[TEMPLATE_NAME].to_plotly_json()


def safe_filename(*parts: object) -> str:
    """'partner_KAZ-ITA_2023_turnover' from parts; only [A-Za-z0-9_-], never a path."""
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_")
    return text[:120] or "tradeboard-chart"


# Modebar buttons that send the chart to a server (Plotly Cloud / Chart Studio): nothing a user
# views here may leave the machine. The lasso/select tools do nothing on these charts.
OFF_MACHINE_BUTTONS = ("sendChartToCloud", "sendDataToCloud", "editInChartStudio")


def graph_config(filename: str) -> dict:
    """The one dcc.Graph config: PNG download at 2x with a meaningful, sanitised filename, and
    no control that uploads the chart or its data anywhere."""
    return {
        "displaylogo": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "showLink": False,
        "plotlyServerURL": "",
        "toImageButtonOptions": {
            "format": "png",
            "filename": safe_filename(filename),
            "scale": 2,
            "width": 1200,
            "height": 700,
        },
        "modeBarButtonsToRemove": ["lasso2d", "select2d", *OFF_MACHINE_BUTTONS],
    }

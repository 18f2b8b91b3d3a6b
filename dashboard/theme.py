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
# ... down to TKM); every hex differs. Other countries get a colour from EXTRA that no other
# country in the same figure has (`partner_colours`).
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
    "GBR": "#4477AA",
    "JPN": "#EE6677",
    "CHE": "#228833",
    "KAZ": "#66CCEE",
    "UKR": "#CCBB44",
    "BLR": "#AA3377",
    "AUT": "#88CCEE",
    "ESP": "#44AA99",
    "TJK": "#117733",
    "POL": "#999933",
    "SUN": "#DDCC77",
    "HKG": "#CC6677",
    "KGZ": "#AA4499",
    "AUS": "#222255",
    "SGP": "#225555",
    "LBY": "#225522",
    "TWN": "#666633",
    "ARM": "#663333",
    "BEL": "#77AADD",
    "CAN": "#EE8866",
    "IRN": "#EEDD88",
    "FIN": "#FFAABB",
    "IND": "#99DDFF",
    "SAU": "#44BB99",
    "BRA": "#BBCC33",
    "MYS": "#AAAA00",
    "ARE": "#CC3311",
    "GRC": "#994455",
    "YUG": "#997700",
    "TKM": "#6699CC",
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


def partner_colours(codes: Iterable[str]) -> dict[str, str]:
    """Each code's colour, no two alike within one figure.

    Fixed countries keep their colour; the others take their hashed EXTRA colour, or the next
    one that is still free in this figure (then any palette colour still free).
    """
    codes = list(dict.fromkeys(codes))
    out = {c: FIXED[c] for c in codes if c in FIXED}
    used = set(out.values())
    spare = [c for c in (*PALETTE, *FIXED.values()) if c not in used]
    for code in codes:
        if code in out:
            continue
        start = _preferred(code)
        ring = [EXTRA[(start + i) % len(EXTRA)] for i in range(len(EXTRA))]
        pick = next((c for c in ring if c not in used), None)
        if pick is None:
            pick = next((c for c in spare if c not in used), OTHER_COLOUR)
        out[code] = pick
        used.add(pick)
    return out


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

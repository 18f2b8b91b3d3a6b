"""The one graph config and template (issue 14 items 4 and 10)."""

from __future__ import annotations

import plotly.io as pio

from dashboard import theme
from dashboard.figures.common import finish, place_notes
from dashboard.figures.lean import Bar, Figure


def test_graph_config_has_no_control_that_sends_the_chart_off_the_machine() -> None:
    config = theme.graph_config("partner_KAZ-ITA_2023_flows")
    removed = set(config["modeBarButtonsToRemove"])
    assert {"sendChartToCloud", "sendDataToCloud", "editInChartStudio"} <= removed
    assert config["showSendToCloud"] is False
    assert config["showEditInChartStudio"] is False
    assert config["showLink"] is False
    assert config["plotlyServerURL"] == ""
    assert config["toImageButtonOptions"]["filename"] == "partner_KAZ-ITA_2023_flows"


def test_titles_keep_a_left_margin_in_every_png() -> None:
    """Titles sit at x=0 of the image (container), so the inset must come from the padding."""
    lean = Figure(Bar(x=[2023], y=[1.0]))
    finish(lean, title="T", subtitle="S", source="BNS", as_of="2026-12-02")
    place_notes(lean, 32)  # updates the title (y, pad.t): the inset must survive
    fig = lean.figure()
    template = pio.templates[theme.TEMPLATE_NAME].layout.title
    assert template.x == 0 and template.xanchor == "left"
    assert template.pad.l == theme.TITLE_INSET >= 12
    assert fig.layout.title.x is None and fig.layout.title.pad.l is None  # template's apply

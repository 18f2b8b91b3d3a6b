"""Issue 14 chart details on the real clean data: the claims chart, the treemap residual, the
FDI gap note, flagged visa rows and what the batch export writes (items 3, 5, 10, 14, 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import export, layout, views
from dashboard.data import CleanData, Store
from dashboard.state import ViewState

pytestmark = pytest.mark.shared_data
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data(clean_dir: Path) -> CleanData:
    return Store(clean_dir).get()


def test_not_checkable_claims_are_not_drawn_at_zero(data: CleanData) -> None:
    """Item 5: a claim without an official figure is no point on the % axis, but a note."""
    fig = views.briefing_view(data, ViewState(partner="ITA"))["facts_check"]
    unchecked = next(t for t in fig.data if t.name.startswith("not checkable"))
    assert "Turnover Jan–Apr 2024" in unchecked.y
    assert all(x is None for x in unchecked.x)
    for trace in fig.data:
        if trace is not unchecked:
            assert not set(trace.y) & set(unchecked.y)  # nowhere else either
    notes = [a for a in fig.layout.annotations if "not checkable" in (a.text or "")]
    assert len(notes) == len(unchecked.y)
    turnover = next(a for a in notes if a.y == "Turnover Jan–Apr 2024")
    assert "stated 6.4 billion US dollars, no official figure" in turnover.text
    assert turnover.xref == "paper"


def test_treemap_has_no_unlabelled_sliver(data: CleanData) -> None:
    """Item 14: Italy's IMF residual (0.9% not allocated) is named, not a thin grey tile."""
    state = layout.state_from_query("overview", data, {"reporter": "ITA"})
    fig = layout.page_figures("overview", data, state)["partner_treemap"]
    tiles = fig.data[0]
    assert "Not allocated to a country" not in tiles.labels
    share = dict(zip(tiles.labels, tiles.customdata, strict=True))
    assert all(float(share[label][0].rstrip("%")) >= 2 for label in tiles.labels)
    assert "0.9% not allocated to a country" in fig.layout.title.text


def test_fdi_gap_note_says_which_series_ends_where(data: CleanData) -> None:
    """The shaded years say UNCTAD's gross inflows from Italy end in 2012, not that no
    official data exist (wiiw net inflows reach 2021)."""
    fig = views.fdi_view(data, ViewState(partner="ITA"))["cumulative"]
    texts = " ".join(a.text or "" for a in fig.layout.annotations)
    assert "No official data by investor" not in texts
    assert "UNCTAD gross FDI inflows from Italy: published to 2012" in texts
    assert "the claim runs to 2023" in texts


def test_visa_rows_flagged_issued_over_applied_are_marked(data: CleanData) -> None:
    """Item 18: France's consulates in Kazakhstan, 2019: one consulate issued more visas
    (uniform + LTV) than it had applications; the chart marks the year."""
    figs = views.visas_view(data, ViewState(reporter="KAZ", partner="FRA"))
    for chart in ("consulates_trend", "issuance_rate"):
        marks = [t for t in figs[chart].data if t.name and t.name.startswith("Flagged")]
        assert len(marks) == 1, chart
        assert list(marks[0].x) == [2019], chart
        assert "issued > applied" in marks[0].text[0]


def test_export_names_files_like_the_modebar_and_skips_empty_cards(
    data: CleanData, clean_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Items 3 and 10: one naming function (with the year); cards saying "no data" are not
    exported. KAZ–DEU: Germany declares no imports from Kazakhstan in the bundled files."""
    import kaleido

    monkeypatch.setattr(export, "find_browser", lambda: "/usr/bin/true")
    monkeypatch.setattr(kaleido, "start_sync_server", lambda **_: None)
    monkeypatch.setattr(kaleido, "stop_sync_server", lambda **_: None)
    monkeypatch.setattr(kaleido, "calc_fig_sync", lambda fig, opts: PNG + b"fake")
    result = export.export(clean_dir, tmp_path, "KAZ", "DEU", ["partner"], log=lambda _: None)
    state = layout.state_from_query("partner", data, {"reporter": "KAZ", "partner": "DEU"})
    figs = layout.page_figures("partner", data, state)
    names = {p.name for p in result.written}
    assert "partner_KAZ-DEU_2023_flows.png" in names
    assert "partner_KAZ-DEU_2023_mirror_imports.png" in names
    assert "partner_KAZ-DEU_2023_mirror_exports" in result.skipped
    for chart, fig in figs.items():
        name = layout.chart_filename("partner", state, chart)
        assert (f"{name}.png" in names) != export.is_empty(fig), chart


def test_long_source_notes_wrap_instead_of_running_off_the_figure() -> None:
    from dashboard.figures.common import NOTE_LINE_CHARS, wrap_note

    editions = (f"edition {i}: tables saved 2022-09 to 2024-06" for i in range(9))
    text = "Source: " + " · ".join(editions)
    lines = wrap_note(text).split("<br>")
    assert len(lines) > 1 and all(len(line) <= NOTE_LINE_CHARS for line in lines)
    assert " · ".join(lines) == text  # broken between parts: nothing lost or reordered
    assert wrap_note("Source: short") == "Source: short"

"""The briefing as a Word document a ministry can paste from (issue 14).

Same sentences, footnotes and fact checks as the Briefing page and briefing.md
(`dashboard.briefing`), and the app's own charts as PNG images with numbered captions. Word
footnotes proper are not supported by python-docx, so each sentence carries numbered
superscript markers and the numbered notes are listed under "Sources" at the end (endnotes).

`briefing_docx(data, state, charts)` is pure apart from python-docx: the PNGs come in as
bytes. `render_charts` renders figures with kaleido, one render server for the whole batch (as
`dashboard.export` does); the app's download button and `python -m dashboard.export --format
docx` both call `docx_bytes`.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from dashboard import briefing
from dashboard.data import CleanData
from dashboard.state import ViewState
from etl import countries

# The charts a briefing carries, (page, chart) in order; charts a selection lacks are left out.
CHARTS: tuple[tuple[str, str], ...] = (
    ("briefing", "turnover"),
    ("overview", "top_partners"),
    ("partner", "flows"),
    ("partner", "rank_share"),
    ("briefing", "facts_check"),
)
IMAGE_WIDTH_CM = 16.0
RENDER = {"format": "png", "width": 1100, "height": 620, "scale": 2}
CHECK_MARK = {
    "contradicted": "Contradicted. ",
    "partial": "Partly checkable. ",
    "not checkable": "Not checkable. ",
    "consistent": "Consistent. ",
}
_TAGS = re.compile(r"<[^>]+>")
_render_lock = threading.Lock()  # one kaleido server per process at a time


@dataclass(frozen=True)
class Chart:
    png: bytes
    title: str
    source: str  # the figure's own footnote: "BNS, ... · data to Dec 2023 · edition: ..."


def _plain(text: str) -> str:
    return " ".join(_TAGS.sub(" ", text.replace("<br>", " ")).split())


def chart_title(fig: go.Figure) -> str:
    text = str(getattr(fig.layout.title, "text", "") or "")
    return _plain(text.split("<br>")[0])


def chart_source(fig: go.Figure) -> str:
    for ann in fig.layout.annotations:
        text = _plain(str(ann.text or ""))
        if text.startswith("Source: "):
            return text.removeprefix("Source: ")
    return ""


def briefing_figures(data: CleanData, state: ViewState) -> list[go.Figure]:
    """The CHARTS of this selection that have data, each page resolved as the app does."""
    from dashboard.layout import state_from_query  # the app's URL -> state fitting
    from dashboard.pages import page_figures

    asked = {"reporter": state.reporter, "partner": state.partner or ""}
    if state.year is not None:
        asked["year"] = str(state.year)
    out = []
    views: dict[str, dict[str, go.Figure]] = {}
    for page, chart in CHARTS:
        if page not in views:
            views[page] = page_figures(page, data, state_from_query(page, data, asked))
        fig = views[page].get(chart)
        meta = fig.layout.meta if fig is not None else None
        if fig is not None and not (isinstance(meta, dict) and meta.get("empty")):
            out.append(fig)
    return out


def render_charts(figures: Sequence[go.Figure]) -> list[Chart]:
    """PNG of each figure via kaleido, one render server for the batch."""
    import kaleido  # heavy: only when a document is asked for

    charts = []
    with _render_lock:
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        try:
            for fig in figures:
                png = kaleido.calc_fig_sync(fig, opts=RENDER)
                charts.append(Chart(png, chart_title(fig), chart_source(fig)))
        finally:
            kaleido.stop_sync_server(silence_warnings=True)
    return charts


def _superscript(paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    run.font.superscript = True


def _small(paragraph, text: str, italic: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.size = Pt(9)
    run.font.italic = italic
    run.font.bold = False
    run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def briefing_docx(data: CleanData, state: ViewState, charts: Iterable[Chart]) -> bytes:
    """The .docx bytes: title, key facts with numbered source markers, fact checks, the charts
    with captions, then the numbered sources."""
    reporter = countries.label(state.reporter)
    partner = countries.label(state.partner or "")
    doc = Document()
    doc.core_properties.title = f"Briefing: {reporter} – {partner}"
    doc.core_properties.author = "tradeboard"
    doc.add_heading(f"Briefing: {reporter} – {partner}", level=0)
    intro = doc.add_paragraph()
    _small(
        intro,
        f"ETL run {data.as_of} (data version {data.version[:12]}). Every number comes from the "
        "official source in its numbered note; each note names the edition. Published claims "
        "are shown beside the official value, never instead of it.",
        italic=True,
    )
    numbers: dict[str, int] = {}
    heading = None
    doc.add_heading("Key facts", level=1)
    for sentence in briefing.briefing_sentences(data, state):
        this = briefing.TOPIC_HEADINGS.get(sentence.topic, sentence.topic.capitalize() or "Other")
        if this != heading:
            heading = this
            doc.add_heading(heading, level=2)
        para = doc.add_paragraph(style="List Bullet")
        para.add_run(sentence.text)
        marks = []
        for note in sentence.footnotes:
            n = numbers.setdefault(note.text, len(numbers) + 1)
            if n not in marks:
                marks.append(n)
        if marks:
            _superscript(para, ",".join(str(n) for n in marks))
        for check in sentence.checks:
            sub = doc.add_paragraph(style="List Bullet 2")
            label = CHECK_MARK.get(check.status, "")
            bold = sub.add_run(label)
            bold.bold = check.status in ("contradicted", "partial")
            sub.add_run(check.text)
    charts = list(charts)
    if charts:
        doc.add_heading("Charts", level=1)
    for i, chart in enumerate(charts, 1):
        pic = doc.add_paragraph()
        pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pic.add_run().add_picture(io.BytesIO(chart.png), width=Cm(IMAGE_WIDTH_CM))
        caption = doc.add_paragraph(style="Caption")
        caption.add_run(f"Figure {i}. {chart.title}")
        if chart.source:
            _small(caption, f" Source: {chart.source}.")
    if numbers:
        doc.add_heading("Sources", level=1)
        for text, n in numbers.items():
            para = doc.add_paragraph()
            _superscript(para, str(n))
            para.add_run(f" {text}")
            para.paragraph_format.space_after = Pt(3)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_bytes(data: CleanData, state: ViewState) -> bytes:
    """The whole briefing document for a selection, charts rendered."""
    return briefing_docx(data, state, render_charts(briefing_figures(data, state)))


def docx_filename(state: ViewState) -> str:
    return f"briefing_{state.reporter}-{state.partner}.docx"
